import StrataCore
import Foundation
import StrataFormat
import StrataSQL
import StrataStore
import StrataText

/// Binds a statement's AST into a logical plan (`PlanNode`): names resolved against scopes,
/// expressions typed, aggregates and windows collected. Binding reads no data: tables are
/// only snapshotted (one snapshot per table for the whole statement), CTEs and subqueries
/// become subplans.
final class Binder {
    let store: Store?
    /// Evaluates constants that are checked at bind time (casts, IN lists).
    let eval: Evaluator
    /// WITH queries in scope, by lower-cased name.
    var ctes: [String: CTEDefinition] = [:]
    /// The statement's snapshot of each table it reads, by lowercased name.
    var snapshotsByTable: [String: Snapshot] = [:]
    /// `unnest(list)` calls of the SELECT being bound: their column in its Unnest operator.
    var unnestSlots: [FunctionCall: (Int, DataType)] = [:]
    var snapshots: [Snapshot] { Array(snapshotsByTable.values) }
    /// Where subqueries in expressions of the SELECT core being bound go (SubqueryBinder.swift).
    var subqueries = SubqueryState()
    /// Views being expanded, outermost first (a view that refers to itself is an error).
    var expandingViews: [String] = []

    init(store: Store?, eval: Evaluator) {
        self.store = store
        self.eval = eval
    }

    deinit { for s in snapshots { s.close() } }

    static let aggregateNames: Set<String> = Set([
        "count", "sum", "avg", "mean", "min", "max", "count_if", "countif", "sum_if", "sumif", "approx_count_distinct",
        "uniq", "uniqexact", "quantile", "approx_quantile", "quantile_cont", "median", "arg_max", "argmax", "arg_min",
        "argmin", "any", "any_value", "first", "mode",
    ]).union(Binder.moreAggregateNames)

    static let scalarNames: [String] = [
        "date_trunc", "date_part", "datepart", "todate", "tostartofminute", "tostartofhour", "tostartofday", "tostartofweek",
        "tostartofmonth", "tostartofquarter", "tostartofyear", "tomonday", "tohour", "tominute", "todayofweek", "toyear",
        "tomonth", "todayofmonth", "lower", "upper", "length", "round", "abs", "floor", "ceil", "coalesce", "ifnull",
        "nullif", "greatest", "least", "now", "current_timestamp", "if", "concat", "year", "month", "day", "hour", "minute",
    ]

