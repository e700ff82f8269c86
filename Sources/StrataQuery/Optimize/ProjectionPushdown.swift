/// Each operator asks its inputs only for the columns it uses: a table Scan then decodes
/// just the columns of the statement (the others stay NULL placeholders), and a Join gathers
/// just the columns used above it.
enum ProjectionPushdown {
    static func apply(_ root: PlanNode) -> PlanNode {
        var seen = Set<ObjectIdentifier>()
        need(root, Set(root.types.indices), &seen, root: true)
        return root
    }

    private static func cols(_ es: [BExpr]) -> Set<Int> {
        var s = Set<Int>()
        for e in es { e.collectColumns(into: &s) }
        return s
    }

    static func need(_ n: PlanNode, _ needed: Set<Int>, _ seen: inout Set<ObjectIdentifier>, root: Bool = false) {
        switch n.op {
        case .scan(let s):
            var c = needed
            s.filter?.collectColumns(into: &c)
            s.columns = c.sorted()
        case .values, .series:
            break
        case .files(let f):
            var c = needed
            f.fileFilter?.collectColumns(into: &c)
            f.columns = c.sorted()
        case .cte(let def):
            if seen.insert(ObjectIdentifier(def)).inserted { need(def.plan, Set(def.plan.types.indices), &seen) }
        case .filter(let f):
            need(n.input, needed.union(f.columns), &seen)
        case .project(var es):
            // outputs nobody reads become NULL constants: their inputs need not be read
            if !root {
                for i in es.indices where !needed.contains(i) {
                    if case .literal = es[i] { continue }
                    es[i] = .literal(.null, es[i].type)
                    n.unused.insert(i)
                }
                n.op = .project(es)
            }
            need(n.input, cols(es), &seen)
        case .aggregate(let a):
            var c = cols(a.groups)
            for x in a.aggs {
                for e in x.args { e.collectColumns(into: &c) }
                x.filter?.collectColumns(into: &c)
            }
            need(n.input, c, &seen)
        case .window(let specs):
            let w = n.input.types.count
            var c = needed.filter { $0 < w }
            for s in specs {
                for e in s.exprs { e.collectColumns(into: &c) }
            }
            need(n.input, c, &seen)
        case .sort(let keys), .topN(let keys, _, _):
            need(n.input, needed.union(cols(keys.map(\.expr))), &seen)
        case .limit:
            need(n.input, needed, &seen)
        case .distinct:
            need(n.input, Set(n.input.types.indices), &seen)
        case .join(var j):
            let lw = n.inputs[0].types.count
            var c = needed
            j.residual?.collectColumns(into: &c)
            j.needed = needed
            n.op = .join(j)
            var l = Set(c.filter { $0 < lw }), r = Set(c.filter { $0 >= lw }.map { $0 - lw })
            l.formUnion(cols(j.leftKeys))
            r.formUnion(cols(j.rightKeys))
            need(n.inputs[0], l, &seen)
            need(n.inputs[1], r, &seen)
        case .unionAll, .setOperation:
            for i in n.inputs { need(i, Set(i.types.indices), &seen) }
        case .unnest(let es):
            let w = n.input.types.count
            need(n.input, needed.filter { $0 < w }.union(cols(es)), &seen)
        }
    }
}
