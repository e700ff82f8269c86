import StrataCore
import StrataSQL

public enum WindowFn: Sendable, Equatable {
    case rowNumber, rank, denseRank, count, countStar, sum, avg, min, max, lag(Int), lead(Int), firstValue, lastValue
    case ntile, percentRank, cumeDist, nthValue, countDistinct
    /// Any other aggregate (`WindowSpecBound.aggregate`), over whole partitions.
    case aggregate
}

/// A bound frame. Offsets are bound over the window's input: for ROWS and GROUPS a BIGINT
/// count; for RANGE the offset itself (checked per row) and the boundary value
/// `key ∓ offset` of each row, compared with the ORDER BY key.
struct BoundFrame {
    enum Edge: Equatable { case unboundedPreceding, preceding, currentRow, following, unboundedFollowing }
    var unit: FrameUnit
    var start: Edge
    var end: Edge
    var startOffset: BExpr? = nil
    var endOffset: BExpr? = nil
    var startBound: BExpr? = nil
    var endBound: BExpr? = nil
    var exclude: FrameExclude = .noOthers

    /// DuckDB's default: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (the whole
    /// partition without ORDER BY, where every row is a peer).
    static let standard = BoundFrame(unit: .range, start: .unboundedPreceding, end: .currentRow)

    var exprs: [BExpr] { [startOffset, endOffset, startBound, endBound].compactMap { $0 } }

    /// The frame for row `i` is partition-wide or running: no per-row work beyond peers.
    var isStandard: Bool { unit == .range && start == .unboundedPreceding && end == .currentRow && exclude == .noOthers }
}

/// A bound window function: evaluated in the post stage over the rows that survive HAVING.
struct WindowSpecBound {
    var fn: WindowFn
    var args: [BExpr]
    var partition: [BExpr]
    var order: [OrderKey]
    var type: DataType
    var frame: BoundFrame = .standard
    var ignoreNulls = false
    /// `FILTER (WHERE ...)` of an aggregate over a window.
    var filter: BExpr? = nil
    /// `.aggregate`: the aggregate, its arguments and FILTER bound over a batch of `args`
    /// (then the FILTER condition) evaluated.
    var aggregate: AggSpec? = nil
    var aggregateName = ""
    /// An aggregate over a sliding frame (Execute/WindowSlidingAggregates.swift).
    var sliding = false

    /// Every expression the window reads (for the columns a plan must provide).
    var exprs: [BExpr] { args + partition + order.map(\.expr) + frame.exprs + (filter.map { [$0] } ?? []) }
}

/// Collects window calls met while binding select items, ORDER BY and QUALIFY. Slots are
/// provisional (`WindowCollector.base + k`) until the post-stage input width is known.
final class WindowCollector {
    static let base = 1 << 30
    var specs: [WindowSpecBound] = []
    var exprs: [Expr] = []
    /// The SELECT's `WINDOW name AS (...)` definitions.
    var named: [NamedWindow] = []
}

extension Binder {
    /// `spec` with its named base window (`OVER w`, `OVER (w ORDER BY ...)`) merged in.
    func resolveWindowSpec(_ spec: WindowSpec, _ named: [NamedWindow], at: Int, depth: Int = 0) throws(QueryError) -> WindowSpec {
        guard let name = spec.base else { return spec }
        guard depth < 32, let def = named.first(where: { $0.name == name }) else {
            throw QueryError("window '\(name)' does not exist (define it with WINDOW \(name) AS (...) after HAVING)", offset: at)
        }
        let base = try resolveWindowSpec(def.spec, named, at: at, depth: depth + 1)
        var out = spec
        out.base = nil
        if !spec.partitionBy.isEmpty && !base.partitionBy.isEmpty {
            throw QueryError("cannot override PARTITION BY of window '\(name)'", offset: at)
        }
        if !spec.orderBy.isEmpty && !base.orderBy.isEmpty {
            throw QueryError("cannot override ORDER BY of window '\(name)'", offset: at)
        }
        if base.frame != nil && spec.parenthesized {
            throw QueryError("cannot copy window '\(name)' because it has a frame clause", offset: at)
        }
        if out.partitionBy.isEmpty { out.partitionBy = base.partitionBy }
        if out.orderBy.isEmpty { out.orderBy = base.orderBy }
        if out.frame == nil { out.frame = base.frame }
        return out
    }

