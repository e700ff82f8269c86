import StrataCore
import StrataSQL

// General decorrelation of a correlated subquery (DuckDB's "Unnesting Arbitrary Queries",
// Neumann & Kemper): the shapes Bind/SubqueryBinder.swift's direct path does not take (outer
// columns outside WHERE, GROUP BY / HAVING, aggregates under EXISTS / IN, non-equality
// correlations of an aggregate, LIMIT per outer row, a subquery inside a subquery that refers
// to the outermost query).
//
// Let D be the DISTINCT values of the outer columns the subquery uses (from the outer core's
// input, shared with it as a CTE so it runs once). The subquery is planned once over
// `D JOIN its FROM` where the outer references resolve to D's columns (a correlation fallback
// of the scope, so inner names still shadow outer ones and a nested subquery's references to
// the outermost query reach D through it), with D's columns added to its output and to its
// GROUP BY. Its WHERE equalities `inner = outer` become the keys of that join, the other
// correlated conjuncts its residual. The result holds one set of rows per distinct outer value
// and is joined to the outer rows on D's columns (NULL-safe: NULL outer values are values of
// D too) by the semi / anti / mark / single join the purpose needs, never a per-row loop.
//
// An aggregate without GROUP BY has a row for every outer value even over no inner rows (count
// 0): then D is LEFT JOINed to the FROM with a marker column, and every aggregate gets
// `FILTER (WHERE marker IS NOT NULL)`, so a D row without partners aggregates no rows.
// `ORDER BY … LIMIT n [OFFSET m]` is a `row_number()` per outer value.

/// The outer columns a correlated subquery's scope falls back to (see `Scope.correlation`).
final class Correlation {
    let outer: Scope
    /// Outer column index → this scope's column; nil while recording (then: `base + index`).
    let slots: [Int: Int]?
    let base: Int
    private(set) var used = Set<Int>()

    init(outer: Scope, slots: [Int: Int]?, base: Int) {
        self.outer = outer
        self.slots = slots
        self.base = base
    }

    /// The column an outer reference resolves to, nil when the outer scope lacks it too.
    func resolve(_ table: String?, _ name: String, _ range: SourceRange) -> (Int, DataType)? {
        guard let (i, t) = try? outer.resolve(table, name, range) else { return nil }
        used.insert(i)
        if let slots {
            guard let c = slots[i] else { return nil }
            return (c, t)
        }
        return (base + i, t)
    }
}

extension Binder {
    /// Plans a correlated subquery `s` (the single core of `q`) by joining it with the distinct
    /// outer values it uses; see the top of this file.
    func unnestCorrelated(_ s: Select, _ q: Query, _ frame: SubqueryFrame, _ purpose: BoundSubquery.Purpose, _ at: Int) throws(QueryError) -> BoundSubquery {
        if frame.post {
            throw QueryError("correlated subqueries over GROUP BY results (HAVING, an aggregated SELECT list) are not supported", offset: at)
        }
        if s.groupingSets != nil { throw QueryError("GROUPING SETS / ROLLUP / CUBE in a correlated subquery are not supported", offset: at) }
        if s.items.contains(where: { if case .expr(let e, _) = $0 { return Binder.hasWindow(e) } else { return false } }) {
            throw QueryError("window functions in a correlated subquery are not supported", offset: at)
        }
        // the outer input, shared by the outer rows and D (run once)
        let outerNode: PlanNode
        if case .cte = frame.node.op { outerNode = frame.node } else {
            let def = CTEDefinition(name: "correlated outer", plan: frame.node)
            let ref = PlanNode(.cte(def), [], names: frame.node.names, types: frame.node.types)
            ref.qualifiers = frame.node.qualifiers
            frame.node = ref
            outerNode = ref
        }
        func cteRef() -> PlanNode {
            let n = PlanNode(outerNode.op, [], names: outerNode.names, types: outerNode.types)
            return n
        }
        let width = frame.scope.names.count
        // pass 1: which outer columns the subquery uses (D = every outer column)
        let probe = Correlation(outer: frame.scope, slots: nil, base: 0)
        _ = try unnestPlan(s, q, frame.scope, Array(0..<width), probe, cteRef(), purpose, at)
        let used = probe.used.sorted()
        if used.isEmpty { throw QueryError("internal: correlated subquery without outer columns", offset: at, kind: .internal) }
        // pass 2: D = the distinct used outer columns
        var slots: [Int: Int] = [:]
        for (k, i) in used.enumerated() { slots[i] = k }
        let corr = Correlation(outer: frame.scope, slots: slots, base: 0)
        let plan = try unnestPlan(s, q, frame.scope, used, corr, cteRef(), purpose, at)
        let n = plan.types.count - used.count
        if purpose != .exists && n != 1 {
            throw QueryError("subquery returns \(n) columns; \(purpose == .scalar ? "a scalar subquery" : "IN (subquery)") needs one", offset: at)
        }
        var outerKeys: [BExpr] = [], innerKeys: [BExpr] = []
        for (k, i) in used.enumerated() {
            let t = frame.scope.types[i]
            let (o1, o2) = try Binder.nullSafeKey(.column(i, t), at)
            let (i1, i2) = try Binder.nullSafeKey(.column(n + k, plan.types[n + k]), at)
            outerKeys += [o1, o2]
            innerKeys += [i1, i2]
        }
        return BoundSubquery(plan: plan, outerKeys: outerKeys, innerKeys: innerKeys, residual: nil,
                             value: purpose == .exists ? nil : .column(0, plan.types[0]))
    }

