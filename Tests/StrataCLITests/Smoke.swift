import Testing
@testable import StrataCLI

@Test func moduleLoads() { #expect(Bool(true)) }
