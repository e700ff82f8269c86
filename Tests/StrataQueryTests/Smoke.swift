import Testing
@testable import StrataQuery

@Test func moduleLoads() { #expect(Bool(true)) }
