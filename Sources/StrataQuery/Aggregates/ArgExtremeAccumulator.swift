/// arg_min(x, k) / arg_max(x, k) (max_by / min_by): per group, the `x` of the row whose `k`
/// is the smallest / largest among rows where neither is NULL (DuckDB's arg_max; the first
/// such row on ties).
final class ArgExtremeAccumulator: Accumulator {
    let spec: AggSpec
    let isMin: Bool
    /// The best key of each group (NULL: none yet) and the value of its row.
    var argKey: [Value] = []
    var ext: [Value] = []

    init(_ spec: AggSpec) {
        self.spec = spec
        isMin = spec.kind == .argMin
    }

    func grow(_ groups: Int) {
        ext.grow(to: groups, with: .null)
        argKey.grow(to: groups, with: .null)
    }

    /// Whether key `k` (not NULL) takes the place of `cur`.
    @inline(__always) private func replaces(_ k: Value, _ cur: Value) -> Bool {
        if cur.isNull { return true }
        let c = Evaluator.compareValues(k, cur)
        return isMin ? c < 0 : c > 0
    }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let v = args[0], k = args[1]
        for i in 0..<gids.count where filterKeeps(mask, i) && !k.isNull(i) && !v.isNull(i) {
            let g = Int(gids[i])
            let key = k.value(i)
            if replaces(key, argKey[g]) { argKey[g] = key; ext[g] = v.value(i) }
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let other = other as! ArgExtremeAccumulator
        for g in 0..<map.count {
            let t = Int(map[g]), k = other.argKey[g]
            if k.isNull { continue }
            if replaces(k, argKey[t]) { argKey[t] = k; ext[t] = other.ext[g] }
        }
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        Vec.from(ext.prefix(n), type: spec.type)
    }
}
