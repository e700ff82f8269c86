import Foundation
import Testing
import StrataText
@testable import StrataQuery

/// Top-N over many groups (two-phase aggregation, candidate preselection) and hex-id
/// membership predicates, checked against answers computed row by row, over random data.
struct TopGroupsData {
    struct Row {
        var ts: Int64
        var k: Int64?
        var h: String
        var hn: String?
        var s: String
        var v: Int64?
    }
    var rows: [Row] = []

    init(seed: UInt64, count: Int) {
        var rng = ReportRNG(seed)
        func unit() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        func hex(_ x: UInt64) -> String {
            let s = String(x, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        let start = Civil.parseTimestamp("2024-03-01 00:00:00", format: .iso)!
        for _ in 0..<count {
            // skewed keys: a few heavy groups, thousands of light ones (ties at every count)
            let u = unit()
            let key = Int64(u * u * u * 9000)
            let hk = UInt64(unit() * unit() * 7000) &* 0x9E37_79B9_7F4A_7C15
            rows.append(Row(ts: start + Int64(unit() * 86400 * 10) * 1_000_000,
                            k: rng.next() % 97 == 0 ? nil : key,
                            h: hex(hk),
                            hn: rng.next() % 50 == 0 ? nil : hex(hk >> 3),
                            s: "s\(rng.next() % 40)",
                            v: rng.next() % 3 == 0 ? nil : Int64(rng.next() % 1000) - 300))
        }
    }

    /// A runner whose table `t` holds these rows (one segment per day).
    func loadedRunner() throws -> SQLLogicRunner {
        let r = try SQLLogicRunner()
        _ = try r.engine.execute("CREATE TABLE t (ts TIMESTAMP, k BIGINT, h VARCHAR, hn VARCHAR, s VARCHAR, v BIGINT) PARTITION BY day(ts) ORDER BY (k, ts)")
        try r.load("t", loadLines)
        return r
    }

    var loadLines: [String] {
        rows.map { r in
            "\(Civil.formatTimestamp(r.ts))|\(r.k.map(String.init) ?? "NULL")|\(r.h)|\(r.hn ?? "NULL")|\(r.s)|\(r.v.map(String.init) ?? "NULL")"
        }
    }
}

/// NULLs last ascending, first descending (DuckDB's default), as the engine orders.
private func compareOpt<T: Comparable>(_ a: T?, _ b: T?, descending: Bool) -> Int {
    switch (a, b) {
    case (nil, nil): return 0
    case (nil, _): return descending ? -1 : 1
    case (_, nil): return descending ? 1 : -1
    case (let x?, let y?):
        if x == y { return 0 }
        return (x < y) != descending ? -1 : 1
    }
}

private func runQuery(_ r: SQLLogicRunner, _ sql: String) throws -> [String] {
    let res = try r.engine.execute(sql).last!.result
    return (0..<res.rowCount).map { i in res.columns.map { SQLLogicRunner.cell($0[i]) }.joined(separator: "|") }
}

@Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
func topGroupsMatchRowByRowAnswers(seed: UInt64) throws {
    let data = TopGroupsData(seed: seed, count: 40_000)
    let r = try data.loadedRunner()
    let lo = data.rows.map(\.ts).min()! + 86400 * 2_000_000, hi = lo + 86400 * 5_000_000
    let limit = Int(seed % 4) * 5 + 3, offset = Int(seed % 3)

    // 1. hex-id groups by count, distinct sessions: two-phase and preselection
    do {
        var n: [String: Int] = [:], ds: [String: Set<String>] = [:]
        for row in data.rows { n[row.h, default: 0] += 1; ds[row.h, default: []].insert(row.s) }
        let keys = n.keys.sorted { a, b in n[a]! != n[b]! ? n[a]! > n[b]! : a < b }
        let want = keys.dropFirst(offset).prefix(limit).map { "\($0)|\(n[$0]!)|\(ds[$0]!.count)" }
        let got = try runQuery(r, "SELECT h, count(*) AS n, count(DISTINCT s) AS ds FROM t GROUP BY h ORDER BY n DESC, h LIMIT \(limit) OFFSET \(offset)")
        #expect(got == Array(want), "seed \(seed): query 1")
    }
    // 2. nullable integer key, sum (NULL when a group has no values) ascending NULLS FIRST, filtered by time
    do {
        var sum: [Int64?: Int64?] = [:], dh: [Int64?: Set<String>] = [:]
        for row in data.rows where row.ts >= lo && row.ts < hi {
            let cur = sum[row.k] ?? nil
            if let v = row.v { sum[row.k] = (cur ?? 0) + v } else if sum[row.k] == nil { sum[row.k] = .some(nil) }
            dh[row.k, default: []].insert(row.h)
        }
        let keys = Array(sum.keys).sorted { a, b in
            let sa = sum[a]!, sb = sum[b]!
            if (sa == nil) != (sb == nil) { return sa == nil }
            if let x = sa, let y = sb, x != y { return x < y }
            return compareOpt(a, b, descending: false) < 0
        }
        let want = keys.dropFirst(offset).prefix(limit).map { k in
            "\(k.map(String.init) ?? "NULL")|\(sum[k]!.map(String.init) ?? "NULL")|\(dh[k]!.count)"
        }
        let got = try runQuery(r, """
            SELECT k, sum(v) AS sv, count(DISTINCT h) AS dh FROM t
            WHERE ts >= TIMESTAMP '\(Civil.formatTimestamp(lo))' AND ts < TIMESTAMP '\(Civil.formatTimestamp(hi))'
            GROUP BY k ORDER BY sv ASC NULLS FIRST, k LIMIT \(limit) OFFSET \(offset)
            """)
        #expect(got == Array(want), "seed \(seed): query 2")
    }
    // 3. two keys (one nullable hex), descending count then keys: the phase-2 filter is per key
    do {
        struct K: Hashable { var k: Int64?; var hn: String? }
        var n: [K: Int] = [:], ds: [K: Set<String>] = [:]
        for row in data.rows { let key = K(k: row.k, hn: row.hn); n[key, default: 0] += 1; ds[key, default: []].insert(row.s) }
        let keys = n.keys.sorted { a, b in
            if n[a]! != n[b]! { return n[a]! > n[b]! }
            let c = compareOpt(a.k, b.k, descending: false)
            if c != 0 { return c < 0 }
            return compareOpt(a.hn, b.hn, descending: true) < 0
        }
        let want = keys.prefix(limit).map { "\($0.k.map(String.init) ?? "NULL")|\($0.hn ?? "NULL")|\(n[$0]!)|\(ds[$0]!.count)" }
        let got = try runQuery(r, "SELECT k, hn, count(*), count(DISTINCT s) FROM t GROUP BY k, hn ORDER BY 3 DESC, 1, 2 DESC LIMIT \(limit)")
        #expect(got == Array(want), "seed \(seed): query 3")
    }
    // 4. hex membership: =, <>, IN on the id columns (words compared, not text)
    do {
        let pick = data.rows[Int(seed) * 17 % data.rows.count]
        let other = data.rows[Int(seed) * 31 % data.rows.count]
        let eq = data.rows.filter { $0.h == pick.h }.count
        let ne = data.rows.filter { $0.h != pick.h }.count
        let inList = data.rows.filter { $0.h == pick.h || $0.h == other.h || $0.h == "ABCDEF0123456789" }.count
        let nullableIn = data.rows.filter { $0.hn != nil && ($0.hn == pick.hn || $0.hn == other.hn) }.count
        let notIn = data.rows.filter { $0.hn != nil && $0.hn != pick.hn && $0.hn != other.hn }.count
        let got = try runQuery(r, """
            SELECT count_if(h = '\(pick.h)'), count_if(h <> '\(pick.h)'), count_if(h IN ('\(pick.h)', '\(other.h)', 'ABCDEF0123456789')),
                   count_if(hn IN ('\(pick.hn ?? "x")', '\(other.hn ?? "x")')), count_if(hn NOT IN ('\(pick.hn ?? "x")', '\(other.hn ?? "x")'))
            FROM t
            """)
        #expect(got == ["\(eq)|\(ne)|\(inList)|\(nullableIn)|\(notIn)"], "seed \(seed): query 4")
    }
}

@Test func quickselectFindsOrderStatistics() {
    var rng = ReportRNG(7)
    for trial in 0..<200 {
        let n = 1 + Int(rng.next() % 300)
        let xs = (0..<n).map { _ in Double(Int(rng.next() % 20)) - 5 }   // many duplicates
        let sorted = xs.sorted()
        let i = Int(rng.next() % UInt64(n))
        var copy = xs
        #expect(Executor.select(&copy, i) == sorted[i], "trial \(trial)")
    }
}
