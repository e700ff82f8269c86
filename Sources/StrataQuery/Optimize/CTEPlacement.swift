/// WITH queries: one referenced once is inlined (its plan takes the reference's place, so the
/// rules that follow see through it); one referenced more often runs once, and every
/// reference reads its rows.
enum CTEPlacement {
    static func apply(_ root: PlanNode) -> PlanNode {
        var references: [ObjectIdentifier: Int] = [:]
        Optimizer.forEachNode(root) { n in
            if case .cte(let def) = n.op { references[ObjectIdentifier(def), default: 0] += 1 }
        }
        return Optimizer.rewrite(root) { n in
            guard case .cte(let def) = n.op else { return n }
            if references[ObjectIdentifier(def)] == 1 { return def.plan }
            def.materialize = true
            return n
        }
    }
}