    /// Binds a window call met in SELECT, QUALIFY or ORDER BY: its arguments, PARTITION BY and
    /// ORDER BY over the window's input, collected in `c` (one spec per distinct call).
    func bindWindow(_ f: FunctionCall, _ x: Expr, _ c: WindowCollector, _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BExpr {
        if let k = c.exprs.firstIndex(of: x) { return .column(WindowCollector.base + k, c.specs[k].type) }
        guard let over0 = f.over else { throw QueryError("internal: window without OVER", kind: .internal) }
        let at = x.range.start
        let over = try resolveWindowSpec(over0, c.named, at: at)
        let name = f.name.lowercased()
        for a in f.args where a.contains(where: { if case .function(let g) = $0.kind { return g.over != nil } else { return false } }) {
            throw QueryError("window function calls cannot be nested", offset: a.range.start)
        }
        let args = try f.args.map { (a) throws(QueryError) -> BExpr in try sub(a) }
        let partition = try over.partitionBy.map { (a) throws(QueryError) -> BExpr in try sub(a) }
        let order = try over.orderBy.map { (o) throws(QueryError) -> OrderKey in
            OrderKey(expr: try sub(o.expr), descending: o.descending, nullsFirst: o.nullsFirst ?? false)
        }
        func need(_ counts: ClosedRange<Int>, _ what: String) throws(QueryError) {
            guard counts.contains(args.count) else { throw QueryError("\(name)() takes \(what), got \(args.count)", offset: at) }
        }
        func integerArg(_ i: Int) throws(QueryError) {
            guard args[i].type == .bigint || args[i].type == .null else {
                throw QueryError("\(name)() needs an integer as argument \(i + 1), not \(args[i].type)", offset: f.args[i].range.start)
            }
        }
        let countDistinct = name == "count" && f.distinct && args.count == 1
        if Binder.aggregateNames.contains(name), !countDistinct, f.distinct || !["count", "sum", "avg", "mean", "min", "max"].contains(name) {
            return try bindAggregateWindow(f, x, over, name, args, partition, order, c, sub)
        }
        let fn: WindowFn
        var type: DataType = .bigint
        var isAggregate = false
        switch name {
        case "row_number", "rank", "dense_rank", "percent_rank", "cume_dist":
            try need(0...0, "no arguments")
            fn = ["row_number": .rowNumber, "rank": .rank, "dense_rank": .denseRank, "percent_rank": .percentRank, "cume_dist": .cumeDist][name]!
            if fn == .percentRank || fn == .cumeDist { type = .double }
        case "ntile":
            try need(1...1, "one argument (the number of buckets)")
            try integerArg(0)
            fn = .ntile
        case "count" where countDistinct:
            if let fr = over.frame, fr.exclude != .noOthers {
                throw QueryError("count(DISTINCT ...) OVER does not support EXCLUDE", offset: at)
            }
            fn = .countDistinct
            isAggregate = true
        case "count":
            fn = f.isStar || args.isEmpty ? .countStar : .count
            if fn == .count { try need(1...1, "one argument") }
            isAggregate = true
        case "sum":
            try need(1...1, "one argument")
            guard args[0].type.isNumeric || args[0].type == .null else { throw QueryError("sum() OVER needs a numeric argument, not \(args[0].type)", offset: at) }
            fn = .sum; type = args[0].type == .null ? .bigint : args[0].type
            isAggregate = true
        case "avg", "mean":
            try need(1...1, "one argument")
            guard args[0].type.isNumeric || args[0].type == .null else { throw QueryError("\(name)() OVER needs a numeric argument, not \(args[0].type)", offset: at) }
            fn = .avg; type = .double
            isAggregate = true
        case "min", "max":
            try need(1...1, "one argument")
            fn = name == "min" ? .min : .max; type = args[0].type
            isAggregate = true
        case "lag", "lead":
            try need(1...3, "1 to 3 arguments (value, offset, default)")
            var k = 1
            if args.count >= 2 {
                guard case .literal(.int(let n), _) = args[1] else { throw QueryError("\(name)() offset must be an integer constant", offset: f.args[1].range.start) }
                k = Int(Swift.max(Swift.min(n, Int64(1) << 40), -(Int64(1) << 40)))  // beyond any partition: row ± k cannot overflow
            }
            if k < 0 { fn = name == "lag" ? .lead(-k) : .lag(-k) } else { fn = name == "lag" ? .lag(k) : .lead(k) }
            type = args[0].type
            if args.count == 3, type == .null { type = args[2].type }
        case "first_value", "last_value":
            try need(1...1, "one argument")
            fn = name == "first_value" ? .firstValue : .lastValue; type = args[0].type
        case "nth_value":
            try need(2...2, "two arguments (value, n)")
            try integerArg(1)
            fn = .nthValue; type = args[0].type
        default:
            if Binder.aggregateNames.contains(name) {
                throw QueryError("aggregate \(name)() is not supported as a window function (count, sum, avg, min, max are)", offset: at)
            }
            throw QueryError("unknown window function \(name)() (row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead, first_value, last_value, nth_value, count, sum, avg, min, max)", offset: at)
        }
        if f.distinct && fn != .countDistinct { throw QueryError("DISTINCT is not supported in window function \(name)()", offset: at) }
        if f.filter != nil && !isAggregate { throw QueryError("FILTER applies to aggregate functions only, not \(name)()", offset: at) }
        if over.ignoreNulls, !["first_value", "last_value", "nth_value", "lag", "lead"].contains(name) {
            throw QueryError("IGNORE NULLS applies to first_value, last_value, nth_value, lag and lead, not \(name)()", offset: at)
        }
        var spec = WindowSpecBound(fn: fn, args: args, partition: partition, order: order, type: type)
        spec.ignoreNulls = over.ignoreNulls
        if let w = f.filter {
            let b = try sub(w)
            guard b.type == .boolean || b.type == .null else { throw QueryError("FILTER condition must be BOOLEAN, not \(b.type)", offset: w.range.start) }
            spec.filter = b
        }
        if let frame = over.frame { spec.frame = try bindFrame(frame, over, order, at: at, sub) }
        c.specs.append(spec)
        c.exprs.append(x)
        return .column(WindowCollector.base + c.specs.count - 1, type)
    }

    /// An aggregate without a sliding implementation (`count(DISTINCT x)`, `quantile`, `mode`,
    /// `any`, ...) over whole partitions: fed once per row into one group per partition.
    private func bindAggregateWindow(_ f: FunctionCall, _ x: Expr, _ over: WindowSpec, _ name: String, _ args: [BExpr],
                                     _ partition: [BExpr], _ order: [OrderKey], _ c: WindowCollector,
                                     _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BExpr {
        let at = x.range.start
        var whole = over.orderBy.isEmpty && over.frame == nil
        if let fr = over.frame, fr.exclude == .noOthers, case .unboundedPreceding = fr.start, case .unboundedFollowing = fr.end { whole = true }
        let sliding = !whole && !f.distinct && slidingWindowAggregates.contains(name)
        guard whole || sliding else {
            throw QueryError("\(f.distinct ? name + "(DISTINCT ...)" : name + "()") as a window function needs the whole partition as its frame (no ORDER BY, or ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)", offset: at)
        }
        if over.ignoreNulls { throw QueryError("IGNORE NULLS applies to first_value, last_value, nth_value, lag and lead, not \(name)()", offset: at) }
        // the aggregate binds over a scope of its evaluated arguments; constants stay in place
        var names: [String] = [], types: [DataType] = [], evaluated: [BExpr] = []
        var g = f
        g.over = nil
        for (k, a) in f.args.enumerated() {
            if case .literal = a.kind { continue }
            if Binder.isConstantList(a) { continue }
            names.append("#w\(k)"); types.append(args[k].type); evaluated.append(args[k])
            g.args[k] = Expr(.column(table: nil, name: "#w\(k)"), range: a.range)
        }
        if let fl = f.filter {
            let b = try sub(fl)
            names.append("#wf"); types.append(b.type); evaluated.append(b)
            g.filter = Expr(.column(table: nil, name: "#wf"), range: fl.range)
        }
        let agg = try bindAggregate(g, Expr(.function(g), range: x.range), Scope(tableName: nil, alias: nil, names: names, types: types))
        var spec = WindowSpecBound(fn: .aggregate, args: evaluated, partition: partition, order: order, type: agg.type)
        spec.aggregate = agg
        spec.aggregateName = name + (f.distinct ? "(DISTINCT" : "(")
        if sliding {
            // Execute/WindowSlidingAggregates.swift
            spec.sliding = true
            if let frame = over.frame { spec.frame = try bindFrame(frame, over, order, at: at, sub) }
        }
        c.specs.append(spec)
        c.exprs.append(x)
        return .column(WindowCollector.base + c.specs.count - 1, agg.type)
    }

    private func bindFrame(_ fr: WindowFrame, _ over: WindowSpec, _ order: [OrderKey], at: Int,
                           _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BoundFrame {
        var out = BoundFrame(unit: fr.unit, start: .currentRow, end: .currentRow, exclude: fr.exclude)
        func edge(_ b: FrameBound) -> (BoundFrame.Edge, Expr?) {
            switch b {
            case .unboundedPreceding: return (.unboundedPreceding, nil)
            case .preceding(let e): return (.preceding, e)
            case .currentRow: return (.currentRow, nil)
            case .following(let e): return (.following, e)
            case .unboundedFollowing: return (.unboundedFollowing, nil)
            }
        }
        let (se, so) = edge(fr.start), (ee, eo) = edge(fr.end)
        out.start = se; out.end = ee
        let unitName = fr.unit.rawValue.uppercased()
        func offset(_ e: Expr?, _ preceding: Bool) throws(QueryError) -> (BExpr?, BExpr?) {
            guard let e else { return (nil, nil) }
            let b = try sub(e)
            if case .literal(let v, _) = b {
                if v == .null { throw QueryError("window \(unitName) offset cannot be NULL", offset: e.range.start) }
                if case .int(let i) = v, i < 0 { throw QueryError("window \(unitName) offset cannot be negative", offset: e.range.start) }
                if case .double(let d) = v, d < 0 { throw QueryError("window \(unitName) offset cannot be negative", offset: e.range.start) }
            }
            if fr.unit != .range {
                guard b.type == .bigint || b.type == .null else {
                    throw QueryError("window \(unitName) offset must be an integer, not \(b.type)", offset: e.range.start)
                }
                return (b, nil)
            }
            guard order.count == 1 else {
                throw QueryError("RANGE with an offset needs exactly one ORDER BY expression", offset: at)
            }
            let key = order[0]
            guard key.expr.type.isNumeric || key.expr.type == .date || key.expr.type == .timestamp else {
                throw QueryError("RANGE with an offset needs a numeric, DATE or TIMESTAMP ORDER BY key, not \(key.expr.type)", offset: over.orderBy[0].expr.range.start)
            }
            // PRECEDING goes against the sort direction: key - offset ascending, key + offset descending
            let op: StrataSQL.BinaryOp = preceding != key.descending ? .subtract : .add
            let bound = try sub(Expr(.binary(op, over.orderBy[0].expr, e), range: e.range))
            guard bound.type.isNumeric || bound.type == .date || bound.type == .timestamp || bound.type == .null else {
                throw QueryError("RANGE offset \(e.sqlText) does not fit ORDER BY key of type \(key.expr.type)", offset: e.range.start)
            }
            return (b, bound)
        }
        (out.startOffset, out.startBound) = try offset(so, se == .preceding)
        (out.endOffset, out.endBound) = try offset(eo, ee == .preceding)
        return out
    }

    /// QUALIFY may name select-list aliases (`QUALIFY rn = 1`): a bare name that is no input
    /// column but an alias stands for the aliased expression.
    func qualifyWithAliases(_ q: Expr, _ items: [(Expr, String)], _ scope: Scope) -> Expr {
        func rewrite(_ e: Expr) -> Expr {
            var k = e.kind
            switch e.kind {
            case .column(nil, let n):
                if (try? scope.resolve(nil, n, e.range)) == nil,
                   let it = items.first(where: { $0.1.lowercased() == n.lowercased() && $0.0 != e }) {
                    return it.0
                }
                return e
            case .column, .literal, .subquery: return e
            case .unary(let op, let x): k = .unary(op, rewrite(x))
            case .binary(let op, let a, let b): k = .binary(op, rewrite(a), rewrite(b))
            case .isNull(let x, let n): k = .isNull(rewrite(x), negated: n)
            case .isBoolean(let x, let v, let n): k = .isBoolean(rewrite(x), value: v, negated: n)
            case .inList(let x, let l, let n): k = .inList(rewrite(x), l.map(rewrite), negated: n)
            case .between(let x, let lo, let hi, let n): k = .between(rewrite(x), low: rewrite(lo), high: rewrite(hi), negated: n)
            case .like(let x, let p, let ci, let n): k = .like(rewrite(x), pattern: rewrite(p), caseInsensitive: ci, negated: n)
            case .caseWhen(var c):
                c.operand = c.operand.map(rewrite)
                c.branches = c.branches.map { CaseBranch(condition: rewrite($0.condition), result: rewrite($0.result)) }
                c.elseResult = c.elseResult.map(rewrite)
                k = .caseWhen(c)
            case .cast(let x, let t, let isTry): k = .cast(rewrite(x), t, isTry: isTry)
            case .extract(let fld, let x): k = .extract(fld, rewrite(x))
            case .function(var f) where f.over == nil && !Binder.aggregateNames.contains(f.name):
                f.args = f.args.map(rewrite)
                k = .function(f)
            default: return e  // function calls (windows, aggregates) keep their own names
            }
            return Expr(k, range: e.range)
        }
        return rewrite(q)
    }
}

extension ExprText {
    static func frame(_ f: BoundFrame, _ names: [String]) -> String {
        func edge(_ e: BoundFrame.Edge, _ off: BExpr?) -> String {
            switch e {
            case .unboundedPreceding: return "UNBOUNDED PRECEDING"
            case .preceding: return expr(off!, names) + " PRECEDING"
            case .currentRow: return "CURRENT ROW"
            case .following: return expr(off!, names) + " FOLLOWING"
            case .unboundedFollowing: return "UNBOUNDED FOLLOWING"
            }
        }
        var s = f.unit.rawValue.uppercased() + " BETWEEN " + edge(f.start, f.startOffset) + " AND " + edge(f.end, f.endOffset)
        if f.exclude != .noOthers { s += " EXCLUDE " + f.exclude.rawValue }
        return s
    }
}
