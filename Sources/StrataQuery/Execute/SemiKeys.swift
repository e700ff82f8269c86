import StrataCore

/// The distinct keys of a semi join's right side, for running the join as `key IN (…)` over
/// the left scan: counted on key words (no text per row), so a side with too many keys is
/// given up on cheaply.
enum SemiKeys {
    /// The first row of each distinct non-NULL key of `k` (`n` rows), in row order; nil when
    /// there are more than `limit`.
    static func distinctRows(_ k: Vec, _ n: Int, _ enc: KeyEncoder, limit: Int) -> [Int]? {
        let (words, nulls) = enc.words(k, n: n)
        var seen = Set<Int64>()
        var rows: [Int] = []
        for i in 0..<n where nulls[i] == 0 {
            if seen.insert(words[i]).inserted {
                rows.append(i)
                if rows.count > limit { return nil }
            }
        }
        return rows
    }

    /// The values of `k` at `rows`; hex-id text formatted from the word (the dictionary is not
    /// expanded to text).
    static func values(_ k: Vec, _ rows: [Int]) -> [Value] {
        if k.type == .varchar, let hw = k.dict?.hexWords {
            return rows.map { i in
                let s = String(UInt64(bitPattern: hw[Int(k.ints[k.idx(i)])]), radix: 16)
                return .string(String(repeating: "0", count: 16 - s.count) + s)
            }
        }
        return rows.map { k.value($0) }
    }
}
