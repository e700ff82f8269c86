import Foundation
import Testing
import StrataCore
import StrataFormat
@testable import StrataStore

// The ingest sort, compaction's merge and dedup over DOUBLE keys, against a reference
// comparator: -0.0 equals 0.0, every NaN equals every NaN and sorts after +inf (DuckDB).

/// Many ties: both zeros, NaNs of both signs and two payloads, the infinities, a few numbers.
private let pool: [Double] = [0.0, -0.0, .nan, -.nan, Double(bitPattern: 0x7FF0_0000_0000_0001), .infinity, -.infinity,
                              1.5, -1.5, 2, -2, .leastNonzeroMagnitude, -.leastNonzeroMagnitude]

/// The reference order, NULL (nil) first as the store sorts; -1, 0, 1.
private func order(_ a: Double?, _ b: Double?) -> Int {
    guard let a, let b else { return a == nil ? (b == nil ? 0 : -1) : 1 }
    if a.isNaN || b.isNaN { return a.isNaN == b.isNaN ? 0 : (a.isNaN ? 1 : -1) }
    return a < b ? -1 : (a > b ? 1 : 0)
}

private struct Draw {
    var s: UInt64
    mutating func next(_ n: Int) -> Int {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Int((s >> 33) % UInt64(n))
    }
    /// `n` values from the pool; NULL about one in six when `nulls`.
    mutating func column(_ n: Int, nulls: Bool) -> [Double?] {
        (0..<n).map { _ in nulls && next(6) == 0 ? nil : pool[next(pool.count)] }
    }
}

private func column(_ xs: [Double?]) -> Column {
    Column(.double(xs.map { $0 ?? 0 }), validity: xs.contains(nil) ? xs.map { $0 == nil ? 0 : 1 } : nil)
}

/// Rows of `keys` in the reference order, ties by position (a stable sort).
private func referenceOrder(_ keys: [[Double?]], _ rows: [Int32]) -> [Int32] {
    rows.sorted { x, y in
        for k in keys {
            let c = order(k[Int(x)], k[Int(y)])
            if c != 0 { return c < 0 }
        }
        return x < y
    }
}

@Test func ingestSortOfDoubleKeysMatchesReference() {
    for seed in 0..<60 as Range<UInt64> {
        var d = Draw(s: seed)
        let n = 1 + d.next(500)
        let x = d.column(n, nulls: seed % 3 == 0), y = d.column(n, nulls: seed % 5 == 0)
        for sortKey in [["x"], ["x", "y"], ["y", "id"]] {
            let def = TableDefinition(name: "d", columns: [ColumnSchema(name: "x", type: .double), ColumnSchema(name: "y", type: .double),
                                                           ColumnSchema(name: "id", type: .bigint)],
                                      timeColumn: nil, granularity: .none, sortKey: sortKey)
            let ids = (0..<Int64(n)).map { Int64(n) - $0 }
            var rows = (0..<Int32(n)).filter { _ in d.next(5) != 0 }
            let keys = sortKey.map { $0 == "x" ? x : $0 == "y" ? y : ids.map { Double($0) } }
            let want = referenceOrder(keys, rows)
            PartitionWriter.sortRows(&rows, def, [column(x), column(y), Column(.int64(ids))])
            #expect(rows == want, "seed \(seed), sort key \(sortKey)")
        }
    }
}

@Test func compactionMergeOfDoubleKeysMatchesReference() {
    for seed in 0..<60 as Range<UInt64> {
        var d = Draw(s: seed &+ 1000)
        var runs = [0]
        var x: [Double?] = [], y: [Double?] = []
        // sorted runs, as segments written by the ingest sort
        for _ in 0..<(1 + d.next(5)) {
            let m = d.next(200)
            let rx = d.column(m, nulls: seed % 2 == 0), ry = d.column(m, nulls: false)
            let sorted = referenceOrder([rx, ry], Array(0..<Int32(m)))
            x += sorted.map { rx[Int($0)] }
            y += sorted.map { ry[Int($0)] }
            runs.append(x.count)
        }
        let got = Compactor.mergeOrder(keys: [column(x), column(y)], runs: runs)
        #expect(got == referenceOrder([x, y], Array(0..<Int32(x.count))), "seed \(seed)")
    }
}

@Test func dedupOverDoubleKeysAndVersionsMatchesReference() {
    for seed in 0..<60 as Range<UInt64> {
        var d = Draw(s: seed &+ 2000)
        let n = d.next(400)
        let k = d.column(n, nulls: seed % 2 == 0), v = d.column(n, nulls: seed % 3 == 0)
        // a row survives when no row of its key has a greater version, or an equal one later
        let want = (0..<Int32(n)).filter { i in
            !(0..<n).contains { j in
                guard j != Int(i), order(k[j], k[Int(i)]) == 0 else { return false }
                let c = order(v[j], v[Int(i)])
                return c > 0 || (c == 0 && j > Int(i))
            }
        }
        let got = DedupSpec.survivingRows(keys: [column(k)], version: column(v))
        #expect(got == want, "seed \(seed)")
        let lastWins = (0..<Int32(n)).filter { i in !((Int(i) + 1)..<n).contains { order(k[$0], k[Int(i)]) == 0 } }
        #expect(DedupSpec.survivingRows(keys: [column(k)], version: nil) == lastWins, "seed \(seed), no version")
    }
}
