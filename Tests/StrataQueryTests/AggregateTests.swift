import Foundation
import Testing
import StrataText
@testable import StrataQuery

/// mode(), typed min/max and count(DISTINCT) checked against answers computed row by row over
/// random data (two threads, several segments: partial states are merged).
@Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
func aggregatesMatchRowByRowAnswers(seed: UInt64) throws {
    let data = TopGroupsData(seed: seed, count: 30_000)
    let r = try data.loadedRunner()
    func key(_ k: Int64?) -> String { k.map(String.init) ?? "NULL" }
    /// Most frequent value; ties go to the smallest; nil without values.
    func mode<T: Comparable & Hashable>(_ xs: [T]) -> T? {
        var n: [T: Int] = [:]
        for x in xs { n[x, default: 0] += 1 }
        return n.min { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }?.key
    }
    var groups: [Int64?: [TopGroupsData.Row]] = [:]
    for row in data.rows { groups[row.k, default: []].append(row) }
    let order = groups.keys.sorted { compareKeys($0, $1) }

    // 1. mode over strings, hex ids, nullable hex ids and integers; FILTER; typed min/max
    do {
        let want = order.map { k -> String in
            let rows = groups[k]!
            let vs = rows.compactMap(\.v)
            let positive = rows.filter { ($0.v ?? 0) > 0 }
            let cells: [String] = [
                mode(rows.map(\.s)) ?? "NULL",
                mode(rows.map(\.h)) ?? "NULL",
                mode(rows.compactMap(\.hn)) ?? "NULL",
                mode(vs).map(String.init) ?? "NULL",
                mode(positive.map(\.s)) ?? "NULL",
                vs.min().map(String.init) ?? "NULL",
                vs.max().map(String.init) ?? "NULL",
                Civil.formatTimestamp(rows.map(\.ts).min()!),
                Civil.formatTimestamp(rows.map(\.ts).max()!),
                vs.isEmpty ? "NULL" : SQLLogicRunner.cell(.double(vs.map { Double($0) / 7 }.min()!)),
                vs.isEmpty ? "NULL" : SQLLogicRunner.cell(.double(vs.map { Double($0) / 7 }.max()!)),
                String(Set(rows.compactMap(\.hn)).count),
            ]
            return ([key(k)] + cells).joined(separator: "|")
        }
        let got = try runAggregateQuery(r, """
            SELECT k, mode(s), mode(h), mode(hn), mode(v), mode(s) FILTER (WHERE v > 0), min(v), max(v), min(ts), max(ts),
                   min(v / 7.0), max(v / 7.0), count(DISTINCT hn)
            FROM t GROUP BY k ORDER BY k
            """)
        #expect(got == want, "seed \(seed): query 1")
    }
    // 2. no GROUP BY; a filter that leaves no rows
    do {
        let vs = data.rows.compactMap(\.v)
        let want = ["\(mode(data.rows.map(\.s))!)|\(mode(vs)!)|\(vs.min()!)|\(vs.max()!)"]
        #expect(try runAggregateQuery(r, "SELECT mode(s), mode(v), min(v), max(v) FROM t") == want, "seed \(seed): query 2")
        #expect(try runAggregateQuery(r, "SELECT mode(s), min(v), max(ts) FROM t WHERE v > 100000") == ["NULL|NULL|NULL"])
    }
    // 3. mode over a relation (second-level aggregate over a CTE)
    do {
        var perKey: [Int64?: Int] = [:]
        for row in data.rows { perKey[row.k, default: 0] += 1 }
        let counts = perKey.values.map { Int64($0) }
        let want = ["\(mode(counts)!)|\(counts.max()!)"]
        #expect(try runAggregateQuery(r, "WITH c AS (SELECT k, count(*) AS n FROM t GROUP BY k) SELECT mode(n), max(n) FROM c") == want,
                "seed \(seed): query 3")
    }
}

