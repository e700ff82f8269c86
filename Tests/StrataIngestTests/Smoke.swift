import Testing
@testable import StrataIngest

@Test func moduleLoads() { #expect(Bool(true)) }
