/// count(*), count(x) and count_if(c): a count per group.
final class CountAccumulator: Accumulator {
    enum Kind { case rows, nonNull, matching }

    let spec: AggSpec
    let kind: Kind
    let singleGroup: Bool
    var counts: [Int64] = []

    init(_ spec: AggSpec, singleGroup: Bool) {
        self.spec = spec
        self.singleGroup = singleGroup
        switch spec.kind {
        case .countStar: kind = .rows
        case .countIf: kind = .matching
        default: kind = .nonNull
        }
    }

    func grow(_ groups: Int) { counts.grow(to: groups, with: 0) }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        if mask == nil && updateFast(gids, args) { return }
        if let mask, updateMasked(gids, args, mask) { return }
        let n = gids.count
        switch kind {
        case .rows:
            for i in 0..<n where filterKeeps(mask, i) { counts[Int(gids[i])] += 1 }
        case .nonNull:
            let v = args[0]
            for i in 0..<n where filterKeeps(mask, i) && !v.isNull(i) { counts[Int(gids[i])] += 1 }
        case .matching:
            let v = args[0]
            for i in 0..<n where filterKeeps(mask, i) && !v.isNull(i) && v.ints[v.idx(i)] != 0 { counts[Int(gids[i])] += 1 }
        }
    }

    /// The common shapes without FILTER (flat, no NULLs). Returns false when the general
    /// path must run.
    private func updateFast(_ gids: [Int32], _ args: [Vec]) -> Bool {
        let n = gids.count
        if singleGroup && n > 0 && reduceSingle(n, args) { return true }
        switch kind {
        case .rows:
            counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in
                for i in 0..<n { c[Int(g[i])] &+= 1 }
            } }
            return true
        case .matching:
            let v = args[0]
            guard !v.isConst, v.valid == nil else { return false }
            counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in v.ints.withUnsafeBufferPointer { x in
                for i in 0..<n { c[Int(g[i])] &+= x[i] }  // x is 0/1
            } } }
            return true
        case .nonNull:
            return false
        }
    }

    /// FILTER (WHERE …) over flat vectors without NULLs: the mask
    /// is added (as 0 or 1), not branched on. Returns false when the general path must run.
    private func updateMasked(_ gids: [Int32], _ args: [Vec], _ mask: Vec) -> Bool {
        guard !mask.isConst, mask.valid == nil, !singleGroup else { return false }
        let n = gids.count
        switch kind {
        case .rows:
            counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in mask.ints.withUnsafeBufferPointer { k in
                for i in 0..<n { c[Int(g[i])] &+= k[i] != 0 ? 1 : 0 }
            } } }
            return true
        case .matching:
            let v = args[0]
            guard !v.isConst, v.valid == nil else { return false }
            counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in mask.ints.withUnsafeBufferPointer { k in
                v.ints.withUnsafeBufferPointer { x in
                    for i in 0..<n { c[Int(g[i])] &+= (k[i] != 0) && (x[i] != 0) ? 1 : 0 }
                }
            } } }
            return true
        case .nonNull:
            return false
        }
    }

    /// Every row in group 0: a plain reduction.
    private func reduceSingle(_ n: Int, _ args: [Vec]) -> Bool {
        switch kind {
        case .rows:
            counts[0] += Int64(n)
            return true
        case .matching:
            let v = args[0]
            guard !v.isConst, v.valid == nil else { return false }
            var a: Int64 = 0
            v.ints.withUnsafeBufferPointer { x in for i in 0..<n { a &+= x[i] } }
            counts[0] += a
            return true
        case .nonNull:
            return false
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        mergeCounts(&counts, (other as! CountAccumulator).counts, map)
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        if !spec.fromSumCase {
            let v = Vec(type: spec.type, count: n)
            v.ints = Array(counts.prefix(n))
            return v
        }
        return try valueVector(n, type: spec.type) { g in
            sumCaseValue(spec, count: counts[g], emptyInput: emptyInput) ?? .int(counts[g])
        }
    }
}
