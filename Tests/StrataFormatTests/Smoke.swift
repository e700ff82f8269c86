import Testing
@testable import StrataFormat

@Test func moduleLoads() { #expect(Bool(true)) }