    /// A key that pairs NULL with NULL: `(coalesce(x, zero), x IS NULL)`.
    static func nullSafeKey(_ x: BExpr, _ at: Int) throws(QueryError) -> (BExpr, BExpr) {
        let t = x.type
        let zero: Value
        switch t {
        case .null: return (.literal(.int(0), .bigint), .literal(.bool(true), .boolean))
        case .boolean: zero = .bool(false)
        case .bigint: zero = .int(0)
        case .double: zero = .double(0)
        case .varchar: zero = .string("")
        case .timestamp: zero = .timestamp(0)
        case .date: zero = .date(0)
        case .interval: zero = .interval(0, 0, 0)
        case .list: throw QueryError("a correlated subquery may not refer to an outer LIST column", offset: at)
        }
        return (.caseWhen([(.isNull(x, negated: false), .literal(zero, t))], x, t), .isNull(x, negated: false))
    }

    static func hasWindow(_ e: Expr) -> Bool {
        e.contains { if case .function(let f) = $0.kind { return f.over != nil } else { return false } }
    }

    /// The subquery over `D JOIN FROM`: its output columns, then D's.
    private func unnestPlan(_ s0: Select, _ q: Query, _ outer: Scope, _ used: [Int], _ corr: Correlation, _ outerInput: PlanNode,
                            _ purpose: BoundSubquery.Purpose, _ at: Int) throws(QueryError) -> PlanNode {
        var s = s0
        let saved = subqueries
        defer { subqueries = saved }
        subqueries = SubqueryState()
        let (src0, inner) = try source(s.from)
        s.from = nil
        // D: the distinct used outer values
        let m = used.count
        let dNames = (0..<m).map { "__corr\($0)" }
        let dExprs: [BExpr] = used.map { .column($0, outer.types[$0]) }
        var d = PlanNode(.project(dExprs), [outerInput], names: dNames, types: dExprs.map(\.type))
        d = PlanNode(.distinct, [d], names: d.names, types: d.types)
        let aggregating = !s.groupBy.isEmpty || s.groupByAll || s.items.contains { if case .expr(let e, _) = $0 { return containsAggregate(e) } else { return false } }
            || (s.having.map(containsAggregate) ?? false)
        let leftJoin = aggregating && s.groupBy.isEmpty && !s.groupByAll
        // FROM, with a marker column when D is LEFT JOINed
        var src = src0
        if leftJoin {
            let exprs: [BExpr] = src0.types.indices.map { .column($0, src0.types[$0]) } + [.literal(.bool(true), .boolean)]
            src = PlanNode(.project(exprs), [src0], names: src0.names + ["__corr_m"], types: exprs.map(\.type))
            src.qualifiers = src0.qualifiers.map { $0 + [nil] }
        }
        // the scope: D's columns hidden (reached through the correlation), then the FROM's
        var scope = Scope(tableName: nil, alias: nil, names: dNames + src.names, types: d.types + src.types)
        let own: [String] = [inner.tableName?.lowercased(), inner.alias?.lowercased()].compactMap { $0 }
        var quals: [[String]] = dNames.map { _ in ["#corr"] }
        for i in src0.types.indices { quals.append(inner.qualifiers?[i] ?? own) }
        if leftJoin { quals.append(["#corr"]) }
        scope.qualifiers = quals
        scope.hidden = Set(0..<m).union(inner.hidden.map { $0 + m })
        if leftJoin { scope.hidden.insert(m + src0.types.count) }
        scope.hintNames = inner.hintNames ?? inner.names
        scope.correlation = corr
        // WHERE: `D = FROM` equalities are the join keys; FROM-only conjuncts filter the FROM;
        // the rest is the join's residual (conjuncts with subqueries stay a WHERE over the join)
        var dKeys: [BExpr] = [], sKeys: [BExpr] = [], srcFilter: [BExpr] = [], residual: [BExpr] = []
        var rest: [Expr] = []
        if let w = s.whereClause {
            if containsAggregate(w) { throw QueryError("aggregate functions are not allowed in WHERE", offset: w.range.start) }
            for c in conjuncts(w) {
                if Binder.hasSubquery(c) {
                    // (over a LEFT JOIN of D: a condition of the aggregates' FILTER instead)
                    rest.append(c)
                    continue
                }
                let b = try boolean(try bindScalar(c, scope), c)
                let cols = b.columns
                if !cols.isEmpty && cols.allSatisfy({ $0 >= m }) { srcFilter.append(b.remapColumns { $0 - m }); continue }
                if case .binary(.eq, let l, let r, _) = b {
                    let lc = l.columns, rc = r.columns
                    let lD = !lc.isEmpty && lc.allSatisfy { $0 < m }, rD = !rc.isEmpty && rc.allSatisfy { $0 < m }
                    let lS = !lc.isEmpty && lc.allSatisfy { $0 >= m }, rS = !rc.isEmpty && rc.allSatisfy { $0 >= m }
                    if (lD && rS) || (lS && rD) {
                        let (dk, sk) = lD ? (l, r) : (r, l)
                        let (a, bb) = try alignKeys(dk, sk.remapColumns { $0 - m }, c.range.start)
                        dKeys.append(a)
                        sKeys.append(bb)
                        continue
                    }
                }
                residual.append(b)
            }
        }
        let restCond = rest.isEmpty ? nil : rest.dropFirst().reduce(rest[0]) { Expr(.binary(.and, $0, $1), range: $0.range) }
        s.whereClause = leftJoin ? nil : restCond
        if let f = BExpr.all(srcFilter) {
            let q = src.qualifiers
            src = PlanNode(.filter(f), [src], names: src.names, types: src.types)
            src.qualifiers = q
        }
        let spec = JoinSpec(kind: leftJoin ? .left : .inner, leftKeys: dKeys, rightKeys: sKeys, residual: BExpr.all(residual))
        let join = PlanNode(.join(spec), [d, src], names: d.names + src.names, types: d.types + src.types)
        join.qualifiers = dNames.map { _ in nil } + (src.qualifiers ?? src.names.map { _ in nil })
        // D's columns in the output and the GROUP BY
        let dRefs = dNames.map { Expr(.column(table: "#corr", name: $0)) }
        let nItems = s.items.count
        s.items += dRefs.map { SelectItem.expr($0, alias: nil) }
        if aggregating && !s.groupByAll { s.groupBy += dRefs }
        if leftJoin {
            var marker = Expr(.isNull(Expr(.column(table: "#corr", name: "__corr_m")), negated: true))
            if let restCond { marker = Expr(.binary(.and, marker, restCond), range: restCond.range) }
            func mark(_ e: Expr) -> Expr { Binder.mapAggregates(e, self) { f in
                var f = f
                f.filter = f.filter.map { Expr(.binary(.and, $0, marker), range: $0.range) } ?? marker
                return f
            } }
            s.items = s.items.prefix(nItems).map { item -> SelectItem in
                if case .expr(let e, let a) = item { return .expr(mark(e), alias: a) } else { return item }
            } + s.items.dropFirst(nItems)
            s.having = s.having.map(mark)
        }
        // ORDER BY … LIMIT: a row_number() per outer value
        if let limit = q.limit, !(purpose == .exists && limit > 0 && (q.offset ?? 0) == 0) {
            if s.qualify != nil || s.distinct {
                throw QueryError("LIMIT with DISTINCT or QUALIFY in a correlated subquery is not supported", offset: at)
            }
            var spec = WindowSpec(partitionBy: dRefs, orderBy: q.orderBy)
            spec.parenthesized = true
            let rn = Expr(.function(FunctionCall(name: "row_number", over: spec)))
            let off = q.offset ?? 0
            let hi = Expr(.binary(.le, rn, Expr(.literal(.integer(off + limit)))))
            s.qualify = off > 0 ? Expr(.binary(.and, Expr(.binary(.gt, rn, Expr(.literal(.integer(off))))), hi)) : hi
        } else if let off = q.offset, off > 0 {
            throw QueryError("OFFSET without LIMIT in a correlated subquery is not supported", offset: at)
        }
        subqueries.preset = (join, scope)
        return try planSelect(s, orderBy: [], limit: nil, offset: nil)
    }

