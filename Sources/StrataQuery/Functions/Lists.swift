import StrataCore

// LIST values, as far as strings need them (string_split, regexp_split_to_array, unnest, len,
// indexing). A LIST vector (`DataType.list(element)`) keeps its lists in a `ListPool`: one flat
// child vector of elements plus offsets, one entry per list; the vector's `ints` say which entry
// each row holds (NULL rows: `valid`). Lists computed from a dictionary-coded VARCHAR have one
// entry per dictionary entry, so the row codes index them directly (no per-row work), and their
// elements are dictionary-coded too.

extension DataType {
    /// The element type of a LIST, nil for other types.
    public var listElement: DataType? { if case .list(let e) = self { return e } else { return nil } }
    public var isList: Bool { listElement != nil }
}

/// The elements of one LIST value (boxed: `Value` stays a non-recursive enum of the same size).
public final class ListValue: @unchecked Sendable, Hashable, CustomStringConvertible {
    public let items: [Value]
    public init(_ items: [Value]) { self.items = items }
    public static func == (a: ListValue, b: ListValue) -> Bool { a.items == b.items }
    public func hash(into h: inout Hasher) { h.combine(items) }
    public var description: String { ListPool.text(items) }
}

/// The lists a LIST vector refers to: entry `k` is `child[offsets[k]..<offsets[k+1]]`.
public final class ListPool: @unchecked Sendable {
    public let offsets: [Int32]
    public let child: Vec

    public init(offsets: [Int32], child: Vec) {
        self.offsets = offsets
        self.child = child
    }

    /// A pool of boxed lists.
    convenience init(lists: [ArraySlice<Value>], element: DataType) {
        var offsets: [Int32] = [0]
        var flat: [Value] = []
        for l in lists { flat.append(contentsOf: l); offsets.append(Int32(flat.count)) }
        self.init(offsets: offsets, child: Vec.from(flat[...], type: element))
    }

    public var count: Int { offsets.count - 1 }

    @inline(__always) func range(_ k: Int) -> Range<Int> { Int(offsets[k])..<Int(offsets[k + 1]) }

    func values(_ k: Int) -> [Value] { range(k).map { child.value($0) } }

    /// A LIST vector of boxed values (lists or NULL).
    static func vector(_ values: ArraySlice<Value>, element: DataType) -> Vec {
        let n = values.count
        var lists: [ArraySlice<Value>] = []
        var valid = [UInt8](repeating: 1, count: n)
        var anyNull = false
        for (k, v) in values.enumerated() {
            if case .list(let xs) = v { lists.append(xs.items[...]) } else { lists.append([]); valid[k] = 0; anyNull = true }
        }
        let out = Vec(type: .list(element), count: n)
        out.ints = (0..<n).map { Int64($0) }
        out.lists = ListPool(lists: lists, element: element)
        if anyNull { out.valid = valid }
        return out
    }

    /// LIST vectors end to end (pools merged when they differ).
    static func concat(_ parts: [Vec], type t: DataType, interner: StringInterner) -> Vec {
        let ps = parts.map { $0.flattened() }
        let n = ps.reduce(0) { $0 + $1.count }
        let out = Vec(type: t, count: n)
        out.valid = Vec.concatenatedValidity(ps, count: n)
        out.ints.reserveCapacity(n)
        let pools = ps.compactMap(\.lists)
        if let first = pools.first, pools.allSatisfy({ $0 === first }) {
            out.lists = first
            for p in ps { if p.lists == nil { out.ints.append(contentsOf: repeatElement(0, count: p.count)) } else { out.ints.append(contentsOf: p.ints) } }
            if first.count == 0 { out.lists = nil }
            return out
        }
        // one merged pool: each distinct pool's entries once, rows re-pointed
        var base: [ObjectIdentifier: Int64] = [:]
        var children: [Vec] = []
        var offsets: [Int32] = [0]
        for pool in pools where base[ObjectIdentifier(pool)] == nil {
            base[ObjectIdentifier(pool)] = Int64(offsets.count - 1)
            let shift = offsets.last!
            for k in 1..<pool.offsets.count { offsets.append(shift + pool.offsets[k]) }
            children.append(pool.child)
        }
        for p in ps {
            if let pool = p.lists, let b = base[ObjectIdentifier(pool)] {
                for c in p.ints { out.ints.append(c + b) }
            } else {
                out.ints.append(contentsOf: repeatElement(0, count: p.count))
            }
        }
        let e = t.listElement ?? .null
        let child = children.count == 1 ? children[0] : Vec.concat(children, type: e, interner: interner)
        out.lists = ListPool(offsets: offsets, child: child)
        return out
    }

