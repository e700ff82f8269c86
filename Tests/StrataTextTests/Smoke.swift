import Testing
@testable import StrataText

@Test func moduleLoads() { #expect(Bool(true)) }
