/// min(x) / max(x) over the types without a typed lane (INTERVAL, NULL) and any(x), the first
/// non-NULL value seen: one `Value` per group, compared as `Evaluator.compareValues` does.
final class ValueExtremeAccumulator: Accumulator {
    enum Kind { case min, max, first }

    let spec: AggSpec
    let kind: Kind
    var ext: [Value] = []

    init(_ spec: AggSpec) {
        self.spec = spec
        switch spec.kind {
        case .min: kind = .min
        case .max: kind = .max
        default: kind = .first
        }
    }

    func grow(_ groups: Int) { ext.grow(to: groups, with: .null) }

    /// Whether `x` (not NULL) takes the place of `cur`.
    @inline(__always) private func replaces(_ x: Value, _ cur: Value) -> Bool {
        if cur.isNull { return true }
        switch kind {
        case .first: return false
        case .min: return Evaluator.compareValues(x, cur) < 0
        case .max: return Evaluator.compareValues(x, cur) > 0
        }
    }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let v = args[0]
        for i in 0..<gids.count where filterKeeps(mask, i) && !v.isNull(i) {
            let g = Int(gids[i])
            if kind == .first && !ext[g].isNull { continue }
            let x = v.value(i)
            if replaces(x, ext[g]) { ext[g] = x }
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let other = other as! ValueExtremeAccumulator
        for g in 0..<map.count {
            let t = Int(map[g]), x = other.ext[g]
            if x.isNull { continue }
            if replaces(x, ext[t]) { ext[t] = x }
        }
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        Vec.from(ext.prefix(n), type: spec.type)
    }
}
