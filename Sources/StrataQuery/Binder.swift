import Foundation
import StrataCore
import StrataFormat
import StrataSQL
import StrataStore
import StrataText

/// Names visible to expressions of one SELECT core: the source's columns.
struct Scope {
    var tableName: String?
    var alias: String?
    var names: [String]
    var types: [DataType]
    /// Joins: the lower-cased qualifiers (table name, alias, "#k" for the k-th table of the
    /// FROM clause) each column answers to; nil for a single table.
    var qualifiers: [[String]]? = nil
    /// Joins: columns left out of `*` and of unqualified lookup (right-side USING columns).
    var hidden: Set<Int> = []
    /// Joins: every column name of the joined tables (for "did you mean" hints).
    var hintNames: [String]? = nil

    init(tableName: String?, alias: String?, names: [String], types: [DataType]) {
        self.tableName = tableName
        self.alias = alias
        self.names = names
        self.types = types
    }

    func resolve(_ table: String?, _ name: String, _ range: SourceRange) throws(QueryError) -> (Int, DataType) {
        if let quals = qualifiers { return try resolveJoined(table, name, range, quals) }
        if let table, table != tableName?.lowercased(), table != alias?.lowercased(), table != tableName, table != alias {
            throw QueryError("unknown table or alias '\(table)'", offset: range.start)
        }
        if let i = names.firstIndex(of: name) ?? names.firstIndex(where: { $0.lowercased() == name.lowercased() }) {
            return (i, types[i])
        }
        let hint = Binder.closest(name, names).map { " (did you mean '\($0)'?)" } ?? ""
        throw QueryError("unknown column '\(name)'\(hint)", offset: range.start)
    }

    private func resolveJoined(_ table: String?, _ name: String, _ range: SourceRange, _ quals: [[String]]) throws(QueryError) -> (Int, DataType) {
        let t = table?.lowercased()
        if let t, !quals.contains(where: { $0.contains(t) }) {
            throw QueryError("unknown table or alias '\(table!)'", offset: range.start)
        }
        let n = name.lowercased()
        let hits = names.indices.filter { i in
            names[i].lowercased() == n && (t.map { quals[i].contains($0) } ?? !hidden.contains(i))
        }
        if hits.count == 1 { return (hits[0], types[hits[0]]) }
        if hits.count > 1 {
            let spelled = hits.map { i in (quals[i].first { !$0.hasPrefix("#") } ?? quals[i].last!) + "." + names[i] }
            throw QueryError("column reference '\(name)' is ambiguous (\(spelled.joined(separator: " or ")))", offset: range.start)
        }
        let hint = Binder.closest(name, hintNames ?? names).map { " (did you mean '\($0)'?)" } ?? ""
        throw QueryError("unknown column '\(name)'\(hint)", offset: range.start)
    }
}

/// Binds SQL ASTs to plans and runs them. Subqueries and CTEs are materialized first.
final class Binder {
    let store: Store?
    let executor: Executor
    var ctes: [String: Relation] = [:]
    /// The statement's snapshot of each table it reads, by lowercased name.
    var snapshotsByTable: [String: Snapshot] = [:]
    var snapshots: [Snapshot] { Array(snapshotsByTable.values) }

    init(store: Store?, executor: Executor) {
        self.store = store
        self.executor = executor
    }

    deinit { for s in snapshots { s.close() } }

    static let aggregateNames: Set<String> = [
        "count", "sum", "avg", "mean", "min", "max", "count_if", "countif", "sum_if", "sumif", "approx_count_distinct",
        "uniq", "uniqexact", "quantile", "approx_quantile", "quantile_cont", "median", "arg_max", "argmax", "arg_min",
        "argmin", "any", "any_value", "first", "mode",
    ]

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

