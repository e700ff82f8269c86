/// string_agg(x, sep) / listagg / group_concat, with DISTINCT and ORDER BY inside the call:
/// per group the non-NULL strings (and their ORDER BY keys), sorted and joined when finishing.
/// Without ORDER BY the order is the order rows arrive in (like DuckDB's, unspecified).
final class StringAggAccumulator: Accumulator {
    let spec: AggSpec
    let separator: String
    let distinct: Bool
    let order: [SortDirection]
    var strings: [[String]] = []
    /// Per group, the ORDER BY keys of each string (empty without ORDER BY).
    var keys: [[[Value]]] = []
    /// DISTINCT whose ORDER BY keys are all the argument itself (`string_agg(DISTINCT x, ','
    /// ORDER BY x)`): a string seen in a group already brings nothing new, so it is dropped as
    /// it arrives (per group, the strings kept so far) instead of sorted with its repeats.
    let dedupeOnArrival: Bool
    var seen: [Set<String>] = []

    init(_ spec: AggSpec) {
        self.spec = spec
        guard case .stringAgg(let sep, let d, let o) = spec.kind else { fatalError("not string_agg") }
        separator = sep
        distinct = d
        order = o
        let arg = spec.args.first.map { "\($0)" }
        dedupeOnArrival = d && spec.args.dropFirst().allSatisfy { "\($0)" == arg }
    }

    func grow(_ groups: Int) {
        strings.grow(to: groups, with: [])
        if !order.isEmpty { keys.grow(to: groups, with: []) }
        if dedupeOnArrival { seen.grow(to: groups, with: []) }
    }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ enc: KeyEncoder) {
        let v = args[0]
        if v.type == .null { return }
        // strings of a dictionary column are spelled once per entry
        var cache: [Int64: String] = [:]
        for i in 0..<gids.count where !v.isNull(i) && filterKeeps(mask, i) {
            let g = Int(gids[i])
            let s: String
            if v.type == .varchar, v.dict != nil {
                let code = v.ints[v.idx(i)]
                if let c = cache[code] { s = c } else { s = v.string(i); cache[code] = s }
            } else {
                s = v.type == .varchar ? v.string(i) : Evaluator.text(v.value(i))
            }
            if dedupeOnArrival && !seen[g].insert(s).inserted { continue }
            strings[g].append(s)
            if !order.isEmpty { keys[g].append(args[1...].map { $0.value(i) }) }
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let o = other as! StringAggAccumulator
        for g in 0..<map.count {
            let t = Int(map[g])
            if dedupeOnArrival {
                for (j, x) in o.strings[g].enumerated() where seen[t].insert(x).inserted {
                    strings[t].append(x)
                    if !order.isEmpty { keys[t].append(o.keys[g][j]) }
                }
                continue
            }
            strings[t].append(contentsOf: o.strings[g])
            if !order.isEmpty { keys[t].append(contentsOf: o.keys[g]) }
        }
    }

    /// Whether keys `a` sort before keys `b`.
    private func before(_ a: [Value], _ b: [Value]) -> Bool {
        for (k, d) in order.enumerated() {
            let x = a[k], y = b[k]
            if x.isNull || y.isNull {
                if x.isNull && y.isNull { continue }
                return x.isNull == d.nullsFirst
            }
            let c = Evaluator.compareValues(x, y)
            if c != 0 { return d.descending ? c > 0 : c < 0 }
        }
        return false
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        try valueVector(n, type: .varchar) { g in
            var xs = strings[g]
            if xs.isEmpty { return .null }
            if !order.isEmpty {
                let ks = keys[g]
                let idx = xs.indices.sorted { i, j in before(ks[i], ks[j]) || (!before(ks[j], ks[i]) && i < j) }
                xs = idx.map { xs[$0] }
            }
            if distinct {
                var seen = Set<String>()
                xs = xs.filter { seen.insert($0).inserted }
            }
            return .string(xs.joined(separator: separator))
        }
    }
}
