/// Rewrites a bound plan into the one that runs. Each rule is a small pass in its own file,
/// applied in this order:
///
/// 1. `ConstantFolding`: constant sub-expressions evaluated once; `AND TRUE` and filters that
///    are always true dropped.
/// 2. `CTEPlacement`: a WITH query referenced once is inlined; one referenced more often is
///    marked to run once and share its rows.
/// 3. `PredicatePushdown`: filters move into table scans (where they drive partition,
///    segment and block pruning, see `PruningRanges`) and through joins to the side they
///    are about.
/// 4. `ProjectionPushdown`: each scan reads only the columns used above it; joins gather only
///    the columns used above them.
/// 5. `TopNRule`: Sort + Limit become TopN; an aggregate under a top-N by cheap aggregates
///    with costly ones beside runs in two phases.
/// 6. `JoinChoice`: the join algorithm (packed integer keys, hashed keys, nested loop), the
///    build side, and whether the build side's keys are unique.
enum Optimizer {
    static func optimize(_ root: PlanNode, _ eval: Evaluator) -> PlanNode {
        var plan = ConstantFolding.apply(root, eval)
        plan = CTEPlacement.apply(plan)
        plan = PredicatePushdown.apply(plan, utc: eval.isUTC)
        plan = FilePruning.apply(plan, eval)
        plan = ProjectionPushdown.apply(plan)
        plan = TopNRule.apply(plan)
        plan = JoinChoice.apply(plan)
        return plan
    }

    /// `body` on every node of the plan and of the WITH queries it references (each once).
    static func forEachNode(_ root: PlanNode, _ body: (PlanNode) -> Void) {
        var seen = Set<ObjectIdentifier>()
        func visit(_ n: PlanNode) {
            body(n)
            if case .cte(let def) = n.op, seen.insert(ObjectIdentifier(def)).inserted { visit(def.plan) }
            for i in n.inputs { visit(i) }
        }
        visit(root)
    }

    /// Rewrites every node bottom-up with `f` (inputs first), including the WITH queries the
    /// plan references (each once).
    static func rewrite(_ root: PlanNode, _ f: (PlanNode) -> PlanNode) -> PlanNode {
        var seen = Set<ObjectIdentifier>()
        func visit(_ n: PlanNode) -> PlanNode {
            if case .cte(let def) = n.op, seen.insert(ObjectIdentifier(def)).inserted { def.plan = visit(def.plan) }
            n.inputs = n.inputs.map(visit)
            return f(n)
        }
        return visit(root)
    }
}

extension BExpr {
    /// The conjuncts of an AND tree.
    var conjuncts: [BExpr] {
        if case .and(let es) = self { return es.flatMap(\.conjuncts) }
        return [self]
    }

    /// The AND of `es` (nil when empty).
    static func all(_ es: [BExpr]) -> BExpr? {
        es.isEmpty ? nil : es.count == 1 ? es[0] : .and(es)
    }

    /// `self` with each column reference replaced by `f(slot, type)`.
    func mapColumns(_ f: (Int, DataType) -> BExpr) -> BExpr {
        switch self {
        case .column(let i, let t): return f(i, t)
        case .literal: return self
        case .negate(let e): return .negate(e.mapColumns(f))
        case .binary(let op, let a, let b, let t): return .binary(op, a.mapColumns(f), b.mapColumns(f), t)
        case .and(let es): return .and(es.map { $0.mapColumns(f) })
        case .or(let es): return .or(es.map { $0.mapColumns(f) })
        case .not(let e): return .not(e.mapColumns(f))
        case .isNull(let e, let n): return .isNull(e.mapColumns(f), negated: n)
        case .inList(let e, let v, let n): return .inList(e.mapColumns(f), v, negated: n)
        case .stringPredicate(let e, let p): return .stringPredicate(e.mapColumns(f), p)
        case .caseWhen(let ws, let e, let t): return .caseWhen(ws.map { ($0.0.mapColumns(f), $0.1.mapColumns(f)) }, e?.mapColumns(f), t)
        case .cast(let e, let t): return .cast(e.mapColumns(f), t)
        case .call(let fn, let es, let t): return .call(fn, es.map { $0.mapColumns(f) }, t)
        case .timeAddInterval(let e, let m, let us, let t): return .timeAddInterval(e.mapColumns(f), months: m, micros: us, t)
        }
    }

    /// Rewrites column slots (join sides, window results placed after their input).
    func remapColumns(_ f: (Int) -> Int) -> BExpr { mapColumns { .column(f($0), $1) } }

    /// `self` with each column reference `i` replaced by `exprs[i]` (an expression over a
    /// projection's output, re-expressed over the projection's input).
    func substitute(_ exprs: [BExpr]) -> BExpr { mapColumns { i, _ in exprs[i] } }

    var columns: Set<Int> {
        var s = Set<Int>()
        collectColumns(into: &s)
        return s
    }
}
