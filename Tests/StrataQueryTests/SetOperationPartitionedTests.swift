import Foundation
import Testing
import StrataCore
@testable import StrataQuery
import StrataSQL

/// Set operations over inputs large enough for the partitioned path (both sides together at
/// least `PartitionedSetOperation.minRows` rows): every kind, with NULLs, hex-id strings and
/// dictionary strings in the keys, equals a direct multiset computation.
@Suite struct SetOperationPartitionedTests {
    private static func hex(_ x: UInt64) -> String {
        let s = String(x, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// Rows id|x|vid|tag: x small with NULLs, vid a 16-hex-digit id from a small pool.
    private static func rows(seed: UInt64, count: Int) -> [String] {
        var rng = ReportRNG(state: seed)
        return (0..<count).map { i in
            let x = rng.next() % 19 == 0 ? "NULL" : String(rng.next() % 20)
            let v = rng.next() % 23 == 0 ? "NULL" : hex(0x1000_0000_0000 &+ (rng.next() % 300) &* 0x9E37_79B9)
            let t = rng.next() % 29 == 0 ? "NULL" : ["a", "b", "", "dd"][Int(rng.next() % 4)]
            return "\(i)|\(x)|\(v)|\(t)"
        }
    }

    @Test func everyKindEqualsMultisets() throws {
        let n = 90_000, split = 47_000
        #expect(n >= PartitionedSetOperation.minRows)
        for seed in [11, 12] as [UInt64] {
            let data = Self.rows(seed: seed, count: n)
            let r = try joinRunner([("t", "id BIGINT, x BIGINT, vid VARCHAR, tag VARCHAR", data)])
            let keys = data.map { $0.split(separator: "|", omittingEmptySubsequences: false).dropFirst().joined(separator: "|") }
            var left: [String: Int] = [:], right: [String: Int] = [:]
            for (i, k) in keys.enumerated() {
                if i < split { left[k, default: 0] += 1 } else { right[k, default: 0] += 1 }
            }
            let expected: [(String, [String])] = [
                ("EXCEPT", left.keys.filter { right[$0] == nil }.map { $0 }),
                ("EXCEPT ALL", left.flatMap { k, c in Array(repeating: k, count: max(0, c - (right[k] ?? 0))) }),
                ("INTERSECT", left.keys.filter { right[$0] != nil }.map { $0 }),
                ("INTERSECT ALL", left.flatMap { k, c in Array(repeating: k, count: min(c, right[k] ?? 0)) }),
                ("UNION", Array(Set(left.keys).union(right.keys))),
            ]
            for (op, want) in expected {
                let sql = "SELECT x, vid, tag FROM t WHERE id < \(split) \(op) SELECT x, vid, tag FROM t WHERE id >= \(split)"
                let got = try joinQuery(r, sql)
                #expect(got.sorted() == want.sorted(), "\(op) seed \(seed): \(got.count) rows, want \(want.count)")
            }
            // one key word per row (no NULL masks): a column without NULLs
            let ids = Set(data.map { String($0.split(separator: "|", omittingEmptySubsequences: false)[0]) })
            let got = try joinQuery(r, "SELECT id FROM t EXCEPT SELECT id + 1000 FROM t")
            #expect(got.count == 1000 && Set(got).isSubset(of: ids))
            // a hex-id column against computed text: the same strings are the same keys
            let some = Array(Set(keys.map { String($0.split(separator: "|", omittingEmptySubsequences: false)[1]) }).filter { $0 != "NULL" }).sorted().prefix(5)
            let values = some.map { "('\($0)')" }.joined(separator: ", ")
            let lefts = Set(keys.map { String($0.split(separator: "|", omittingEmptySubsequences: false)[1]) }).filter { $0 != "NULL" }
            let wantVids = lefts.subtracting(some).sorted()
            let gotVids = try joinQuery(r, "SELECT vid FROM t WHERE vid IS NOT NULL EXCEPT SELECT lower(v) FROM (VALUES \(values)) AS s(v)")
            #expect(gotVids.sorted() == wantVids)
        }
    }
}
