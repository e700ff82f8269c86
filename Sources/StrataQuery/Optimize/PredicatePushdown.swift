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
/// - a Filter over a plain GROUP BY sends each conjunct about the group keys alone below the
///   aggregate, on the key expressions (a filter on a key keeps or drops whole groups);
/// - an equi-join whose one side is a constant series (`generate_series(...) AS d(day)`)
///   filters the other side's key to the series' range when that side's unmatched rows are
///   not output (the zero-filled daily series over a long history reads only its days);
/// - adjacent Filters merge.
///
/// `utc`: the session's zone is UTC, so `date_trunc` over a timestamp bounds it exactly
/// (`PruningRanges`).
enum PredicatePushdown {
    static func apply(_ root: PlanNode, utc: Bool = false) -> PlanNode {
        var seen = Set<ObjectIdentifier>()
        return push(root, &seen, utc)
    }

    static func push(_ n: PlanNode, _ seen: inout Set<ObjectIdentifier>, _ utc: Bool) -> PlanNode {
        switch n.op {
        case .filter(let f):
            let child = n.input
            switch child.op {
            case .scan(let s):
                s.filter = BExpr.all((s.filter?.conjuncts ?? []) + f.conjuncts)
                s.prune = s.dedup ? [:] : PruningRanges.ranges(s.filter, utc: utc)
                return child
            case .filter(let g):
                child.op = .filter(BExpr.all(g.conjuncts + f.conjuncts)!)
                return push(child, &seen, utc)
            case .project(let es):
                // a projection computes row by row: filter its input instead, on the same
                // expressions (over an aggregate this becomes a HAVING, over a window a QUALIFY)
                let inner = child.input
                let below = PlanNode(.filter(f.substitute(es)), [inner], names: inner.names, types: inner.types)
                child.inputs = [push(below, &seen, utc)]
                return child
            case .aggregate(let spec) where spec.groupingSets == nil && !spec.groups.isEmpty:
                // a conjunct about the group keys alone keeps or drops whole groups: apply it
                // to the rows instead (with grouping sets a key can be a rolled-up NULL)
                let width = spec.groups.count
                var below: [BExpr] = [], kept: [BExpr] = []
                for c in f.conjuncts {
                    let cols = c.columns
                    if !cols.isEmpty && cols.allSatisfy({ $0 < width }) {
                        below.append(c.substitute(spec.groups))
                    } else {
                        kept.append(c)
                    }
                }
                guard !below.isEmpty else {
                    n.inputs = [push(child, &seen, utc)]
                    return n
                }
                wrap(child, 0, below)
                return pushKeeping(kept, n, child, &seen, utc)
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
                return pushKeeping(kept, n, child, &seen, utc)
            default:
                n.inputs = [push(child, &seen, utc)]
                return n
            }
        case .join(var j):
            let lw = n.inputs[0].types.count
            if !j.seriesRangeApplied, j.subquery == nil {
                j.seriesRangeApplied = true
                n.op = .join(j)
                // the left side's unmatched rows are output by a LEFT JOIN: only its right
                // side can be narrowed; an inner join narrows either
                // (only where the narrowing can reach a scan and prune it)
                if readsStorage(n.inputs[1]) { wrap(n, 1, seriesRange(j.leftKeys, j.rightKeys, n.inputs[0])) }
                if j.kind == .inner && readsStorage(n.inputs[0]) { wrap(n, 0, seriesRange(j.rightKeys, j.leftKeys, n.inputs[1])) }
            }
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
            n.inputs = n.inputs.map { push($0, &seen, utc) }
            return n
        case .cte(let def):
            if seen.insert(ObjectIdentifier(def)).inserted { def.plan = push(def.plan, &seen, utc) }
            return n
        default:
            n.inputs = n.inputs.map { push($0, &seen, utc) }
            return n
        }
    }

    /// Pushes into `child` (the input of Filter `n`), then keeps `kept` in `n` above it (or
    /// drops `n` when nothing is kept).
    private static func pushKeeping(_ kept: [BExpr], _ n: PlanNode, _ child: PlanNode, _ seen: inout Set<ObjectIdentifier>,
                                    _ utc: Bool) -> PlanNode {
        let pushed = push(child, &seen, utc)
        guard let rest = BExpr.all(kept) else { return pushed }
        n.op = .filter(rest)
        n.inputs = [pushed]
        return n
    }

    /// Puts a Filter of `conjuncts` over input `i` of `n`.
    private static func wrap(_ n: PlanNode, _ i: Int, _ conjuncts: [BExpr]) {
        guard let f = BExpr.all(conjuncts) else { return }
        let input = n.inputs[i]
        n.inputs[i] = PlanNode(.filter(f), [input], names: input.names, types: input.types)
    }

    /// For each key of `keys` that is a column of `side` holding a constant series, the
    /// conjuncts `other >= first AND other <= last` over the other side's matching key: rows
    /// outside the series' range have no partner.
    static func seriesRange(_ keys: [BExpr], _ others: [BExpr], _ side: PlanNode) -> [BExpr] {
        var out: [BExpr] = []
        for (k, o) in zip(keys, others) {
            guard case .column(let c, let t) = k, t == o.type, t == .bigint || t == .timestamp,
                  let (lo, hi) = seriesBounds(side, c) else { continue }
            func lit(_ x: Int64) -> BExpr { .literal(t == .timestamp ? .timestamp(x) : .int(x), t) }
            out.append(.binary(.ge, o, lit(lo), .boolean))
            out.append(.binary(.le, o, lit(hi), .boolean))
        }
        return out
    }

    /// The least and greatest value column `c` of `n` can hold when it comes straight from a
    /// series with constant bounds (through projections, filters, sorts and limits).
    static func seriesBounds(_ n: PlanNode, _ c: Int) -> (Int64, Int64)? {
        switch n.op {
        case .series(let s):
            guard c == 0, let a = s.start, let b = s.stop else { return nil }
            return (min(a, b), max(a, b))
        case .project(let es):
            guard c < es.count, case .column(let i, _) = es[c] else { return nil }
            return seriesBounds(n.input, i)
        case .filter, .sort, .limit, .topN, .distinct:
            return seriesBounds(n.input, c)
        default:
            return nil
        }
    }

    /// Whether the plan reads a stored table or files.
    static func readsStorage(_ n: PlanNode) -> Bool {
        switch n.op {
        case .scan, .files: return true
        case .cte(let def): return readsStorage(def.plan)
        default: return n.inputs.contains(where: readsStorage)
        }
    }
}
