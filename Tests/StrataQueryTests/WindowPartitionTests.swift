import Foundation
import Testing
import StrataTestSupport
@testable import StrataQuery

/// Window partitioning by dense key ids (dictionary ranks, integer offsets, combined keys)
/// and by the hash table, and the chunked QUALIFY/projection above windows: every result is
/// checked against a direct evaluation in Swift, over many seeds.
struct WindowPartitionTests {
    struct Row {
        var id: Int64
        var hex: String?     // 16 hex digits (a hex dictionary in every segment)
        var name: String?    // a plain string
        var small: Int64?    // a narrow integer range
        var wide: Int64?     // a range too wide for dense ids
        var flag: Bool?
        var x: Int64?
        var ts: Int64        // seconds, in one of several days (segments)
    }

    static func rows(seed: UInt64, count: Int) -> [Row] {
        var s = seed
        func r(_ m: UInt64) -> UInt64 { splitMix64Next(&s) % m }
        let hexPool = (0..<max(3, count / 6)).map { _ in
            let w = splitMix64Next(&s)
            let t = String(w, radix: 16)
            return String(repeating: "0", count: 16 - t.count) + t
        }
        let names = ["a", "b", "c", "dd", "é", "", "zz", "b "]
        return (0..<count).map { i in
            Row(id: Int64(i + 1),
                hex: r(13) == 0 ? nil : hexPool[Int(r(UInt64(hexPool.count)))],
                name: r(11) == 0 ? nil : names[Int(r(UInt64(names.count)))],
                small: r(9) == 0 ? nil : Int64(r(7)) - 3,
                wide: r(9) == 0 ? nil : (r(2) == 0 ? Int64.min / 2 : Int64.max / 2) + Int64(r(4)),
                flag: r(7) == 0 ? nil : r(2) == 0,
                x: r(10) == 0 ? nil : Int64(r(1000)) - 500,
                ts: Int64(r(4)) * 86400 + Int64(r(50)))
        }
    }

    static func load(_ rows: [Row]) throws -> SQLLogicRunner {
        let runner = try SQLLogicRunner()
        _ = try runner.engine.execute("CREATE TABLE w (id BIGINT, hex VARCHAR, name VARCHAR, small BIGINT, wide BIGINT, flag BOOLEAN, x BIGINT, ts TIMESTAMP) PARTITION BY day(ts) ORDER BY (ts)")
        func t(_ v: Int64) -> String {
            let d = v / 86400, s = v % 86400
            return String(format: "2024-01-%02d %02d:%02d:%02d", d + 1, s / 3600, s / 60 % 60, s % 60)
        }
        func line(_ r: Row) -> String {
            var f: [String] = [String(r.id)]
            f.append(r.hex ?? "NULL")
            f.append(r.name ?? "NULL")
            f.append(r.small.map { String($0) } ?? "NULL")
            f.append(r.wide.map { String($0) } ?? "NULL")
            f.append(r.flag.map { $0 ? "true" : "false" } ?? "NULL")
            f.append(r.x.map { String($0) } ?? "NULL")
            f.append(t(r.ts))
            return f.joined(separator: "|")
        }
        try runner.load("w", rows.map(line))
        return runner
    }

    /// Expected lag(x), row_number, count(*) and sum(x) of each row (by id) for a partition
    /// key, windows ordered by (ts, id).
    static func expected(_ rows: [Row], key: (Row) -> String) -> [Int64: [String]] {
        var parts: [String: [Row]] = [:]
        for r in rows { parts[key(r), default: []].append(r) }
        var out: [Int64: [String]] = [:]
        for (_, rs) in parts {
            let sorted = rs.sorted { ($0.ts, $0.id) < ($1.ts, $1.id) }
            let sum = sorted.compactMap(\.x).reduce(0, +)
            let anyX = sorted.contains { $0.x != nil }
            for (i, r) in sorted.enumerated() {
                let lag = i > 0 ? sorted[i - 1].x.map(String.init) ?? "NULL" : "NULL"
                out[r.id] = [lag, String(i + 1), String(sorted.count), anyX ? String(sum) : "NULL"]
            }
        }
        return out
    }

    static func check(_ runner: SQLLogicRunner, _ rows: [Row], partition: String, key: (Row) -> String) throws {
        let sql = """
            SELECT id, lag(x) OVER (PARTITION BY \(partition) ORDER BY ts, id),
                   row_number() OVER (PARTITION BY \(partition) ORDER BY ts, id),
                   count(*) OVER (PARTITION BY \(partition)), sum(x) OVER (PARTITION BY \(partition))
            FROM w ORDER BY id
            """
        let result = try runner.engine.execute(sql).last!.result
        let want = expected(rows, key: key)
        #expect(result.rowCount == rows.count)
        for i in 0..<result.rowCount {
            let id: Int64
            guard case .int(let v) = result.columns[0][i] else { Issue.record("id"); return }
            id = v
            let got = (1...4).map { SQLLogicRunner.cell(result.columns[$0][i]) }
            #expect(got == want[id]!, "PARTITION BY \(partition), row \(id)")
        }
    }

