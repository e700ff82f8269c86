import StrataCore

/// Every non-NULL value of each group, in its own lane (integers, dates and timestamps exactly,
/// doubles as doubles): the state the quantile accumulators (QuantileDiscAccumulator,
/// QuantileListAccumulator) keep and sort when they finish.
class QuantileValueLists {
    let isDouble: Bool
    var ints: [[Int64]] = []
    var dbls: [[Double]] = []

    init(isDouble: Bool) { self.isDouble = isDouble }

    func grow(_ groups: Int) {
        if isDouble { dbls.grow(to: groups, with: []) } else { ints.grow(to: groups, with: []) }
    }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let v = args[0]
        if v.type == .null { return }
        for i in 0..<gids.count where !v.isNull(i) && filterKeeps(mask, i) {
            let j = v.idx(i), g = Int(gids[i])
            if isDouble { dbls[g].append(v.type == .double ? v.dbls[j] : Double(v.ints[j])) } else { ints[g].append(v.ints[j]) }
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let o = other as! QuantileValueLists
        for g in 0..<map.count {
            if isDouble { dbls[Int(map[g])].append(contentsOf: o.dbls[g]) } else { ints[Int(map[g])].append(contentsOf: o.ints[g]) }
        }
    }
}
