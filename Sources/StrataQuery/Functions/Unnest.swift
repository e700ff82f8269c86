import StrataSQL

// `unnest(list)` in a SELECT list (hashtags of a post: `SELECT unnest(string_split(tags, ','))
// AS tag, count(*) FROM posts GROUP BY tag`). The binder puts an Unnest operator between the
// FROM/WHERE rows and the projection or aggregate: each row repeats once per element of its
// list(s) (several lists: as many rows as the longest, the shorter padded with NULL; an empty
// or NULL list: no row, as DuckDB), with the elements as extra columns that the `unnest(...)`
// calls then refer to.
extension Binder {
    /// The Unnest operator over `node` for the `unnest(...)` calls in `items`, or `node`.
    func planUnnest(_ items: [Expr], groupExprs: [Expr], aggregated: Bool, _ node: PlanNode, _ scope: Scope) throws(QueryError) -> PlanNode {
        var calls: [FunctionCall] = []
        var firstAt: [Int] = []
        func isUnnest(_ e: Expr) -> FunctionCall? {
            if case .function(let f) = e.kind, f.name.lowercased() == "unnest", f.over == nil { return f }
            return nil
        }
        for e in items {
            e.visit { (x: Expr) -> Bool in
                if let f = isUnnest(x), !calls.contains(f) { calls.append(f); firstAt.append(x.range.start) }
                return true
            }
        }
        if calls.isEmpty { return node }
        if aggregated {
            // with aggregates, unnest(...) must be a group key or inside an aggregate's argument
            func ok(_ e: Expr) -> Expr? {
                if groupExprs.contains(e) || isAggregateCall(e) { return nil }
                if isUnnest(e) != nil { return e }
                for c in e.children { if let bad = ok(c) { return bad } }
                return nil
            }
            for e in items {
                if let bad = ok(e) {
                    throw QueryError("unnest() with GROUP BY or aggregates must be a group key (\(bad.sqlText))", offset: bad.range.start)
                }
            }
        }
        var exprs: [BExpr] = []
        var types: [DataType] = []
        for (k, f) in calls.enumerated() {
            guard f.args.count == 1, !f.distinct, f.filter == nil else {
                throw QueryError("unnest() takes 1 argument, got \(f.args.count)", offset: firstAt[k])
            }
            if f.args[0].contains(where: { isUnnest($0) != nil }) {
                throw QueryError("unnest() calls cannot be nested", offset: firstAt[k])
            }
            let b = try bindScalar(f.args[0], scope)
            guard let e = b.type.listElement else {
                if b.type == .null { exprs.append(b); types.append(.null); continue }
                throw QueryError("unnest() needs a LIST, not \(b.type) (\(f.args[0].sqlText))", offset: f.args[0].range.start)
            }
            exprs.append(b)
            types.append(e)
        }
        let w = node.types.count
        for (k, f) in calls.enumerated() { unnestSlots[f] = (w + k, types[k]) }
        let out = PlanNode(.unnest(exprs), [node], names: node.names + calls.map { Expr(.function($0)).sqlText },
                           types: node.types + types)
        out.qualifiers = node.qualifiers.map { $0 + Array(repeating: nil, count: calls.count) }
        return out
    }
}

extension Binder {
    /// Sorting and grouping by a whole LIST is not supported (yet): a clear error, not a wrong order.
    static func rejectListKeys(_ keys: [BExpr], _ clause: String) throws(QueryError) {
        if let k = keys.first(where: { $0.type.isList }) {
            throw QueryError("\(clause) a LIST (\(k.type)) is not supported")
        }
    }
}

extension PlanExecutor {
    /// Runs an Unnest operator over its input relation.
    func unnest(_ n: PlanNode, _ es: [BExpr], _ input: Relation) throws(QueryError) -> Relation {
        let b = Batch(columns: input.columns.map { $0 as Vec? }, count: input.count)
        let lists = try es.map { (e) throws(QueryError) -> Vec in try executor.eval.eval(e, b) }
        let rows = input.count
        // per output row: the input row, and each list's element row in its pool (-1: NULL)
        var src: [Int32] = []
        var elems = [[Int32]](repeating: [], count: lists.count)
        for i in 0..<rows {
            var ranges: [Range<Int>] = []
            var longest = 0
            for l in lists {
                guard !l.isNull(i), let pool = l.lists else { ranges.append(0..<0); continue }
                let r = pool.range(Int(l.ints[l.idx(i)]))
                ranges.append(r)
                longest = max(longest, r.count)
            }
            if longest == 0 { continue }
            for j in 0..<longest {
                src.append(Int32(i))
                for (k, r) in ranges.enumerated() { elems[k].append(j < r.count ? Int32(r.lowerBound + j) : -1) }
            }
        }
        var columns = executor.gatherColumns(input.columns, src)
        for (k, l) in lists.enumerated() {
            let t = n.types[input.columns.count + k]
            if let pool = l.lists { columns.append(pool.child.gatherOrNull(elems[k])) } else { columns.append(Vec.nulls(t, count: src.count)) }
        }
        return Relation(names: n.names, types: n.types, columns: columns, count: src.count)
    }
}
