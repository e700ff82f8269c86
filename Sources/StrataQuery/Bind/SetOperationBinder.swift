import StrataCore
import StrataSQL

// Set operations: UNION [ALL] [BY NAME], INTERSECT [ALL], EXCEPT [ALL] between query terms.
// Operands have the same number of columns (BY NAME: matched by name, missing ones NULL); the
// column types are unified (BIGINT with DOUBLE is DOUBLE, NULL takes the other side's type);
// the output names are the left operand's. UNION ALL is the concatenating `unionAll` node; the
// others a `setOperation` node hashing whole rows (Execute/SubqueryJoinExec.swift).

extension Binder {
    /// The plan of one term of a query body.
    func planTerm(_ t: QueryTerm) throws(QueryError) -> PlanNode {
        switch t {
        case .select(let s): return try planSelect(s, orderBy: [], limit: nil, offset: nil)
        case .query(let q): return try plan(q)
        case .setOperation(let op): return try planSetOperation(op)
        case .values(let rows): return try planValues(rows)
        }
    }

    func planSetOperation(_ op: SetOperation) throws(QueryError) -> PlanNode {
        var l = try planTerm(op.left), r = try planTerm(op.right)
        if op.byName { (l, r) = Binder.alignByName(l, r) }
        guard l.types.count == r.types.count else {
            throw QueryError("\(op.keywords) operands have \(l.types.count) and \(r.types.count) columns")
        }
        var types = l.types
        for c in types.indices { types[c] = try unify(types[c], r.types[c], "\(op.keywords) column \(c + 1)") }
        if op.kind == .union && op.all { return PlanNode(.unionAll, [l, r], names: l.names, types: types) }
        return PlanNode(.setOperation(op.kind, all: op.all), [l, r], names: l.names, types: types)
    }

    /// BY NAME: both sides projected onto the left's column names followed by the names only
    /// the right has (case-insensitive), NULL where a side lacks a name.
    static func alignByName(_ l: PlanNode, _ r: PlanNode) -> (PlanNode, PlanNode) {
        var names = l.names
        for n in r.names where !names.contains(where: { $0.lowercased() == n.lowercased() }) { names.append(n) }
        func onto(_ p: PlanNode) -> PlanNode {
            let es: [BExpr] = names.map { n in
                if let i = p.names.firstIndex(where: { $0.lowercased() == n.lowercased() }) { return .column(i, p.types[i]) }
                return .literal(.null, .null)
            }
            return PlanNode(.project(es), [p], names: names, types: es.map(\.type))
        }
        return (onto(l), onto(r))
    }
}
