import Foundation
import Testing
import StrataText
@testable import StrataQuery

// JOIN: INNER / LEFT [OUTER] / CROSS, ON and USING, chains, CTE and subquery sides.
// Property tests compare the engine with a nested-loop reference over random tables; focused
// tests pin the rejected forms, NULL keys, mixed key types and string dictionaries.
// Row order without ORDER BY is unspecified: those results are compared as sorted multisets.

// MARK: - Random tables and a nested-loop reference

/// Three small random tables with nullable keys from small domains (duplicates, NULLs and
/// misses on both sides), strings, hex ids and DOUBLE values in steps of 0.25 (sums are exact).
private struct JoinData {
    struct L { var id: Int64; var a: Int64?; var b: Int64?; var s: String?; var h: String; var w: Double? }
    struct R { var id: Int64; var a: Int64?; var b: Int64?; var s: String?; var h: String; var v: Double?; var kind: String }
    struct M { var id: Int64; var c: Int64?; var s: String?; var x: Double? }
    var l: [L] = []
    var r: [R] = []
    var m: [M] = []

    init(seed: UInt64) {
        // ReportRNG streams of nearby seeds overlap (shifted by one draw): spread the seeds apart
        var rng = ReportRNG(seed &* 0x2545_F491_4F6C_DD1D)
        // seed 1: l empty, 2: r empty, 3: m empty, 4: tiny tables (3-8 rows), others: up to 300 rows each
        func size(_ empty: Bool) -> Int { empty ? 0 : seed == 4 ? 3 + rng.int(6) : 1 + rng.int(300) }
        let nl = size(seed == 1), nr = size(seed == 2), nm = size(seed == 3)
        func int(_ n: Int, from lo: Int = 0) -> Int64? { rng.chance(0.1) ? nil : Int64(lo + rng.int(n)) }
        func dbl() -> Double? { rng.chance(0.1) ? nil : Double(rng.int(41) - 20) / 4 }
        func str(_ n: Int, from lo: Int = 0) -> String? { rng.chance(0.1) ? nil : "s\(lo + rng.int(n))" }
        func hex(_ x: Int) -> String {
            let t = String(UInt64(x) &* 0x0001_0000_0001_00AB, radix: 16)
            return String(repeating: "0", count: 16 - t.count) + t
        }
        for i in 0..<nl {
            l.append(L(id: Int64(i), a: int(12), b: int(4), s: str(6), h: hex(rng.int(6)), w: dbl()))
        }
        for i in 0..<nr {
            // odd seeds: a few ids that are not hex, so r.h is not stored as 8-byte words
            let h = seed % 2 == 1 && rng.chance(0.05) ? "zz-not-hex" : hex(rng.int(8))
            r.append(R(id: 1000 + Int64(i), a: int(12, from: 3), b: int(4), s: str(7, from: 2), h: h, v: dbl(),
                       kind: ["a", "b", "c"][rng.int(3)]))
        }
        for i in 0..<nm {
            m.append(M(id: 2000 + Int64(i), c: int(5), s: str(8), x: dbl()))
        }
    }

    /// A runner holding `l`, `r` and `m` (each loaded in two commits: two string dictionaries).
    func loadedRunner() throws -> SQLLogicRunner {
        let runner = try SQLLogicRunner()
        _ = try runner.engine.execute("CREATE TABLE l (id BIGINT, a INTEGER, b INTEGER, s VARCHAR, h VARCHAR, w DOUBLE)")
        _ = try runner.engine.execute("CREATE TABLE r (id BIGINT, a BIGINT, b BIGINT, s VARCHAR, h VARCHAR, v DOUBLE, kind VARCHAR)")
        _ = try runner.engine.execute("CREATE TABLE m (id BIGINT, c INTEGER, s VARCHAR, x DOUBLE)")
        func ti(_ x: Int64?) -> String { x.map { String($0) } ?? "NULL" }
        func td(_ x: Double?) -> String { x.map { String($0) } ?? "NULL" }
        func ts(_ x: String?) -> String { x ?? "NULL" }
        let tables: [(String, [String])] = [
            ("l", l.map { [ti($0.id), ti($0.a), ti($0.b), ts($0.s), $0.h, td($0.w)].joined(separator: "|") }),
            ("r", r.map { [ti($0.id), ti($0.a), ti($0.b), ts($0.s), $0.h, td($0.v), $0.kind].joined(separator: "|") }),
            ("m", m.map { [ti($0.id), ti($0.c), ts($0.s), td($0.x)].joined(separator: "|") }),
        ]
        for (name, lines) in tables where !lines.isEmpty { try runner.load(name, lines) }
        return runner
    }

    /// Left rows in id order, each followed by its matches in id order, or once with nil.
    func leftJoin(_ on: (L, R) -> Bool) -> [(L, R?)] {
        var out: [(L, R?)] = []
        for x in l {
            let ms = r.filter { on(x, $0) }
            if ms.isEmpty { out.append((x, nil)) } else { for y in ms { out.append((x, y)) } }
        }
        return out
    }

