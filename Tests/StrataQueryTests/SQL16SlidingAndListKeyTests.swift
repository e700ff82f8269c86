import Testing
@testable import StrataQuery

/// Sliding-frame aggregates (Execute/WindowSlidingAggregates.swift) against a direct evaluation
/// of each row's frame, and LIST keys (Functions/ListKeys.swift): order and round trip.
struct SQL16SlidingAndListKeyTests {
    typealias Row = FrameRow

    @Test func slidingAggregatesAgreeWithDirectEvaluation() throws {
        var rng = ReportRNG(state: 1616)
        let rows = FrameTestTable.rows(&rng, count: 120, keys: 20, nullOneIn: 6, xBound: 20)
        let runner = try FrameTestTable.load(rows)
        let parts = FrameTestTable.partitions(rows)
        var checked = 0
        for _ in 0..<40 {
            let a = Int(rng.next() % 5), b = Int(rng.next() % 5)
            let ex = rng.next() % 3 == 0 ? " EXCLUDE CURRENT ROW" : ""
            let sql = "SELECT id, var_pop(x) OVER w, bool_or(x > 5) OVER w, bool_and(x > -15) OVER w, arg_max(id, x) OVER w, "
                + "string_agg(CAST(x AS VARCHAR), ',') OVER w, any_value(x) OVER w FROM f "
                + "WINDOW w AS (PARTITION BY p ORDER BY k, id ROWS BETWEEN \(a) PRECEDING AND \(b) FOLLOWING\(ex)) ORDER BY id"
            let result = try runner.engine.execute(sql).last!.result
            for (n, r) in rows.enumerated() {
                let part = parts[r.p]!
                let i = part.firstIndex { $0.id == r.id }!
                let frame = part.indices.filter { $0 >= i - a && $0 <= i + b && (ex.isEmpty || $0 != i) }
                let xs = frame.compactMap { part[$0].x }
                let got = result.columns.map { $0[n] }
                // var_pop within rounding
                if xs.isEmpty {
                    #expect(got[1] == .null)
                } else {
                    let mean = Double(xs.reduce(0, +)) / Double(xs.count)
                    let v = xs.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(xs.count)
                    guard case .double(let g) = got[1] else { Issue.record("\(sql): var_pop \(got[1])"); return }
                    #expect(abs(g - v) < 1e-9 * max(1, v), "\(sql) at id \(r.id)")
                }
                var want: [Value] = [
                    xs.isEmpty ? .null : .bool(xs.contains { $0 > 5 }),
                    xs.isEmpty ? .null : .bool(xs.allSatisfy { $0 > -15 }),
                ]
                // arg_max: the first row of the frame with the largest x
                var best: Int? = nil
                for j in frame { if let x = part[j].x, best.map({ x > part[$0].x! }) ?? true { best = j } }
                want.append(best.map { .int(part[$0].id) } ?? .null)
                want.append(xs.isEmpty ? .null : .string(xs.map(String.init).joined(separator: ",")))
                want.append(xs.first.map { .int($0) } ?? .null)
                #expect(Array(got[2...]) == want, "\(sql) at id \(r.id)")
                if Array(got[2...]) != want { return }
            }
            checked += 1
        }
        #expect(checked == 40)
        // moving quantiles (no EXCLUDE): median and quantile_disc against sorted frames
        for _ in 0..<20 {
            let a = Int(rng.next() % 6), b = Int(rng.next() % 6)
            let sql = "SELECT id, median(x) OVER w, quantile_disc(x, 0.3) OVER w FROM f "
                + "WINDOW w AS (PARTITION BY p ORDER BY k, id ROWS BETWEEN \(a) PRECEDING AND \(b) FOLLOWING) ORDER BY id"
            let result = try runner.engine.execute(sql).last!.result
            for (n, r) in rows.enumerated() {
                let part = parts[r.p]!
                let i = part.firstIndex { $0.id == r.id }!
                let xs = part.indices.filter { $0 >= i - a && $0 <= i + b }.compactMap { part[$0].x }.sorted()
                var want: [Value] = [.int(r.id), .null, .null]
                if !xs.isEmpty {
                    let pos = 0.5 * Double(xs.count - 1), lo = Int(pos.rounded(.down)), hi = min(lo + 1, xs.count - 1)
                    want[1] = .double(Double(xs[lo]) + Double(xs[hi] - xs[lo]) * (pos - Double(lo)))
                    want[2] = .int(xs[QuantileDiscAccumulator.rank(0.3, xs.count)])
                }
                let got = result.columns.map { $0[n] }
                #expect(got == want, "\(sql) at id \(r.id)")
                if got != want { return }
            }
        }
    }

    /// Reference order of DuckDB lists: element by element, NULL after values, prefix first.
    static func less(_ a: [Value], _ b: [Value]) -> Bool {
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.null, .null): continue
            case (.null, _): return false
            case (_, .null): return true
            case (.int(let p), .int(let q)): if p != q { return p < q }
            case (.string(let p), .string(let q)): if p != q { return Array(p.utf8).lexicographicallyPrecedes(Array(q.utf8)) }
            case (.double(let p), .double(let q)): if p != q { return p < q }
            default: Issue.record("mixed types")
            }
        }
        return a.count < b.count
    }

    @Test func listKeysOrderAndRoundTrip() {
        var rng = ReportRNG(state: 99)
        let words = ["", "a", "ab", "b", "é", "a,b", "z\u{1F600}", "A"]
        for element in [DataType.bigint, .varchar, .double] {
            var lists: [[Value]] = []
            for _ in 0..<200 {
                let len = Int(rng.next() % 4)
                lists.append((0..<len).map { _ -> Value in
                    if rng.next() % 5 == 0 { return .null }
                    switch element {
                    case .bigint: return .int(Int64(rng.next() % 7) - 3 + (rng.next() % 9 == 0 ? Int64.min / 2 : 0))
                    case .double: return .double(Double(Int64(rng.next() % 9) - 4) / 2)
                    default: return .string(words[Int(rng.next() % UInt64(words.count))])
                    }
                })
            }
            let v = ListPool.vector(lists.map { Value.list(ListValue($0)) }[...], element: element)
            let eval = Evaluator()
            let keys = eval.listKey(v, lists.count)
            let back = eval.listFromKey(keys, .list(element), lists.count)
            for i in lists.indices {
                #expect(back.value(i) == .list(ListValue(lists[i])))
                for j in lists.indices where j % 7 == i % 7 {
                    let ki = keys.string(i), kj = keys.string(j)
                    #expect((ki < kj) == Self.less(lists[i], lists[j]), "\(lists[i]) vs \(lists[j])")
                    #expect((ki == kj) == (lists[i] == lists[j]))
                }
            }
        }
    }
}
