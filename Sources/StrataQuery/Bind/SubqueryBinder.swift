import StrataCore
import StrataSQL

// Subqueries in expressions: `(SELECT ...)` (scalar), `EXISTS (SELECT ...)`, `x [NOT] IN
// (SELECT ...)`, correlated or not. Each becomes a join of the SELECT core's input with the
// subquery's plan (Plan/SubqueryJoin.swift), never a per-row loop:
//
// - a top-level WHERE conjunct `[NOT] EXISTS` / `x [NOT] IN` is a semi or anti join (NOT IN
//   NULL-aware);
// - EXISTS and IN elsewhere (SELECT list, under OR, CASE, ...) are a mark join whose BOOLEAN
//   column is the predicate's value;
// - a scalar subquery is a single join (at most one partner per row; zero: NULL).
//
// Uncorrelated subqueries are planned as they are and run once. A correlated subquery (a single
// SELECT core whose WHERE refers to the enclosing core's FROM columns) is decorrelated: its
// WHERE conjuncts `inner = outer` become join keys, other conjuncts that mention outer columns
// the join's residual (EXISTS, IN and scalar subqueries without aggregates), and a scalar
// subquery with aggregates is grouped by its inner key expressions and LEFT JOINed (no group:
// the aggregates' value over no rows, e.g. count 0). Outer columns anywhere but WHERE, and a
// non-equality correlation in an aggregating scalar subquery, are errors naming the construct.

/// Provisional column slots of subqueries bound over an aggregate's output (HAVING, an
/// aggregated SELECT list), until the aggregate's width is known.
let subqueryPostBase = 1 << 29
/// Outer columns referenced by a correlated subquery while it is being decorrelated.
let subqueryOuterBase = 1 << 28

/// Where the joins of the subqueries met while binding one SELECT core go.
final class SubqueryFrame {
    /// The core's input so far (FROM, earlier subquery joins, WHERE); subquery joins extend it.
    var node: PlanNode
    /// The core's FROM scope: what a correlated subquery's outer references resolve against.
    let scope: Scope
    /// Over an aggregate's output: joins that wait for the aggregate (`subqueryPostBase + k`).
    let post: Bool
    var pending: [(right: PlanNode, kind: SubqueryJoin.Kind, lhs: BExpr?, rhs: BExpr?)] = []

    init(node: PlanNode, scope: Scope, post: Bool = false) {
        self.node = node
        self.scope = scope
        self.post = post
    }
}

/// The binder's subquery state for the SELECT core being bound.
struct SubqueryState {
    /// Subqueries over the core's input (WHERE, SELECT list without GROUP BY, aggregate
    /// arguments, GROUP BY, ORDER BY).
    var pre: SubqueryFrame?
    /// Subqueries over the aggregate's output (HAVING, aggregated SELECT list and ORDER BY).
    var post: SubqueryFrame?
    /// A FROM clause already bound for the next `planSelect` (bound once, to find out whether
    /// the subquery is correlated).
    var preset: (PlanNode, Scope)?
}

/// A subquery's plan with what joins it to the outer rows.
struct BoundSubquery {
    enum Purpose { case exists, inList, scalar }
    var plan: PlanNode
    /// Correlation keys: outer ones over the outer core's input, inner ones over `plan`.
    var outerKeys: [BExpr] = []
    var innerKeys: [BExpr] = []
    /// Correlated conditions other than equalities: outer columns as `subqueryOuterBase + i`,
    /// the plan's as `j`.
    var residual: BExpr?
    /// IN: the compared value; scalar: the result column; over `plan`.
    var value: BExpr?
    /// Aggregating correlated scalar: a column of `plan` that is NULL after the LEFT JOIN when
    /// no group matched, and the value to give then (nil: NULL).
    var matched: Int?
    var emptyValue: BExpr?
}