    func innerJoin(_ on: (L, R) -> Bool) -> [(L, R)] {
        leftJoin(on).compactMap { x, y in y.map { (x, $0) } }
    }
}

/// SQL equality: NULL never equals anything.
private func sqlEq<T: Equatable>(_ a: T?, _ b: T?) -> Bool {
    guard let a, let b else { return false }
    return a == b
}

/// SQL `a > b` on nullable values: false when either is NULL.
private func sqlGt<T: Comparable>(_ a: T?, _ b: T?) -> Bool {
    guard let a, let b else { return false }
    return a > b
}

private func vInt(_ x: Int64?) -> Value { x.map { .int($0) } ?? .null }
private func vDbl(_ x: Double?) -> Value { x.map { .double($0) } ?? .null }
private func vStr(_ x: String?) -> Value { x.map { .string($0) } ?? .null }
private func renderRow(_ vs: [Value]) -> String { vs.map(SQLLogicRunner.cell).joined(separator: "|") }

/// Sum of the non-NULL values; NULL when there are none (SQL sum()).
private func sqlSum(_ xs: [Double?]) -> Double? {
    let vs = xs.compactMap { $0 }
    return vs.isEmpty ? nil : vs.reduce(0, +)
}

/// The rendered rows of the last statement's result.
func joinQuery(_ r: SQLLogicRunner, _ sql: String) throws -> [String] {
    let res = try r.engine.execute(sql).last!.result
    return (0..<res.rowCount).map { i in res.columns.map { SQLLogicRunner.cell($0[i]) }.joined(separator: "|") }
}

/// A short description of how two row lists differ (whole lists can be thousands of rows).
private func rowDiff(_ got: [String], _ want: [String]) -> String {
    if got.count != want.count {
        let g = Dictionary(got.map { ($0, 1) }, uniquingKeysWith: +), w = Dictionary(want.map { ($0, 1) }, uniquingKeysWith: +)
        let extra = g.filter { $0.value > (w[$0.key] ?? 0) }.keys.sorted().prefix(5)
        let missing = w.filter { $0.value > (g[$0.key] ?? 0) }.keys.sorted().prefix(5)
        return "got \(got.count) rows, want \(want.count); extra e.g. \(Array(extra)); missing e.g. \(Array(missing))"
    }
    guard let i = got.indices.first(where: { got[$0] != want[$0] }) else { return "same \(got.count) rows" }
    return "\(got.count) rows; first difference at row \(i): got '\(got[i])', want '\(want[i])'"
}

/// Builds a runner with the given tables: (name, column definitions, `|`-separated rows).
func joinRunner(_ tables: [(String, String, [String])]) throws -> SQLLogicRunner {
    let r = try SQLLogicRunner()
    for (name, columns, lines) in tables {
        _ = try r.engine.execute("CREATE TABLE \(name) (\(columns))")
        if !lines.isEmpty { try r.load(name, lines) }
    }
    return r
}

private func expectJoinRows(_ r: SQLLogicRunner, _ sql: String, _ want: [String], sorted: Bool = false,
                            sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        var got = try joinQuery(r, sql)
        var exp = want
        if sorted { got.sort(); exp.sort() }
        if got != exp {
            Issue.record("wrong result for\n\(sql)\n--- expected\n\(exp.joined(separator: "\n"))\n--- got\n\(got.joined(separator: "\n"))",
                         sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("query failed: \(error)\n\(sql)", sourceLocation: sourceLocation)
    }
}

private func expectJoinError(_ r: SQLLogicRunner, _ sql: String, _ phrases: [String],
                             sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try r.engine.execute(sql)
        Issue.record("expected an error containing \(phrases) for:\n\(sql)", sourceLocation: sourceLocation)
    } catch {
        for p in phrases where !error.description.contains(p) {
            Issue.record("error for\n\(sql)\nwas: \(error.description)\nexpected to contain: \(p)", sourceLocation: sourceLocation)
        }
    }
}

/// Tables for the name-resolution tests: `k` and `s` on both sides, `label` left only, `tag` right only.
private func exEyRunner() throws -> SQLLogicRunner {
    try joinRunner([
        ("ex", "k INTEGER, label VARCHAR, s VARCHAR", ["1|L1|x", "2|L2|y", "3|L3|NULL"]),
        ("ey", "k INTEGER, tag VARCHAR, s VARCHAR", ["1|T1|p", "1|T1b|q", "3|T3|r", "4|T4|s"]),
    ])
}

/// `swift test --filter JoinTests` runs these (the SQL file runs as sqlLogic("joins.test")).
@Suite struct JoinTests {
    // MARK: - Property tests

    /// Every join form against the nested-loop reference. Seeds 1-3 leave one table empty, seed 4
    /// uses tiny tables.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func joinsMatchNestedLoopReference(seed: UInt64) throws {
        let data = JoinData(seed: seed)
        let runner = try data.loadedRunner()
        let sizes = "seed \(seed) (l \(data.l.count), r \(data.r.count), m \(data.m.count) rows)"

