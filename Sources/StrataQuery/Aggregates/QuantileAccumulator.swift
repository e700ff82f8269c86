/// quantile_cont(x, p) and median(x): every non-NULL value of each group, sorted when
/// finishing and interpolated between the closest ranks.
final class QuantileAccumulator: Accumulator {
    let spec: AggSpec
    let fraction: Double
    var lists: [[Double]] = []

    init(_ spec: AggSpec, fraction: Double) {
        self.spec = spec
        self.fraction = fraction
    }

    func grow(_ groups: Int) { lists.grow(to: groups, with: []) }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let v = args[0]
        for i in 0..<gids.count where filterKeeps(mask, i) && !v.isNull(i) {
            let j = v.idx(i)
            lists[Int(gids[i])].append(v.type == .double ? v.dbls[j] : Double(v.ints[j]))
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let other = other as! QuantileAccumulator
        for g in 0..<map.count { lists[Int(map[g])].append(contentsOf: other.lists[g]) }
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        try valueVector(n, type: spec.type) { g in
            var xs = lists[g]
            if xs.isEmpty { return .null }
            xs.sort()
            // DuckDB quantile_cont: linear interpolation between closest ranks
            let pos = fraction * Double(xs.count - 1)
            let lo = Int(pos.rounded(.down)), hi = min(lo + 1, xs.count - 1)
            return .double(xs[lo] + (xs[hi] - xs[lo]) * (pos - Double(lo)))
        }
    }
}
