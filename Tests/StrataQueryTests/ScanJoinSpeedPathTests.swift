import Foundation
import Testing
import StrataCore
@testable import StrataQuery
import StrataSQL

/// The session-10 speed paths of scans, semi joins and aggregates over relations, each checked
/// against a direct computation over random data: filter stages (a conjunct per column set, the
/// later ones on the selected rows only), semi joins on hex-id strings as scan filters (small
/// and too-large key sets), hex-id concatenation a word per row, and chunked parallel
/// aggregation of large relations.
@Suite struct ScanJoinSpeedPathTests {
    private static func hex(_ x: UInt64) -> String {
        let s = String(x, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// Rows (id, event, tag, x, vid) with NULLs here and there; vid a 16-hex-digit id.
    private static func rows(seed: UInt64, count: Int, ids: UInt64) -> [(Int, String?, String?, Int64?, String?)] {
        var rng = ReportRNG(state: seed)
        let events = ["click", "view", "conversion"]
        return (0..<count).map { i in
            let e: String? = rng.next() % 13 == 0 ? nil : events[Int(rng.next() % 3)]
            let t: String? = rng.next() % 11 == 0 ? nil : (rng.next() % 3 == 0 ? "" : "t\(rng.next() % 5)")
            let x: Int64? = rng.next() % 9 == 0 ? nil : Int64(rng.next() % 100)
            let v: String? = rng.next() % 17 == 0 ? nil : hex(0x1000_0000_0000 &+ (rng.next() % ids) &* 0x9E37_79B9)
            return (i, e, t, x, v)
        }
    }

    private static func line(_ r: (Int, String?, String?, Int64?, String?)) -> String {
        "\(r.0)|\(r.1 ?? "NULL")|\(r.2 ?? "NULL")|\(r.3.map(String.init) ?? "NULL")|\(r.4 ?? "NULL")"
    }

    private static let schema = "id BIGINT, event VARCHAR, tag VARCHAR, x BIGINT, vid VARCHAR"

    /// Conjuncts over different columns, selective and not, with NULLs: the rows kept and an
    /// aggregate over them equal a direct evaluation.
    @Test func filterStagesKeepTheSameRows() throws {
        for seed in [3, 5, 8] as [UInt64] {
            let data = Self.rows(seed: seed, count: 3000, ids: 500)
            let r = try joinRunner([("t", Self.schema, data.map(Self.line))])
            let cases: [(String, ((Int, String?, String?, Int64?, String?)) -> Bool)] = [
                ("event = 'conversion' AND tag <> ''", { $0.1 == "conversion" && $0.2 != nil && $0.2 != "" }),
                ("event = 'click' AND x >= 50 AND tag = 't1'", { $0.1 == "click" && ($0.3 ?? -1) >= 50 && $0.2 == "t1" }),
                ("x < 90 AND event <> 'view' AND x >= 10", { ($0.3 ?? -1) < 90 && ($0.3 ?? -1) >= 10 && $0.1 != nil && $0.1 != "view" }),
                ("tag = 't2' AND (event = 'view' OR x = 3) AND vid IS NOT NULL",
                 { $0.2 == "t2" && ($0.1 == "view" || $0.3 == 3) && $0.4 != nil }),
                ("event = 'nothing' AND x > 1", { _ in false }),
            ]
            for (cond, keep) in cases {
                let want = data.filter(keep).map { "\($0.0)|\($0.3.map(String.init) ?? "NULL")|\($0.4 ?? "NULL")" }
                #expect(try joinQuery(r, "SELECT id, x, vid FROM t WHERE \(cond) ORDER BY id") == want, "\(cond)")
                let kept = data.filter(keep)
                let sum = kept.compactMap(\.3).reduce(0, +)
                let got = try joinQuery(r, "SELECT count(*), sum(x), count(DISTINCT vid) FROM t WHERE \(cond)")
                #expect(got == ["\(kept.count)|\(kept.compactMap(\.3).isEmpty ? "NULL" : String(sum))|\(Set(kept.compactMap(\.4)).count)"], "\(cond)")
            }
        }
    }

    /// `vid IN (SELECT vid …)` over hex-id strings: a few keys (a scan filter) and more than the
    /// filter takes (a hash semi join, the right side run once); NULL keys never match.
    @Test func hexStringSemiJoinsMatchDirectEvaluation() throws {
        for (seed, ids) in [(UInt64(21), UInt64(300)), (22, 20_000)] {
            let left = Self.rows(seed: seed, count: 6000, ids: ids)
            let right = Self.rows(seed: seed + 100, count: 6000, ids: ids)
            let r = try joinRunner([("l", Self.schema, left.map(Self.line)), ("r", Self.schema, right.map(Self.line))])
            for cond in ["event = 'conversion'", "x < 3", "x >= 0"] {
                let rk: Set<String> = Set(right.filter { r in
                    switch cond {
                    case "event = 'conversion'": return r.1 == "conversion"
                    case "x < 3": return (r.3 ?? 100) < 3
                    default: return r.3 != nil
                    }
                }.compactMap(\.4))
                let want = left.filter { $0.1 == "click" && $0.4.map(rk.contains) == true }
                let sql = "SELECT count(*), count(DISTINCT vid), sum(id) FROM l WHERE event = 'click' AND vid IN (SELECT vid FROM r WHERE \(cond))"
                #expect(try joinQuery(r, sql) == ["\(want.count)|\(Set(want.compactMap(\.4)).count)|\(want.isEmpty ? "NULL" : String(want.map(\.0).reduce(0, +)))"],
                        "\(ids) ids, \(cond)")
                // the selected right rows themselves, hex ids as text
                let ids = try joinQuery(r, "SELECT DISTINCT vid FROM r WHERE \(cond) AND vid IS NOT NULL ORDER BY vid")
                #expect(ids == rk.sorted())
            }
        }
    }

    /// Hex-id columns concatenated from a selective scan (fewer rows than dictionary entries)
    /// keep their text, order, equality and grouping.
    @Test func selectiveHexConcatenationKeepsValues() throws {
        let data = Self.rows(seed: 31, count: 5000, ids: 4000)
        let r = try joinRunner([("t", Self.schema, data.map(Self.line))])
        let kept = data.filter { ($0.3 ?? 100) < 4 }
        #expect(try joinQuery(r, "SELECT vid FROM t WHERE x < 4 ORDER BY vid NULLS LAST, id") ==
                kept.sorted { ($0.4 ?? "~", $0.0) < ($1.4 ?? "~", $1.0) }.map { $0.4 ?? "NULL" })
        let groups = Dictionary(grouping: kept.compactMap(\.4), by: { $0 }).map { "\($0.key)|\($0.value.count)" }.sorted()
        #expect(try joinQuery(r, "SELECT v, count(*) FROM (SELECT vid AS v FROM t WHERE x < 4) AS s WHERE v IS NOT NULL GROUP BY v ORDER BY v") == groups)
        // a join on the concatenated ids: each kept row meets every row with its id
        let all = Dictionary(grouping: data.compactMap(\.4), by: { $0 }).mapValues(\.count)
        let pairs = kept.compactMap(\.4).reduce(0) { $0 + all[$1]! }
        #expect(try joinQuery(r, "SELECT count(*) FROM (SELECT vid FROM t WHERE x < 4) AS a JOIN t AS b ON a.vid = b.vid") == ["\(pairs)"])
    }