        /// Runs `sql` and compares with `want`, as sorted multisets unless `ordered`.
        func check(_ label: String, _ sql: String, _ want: [[Value]], ordered: Bool = false) {
            var got: [String]
            switch Result(catching: { try joinQuery(runner, sql) }) {
            case .success(let rows): got = rows
            case .failure(let error):
                Issue.record("\(sizes): \(label) failed: \(error)\n\(sql)")
                return
            }
            var exp = want.map(renderRow)
            if !ordered { got.sort(); exp.sort() }
            let same = got == exp
            #expect(same, "\(sizes): \(label): \(same ? "" : rowDiff(got, exp))\n\(sql)")
        }

        // 1. INNER on one key (INTEGER = BIGINT), duplicates on both sides
        check("inner one key", "SELECT l.id, r.id, l.a, r.a, r.v FROM l JOIN r ON l.a = r.a",
              data.innerJoin { sqlEq($0.a, $1.a) }.map { x, y in [.int(x.id), .int(y.id), vInt(x.a), vInt(y.a), vDbl(y.v)] })

        // 2. INNER on two keys (integer and hex id), aliases, the second conjunct written right = left
        check("inner two keys", "SELECT x.id, y.id, y.kind FROM l AS x INNER JOIN r AS y ON x.b = y.b AND y.h = x.h",
              data.innerJoin { sqlEq($0.b, $1.b) && $0.h == $1.h }.map { x, y in [.int(x.id), .int(y.id), .string(y.kind)] })

        // 3. INNER on a nullable VARCHAR key
        check("inner string key", "SELECT l.id, r.id, l.s, r.s FROM l JOIN r ON l.s = r.s",
              data.innerJoin { sqlEq($0.s, $1.s) }.map { x, y in [.int(x.id), .int(y.id), vStr(x.s), vStr(y.s)] })

        // 4. LEFT JOIN: unmatched left rows once with NULLs
        check("left", "SELECT l.id, r.id, l.a, r.v FROM l LEFT JOIN r ON l.a = r.a ORDER BY l.id, r.id",
              data.leftJoin { sqlEq($0.a, $1.a) }.map { x, y in [.int(x.id), vInt(y?.id), vInt(x.a), vDbl(y?.v)] },
              ordered: true)

        // 5. LEFT JOIN with a non-equi conjunct filtering the pairs
        check("left non-equi", "SELECT l.id, r.id, l.w, r.v FROM l LEFT OUTER JOIN r ON l.a = r.a AND r.v > l.w ORDER BY l.id, r.id",
              data.leftJoin { sqlEq($0.a, $1.a) && sqlGt($1.v, $0.w) }.map { x, y in [.int(x.id), vInt(y?.id), vDbl(x.w), vDbl(y?.v)] },
              ordered: true)

        // 6. LEFT JOIN with a left-only and a constant right conjunct in ON: they drop pairs, never left rows
        check("left one-sided conjuncts", "SELECT l.id, r.id, r.kind FROM l LEFT JOIN r ON l.b = r.b AND l.w > 0 AND r.kind = 'a' ORDER BY l.id, r.id",
              data.leftJoin { sqlEq($0.b, $1.b) && sqlGt($0.w, 0) && $1.kind == "a" }.map { x, y in [.int(x.id), vInt(y?.id), vStr(y?.kind)] },
              ordered: true)

        // 7. anti-join: LEFT JOIN then WHERE on the right side's NULLs
        check("anti join", "SELECT l.id, l.a, l.b FROM l LEFT JOIN r ON l.a = r.a AND l.b = r.b WHERE r.id IS NULL ORDER BY l.id",
              data.l.filter { x in !data.r.contains { sqlEq(x.a, $0.a) && sqlEq(x.b, $0.b) } }.map { [.int($0.id), vInt($0.a), vInt($0.b)] },
              ordered: true)

        // 8. USING with two columns and SELECT *: left columns, then right columns without a and b
        check("using star", "SELECT * FROM l JOIN r USING (a, b)",
              data.innerJoin { sqlEq($0.a, $1.a) && sqlEq($0.b, $1.b) }.map { x, y in
                  [.int(x.id), vInt(x.a), vInt(x.b), vStr(x.s), .string(x.h), vDbl(x.w),
                   .int(y.id), vStr(y.s), .string(y.h), vDbl(y.v), .string(y.kind)]
              })

        // 9. LEFT JOIN USING: the unqualified column is the left value, r.a is NULL when unmatched
        check("left using", "SELECT a, l.id, r.id, r.a FROM l LEFT JOIN r USING (a)",
              data.leftJoin { sqlEq($0.a, $1.a) }.map { x, y in [vInt(x.a), .int(x.id), vInt(y?.id), vInt(y?.a)] })

        // 10. r.* expands one side, in its column order
        check("side star", "SELECT r.*, l.id FROM l JOIN r ON l.s = r.s AND l.b = r.b",
              data.innerJoin { sqlEq($0.s, $1.s) && sqlEq($0.b, $1.b) }.map { x, y in
                  [.int(y.id), vInt(y.a), vInt(y.b), vStr(y.s), .string(y.h), vDbl(y.v), .string(y.kind), .int(x.id)]
              })

