import Testing
@testable import StrataCore
@testable import StrataGen

/// The DuckDB order of doubles that `OrderWord.double` encodes: -0.0 equals 0.0, NaN equals
/// NaN and is above everything else, numeric order otherwise. -1, 0, 1.
func referenceCompare(_ a: Double, _ b: Double) -> Int {
    if a.isNaN || b.isNaN { return a.isNaN == b.isNaN ? 0 : (a.isNaN ? 1 : -1) }
    return a < b ? -1 : (a > b ? 1 : 0)
}

/// Doubles drawn from the special values, NaNs with any sign and payload, tiny and huge
/// numbers and random bit patterns.
struct DoubleDraw {
    var rng: TestRNG
    init(seed: UInt64) { rng = TestRNG(seed) }
    static let specials: [Double] = [0.0, -0.0, .nan, -.nan, .infinity, -.infinity, .signalingNaN,
                                     .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                     -.greatestFiniteMagnitude, .leastNormalMagnitude, 1.5, -1.5, 1, -1]
    mutating func next() -> Double {
        let r = rng.next()
        switch r % 4 {
        case 0: return DoubleDraw.specials[rng.int(0...DoubleDraw.specials.count - 1)]
        case 1: return Double(bitPattern: 0x7FF0_0000_0000_0001 | rng.next() | (r & 8 == 0 ? 0 : 1 << 63))  // a NaN
        case 2: return Double(rng.int(-3...3)) / 2
        default: return Double(bitPattern: rng.next())
        }
    }
}

@Test func orderWordOfSpecialDoubles() {
    typealias W = OrderWord
    #expect(W.double(-0.0) == W.double(0.0))
    #expect(W.double(-0.0) == 0)
    #expect(W.double(.nan) == W.double(-.nan))
    #expect(W.double(.nan) == W.double(.signalingNaN))
    #expect(W.double(Double(bitPattern: 0xFFFF_FFFF_FFFF_FFFF)) == W.double(.nan))
    #expect(W.double(.infinity) < W.double(.nan))
    #expect(W.double(-.infinity) < W.double(-.greatestFiniteMagnitude))
    #expect(W.double(-.leastNonzeroMagnitude) < W.double(0))
    #expect(W.double(0) < W.double(.leastNonzeroMagnitude))
    #expect(W.double(-2) < W.double(-1))
    #expect(W.double(.greatestFiniteMagnitude) < W.double(.infinity))
    // decoding: +0.0 for both zeros, the quiet NaN for every NaN
    #expect(W.doubleValue(W.double(-0.0)).bitPattern == 0)
    #expect(W.doubleValue(W.double(-.nan)).bitPattern == Double.nan.bitPattern)
    #expect(W.doubleValues(W.doubles([1.5, -2, .infinity])) == [1.5, -2, .infinity])
}

/// Over many seeds: words compare like the reference order, and decode to an equal value.
@Test func orderWordMatchesReferenceOrder() {
    for seed in 0..<200 as Range<UInt64> {
        var draw = DoubleDraw(seed: seed)
        let xs = (0..<200).map { _ in draw.next() }
        let words = OrderWord.doubles(xs)
        for i in 0..<xs.count {
            #expect(words[i] == OrderWord.double(xs[i]))
            let back = OrderWord.doubleValue(words[i])
            #expect(referenceCompare(back, xs[i]) == 0 && OrderWord.double(back) == words[i], "seed \(seed): \(xs[i])")
            let j = (i * 7 + 3) % xs.count
            let a = words[i], b = words[j]
            #expect((a < b ? -1 : (a > b ? 1 : 0)) == referenceCompare(xs[i], xs[j]), "seed \(seed): \(xs[i]) vs \(xs[j])")
            // the comparisons of SQL (=, <, ...) and of min/max use the same rule
            #expect(OrderWord.compare(xs[i], xs[j]) == referenceCompare(xs[i], xs[j]))
            #expect(OrderWord.less(xs[i], xs[j]) == (referenceCompare(xs[i], xs[j]) < 0))
        }
    }
}
