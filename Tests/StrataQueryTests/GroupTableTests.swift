import Foundation
import Testing
import StrataText
@testable import StrataQuery

// GroupTable picks a path per batch: a dense local map when every key word spans a small
// range, run-start hashing with prefetch for large tables, and plain probing otherwise; `find`
// looks keys up without inserting; `reserve` must keep every group where it was. All must number groups by first appearance, exactly as a
// dictionary does.

@Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
func groupTableNumbersGroupsByFirstAppearance(seed: UInt64) {
    var rng = ReportRNG(seed &* 0x2545_F491_4F6C_DD1D)
    let width = 1 + rng.int(4)
    let table = GroupTable(width: width)
    var reference: [[Int64]: Int32] = [:]
    for batch in 0..<12 {
        // small spans (the dense path), wide spans (hashing), sorted runs (run detection),
        // negative and extreme words
        let n = [1, 300, 512, 2000, 5000][rng.int(5)]
        let spans: [Int64] = (0..<width).map { _ in [1, 3, 40, 1 << 14, 1 << 40][rng.int(5)] }
        let offset: [Int64] = (0..<width).map { _ in [0, -7, Int64.min / 2, Int64.max - (1 << 41)][rng.int(4)] }
        var keys = [Int64](repeating: 0, count: n * width)
        var r = 0
        while r < n {
            let run = min(n - r, 1 + (batch % 3 == 0 ? rng.int(6) : 0))
            let key = (0..<width).map { k in offset[k] &+ Int64(rng.int(Int(spans[k]))) }
            for _ in 0..<run {
                for k in 0..<width { keys[r * width + k] = key[k] }
                r += 1
            }
        }
        // as the merge of per-thread tables does: room for every key at once, then insert
        if batch % 2 == 1 { table.reserve(table.count + n) }
        var gids = [Int32](repeating: -2, count: n)
        let created = keys.withUnsafeBufferPointer { kp in gids.withUnsafeMutableBufferPointer { gp in
            table.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
        } }
        var expectedCreated = 0
        for r in 0..<n {
            let key = Array(keys[(r * width)..<((r + 1) * width)])
            if reference[key] == nil {
                reference[key] = Int32(reference.count)
                expectedCreated += 1
            }
            #expect(gids[r] == reference[key], "seed \(seed) batch \(batch) row \(r)")
        }
        #expect(created == expectedCreated)
        #expect(table.count == reference.count)
        // find: present keys give their group, absent ones -1, nothing is inserted
        var probe = keys
        for r in stride(from: 0, to: n, by: 3) { probe[r * width] = probe[r * width] &+ (1 << 50) }
        var found = [Int32](repeating: -2, count: n)
        probe.withUnsafeBufferPointer { kp in found.withUnsafeMutableBufferPointer { fp in
            table.find(kp.baseAddress!, n, into: fp.baseAddress!)
        } }
        for r in 0..<n {
            let key = Array(probe[(r * width)..<((r + 1) * width)])
            #expect(found[r] == reference[key] ?? -1, "seed \(seed) batch \(batch) find row \(r)")
        }
        #expect(table.count == reference.count)
    }
}