@Test func modeBreaksTiesBySmallestValueAndIgnoresNulls() throws {
    let r = try SQLLogicRunner()
    _ = try r.engine.execute("CREATE TABLE m (ts TIMESTAMP, g BIGINT, s VARCHAR, x DOUBLE)")
    try r.load("m", [
        "2024-01-01 00:00:00|1|b|2.5", "2024-01-01 00:00:01|1|a|2.5", "2024-01-01 00:00:02|1|b|-1",
        "2024-01-01 00:00:03|1|a|-1", "2024-01-01 00:00:04|1|NULL|NULL", "2024-01-01 00:00:05|1|NULL|NULL",
        "2024-01-01 00:00:06|2|NULL|NULL", "2024-01-01 00:00:07|3|zz|7",
    ])
    let got = try runAggregateQuery(r, "SELECT g, mode(s), mode(x) FROM m GROUP BY g ORDER BY g")
    #expect(got == ["1|a|-1.0", "2|NULL|NULL", "3|zz|7.0"], "\(got)")
    #expect(throws: (any Error).self) { try r.engine.execute("SELECT mode(s, x) FROM m") }
}

private func compareKeys(_ a: Int64?, _ b: Int64?) -> Bool {
    switch (a, b) {
    case (nil, _): return false
    case (_, nil): return true
    case (let x?, let y?): return x < y
    }
}

private func runAggregateQuery(_ r: SQLLogicRunner, _ sql: String) throws -> [String] {
    let res = try r.engine.execute(sql).last!.result
    return (0..<res.rowCount).map { i in res.columns.map { SQLLogicRunner.cell($0[i]) }.joined(separator: "|") }
}

/// ORDER BY over several keys (packed into one word and radix-sorted when the ranges fit):
/// descending keys, NULLS FIRST/LAST, strings, a range too wide to pack.
@Test(arguments: [7, 8, 9] as [UInt64])
func orderByManyKeysMatchesReference(seed: UInt64) throws {
    let data = TopGroupsData(seed: seed, count: 5_000)
    let r = try data.loadedRunner()
    /// NULL placement first, then the value order (reversed when descending).
    func cmp<T: Comparable>(_ a: T?, _ b: T?, desc: Bool, nullsFirst: Bool) -> Int {
        switch (a, b) {
        case (nil, nil): return 0
        case (nil, _): return nullsFirst ? -1 : 1
        case (_, nil): return nullsFirst ? 1 : -1
        case (let x?, let y?): return x == y ? 0 : ((x < y) != desc ? -1 : 1)
        }
    }
    func line(_ row: TopGroupsData.Row) -> String {
        "\(row.k.map(String.init) ?? "NULL")|\(row.v.map(String.init) ?? "NULL")|\(row.s)"
    }
    // only the keys are selected, so rows that tie print alike
    let cases: [(String, (TopGroupsData.Row, TopGroupsData.Row) -> Int)] = [
        ("k DESC NULLS LAST, v NULLS FIRST, s", { a, b in
            for c in [cmp(a.k, b.k, desc: true, nullsFirst: false), cmp(a.v, b.v, desc: false, nullsFirst: true),
                      cmp(a.s, b.s, desc: false, nullsFirst: false)] where c != 0 { return c }
            return 0
        }),
        // the default is NULLS LAST for DESC too (DuckDB)
        ("s DESC, k, v DESC", { a, b in
            for c in [cmp(a.s, b.s, desc: true, nullsFirst: false), cmp(a.k, b.k, desc: false, nullsFirst: false),
                      cmp(a.v, b.v, desc: true, nullsFirst: false)] where c != 0 { return c }
            return 0
        }),
    ]
    for (order, c) in cases {
        let want = data.rows.sorted { c($0, $1) < 0 }.map(line)
        let got = try runAggregateQuery(r, "SELECT k, v, s FROM t ORDER BY \(order)")
        #expect(got == want, "seed \(seed): ORDER BY \(order)")
    }
    // a wide-range key (timestamps in µs times a large factor) next to others: not packable
    let got = try runAggregateQuery(r, "SELECT k, v FROM t WHERE v IS NOT NULL ORDER BY v * 1000000000000000, k DESC NULLS FIRST, ts LIMIT 50")
    let want = data.rows.filter { $0.v != nil }.sorted { a, b in
        for x in [cmp(a.v, b.v, desc: false, nullsFirst: false), cmp(a.k, b.k, desc: true, nullsFirst: true), cmp(a.ts, b.ts, desc: false, nullsFirst: false)] where x != 0 { return x < 0 }
        return false
    }.prefix(50).map { "\($0.k.map(String.init) ?? "NULL")|\($0.v!)" }
    #expect(got == want, "seed \(seed): wide key")
}