    /// `e` with every aggregate call (outside subqueries and window functions) passed to `f`.
    static func mapAggregates(_ e: Expr, _ b: Binder, _ f: (FunctionCall) -> FunctionCall) -> Expr {
        func go(_ e: Expr) -> Expr {
            var k = e.kind
            switch e.kind {
            case .column, .literal, .subquery, .exists: return e
            case .unary(let o, let x): k = .unary(o, go(x))
            case .binary(let o, let l, let r): k = .binary(o, go(l), go(r))
            case .isNull(let x, let n): k = .isNull(go(x), negated: n)
            case .isBoolean(let x, let v, let n): k = .isBoolean(go(x), value: v, negated: n)
            case .inList(let x, let l, let n): k = .inList(go(x), l.map(go), negated: n)
            case .inSubquery(let x, let q, let n): k = .inSubquery(go(x), q, negated: n)
            case .between(let x, let lo, let hi, let n): k = .between(go(x), low: go(lo), high: go(hi), negated: n)
            case .like(let x, let p, let ci, let n): k = .like(go(x), pattern: go(p), caseInsensitive: ci, negated: n)
            case .caseWhen(var c):
                c.operand = c.operand.map(go)
                c.branches = c.branches.map { var br = $0; br.condition = go(br.condition); br.result = go(br.result); return br }
                c.elseResult = c.elseResult.map(go)
                k = .caseWhen(c)
            case .cast(let x, let t, let tr): k = .cast(go(x), t, isTry: tr)
            case .extract(let p, let x): k = .extract(p, go(x))
            case .function(var fc):
                if b.isAggregateCall(e) { k = .function(f(fc)); break }
                fc.args = fc.args.map(go)
                k = .function(fc)
            }
            return Expr(k, range: e.range)
        }
        return go(e)
    }
}

