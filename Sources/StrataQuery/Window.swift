import StrataSQL

public enum WindowFn: Sendable, Equatable {
    case rowNumber, rank, denseRank, count, countStar, sum, avg, min, max, lag(Int), lead(Int), firstValue, lastValue
}

/// A bound window function: evaluated in the post stage over the rows that survive HAVING.
struct WindowSpecBound {
    var fn: WindowFn
    var args: [BExpr]
    var partition: [BExpr]
    var order: [OrderKey]
    var type: DataType
}

/// Collects window calls met while binding select items, ORDER BY and QUALIFY. Slots are
/// provisional (`WindowCollector.base + k`) until the post-stage input width is known.
final class WindowCollector {
    static let base = 1 << 30
    var specs: [WindowSpecBound] = []
    var exprs: [Expr] = []
}

extension BExpr {
    /// Rewrites column slots (used to place window results after the post-stage inputs).
    func remapColumns(_ f: (Int) -> Int) -> BExpr {
        switch self {
        case .column(let i, let t): return .column(f(i), t)
        case .literal: return self
        case .negate(let e): return .negate(e.remapColumns(f))
        case .binary(let op, let a, let b, let t): return .binary(op, a.remapColumns(f), b.remapColumns(f), t)
        case .and(let es): return .and(es.map { $0.remapColumns(f) })
        case .or(let es): return .or(es.map { $0.remapColumns(f) })
        case .not(let e): return .not(e.remapColumns(f))
        case .isNull(let e, let n): return .isNull(e.remapColumns(f), negated: n)
        case .inList(let e, let v, let n): return .inList(e.remapColumns(f), v, negated: n)
        case .stringPredicate(let e, let p): return .stringPredicate(e.remapColumns(f), p)
        case .caseWhen(let ws, let e, let t): return .caseWhen(ws.map { ($0.0.remapColumns(f), $0.1.remapColumns(f)) }, e?.remapColumns(f), t)
        case .cast(let e, let t): return .cast(e.remapColumns(f), t)
        case .call(let fn, let es, let t): return .call(fn, es.map { $0.remapColumns(f) }, t)
        case .timeAddInterval(let e, let m, let us, let t): return .timeAddInterval(e.remapColumns(f), months: m, micros: us, t)
        }
    }
}

extension Executor {
    /// Values of every window function for the `n` rows of `b`, as vectors.
    func evaluateWindows(_ specs: [WindowSpecBound], _ b: Batch) throws(QueryError) -> [Vec] {
        let n = b.count
        var out: [Vec] = []
        for w in specs {
            let partVals = try w.partition.map { (e) throws(QueryError) -> [Value] in
                let v = try eval.eval(e, b)
                return (0..<n).map { v.value($0) }
            }
            let orderVals = try w.order.map { (o) throws(QueryError) -> [Value] in
                let v = try eval.eval(o.expr, b)
                return (0..<n).map { v.value($0) }
            }
            let argVals = try w.args.map { (e) throws(QueryError) -> [Value] in
                let v = try eval.eval(e, b)
                return (0..<n).map { v.value($0) }
            }
            func cmpOrder(_ x: Int, _ y: Int) -> Int {
                for (k, o) in w.order.enumerated() {
                    let a = orderVals[k][x], c = orderVals[k][y]
                    if a.isNull || c.isNull {
                        if a.isNull && c.isNull { continue }
                        return (a.isNull == o.nullsFirst) ? -1 : 1
                    }
                    let r = Evaluator.compareValues(a, c)
                    if r != 0 { return o.descending ? -r : r }
                }
                return 0
            }
            func samePartition(_ x: Int, _ y: Int) -> Bool {
                for p in partVals where p[x] != p[y] { return false }
                return true
            }
            var rows = Array(0..<n)
            rows.sort { x, y in
                for p in partVals {
                    let a = p[x], c = p[y]
                    if a == c { continue }
                    if a.isNull { return false }
                    if c.isNull { return true }
                    return Evaluator.compareValues(a, c) < 0
                }
                let r = cmpOrder(x, y)
                return r != 0 ? r < 0 : x < y
            }
            var result = [Value](repeating: .null, count: n)
            var start = 0
            while start < n {
                var end = start + 1
                while end < n && samePartition(rows[start], rows[end]) { end += 1 }
                let part = Array(rows[start..<end])
                try fillPartition(w, part, argVals, cmpOrder, &result)
                start = end
            }
            out.append(Vec.from(result[...], type: w.type))
        }
        return out
    }

