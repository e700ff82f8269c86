import Testing
@testable import StrataSQL

@Test func moduleLoads() { #expect(Bool(true)) }