// GROUP BY over integer, DATE and TIMESTAMP columns (and timestamps cast to DATE) packs the
// keys into one word from the footers' ranges: an array index when they fit in 20 bits,
// hashed otherwise, unpacked when they need more than 62. All must match a reference, NULLs,
// negative values, session time zones and several segments included.
@Test(arguments: [11, 12, 13, 14] as [UInt64])
func packedGroupKeysMatchReference(seed: UInt64) throws {
    var rng = ReportRNG(seed &* 0x2545_F491_4F6C_DD1D)
    struct Row { var a: Int64?; var b: Int64?; var t: Int64?; var d: Int64? }
    let n = 500 + rng.int(2500)
    let day: Int64 = 86_400_000_000
    let start: Int64 = 1_710_460_800_000_000  // 2024-03-15 00:00 UTC: the range spans a DST change
    let wide = seed % 2 == 0
    var rows: [Row] = []
    for _ in 0..<n {
        rows.append(Row(a: rng.chance(0.1) ? nil : Int64(rng.int(26)) - 5,
                        b: rng.chance(0.1) ? nil : wide ? Int64(rng.int(1 << 33)) - (1 << 32) : Int64(rng.int(7)),
                        t: rng.chance(0.05) ? nil : start + Int64(rng.int(Int(40 * day))),
                        d: rng.chance(0.05) ? nil : 19_790 + Int64(rng.int(90))))
    }
    let runner = try SQLLogicRunner()
    _ = try runner.engine.execute("CREATE TABLE k (a BIGINT, b BIGINT, t TIMESTAMP, d DATE)")
    func text(_ x: Int64?) -> String { x.map(String.init) ?? "NULL" }
    func ts(_ x: Int64?) -> String { x.map { Civil.formatTimestamp($0) } ?? "NULL" }
    func ds(_ x: Int64?) -> String { x.map { Civil.formatDate($0) } ?? "NULL" }
    try runner.load("k", rows.map { [text($0.a), text($0.b), ts($0.t), ds($0.d)].joined(separator: "|") })
    func cell(_ v: Value) -> String { SQLLogicRunner.cell(v) }
    func run(_ sql: String) throws -> [String] {
        let res = try runner.engine.execute(sql).last!.result
        return (0..<res.rowCount).map { i in res.columns.map { cell($0[i]) }.joined(separator: "|") }
    }
    /// Reference: count(*) per key tuple, rendered like the engine, sorted like ORDER BY (NULLs last).
    func reference(_ keys: (Row) -> [Value]) -> [String] {
        var counts: [[Value]: Int] = [:]
        for r in rows { counts[keys(r), default: 0] += 1 }
        return counts.sorted { x, y in
            for (p, q) in zip(x.key, y.key) where p != q {
                if p == .null { return false }
                if q == .null { return true }
                return Evaluator.compareValues(p, q) < 0
            }
            return false
        }.map { ($0.key.map(cell) + [String($0.value)]).joined(separator: "|") }
    }
    func v(_ x: Int64?) -> Value { x.map { .int($0) } ?? .null }
    func vd(_ x: Int64?) -> Value { x.map { .date($0) } ?? .null }
    func vt(_ x: Int64?) -> Value { x.map { .timestamp($0) } ?? .null }
    #expect(try run("SELECT a, count(*) FROM k GROUP BY a ORDER BY 1") == reference { [v($0.a)] })
    #expect(try run("SELECT a, d, count(*) FROM k GROUP BY a, d ORDER BY 1, 2") == reference { [v($0.a), vd($0.d)] })
    #expect(try run("SELECT a, b, count(*) FROM k GROUP BY a, b ORDER BY 1, 2") == reference { [v($0.a), v($0.b)] })
    #expect(try run("SELECT t, count(*) FROM k GROUP BY t ORDER BY 1") == reference { [vt($0.t)] })
    #expect(try run("SELECT b, t, d, a, count(*) FROM k GROUP BY b, t, d, a ORDER BY 1, 2, 3, 4")
            == reference { [v($0.b), vt($0.t), vd($0.d), v($0.a)] })
    let berlin = TimeZone(identifier: "Europe/Berlin")!
    func localDay(_ t: Int64?, _ tz: TimeZone?) -> Value {
        guard let t else { return .null }
        let offset = Int64(tz?.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t) / 1e6)) ?? 0) * 1_000_000
        let x = t + offset
        return .date(x >= 0 ? x / day : (x - day + 1) / day)
    }
    #expect(try run("SELECT CAST(t AS DATE), a, count(*) FROM k GROUP BY 1, 2 ORDER BY 1, 2")
            == reference { [localDay($0.t, nil), v($0.a)] })
    #expect(try run("SET timezone = 'Europe/Berlin'; SELECT CAST(t AS DATE), a, count(*) FROM k GROUP BY 1, 2 ORDER BY 1, 2")
            == reference { [localDay($0.t, berlin), v($0.a)] })
}