extension Binder {
    /// Whether a correlated subquery needs the general decorrelation (`unnestCorrelated`)
    /// rather than `correlated`'s direct joins.
    static func needsUnnesting(_ s: Select, _ q: Query, _ refs: [(Expr, String)], _ purpose: BoundSubquery.Purpose, _ b: Binder) -> Bool {
        if refs.contains(where: { $0.1 != "WHERE" }) { return true }
        // a subquery inside: it may refer to the outer query too (two levels out)
        let exprs = s.items.compactMap { if case .expr(let e, _) = $0 { return e } else { return nil } } + [s.whereClause, s.having, s.qualify].compactMap { $0 } + q.orderBy.map(\.expr)
        if exprs.contains(where: Binder.hasSubquery) { return true }
        if !s.groupBy.isEmpty || s.groupByAll || s.having != nil || s.qualify != nil { return true }
        let hasAgg = s.items.contains { if case .expr(let e, _) = $0 { return b.containsAggregate(e) } else { return false } }
        if purpose != .scalar && hasAgg { return true }
        let firstRow = purpose == .scalar && q.limit == 1 && (q.offset ?? 0) == 0
        if (q.offset ?? 0) > 0 || (q.limit != nil && !(purpose == .exists && q.limit! > 0) && !firstRow) { return true }
        return false
    }
}