        // 11. a chain: INNER then LEFT whose condition refers to both earlier tables
        do {
            var want: [[Value]] = []
            for (x, y) in data.innerJoin({ sqlEq($0.a, $1.a) }) {
                let ms = data.m.filter { sqlEq($0.c, y.b) && sqlEq($0.s, x.s) }
                if ms.isEmpty { want.append([.int(x.id), .int(y.id), .null]) }
                for z in ms { want.append([.int(x.id), .int(y.id), .int(z.id)]) }
            }
            check("chain", "SELECT l.id, r.id, m.id FROM l JOIN r ON l.a = r.a LEFT JOIN m ON m.c = r.b AND m.s = l.s", want)
        }

        // 12. a chain over a subquery, a CTE and a table
        do {
            var want: [[Value]] = []
            for z in data.m where sqlGt(z.x, 0) {
                for y in data.r where y.kind != "c" && sqlEq(z.c, y.b) {
                    for x in data.l where sqlEq(x.a, y.a) { want.append([.int(z.id), .int(y.id), .int(x.id), vDbl(y.v)]) }
                }
            }
            check("cte and subquery sides", """
                WITH rr AS (SELECT id, a, b, v FROM r WHERE kind <> 'c')
                SELECT mm.id, rr.id, l.id, rr.v FROM (SELECT id, c FROM m WHERE x > 0) AS mm JOIN rr ON mm.c = rr.b JOIN l ON l.a = rr.a
                """, want)
        }

        // 13. no equality: a nested loop
        check("inner non-equi only", "SELECT l.id, r.id FROM l JOIN r ON l.w + 4 < r.v",
              data.innerJoin { x, y in
                  guard let w = x.w, let v = y.v else { return false }
                  return w + 4 < v
              }.map { x, y in [.int(x.id), .int(y.id)] })

        // 14. LEFT without equality: mostly unmatched rows
        check("left non-equi only", "SELECT l.id, r.id, r.v FROM l LEFT JOIN r ON l.w > r.v + 8 ORDER BY l.id, r.id",
              data.leftJoin { x, y in
                  guard let w = x.w, let v = y.v else { return false }
                  return w > v + 8
              }.map { x, y in [.int(x.id), vInt(y?.id), vDbl(y?.v)] },
              ordered: true)

        // 15. CROSS JOIN: every pair, checked through aggregates
        do {
            var n: Int64 = 0, sl: Int64 = 0, sr: Int64 = 0, cw: Int64 = 0, cv: Int64 = 0
            for x in data.l {
                for y in data.r {
                    n += 1; sl += x.id; sr += y.id
                    if x.w != nil { cw += 1 }
                    if y.v != nil { cv += 1 }
                }
            }
            check("cross aggregates", "SELECT count(*), sum(l.id), sum(r.id), count(l.w), count(r.v) FROM l CROSS JOIN r",
                  [[.int(n), n == 0 ? .null : .int(sl), n == 0 ? .null : .int(sr), .int(cw), .int(cv)]])
        }

        // 16. CROSS JOIN filtered by WHERE
        check("cross where", "SELECT l.id, r.id FROM l CROSS JOIN r WHERE l.b = r.b AND r.kind = 'b'",
              data.innerJoin { sqlEq($0.b, $1.b) && $1.kind == "b" }.map { x, y in [.int(x.id), .int(y.id)] })

        // 17. GROUP BY after a LEFT JOIN: count(*), count, sum, count(DISTINCT) over right columns
        do {
            var groups: [String?: [(JoinData.L, JoinData.R?)]] = [:]
            for (x, y) in data.leftJoin({ sqlEq($0.a, $1.a) }) { groups[x.s, default: []].append((x, y)) }
            let want: [[Value]] = groups.map { s, rows in
                let ys = rows.compactMap(\.1)
                return [vStr(s), .int(Int64(rows.count)), .int(Int64(ys.count)), vDbl(sqlSum(ys.map(\.v))),
                        .int(Int64(Set(ys.compactMap(\.a)).count)), .int(Int64(Set(ys.compactMap(\.s)).count))]
            }
            check("group by", "SELECT l.s, count(*), count(r.id), sum(r.v), count(DISTINCT r.a), count(DISTINCT r.s) FROM l LEFT JOIN r ON l.a = r.a GROUP BY l.s", want)
        }

