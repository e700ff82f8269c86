import StrataTestSupport

/// SplitMix64: small, seeded, deterministic. The test target's one random number generator
/// (reports, joins, group tables, top groups, subqueries, window frames).
struct ReportRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    /// Starts from `state` as given (the seed not spread first).
    init(state: UInt64) { self.state = state }
    mutating func next() -> UInt64 { splitMix64Next(&state) }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
}
