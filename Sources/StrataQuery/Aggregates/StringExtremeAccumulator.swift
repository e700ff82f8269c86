/// min(x) / max(x) over VARCHAR: the interner id of each group's extreme (-1: none yet), so
/// rows repeating the current extreme cost one integer compare and no string.
final class StringExtremeAccumulator: Accumulator {
    let spec: AggSpec
    let isMin: Bool
    var sbest: [Int64] = []
    var interner: StringInterner?

    init(_ spec: AggSpec) {
        self.spec = spec
        isMin = spec.kind == .min
    }

    func grow(_ groups: Int) { sbest.grow(to: groups, with: -1) }

    /// Whether interner id `id` becomes a string min/max whose current value is `cur` (-1: none).
    @inline(__always) static func replaces(_ id: Int64, _ cur: Int64, isMin: Bool, _ interner: StringInterner) -> Bool {
        if cur == id { return false }
        if cur < 0 { return true }
        let c = interner.compare(id, cur)
        return isMin ? c < 0 : c > 0
    }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let v = args[0]
        let interner = keys.interner
        self.interner = interner
        let n = gids.count
        // interner ids: through the dictionary's map (codes index it), or of each string
        let map: [Int64], codes: [Int64]
        if let d = v.dict {
            map = interner.map(d)
            codes = v.ints
        } else if v.type == .varchar {
            map = interner.ids(v.strs)
            codes = v.isConst ? [0] : Array(0..<Int64(map.count))
        } else {
            return  // NULL-typed argument: nothing to take
        }
        let isMin = isMin
        let step = v.isConst ? 0 : 1
        // rows to skip: NULL arguments, and rows the FILTER mask excludes
        let filtered = v.valid != nil || mask != nil
        let skip: [UInt8] = filtered ? (0..<n).map { i in
            if !filterKeeps(mask, i) { return 1 }
            return v.isNull(i) ? 1 : 0
        } : []
        sbest.withUnsafeMutableBufferPointer { best in
            gids.withUnsafeBufferPointer { gp in
                codes.withUnsafeBufferPointer { cp in
                    map.withUnsafeBufferPointer { mp in skip.withUnsafeBufferPointer { sp in
                        for i in 0..<n {
                            if filtered && sp[i] != 0 { continue }
                            let g = Int(gp[i]), id = mp[Int(cp[i * step])]
                            if StringExtremeAccumulator.replaces(id, best[g], isMin: isMin, interner) { best[g] = id }
                        }
                    } }
                }
            }
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let other = other as! StringExtremeAccumulator
        guard let interner = interner ?? other.interner else { return }
        self.interner = interner
        let isMin = isMin
        sbest.withUnsafeMutableBufferPointer { b in
            other.sbest.withUnsafeBufferPointer { o in
                map.withUnsafeBufferPointer { m in
                    for g in 0..<m.count {
                        let t = Int(m[g]), x = o[g]
                        if x >= 0 && StringExtremeAccumulator.replaces(x, b[t], isMin: isMin, interner) { b[t] = x }
                    }
                }
            }
        }
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        let v = Vec(type: .varchar, count: n)
        let best = sbest.prefix(n)
        v.ints = best.map { max($0, 0) }
        if best.contains(where: { $0 < 0 }) { v.valid = best.map { $0 < 0 ? 0 : 1 } }
        v.dict = interner.dictRef()
        return v
    }
}