        // 18. GROUP BY keys from both sides, HAVING, ORDER BY (NULLs last ascending)
        do {
            struct K: Hashable { var kind: String; var b: Int64? }
            var groups: [K: [(JoinData.L, JoinData.R)]] = [:]
            for (x, y) in data.innerJoin({ sqlEq($0.a, $1.a) }) { groups[K(kind: y.kind, b: x.b), default: []].append((x, y)) }
            let keys = groups.keys.filter { groups[$0]!.count > 3 }.sorted { p, q in
                let np = groups[p]!.count, nq = groups[q]!.count
                if np != nq { return np > nq }
                if p.kind != q.kind { return p.kind < q.kind }
                switch (p.b, q.b) {
                case (let u?, let v?): return u < v
                case (_?, nil): return true
                default: return false
                }
            }
            let want: [[Value]] = keys.map { k in
                [.string(k.kind), vInt(k.b), .int(Int64(groups[k]!.count)), vDbl(sqlSum(groups[k]!.map(\.0.w)))]
            }
            check("having order by", """
                SELECT r.kind, l.b, count(*) AS n, sum(l.w) FROM l JOIN r ON l.a = r.a
                GROUP BY r.kind, l.b HAVING count(*) > 3 ORDER BY n DESC, 1, 2
                """, want, ordered: true)
        }

        // 19. aggregates without GROUP BY (one row, also when a side is empty); string min/max
        do {
            let rows = data.leftJoin { $0.h == $1.h }
            let ys = rows.compactMap(\.1)
            check("global aggregates", "SELECT count(*), count(r.id), sum(r.v), min(r.h), max(l.s) FROM l LEFT JOIN r ON l.h = r.h",
                  [[.int(Int64(rows.count)), .int(Int64(ys.count)), vDbl(sqlSum(ys.map(\.v))), vStr(ys.map(\.h).min()),
                    vStr(rows.compactMap(\.0.s).max())]])
        }

        // 20. window functions and QUALIFY over joined rows: first match per left row, match count
        do {
            var want: [[Value]] = []
            for x in data.l {
                let ms = data.r.filter { sqlEq(x.a, $0.a) }
                if let first = ms.map(\.id).min() { want.append([.int(x.id), .int(first), .int(Int64(ms.count))]) }
            }
            check("window qualify", """
                SELECT l.id, r.id, count(*) OVER (PARTITION BY l.id) AS n FROM l JOIN r ON l.a = r.a
                QUALIFY row_number() OVER (PARTITION BY l.id ORDER BY r.id) = 1
                """, want)
        }

