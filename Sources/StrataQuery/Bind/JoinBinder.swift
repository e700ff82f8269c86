import StrataCore
import StrataSQL
import StrataStore

// Joins: `a [INNER] JOIN b ON ...`, `a LEFT JOIN b ON ...`, `... USING (...)`, `CROSS JOIN`.
//
// A FROM tree binds to a tree of Join operators over its tables, CTEs and subqueries. The
// join's columns are the left input's followed by the right input's. Equality conjuncts of
// ON between the two sides become the join keys; the other conjuncts are the residual
// condition (the pushdown rule moves those about one side alone into that side, and WHERE
// conjuncts about one table into its scan).

extension Binder {
    /// Plan and scope of a FROM tree with joins.
    func joinSource(_ from: TableRef) throws(QueryError) -> (PlanNode, Scope) {
        var next = 0
        return try joinTree(from, &next)
    }

    private func joinTree(_ ref: TableRef, _ next: inout Int) throws(QueryError) -> (PlanNode, Scope) {
        guard case .join(let j) = ref.kind else {
            let index = next
            next += 1
            let (node, s) = try source(ref)
            // an alias replaces the table's name as its qualifier (self-joins need it)
            var quals: [String] = []
            if let a = ref.alias { quals.append(a.lowercased()) } else if case .table(let name, _) = ref.kind { quals.append(name.lowercased()) }
            var scope = Scope(tableName: s.tableName, alias: s.alias, names: s.names, types: s.types)
            scope.qualifiers = s.names.map { _ in quals + ["#\(index)"] }
            scope.hintNames = s.names
            node.qualifiers = s.names.map { _ in quals.first }
            return (node, scope)
        }
        let (l, ls) = try joinTree(j.left, &next)
        let (r, rs) = try joinTree(j.right, &next)
        let lw = ls.names.count
        var scope = Scope(tableName: nil, alias: nil, names: ls.names + rs.names, types: ls.types + rs.types)
        scope.qualifiers = (ls.qualifiers ?? ls.names.map { _ in [] }) + (rs.qualifiers ?? rs.names.map { _ in [] })
        scope.hidden = ls.hidden.union(rs.hidden.map { $0 + lw })
        scope.hintNames = (ls.hintNames ?? ls.names) + (rs.hintNames ?? rs.names)
        var lkeys: [BExpr] = [], rkeys: [BExpr] = []
        var residual: [BExpr] = []
        let shift: (Int) -> Int = { $0 - lw }
        func sides(_ e: BExpr) -> (left: Bool, right: Bool) {
            var cols = Set<Int>()
            e.collectColumns(into: &cols)
            return (cols.contains { $0 < lw }, cols.contains { $0 >= lw })
        }
        for u in j.using {
            let at = j.on?.range ?? SourceRange.none
            guard ls.names.contains(where: { $0.lowercased() == u.lowercased() }) else {
                throw QueryError("column '\(u)' named in USING is missing on the left side of the join")
            }
            guard rs.names.contains(where: { $0.lowercased() == u.lowercased() }) else {
                throw QueryError("column '\(u)' named in USING is missing on the right side of the join")
            }
            let li = try ls.resolve(nil, u, at).0  // ambiguous on a side: its own error
            let ri = try rs.resolve(nil, u, at).0
            lkeys.append(.column(li, ls.types[li]))
            rkeys.append(.column(ri, rs.types[ri]))
            scope.hidden.insert(lw + ri)
        }
        var withSubqueries: [Expr] = []
        for c in j.on.map(conjuncts) ?? [] {
            if Binder.hasSubquery(c) { withSubqueries.append(c); continue }
            if containsAggregate(c) { throw QueryError("aggregate functions are not allowed in JOIN conditions", offset: c.range.start) }
            if case .binary(.eq, let a, let b) = c.kind {
                let ba = try bindScalar(a, scope), bb = try bindScalar(b, scope)
                let sa = sides(ba), sb = sides(bb)
                if sa.left && !sa.right && sb.right && !sb.left {
                    lkeys.append(ba); rkeys.append(bb.remapColumns(shift)); continue
                }
                if sb.left && !sb.right && sa.right && !sa.left {
                    lkeys.append(bb); rkeys.append(ba.remapColumns(shift)); continue
                }
            }
            let b = try bindScalar(c, scope)
            guard b.type == .boolean || b.type == .null else {
                throw QueryError("JOIN condition must be BOOLEAN, not \(b.type)", offset: c.range.start)
            }
            residual.append(b)
        }
        // key types: equal, or both numeric, or DATE with TIMESTAMP
        for k in lkeys.indices {
            let a = lkeys[k].type, b = rkeys[k].type
            if a == b || a == .null || b == .null { continue }
            if a.isNumeric && b.isNumeric {
                if a != .double { lkeys[k] = .cast(lkeys[k], .double) }
                if b != .double { rkeys[k] = .cast(rkeys[k], .double) }
            } else if a == .date && b == .timestamp {
                lkeys[k] = .cast(lkeys[k], .timestamp)
            } else if a == .timestamp && b == .date {
                rkeys[k] = .cast(rkeys[k], .timestamp)
            } else {
                throw QueryError("JOIN condition compares \(a) with \(b)", offset: j.on?.range.start ?? 0)
            }
        }
        let spec = JoinSpec(kind: j.kind, leftKeys: lkeys, rightKeys: rkeys,
                            residual: residual.isEmpty ? nil : residual.count == 1 ? residual[0] : .and(residual))
        let node = PlanNode(.join(spec), [l, r], names: l.names + r.names, types: l.types + r.types)
        node.qualifiers = (l.qualifiers ?? l.names.map { _ in nil }) + (r.qualifiers ?? r.names.map { _ in nil })
        if !withSubqueries.isEmpty { return (try joinSubqueryConditions(node, scope, j.kind, withSubqueries), scope) }
        return (node, scope)
    }

    func conjuncts(_ e: Expr) -> [Expr] {
        if case .binary(.and, let a, let b) = e.kind { return conjuncts(a) + conjuncts(b) }
        return [e]
    }
}
