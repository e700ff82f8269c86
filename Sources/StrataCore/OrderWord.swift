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
