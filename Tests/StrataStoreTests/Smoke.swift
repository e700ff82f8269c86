import Testing
@testable import StrataStore

@Test func moduleLoads() { #expect(Bool(true)) }