        // 21. ORDER BY with LIMIT and OFFSET over joined rows
        do {
            let pairs = data.innerJoin { sqlEq($0.b, $1.b) }.sorted { p, q in p.1.id != q.1.id ? p.1.id > q.1.id : p.0.id < q.0.id }
            check("order limit", "SELECT l.id, r.id FROM l JOIN r ON l.b = r.b ORDER BY r.id DESC, l.id LIMIT 17 OFFSET 3",
                  pairs.dropFirst(3).prefix(17).map { x, y in [.int(x.id), .int(y.id)] }, ordered: true)
        }
    }

    // MARK: - Focused tests

    /// Each statement fails with a message containing every phrase.
    private func expectJoinErrors(_ cases: [(String, [String])]) throws {
        let r = try exEyRunner()
        for (sql, phrases) in cases { expectJoinError(r, sql, phrases) }
    }

    @Test func joinRejectsUnsupportedForms() throws {
        try expectJoinErrors([
            ("SELECT * FROM ex RIGHT JOIN ey ON ex.k = ey.k", ["RIGHT JOIN is not supported"]),
            ("SELECT * FROM ex RIGHT OUTER JOIN ey ON ex.k = ey.k", ["RIGHT JOIN is not supported"]),
            ("SELECT * FROM ex FULL JOIN ey ON ex.k = ey.k", ["FULL JOIN is not supported"]),
            ("SELECT * FROM ex FULL OUTER JOIN ey ON ex.k = ey.k", ["FULL JOIN is not supported"]),
            ("SELECT * FROM ex, ey", ["comma joins are not supported"]),
            ("SELECT ex.k FROM ex, ey WHERE ex.k = ey.k", ["comma joins are not supported"]),
            ("SELECT * FROM ex NATURAL JOIN ey", ["NATURAL JOIN is not supported"]),
        ])
    }

    @Test func joinRejectsAmbiguousAndUnknownNames() throws {
        try expectJoinErrors([
            // `k` and `s` exist on both sides
            ("SELECT k FROM ex JOIN ey ON ex.k = ey.k", ["ambiguous"]),
            ("SELECT ex.k FROM ex JOIN ey ON k = ey.k", ["ambiguous"]),
            ("SELECT ex.k FROM ex JOIN ey ON ex.k = ey.k WHERE s = 'x'", ["ambiguous"]),
            ("SELECT s FROM ex JOIN ey USING (k)", ["ambiguous"]),
            ("SELECT ex.k, count(*) FROM ex LEFT JOIN ey ON ex.k = ey.k GROUP BY s", ["ambiguous"]),
            ("SELECT s, count(*) FROM ex JOIN ey ON ex.k = ey.k GROUP BY ex.s", ["column reference 's' is ambiguous"]),
            // unknown qualifiers
            ("SELECT zz.k FROM ex JOIN ey ON ex.k = ey.k", ["unknown table or alias"]),
            ("SELECT ex.k FROM ex JOIN ey ON ex.k = zz.k", ["unknown table or alias"]),
            ("SELECT zz.* FROM ex JOIN ey ON ex.k = ey.k", ["unknown table or alias"]),
            ("SELECT a.k FROM ex AS a JOIN ey AS b ON a.k = c.k", ["unknown table or alias"]),
            // USING columns missing on one side
            ("SELECT * FROM ex JOIN ey USING (label)", ["label", "USING"]),
            ("SELECT * FROM ex JOIN ey USING (tag)", ["tag", "USING"]),
            ("SELECT * FROM ex LEFT JOIN ey USING (k, nosuchcol)", ["nosuchcol", "USING"]),
        ])
    }

    @Test func joinResolvesColumnsAndStars() throws {
        let r = try exEyRunner()
        // unqualified names present on one side only
        expectJoinRows(r, "SELECT label, tag FROM ex JOIN ey ON ex.k = ey.k ORDER BY label, tag", ["L1|T1", "L1|T1b", "L3|T3"])
        // SELECT * with USING: k once (left), then left's other columns, then right's
        expectJoinRows(r, "SELECT * FROM ex JOIN ey USING (k) ORDER BY label, tag", ["1|L1|x|T1|p", "1|L1|x|T1b|q", "3|L3|NULL|T3|r"])
        expectJoinRows(r, "SELECT * FROM ex LEFT JOIN ey USING (k) ORDER BY label, tag",
                       ["1|L1|x|T1|p", "1|L1|x|T1b|q", "2|L2|y|NULL|NULL", "3|L3|NULL|T3|r"])
        // SELECT * with ON: all columns of both sides
        expectJoinRows(r, "SELECT * FROM ex JOIN ey ON ex.k = ey.k ORDER BY label, tag",
                       ["1|L1|x|1|T1|p", "1|L1|x|1|T1b|q", "3|L3|NULL|3|T3|r"])
        // x.* expands one side
        expectJoinRows(r, "SELECT ey.*, ex.label FROM ex JOIN ey ON ex.k = ey.k ORDER BY tag", ["1|T1|p|L1", "1|T1b|q|L1", "3|T3|r|L3"])
        expectJoinRows(r, "SELECT a.*, b.tag FROM ex a JOIN ey b ON a.k = b.k AND b.tag <> 'T1' ORDER BY b.tag", ["1|L1|x|T1b", "3|L3|NULL|T3"])
        // USING: the unqualified column is the left value; the right one stays reachable qualified
        expectJoinRows(r, "SELECT k, ey.k, label FROM ex LEFT JOIN ey USING (k) ORDER BY label, 2",
                       ["1|1|L1", "1|1|L1", "2|NULL|L2", "3|3|L3"])
        expectJoinRows(r, "SELECT label FROM ex JOIN ey USING (k) WHERE k > 1", ["L3"])
        expectJoinRows(r, "SELECT k, count(*) FROM ex LEFT JOIN ey USING (k) GROUP BY k ORDER BY k", ["1|2", "2|1", "3|1"])
    }

    @Test func nullKeysNeverMatch() throws {
        let r = try joinRunner([
            ("nl", "k INTEGER, j VARCHAR, tag VARCHAR", ["1|a|l1", "NULL|a|l2", "2|NULL|l3", "NULL|NULL|l4"]),
            ("nr", "k BIGINT, j VARCHAR, tag VARCHAR", ["1|a|r1", "NULL|a|r2", "2|NULL|r3", "NULL|NULL|r4"]),
        ])
        expectJoinRows(r, "SELECT nl.tag, nr.tag FROM nl JOIN nr ON nl.k = nr.k ORDER BY 1, 2", ["l1|r1", "l3|r3"])
        expectJoinRows(r, "SELECT nl.tag, nr.tag FROM nl JOIN nr ON nl.j = nr.j ORDER BY 1, 2", ["l1|r1", "l1|r2", "l2|r1", "l2|r2"])
        expectJoinRows(r, "SELECT nl.tag, nr.tag FROM nl JOIN nr ON nl.k = nr.k AND nl.j = nr.j ORDER BY 1, 2", ["l1|r1"])
        expectJoinRows(r, "SELECT nl.tag, nr.tag FROM nl LEFT JOIN nr ON nl.k = nr.k AND nl.j = nr.j ORDER BY 1, 2",
                       ["l1|r1", "l2|NULL", "l3|NULL", "l4|NULL"])
        expectJoinRows(r, "SELECT k, nl.tag, nr.tag FROM nl LEFT JOIN nr USING (k) ORDER BY 2", ["1|l1|r1", "NULL|l2|NULL", "2|l3|r3", "NULL|l4|NULL"])
        expectJoinRows(r, "SELECT count(*) FROM nl JOIN nr USING (k, j)", ["1"])
        // matching NULLs explicitly takes an OR (no equality conjunct: a nested loop)
        expectJoinRows(r, "SELECT nl.tag, nr.tag FROM nl JOIN nr ON nl.k = nr.k OR (nl.k IS NULL AND nr.k IS NULL) ORDER BY 1, 2",
                       ["l1|r1", "l2|r2", "l2|r4", "l3|r3", "l4|r2", "l4|r4"])
    }

    @Test func integerKeysMatchDoublesAndOtherWidths() throws {
        let r = try joinRunner([
            ("ki", "k INTEGER, ti VARCHAR", ["1|i1", "2|i2", "3|i3", "NULL|inull", "2|i2b"]),
            ("kd", "d DOUBLE, td VARCHAR", ["2.0|d2", "2.5|d25", "3.0|d3", "NULL|dnull", "10000000000.0|dbig", "-1.0|dm1"]),
            ("kb", "b BIGINT, tb VARCHAR", ["3|b3", "5000000000|b5g", "1|b1", "10000000000|b10g"]),
        ])
        // INTEGER = DOUBLE, unqualified keys (each name on one side only); 2.5 matches nothing
        expectJoinRows(r, "SELECT ti, td FROM ki JOIN kd ON k = d ORDER BY ti, td", ["i2|d2", "i2b|d2", "i3|d3"])
        expectJoinRows(r, "SELECT td, ti FROM kd LEFT JOIN ki ON kd.d = ki.k ORDER BY td, ti",
                       ["d2|i2", "d2|i2b", "d25|NULL", "d3|i3", "dbig|NULL", "dm1|NULL", "dnull|NULL"])
        // INTEGER = BIGINT, BIGINT beyond 32 bits = DOUBLE
        expectJoinRows(r, "SELECT ti, tb FROM ki JOIN kb ON k = b ORDER BY ti", ["i1|b1", "i3|b3"])
        expectJoinRows(r, "SELECT tb, td FROM kb JOIN kd ON b = d ORDER BY tb", ["b10g|dbig", "b3|d3"])
        // expression keys on both sides
        expectJoinRows(r, "SELECT ti, td FROM ki JOIN kd ON ki.k + 0.5 = kd.d ORDER BY ti", ["i2|d25", "i2b|d25"])
        expectJoinRows(r, "SELECT ti, tb FROM ki JOIN kb ON ki.k * 2 = kb.b - 1 ORDER BY ti", ["i1|b3"])
    }

    @Test func dateKeysMatchTimestampsAtMidnight() throws {
        let r = try joinRunner([
            ("dd", "d DATE, nd VARCHAR", ["2024-03-01|a", "2024-03-02|b", "NULL|n", "2024-03-03|c"]),
            ("tt", "ts TIMESTAMP, nt VARCHAR", ["2024-03-01 00:00:00|x", "2024-03-01 12:00:00|y", "2024-03-02 00:00:00|z",
                                                "2024-03-02 00:00:00|z2", "NULL|tn", "2024-03-04 00:00:00|w"]),
        ])
        expectJoinRows(r, "SELECT nd, nt FROM dd JOIN tt ON dd.d = tt.ts ORDER BY nd, nt", ["a|x", "b|z", "b|z2"])
        expectJoinRows(r, "SELECT nd, nt FROM dd LEFT JOIN tt ON d = ts ORDER BY nd, nt", ["a|x", "b|z", "b|z2", "c|NULL", "n|NULL"])
        expectJoinRows(r, "SELECT nt, nd FROM tt LEFT JOIN dd ON ts = d ORDER BY nt", ["tn|NULL", "w|NULL", "x|a", "y|NULL", "z|b", "z2|b"])
        // a computed DATE (CAST of the timestamps) matches every row of its day
        expectJoinRows(r, "SELECT nd, count(*) FROM dd JOIN tt ON dd.d = CAST(tt.ts AS DATE) GROUP BY nd ORDER BY nd", ["a|2", "b|2"])
    }

    @Test func varcharKeysMatchAcrossDictionariesAndHexIds() throws {
        let r = try joinRunner([
            ("people", "id INTEGER, name VARCHAR", ["1|v1", "2|v2", "3|v3", "4|NULL", "5|v10"]),
            ("other", "k INTEGER", ["1", "2", "2", "10", "11", "NULL"]),
            // all lowercase 16-digit hex in each commit: stored as 8-byte ids
            ("hx", "h VARCHAR, hi INTEGER", ["00000000000000ab|1", "00000000000000cd|2", "ffffffffffffffff|3", "0123456789abcdef|4"]),
            // mixed: plain strings, upper case and 17 digits next to hex ids
            ("mixed", "h VARCHAR, mi INTEGER", ["00000000000000ab|10", "not-hex|11", "0123456789abcdef|12",
                                                "00000000000000AB|13", "00000000000000ab|14", "ffffffffffffffff0|15"]),
        ])
        let cte = "WITH c AS (SELECT k, 'v' || CAST(k AS VARCHAR) AS nm FROM other)"
        expectJoinRows(r, "\(cte) SELECT people.id, c.k FROM people JOIN c ON name = nm ORDER BY 1, 2", ["1|1", "2|2", "2|2", "5|10"])
        expectJoinRows(r, "\(cte) SELECT c.k, people.id FROM c LEFT JOIN people ON c.nm = people.name ORDER BY 1, 2",
                       ["1|1", "2|2", "2|2", "10|5", "11|NULL", "NULL|NULL"])
        expectJoinRows(r, """
            SELECT name, p.id, o.k FROM people AS p JOIN (SELECT 'v' || CAST(k AS VARCHAR) AS name, k FROM other) AS o USING (name)
            ORDER BY p.id, o.k
            """, ["v1|1|1", "v2|2|2", "v2|2|2", "v10|5|10"])
        // hex ids against plain strings: by value, case-sensitive
        expectJoinRows(r, "SELECT hi, mi FROM hx JOIN mixed ON hx.h = mixed.h ORDER BY hi, mi", ["1|10", "1|14", "4|12"])
        expectJoinRows(r, "SELECT mi, hi FROM mixed LEFT JOIN hx USING (h) ORDER BY mi", ["10|1", "11|NULL", "12|4", "13|NULL", "14|1", "15|NULL"])
        expectJoinRows(r, """
            WITH c AS (SELECT '00000000000000' || 'cd' AS h UNION ALL SELECT 'FFFFFFFFFFFFFFFF' UNION ALL SELECT lower('FFFFFFFFFFFFFFFF')
                       UNION ALL SELECT '00000000000000ab')
            SELECT c.h, hx.hi FROM c JOIN hx ON c.h = hx.h ORDER BY hx.hi
            """, ["00000000000000ab|1", "00000000000000cd|2", "ffffffffffffffff|3"])
    }

    @Test func joinOfAggregatingCTEs() throws {
        // k=1: 4 clicks, 2 views; k=2: 3 clicks; k=3: 1 click, 4 views; NULL: 2 clicks, 1 view; k=4: 2 views
        var lines: [String] = []
        for (k, kind, n) in [("1", "click", 4), ("1", "view", 2), ("2", "click", 3), ("3", "click", 1), ("3", "view", 4),
                             ("NULL", "click", 2), ("NULL", "view", 1), ("4", "view", 2)] {
            for _ in 0..<n { lines.append("2024-03-0\(lines.count % 3 + 1) 10:\(String(format: "%02d", lines.count)):00|\(k)|\(kind)") }
        }
        let r = try joinRunner([("ev", "ts TIMESTAMP, k INTEGER, kind VARCHAR", lines)])
        let ctes = """
            WITH a AS (SELECT k, count(*) AS c FROM ev WHERE kind = 'click' GROUP BY k),
                 b AS (SELECT k, count(*) AS c FROM ev WHERE kind = 'view' GROUP BY k)
            """
        expectJoinRows(r, "\(ctes) SELECT k, a.c, b.c, a.c / b.c FROM a LEFT JOIN b USING (k) ORDER BY k",
                       ["1|4|2|2.0", "2|3|NULL|NULL", "3|1|4|0.25", "NULL|2|NULL|NULL"])
        expectJoinRows(r, "\(ctes) SELECT a.k, a.c / b.c FROM a JOIN b ON a.k = b.k ORDER BY a.k", ["1|2.0", "3|0.25"])
        expectJoinRows(r, "\(ctes) SELECT b.k, b.c, coalesce(a.c, 0) FROM b LEFT JOIN a ON a.k = b.k ORDER BY b.k",
                       ["1|2|4", "3|4|1", "4|2|0", "NULL|1|0"])
        // aggregate over the joined CTEs
        expectJoinRows(r, "\(ctes) SELECT count(*), sum(a.c), sum(b.c), count(b.k) FROM a LEFT JOIN b USING (k)", ["4|10|6|2"])
    }

    @Test func selfJoinProducesAllPairsOfDuplicateKeys() throws {
        let r = try joinRunner([("mm", "k INTEGER, id INTEGER", ["1|1", "1|2", "2|3", "1|4", "3|5", "NULL|6", "NULL|7"])])
        expectJoinRows(r, "SELECT count(*) FROM mm AS a JOIN mm AS b ON a.k = b.k", ["11"])
        expectJoinRows(r, "SELECT a.id, b.id FROM mm a JOIN mm b ON a.k = b.k AND a.id < b.id ORDER BY 1, 2", ["1|2", "1|4", "2|4"])
        expectJoinRows(r, "SELECT k, count(*), count(DISTINCT b.id) FROM mm a JOIN mm b USING (k) GROUP BY k ORDER BY k", ["1|9|3", "2|1|1", "3|1|1"])
        expectJoinRows(r, "SELECT a.id, count(b.id) FROM mm a LEFT JOIN mm b ON a.k = b.k AND b.id > a.id GROUP BY a.id ORDER BY a.id",
                       ["1|2", "2|1", "3|0", "4|0", "5|0", "6|0", "7|0"])
        // three copies: 3*3*3 + 1 + 1
        expectJoinRows(r, "SELECT count(*) FROM mm a JOIN mm b ON a.k = b.k JOIN mm c ON c.k = b.k", ["29"])
        // CROSS JOIN and a join with only a non-equi condition
        expectJoinRows(r, "SELECT count(*) FROM mm a CROSS JOIN mm b", ["49"])
        expectJoinRows(r, "SELECT count(*) FROM mm a JOIN mm b ON a.id < b.id", ["21"])
    }
}
