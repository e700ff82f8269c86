import StrataCore

/// quantile_disc(x, p) and quantile(x, p) (DuckDB: the discrete quantile): per group every
/// non-NULL value, in its own lane (integers, dates and timestamps exactly, doubles as doubles);
/// the result is the value at 0-based rank max(ceil(p·n), 1) - 1 of the sorted values, of the
/// argument's type.
final class QuantileDiscAccumulator: QuantileValueLists, Accumulator {
    let spec: AggSpec
    let fraction: Double

    init(_ spec: AggSpec, fraction: Double) {
        self.spec = spec
        self.fraction = fraction
        super.init(isDouble: spec.type == .double)
    }

    /// DuckDB's discrete rank of fraction `p` among `n` values.
    static func rank(_ p: Double, _ n: Int) -> Int {
        let d = Double(n)
        return max(1, n - Int((d - p * d).rounded(.down))) - 1
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        let v = Vec(type: spec.type, count: n)
        var valid = [UInt8](repeating: 1, count: n)
        if isDouble {
            var out = [Double](repeating: 0, count: n)
            for g in 0..<n {
                let xs = dbls[g]
                if xs.isEmpty { valid[g] = 0; continue }
                out[g] = QuantileDiscAccumulator.select(xs, QuantileDiscAccumulator.rank(fraction, xs.count), less: { OrderWord.less($0, $1) })
            }
            v.dbls = out
        } else {
            var out = [Int64](repeating: 0, count: n)
            for g in 0..<n {
                let xs = ints[g]
                if xs.isEmpty { valid[g] = 0; continue }
                out[g] = QuantileDiscAccumulator.select(xs, QuantileDiscAccumulator.rank(fraction, xs.count), less: <)
            }
            v.ints = out
        }
        if valid.contains(0) { v.valid = valid }
        return v
    }

    /// The element of rank `k` (sorting; groups are small in practice).
    static func select<T>(_ xs: [T], _ k: Int, less: (T, T) -> Bool) -> T {
        xs.sorted(by: less)[min(k, xs.count - 1)]
    }
}
