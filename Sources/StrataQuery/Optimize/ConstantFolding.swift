/// Evaluates constant sub-expressions once, at plan time: `1 + 2` becomes `3`, `'a' || 'b'`
/// becomes `'ab'`. A constant whose evaluation fails (an overflow, a bad cast) is left as it
/// is, so the statement fails where it would have. `x AND TRUE` is `x`; a filter that is
/// always TRUE is dropped.
enum ConstantFolding {
    static func apply(_ root: PlanNode, _ eval: Evaluator) -> PlanNode {
        Optimizer.rewrite(root) { n in
            func f(_ e: BExpr) -> BExpr { fold(e, eval) }
            switch n.op {
            case .filter(let e):
                let x = f(e)
                if case .literal(.bool(true), _) = x { return n.input }
                n.op = .filter(x)
            case .project(let es): n.op = .project(es.map(f))
            case .aggregate(var a):
                a.groups = a.groups.map(f)
                for i in a.aggs.indices {
                    a.aggs[i].args = a.aggs[i].args.map(f)
                    a.aggs[i].filter = a.aggs[i].filter.map(f)
                }
                n.op = .aggregate(a)
            case .sort(let keys): n.op = .sort(keys.map { OrderKey(expr: f($0.expr), descending: $0.descending, nullsFirst: $0.nullsFirst) })
            case .join(var j):
                j.residual = j.residual.map(f)
                if case .literal(.bool(true), _)? = j.residual { j.residual = nil }
                n.op = .join(j)
            default: break
            }
            return n
        }
    }

    /// `e` with its constant sub-expressions evaluated (with the statement's evaluator: its
    /// time zone and its `now`).
    static func fold(_ e: BExpr, _ eval: Evaluator) -> BExpr {
        switch e {
        case .column, .literal: return e
        default: break
        }
        if e.isConstant {
            if let v = try? eval.eval(e, Batch(columns: [], count: 1)).value(0) {
                return .literal(v, e.type)
            }
            return e
        }
        func f(_ x: BExpr) -> BExpr { fold(x, eval) }
        switch e {
        case .negate(let x): return .negate(f(x))
        case .binary(let op, let a, let b, let t): return .binary(op, f(a), f(b), t)
        case .and(let es): return junction(es.map(f), unit: true, make: BExpr.and)
        case .or(let es): return junction(es.map(f), unit: false, make: BExpr.or)
        case .not(let x): return .not(f(x))
        case .isNull(let x, let n): return .isNull(f(x), negated: n)
        case .inList(let x, let v, let n): return .inList(f(x), v, negated: n)
        case .stringPredicate(let x, let p): return .stringPredicate(f(x), p)
        case .caseWhen(let ws, let els, let t): return .caseWhen(ws.map { (f($0.0), f($0.1)) }, els.map(f), t)
        case .cast(let x, let t): return .cast(f(x), t)
        case .call(let fn, let args, let t): return .call(fn, args.map(f), t)
        case .timeAddInterval(let x, let m, let us, let t): return .timeAddInterval(f(x), months: m, micros: us, t)
        case .column, .literal: return e
        }
    }

    /// AND (`unit` true) or OR (`unit` false) of folded terms: the unit constant drops out,
    /// the other constant decides the whole.
    private static func junction(_ terms: [BExpr], unit: Bool, make: ([BExpr]) -> BExpr) -> BExpr {
        var kept: [BExpr] = []
        for x in terms {
            if case .literal(.bool(let b), _) = x {
                if b == unit { continue }
                return x
            }
            kept.append(x)
        }
        return kept.isEmpty ? .literal(.bool(unit), .boolean) : kept.count == 1 ? kept[0] : make(kept)
    }
}
