// Deterministic random numbers and math for the synthetic click generator.
//
// Everything here uses only IEEE-754 basic operations (+, -, *, /, sqrt) and integer
// arithmetic, never libm's `log`/`exp`/`pow`, whose last-bit rounding may differ between
// C libraries.  Together with SplitMix64 this makes generated files byte-identical on
// every platform.

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, fully portable 64-bit PRNG.
struct SplitMix64: Sendable {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    /// Creates a generator whose stream is derived from several words (e.g. a seed and a stream tag).
    init(_ a: UInt64, _ b: UInt64) { state = SplitMix64.mix(a &+ SplitMix64.mix(b ^ 0x6A09_E667_F3BC_C909)) }

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finalizer: a bijective 64-bit hash.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in `0..<n` (n > 0), by the high word of a 64x64 multiply.
    @inline(__always)
    mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform integer in `lo..<hi`.
    @inline(__always)
    mutating func range(_ lo: Int, _ hi: Int) -> Int { lo + below(hi - lo) }

    /// Uniform double in [0, 1).
    @inline(__always)
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform double in (0, 1] (safe for logarithms).
    @inline(__always)
    mutating func unitOpen() -> Double { Double((next() >> 11) + 1) * 0x1p-53 }

    /// `true` with probability `p`.
    @inline(__always)
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Exponential variate with the given mean.
    @inline(__always)
    mutating func exponential(mean: Double) -> Double { -mean * DetMath.ln(unitOpen()) }

    /// Standard normal variate (Marsaglia's polar method; one value per accepted pair).
    mutating func normal() -> Double {
        while true {
            let u = 2 * unit() - 1
            let v = 2 * unit() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * DetMath.ln(s) / s).squareRoot() }
        }
    }

    /// Log-normal variate `exp(mu + sigma * N(0,1))`.
    mutating func logNormal(mu: Double, sigma: Double) -> Double { DetMath.exp(mu + sigma * normal()) }

    /// Geometric variate on {1, 2, ...}: number of Bernoulli(p) trials up to the first success.
    mutating func geometric(_ p: Double) -> Int { geometric(lnQ: DetMath.ln(1 - p)) }

    /// Geometric variate given `lnQ = ln(1 - p)` (precomputed by hot loops).
    @inline(__always)
    mutating func geometric(lnQ: Double) -> Int {
        let g = DetMath.ln(unitOpen()) / lnQ
        return Int(g < 1e6 ? g : 1e6) + 1
    }

    /// Picks `k` distinct indices out of `0..<n` (partial Fisher-Yates), in draw order.
    mutating func sample(_ n: Int, _ k: Int) -> [Int] {
        var idx = Array(0..<n)
        for i in 0..<k { idx.swapAt(i, i + below(n - i)) }
        return Array(idx[0..<k])
    }

    /// Picks one element of a non-empty array uniformly.
    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
}

/// Portable natural logarithm / exponential built from basic IEEE operations only.
enum DetMath {
    static let ln2Hi = 6.93147180369123816490e-01
    static let ln2Lo = 1.90821492927058770002e-10
    static let ln2 = 0.693147180559945309417232121458

    /// Natural logarithm of a positive finite `x` (relative error ~1e-16).
    static func ln(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "DetMath.ln domain")
        var e = Int(x.exponent)
        var m = x.significand // [1, 2)
        if m > 1.4142135623730951 { m *= 0.5; e += 1 }
        let s = (m - 1) / (m + 1) // |s| <= 0.1716
        let z = s * s
        // 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), Horner in z = s^2 (terms to s^23: error < 1e-19)
        var q = 1.0 / 23
        q = q * z + 1.0 / 21
        q = q * z + 1.0 / 19
        q = q * z + 1.0 / 17
        q = q * z + 1.0 / 15
        q = q * z + 1.0 / 13
        q = q * z + 1.0 / 11
        q = q * z + 1.0 / 9
        q = q * z + 1.0 / 7
        q = q * z + 1.0 / 5
        q = q * z + 1.0 / 3
        let sum = s + s * z * q
        return Double(e) * ln2Hi + (Double(e) * ln2Lo + 2 * sum)
    }

    /// e^x for finite `x` (relative error ~1e-16).
    static func exp(_ x: Double) -> Double {
        if x < -745 { return 0 }
        if x > 709 { return .infinity }
        let k = (x / ln2).rounded()
        let r = (x - k * ln2Hi) - k * ln2Lo // |r| <= 0.347
        // Taylor series to r^17/17! in Horner form (|r| <= 0.347: error < 1e-19)
        var q = 1.0 / 355_687_428_096_000 // 1/17!
        q = q * r + 1.0 / 20_922_789_888_000
        q = q * r + 1.0 / 1_307_674_368_000
        q = q * r + 1.0 / 87_178_291_200
        q = q * r + 1.0 / 6_227_020_800
        q = q * r + 1.0 / 479_001_600
        q = q * r + 1.0 / 39_916_800
        q = q * r + 1.0 / 3_628_800
        q = q * r + 1.0 / 362_880
        q = q * r + 1.0 / 40320
        q = q * r + 1.0 / 5040
        q = q * r + 1.0 / 720
        q = q * r + 1.0 / 120
        q = q * r + 1.0 / 24
        q = q * r + 1.0 / 6
        q = q * r + 0.5
        q = q * r + 1
        let sum = q * r + 1
        return Double(sign: .plus, exponent: Int(k), significand: 1) * sum
    }

    /// x^y for x > 0.
    static func pow(_ x: Double, _ y: Double) -> Double { exp(y * ln(x)) }
}

/// A discrete distribution over `0..<n` sampled by binary search on integer cumulative weights.
struct WeightedTable: Sendable {
    /// Strictly cumulative integer weights; `cum[i]` = sum of weights `0...i`.
    private(set) var cum: [UInt64]

    /// Builds from non-negative weights (at least one must be positive).
    init(_ weights: [Double]) {
        var total = 0.0
        for w in weights { total += w }
        precondition(total > 0 && !weights.isEmpty, "WeightedTable needs a positive weight")
        var c: [UInt64] = []
        c.reserveCapacity(weights.count)
        var acc: UInt64 = 0
        for w in weights {
            acc += UInt64((w / total * 4294967296.0).rounded())
            c.append(acc)
        }
        if acc == 0 { c[c.count - 1] = 1 }
        cum = c
    }

    var count: Int { cum.count }

    /// Draws an index in `0..<n` from cumulative weights at `cum` (total = `cum[n-1]`).
    @inline(__always)
    static func sample(_ cum: UnsafePointer<UInt64>, _ n: Int, _ rng: inout SplitMix64) -> Int {
        let r = rng.next().multipliedFullWidth(by: cum[n - 1]).high
        var lo = 0
        var hi = n - 1
        while lo < hi {
            let mid = (lo + hi) >> 1
            if cum[mid] > r { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
    var total: UInt64 { cum[cum.count - 1] }

    /// Draws an index.
    @inline(__always)
    func sample(_ rng: inout SplitMix64) -> Int {
        let r = rng.next().multipliedFullWidth(by: total).high
        return cum.withUnsafeBufferPointer { c in
            var lo = 0
            var hi = c.count - 1
            while lo < hi {
                let mid = (lo + hi) >> 1
                if c[mid] > r { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
    }
}
