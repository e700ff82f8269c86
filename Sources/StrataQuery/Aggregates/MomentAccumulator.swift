import Foundation

/// var_samp/var_pop/stddev_samp/stddev_pop(x), covar_samp/covar_pop(y, x), corr(y, x): per
/// group the count, the means and the centred second moments, updated with Welford's method
/// and merged with Chan's parallel formula (numerically stable, one pass).
final class MomentAccumulator: Accumulator {
    let spec: AggSpec
    let moment: Moment
    let pair: Bool
    var n: [Double] = []
    var meanX: [Double] = [], meanY: [Double] = []
    var m2X: [Double] = [], m2Y: [Double] = [], cXY: [Double] = []

    init(_ spec: AggSpec, _ moment: Moment) {
        self.spec = spec
        self.moment = moment
        pair = spec.args.count == 2
    }

    func grow(_ groups: Int) {
        n.grow(to: groups, with: 0)
        meanX.grow(to: groups, with: 0); m2X.grow(to: groups, with: 0)
        if pair {
            meanY.grow(to: groups, with: 0); m2Y.grow(to: groups, with: 0); cXY.grow(to: groups, with: 0)
        }
    }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let rows = gids.count
        let (xs, xNull) = numericLane(args[0], rows)
        if !pair {
            for i in 0..<rows where !xNull[i] && filterKeeps(mask, i) {
                let g = Int(gids[i]), x = xs[i]
                n[g] += 1
                let d = x - meanX[g]
                meanX[g] += d / n[g]
                m2X[g] += d * (x - meanX[g])
            }
            return
        }
        // covar/corr(y, x): the first argument is y
        let (ys, yNull) = (xs, xNull)
        let (xs2, x2Null) = numericLane(args[1], rows)
        for i in 0..<rows where !yNull[i] && !x2Null[i] && filterKeeps(mask, i) {
            let g = Int(gids[i]), x = xs2[i], y = ys[i]
            n[g] += 1
            let dx = x - meanX[g]
            meanX[g] += dx / n[g]
            let dy = y - meanY[g]
            meanY[g] += dy / n[g]
            m2X[g] += dx * (x - meanX[g])
            m2Y[g] += dy * (y - meanY[g])
            cXY[g] += dx * (y - meanY[g])
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let o = other as! MomentAccumulator
        for g in 0..<map.count where o.n[g] > 0 {
            let t = Int(map[g])
            let na = n[t], nb = o.n[g], nt = na + nb
            let dx = o.meanX[g] - meanX[t]
            m2X[t] += o.m2X[g] + dx * dx * na * nb / nt
            if pair {
                let dy = o.meanY[g] - meanY[t]
                m2Y[t] += o.m2Y[g] + dy * dy * na * nb / nt
                cXY[t] += o.cXY[g] + dx * dy * na * nb / nt
                meanY[t] += dy * nb / nt
            }
            meanX[t] += dx * nb / nt
            n[t] = nt
        }
    }

    func finish(_ count: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        let v = Vec(type: .double, count: count)
        var out = [Double](repeating: 0, count: count)
        var valid = [UInt8](repeating: 1, count: count)
        for g in 0..<count {
            let k = n[g]
            var r: Double? = nil
            switch moment {
            case .varSamp: r = k < 2 ? nil : m2X[g] / (k - 1)
            case .varPop: r = k < 1 ? nil : m2X[g] / k
            case .stddevSamp: r = k < 2 ? nil : (m2X[g] / (k - 1)).squareRoot()
            case .stddevPop: r = k < 1 ? nil : (m2X[g] / k).squareRoot()
            case .covarSamp: r = k < 2 ? nil : cXY[g] / (k - 1)
            case .covarPop: r = k < 1 ? nil : cXY[g] / k
            case .corr:
                // DuckDB: NaN (printed `nan`, positive) when a side does not vary
                let c = cXY[g] / (m2X[g] * m2Y[g]).squareRoot()
                r = k < 1 ? nil : (c.isNaN ? Double.nan : c)
            }
            if let r { out[g] = r } else { valid[g] = 0 }
        }
        v.dbls = out
        if valid.contains(0) { v.valid = valid }
        return v
    }
}

/// The values of a numeric vector as doubles, row by row, and which rows are NULL.
func numericLane(_ v: Vec, _ rows: Int) -> ([Double], [Bool]) {
    var out = [Double](repeating: 0, count: rows)
    var nulls = [Bool](repeating: false, count: rows)
    if v.type == .null { return (out, [Bool](repeating: true, count: rows)) }
    let isD = v.type == .double
    for i in 0..<rows {
        if v.isNull(i) { nulls[i] = true; continue }
        let j = v.idx(i)
        out[i] = isD ? v.dbls[j] : Double(v.ints[j])
    }
    return (out, nulls)
}
