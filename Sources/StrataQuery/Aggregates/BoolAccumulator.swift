/// bool_and(c) / bool_or(c) (`every` is bool_and): NULL when no row has a non-NULL value.
final class BoolAccumulator: Accumulator {
    let spec: AggSpec
    let isAnd: Bool
    /// -1: no value yet; else 0 or 1.
    var state: [Int8] = []

    init(_ spec: AggSpec) {
        self.spec = spec
        isAnd = spec.kind == .boolAnd
    }

    func grow(_ groups: Int) { state.grow(to: groups, with: -1) }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let v = args[0]
        if v.type == .null { return }
        if mask == nil, !v.isConst, v.valid == nil {
            // flat, no NULLs: a typed loop (the words are 0 or 1)
            let n = gids.count, and = isAnd
            state.withUnsafeMutableBufferPointer { st in gids.withUnsafeBufferPointer { g in v.ints.withUnsafeBufferPointer { x in
                for i in 0..<n {
                    let k = Int(g[i]), b = Int8(truncatingIfNeeded: x[i] != 0 ? 1 : 0), s = st[k]
                    st[k] = s < 0 ? b : (and ? s & b : s | b)
                }
            } } }
            return
        }
        for i in 0..<gids.count where !v.isNull(i) && filterKeeps(mask, i) {
            let g = Int(gids[i]), b: Int8 = v.ints[v.idx(i)] != 0 ? 1 : 0
            state[g] = state[g] < 0 ? b : (isAnd ? state[g] & b : state[g] | b)
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let o = other as! BoolAccumulator
        for g in 0..<map.count where o.state[g] >= 0 {
            let t = Int(map[g]), b = o.state[g]
            state[t] = state[t] < 0 ? b : (isAnd ? state[t] & b : state[t] | b)
        }
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        let v = Vec(type: .boolean, count: n)
        var anyNull = false
        state.withUnsafeBufferPointer { s in
            v.ints = [Int64](unsafeUninitializedCapacity: n) { o, c in
                for g in 0..<n { o[g] = s[g] > 0 ? 1 : 0 }
                c = n
            }
            for g in 0..<n where s[g] < 0 { anyNull = true; break }
            if anyNull {
                v.valid = [UInt8](unsafeUninitializedCapacity: n) { o, c in
                    for g in 0..<n { o[g] = s[g] < 0 ? 0 : 1 }
                    c = n
                }
            }
        }
        return v
    }
}
