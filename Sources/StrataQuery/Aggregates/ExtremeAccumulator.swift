import StrataCore
/// min(x) / max(x) over DOUBLE or an integer lane (BIGINT, DATE, TIMESTAMP, BOOLEAN): typed
/// best values in `ibest`/`dbest`, `counts[g] > 0` once group g has one.
final class ExtremeAccumulator: Accumulator {
    let spec: AggSpec
    let isMin: Bool
    /// DOUBLE argument: best values in `dbest`; else in `ibest`.
    let isDouble: Bool
    var counts: [Int64] = []
    var ibest: [Int64] = []
    var dbest: [Double] = []

    /// Argument types whose extremes this type keeps.
    static func handles(_ t: DataType) -> Bool {
        t == .double || t == .bigint || t == .date || t == .timestamp || t == .boolean
    }

    init(_ spec: AggSpec) {
        self.spec = spec
        isMin = spec.kind == .min
        isDouble = spec.args[0].type == .double
    }

    func grow(_ groups: Int) {
        counts.grow(to: groups, with: 0)
        if isDouble { dbest.grow(to: groups, with: 0) } else { ibest.grow(to: groups, with: 0) }
    }


    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let v = args[0]
        let n = gids.count
        let isMin = isMin
        let step = v.isConst ? 0 : 1
        let plain = mask == nil && v.valid == nil
        @inline(__always) func skip(_ i: Int) -> Bool { !filterKeeps(mask, i) || v.isNull(i) }
        counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in
            if isDouble {
                let xs = v.type == .double ? v.dbls : v.ints.map { Double($0) }
                dbest.withUnsafeMutableBufferPointer { b in xs.withUnsafeBufferPointer { x in
                    for i in 0..<n where plain || !skip(i) {
                        let k = Int(g[i]), y = x[i * step]
                        if c[k] == 0 { c[k] = 1; b[k] = y } else if isMin ? OrderWord.less(y, b[k]) : OrderWord.less(b[k], y) { b[k] = y }
                    }
                } }
            } else {
                ibest.withUnsafeMutableBufferPointer { b in v.ints.withUnsafeBufferPointer { x in
                    for i in 0..<n where plain || !skip(i) {
                        let k = Int(g[i]), y = x[i * step]
                        if c[k] == 0 { c[k] = 1; b[k] = y } else if isMin ? y < b[k] : y > b[k] { b[k] = y }
                    }
                } }
            }
        } }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let other = other as! ExtremeAccumulator
        for g in 0..<map.count where other.counts[g] > 0 {
            let t = Int(map[g])
            if isDouble {
                let y = other.dbest[g]
                if counts[t] == 0 || (isMin ? OrderWord.less(y, dbest[t]) : OrderWord.less(dbest[t], y)) { dbest[t] = y }
            } else {
                let y = other.ibest[g]
                if counts[t] == 0 || (isMin ? y < ibest[t] : y > ibest[t]) { ibest[t] = y }
            }
            counts[t] = 1
        }
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        let v = Vec(type: spec.type, count: n)
        if isDouble { v.dbls = Array(dbest.prefix(n)) } else { v.ints = Array(ibest.prefix(n)) }
        if counts.prefix(n).contains(0) { v.valid = counts.prefix(n).map { $0 == 0 ? 0 : 1 } }
        return v
    }
}