    /// Aggregates over a relation of more than `RelationChunks.minRows` rows run in chunks on
    /// every thread: group counts, sums, extremes, distinct counts and FILTERs as one pass gives.
    @Test func chunkedRelationAggregatesAgree() throws {
        let r = try joinRunner([])
        let n = RelationChunks.minRows + 12_345
        let rows = try joinQuery(r, """
            SELECT i % 7 AS k, count(*), sum(i), min(i), max(i), count(DISTINCT i % 1000), count(*) FILTER (WHERE i % 3 = 0),
                   bool_or(i = 5)
            FROM range(\(n)) AS t(i) WHERE i % 5 <> 1 GROUP BY k ORDER BY k
            """)
        var want: [String] = []
        for k in 0..<7 {
            let xs = (0..<n).filter { $0 % 7 == k && $0 % 5 != 1 }
            let distinct = Set(xs.map { $0 % 1000 }).count
            want.append("\(k)|\(xs.count)|\(xs.reduce(0, +))|\(xs.min()!)|\(xs.max()!)|\(distinct)|\(xs.filter { $0 % 3 == 0 }.count)|\(xs.contains(5))")
        }
        #expect(rows == want)
        // order-sensitive aggregates keep the single pass
        #expect(try joinQuery(r, "SELECT string_agg(CAST(i AS VARCHAR), ',') FROM range(\(n)) AS t(i) WHERE i < 5") == ["0,1,2,3,4"])
    }
}
