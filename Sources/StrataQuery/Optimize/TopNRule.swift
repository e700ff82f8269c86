/// `ORDER BY … LIMIT k`: Sort + Limit become one TopN (the executor keeps the best
/// `k + offset` rows instead of sorting all). When the TopN orders the groups of an
/// aggregate by cheap aggregates (count, sum, avg, numeric min/max) and the aggregate also
/// computes costly ones (count DISTINCT, quantiles, mode, approximate distinct) that the
/// order does not use, the aggregate runs in two phases: the cheap ones over all groups to
/// find the top k, then everything over just the rows of those groups.
enum TopNRule {
    static func apply(_ root: PlanNode) -> PlanNode {
        Optimizer.rewrite(root) { n in
            guard case .limit(let l?, let offset) = n.op, case .sort(let keys) = n.input.op else { return n }
            let top = PlanNode(.topN(keys, limit: l, offset: offset), [n.input.input], names: n.names, types: n.types)
            markTwoPhase(top, keys)
            return top
        }
    }

    static func isCheap(_ a: AggSpec) -> Bool {
        switch a.kind {
        case .countStar, .count, .countIf, .sum, .sumIf, .avg: return true
        case .min, .max: return a.type != .varchar
        default: return false
        }
    }

    static func isCostly(_ a: AggSpec) -> Bool {
        switch a.kind {
        case .countDistinct, .quantile, .approxCountDistinct, .mode: return true
        default: return false
        }
    }

    /// TopN → Project → Aggregate over a table scan (no HAVING, window or DISTINCT between).
    private static func markTwoPhase(_ top: PlanNode, _ keys: [OrderKey]) {
        guard case .project(let exprs) = top.input.op else { return }
        let aggNode = top.input.input
        guard case .aggregate(var a) = aggNode.op, !a.groups.isEmpty, a.groupingSets == nil else { return }
        var source = aggNode.input
        if case .filter = source.op { source = source.input }
        guard case .scan(let s) = source.op, !s.dedup else { return }
        let g = a.groups.count
        var used = Set<Int>()
        for k in keys {
            for c in k.expr.columns where c < exprs.count { exprs[c].collectColumns(into: &used) }
        }
        let ordered = used.filter { $0 >= g }
        guard ordered.allSatisfy({ $0 - g < a.aggs.count && isCheap(a.aggs[$0 - g]) }) else { return }
        guard a.aggs.indices.contains(where: { !used.contains(g + $0) && isCostly(a.aggs[$0]) }) else { return }
        a.twoPhaseTopN = true
        aggNode.op = .aggregate(a)
    }
}