extension Binder {
    /// `l LEFT JOIN r ON cond` where `cond` has subqueries: the pairs where the whole condition
    /// holds come from the inner join (subqueries joined to its rows as usual); each left row,
    /// numbered, is then LEFT JOINed to its pairs, so a left row without any keeps one
    /// NULL-extended row.
    func leftJoinSubqueryConditions(_ join: PlanNode, _ scope: Scope, _ conds: [Expr]) throws(QueryError) -> PlanNode {
        guard case .join(let spec) = join.op else { throw QueryError("internal: not a join", kind: .internal) }
        let l0 = join.inputs[0], r = join.inputs[1]
        let lw = l0.types.count, rw = r.types.count
        // the left rows numbered, shared by both joins
        let win = PlanNode(.window([WindowSpecBound(fn: .rowNumber, args: [], partition: [], order: [], type: .bigint)]), [l0],
                           names: l0.names + ["__row"], types: l0.types + [.bigint])
        let numbered = PlanNode(.project([.column(lw, .bigint)] + l0.types.indices.map { .column($0, l0.types[$0]) }), [win],
                                names: ["__row"] + l0.names, types: [.bigint] + l0.types)
        numbered.qualifiers = [nil] + (l0.qualifiers ?? l0.names.map { _ in nil })
        let def = CTEDefinition(name: "left join rows", plan: numbered)
        func ref() -> PlanNode {
            let n = PlanNode(.cte(def), [], names: numbered.names, types: numbered.types)
            n.qualifiers = numbered.qualifiers
            return n
        }
        // the pairs: an inner join, its ON condition with the subqueries as a filter
        let shift: (Int) -> Int = { $0 + 1 }
        var inner = JoinSpec(kind: .inner, leftKeys: spec.leftKeys.map { $0.remapColumns(shift) }, rightKeys: spec.rightKeys,
                             residual: spec.residual?.remapColumns(shift))
        inner.needed = nil
        let pairs0 = PlanNode(.join(inner), [ref(), r], names: numbered.names + r.names, types: numbered.types + r.types)
        pairs0.qualifiers = numbered.qualifiers! + (r.qualifiers ?? r.names.map { _ in nil })
        var s2 = scope
        s2.names = ["__row"] + scope.names
        s2.types = [.bigint] + scope.types
        s2.qualifiers = [["#row"]] + (scope.qualifiers ?? scope.names.map { _ in [scope.tableName?.lowercased(), scope.alias?.lowercased()].compactMap { $0 } })
        s2.hidden = Set(scope.hidden.map { $0 + 1 }).union([0])
        let filtered = try joinSubqueryConditions(pairs0, s2, .inner, conds)
        let keep: [BExpr] = [.column(0, .bigint)] + (0..<rw).map { .column(1 + lw + $0, r.types[$0]) }
        let pairs = PlanNode(.project(keep), [filtered], names: ["__pair"] + r.names, types: keep.map(\.type))
        // every left row with its pairs
        let outer = PlanNode(.join(JoinSpec(kind: .left, leftKeys: [.column(0, .bigint)], rightKeys: [.column(0, .bigint)], residual: nil)),
                             [ref(), pairs], names: numbered.names + pairs.names, types: numbered.types + pairs.types)
        outer.qualifiers = numbered.qualifiers! + [nil] + (r.qualifiers ?? r.names.map { _ in nil })
        let out: [BExpr] = (0..<lw).map { .column(1 + $0, l0.types[$0]) } + (0..<rw).map { .column(2 + lw + $0, r.types[$0]) }
        let proj = PlanNode(.project(out), [outer], names: join.names, types: join.types)
        proj.qualifiers = join.qualifiers
        return proj
    }
}
