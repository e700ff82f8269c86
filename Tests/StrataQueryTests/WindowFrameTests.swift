import Testing
@testable import StrataQuery

/// Random frames (ROWS, RANGE, GROUPS; offsets, CURRENT ROW, UNBOUNDED; EXCLUDE) over a
/// table with ties and NULLs, checked against a direct evaluation of each row's frame.
struct WindowFrameTests {
    typealias Row = FrameRow

    enum Edge { case up, pre(Int64), cur, fol(Int64), uf }

    static func text(_ e: Edge) -> String {
        switch e {
        case .up: return "UNBOUNDED PRECEDING"
        case .pre(let n): return "\(n) PRECEDING"
        case .cur: return "CURRENT ROW"
        case .fol(let n): return "\(n) FOLLOWING"
        case .uf: return "UNBOUNDED FOLLOWING"
        }
    }

    @Test func randomFramesAgreeWithDirectEvaluation() throws {
        var rng = ReportRNG(state: 16)
        let rows = FrameTestTable.rows(&rng, count: 150, keys: 25, nullOneIn: 8, xBound: 100)
        let runner = try FrameTestTable.load(rows)
        // each row's partition in window order (k, then id) and its place there
        let parts = FrameTestTable.partitions(rows)
        var groupOf: [Int64?: [Int64: Int64]] = [:]
        for (p, rs) in parts {
            for (n, k) in Set(rs.map(\.k)).sorted().enumerated() { groupOf[p, default: [:]][k] = Int64(n) }
        }
        var checked = 0
        let units = ["ROWS", "RANGE", "GROUPS"]
        let excludes = ["", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES"]
        for _ in 0..<60 {
            let unit = units[Int(rng.next() % 3)]
            func edge() -> Edge {
                switch rng.next() % 5 {
                case 0: return .up
                case 1: return .pre(Int64(rng.next() % 6))
                case 2: return .cur
                case 3: return .fol(Int64(rng.next() % 6))
                default: return .uf
                }
            }
            var s = edge(), e = edge()
            if case .uf = s { s = .up }
            if case .up = e { e = .uf }
            switch (s, e) {
            case (.cur, .pre), (.fol, .pre), (.fol, .cur): swap(&s, &e)
            default: break
            }
            if case .uf = s { s = .cur }
            if case .up = e { e = .cur }
            if case .fol = s, case .pre = e { continue }
            let ex = excludes[Int(rng.next() % 4)]
            let rowsUnit = unit == "ROWS"
            let order = rowsUnit ? "k, id" : "k"
            let frame = "\(unit) BETWEEN \(Self.text(s)) AND \(Self.text(e))\(ex)"
            let positional = rowsUnit ? ", first_value(x) OVER w, last_value(x) OVER w, nth_value(x, 2) OVER w" : ""
            let sql = "SELECT id, sum(x) OVER w, count(x) OVER w, min(x) OVER w, max(x) OVER w\(positional) FROM f WINDOW w AS (PARTITION BY p ORDER BY \(order) \(frame)) ORDER BY id"
            let result = try runner.engine.execute(sql).last!.result
            for (n, r) in rows.enumerated() {
                // the partition in window order
                let part = parts[r.p]!
                let i = part.firstIndex { $0.id == r.id }!
                let groups = groupOf[r.p]!
                func g(_ q: Row) -> Int64 { groups[q.k]! }
                func coord(_ j: Int) -> Int64 { rowsUnit ? Int64(j) : unit == "RANGE" ? part[j].k : g(part[j]) }
                let c = coord(i)
                let inFrame = part.indices.filter { j in
                    let v = coord(j)
                    let okStart: Bool
                    switch s {
                    case .up: okStart = true
                    case .pre(let m): okStart = v >= c - m
                    case .cur: okStart = v >= c
                    case .fol(let m): okStart = v >= c + m
                    case .uf: okStart = false
                    }
                    let okEnd: Bool
                    switch e {
                    case .up: okEnd = false
                    case .pre(let m): okEnd = v <= c - m
                    case .cur: okEnd = v <= c
                    case .fol(let m): okEnd = v <= c + m
                    case .uf: okEnd = true
                    }
                    guard okStart && okEnd else { return false }
                    let peer = rowsUnit ? j == i : part[j].k == part[i].k
                    switch ex {
                    case " EXCLUDE CURRENT ROW": return j != i
                    case " EXCLUDE GROUP": return !peer
                    case " EXCLUDE TIES": return j == i || !peer
                    default: return true
                    }
                }
                let xs = inFrame.compactMap { part[$0].x }
                var want: [Value] = [
                    .int(r.id), xs.isEmpty ? .null : .int(xs.reduce(0, +)), .int(Int64(xs.count)),
                    xs.min().map { .int($0) } ?? .null, xs.max().map { .int($0) } ?? .null,
                ]
                if rowsUnit {
                    want.append(inFrame.first.flatMap { part[$0].x }.map { .int($0) } ?? .null)
                    want.append(inFrame.last.flatMap { part[$0].x }.map { .int($0) } ?? .null)
                    want.append(inFrame.count >= 2 ? part[inFrame[1]].x.map { .int($0) } ?? .null : .null)
                }
                let got = result.columns.map { $0[n] }
                #expect(got == want, "\(sql) at id \(r.id)")
                if got != want { return }
            }
            checked += 1
        }
        #expect(checked > 40)
    }
}
