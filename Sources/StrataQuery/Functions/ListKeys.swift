import StrataCore
import StrataSQL

// GROUP BY, ORDER BY and DISTINCT over LIST values. A LIST becomes one ASCII key string whose
// byte order is DuckDB's list order (element by element; a NULL element after every value; a
// list before its extensions, `[]` first) and whose equality is list equality: per element
// '1' + the value's order word as 16 hex digits (VARCHAR: its UTF-8 bytes in hex, then '!'),
// or '2' for NULL; then ' '. Grouping hashes the key; the group's LIST is decoded back from it
// once per group. Keys are computed once per list entry of the vector's pool (once per
// dictionary entry for `string_split` over a table column), not per row.

extension Evaluator {
    static func listKeySupported(_ t: DataType) -> Bool {
        guard let e = t.listElement else { return false }
        switch e {
        case .bigint, .double, .varchar, .timestamp, .date, .boolean, .null: return true
        case .interval, .list: return false
        }
    }

    /// `list_key(l)`: the order-preserving key of each list (NULL for a NULL list).
    func listKey(_ v: Vec, _ n: Int) -> Vec {
        let out = Vec(type: .varchar, count: n)
        out.isConst = v.isConst
        let m = v.isConst ? 1 : n
        guard let pool = v.lists else {
            out.strs = [String](repeating: "", count: m)
            out.valid = [UInt8](repeating: 0, count: m)
            return out
        }
        let child = pool.child.flattened()
        let hex = Array("0123456789abcdef".utf8)
        var keys: [String] = []
        keys.reserveCapacity(pool.count)
        var bytes: [UInt8] = []
        for k in 0..<pool.count {
            bytes.removeAll(keepingCapacity: true)
            for j in pool.range(k) {
                if child.isNull(j) { bytes.append(UInt8(ascii: "2")); continue }
                bytes.append(UInt8(ascii: "1"))
                switch child.type {
                case .varchar:
                    for b in child.string(j).utf8 { bytes.append(hex[Int(b >> 4)]); bytes.append(hex[Int(b & 15)]) }
                    bytes.append(UInt8(ascii: "!"))
                default:
                    var w: UInt64
                    if child.type == .double {
                        var d = child.dbls[j]
                        if d == 0 { d = 0 }  // -0.0 = 0.0
                        let bits = d.bitPattern
                        w = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
                    } else {
                        w = UInt64(bitPattern: child.ints[j]) ^ (1 << 63)
                    }
                    for s in stride(from: 60, through: 0, by: -4) { bytes.append(hex[Int((w >> UInt64(s)) & 15)]) }
                }
            }
            bytes.append(UInt8(ascii: " "))
            keys.append(String(decoding: bytes, as: UTF8.self))
        }
        out.strs = (0..<m).map { keys[Int(v.ints[v.idx($0)])] }
        out.valid = v.valid.map { Array($0.prefix(m)) }
        return out
    }

    /// The LISTs back from their keys.
    func listFromKey(_ v: Vec, _ t: DataType, _ n: Int) -> Vec {
        let e = t.listElement ?? .null
        let m = v.isConst ? 1 : n
        func nibble(_ c: UInt8) -> UInt64 { c <= 57 ? UInt64(c - 48) : UInt64(c - 87) }
        var vals: [Value] = []
        vals.reserveCapacity(m)
        for i in 0..<m {
            if v.isNull(i) { vals.append(.null); continue }
            let b = Array(v.string(i).utf8)
            var items: [Value] = []
            var p = 0
            while p < b.count && b[p] != UInt8(ascii: " ") {
                let marker = b[p]; p += 1
                if marker == UInt8(ascii: "2") { items.append(.null); continue }
                if e == .varchar {
                    var s: [UInt8] = []
                    while b[p] != UInt8(ascii: "!") { s.append(UInt8(nibble(b[p]) << 4 | nibble(b[p + 1]))); p += 2 }
                    p += 1
                    items.append(.string(String(decoding: s, as: UTF8.self)))
                    continue
                }
                var w: UInt64 = 0
                for _ in 0..<16 { w = w << 4 | nibble(b[p]); p += 1 }
                switch e {
                case .double: items.append(.double(Double(bitPattern: w & (1 << 63) != 0 ? w & ~(1 << 63) : ~w)))
                default:
                    let x = Int64(bitPattern: w ^ (1 << 63))
                    switch e {
                    case .timestamp: items.append(.timestamp(x))
                    case .date: items.append(.date(x))
                    case .boolean: items.append(.bool(x != 0))
                    default: items.append(.int(x))
                    }
                }
            }
            vals.append(.list(ListValue(items)))
        }
        let out = ListPool.vector(vals[...], element: e)
        if v.isConst { out.isConst = true; out.count = n }
        return out
    }
}

extension Binder {
    static func listKeyCall(_ e: BExpr) -> BExpr {
        .call(.string(StringFn("list_key", .listKey, .varchar)), [e], .varchar)
    }

    /// ORDER BY keys: LISTs of the element types `listKey` supports (sorted by their keys in
    /// `Binder.project`).
    static func listOrderKeys(_ keys: [OrderKey]) throws(QueryError) -> [OrderKey] {
        try rejectListKeys(keys.map(\.expr).filter { $0.type.isList && !Evaluator.listKeySupported($0.type) }, "ORDER BY")
        return keys
    }

    /// An aggregate grouped by LISTs: grouped by their keys, the LISTs decoded above it.
    static func listGroupKeys(_ node: PlanNode) throws(QueryError) -> PlanNode {
        guard case .aggregate(var spec) = node.op, spec.groups.contains(where: { $0.type.isList }) else { return node }
        try rejectListKeys(spec.groups.filter { $0.type.isList && !Evaluator.listKeySupported($0.type) }, "GROUP BY")
        let types = node.types
        var exprs: [BExpr] = types.indices.map { .column($0, types[$0]) }
        for (i, g) in spec.groups.enumerated() where g.type.isList {
            spec.groups[i] = listKeyCall(g)
            exprs[i] = .call(.string(StringFn("list_from_key", .listFromKey, g.type)), [.column(i, .varchar)], g.type)
        }
        let agg = PlanNode(.aggregate(spec), node.inputs, names: node.names, types: types.indices.map { i in types[i].isList && i < spec.groups.count ? .varchar : types[i] })
        return PlanNode(.project(exprs), [agg], names: node.names, types: types)
    }

    /// DISTINCT over LIST columns: the rows made distinct with the LISTs as keys, decoded after.
    static func listDistinct(_ input: PlanNode) -> PlanNode {
        let types = input.types
        guard types.contains(where: { Evaluator.listKeySupported($0) }) else { return PlanNode(.distinct, [input], names: input.names, types: types) }
        let enc: [BExpr] = types.indices.map { Evaluator.listKeySupported(types[$0]) ? listKeyCall(.column($0, types[$0])) : .column($0, types[$0]) }
        let p = PlanNode(.project(enc), [input], names: input.names, types: enc.map(\.type))
        let d = PlanNode(.distinct, [p], names: p.names, types: p.types)
        let dec: [BExpr] = types.indices.map { i in
            Evaluator.listKeySupported(types[i]) ? .call(.string(StringFn("list_from_key", .listFromKey, types[i])), [.column(i, .varchar)], types[i]) : .column(i, types[i])
        }
        return PlanNode(.project(dec), [d], names: input.names, types: types)
    }
}
