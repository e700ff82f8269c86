/// The one rule that turns a value into an order-preserving `Int64` key word, for every
/// in-memory key: the ingest sort, dedup, compaction merges, ORDER BY, GROUP BY, DISTINCT,
/// join keys, window partitions, count(DISTINCT)/mode/approx_count_distinct.
///
/// DOUBLE follows DuckDB: -0.0 is the same word as 0.0 (one group, one join key, a tie in a
/// sort), every NaN is one word that is greater than +inf (NaN equals NaN and sorts last),
/// and the other values keep their numeric order. Two words are equal exactly when the
/// values are equal under that rule, and signed comparison of words is the value order.
///
/// Not for anything on disk: segment min/max statistics stay the raw bit pattern of the
/// double (NaN ignored), as Format.md documents.
public enum OrderWord {
    /// The word of `d`. Branch-free but for the NaN select; meant for loops over buffers.
    @inlinable @inline(__always)
    public static func double(_ d: Double) -> Int64 {
        // -0.0 + 0.0 is +0.0 (IEEE round to nearest); every NaN becomes the quiet NaN
        // 0x7FF8_0000_0000_0000, above +inf's 0x7FF0_0000_0000_0000
        let x = d.isNaN ? Double.nan : d + 0.0
        let b = Int64(bitPattern: x.bitPattern)
        // negative doubles order backwards by their bits: flip all but the sign bit
        return b ^ ((b >> 63) & Int64.max)
    }

    /// The double of a word made by `double(_:)`: +0.0 for zero, the quiet NaN for NaN.
    @inlinable @inline(__always)
    public static func doubleValue(_ w: Int64) -> Double {
        Double(bitPattern: UInt64(bitPattern: w ^ ((w >> 63) & Int64.max)))
    }

    /// Three-way comparison of doubles by their words: -1, 0 or 1 (-0.0 equals 0.0, NaN
    /// equals NaN and is above +inf). The SQL comparison of DOUBLE values.
    @inlinable @inline(__always)
    public static func compare(_ a: Double, _ b: Double) -> Int {
        let x = double(a), y = double(b)
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    /// Whether `a` orders before `b` (min/max of DOUBLE).
    @inlinable @inline(__always)
    public static func less(_ a: Double, _ b: Double) -> Bool { double(a) < double(b) }

    /// The words of `values`, in order.
    @inlinable
    public static func doubles(_ values: [Double]) -> [Int64] {
        [Int64](unsafeUninitializedCapacity: values.count) { out, n in
            values.withUnsafeBufferPointer { v in
                for i in 0..<v.count { out[i] = double(v[i]) }
            }
            n = values.count
        }
    }

    /// The doubles of `words` (inverse of `doubles(_:)` up to -0.0 and NaN payloads); for
    /// decoding group keys, once per group.
    public static func doubleValues(_ words: [Int64]) -> [Double] {
        words.map { doubleValue($0) }
    }
}

extension Column {
    /// One word per row whose signed order is the order of the values (NULL rows hold
    /// anything: see `validity`): integers as they are, booleans 0/1, doubles by
    /// `OrderWord.double`, strings by the rank of their bytes in the dictionary (equal strings
    /// share a rank even if the dictionary repeats them; a code outside the dictionary, which
    /// only a NULL row may hold, gets -1). The ingest sort, deduplication and compaction
    /// merges order rows by these words.
    public func orderWords() -> [Int64] {
        switch data {
        case .int64(let v): return v
        case .bool(let v): return v.map { Int64($0) }
        case .double(let v): return OrderWord.doubles(v)
        case .string(let codes, let dict):
            if dict.isSortedUnique { return codes.map { Int64($0) } }
            var entries = Array(0..<Int32(dict.count))
            entries.sort { dict.compare(Int($0), Int($1)) < 0 }
            var rank = [Int64](repeating: 0, count: dict.count)
            var r: Int64 = 0
            for (i, e) in entries.enumerated() {
                if i > 0 && dict.compare(Int(entries[i - 1]), Int(e)) != 0 { r += 1 }
                rank[Int(e)] = r
            }
            return rank.withUnsafeBufferPointer { rk in codes.map { $0 < UInt32(rk.count) ? rk[Int($0)] : -1 } }
        }
    }
}
