import Foundation
import Testing
import StrataCore
@testable import StrataQuery
import StrataSQL

/// Subqueries and set operations beyond the DuckDB conformance file: the constructs Strata
/// refuses (with the error naming them), and randomized checks of the NULL rules of IN / NOT IN
/// (hash path and residual path against a direct evaluation) and of INTERSECT / EXCEPT ALL
/// counts.
@Suite struct SubqueryTests {
    private func runner() throws -> SQLLogicRunner {
        try joinRunner([("l", "id BIGINT, k BIGINT, x BIGINT", ["1|1|1", "2|1|NULL", "3|2|5"]),
                        ("r", "k BIGINT, y BIGINT", ["1|1", "1|NULL", "2|7"])])
    }

    private func error(_ r: SQLLogicRunner, _ sql: String) -> String {
        do {
            _ = try joinQuery(r, sql)
            return "(no error)"
        } catch {
            return "\(error)"
        }
    }

    @Test func refusedConstructsSayWhich() throws {
        let r = try runner()
        // (outer columns outside WHERE and non-equality correlations of aggregates are
        // decorrelated now: c_subq2.test)
        #expect(error(r, "SELECT id, (SELECT row_number() OVER () FROM r WHERE r.k = l.k AND r.y = l.x) FROM l").contains("window functions"))
        #expect(error(r, "SELECT id, (SELECT DISTINCT y FROM r WHERE r.k = l.k ORDER BY y LIMIT 1 OFFSET 1) FROM l").contains("LIMIT with DISTINCT or QUALIFY in a correlated subquery"))
        #expect(error(r, "SELECT k, count(*) FROM l GROUP BY k HAVING count(*) > (SELECT count(*) FROM r WHERE r.k = l.k)")
            .contains("correlated subqueries over GROUP BY results"))
        #expect(error(r, "SELECT id FROM l WHERE x IN (SELECT k, y FROM r)").contains("subquery returns 2 columns"))
        #expect(error(r, "SELECT (SELECT y FROM r)").contains("More than one row returned by a subquery"))
    }

    /// IN / NOT IN as values over random data with NULLs, correlated and not, with and without a
    /// residual (which takes the candidate-pair path), against a direct evaluation.
    @Test func inAndNotInFollowSQLNullRules() throws {
        var rng = ReportRNG(state: 7)
        for round in 0..<12 {
            func v(_ n: UInt64) -> Int64? { rng.next() % 4 == 0 ? nil : Int64(rng.next() % n) }
            let ls = (0..<25).map { i in (Int64(i), v(4), v(6)) }
            let rs = (0..<(round % 4 == 0 ? 0 : 15)).map { _ in (v(4), v(6)) }
            func cell(_ x: Int64?) -> String { x.map(String.init) ?? "NULL" }
            let r = try joinRunner([("l", "id BIGINT, k BIGINT, x BIGINT", ls.map { "\($0.0)|\(cell($0.1))|\(cell($0.2))" }),
                                    ("r", "k BIGINT, y BIGINT", rs.map { "\(cell($0.0))|\(cell($0.1))" })])
            func expected(_ correlated: Bool, _ negated: Bool) -> [String] {
                ls.map { (id, k, x) in
                    let cands = rs.filter { !correlated || ($0.0 != nil && $0.0 == k) }.map(\.1)
                    var m: Bool? = false
                    if !cands.isEmpty {
                        if let x, cands.contains(where: { $0 == x }) { m = true }
                        else if x == nil || cands.contains(where: { $0 == nil }) { m = nil }
                    }
                    if negated, let b = m { m = !b }
                    return "\(id)|\(m.map { $0 ? "true" : "false" } ?? "NULL")"
                }
            }
            for negated in [false, true] {
                let op = negated ? "NOT IN" : "IN"
                #expect(try joinQuery(r, "SELECT id, x \(op) (SELECT y FROM r) FROM l ORDER BY id") == expected(false, negated))
                #expect(try joinQuery(r, "SELECT id, x \(op) (SELECT y FROM r WHERE r.k = l.k) FROM l ORDER BY id") == expected(true, negated))
                // a residual that always holds: the candidate-pair path must agree
                #expect(try joinQuery(r, "SELECT id, x \(op) (SELECT y FROM r WHERE r.k = l.k AND l.id >= 0) FROM l ORDER BY id") == expected(true, negated))
                #expect(try joinQuery(r, "SELECT id, x \(op) (SELECT y FROM r WHERE l.id >= 0) FROM l ORDER BY id") == expected(false, negated))
                // as a WHERE conjunct (semi / anti join): only TRUE rows
                let kept = expected(true, negated).filter { $0.hasSuffix("|true") }.map { String($0.split(separator: "|")[0]) }
                #expect(try joinQuery(r, "SELECT id FROM l WHERE x \(op) (SELECT y FROM r WHERE r.k = l.k) ORDER BY id") == kept)
            }
        }
    }

    /// INTERSECT ALL keeps min(m, n) copies of a row, EXCEPT ALL max(m - n, 0); the distinct
    /// forms one copy; NULLs are equal.
    @Test func setOperationCounts() throws {
        var rng = ReportRNG(state: 11)
        let a = (0..<40).map { _ in rng.next() % 5 == 0 ? "NULL" : String(rng.next() % 6) }
        let b = (0..<30).map { _ in rng.next() % 5 == 0 ? "NULL" : String(rng.next() % 6) }
        let r = try joinRunner([("a", "v BIGINT", a), ("b", "v BIGINT", b)])
        func counts(_ xs: [String]) -> [String: Int] { Dictionary(xs.map { ($0, 1) }, uniquingKeysWith: +) }
        let ca = counts(a), cb = counts(b)
        func expand(_ c: [String: Int]) -> [String] { c.flatMap { Array(repeating: $0.key, count: $0.value) }.sorted() }
        func got(_ sql: String) throws -> [String] { try joinQuery(r, sql).sorted() }
        #expect(try got("SELECT v FROM a INTERSECT ALL SELECT v FROM b") == expand(ca.compactMapValues { _ in nil }.merging(ca.compactMap { k, m in cb[k].map { (k, min(m, $0)) } }, uniquingKeysWith: +)))
        #expect(try got("SELECT v FROM a EXCEPT ALL SELECT v FROM b") == expand(ca.compactMapValues { _ in nil }.merging(ca.compactMap { k, m in m - (cb[k] ?? 0) > 0 ? (k, m - (cb[k] ?? 0)) : nil }, uniquingKeysWith: +)))
        #expect(try got("SELECT v FROM a INTERSECT SELECT v FROM b") == Set(a).intersection(b).sorted())
        #expect(try got("SELECT v FROM a EXCEPT SELECT v FROM b") == Set(a).subtracting(b).sorted())
        #expect(try got("SELECT v FROM a UNION SELECT v FROM b") == Set(a).union(b).sorted())
    }
}

