import StrataCore
import StrataText

/// Top-N over many groups, in two ways that never change an answer:
///
/// - **Two-phase aggregation.** `SELECT k, count(*) AS n, count(DISTINCT x) ... GROUP BY k
///   ORDER BY n DESC LIMIT 10` only needs the costly aggregates for the ten winning groups.
///   Phase 1 aggregates just the ORDER BY aggregates (all cheap) and picks the top groups;
///   phase 2 reruns the full query restricted to rows whose group key is one of them. Every
///   group phase 2 sees has all its rows, so its aggregates are exact.
/// - **Candidate preselection.** Before materializing millions of groups for the post stage,
///   keep only the groups that can still reach the top `limit + offset` on the first ORDER BY
///   key (all ties at the boundary included); the post stage orders those exactly.
extension Executor {
    /// The two-phase plan of an aggregate TopNRule marked (`plan.twoPhase`: a top-N by cheap
    /// aggregates over a table scan, costly aggregates beside); nil when every group makes it.
    func runTwoPhaseTopN(_ plan: SelectPlan) throws(QueryError) -> Relation? {
        guard let limit = plan.limit else { return nil }
        let g = plan.groups.count
        var used = Set<Int>()
        for o in plan.order { o.expr.collectColumns(into: &used) }
        let orderAggs = used.filter { $0 >= g }.sorted()

        // phase 1: group keys plus the ORDER BY aggregates only
        var p1 = plan
        p1.aggs = orderAggs.map { plan.aggs[$0 - g] }
        var remap: [Int: Int] = [:]
        for (i, a) in orderAggs.enumerated() { remap[a] = g + i }
        p1.order = plan.order.map { OrderKey(expr: $0.expr.remapColumns { remap[$0] ?? $0 }, descending: $0.descending, nullsFirst: $0.nullsFirst) }
        p1.outputs = plan.groups.enumerated().map { BExpr.column($0.offset, $0.element.type) }
        p1.names = plan.groups.indices.map { "g\($0)" }
        p1.limit = limit + plan.offset
        p1.offset = 0
        var groupCount = 0
        let top = try post(p1, try aggregate(p1, groupCount: &groupCount)).resultSet
        // every group made it: restricting phase 2 would filter nothing
        if groupCount <= top.rowCount { return nil }

        var p2 = plan
        var conj: [BExpr] = plan.filter.map { [$0] } ?? []
        for (k, ge) in plan.groups.enumerated() {
            var values = Set<Value>()
            for v in top.columns[k] { values.insert(v) }
            let hasNull = values.remove(.null) != nil
            var parts: [BExpr] = []
            if !values.isEmpty {
                if ge.type == .varchar {
                    let set = Set(values.compactMap { v -> [UInt8]? in if case .string(let s) = v { return Array(s.utf8) } else { return nil } })
                    parts.append(.stringPredicate(ge, .membership(set)))
                    // prune by dictionary (NULL keys would be pruned away with it)
                    if !hasNull, case .column(let slot, _) = ge, p2.prune[slot] == nil {
                        p2.prune[slot] = PruneRange(strings: Set(values.compactMap { if case .string(let s) = $0 { return s } else { return nil } }))
                    }
                } else {
                    parts.append(.inList(ge, Array(values), negated: false))
                }
            }
            if hasNull { parts.append(.isNull(ge, negated: false)) }
            conj.append(parts.count == 1 ? parts[0] : .or(parts))
        }
        p2.filter = .and(conj)
        var fs = Set(plan.filterSlots)
        for e in conj { e.collectColumns(into: &fs) }
        p2.filterSlots = fs.sorted()
        p2.slots = Array(Set(plan.slots).union(fs)).sorted()
        return try post(p2, try aggregate(p2))
    }

    /// Groups that can still be among the first `limit + offset` rows once ordered, judged by
    /// the first ORDER BY key when it is a numeric aggregate; nil when every group must be kept.
    func preselectTopGroups(_ plan: SelectPlan, columns: [Vec], count: Int) -> [Int]? {
        guard let limit = plan.limit, let first = plan.order.first, !plan.groups.isEmpty, plan.having == nil,
              plan.windows.isEmpty, plan.qualify == nil, !plan.distinct else { return nil }
        let k = limit + plan.offset
        guard count >= 4096, k > 0, k <= count / 8 else { return nil }
        guard case .column(let c, _) = first.expr, c >= plan.groups.count, c < columns.count else { return nil }
        let v = columns[c]
        guard !v.isConst, v.type == .bigint || v.type == .double else { return nil }
        var keys: [Double]
        if v.type == .double {
            guard v.dbls.count >= count else { return nil }
            keys = Array(v.dbls.prefix(count))
            if keys.contains(where: \.isNaN) { return nil }
        } else {
            guard v.ints.count >= count else { return nil }
            keys = v.ints.prefix(count).map { Double($0) }
        }
        var isNull = [Bool](repeating: false, count: count)
        var nullCount = 0
        if let valid = v.valid {
            for g in 0..<count where valid[g] == 0 { isNull[g] = true; nullCount += 1 }
        }
        // NULLs sorted first are always candidates; sorted last, they matter only when there
        // are too few non-NULL groups
        let nonNull = count - nullCount
        if first.nullsFirst ? nullCount >= k : nonNull < k { return nil }
        let need = first.nullsFirst ? k - nullCount : k
        var vals: [Double]
        if nullCount == 0 { vals = keys } else {
            vals = []
            vals.reserveCapacity(nonNull)
            for g in 0..<count where !isNull[g] { vals.append(keys[g]) }
        }
        // the need-th best value: every group at least as good is a candidate (ties included)
        let t = Executor.select(&vals, first.descending ? nonNull - need : need - 1)
        var out: [Int] = []
        for g in 0..<count {
            if isNull[g] {
                if first.nullsFirst { out.append(g) }
            } else if first.descending ? keys[g] >= t : keys[g] <= t {
                out.append(g)
            }
        }
        return out.count > count / 2 ? nil : out
    }

    /// The element that would be at index `i` of `xs` sorted ascending (Hoare quickselect; `xs` is
    /// permuted).
    static func select(_ xs: inout [Double], _ i: Int) -> Double {
        xs.withUnsafeMutableBufferPointer { p in
            var lo = 0, hi = p.count - 1
            while lo < hi {
                // median of three: sorted or reversed runs do not degrade it
                let a0 = p[lo], a1 = p[(lo + hi) / 2], a2 = p[hi]
                let pivot = max(min(a0, a1), min(max(a0, a1), a2))
                var a = lo, b = hi
                while a <= b {
                    while p[a] < pivot { a += 1 }
                    while p[b] > pivot { b -= 1 }
                    if a <= b { p.swapAt(a, b); a += 1; b -= 1 }
                }
                if i <= b { hi = b } else if i >= a { lo = a } else { return p[i] }
            }
            return p[i]
        }
    }
}
