@testable import StrataGen

/// The click generator's SplitMix64, seeded like the format tests' generator.
typealias TestRNG = SplitMix64

extension SplitMix64 {
    init(_ seed: UInt64) { self.init(seed: seed &* 0x9E37_79B9_7F4A_7C15 | 1) }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
}
