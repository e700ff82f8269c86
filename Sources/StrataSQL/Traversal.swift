// Helpers for walking expression trees.

extension Expr {
    /// Direct sub-expressions in source order (operand, arguments, FILTER, window
    /// PARTITION BY / ORDER BY expressions, CASE parts). Expressions inside
    /// subqueries are not included: a subquery is a separate scope.
    public var children: [Expr] {
        switch kind {
        case .column, .literal, .subquery, .exists:
            return []
        case .unary(_, let e), .isNull(let e, _), .isBoolean(let e, _, _), .cast(let e, _, _),
             .extract(_, let e), .inSubquery(let e, _, _):
            return [e]
        case .binary(_, let l, let r), .like(let l, let r, _, _):
            return [l, r]
        case .inList(let e, let list, _):
            return [e] + list
        case .between(let e, let lo, let hi, _):
            return [e, lo, hi]
        case .caseWhen(let c):
            var out: [Expr] = []
            if let o = c.operand { out.append(o) }
            for b in c.branches {
                out.append(b.condition)
                out.append(b.result)
            }
            if let e = c.elseResult { out.append(e) }
            return out
        case .function(let f):
            var out = (f.params ?? []) + f.args + f.orderBy.map(\.expr)
            if let filter = f.filter { out.append(filter) }
            if let w = f.over {
                out += w.partitionBy
                out += w.orderBy.map(\.expr)
                out += w.frame?.offsets ?? []
            }
            return out
        }
    }

    /// Visits this expression and all nested expressions in pre-order (not descending
    /// into subqueries). Return `false` from `body` to skip a node's children.
    public func visit<E: Error>(_ body: (Expr) throws(E) -> Bool) throws(E) {
        if try body(self) {
            for child in children { try child.visit(body) }
        }
    }

    /// True if `predicate` holds for this expression or any nested expression
    /// (outside subqueries).
    public func contains<E: Error>(where predicate: (Expr) throws(E) -> Bool) throws(E) -> Bool {
        if try predicate(self) { return true }
        for child in children where try child.contains(where: predicate) { return true }
        return false
    }
}

extension SelectItem {
    /// Output column name: the alias if given, the column name for a bare column
    /// reference, otherwise the expression's canonical `sqlText`. `nil` for wildcards.
    public var outputName: String? {
        switch self {
        case .wildcard:
            return nil
        case .expr(let e, let alias):
            if let alias { return alias }
            if case .column(_, let name) = e.kind { return name }
            return e.sqlText
        }
    }
}
