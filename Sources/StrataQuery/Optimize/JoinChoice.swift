/// How each join runs: integer keys (BIGINT, DATE, TIMESTAMP, BOOLEAN) are packed into one
/// word per row (a direct array when their ranges are small), other keys are hashed, and a
/// join without keys pairs every row (nested loop). The right side is the build side; when
/// its keys are the group keys of an aggregate they are unique, and each left row has at
/// most one partner.
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
            n.op = .join(j)
        }
        return root
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
            return !a.groups.isEmpty && a.groups.indices.allSatisfy { cols.contains($0) }
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
