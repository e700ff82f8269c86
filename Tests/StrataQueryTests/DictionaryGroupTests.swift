import Foundation
import Testing
import StrataCore
@testable import StrataQuery

/// GROUP BY over dictionary-coded strings (the local combination map of DictionaryGroups)
/// against a direct count, over random data with NULLs loaded in several batches (each segment
/// its own dictionary), for plain GROUP BY and ROLLUP, with few and with many combinations;
/// without NULLs too (one or two keys: the one-pass path).
@Test(arguments: [true, false])
func dictionaryGroupKeysGiveTheDirectCounts(withNulls: Bool) throws {
    var rng = SystemRandomNumberGenerator()
    for (seed, distinct) in [(0, 4), (1, 40), (2, 400)] {
        let r = try joinRunner([("t", "a VARCHAR, b VARCHAR, x BIGINT", [])])
        var rows: [(String?, String?, Int)] = []
        for batch in 0..<3 {
            var lines: [String] = []
            for i in 0..<2500 {
                let a: String? = withNulls && Int.random(in: 0..<10, using: &rng) == 0 ? nil : "a\(Int.random(in: 0..<distinct, using: &rng))"
                let b: String? = withNulls && Int.random(in: 0..<7, using: &rng) == 0 ? nil : "b\(Int.random(in: 0..<(batch + 2), using: &rng))é"
                rows.append((a, b, i + seed))
                lines.append("\(a ?? "NULL")|\(b ?? "NULL")|\(i + seed)")
            }
            try r.load("t", lines)
        }
        func cell(_ s: String?) -> String { s ?? "NULL" }
        var want: [String: (Int, Int)] = [:]
        for (a, b, x) in rows { let k = "\(cell(a))|\(cell(b))"; want[k, default: (0, 0)].0 += 1; want[k, default: (0, 0)].1 += x }
        let got = try joinQuery(r, "SELECT a, b, count(*), sum(x) FROM t GROUP BY a, b")
        #expect(got.sorted() == want.map { "\($0.key)|\($0.value.0)|\($0.value.1)" }.sorted(), "distinct \(distinct)")
        var one: [String: Int] = [:]
        for (_, b, _) in rows { one[cell(b), default: 0] += 1 }
        let single = try joinQuery(r, "SELECT b, count(*) FROM t GROUP BY b")
        #expect(single.sorted() == one.map { "\($0.key)|\($0.value)" }.sorted(), "distinct \(distinct)")
        // ROLLUP: the (a, b) groups, the (a) subtotals and the grand total
        var sub: [String: Int] = [:]
        for (a, _, _) in rows { sub[cell(a), default: 0] += 1 }
        let rolled = try joinQuery(r, "SELECT a, b, count(*), grouping(a, b) FROM t GROUP BY ROLLUP (a, b)")
        let expected = want.map { "\($0.key)|\($0.value.0)|0" } + sub.map { "\($0.key)|NULL|\($0.value)|1" } + ["NULL|NULL|\(rows.count)|3"]
        #expect(rolled.sorted() == expected.sorted(), "distinct \(distinct)")
    }
}