    /// DuckDB's text of a list (its VARCHAR cast): `[a, b, NULL]`; a string element is quoted
    /// ('…', with \ escapes) when it is empty, starts or ends with a space, is the word NULL, or
    /// holds one of , [ ] { } ( ) : = ' " \.
    static func text(_ xs: [Value]) -> String {
        var s = "["
        for (i, x) in xs.enumerated() {
            if i > 0 { s += ", " }
            switch x {
            case .null: s += "NULL"
            case .string(let t): s += quoted(t)
            default: s += Evaluator.text(x)
            }
        }
        return s + "]"
    }

    static func quoted(_ t: String) -> String {
        let special: Set<Character> = [",", "[", "]", "{", "}", "(", ")", ":", "=", "'", "\"", "\\"]
        let needs = t.isEmpty || t.first!.isWhitespace || t.last!.isWhitespace || t.lowercased() == "null"
            || t.contains(where: { special.contains($0) })
        if !needs { return t }
        var out = "'"
        for c in t {
            if c == "'" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "'"
    }
}

/// A pool of VARCHAR lists built one list at a time; elements are dictionary-coded.
struct StringListBuilder {
    var offsets: [Int32] = [0]
    var codes: [Int64] = []
    var dict = StringDictionary()
    var ids: [String: Int64] = [:]

    mutating func append(_ list: [String]) {
        for s in list {
            if let c = ids[s] { codes.append(c) } else {
                let c = Int64(dict.count)
                dict.append(s)
                ids[s] = c
                codes.append(c)
            }
        }
        offsets.append(Int32(codes.count))
    }

    mutating func appendEmpty() { offsets.append(Int32(codes.count)) }

    func pool() -> ListPool {
        let child = Vec(type: .varchar, count: codes.count)
        child.dict = DictRef(dict.count == 0 ? StringDictionary([""]) : dict)
        child.ints = codes
        return ListPool(offsets: offsets, child: child)
    }
}

extension Evaluator {
    /// `len(list)`: the number of elements of each list.
    func listLength(_ v: Vec) -> Vec {
        let out = Vec(type: .bigint, count: v.count)
        out.isConst = v.isConst
        out.valid = v.valid
        guard let pool = v.lists else { out.ints = [Int64](repeating: 0, count: v.isConst ? 1 : v.count); return out }
        let lens = (0..<pool.count).map { Int64(pool.offsets[$0 + 1] - pool.offsets[$0]) }
        out.ints = v.ints.map { lens[Int($0)] }
        return out
    }

    /// `list[i]` / `list_extract(list, i)`: 1-based (negative: from the end); NULL out of range.
    func listExtract(_ v: Vec, _ index: Vec, _ t: DataType, _ n: Int) -> Vec {
        let bothConst = v.isConst && index.isConst
        let m = bothConst ? 1 : n
        guard let pool = v.lists else { return Vec.nulls(t, count: m) }
        var rows = [Int32](repeating: -1, count: m)
        for i in 0..<m where !v.isNull(i) && !index.isNull(i) {
            let r = pool.range(Int(v.ints[v.idx(i)]))
            let k = index.ints[index.idx(i)]
            let len = Int64(r.count)
            if k >= 1 && k <= len { rows[i] = Int32(r.lowerBound + Int(k) - 1) } else if k < 0 && -k <= len { rows[i] = Int32(r.upperBound + Int(k)) }
        }
        let out = pool.child.gatherOrNull(rows)
        if bothConst { out.isConst = true; out.count = n }
        return out
    }

    /// `list_value(a, b, …)` / `[a, b, …]`.
    func listValue(_ args: [Vec], _ t: DataType, _ n: Int) -> Vec {
        let allConst = args.allSatisfy(\.isConst)
        let m = allConst ? 1 : n
        let e = t.listElement ?? .null
        let vals: [Value] = (0..<m).map { i in .list(ListValue(args.map { a in Evaluator.coerceElement(a.value(a.isConst ? 0 : i), e) })) }
        let out = ListPool.vector(vals[...], element: e)
        if allConst { out.isConst = true; out.count = n }
        return out
    }

    static func coerceElement(_ v: Value, _ e: DataType) -> Value {
        if case .int(let i) = v, e == .double { return .double(Double(i)) }
        if case .date(let d) = v, e == .timestamp { return .timestamp(d &* 86_400_000_000) }
        return v
    }
}

