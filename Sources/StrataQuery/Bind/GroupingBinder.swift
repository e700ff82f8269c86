import StrataSQL
import StrataText

// Issue 16, grouping and aggregates: GROUP BY ALL keys, grouping()/grouping_id(), and the
// binding of the statistical, ordered-set, string and ClickHouse click-analytics aggregates.
extension Binder {
    static let moreAggregateNames: Set<String> = [
        "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "corr", "covar_samp", "covar_pop",
        "quantile_disc", "string_agg", "listagg", "group_concat", "bool_and", "bool_or", "every", "max_by", "min_by",
        "topk", "windowfunnel", "retention", "grouping", "grouping_id",
    ]

    /// Aggregates whose result depends on the order of rows (ties, first row).
    static let orderSensitiveAggregates: Set<String> = [
        "any", "any_value", "first", "arg_max", "argmax", "arg_min", "argmin", "max_by", "min_by", "mode", "topk",
    ]

    /// GROUP BY ALL: every select item without an aggregate or window call.
    func groupByAllKeys(_ items: [Expr]) -> [Expr] {
        items.filter { e in
            !containsAggregate(e) && !e.contains { if case .function(let f) = $0.kind { return f.over != nil } else { return false } }
        }
    }

    /// grouping(a, b) / grouping_id(a, b) over the group keys `c.groups`: an aggregate slot
    /// whose value the executor sets per grouping set (bit n-1-i: argument i is rolled up).
    func groupingCall(_ f: FunctionCall, _ x: Expr, _ c: inout PostContext) throws(QueryError) -> BExpr? {
        let name = f.name.lowercased()
        guard name == "grouping" || name == "grouping_id" else { return nil }
        if c.groups.isEmpty { throw QueryError("\(name)() needs a GROUP BY clause", offset: x.range.start) }
        guard !f.args.isEmpty, f.args.count <= 62 else {
            throw QueryError("\(name)() takes 1 to 62 group keys as arguments", offset: x.range.start)
        }
        if f.distinct || f.filter != nil || !f.orderBy.isEmpty || f.params != nil {
            throw QueryError("\(name)() takes plain GROUP BY keys", offset: x.range.start)
        }
        var keys: [Int] = []
        for a in f.args {
            guard let i = c.groups.firstIndex(of: a) else {
                throw QueryError("\(name)() arguments must be GROUP BY keys, not \(a.sqlText)", offset: a.range.start)
            }
            keys.append(i)
        }
        if let k = c.aggExprs.firstIndex(of: x) { return .column(c.groups.count + k, .bigint) }
        // the keys ride along as arguments for EXPLAIN's text (the accumulator reads none)
        let shownKeys = try f.args.map { (a) throws(QueryError) -> BExpr in try bindScalar(a, c.scope) }
        c.aggs.append(AggSpec(kind: .grouping(keys), args: shownKeys, filter: nil, type: .bigint))
        c.aggExprs.append(x)
        return .column(c.groups.count + c.aggs.count - 1, .bigint)
    }

