/// Moves filters down to where rows are produced:
///
/// - a Filter over a table Scan becomes the scan's filter (its pruning ranges computed, see
///   `PruningRanges`), so rows that fail it are never decoded past the filter's columns;
/// - a Filter over a Join sends each conjunct about one side alone to that side, unless the
///   side is the NULL-supplying one of a LEFT JOIN; the rest stays above the join;
/// - a Join's residual ON conjuncts about the right side alone filter the right input (any
///   join kind); about the left side alone, the left input (inner joins only);
/// - a Filter over a Project moves below it, its columns replaced by the projected
///   expressions (so a WHERE over a subquery reaches the subquery's scan);
/// - adjacent Filters merge.
enum PredicatePushdown {
    static func apply(_ root: PlanNode) -> PlanNode {
        var seen = Set<ObjectIdentifier>()
        return push(root, &seen)
    }

    static func push(_ n: PlanNode, _ seen: inout Set<ObjectIdentifier>) -> PlanNode {
        switch n.op {
        case .filter(let f):
            let child = n.input
            switch child.op {
            case .scan(let s):
                s.filter = BExpr.all((s.filter?.conjuncts ?? []) + f.conjuncts)
                s.prune = s.dedup ? [:] : PruningRanges.ranges(s.filter)
                return child
            case .filter(let g):
                child.op = .filter(BExpr.all(g.conjuncts + f.conjuncts)!)
                return push(child, &seen)
            case .project(let es):
                // a projection computes row by row: filter its input instead, on the same
                // expressions (over an aggregate this becomes a HAVING, over a window a QUALIFY)
                let inner = child.input
                let below = PlanNode(.filter(f.substitute(es)), [inner], names: inner.names, types: inner.types)
                child.inputs = [push(below, &seen)]
                return child
            case .join(let j):
                let lw = child.inputs[0].types.count
                var left: [BExpr] = [], right: [BExpr] = [], kept: [BExpr] = []
                for c in f.conjuncts {
                    let cols = c.columns
                    if cols.allSatisfy({ $0 < lw }) && !cols.isEmpty {
                        left.append(c)
                    } else if cols.allSatisfy({ $0 >= lw }) && !cols.isEmpty && j.kind != .left {
                        right.append(c.remapColumns { $0 - lw })
                    } else {
                        kept.append(c)
                    }
                }
                // conjuncts over both sides of an inner or cross join: its keys and residual
                if case .join(let spec) = child.op, !kept.isEmpty {
                    let (absorbed, rest) = JoinConditions.absorb(spec, kept, leftWidth: lw)
                    child.op = .join(absorbed)
                    kept = rest
                }
                wrap(child, 0, left)
                wrap(child, 1, right)
                let pushed = push(child, &seen)
                guard let rest = BExpr.all(kept) else { return pushed }
                n.op = .filter(rest)
                n.inputs = [pushed]
                return n
            default:
                n.inputs = [push(child, &seen)]
                return n
            }
        case .join(var j):
            let lw = n.inputs[0].types.count
            if let residual = j.residual {
                var left: [BExpr] = [], right: [BExpr] = [], kept: [BExpr] = []
                for c in residual.conjuncts {
                    let cols = c.columns
                    if !cols.isEmpty && cols.allSatisfy({ $0 >= lw }) && j.kind != .cross {
                        right.append(c.remapColumns { $0 - lw })
                    } else if !cols.isEmpty && cols.allSatisfy({ $0 < lw }) && j.kind == .inner {
                        left.append(c)
                    } else {
                        kept.append(c)
                    }
                }
                j.residual = BExpr.all(kept)
                n.op = .join(j)
                wrap(n, 0, left)
                wrap(n, 1, right)
            }
            n.inputs = n.inputs.map { push($0, &seen) }
            return n
        case .cte(let def):
            if seen.insert(ObjectIdentifier(def)).inserted { def.plan = push(def.plan, &seen) }
            return n
        default:
            n.inputs = n.inputs.map { push($0, &seen) }
            return n
        }
    }

    /// Puts a Filter of `conjuncts` over input `i` of `n`.
    private static func wrap(_ n: PlanNode, _ i: Int, _ conjuncts: [BExpr]) {
        guard let f = BExpr.all(conjuncts) else { return }
        let input = n.inputs[i]
        n.inputs[i] = PlanNode(.filter(f), [input], names: input.names, types: input.types)
    }
}