/// `x IN (SELECT …)` over a table scan with a small key set runs as an IN list in the scan's
/// filter (EXPLAIN ANALYZE says so); with more keys than the limit it stays a semi join. Both
/// give the rows a direct evaluation gives, over integer and string keys with NULLs.
@Test func semiJoinOverAScanRunsAsAFilterWithTheSameRows() throws {
    var rng = SystemRandomNumberGenerator()
    for seed in 0..<3 {
        let n = 9000
        var lLines: [String] = [], rLines: [String] = []
        var lk: [Int?] = [], lx: [Int] = [], rk: [Int?] = [], ry: [Int] = []
        for i in 0..<n {
            let k: Int? = Int.random(in: 0..<20, using: &rng) == 0 ? nil : Int.random(in: -50...6000, using: &rng)
            lk.append(k); lx.append(i % 13 + seed)
            lLines.append("\(k.map(String.init) ?? "NULL")|\(i % 13 + seed)|s\(k.map { String($0 % 300) } ?? "NULL")")
        }
        for i in 0..<n {
            let k: Int? = i % 50 == 0 ? nil : Int.random(in: -50...6000, using: &rng)
            rk.append(k); ry.append(i)
            rLines.append("\(k.map(String.init) ?? "NULL")|\(i)")
        }
        let r = try joinRunner([("l", "k BIGINT, x BIGINT, s VARCHAR", lLines), ("r", "k BIGINT, y BIGINT", rLines)])
        for limit in [40, 8500] {
            let sql = "SELECT x, count(*), sum(k) FROM l WHERE k IN (SELECT k FROM r WHERE y < \(limit)) GROUP BY x ORDER BY x"
            let keys = Set((0..<limit).compactMap { rk[$0] })
            var want: [Int: (Int, Int)] = [:]
            for i in 0..<n { if let k = lk[i], keys.contains(k) { want[lx[i], default: (0, 0)].0 += 1; want[lx[i], default: (0, 0)].1 += k } }
            let rows = want.keys.sorted().map { "\($0)|\(want[$0]!.0)|\(want[$0]!.1)" }
            #expect(try joinQuery(r, sql) == rows, "seed \(seed) limit \(limit)")
            let plan = try joinQuery(r, "EXPLAIN ANALYZE " + sql).joined(separator: "\n")
            #expect(plan.contains("ran as a filter of the scan: k IN (") == (keys.count <= PlanExecutor.semiFilterLimit), "\(plan)")
            // string keys: the dictionary path of the IN list
            let ssql = "SELECT count(*) FROM l WHERE s IN (SELECT 's' || CAST(k % 300 AS VARCHAR) FROM r WHERE y < \(limit))"
            let skeys = Set((0..<limit).compactMap { rk[$0].map { "s\($0 % 300)" } })
            let swant = (0..<n).filter { i in lk[i].map { skeys.contains("s\($0 % 300)") } ?? false }.count
            #expect(try joinQuery(r, ssql) == ["\(swant)"], "seed \(seed) limit \(limit)")
        }
    }
}