    /// The aggregates of issue 16 (nil: not one of them); `args` are bound over `scope`.
    func bindMoreAggregate(_ name: String, _ f: FunctionCall, _ x: Expr, _ args: [BExpr], _ filter: BExpr?,
                           _ scope: Scope) throws(QueryError) -> AggSpec? {
        let at = x.range.start
        let shown = ["topk": "topK", "windowfunnel": "windowFunnel"][name] ?? name
        let parametric = name == "topk" || name == "windowfunnel"
        let ordered = ["string_agg", "listagg", "group_concat"].contains(name)
        if f.params != nil && !parametric {
            throw QueryError("\(shown)() takes no parameters (only topK and windowFunnel are written name(params)(args))", offset: at)
        }
        // ORDER BY inside an order-insensitive aggregate changes nothing (DuckDB accepts it)
        if !f.orderBy.isEmpty && !ordered && Binder.orderSensitiveAggregates.contains(name) {
            throw QueryError("ORDER BY inside \(shown)() is not supported (string_agg() takes one)", offset: at)
        }
        if f.rowArgs && name != "count" { throw QueryError("\(shown)() does not take a row value", offset: at) }
        func need(_ n: Int) throws(QueryError) {
            guard args.count == n else { throw QueryError("\(shown)() takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)", offset: at) }
        }
        func numeric(_ i: Int) throws(QueryError) {
            guard args[i].type.isNumeric || args[i].type == .null else {
                throw QueryError("\(shown)() needs a numeric argument, not \(args[i].type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
            }
        }
        func boolean(_ i: Int) throws(QueryError) {
            guard args[i].type == .boolean || args[i].type == .null else {
                throw QueryError("\(shown)() needs BOOLEAN conditions, not \(args[i].type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
            }
        }
        func noDistinct() throws(QueryError) {
            if f.distinct { throw QueryError("\(shown)(DISTINCT ...) is not supported", offset: at) }
        }
        func fraction(_ i: Int) throws(QueryError) -> Double {
            guard case .literal(let lit, _) = args[i], let p = lit.asDouble, p >= 0, p <= 1 else {
                throw QueryError("\(shown)() needs a constant fraction between 0 and 1 as its second argument", offset: at)
            }
            return p
        }
        func param(_ k: Int) throws(QueryError) -> Int64 {
            guard let ps = f.params, k < ps.count, case .literal(.integer(let v)) = ps[k].kind, v >= 0 else {
                throw QueryError("\(shown)() needs a constant non-negative integer parameter: \(shown)(n)(...)", offset: at)
            }
            return v
        }
        switch name {
        case "count" where f.rowArgs:
            return AggSpec(kind: .countDistinctRow, args: args, filter: filter, type: .bigint)
        case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
            try need(1); try numeric(0); try noDistinct()
            let m: Moment = ["stddev": .stddevSamp, "stddev_samp": .stddevSamp, "stddev_pop": .stddevPop,
                             "variance": .varSamp, "var_samp": .varSamp, "var_pop": .varPop][name]!
            return AggSpec(kind: .moment(m), args: args, filter: filter, type: .double)
        case "corr", "covar_samp", "covar_pop":
            try need(2); try numeric(0); try numeric(1); try noDistinct()
            let m: Moment = ["corr": .corr, "covar_samp": .covarSamp, "covar_pop": .covarPop][name]!
            return AggSpec(kind: .moment(m), args: args, filter: filter, type: .double)
        case "quantile_disc", "quantile":
            // DuckDB: quantile is quantile_disc (the value at a rank, of the argument's type)
            try need(2)
            let t = args[0].type
            guard t.isNumeric || t == .timestamp || t == .date || t == .null else {
                throw QueryError("\(shown)() needs a numeric, DATE or TIMESTAMP argument, not \(t) (\(f.args[0].sqlText))", offset: f.args[0].range.start)
            }
            return AggSpec(kind: .quantileDisc(try fraction(1)), args: [args[0]], filter: filter, type: t == .null ? .double : t)
        case "string_agg", "listagg", "group_concat":
            guard args.count == 1 || args.count == 2 else { throw QueryError("\(shown)() takes 1 or 2 arguments (value, separator), got \(args.count)", offset: at) }
            var sep = ","
            if args.count == 2 {
                guard case .literal(let v, _) = args[1], case .string(let s) = v else {
                    throw QueryError("\(shown)() needs a constant VARCHAR separator", offset: f.args[1].range.start)
                }
                sep = s
            }
            var keys: [BExpr] = []
            var dirs: [SortDirection] = []
            for o in f.orderBy {
                if containsAggregate(o.expr) { throw QueryError("aggregate function calls cannot be nested", offset: o.expr.range.start) }
                if f.distinct && o.expr != f.args[0] {
                    throw QueryError("in \(shown)(DISTINCT ...), ORDER BY expressions must be the aggregated argument", offset: o.expr.range.start)
                }
                keys.append(try bindScalar(o.expr, scope))
                // DuckDB's default: NULLS LAST for ASC and DESC
                dirs.append(SortDirection(descending: o.descending, nullsFirst: o.nullsFirst ?? false))
            }
            return AggSpec(kind: .stringAgg(separator: sep, distinct: f.distinct, order: dirs), args: [args[0]] + keys, filter: filter, type: .varchar)
        case "bool_and", "bool_or", "every":
            try need(1); try boolean(0)
            return AggSpec(kind: name == "bool_or" ? .boolOr : .boolAnd, args: args, filter: filter, type: .boolean)
        case "max_by", "min_by":
            try need(2); try noDistinct()
            return AggSpec(kind: name == "max_by" ? .argMax : .argMin, args: args, filter: filter, type: args[0].type)
        case "topk":
            try need(1); try noDistinct()
            let k = f.params == nil ? 10 : try param(0)
            if let ps = f.params, ps.count > 1 { throw QueryError("topK() takes one parameter (k): topK(k)(x)", offset: at) }
            return AggSpec(kind: .topK(Int(min(k, 1 << 20))), args: args, filter: filter, type: .varchar)
        case "windowfunnel":
            guard let ps = f.params, ps.count == 1 else {
                throw QueryError("windowFunnel() needs the window (seconds) as its one parameter: windowFunnel(window)(ts, cond1, cond2, ...)", offset: at)
            }
            let w = try param(0)
            guard args.count >= 2, args.count <= 33 else {
                throw QueryError("windowFunnel() takes a timestamp and 1 to 32 conditions, got \(args.count) arguments", offset: at)
            }
            let tt = args[0].type
            guard tt == .timestamp || tt == .bigint || tt == .null else {
                throw QueryError("windowFunnel() needs a TIMESTAMP (or BIGINT) as its first argument, not \(tt)", offset: f.args[0].range.start)
            }
            for i in 1..<args.count { try boolean(i) }
            // the window is in seconds over a TIMESTAMP, in the column's units over a BIGINT
            let (micros, o) = w.multipliedReportingOverflow(by: tt == .bigint ? 1 : 1_000_000)
            return AggSpec(kind: .windowFunnel(window: o ? .max : micros), args: args, filter: filter, type: .bigint)
        case "retention":
            guard !args.isEmpty, args.count <= 32 else { throw QueryError("retention() takes 1 to 32 conditions, got \(args.count)", offset: at) }
            for i in args.indices { try boolean(i) }
            return AggSpec(kind: .retention, args: args, filter: filter, type: .varchar)
        default:
            return nil
        }
    }
}

extension ExprText {
    /// EXPLAIN text of the issue-16 aggregates (nil for the others).
    static func moreAggregateText(_ kind: AggKind, _ args: [String]) -> String? {
        let a = args.joined(separator: ", ")
        switch kind {
        case .moment(let m): return m.rawValue + "(" + a + ")"
        case .quantileDisc(let p): return "quantile_disc(" + a + ", \(Values.formatDouble(p)))"
        case .quantileList(let ps, let disc): return (disc ? "quantile_disc(" : "quantile_cont(") + a + ", [" + ps.map { Values.formatDouble($0) }.joined(separator: ", ") + "])"
        case .boolAnd: return "bool_and(" + a + ")"
        case .boolOr: return "bool_or(" + a + ")"
        case .countDistinctRow: return "count(DISTINCT (" + a + "))"
        case .stringAgg(let sep, let d, let order):
            var s = "string_agg(" + (d ? "DISTINCT " : "") + args[0] + ", " + ExprText.quoted(sep)
            if !order.isEmpty {
                s += " ORDER BY " + zip(args.dropFirst(), order).map { $0 + ($1.descending ? " DESC" : " ASC") }.joined(separator: ", ")
            }
            return s + ")"
        case .topK(let k): return "topK(\(k))(" + a + ")"
        case .windowFunnel(let w): return "windowFunnel(\(w)us)(" + a + ")"
        case .retention: return "retention(" + a + ")"
        case .grouping: return "grouping(" + a + ")"
        default: return nil
        }
    }
}