    func run(_ q: Query) throws(QueryError) -> Relation {
        let saved = ctes
        defer { ctes = saved }
        for cte in q.ctes { ctes[cte.name.lowercased()] = try run(cte.query) }
        if q.body.count == 1, case .select(let s) = q.body[0] {
            return try runSelect(s, orderBy: q.orderBy, limit: q.limit, offset: q.offset)
        }
        // UNION ALL: run each term, concatenate, then ORDER BY / LIMIT over output columns
        var terms: [Relation] = []
        for term in q.body {
            let r: Relation
            switch term {
            case .select(let s): r = try runSelect(s, orderBy: [], limit: nil, offset: nil)
            case .query(let sub): r = try run(sub)
            }
            if let first = terms.first, first.columns.count != r.columns.count {
                throw QueryError("UNION ALL terms have \(first.columns.count) and \(r.columns.count) columns")
            }
            terms.append(r)
        }
        guard var out = terms.first else { throw QueryError("empty query") }
        for r in terms.dropFirst() {
            for c in out.types.indices { out.types[c] = try unify(out.types[c], r.types[c], "UNION ALL column \(c + 1)") }
        }
        // concatenate column by column, converting to the unified types
        out.columns = out.types.indices.map { c in Vec.concat(terms.map { $0.columns[c] }, type: out.types[c], interner: executor.interner) }
        out.count = terms.reduce(0) { $0 + $1.count }
        if q.orderBy.isEmpty && q.limit == nil && (q.offset ?? 0) == 0 { return out }
        let scope = Scope(tableName: nil, alias: nil, names: out.names, types: out.types)
        var plan = SelectPlan(source: .relation(out), slots: Array(out.columns.indices), filter: nil, filterSlots: [],
                              isAggregate: false, outputs: out.types.indices.map { .column($0, out.types[$0]) }, names: out.names)
        for o in q.orderBy {
            let e: BExpr
            if case .literal(.integer(let k)) = o.expr.kind {
                guard k >= 1 && Int(k) <= out.types.count else { throw QueryError("ORDER BY position \(k) is out of range", offset: o.expr.range.start) }
                e = .column(Int(k) - 1, out.types[Int(k) - 1])
            } else {
                e = try bindScalar(o.expr, scope)
            }
            plan.order.append(OrderKey(expr: e, descending: o.descending, nullsFirst: o.nullsFirst ?? o.descending))
        }
        plan.limit = Binder.rowCount(q.limit)
        plan.offset = Binder.rowCount(q.offset) ?? 0
        return try executor.run(plan)
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

    func source(_ from: TableRef?) throws(QueryError) -> (Source, Scope) {
        guard let from else {
            let one = Relation(ResultSet(names: ["dummy"], types: [.bigint], columns: [[.int(0)]]))
            return (.relation(one), Scope(tableName: nil, alias: nil, names: [], types: []))
        }
        switch from.kind {
        case .table(let name, _):
            if let r = ctes[name.lowercased()] {
                return (.relation(r), Scope(tableName: name, alias: from.alias, names: r.names, types: r.types))
            }
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
            let scope = Scope(tableName: name, alias: from.alias, names: def.columns.map(\.name), types: def.columns.map { DataType($0.type) })
            // tables of re-sent snapshots (dedup_key): answer over the newest version of each key
            if def.options["dedup_key"] != nil, !executor.bindOnly, let rel = try Binder.dedupedRelation(snap) {
                return (.relation(rel), scope)
            }
            return (.table(snap), scope)
        case .subquery(let q):
            let r = try run(q)
            return (.relation(r), Scope(tableName: from.alias, alias: from.alias, names: r.names, types: r.types))
        case .join:
            return try joinSource(from, statement: [], wildcard: true, filter: nil)
        }
    }

    /// The rows of a `dedup_key` table that survive deduplication (the newest version of each
    /// key; ties: the last written), as a relation. Segments are read oldest first.
    static func dedupedRelation(_ snap: Snapshot) throws(QueryError) -> Relation? {
        let def = snap.definition
        guard (try? DedupSpec(definition: def)) ?? nil != nil else { return nil }
        let columns: [[Value]] = Array(repeating: [], count: def.columns.count)
        var merged: [Column] = []
        let ordered = snap.segments.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        var parts: [[Column]] = []
        for seg in ordered where seg.rows > 0 {
            do throws(StoreError) {
                let r = try snap.reader(seg)
                var cols: [Column] = []
                for i in 0..<def.columns.count {
                    do throws(FormatError) { cols.append(try r.readColumn(i)) } catch { throw StoreError(error) }
                }
                parts.append(cols)
            } catch { throw QueryError(error.message, kind: .corrupt) }
        }
        guard !parts.isEmpty else {
            return Relation(ResultSet(names: def.columns.map(\.name), types: def.columns.map { DataType($0.type) }, columns: columns))
        }
        let total = parts.reduce(0) { $0 + ($1.first?.count ?? 0) }
        for c in 0..<def.columns.count {
            merged.append(Column.concatenated(parts.map { $0[c] }, physical: def.columns[c].type.physical, total: total))
        }
        let keep = Compactor.dedupRows(columns: merged, definition: def)
        let vecs = merged.enumerated().map { c, col in QueryEngine.vector(col, DataType(def.columns[c].type)).gather(keep.map { Int32($0) }) }
        return Relation(names: def.columns.map(\.name), types: def.columns.map { DataType($0.type) }, columns: vecs, count: keep.count)
    }

    func isAggregateCall(_ e: Expr) -> Bool {
        if case .function(let f) = e.kind, f.over == nil, Binder.aggregateNames.contains(f.name.lowercased()) { return true }
        return false
    }

    func containsAggregate(_ e: Expr) -> Bool { e.contains { self.isAggregateCall($0) } }

    func runSelect(_ s: Select, orderBy: [OrderItem], limit: Int64?, offset: Int64?) throws(QueryError) -> Relation {
        let (src, scope): (Source, Scope)
        if let from = s.from, case .join = from.kind {
            var exprs: [Expr] = s.items.compactMap { if case .expr(let e, _) = $0 { return e } else { return nil } }
            exprs += s.groupBy + orderBy.map(\.expr)
            for e in [s.whereClause, s.having, s.qualify] { if let e { exprs.append(e) } }
            let wildcard = s.items.contains { if case .wildcard = $0 { return true } else { return false } }
            (src, scope) = try joinSource(from, statement: exprs, wildcard: wildcard, filter: s.whereClause)
        } else {
            (src, scope) = try source(s.from)
        }
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
        var plan = SelectPlan(source: src, slots: [], filter: nil, filterSlots: [], isAggregate: false, outputs: [], names: items.map(\.1))
        plan.distinct = s.distinct
        plan.limit = Binder.rowCount(limit)
        plan.offset = Binder.rowCount(offset) ?? 0
        var used = Set<Int>()
        if let w = s.whereClause {
            if containsAggregate(w) { throw QueryError("aggregate functions are not allowed in WHERE", offset: w.range.start) }
            used.formUnion(try bindFilter(w, scope, into: &plan))
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
        let hasAgg = !groupExprs.isEmpty || items.contains { containsAggregate($0.0) } || (s.having.map(containsAggregate) ?? false)
            || orderBy.contains { containsAggregate($0.expr) }
        if hasAgg {
            plan.isAggregate = true
            for g in groupExprs {
                if containsAggregate(g) { throw QueryError("aggregate functions are not allowed in GROUP BY", offset: g.range.start) }
                let b = try bindScalar(g, scope)
                plan.groups.append(b)
            }
            var post = PostContext(groups: groupExprs, groupTypes: plan.groups.map(\.type), scope: scope)
            for (e, _) in items { plan.outputs.append(try bindPost(e, &post)) }
            if let h = s.having {
                if h.contains(where: { if case .function(let f) = $0.kind { return f.over != nil } else { return false } }) {
                    throw QueryError("window functions are not allowed in HAVING (use QUALIFY)", offset: h.range.start)
                }
                plan.having = try bindPost(h, &post)
            }
            if let q = s.qualify { plan.qualify = try bindPost(q, &post) }
            for o in orderBy { plan.order.append(try orderKey(o, items: items, plan: plan, bind: { (e) throws(QueryError) in try self.bindPost(e, &post) })) }
            plan.aggs = post.aggs
            plan.windows = post.windows.specs
            finishWindows(&plan, base: plan.groups.count + plan.aggs.count)
            for g in plan.groups { g.collectColumns(into: &used) }
            for a in plan.aggs {
                for x in a.args { x.collectColumns(into: &used) }
                a.filter?.collectColumns(into: &used)
            }
        } else {
            let windows = WindowCollector()
            for (e, _) in items { plan.outputs.append(try bindScalar(e, scope, windows: windows)) }
            if let q = s.qualify { plan.qualify = try bindScalar(q, scope, windows: windows) }
            for o in orderBy { plan.order.append(try orderKey(o, items: items, plan: plan, bind: { (e) throws(QueryError) in try self.bindScalar(e, scope, windows: windows) })) }
            plan.windows = windows.specs
            for e in plan.outputs { e.collectColumns(into: &used) }
            for o in plan.order { o.expr.collectColumns(into: &used) }
            plan.qualify?.collectColumns(into: &used)
            for w in plan.windows {
                for x in w.args + w.partition { x.collectColumns(into: &used) }
                for o in w.order { o.expr.collectColumns(into: &used) }
            }
            used = used.filter { $0 < WindowCollector.base }
            finishWindows(&plan, base: scope.names.count)
            if s.having != nil { throw QueryError("HAVING needs GROUP BY or an aggregate") }
        }
        plan.slots = used.sorted()
        return try executor.run(plan)
    }

    /// Binds a WHERE condition as the plan's filter (with its pruning ranges); returns the
    /// columns it reads.
    func bindFilter(_ w: Expr, _ scope: Scope, into plan: inout SelectPlan) throws(QueryError) -> Set<Int> {
        let f = try bindScalar(w, scope)
        guard f.type == .boolean || f.type == .null else { throw QueryError("WHERE clause must be BOOLEAN, not \(f.type)", offset: w.range.start) }
        plan.filter = f
        var fs = Set<Int>()
        f.collectColumns(into: &fs)
        plan.filterSlots = fs.sorted()
        plan.prune = pruneRanges(w, scope)
        return fs
    }

    /// Moves provisional window slots to `base + k` everywhere they are referenced.
    func finishWindows(_ plan: inout SelectPlan, base: Int) {
        guard !plan.windows.isEmpty || plan.qualify != nil else { return }
        let f: (Int) -> Int = { $0 >= WindowCollector.base ? base + ($0 - WindowCollector.base) : $0 }
        plan.outputs = plan.outputs.map { $0.remapColumns(f) }
        plan.order = plan.order.map { OrderKey(expr: $0.expr.remapColumns(f), descending: $0.descending, nullsFirst: $0.nullsFirst) }
        plan.qualify = plan.qualify?.remapColumns(f)
        plan.windowBase = base
    }

    func bindWindow(_ f: FunctionCall, _ x: Expr, _ c: WindowCollector, _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BExpr {
        if let k = c.exprs.firstIndex(of: x) { return .column(WindowCollector.base + k, c.specs[k].type) }
        guard let over = f.over else { throw QueryError("internal: window without OVER", kind: .internal) }
        let name = f.name.lowercased()
        let args = try f.args.map { (a) throws(QueryError) -> BExpr in try sub(a) }
        let partition = try over.partitionBy.map { (a) throws(QueryError) -> BExpr in try sub(a) }
        let order = try over.orderBy.map { (o) throws(QueryError) -> OrderKey in
            OrderKey(expr: try sub(o.expr), descending: o.descending, nullsFirst: o.nullsFirst ?? o.descending)
        }
        let fn: WindowFn
        var type: DataType = .bigint
        switch name {
        case "row_number": fn = .rowNumber
        case "rank": fn = .rank
        case "dense_rank": fn = .denseRank
        case "count": fn = f.isStar || args.isEmpty ? .countStar : .count
        case "sum":
            guard args.count == 1, args[0].type.isNumeric else { throw QueryError("sum() OVER needs one numeric argument", offset: x.range.start) }
            fn = .sum; type = args[0].type
        case "avg":
            guard args.count == 1, args[0].type.isNumeric else { throw QueryError("avg() OVER needs one numeric argument", offset: x.range.start) }
            fn = .avg; type = .double
        case "min", "max":
            guard args.count == 1 else { throw QueryError("\(name)() OVER needs one argument", offset: x.range.start) }
            fn = name == "min" ? .min : .max; type = args[0].type
        case "lag", "lead":
            guard (1...3).contains(args.count) else { throw QueryError("\(name)() takes 1 to 3 arguments", offset: x.range.start) }
            var k = 1
            if args.count >= 2 {
                guard case .literal(.int(let n), _) = args[1], n >= 0 else { throw QueryError("\(name)() offset must be a non-negative integer constant", offset: x.range.start) }
                k = Int(Swift.min(n, Int64(1) << 40))  // beyond any partition: row ± k cannot overflow
            }
            fn = name == "lag" ? .lag(k) : .lead(k); type = args[0].type
        case "first_value", "last_value":
            guard args.count == 1 else { throw QueryError("\(name)() takes one argument", offset: x.range.start) }
            fn = name == "first_value" ? .firstValue : .lastValue; type = args[0].type
        default:
            throw QueryError("unknown window function \(name)() (row_number, rank, dense_rank, count, sum, avg, min, max, lag, lead, first_value, last_value)", offset: x.range.start)
        }
        if [.rowNumber, .rank, .denseRank].contains(fn) && !args.isEmpty { throw QueryError("\(name)() takes no arguments", offset: x.range.start) }
        c.specs.append(WindowSpecBound(fn: fn, args: args, partition: partition, order: order, type: type))
        c.exprs.append(x)
        return .column(WindowCollector.base + c.specs.count - 1, type)
    }

    func orderKey(_ o: OrderItem, items: [(Expr, String)], plan: SelectPlan, bind: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> OrderKey {
        let e: BExpr
        if case .literal(.integer(let k)) = o.expr.kind {
            guard k >= 1 && Int(k) <= plan.outputs.count else { throw QueryError("ORDER BY position \(k) is out of range", offset: o.expr.range.start) }
            e = plan.outputs[Int(k) - 1]
        } else if case .column(nil, let name) = o.expr.kind, let i = items.firstIndex(where: { $0.1.lowercased() == name.lowercased() }) {
            // an output name given to different expressions (SELECT * over a join) is ambiguous
            let same = items.indices.filter { items[$0].1.lowercased() == name.lowercased() }
            if same.contains(where: { items[$0].0 != items[i].0 }) {
                throw QueryError("ORDER BY '\(name)' is ambiguous: several output columns have that name", offset: o.expr.range.start)
            }
            e = plan.outputs[i]
        } else {
            e = try bind(o.expr)
        }
        // DuckDB default: NULLS LAST for ASC, NULLS FIRST for DESC
        return OrderKey(expr: e, descending: o.descending, nullsFirst: o.nullsFirst ?? o.descending)
    }

    // MARK: - pruning hints

    func pruneRanges(_ w: Expr, _ scope: Scope) -> [Int: PruneRange] {
        var out: [Int: PruneRange] = [:]
        var conj: [Expr] = []
        func flatten(_ e: Expr) {
            if case .binary(.and, let a, let b) = e.kind { flatten(a); flatten(b) } else { conj.append(e) }
        }
        flatten(w)
        func slot(_ e: Expr) -> (Int, DataType)? {
            if case .column(let t, let n) = e.kind, let r = try? scope.resolve(t, n, e.range) { return r }
            return nil
        }
        func lit(_ e: Expr, _ t: DataType) -> Int64? {
            guard let b = try? bindScalar(e, scope), b.isConstant, let v = try? constantValue(b) else { return nil }
            switch (v, t) {
            case (.int(let i), .bigint): return i
            case (.timestamp(let x), .timestamp): return x
            case (.date(let d), .timestamp): return d * Civil.microsPerDay
            case (.string(let s), .timestamp): return Civil.parseTimestamp(s, format: .iso)
            case (.date(let d), .date): return d
            default: return nil
            }
        }
        for c in conj {
            switch c.kind {
            case .binary(let op, let a, let b) where op.isComparison:
                var (colE, litE, o) = (a, b, op)
                if slot(a) == nil, slot(b) != nil {
                    (colE, litE) = (b, a)
                    switch op { case .lt: o = .gt; case .le: o = .ge; case .gt: o = .lt; case .ge: o = .le; default: break }
                }
                guard let (s, t) = slot(colE) else { continue }
                if t == .varchar {
                    if o == .eq, case .literal(.string(let str)) = litE.kind {
                        var r = out[s] ?? PruneRange()
                        r.strings = r.strings.map { $0.intersection([str]) } ?? [str]
                        out[s] = r
                    }
                    continue
                }
                guard t.isIntLane, let v = lit(litE, t) else { continue }
                var r = out[s] ?? PruneRange()
                switch o {
                case .eq: r.lo = max(r.lo, v); r.hi = min(r.hi, v)
                case .lt: r.hi = min(r.hi, v == .min ? v : v - 1)
                case .le: r.hi = min(r.hi, v)
                case .gt: r.lo = max(r.lo, v == .max ? v : v + 1)
                case .ge: r.lo = max(r.lo, v)
                default: continue
                }
                out[s] = r
            case .between(let e, let lo, let hi, false):
                guard let (s, t) = slot(e), t.isIntLane, let l = lit(lo, t), let h = lit(hi, t) else { continue }
                var r = out[s] ?? PruneRange()
                r.lo = max(r.lo, l); r.hi = min(r.hi, h)
                out[s] = r
            case .inList(let e, let list, false):
                guard let (s, t) = slot(e) else { continue }
                if t == .varchar {
                    var set = Set<String>()
                    for x in list { if case .literal(.string(let str)) = x.kind { set.insert(str) } else { set = []; break } }
                    if !set.isEmpty {
                        var r = out[s] ?? PruneRange()
                        r.strings = r.strings.map { $0.intersection(set) } ?? set
                        out[s] = r
                    }
                } else if t.isIntLane {
                    let vals = list.compactMap { lit($0, t) }
                    if vals.count == list.count, let mn = vals.min(), let mx = vals.max() {
                        var r = out[s] ?? PruneRange()
                        r.lo = max(r.lo, mn); r.hi = min(r.hi, mx)
                        out[s] = r
                    }
                }
            default: continue
            }
        }
        return out
    }

    func constantValue(_ e: BExpr) throws(QueryError) -> Value {
        let v = try executor.eval.eval(e, Batch(columns: [], count: 1))
        return v.value(0)
    }

    // MARK: - expressions

    struct PostContext {
        var groups: [Expr]
        var groupTypes: [DataType]
        var scope: Scope
        var aggs: [AggSpec] = []
        var aggExprs: [Expr] = []
        var windows = WindowCollector()
    }

    func bindScalar(_ e: Expr, _ scope: Scope, windows: WindowCollector? = nil) throws(QueryError) -> BExpr {
        try bind(e) { (x) throws(QueryError) -> BExpr? in
            if let windows, case .function(let f) = x.kind, f.over != nil {
                return try self.bindWindow(f, x, windows) { (y) throws(QueryError) in try self.bindScalar(y, scope, windows: windows) }
            }
            switch x.kind {
            case .column(let t, let n):
                let (i, ty) = try scope.resolve(t, n, x.range)
                return .column(i, ty)
            case .function(let f) where Binder.aggregateNames.contains(f.name) && f.over == nil:
                throw QueryError("aggregate function \(f.name)() is not allowed here", offset: x.range.start)
            default:
                return nil
            }
        }
    }

    func bindPost(_ e: Expr, _ ctx: inout PostContext) throws(QueryError) -> BExpr {
        var c = ctx
        defer { ctx = c }
        return try bind(e) { (x) throws(QueryError) -> BExpr? in
            if let i = c.groups.firstIndex(of: x) { return .column(i, c.groupTypes[i]) }
            if case .function(let f) = x.kind, f.over != nil {
                return try self.bindWindow(f, x, c.windows) { (y) throws(QueryError) in try self.bindPost(y, &c) }
            }
            if case .function(let f) = x.kind, f.over == nil, Binder.aggregateNames.contains(f.name) {
                if let k = c.aggExprs.firstIndex(of: x) { return .column(c.groups.count + k, c.aggs[k].type) }
                let spec = try self.bindAggregate(f, x, c.scope)
                c.aggs.append(spec)
                c.aggExprs.append(x)
                return .column(c.groups.count + c.aggs.count - 1, spec.type)
            }
            if case .column(let t, let n) = x.kind {
                // a column that is a group key under another spelling (t.col vs col)
                var slot: Int? = nil
                var unresolved: QueryError? = nil
                if c.scope.qualifiers != nil {
                    do throws(QueryError) { slot = try c.scope.resolve(t, n, x.range).0 } catch { unresolved = error }
                }
                for (i, g) in c.groups.enumerated() {
                    guard case .column(let gt, let gn) = g.kind, gn.lowercased() == n.lowercased() else { continue }
                    if c.scope.qualifiers == nil || (slot != nil && (try? c.scope.resolve(gt, gn, g.range).0) == slot) {
                        return .column(i, c.groupTypes[i])
                    }
                }
                // over a join, an ambiguous or unknown name says so
                if let unresolved { throw unresolved }
                throw QueryError("column '\(n)' must appear in the GROUP BY clause or be used in an aggregate function", offset: x.range.start)
            }
            return nil
        }
    }

    func bindAggregate(_ f: FunctionCall, _ x: Expr, _ scope: Scope) throws(QueryError) -> AggSpec {
        let name = f.name.lowercased()
        for a in f.args where containsAggregate(a) {
            throw QueryError("aggregate function calls cannot be nested", offset: a.range.start)
        }
        let args = try f.args.map { (a) throws(QueryError) -> BExpr in try bindScalar(a, scope) }
        let filter = try f.filter.map { (w) throws(QueryError) -> BExpr in try bindScalar(w, scope) }
        func need(_ n: Int) throws(QueryError) {
            guard args.count == n else { throw QueryError("\(name)() takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)", offset: x.range.start) }
        }
        func numeric(_ i: Int) throws(QueryError) {
            guard args[i].type.isNumeric || args[i].type == .null else {
                throw QueryError("\(name)() needs a numeric argument, not \(args[i].type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
            }
        }
        switch name {
        case "count":
            if f.isStar || args.isEmpty { return AggSpec(kind: .countStar, args: [], filter: filter, type: .bigint) }
            try need(1)
            return AggSpec(kind: f.distinct ? .countDistinct : .count, args: args, filter: filter, type: .bigint)
        case "uniqexact":
            try need(1)
            return AggSpec(kind: .countDistinct, args: args, filter: filter, type: .bigint)
        case "approx_count_distinct", "uniq":
            try need(1)
            return AggSpec(kind: .approxCountDistinct, args: args, filter: filter, type: .bigint)
        case "sum":
            try need(1); try numeric(0)
            if f.distinct { throw QueryError("sum(DISTINCT ...) is not supported", offset: x.range.start) }
            // sum(CASE WHEN c THEN 1 ELSE 0 END) counts; sum(CASE WHEN c THEN x ELSE 0 END) sums
            // conditionally: no per-row CASE evaluation
            if case .caseWhen(let whens, let els, let t) = args[0], whens.count == 1, let els, case .literal(let z, _) = els,
               z == .int(0) || z == .double(0) {
                let (cond, val) = whens[0]
                if case .literal(.int(1), _) = val, t == .bigint {
                    return AggSpec(kind: .countIf, args: [cond], filter: filter, type: .bigint, fromSumCase: true)
                }
                if val.type.isNumeric {
                    let v: BExpr = val.type == t ? val : .cast(val, t)
                    return AggSpec(kind: .sumIf, args: [v, cond], filter: filter, type: t, fromSumCase: true)
                }
            }
            return AggSpec(kind: .sum, args: args, filter: filter, type: args[0].type == .double ? .double : .bigint)
        case "avg", "mean":
            try need(1); try numeric(0)
            return AggSpec(kind: .avg, args: args, filter: filter, type: .double)
        case "min", "max":
            try need(1)
            return AggSpec(kind: name == "min" ? .min : .max, args: args, filter: filter, type: args[0].type)
        case "any", "any_value", "first":
            try need(1)
            return AggSpec(kind: .any, args: args, filter: filter, type: args[0].type)
        case "count_if", "countif":
            try need(1)
            guard args[0].type == .boolean else { throw QueryError("\(name)() needs a BOOLEAN condition", offset: x.range.start) }
            return AggSpec(kind: .countIf, args: args, filter: filter, type: .bigint)
        case "sum_if", "sumif":
            try need(2); try numeric(0)
            guard args[1].type == .boolean else { throw QueryError("\(name)() needs a BOOLEAN condition as its second argument", offset: x.range.start) }
            return AggSpec(kind: .sumIf, args: args, filter: filter, type: args[0].type == .double ? .double : .bigint)
        case "arg_max", "argmax", "arg_min", "argmin":
            try need(2)
            return AggSpec(kind: name.contains("max") ? .argMax : .argMin, args: args, filter: filter, type: args[0].type)
        case "mode":
            try need(1)
            return AggSpec(kind: .mode, args: args, filter: filter, type: args[0].type)
        case "median":
            try need(1); try numeric(0)
            return AggSpec(kind: .quantile(0.5), args: args, filter: filter, type: .double)
        case "quantile", "approx_quantile", "quantile_cont":
            try need(2); try numeric(0)
            guard case .literal(let lit, _) = args[1], let p = lit.asDouble, p >= 0, p <= 1 else {
                throw QueryError("\(name)() needs a constant fraction between 0 and 1 as its second argument", offset: x.range.start)
            }
            return AggSpec(kind: .quantile(p), args: [args[0]], filter: filter, type: .double)
        default:
            throw QueryError("unknown aggregate function \(name)()", offset: x.range.start)
        }
    }

    /// Shared expression binder; `leaf` handles columns and aggregates (and may claim any node).
    func bind(_ e: Expr, _ leaf: (Expr) throws(QueryError) -> BExpr?) throws(QueryError) -> BExpr {
        if let b = try leaf(e) { return b }
        let at = e.range.start
        func sub(_ x: Expr) throws(QueryError) -> BExpr { try bind(x, leaf) }
        switch e.kind {
        case .column(_, let n):
            throw QueryError("unknown column '\(n)'", offset: at)
        case .literal(let l):
            return try literal(l, at)
        case .unary(.negate, let x):
            let b = try sub(x)
            guard b.type.isNumeric || b.type == .null else { throw QueryError("cannot negate \(b.type) (\(x.sqlText))", offset: at) }
            if case .literal(.int(let i), _) = b {
                guard i != .min else { throw Checked.overflow("negation of \(i): the result does not fit in BIGINT", offset: at) }
                return .literal(.int(-i), .bigint)
            }
            if case .literal(.double(let d), _) = b { return .literal(.double(-d), .double) }
            return .negate(b)
        case .unary(.not, let x):
            return .not(try boolean(try sub(x), x))
        case .binary(.and, let a, let b):
            return .and([try boolean(try sub(a), a), try boolean(try sub(b), b)])
        case .binary(.or, let a, let b):
            return .or([try boolean(try sub(a), a), try boolean(try sub(b), b)])
        case .binary(let op, let a, let b):
            return try binary(op, try sub(a), try sub(b), a, b, at)
        case .isNull(let x, let neg):
            return .isNull(try sub(x), negated: neg)
        case .isBoolean(let x, let value, let neg):
            let b = try boolean(try sub(x), x)
            // x IS TRUE: true only when x is true (never NULL)
            let test: BExpr = .and([.isNull(b, negated: true), value ? b : .not(b)])
            return neg ? .not(test) : test
        case .inList(let x, let list, let neg):
            let b = try sub(x)
            var values: [Value] = []
            for item in list {
                let v = try sub(item)
                guard v.isConstant else { throw QueryError("IN list items must be constants", offset: item.range.start) }
                values.append(try convertConstant(try constantValue(v), to: b.type, item))
            }
            if b.type == .varchar && !values.contains(where: \.isNull) {
                let set = Set(values.compactMap { v -> [UInt8]? in if case .string(let s) = v { return Array(s.utf8) } else { return nil } })
                let e: BExpr = .stringPredicate(b, .membership(set))
                return neg ? .not(e) : e
            }
            return .inList(b, values, negated: neg)
        case .inSubquery:
            throw QueryError("IN (subquery) is not supported", offset: at)
        case .between(let x, let lo, let hi, let neg):
            let b = try sub(x)
            let r: BExpr = .and([try binary(.ge, b, try sub(lo), x, lo, at), try binary(.le, b, try sub(hi), x, hi, at)])
            return neg ? .not(r) : r
        case .like(let x, let pattern, let ci, let neg):
            let b = try sub(x)
            guard b.type == .varchar || b.type == .null else { throw QueryError("LIKE needs a VARCHAR, not \(b.type) (\(x.sqlText))", offset: at) }
            guard case .literal(.string(let p)) = pattern.kind else { throw QueryError("LIKE pattern must be a string literal", offset: pattern.range.start) }
            let lp = LikePattern(p, caseInsensitive: ci)
            let r: BExpr = .stringPredicate(b, StringPredicate { lp.matches($0) })
            return neg ? .not(r) : r
        case .caseWhen(let c):
            var whens: [(BExpr, BExpr)] = []
            var t: DataType = .null
            let operand = try c.operand.map { (o) throws(QueryError) -> BExpr in try sub(o) }
            for br in c.branches {
                var cond = try sub(br.condition)
                if let operand { cond = try binary(.eq, operand, cond, c.operand!, br.condition, br.condition.range.start) }
                let val = try sub(br.result)
                t = try unify(t, val.type, "CASE branches")
                whens.append((try boolean(cond, br.condition), val))
            }
            let els = try c.elseResult.map { (x) throws(QueryError) -> BExpr in try sub(x) }
            if let els { t = try unify(t, els.type, "CASE branches") }
            return .caseWhen(whens, els, t)
        case .cast(let x, let tn, let isTry):
            let b = try sub(x)
            let t = Binder.dataType(tn)
            // INTEGER is a BIGINT whose values must fit in 32 bits
            let int32 = tn == .integer && t == .bigint
            let e: BExpr = isTry ? .call(.tryCast(t, int32: int32), [b], t) : (int32 ? .call(.castInteger, [b], t) : .cast(b, t))
            if b.isConstant {
                // folded now: a failing cast points at its expression
                do throws(QueryError) { return .literal(try constantValue(e), t) } catch {
                    var err = error
                    if err.offset == nil { err.offset = at }
                    throw err
                }
            }
            return e
        case .extract(let field, let x):
            let b = try sub(x)
            guard b.type == .timestamp || b.type == .date else { throw QueryError("EXTRACT needs a TIMESTAMP or DATE, not \(b.type)", offset: at) }
            guard let f = TimeField(rawValue: field.rawValue) else { throw QueryError("unsupported EXTRACT field \(field.rawValue)", offset: at) }
            return .call(.extract(f), [b], .bigint)
        case .function(let f):
            return try scalarFunction(f, e, sub)
        case .subquery:
            throw QueryError("scalar subqueries are not supported", offset: at)
        }
    }

    static func dataType(_ t: TypeName) -> DataType {
        switch t {
        case .timestamp: return .timestamp
        case .integer, .bigint: return .bigint
        case .double: return .double
        case .boolean: return .boolean
        case .varchar: return .varchar
        case .date: return .date
        }
    }

    func literal(_ l: Literal, _ at: Int) throws(QueryError) -> BExpr {
        switch l {
        case .null: return .literal(.null, .null)
        case .boolean(let b): return .literal(.bool(b), .boolean)
        case .integer(let i): return .literal(.int(i), .bigint)
        case .double(let d): return .literal(.double(d), .double)
        case .string(let s): return .literal(.string(s), .varchar)
        case .timestamp(let s):
            guard let t = Civil.parseTimestamp(s, format: .iso) else { throw QueryError("invalid TIMESTAMP literal '\(s)'", offset: at) }
            return .literal(.timestamp(t), .timestamp)
        case .date(let s):
            guard let d = Civil.parseDate(s) else { throw QueryError("invalid DATE literal '\(s)'", offset: at) }
            return .literal(.date(d), .date)
        case .interval(let n, let unit):
            // months or microseconds per unit; a count whose product overflows is an error
            let (scale, months): (Int64, Bool)
            switch unit {
            case .month: (scale, months) = (1, true)
            case .quarter: (scale, months) = (3, true)
            case .year: (scale, months) = (12, true)
            case .week: (scale, months) = (7 * Civil.microsPerDay, false)
            case .day: (scale, months) = (Civil.microsPerDay, false)
            case .hour: (scale, months) = (Civil.microsPerHour, false)
            case .minute: (scale, months) = (Civil.microsPerMinute, false)
            case .second: (scale, months) = (Civil.microsPerSecond, false)
            case .millisecond: (scale, months) = (1000, false)
            case .microsecond: (scale, months) = (1, false)
            }
            let (x, o) = n.multipliedReportingOverflow(by: scale)
            guard !o else {
                throw QueryError("out of range: INTERVAL '\(n)' \(unit.rawValue.uppercased()) does not fit in an interval", offset: at)
            }
            return .literal(months ? .interval(x, 0) : .interval(0, x), .interval)
        }
    }

    func boolean(_ b: BExpr, _ e: Expr) throws(QueryError) -> BExpr {
        guard b.type == .boolean || b.type == .null else {
            throw QueryError("expected a BOOLEAN expression, got \(b.type) (\(e.sqlText))", offset: e.range.start)
        }
        return b
    }

    /// Converts a constant to the type it is compared with (string literals to timestamps...).
    func convertConstant(_ v: Value, to t: DataType, _ e: Expr) throws(QueryError) -> Value {
        switch (v, t) {
        case (.string(let s), .timestamp):
            guard let x = Civil.parseTimestamp(s, format: .iso) else { throw QueryError("cannot convert '\(s)' to TIMESTAMP", offset: e.range.start) }
            return .timestamp(x)
        case (.string(let s), .date):
            guard let x = Civil.parseDate(s) else { throw QueryError("cannot convert '\(s)' to DATE", offset: e.range.start) }
            return .date(x)
        case (.date(let d), .timestamp): return .timestamp(d * Civil.microsPerDay)
        case (.int(let i), .double): return .double(Double(i))
        default: return v
        }
    }

    func binary(_ op: StrataSQL.BinaryOp, _ a0: BExpr, _ b0: BExpr, _ ea: Expr, _ eb: Expr, _ at: Int) throws(QueryError) -> BExpr {
        var a = a0, b = b0
        // string literal compared with a time: convert the literal
        if (a.type == .timestamp || a.type == .date), b.type == .varchar, case .literal(let v, _) = b {
            let c = try convertConstant(v, to: a.type, eb); b = .literal(c, a.type)
        }
        if (b.type == .timestamp || b.type == .date), a.type == .varchar, case .literal(let v, _) = a {
            let c = try convertConstant(v, to: b.type, ea); a = .literal(c, b.type)
        }
        let desc = "\(ea.sqlText) \(op.rawValue) \(eb.sqlText)"
        switch op {
        case .add, .subtract, .multiply, .divide, .modulo:
            if a.type == .null || b.type == .null { return .literal(.null, .null) }
            if a.type == .interval, b.type == .timestamp || b.type == .date, op == .add, case .literal = a {
                swap(&a, &b)  // INTERVAL + TIMESTAMP is TIMESTAMP + INTERVAL
            }
            if (a.type == .timestamp || a.type == .date), b.type == .interval, op == .add || op == .subtract,
               case .literal(.interval(let mo, let us), _) = b {
                // subtracting the most negative interval has no negated counterpart
                if op == .subtract && (mo == .min || us == .min) {
                    var e = Checked.timestampOutOfRange
                    e.offset = at
                    throw e
                }
                return .timeAddInterval(a, months: op == .add ? mo : -mo, micros: op == .add ? us : -us, .timestamp)
            }
            if a.type == .date && b.type == .bigint && (op == .add || op == .subtract) {
                return .binary(op == .add ? .add : .sub, a, b, .date)
            }
            guard a.type.isNumeric && b.type.isNumeric else {
                throw QueryError("cannot apply '\(op.rawValue)' to \(a.type) and \(b.type) in \(desc)", offset: at)
            }
            let t: DataType = (a.type == .double || b.type == .double || op == .divide) ? .double : .bigint
            let bop: BOp = [.add: .add, .subtract: .sub, .multiply: .mul, .divide: .div, .modulo: .mod][op]!
            return .binary(bop, a, b, t)
        case .concat:
            return .binary(.concat, a.type == .varchar ? a : .cast(a, .varchar), b.type == .varchar ? b : .cast(b, .varchar), .varchar)
        case .eq, .neq, .lt, .le, .gt, .ge:
            let bop: BOp = [.eq: .eq, .neq: .ne, .lt: .lt, .le: .le, .gt: .gt, .ge: .ge][op]!
            if a.type == .null || b.type == .null { return .literal(.null, .boolean) }
            let comparable = (a.type.isNumeric && b.type.isNumeric) || a.type == b.type
                || ([.timestamp, .date].contains(a.type) && [.timestamp, .date].contains(b.type))
            guard comparable else { throw QueryError("cannot compare \(a.type) with \(b.type) in \(desc)", offset: at) }
            // string column vs string literal: evaluate once per dictionary entry
            if a.type == .varchar, case .literal(.string(let s), _) = b, !a.isConstant {
                return .stringPredicate(a, Binder.stringCompare(bop, Array(s.utf8)))
            }
            if b.type == .varchar, case .literal(.string(let s), _) = a, !b.isConstant {
                let flipped: BOp = [.lt: .gt, .le: .ge, .gt: .lt, .ge: .le, .eq: .eq, .ne: .ne][bop]!
                return .stringPredicate(b, Binder.stringCompare(flipped, Array(s.utf8)))
            }
            return .binary(bop, a, b, .boolean)
        case .and, .or:
            throw QueryError("internal: logical operator in arithmetic path", kind: .internal)
        }
    }

    static func stringCompare(_ op: BOp, _ lit: [UInt8]) -> StringPredicate {
        if op == .eq || op == .ne { return .membership([lit], negated: op == .ne) }
        return StringPredicate { p in op.holds(lit.withUnsafeBufferPointer { compareBytes(p, $0) }) }
    }

    func scalarFunction(_ f: FunctionCall, _ e: Expr, _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BExpr {
        let name = f.name.lowercased()
        let at = e.range.start
        if f.over != nil { throw QueryError("window functions are only allowed in SELECT, QUALIFY and ORDER BY", offset: at) }
        if f.filter != nil { throw QueryError("FILTER applies only to aggregate functions", offset: at) }
        let args = try f.args.map { (a) throws(QueryError) -> BExpr in try sub(a) }
        func need(_ n: Int) throws(QueryError) {
            guard args.count == n else { throw QueryError("\(name)() takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)", offset: at) }
        }
        func time(_ i: Int) throws(QueryError) -> BExpr {
            let a = args[i]
            if a.type == .timestamp || a.type == .date { return a }
            if a.type == .varchar, case .literal(let v, _) = a {
                return .literal(try convertConstant(v, to: .timestamp, f.args[i]), .timestamp)
            }
            throw QueryError("\(name)() needs a TIMESTAMP or DATE, not \(a.type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
        }
        func unit(_ s: String) throws(QueryError) -> Civil.Unit {
            switch s.lowercased() {
            case "microsecond", "microseconds": return .microsecond
            case "millisecond", "milliseconds": return .millisecond
            case "second", "seconds": return .second
            case "minute", "minutes": return .minute
            case "hour", "hours": return .hour
            case "day", "days": return .day
            case "week", "weeks": return .week
            case "month", "months": return .month
            case "quarter", "quarters": return .quarter
            case "year", "years": return .year
            default: throw QueryError("unknown date part '\(s)' (use minute, hour, day, week, month, quarter or year)", offset: at)
            }
        }
        func trunc(_ u: Civil.Unit, _ a: BExpr) -> BExpr {
            .call(.dateTrunc(u), [a], a.type == .date && [.day, .week, .month, .quarter, .year].contains(u) ? .timestamp : .timestamp)
        }
        switch name {
        case "date_trunc", "datetrunc":
            try need(2)
            guard case .literal(.string(let u), _) = args[0] else { throw QueryError("date_trunc() needs a literal unit such as 'day'", offset: at) }
            return trunc(try unit(u), try time(1))
        case "date_part", "datepart":
            try need(2)
            guard case .literal(.string(let u), _) = args[0], let field = TimeField(rawValue: u.lowercased()) else {
                throw QueryError("date_part() needs a literal field such as 'hour'", offset: at)
            }
            return .call(.extract(field), [try time(1)], .bigint)
        case "year", "month", "day", "hour", "minute", "toyear", "tomonth", "todayofmonth", "tohour", "tominute", "todayofweek":
            try need(1)
            let field: TimeField = ["year": .year, "toyear": .year, "month": .month, "tomonth": .month, "day": .day,
                                    "todayofmonth": .day, "hour": .hour, "tohour": .hour, "minute": .minute,
                                    "tominute": .minute, "todayofweek": .isodow][name]!
            return .call(.extract(field), [try time(0)], .bigint)
        case "todate":
            try need(1)
            return .call(.toDate, [try time(0)], .date)
        case "tostartofminute": try need(1); return trunc(.minute, try time(0))
        case "tostartofhour": try need(1); return trunc(.hour, try time(0))
        case "tostartofday": try need(1); return trunc(.day, try time(0))
        case "tomonday": try need(1); return .call(.toDate, [trunc(.week, try time(0))], .date)
        case "tostartofweek": try need(1); return .call(.startOfWeekSunday, [try time(0)], .date)
        case "tostartofmonth": try need(1); return .call(.toDate, [trunc(.month, try time(0))], .date)
        case "tostartofquarter": try need(1); return .call(.toDate, [trunc(.quarter, try time(0))], .date)
        case "tostartofyear": try need(1); return .call(.toDate, [trunc(.year, try time(0))], .date)
        case "now", "current_timestamp":
            try need(0)
            return .literal(.timestamp(executor.eval.nowMicros), .timestamp)
        case "lower", "upper":
            try need(1)
            guard args[0].type == .varchar || args[0].type == .null else { throw QueryError("\(name)() needs a VARCHAR, not \(args[0].type)", offset: at) }
            return .call(name == "lower" ? .lower : .upper, args, .varchar)
        case "length":
            try need(1)
            guard args[0].type == .varchar || args[0].type == .null else { throw QueryError("length() needs a VARCHAR, not \(args[0].type)", offset: at) }
            return .call(.length, args, .bigint)
        case "abs", "floor", "ceil":
            try need(1)
            guard args[0].type.isNumeric || args[0].type == .null else { throw QueryError("\(name)() needs a number, not \(args[0].type)", offset: at) }
            return .call(name == "abs" ? .abs : (name == "floor" ? .floor : .ceil), args, args[0].type)
        case "round":
            guard args.count == 1 || args.count == 2 else { throw QueryError("round() takes 1 or 2 arguments", offset: at) }
            guard args[0].type.isNumeric || args[0].type == .null else { throw QueryError("round() needs a number, not \(args[0].type)", offset: at) }
            var digits = 0
            if args.count == 2 {
                guard case .literal(.int(let d), _) = args[1] else { throw QueryError("round() needs a constant number of digits", offset: at) }
                digits = Int(d)
            }
            return .call(.round(digits: digits), [args[0]], args[0].type)
        case "coalesce", "ifnull", "greatest", "least":
            guard !args.isEmpty else { throw QueryError("\(name)() needs at least one argument", offset: at) }
            var t: DataType = .null
            for a in args { t = try unify(t, a.type, "\(name)() arguments") }
            let fn: ScalarFn = name == "greatest" ? .greatest : (name == "least" ? .least : .coalesce)
            return .call(fn, args, t)
        case "nullif":
            try need(2)
            return .call(.nullif, args, args[0].type)
        case "if":
            try need(3)
            let t = try unify(args[1].type, args[2].type, "if() branches")
            return .caseWhen([(try boolean(args[0], f.args[0]), args[1])], args[2], t)
        case "concat":
            guard !args.isEmpty else { throw QueryError("concat() needs arguments", offset: at) }
            var acc: BExpr = args[0].type == .varchar ? args[0] : .cast(args[0], .varchar)
            for a in args.dropFirst() { acc = .binary(.concat, acc, a.type == .varchar ? a : .cast(a, .varchar), .varchar) }
            return acc
        default:
            if Binder.aggregateNames.contains(name) { throw QueryError("aggregate function \(name)() is not allowed here", offset: at) }
            let hint = Binder.closest(name, Binder.scalarNames + Array(Binder.aggregateNames)).map { " (did you mean \($0)()?)" } ?? ""
            throw QueryError("unknown function \(f.name)()\(hint)", offset: at)
        }
    }
}

extension Value {
    var asDouble: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