    private func fillPartition(_ w: WindowSpecBound, _ part: [Int], _ args: [[Value]], _ cmp: (Int, Int) -> Int,
                               _ result: inout [Value]) throws(QueryError) {
        let m = part.count
        switch w.fn {
        case .rowNumber:
            for (i, r) in part.enumerated() { result[r] = .int(Int64(i + 1)) }
        case .rank, .denseRank:
            var rank = 1, dense = 1
            for (i, r) in part.enumerated() {
                if i > 0 && cmp(part[i - 1], r) != 0 { rank = i + 1; dense += 1 }
                result[r] = .int(Int64(w.fn == .rank ? rank : dense))
            }
        case .lag(let k), .lead(let k):
            let off = w.fn == .lead(k) ? k : -k
            for (i, r) in part.enumerated() {
                let j = i + off
                if j >= 0 && j < m { result[r] = args[0][part[j]] } else { result[r] = args.count > 2 ? args[2][r] : .null }
            }
        case .firstValue:
            for r in part { result[r] = args[0][part[0]] }
        case .lastValue:
            // frame ends at the current row's last peer
            var i = 0
            while i < m {
                var j = i
                while j + 1 < m && !w.order.isEmpty && cmp(part[j + 1], part[i]) == 0 { j += 1 }
                if w.order.isEmpty { j = m - 1 }
                for k in i...j { result[part[k]] = args[0][part[j]] }
                i = j + 1
            }
        case .count, .countStar, .sum, .avg, .min, .max:
            // whole partition without ORDER BY; running (with peers) with ORDER BY
            var acc = WindowAccumulator(fn: w.fn, type: w.type)
            var i = 0
            while i < m {
                var j = i
                if w.order.isEmpty { j = m - 1 } else { while j + 1 < m && cmp(part[j + 1], part[i]) == 0 { j += 1 } }
                for k in i...j { try acc.add(w.fn == .countStar ? .int(1) : args[0][part[k]]) }
                let v = acc.value
                for k in i...j { result[part[k]] = v }
                i = j + 1
            }
        }
    }
}

struct WindowAccumulator {
    let fn: WindowFn
    let type: DataType
    var count: Int64 = 0
    var isum: Int64 = 0
    var dsum: Double = 0
    var ext: Value = .null

    init(fn: WindowFn, type: DataType) {
        self.fn = fn
        self.type = type
    }

    mutating func add(_ v: Value) throws(QueryError) {
        if v.isNull { return }
        count += 1
        switch fn {
        case .sum, .avg:
            switch v {
            case .int(let i):
                if type == .double || fn == .avg { dsum += Double(i) } else {
                    let (s, o) = isum.addingReportingOverflow(i)
                    if o { throw QueryError("integer overflow in sum() OVER (...)") }
                    isum = s
                }
            case .double(let d): dsum += d
            default: break
            }
        case .min:
            if ext.isNull || Evaluator.compareValues(v, ext) < 0 { ext = v }
        case .max:
            if ext.isNull || Evaluator.compareValues(v, ext) > 0 { ext = v }
        default: break
        }
    }

    var value: Value {
        switch fn {
        case .count, .countStar: return .int(count)
        case .sum: return count == 0 ? .null : (type == .double ? .double(dsum) : .int(isum))
        case .avg: return count == 0 ? .null : .double(dsum / Double(count))
        default: return ext
        }
    }
}
