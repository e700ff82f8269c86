/// How each join runs: integer keys (BIGINT, DATE, TIMESTAMP, BOOLEAN) are packed into one
/// word per row (a direct array when their ranges are small), other keys are hashed, and a
/// join without keys pairs every row (nested loop). The hash table is built on the right
/// side, or for an inner join on the left when the left is estimated at under a quarter of
/// the right's rows (estimates: table row counts from the manifest, a fifth of them under a
/// filter). When the right side's keys are the group keys of an aggregate they are unique,
/// and each left row has at most one partner.
enum JoinChoice {
    static func apply(_ root: PlanNode) -> PlanNode {
        Optimizer.forEachNode(root) { n in
            guard case .join(var j) = n.op else { return }
            if j.leftKeys.isEmpty {
                j.algorithm = .nestedLoop
            } else if zip(j.leftKeys, j.rightKeys).allSatisfy({ $0.type.isIntLane && $1.type.isIntLane }) {
                j.algorithm = .packedKeys
            } else {
                j.algorithm = .hashedKeys
            }
            j.uniqueRight = uniqueKeys(n.inputs[1], j.rightKeys)
            j.buildLeft = j.kind == .inner && !j.leftKeys.isEmpty && !j.uniqueRight
                && estimatedRows(n.inputs[0]) * 4 < estimatedRows(n.inputs[1])
            n.op = .join(j)
        }
        return root
    }

    /// A rough row count of `n`'s output.
    static func estimatedRows(_ n: PlanNode) -> Double {
        switch n.op {
        case .scan(let s): return Double(s.snapshot.manifest.rowCount) * (s.filter == nil ? 1 : 0.2)
        case .values(let r): return Double(r.count)
        case .series(let s): return Double(s.estimatedRows)
        case .files(let f): return f.estimatedRows
        case .cte(let def): return estimatedRows(def.plan)
        case .filter: return estimatedRows(n.input) * 0.2
        case .aggregate(let a): return a.groups.isEmpty ? 1 : max(1, estimatedRows(n.input) / 10)
        case .limit(let l, _): return min(Double(l ?? Int.max), estimatedRows(n.input))
        case .topN(_, let l, _): return min(Double(l), estimatedRows(n.input))
        case .project, .window, .sort, .distinct: return estimatedRows(n.input)
        case .join: return max(estimatedRows(n.inputs[0]), estimatedRows(n.inputs[1]))
        case .unionAll: return n.inputs.reduce(0) { $0 + estimatedRows($1) }
        case .setOperation: return n.inputs.reduce(0) { $0 + estimatedRows($1) }
        case .unnest: return estimatedRows(n.input) * 4
        }
    }

    /// Whether `keys` (over `n`'s columns) are unique in `n`'s rows: they cover the group keys
    /// of an aggregate, seen through projections and filters.
    static func uniqueKeys(_ n: PlanNode, _ keys: [BExpr]) -> Bool {
        var cols = Set<Int>()
        for k in keys {
            guard case .column(let c, _) = k else { return false }
            cols.insert(c)
        }
        switch n.op {
        case .aggregate(let a):
            return !a.groups.isEmpty && a.groupingSets == nil && a.groups.indices.allSatisfy { cols.contains($0) }
        case .filter, .sort, .limit, .topN:
            return uniqueKeys(n.input, keys)
        case .distinct:
            return cols == Set(n.types.indices)
        case .project(let es):
            var inner: [BExpr] = []
            for c in cols {
                guard case .column = es[c] else { return false }
                inner.append(es[c])
            }
            return uniqueKeys(n.input, inner)
        default:
            return false
        }
    }
}
