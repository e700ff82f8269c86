/// WHERE conjuncts over both sides of a join without keys (CROSS JOIN, or an inner join on
/// a condition without equalities) become the join's own condition (the pushdown rule calls this for what it cannot send to one side): an
/// equality between an expression of the left side alone and one of the right side alone,
/// of the same type, becomes a join key (a CROSS JOIN with one becomes a hash join); any
/// other conjunct joins the residual, which filters the candidate pairs block by block as
/// they are produced, so the pairs of a cross join are never all materialized. A join that
/// has keys keeps its plan (its WHERE filters the joined rows, as before).
enum JoinConditions {
    /// `j` with `conjuncts` (over the join's output columns; `lw` left columns) absorbed, and
    /// the conjuncts left to filter above the join (those over no column at all).
    static func absorb(_ j: JoinSpec, _ conjuncts: [BExpr], leftWidth lw: Int) -> (JoinSpec, [BExpr]) {
        guard j.subquery == nil, j.kind == .inner || j.kind == .cross, j.leftKeys.isEmpty else { return (j, conjuncts) }
        var spec = j
        var kept: [BExpr] = [], residual: [BExpr] = []
        for c in conjuncts {
            let cols = c.columns
            if cols.isEmpty { kept.append(c); continue }
            if case .binary(.eq, let a, let b, _) = c, a.type == b.type {
                let ca = a.columns, cb = b.columns
                let aLeft = !ca.isEmpty && ca.allSatisfy { $0 < lw }, aRight = !ca.isEmpty && ca.allSatisfy { $0 >= lw }
                let bLeft = !cb.isEmpty && cb.allSatisfy { $0 < lw }, bRight = !cb.isEmpty && cb.allSatisfy { $0 >= lw }
                if aLeft && bRight {
                    spec.leftKeys.append(a); spec.rightKeys.append(b.remapColumns { $0 - lw }); continue
                }
                if bLeft && aRight {
                    spec.leftKeys.append(b); spec.rightKeys.append(a.remapColumns { $0 - lw }); continue
                }
            }
            residual.append(c)
        }
        if spec.leftKeys.count == j.leftKeys.count && residual.isEmpty { return (j, conjuncts) }
        spec.residual = BExpr.all((j.residual?.conjuncts ?? []) + residual)
        if spec.kind == .cross { spec.kind = .inner }
        return (spec, kept)
    }
}