extension Binder {
    /// `bindScalar`'s hook: a subquery expression over the current core's input.
    func subqueryLeaf(_ x: Expr, _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BExpr? {
        try subqueryLeaf(x, subqueries.pre, sub, unsupported: "subqueries are not supported here (only in SELECT, WHERE, GROUP BY, HAVING, QUALIFY and ORDER BY of a SELECT)")
    }

    /// `bindPost`'s hook: a subquery expression over an aggregate's output.
    func postSubqueryLeaf(_ x: Expr, _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BExpr? {
        try subqueryLeaf(x, subqueries.post, sub, unsupported: "subqueries are not supported here")
    }

    /// A subquery expression bound in `frame` (nil: not allowed here, the error `unsupported`);
    /// nil when `x` is not a subquery expression.
    private func subqueryLeaf(_ x: Expr, _ frame: SubqueryFrame?, _ sub: (Expr) throws(QueryError) -> BExpr,
                              unsupported: String) throws(QueryError) -> BExpr? {
        switch x.kind {
        case .subquery, .exists, .inSubquery: break
        default: return nil
        }
        guard let frame else { throw QueryError(unsupported, offset: x.range.start) }
        return try subqueryExpr(x, frame, sub)
    }

    private func subqueryExpr(_ x: Expr, _ frame: SubqueryFrame, _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BExpr {
        let at = x.range.start
        switch x.kind {
        case .subquery(let q):
            return try attach(frame, try bindSubquery(q, frame, .scalar, at), .single, lhs: nil, at)
        case .exists(let q):
            return try attach(frame, try bindSubquery(q, frame, .exists, at), .mark, lhs: nil, at)
        case .inSubquery(let e, let q, let negated):
            let lhs = try sub(e)
            let m = try attach(frame, try bindSubquery(q, frame, .inList, at), .mark, lhs: lhs, at)
            return negated ? .not(m) : m
        default:
            throw QueryError("internal: not a subquery", kind: .internal)
        }
    }

    /// WHERE: top-level `[NOT] EXISTS` / `x [NOT] IN (SELECT ...)` conjuncts become semi and anti
    /// joins of the input; the other conjuncts are returned bound.
    func bindWhere(_ w: Expr, _ scope: Scope) throws(QueryError) -> BExpr {
        func shape(_ c: Expr) -> (Query, Expr?, anti: Bool)? {
            switch c.kind {
            case .exists(let q): return (q, nil, false)
            case .inSubquery(let x, let q, let neg): return (q, x, neg)
            case .unary(.not, let e):
                if case .exists(let q) = e.kind { return (q, nil, true) }
                if case .inSubquery(let x, let q, let neg) = e.kind { return (q, x, !neg) }
                return nil
            default: return nil
            }
        }
        let cs = conjuncts(w)
        guard let frame = subqueries.pre, !frame.post, cs.contains(where: { shape($0) != nil }) else { return try bindScalar(w, scope) }
        var rest: [BExpr] = []
        for c in cs {
            if let (q, x, anti) = shape(c) {
                let lhs = try x.map { (e) throws(QueryError) -> BExpr in try bindScalar(e, scope) }
                let b = try bindSubquery(q, frame, lhs == nil ? .exists : .inList, c.range.start)
                _ = try attach(frame, b, anti ? .anti : .semi, lhs: lhs, c.range.start)
            } else {
                rest.append(try boolean(try bindScalar(c, scope), c))
            }
        }
        return BExpr.all(rest) ?? .literal(.bool(true), .boolean)
    }

    /// Whether `e` (not counting nested subqueries' insides) has a subquery.
    static func hasSubquery(_ e: Expr) -> Bool {
        e.contains(where: { x in
            switch x.kind {
            case .subquery, .exists, .inSubquery: return true
            default: return false
            }
        })
    }

    /// ON conjuncts with subqueries (inner joins): a filter over the join, its subqueries
    /// joined to the join's rows, then the join's columns only.
    func joinSubqueryConditions(_ join: PlanNode, _ scope: Scope, _ kind: Join.Kind, _ conds: [Expr]) throws(QueryError) -> PlanNode {
        if kind == .left { return try leftJoinSubqueryConditions(join, scope, conds) }
        guard kind == .inner else {
            throw QueryError("subqueries in the ON condition of a \(kind.rawValue.uppercased()) JOIN are not supported (only INNER JOIN)", offset: conds[0].range.start)
        }
        let saved = subqueries
        defer { subqueries = saved }
        subqueries = SubqueryState()
        let frame = SubqueryFrame(node: join, scope: scope)
        subqueries.pre = frame
        var cond = conds[0]
        for c in conds.dropFirst() { cond = Expr(.binary(.and, cond, c), range: cond.range) }
        let f = try boolean(try bindWhere(cond, scope), cond)
        let filter = PlanNode(.filter(f), [frame.node], names: frame.node.names, types: frame.node.types)
        let proj = PlanNode(.project(join.types.indices.map { .column($0, join.types[$0]) }), [filter], names: join.names, types: join.types)
        proj.qualifiers = join.qualifiers
        return proj
    }

    /// After the aggregate of a core: the joins of the subqueries bound over its output, and
    /// their provisional slots replaced by the real columns.
    func attachPostSubqueries(_ node: inout PlanNode, _ outputs: inout [BExpr], _ having: inout BExpr?, _ qualify: inout BExpr?,
                              _ keys: inout [OrderKey], _ windows: WindowCollector) throws(QueryError) {
        guard let frame = subqueries.post, !frame.pending.isEmpty else { return }
        var slots: [Int] = []
        // the aggregate's rows as a relation (a pipeline ends in a projection)
        let agg = node
        node = PlanNode(.project(agg.types.indices.map { .column($0, agg.types[$0]) }), [agg], names: agg.names, types: agg.types)
        for p in frame.pending {
            let lw = node.types.count
            slots.append(lw)
            var lkeys: [BExpr] = [], rkeys: [BExpr] = []
            var sq = SubqueryJoin(kind: p.kind)
            if let lhs = p.lhs, let rhs = p.rhs {
                let (a, b) = try alignKeys(lhs, rhs, 0)
                lkeys = [a]; rkeys = [b]
                sq.nullAware = true
            }
            node = joinNode(node, p.right, JoinSpec(kind: .left, leftKeys: lkeys, rightKeys: rkeys, residual: nil, subquery: sq))
        }
        let f: (Int) -> Int = { $0 >= subqueryPostBase && $0 < WindowCollector.base ? slots[$0 - subqueryPostBase] : $0 }
        outputs = outputs.map { $0.remapColumns(f) }
        having = having?.remapColumns(f)
        qualify = qualify?.remapColumns(f)
        keys = keys.map { OrderKey(expr: $0.expr.remapColumns(f), descending: $0.descending, nullsFirst: $0.nullsFirst) }
        for i in windows.specs.indices {
            windows.specs[i].args = windows.specs[i].args.map { $0.remapColumns(f) }
            windows.specs[i].partition = windows.specs[i].partition.map { $0.remapColumns(f) }
            windows.specs[i].order = windows.specs[i].order.map { OrderKey(expr: $0.expr.remapColumns(f), descending: $0.descending, nullsFirst: $0.nullsFirst) }
        }
    }

    private func joinNode(_ left: PlanNode, _ right: PlanNode, _ spec: JoinSpec) -> PlanNode {
        let (names, types) = spec.subquery?.schema(left, right) ?? (left.names + right.names, left.types + right.types)
        let node = PlanNode(.join(spec), [left, right], names: names, types: types)
        let lq = left.qualifiers ?? left.names.map { _ in nil }
        node.qualifiers = Array((lq + [String?](repeating: nil, count: types.count)).prefix(types.count))
        return node
    }

    /// Joins the subquery to the frame's input (or queues it, over an aggregate) and returns
    /// its value over the joined columns.
    private func attach(_ frame: SubqueryFrame, _ b: BoundSubquery, _ kind: SubqueryJoin.Kind, lhs: BExpr?, _ at: Int) throws(QueryError) -> BExpr {
        let type: DataType = kind == .mark ? .boolean : (b.value?.type ?? .null)
        if frame.post {
            frame.pending.append((b.plan, kind, lhs, b.value))
            return .column(subqueryPostBase + frame.pending.count - 1, type)
        }
        let left = frame.node, lw = left.types.count
        var lkeys = b.outerKeys, rkeys = b.innerKeys
        var sq = SubqueryJoin(kind: kind)
        if let lhs, let v = b.value {
            let (x, y) = try alignKeys(lhs, v, at)
            lkeys.append(x)
            rkeys.append(y)
            sq.nullAware = kind != .semi
        }
        let residual = b.residual?.remapColumns { $0 >= subqueryOuterBase ? $0 - subqueryOuterBase : lw + $0 }
        // an aggregating correlated scalar subquery: its groups are unique, a plain LEFT JOIN
        let spec = JoinSpec(kind: .left, leftKeys: lkeys, rightKeys: rkeys, residual: residual,
                            subquery: b.matched != nil ? nil : sq)
        frame.node = joinNode(left, b.plan, spec)
        switch kind {
        case .mark:
            return .column(lw, .boolean)
        case .single:
            guard case .column(let c, let t)? = b.value else { throw QueryError("internal: scalar subquery value", kind: .internal) }
            let v: BExpr = .column(lw + c, t)
            if let m = b.matched, let e = b.emptyValue {
                return .caseWhen([(.isNull(.column(lw + m, .boolean), negated: true), v)], e, t)
            }
            return v
        case .semi, .anti:
            return .literal(.bool(true), .boolean)
        }
    }

    /// The two sides of an equality as join keys of one type (numbers as DOUBLE, DATE with
    /// TIMESTAMP as TIMESTAMP).
    func alignKeys(_ a0: BExpr, _ b0: BExpr, _ at: Int) throws(QueryError) -> (BExpr, BExpr) {
        var a = a0, b = b0
        let x = a.type, y = b.type
        if x == y { return (a, b) }
        if x == .null { return (.cast(a, y), b) }
        if y == .null { return (a, .cast(b, x)) }
        if x.isNumeric && y.isNumeric {
            if x != .double { a = .cast(a, .double) }
            if y != .double { b = .cast(b, .double) }
        } else if x == .date && y == .timestamp {
            a = .cast(a, .timestamp)
        } else if x == .timestamp && y == .date {
            b = .cast(b, .timestamp)
        } else {
            throw QueryError("subquery comparison of \(x) with \(y)", offset: at)
        }
        return (a, b)
    }

    /// Plans a subquery met in an expression of a core whose subqueries go to `frame`.
    private func bindSubquery(_ q: Query, _ frame: SubqueryFrame, _ purpose: BoundSubquery.Purpose, _ at: Int) throws(QueryError) -> BoundSubquery {
        let saved = subqueries
        defer { subqueries = saved }
        subqueries = SubqueryState()
        var plan: PlanNode
        if q.ctes.isEmpty, q.body.count == 1, case .select(let s) = q.body[0] {
            let (src, inner) = try source(s.from)
            let refs = outerReferences(s, q, inner, frame.scope)
            if let first = refs.first {
                if frame.post {
                    throw QueryError("correlated subqueries over GROUP BY results (HAVING, an aggregated SELECT list) are not supported; '\(first.0.sqlText)' refers to the outer query", offset: first.0.range.start)
                }
                if Binder.needsUnnesting(s, q, refs, purpose, self) { return try unnestCorrelated(s, q, frame, purpose, at) }
                return try correlated(s, q, src, inner, frame.scope, purpose, at, frame)
            }
            subqueries.preset = (src, inner)
            do throws(QueryError) {
                plan = try planSelect(s, orderBy: q.orderBy, limit: q.limit, offset: q.offset)
            } catch {
                // a subquery inside this one may refer to the outer query (two levels out)
                guard !frame.post, let b = try? unnestCorrelated(s, q, frame, purpose, at) else { throw error }
                return b
            }
        } else {
            plan = try self.plan(q)
        }
        switch purpose {
        case .exists:
            // one row is enough
            return BoundSubquery(plan: PlanNode(.limit(1, offset: 0), [plan], names: plan.names, types: plan.types))
        case .inList, .scalar:
            guard plan.types.count == 1 else {
                throw QueryError("subquery returns \(plan.types.count) columns; \(purpose == .scalar ? "a scalar subquery" : "IN (subquery)") needs one", offset: at)
            }
            return BoundSubquery(plan: plan, value: .column(0, plan.types[0]))
        }
    }

    /// Column references of `s` that do not resolve in its own FROM but in the outer scope,
    /// with the clause they are in.
    private func outerReferences(_ s: Select, _ q: Query, _ inner: Scope, _ outer: Scope) -> [(Expr, String)] {
        var found: [(Expr, String)] = []
        let aliases = Set(s.items.compactMap { item -> String? in
            if case .expr(_, let a?) = item { return a.lowercased() } else { return nil }
        })
        func check(_ e: Expr?, _ clause: String) {
            e?.visit { x in
                if case .column(let t, let n) = x.kind, !(t == nil && aliases.contains(n.lowercased()) && clause != "WHERE"),
                   (try? inner.resolve(t, n, x.range)) == nil, (try? outer.resolve(t, n, x.range)) != nil {
                    found.append((x, clause))
                }
                return true
            }
        }
        for item in s.items { if case .expr(let e, _) = item { check(e, "SELECT list") } }
        check(s.whereClause, "WHERE")
        for g in s.groupBy { check(g, "GROUP BY") }
        check(s.having, "HAVING")
        check(s.qualify, "QUALIFY")
        for o in q.orderBy { check(o.expr, "ORDER BY") }
        return found
    }

    /// Decorrelates a subquery whose WHERE refers to the outer scope.
    private func correlated(_ s: Select, _ q: Query, _ src: PlanNode, _ inner: Scope, _ outer: Scope,
                            _ purpose: BoundSubquery.Purpose, _ at: Int, _ frame: SubqueryFrame) throws(QueryError) -> BoundSubquery {
        if s.qualify != nil { throw QueryError("QUALIFY in a correlated subquery is not supported", offset: at) }
        // `ORDER BY ... LIMIT 1` in a scalar subquery: the first row of each correlated group
        let firstRow = purpose == .scalar && q.limit == 1 && (q.offset ?? 0) == 0
        if (q.offset ?? 0) > 0 || (q.limit != nil && !(purpose == .exists && q.limit! > 0) && !firstRow) {
            throw QueryError("LIMIT / OFFSET in a correlated subquery is not supported (except LIMIT 1 in a scalar subquery and under EXISTS)", offset: at)
        }
        let innerFrame = SubqueryFrame(node: src, scope: inner)
        subqueries.pre = innerFrame
        // WHERE: inner conjuncts stay inside; `inner = outer` are keys; the rest is the residual
        var filter: [BExpr] = [], outerKeys: [BExpr] = [], innerKeys: [BExpr] = []
        var residual: [(BExpr, Expr)] = []
        for c in conjuncts(s.whereClause!) {
            if containsAggregate(c) { throw QueryError("aggregate functions are not allowed in WHERE", offset: c.range.start) }
            let b = try boolean(try bind(c) { (x) throws(QueryError) -> BExpr? in
                if let b = try self.subqueryLeaf(x, { (y) throws(QueryError) in try self.bindScalar(y, inner) }) { return b }
                guard case .column(let t, let n) = x.kind else { return nil }
                do throws(QueryError) {
                    let (i, ty) = try inner.resolve(t, n, x.range)
                    return .column(i, ty)
                } catch {
                    guard let (i, ty) = try? outer.resolve(t, n, x.range) else { throw error }
                    return .column(subqueryOuterBase + i, ty)
                }
            }, c)
            let cols = b.columns
            let outerCols = cols.filter { $0 >= subqueryOuterBase }
            if outerCols.isEmpty { filter.append(b); continue }
            if case .binary(.eq, let l, let r, _) = b {
                let lc = l.columns, rc = r.columns
                let lOuter = !lc.isEmpty && lc.allSatisfy { $0 >= subqueryOuterBase }
                let rOuter = !rc.isEmpty && rc.allSatisfy { $0 >= subqueryOuterBase }
                let lInner = !lc.isEmpty && lc.allSatisfy { $0 < subqueryOuterBase }
                let rInner = !rc.isEmpty && rc.allSatisfy { $0 < subqueryOuterBase }
                if (lOuter && rInner) || (lInner && rOuter) {
                    let (o, i) = lOuter ? (l, r) : (r, l)
                    let (ok, ik) = try alignKeys(o.remapColumns { $0 - subqueryOuterBase }, i, c.range.start)
                    outerKeys.append(ok)
                    innerKeys.append(ik)
                    continue
                }
            }
            residual.append((b, c))
        }
        let hasAgg = s.items.contains { if case .expr(let e, _) = $0 { return containsAggregate(e) } else { return false } }
        func item() throws(QueryError) -> Expr {
            guard s.items.count == 1 else {
                throw QueryError("subquery returns \(s.items.count) columns; \(purpose == .scalar ? "a scalar subquery" : "IN (subquery)") needs one", offset: at)
            }
            switch s.items[0] {
            case .expr(let e, _): return e
            case .wildcard:
                guard inner.names.count == 1 else {
                    throw QueryError("subquery returns \(inner.names.count) columns; \(purpose == .scalar ? "a scalar subquery" : "IN (subquery)") needs one", offset: at)
                }
                return Expr(.column(table: nil, name: inner.names[0]))
            }
        }
        func filtered(_ n: PlanNode) -> PlanNode {
            guard let f = BExpr.all(filter) else { return n }
            return PlanNode(.filter(f), [n], names: n.names, types: n.types)
        }
        let residualExpr = BExpr.all(residual.map(\.0))
        switch purpose {
        case .exists, .inList:
            if hasAgg || !s.groupBy.isEmpty || s.having != nil {
                throw QueryError("a correlated EXISTS or IN subquery with aggregates or GROUP BY is not supported", offset: at)
            }
            var value: BExpr? = nil
            if purpose == .inList { value = try bindScalar(try item(), inner) }
            return BoundSubquery(plan: filtered(innerFrame.node), outerKeys: outerKeys, innerKeys: innerKeys, residual: residualExpr, value: value)
        case .scalar:
            if !s.groupBy.isEmpty || s.having != nil {
                throw QueryError("GROUP BY / HAVING in a correlated scalar subquery is not supported", offset: at)
            }
            let e = try item()
            if hasAgg {
                if !residual.isEmpty { return try unnestCorrelated(s, q, frame, purpose, at) }
                var post = PostContext(groups: [], groupTypes: [], scope: inner)
                let out = try bindPost(e, &post)
                if !post.windows.specs.isEmpty { throw QueryError("window functions in a correlated scalar subquery are not supported", offset: at) }
                let input = filtered(innerFrame.node)
                let m = innerKeys.count
                let agg = PlanNode(.aggregate(AggregateSpec(groups: innerKeys, aggs: post.aggs)), [input],
                                   names: innerKeys.map { ExprText.expr($0, input.names) } + post.aggs.map { ExprText.aggregate($0, input.names) },
                                   types: innerKeys.map(\.type) + post.aggs.map(\.type))
                let value = out.remapColumns { $0 + m }
                // the value over no rows: count-like aggregates 0, the others NULL
                var empty: [BExpr] = innerKeys.map { .literal(.null, $0.type) }
                for a in post.aggs {
                    switch a.kind {
                    case .countStar, .count, .countDistinct, .approxCountDistinct, .countIf: empty.append(.literal(.int(0), .bigint))
                    default: empty.append(.literal(.null, a.type))
                    }
                }
                var emptyValue: BExpr? = value.substitute(empty)
                if let ev = emptyValue, ev.isConstant, (try? constantValue(ev))?.isNull ?? false { emptyValue = nil }
                let exprs: [BExpr] = innerKeys.indices.map { .column($0, innerKeys[$0].type) } + [.literal(.bool(true), .boolean), value]
                let proj = PlanNode(.project(exprs), [agg], names: agg.names.prefix(m) + ["matched", e.sqlText], types: exprs.map(\.type))
                return BoundSubquery(plan: proj, outerKeys: outerKeys, innerKeys: innerKeys.indices.map { .column($0, innerKeys[$0].type) },
                                     residual: nil, value: .column(m + 1, value.type), matched: m, emptyValue: emptyValue)
            }
            let v = try bindScalar(e, inner)
            var input = filtered(innerFrame.node)
            if firstRow {
                if !residual.isEmpty { return try unnestCorrelated(s, q, frame, purpose, at) }
                // row_number() OVER (PARTITION BY the inner keys ORDER BY ...) = 1
                var order: [OrderKey] = []
                for o in q.orderBy {
                    order.append(try orderKey(o, items: [(e, s.items[0].outputName ?? e.sqlText)], outputs: [v], bind: { (x) throws(QueryError) in try self.bindScalar(x, inner) }))
                }
                let w = input.types.count
                let spec = WindowSpecBound(fn: .rowNumber, args: [], partition: innerKeys, order: order, type: .bigint)
                let win = PlanNode(.window([spec]), [input], names: input.names + ["row_number()"], types: input.types + [.bigint])
                input = PlanNode(.filter(.binary(.eq, .column(w, .bigint), .literal(.int(1), .bigint), .boolean)), [win], names: win.names, types: win.types)
            }
            if residual.isEmpty {
                // the keys and the value; DISTINCT over them
                let exprs = innerKeys + [v]
                var proj = PlanNode(.project(exprs), [input], names: innerKeys.map { ExprText.expr($0, input.names) } + [e.sqlText], types: exprs.map(\.type))
                if s.distinct { proj = PlanNode(.distinct, [proj], names: proj.names, types: proj.types) }
                return BoundSubquery(plan: proj, outerKeys: outerKeys, innerKeys: innerKeys.indices.map { .column($0, innerKeys[$0].type) },
                                     residual: nil, value: .column(innerKeys.count, v.type))
            }
            if s.distinct { return try unnestCorrelated(s, q, frame, purpose, at) }
            let w = input.types.count
            let exprs: [BExpr] = input.types.indices.map { .column($0, input.types[$0]) } + [v]
            let proj = PlanNode(.project(exprs), [input], names: input.names + [e.sqlText], types: exprs.map(\.type))
            return BoundSubquery(plan: proj, outerKeys: outerKeys, innerKeys: innerKeys, residual: residualExpr, value: .column(w, v.type))
        }
    }
}
