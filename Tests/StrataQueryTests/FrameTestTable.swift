@testable import StrataQuery

/// A row of the window-frame test table `f` (WindowFrameTests, SQL16SlidingAndListKeyTests).
struct FrameRow { var id: Int64; var p: Int64?; var k: Int64; var x: Int64? }

/// Table `f (id, p, k, x, ts)` of random rows with ties and NULLs, for window frames checked
/// against a direct evaluation of each row's frame.
enum FrameTestTable {
    /// `count` rows: p in {0, 1, NULL}, k in 0..<keys, x NULL one time in `nullOneIn`, else in
    /// -xBound...xBound.
    static func rows(_ rng: inout ReportRNG, count: Int, keys: UInt64, nullOneIn: UInt64, xBound: Int64) -> [FrameRow] {
        var rows: [FrameRow] = []
        for i in 1...count {
            let pc = rng.next() % 3
            rows.append(FrameRow(id: Int64(i), p: pc == 2 ? nil : Int64(pc), k: Int64(rng.next() % keys),
                                 x: rng.next() % nullOneIn == 0 ? nil : Int64(rng.next() % UInt64(2 * xBound + 1)) - xBound))
        }
        return rows
    }

    /// A runner with table `f` holding `rows`.
    static func load(_ rows: [FrameRow]) throws -> SQLLogicRunner {
        let runner = try SQLLogicRunner()
        _ = try runner.engine.execute("CREATE TABLE f (id BIGINT, p BIGINT, k BIGINT, x BIGINT, ts TIMESTAMP) PARTITION BY day(ts) ORDER BY (ts)")
        try runner.load("f", rows.map { r in
            "\(r.id)|\(r.p.map(String.init) ?? "NULL")|\(r.k)|\(r.x.map(String.init) ?? "NULL")|2024-01-01 00:00:00"
        })
        return runner
    }

    /// The rows of each partition (by p) in window order: k, then id.
    static func partitions(_ rows: [FrameRow]) -> [Int64?: [FrameRow]] {
        var parts: [Int64?: [FrameRow]] = [:]
        for r in rows { parts[r.p, default: []].append(r) }
        for (p, rs) in parts { parts[p] = rs.sorted { ($0.k, $0.id) < ($1.k, $1.id) } }
        return parts
    }
}