    static func k<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "<null>" }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func partitionKeysAgreeWithDirectEvaluation(seed: UInt64) throws {
        let rows = Self.rows(seed: seed, count: 300 + Int(seed) * 40)
        let runner = try Self.load(rows)
        try Self.check(runner, rows, partition: "hex") { Self.k($0.hex) }
        try Self.check(runner, rows, partition: "name") { Self.k($0.name) }
        try Self.check(runner, rows, partition: "small") { Self.k($0.small) }
        try Self.check(runner, rows, partition: "wide") { Self.k($0.wide) }
        try Self.check(runner, rows, partition: "flag") { Self.k($0.flag) }
        try Self.check(runner, rows, partition: "small, flag, name") { "\(Self.k($0.small))|\(Self.k($0.flag))|\(Self.k($0.name))" }
        try Self.check(runner, rows, partition: "hex, wide") { "\(Self.k($0.hex))|\(Self.k($0.wide))" }
        try Self.check(runner, rows, partition: "upper(name)") { $0.name.map { $0.uppercased() } ?? "<null>" }
        try Self.check(runner, rows, partition: "trim(name)") { $0.name.map { $0.trimmingCharacters(in: .whitespaces) } ?? "<null>" }
        try Self.check(runner, rows, partition: "CAST(ts AS DATE)") { String($0.ts / 86400) }
        try Self.check(runner, rows, partition: "x % 3 = 0") { $0.x.map { String($0 % 3 == 0) } ?? "<null>" }
        try Self.check(runner, rows, partition: "CAST(small AS DOUBLE)") { Self.k($0.small) }
    }

    @Test func denseIdsCoverKeyKinds() throws {
        let exec = Executor(eval: Evaluator(), threads: 1)
        // integers: offsets from the smallest, NULL its own id
        let v = Vec(type: .bigint, count: 4)
        v.ints = [10, 12, 10, 0]
        v.valid = [1, 1, 1, 0]
        let (ids, buckets) = try #require(exec.denseKeyIds([v], n: 4))
        #expect(buckets == 4)
        #expect(ids[0] == ids[2] && ids[0] != ids[1] && ids[3] == 3)
        // a range far wider than the rows: no dense ids (hashing instead)
        let w = Vec(type: .bigint, count: 2)
        w.ints = [0, 1 << 40]
        #expect(exec.denseKeyIds([w], n: 2)?.1 == nil)
        // doubles are hashed (-0.0 = 0.0, NaN)
        let d = Vec(type: .double, count: 1)
        d.dbls = [1]
        #expect(exec.denseKeyIds([d], n: 1)?.1 == nil)
    }

    @Test(arguments: [7, 8, 9] as [UInt64])
    func hexRanksMatchSortedOrder(seed: UInt64) {
        var s = seed
        // sorted runs (joined segment dictionaries) and one shuffled list
        for runs in [1, 3, 7, 200] {
            var words: [Int64] = []
            for _ in 0..<runs {
                let m = Int(splitMix64Next(&s) % 50)
                var run = (0..<m).map { _ in Int64(bitPattern: splitMix64Next(&s) % 97 &* 0x0123_4567_89ab_cdef) }
                run.sort { UInt64(bitPattern: $0) < UInt64(bitPattern: $1) }
                words += run
            }
            let r = DictRef.hexRanks(words)
            let distinct = Set(words.map { UInt64(bitPattern: $0) }).sorted()
            for (i, w) in words.enumerated() {
                #expect(Int(r[i]) == distinct.firstIndex(of: UInt64(bitPattern: w))!)
            }
        }
    }

    /// One test (not parameterized): it alone changes the chunk size, and restores it.
    @Test func chunkedQualifyAndProjectionAgree() throws {
      for seed in [11, 12, 13] as [UInt64] {
        let rows = Self.rows(seed: seed, count: 2000)
        let runner = try Self.load(rows)
        let queries = [
            "SELECT CAST(ts AS DATE) AS day, count(*) FROM (SELECT ts, lag(ts) OVER (PARTITION BY hex ORDER BY ts, id) AS prev FROM w) AS e WHERE prev IS NULL OR ts - prev > INTERVAL 30 SECOND GROUP BY day ORDER BY day",
            "SELECT id, name, x + 1 AS y, row_number() OVER (PARTITION BY name ORDER BY id) AS rn FROM w QUALIFY rn <= 3 ORDER BY id",
            "SELECT id, upper(name), sum(x) OVER (PARTITION BY small) AS s FROM w WHERE id % 2 = 0 QUALIFY s > 0 ORDER BY s DESC, id LIMIT 50",
            "SELECT DISTINCT small, count(*) OVER (PARTITION BY small) FROM w ORDER BY 1",
            "SELECT 1 FROM w QUALIFY row_number() OVER (PARTITION BY flag ORDER BY id) <= 2",
            "SELECT id, [x, small] AS l, lead(hex) OVER (ORDER BY id) AS h FROM w QUALIFY h IS NOT NULL ORDER BY id",
        ]
        func answers() throws -> [String] {
            try queries.map { q in
                let r = try runner.engine.execute(q).last!.result
                return (0..<r.rowCount).map { i in r.columns.map { SQLLogicRunner.cell($0[i]) }.joined(separator: "|") }.joined(separator: "\n")
            }
        }
        let whole = try answers()
        let saved = Executor.postChunkRows
        Executor.postChunkRows = 7 + Int(seed)
        defer { Executor.postChunkRows = saved }
        let chunked = try answers()
        #expect(chunked == whole)
      }
    }
}