    /// Closest name by edit distance, for "did you mean" hints.
    static func closest(_ name: String, _ candidates: [String]) -> String? {
        func dist(_ a: [Character], _ b: [Character]) -> Int {
            var prev = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var cur = [i] + Array(repeating: 0, count: b.count)
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                prev = cur
            }
            return prev[b.count]
        }
        let a = Array(name.lowercased())
        let scored = candidates.map { ($0, dist(a, Array($0.lowercased()))) }.sorted { $0.1 < $1.1 }
        guard let best = scored.first, best.1 <= max(2, a.count / 3) else { return nil }
        return best.0
    }

    // MARK: - queries

    /// The plan of a query: its CTEs bound first (each once), then its body.
    func plan(_ q: Query) throws(QueryError) -> PlanNode {
        let saved = ctes
        defer { ctes = saved }
        for cte in q.ctes {
            ctes[cte.name.lowercased()] = CTEDefinition(name: cte.name, plan: try plan(cte.query))
        }
        if q.body.count == 1, case .select(let s) = q.body[0] {
            return try planSelect(s, orderBy: q.orderBy, limit: q.limit, offset: q.offset)
        }
        if q.body.count == 1, case .values(let rows) = q.body[0], q.orderBy.isEmpty, q.limit == nil, q.offset == nil {
            return try planValues(rows)
        }
        // UNION ALL: each term, then ORDER BY / LIMIT over the output columns
        var terms: [PlanNode] = []
        for term in q.body {
            let r = try planTerm(term)
            if let first = terms.first, first.types.count != r.types.count {
                throw QueryError("UNION ALL terms have \(first.types.count) and \(r.types.count) columns")
            }
            terms.append(r)
        }
        guard let first = terms.first else { throw QueryError("empty query") }
        var types = first.types
        for r in terms.dropFirst() {
            for c in types.indices { types[c] = try unify(types[c], r.types[c], "UNION ALL column \(c + 1)") }
        }
        var node = terms.count == 1 ? first : PlanNode(.unionAll, terms, names: first.names, types: types)
        if q.orderBy.isEmpty && q.limit == nil && (q.offset ?? 0) == 0 { return node }
        let scope = Scope(tableName: nil, alias: nil, names: node.names, types: types)
        node = PlanNode(.project(types.indices.map { .column($0, types[$0]) }), [node], names: node.names, types: types)
        var keys: [OrderKey] = []
        for o in q.orderBy {
            let e: BExpr
            if case .literal(.integer(let k)) = o.expr.kind {
                guard k >= 1 && Int(k) <= types.count else { throw QueryError("ORDER BY position \(k) is out of range", offset: o.expr.range.start) }
                e = .column(Int(k) - 1, types[Int(k) - 1])
            } else {
                e = try bindScalar(o.expr, scope)
            }
            keys.append(OrderKey(expr: e, descending: o.descending, nullsFirst: o.nullsFirst ?? false))
        }
        return Binder.sortAndLimit(node, keys, limit: Binder.rowCount(q.limit), offset: Binder.rowCount(q.offset) ?? 0)
    }

    /// Sort (when there are keys) and Limit (when there is a LIMIT or OFFSET) over `node`.
    static func sortAndLimit(_ node0: PlanNode, _ keys: [OrderKey], limit: Int?, offset: Int) -> PlanNode {
        var node = node0
        if !keys.isEmpty { node = PlanNode(.sort(keys), [node], names: node.names, types: node.types) }
        if limit != nil || offset > 0 { node = PlanNode(.limit(limit, offset: offset), [node], names: node.names, types: node.types) }
        return node
    }

    /// A LIMIT or OFFSET count, capped far beyond any result's row count so that `limit +
    /// offset` (and any reservation derived from it) cannot overflow: OFFSET
    /// 9223372036854775807 simply skips every row.
    static func rowCount(_ n: Int64?) -> Int? {
        n.map { Int(Swift.max(0, Swift.min($0, Int64(1) << 60))) }
    }

    func coerce(_ v: Value, _ t: DataType) -> Value {
        if case .int(let i) = v, t == .double { return .double(Double(i)) }
        return v
    }

    func unify(_ a: DataType, _ b: DataType, _ what: String) throws(QueryError) -> DataType {
        if a == b { return a }
        if a == .null { return b }
        if b == .null { return a }
        if a.isNumeric && b.isNumeric { return .double }
        if (a == .date && b == .timestamp) || (a == .timestamp && b == .date) { return .timestamp }
        throw QueryError("\(what): types \(a) and \(b) do not match")
    }

    /// The plan and scope of a FROM item.
    func source(_ from: TableRef?) throws(QueryError) -> (PlanNode, Scope) {
        guard let from else {
            // one row of no (visible) columns
            let one = Relation(ResultSet(names: ["dummy"], types: [.bigint], columns: [[.int(0)]]))
            return (PlanNode(.values(one), [], names: one.names, types: one.types), Scope(tableName: nil, alias: nil, names: [], types: []))
        }
        if !from.columnAliases.isEmpty { return try aliasedSource(from) }
        switch from.kind {
        case .table(let name, _):
            if let cte = ctes[name.lowercased()] {
                cte.references += 1
                let node = PlanNode(.cte(cte), [], names: cte.plan.names, types: cte.plan.types)
                return (node, Scope(tableName: name, alias: from.alias, names: node.names, types: node.types))
            }
            if let view = try viewSource(name, from) { return view }
            guard let store else { throw QueryError("no store is open") }
            let t: Table
            do throws(StoreError) { t = try store.table(name) } catch {
                var msg = error.message
                if let c = Binder.closest(name, store.tableNames()), error.kind == .user { msg = "table '\(name)' does not exist (did you mean '\(c)'?)" }
                var e = QueryError(error)
                e.message = msg
                e.offset = from.range.start
                throw e
            }
            // one snapshot per table for the whole statement: every reference to a table (CTEs,
            // subqueries, both sides of a join) reads the same version of it
            let snap: Snapshot
            if let s = snapshotsByTable[name.lowercased()] {
                snap = s
            } else {
                do throws(StoreError) { snap = try t.snapshot() } catch { throw QueryError(error) }
                snapshotsByTable[name.lowercased()] = snap
            }
            let def = snap.definition
            let names = def.columns.map(\.name), types = def.columns.map { DataType($0.type) }
            // tables of re-sent snapshots (dedup_key): answer over the newest version of each key
            let dedup = def.options["dedup_key"] != nil && ((try? DedupSpec(definition: def)) ?? nil) != nil
            let node = PlanNode(.scan(ScanSpec(table: def.name, snapshot: snap, dedup: dedup)), [], names: names, types: types)
            return (node, Scope(tableName: name, alias: from.alias, names: names, types: types))
        case .subquery(let q):
            let node = try plan(q)
            return (node, Scope(tableName: from.alias, alias: from.alias, names: node.names, types: node.types))
        case .join:
            return try joinSource(from)
        case .tableFunction(let name, let args):
            if Binder.fileFunctions.contains(name.lowercased()) { return try fileSource(name, args, from) }
            return try tableFunctionSource(name, args, from)
        }
    }

    func isAggregateCall(_ e: Expr) -> Bool {
        if case .function(let f) = e.kind, f.over == nil, Binder.aggregateNames.contains(f.name.lowercased()) { return true }
        return false
    }

    func containsAggregate(_ e: Expr) -> Bool { e.contains { self.isAggregateCall($0) } }

    func planSelect(_ s: Select, orderBy: [OrderItem], limit: Int64?, offset: Int64?) throws(QueryError) -> PlanNode {
        let outerSubqueries = subqueries
        defer { subqueries = outerSubqueries }
        subqueries = SubqueryState()
        let (src, scope): (PlanNode, Scope)
        if let preset = outerSubqueries.preset { (src, scope) = preset } else { (src, scope) = try source(s.from) }
        let frame = SubqueryFrame(node: src, scope: scope)
        subqueries.pre = frame
        // expand select items
        var items: [(Expr, String)] = []
        for it in s.items {
            switch it {
            case .wildcard(let t) where scope.qualifiers != nil:
                // a join: every visible column (t.*: every column of table t), by position
                let quals = scope.qualifiers!
                let tl = t?.lowercased()
                if let tl, !quals.contains(where: { $0.contains(tl) }) { throw QueryError("unknown table or alias '\(t!)' in \(t!).*") }
                for i in scope.names.indices where tl.map({ quals[i].contains($0) }) ?? !scope.hidden.contains(i) {
                    items.append((Expr(.column(table: quals[i].last!, name: scope.names[i])), scope.names[i]))
                }
            case .wildcard(let t):
                if let t, t != scope.tableName, t != scope.alias { throw QueryError("unknown table or alias '\(t)' in \(t).*") }
                for n in scope.names { items.append((Expr(.column(table: nil, name: n)), n)) }
            case .expr(let e, let alias):
                items.append((e, alias ?? it.outputName ?? e.sqlText))
            }
        }
        var node = src
        if let w = s.whereClause {
            if containsAggregate(w) { throw QueryError("aggregate functions are not allowed in WHERE", offset: w.range.start) }
            let f = try bindWhere(w, scope)
            guard f.type == .boolean || f.type == .null else { throw QueryError("WHERE clause must be BOOLEAN, not \(f.type)", offset: w.range.start) }
            node = PlanNode(.filter(f), [frame.node], names: frame.node.names, types: frame.node.types)
            frame.node = node
        }
        // GROUP BY items: ordinal, alias, or expression
        var groupExprs: [Expr] = []
        for g in s.groupBy {
            if case .literal(.integer(let k)) = g.kind {
                guard k >= 1 && Int(k) <= items.count else { throw QueryError("GROUP BY position \(k) is out of range", offset: g.range.start) }
                groupExprs.append(items[Int(k) - 1].0)
            } else if case .column(nil, let name) = g.kind, !scope.names.contains(where: { $0.lowercased() == name.lowercased() }),
                      let it = items.first(where: { $0.1.lowercased() == name.lowercased() }) {
                groupExprs.append(it.0)
            } else {
                groupExprs.append(g)
            }
        }
        if s.groupByAll { groupExprs = groupByAllKeys(items.map(\.0)) }
        let hasAgg = !groupExprs.isEmpty || s.groupingSets != nil || items.contains { containsAggregate($0.0) } || (s.having.map(containsAggregate) ?? false)
            || orderBy.contains { containsAggregate($0.expr) }
        let savedUnnests = unnestSlots
        defer { unnestSlots = savedUnnests }
        node = try planUnnest(items.map(\.0), groupExprs: groupExprs, aggregated: hasAgg, node, scope)
        frame.node = node
        var outputs: [BExpr] = []
        var keys: [OrderKey] = []
        var qualify: BExpr?
        var windows: WindowCollector
        if hasAgg {
            var groups: [BExpr] = []
            for g in groupExprs {
                if containsAggregate(g) { throw QueryError("aggregate functions are not allowed in GROUP BY", offset: g.range.start) }
                groups.append(try bindScalar(g, scope))
            }
            var post = PostContext(groups: groupExprs, groupTypes: groups.map(\.type), scope: scope)
            subqueries.post = SubqueryFrame(node: node, scope: scope, post: true)
            post.windows.named = s.windows
            for (e, _) in items { outputs.append(try bindPost(e, &post)) }
            var having: BExpr?
            if let h = s.having {
                if h.contains(where: { if case .function(let f) = $0.kind { return f.over != nil } else { return false } }) {
                    throw QueryError("window functions are not allowed in HAVING (use QUALIFY)", offset: h.range.start)
                }
                having = try bindPost(h, &post)
            }
            if let q = s.qualify { qualify = try bindPost(qualifyWithAliases(q, items, scope), &post) }
            for o in orderBy { keys.append(try orderKey(o, items: items, outputs: outputs, bind: { (e) throws(QueryError) in try self.bindPost(e, &post) })) }
            windows = post.windows
            let groupNames = groupExprs.map(\.sqlText)
            let aggNames = post.aggs.map { ExprText.aggregate($0, scope.names) }
            node = PlanNode(.aggregate(AggregateSpec(groups: groups, aggs: post.aggs, groupingSets: s.groupingSets)), [frame.node],
                            names: groupNames + aggNames, types: groups.map(\.type) + post.aggs.map(\.type))
            node = try Binder.listGroupKeys(node)
            try attachPostSubqueries(&node, &outputs, &having, &qualify, &keys, windows)
            if let having { node = PlanNode(.filter(having), [node], names: node.names, types: node.types) }
        } else {
            windows = WindowCollector()
            windows.named = s.windows
            for (e, _) in items { outputs.append(try bindScalar(e, scope, windows: windows)) }
            if let q = s.qualify { qualify = try bindScalar(qualifyWithAliases(q, items, scope), scope, windows: windows) }
            for o in orderBy { keys.append(try orderKey(o, items: items, outputs: outputs, bind: { (e) throws(QueryError) in try self.bindScalar(e, scope, windows: windows) })) }
            if s.having != nil { throw QueryError("HAVING needs GROUP BY or an aggregate") }
            node = frame.node
        }
        if !windows.specs.isEmpty {
            // window results follow the input's columns
            let base = node.types.count
            let f: (Int) -> Int = { $0 >= WindowCollector.base ? base + ($0 - WindowCollector.base) : $0 }
            outputs = outputs.map { $0.remapColumns(f) }
            keys = keys.map { OrderKey(expr: $0.expr.remapColumns(f), descending: $0.descending, nullsFirst: $0.nullsFirst) }
            qualify = qualify?.remapColumns(f)
            node = PlanNode(.window(windows.specs), [node], names: node.names + windows.exprs.map(\.sqlText),
                            types: node.types + windows.specs.map(\.type))
        }
        if let qualify { node = PlanNode(.filter(qualify), [node], names: node.names, types: node.types) }
        keys = try Binder.listOrderKeys(keys)
        return try Binder.project(node, outputs: outputs, names: items.map(\.1), keys: keys, distinct: s.distinct,
                                  limit: Binder.rowCount(limit), offset: Binder.rowCount(offset) ?? 0)
    }

    /// Project, Distinct, Sort and Limit of a SELECT core. ORDER BY keys are bound over the
    /// projection's input: a key that is an output column sorts that column; any other is
    /// computed as a hidden column of the projection, dropped after the sort.
    static func project(_ input: PlanNode, outputs: [BExpr], names: [String], keys: [OrderKey], distinct: Bool,
                        limit: Int?, offset: Int) throws(QueryError) -> PlanNode {
        var exprs = outputs
        var exprNames = names
        var sortKeys: [OrderKey] = []
        for k in keys {
            var i = exprs.firstIndex { $0.same(k.expr) }
            if i == nil {
                if distinct { throw QueryError("for SELECT DISTINCT, ORDER BY expressions must appear in the select list") }
                exprs.append(k.expr)
                exprNames.append(ExprText.expr(k.expr, input.names))
                i = exprs.count - 1
            }
            let col: BExpr = .column(i!, k.expr.type)
            sortKeys.append(OrderKey(expr: k.expr.type.isList ? Binder.listKeyCall(col) : col, descending: k.descending, nullsFirst: k.nullsFirst))
        }
        var node = PlanNode(.project(exprs), [input], names: exprNames, types: exprs.map(\.type))
        if distinct { node = Binder.listDistinct(node) }
        node = sortAndLimit(node, sortKeys, limit: limit, offset: offset)
        if exprs.count > outputs.count {
            node = PlanNode(.project(outputs.indices.map { .column($0, outputs[$0].type) }), [node], names: names, types: outputs.map(\.type))
        }
        return node
    }

    func orderKey(_ o: OrderItem, items: [(Expr, String)], outputs: [BExpr], bind: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> OrderKey {
        let e: BExpr
        if case .literal(.integer(let k)) = o.expr.kind {
            guard k >= 1 && Int(k) <= outputs.count else { throw QueryError("ORDER BY position \(k) is out of range", offset: o.expr.range.start) }
            e = outputs[Int(k) - 1]
        } else if case .column(nil, let name) = o.expr.kind, let i = items.firstIndex(where: { $0.1.lowercased() == name.lowercased() }) {
            // an output name given to different expressions (SELECT * over a join) is ambiguous
            let same = items.indices.filter { items[$0].1.lowercased() == name.lowercased() }
            if same.contains(where: { items[$0].0 != items[i].0 }) {
                throw QueryError("ORDER BY '\(name)' is ambiguous: several output columns have that name", offset: o.expr.range.start)
            }
            e = outputs[i]
        } else {
            e = try bind(o.expr)
        }
        // DuckDB's default: NULLS LAST for ASC and DESC alike
        return OrderKey(expr: e, descending: o.descending, nullsFirst: o.nullsFirst ?? false)
    }
}
