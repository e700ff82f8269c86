/// sum(x) and sum_if(x, c) (also `sum(CASE WHEN c THEN x ELSE 0 END)`): a count of summed
/// rows and a sum per group, in Double for DOUBLE arguments and in BIGINT otherwise, where an
/// overflow is flagged and reported when the result is read. `AvgAccumulator` shares it.
class SumAccumulator: Accumulator {
    let spec: AggSpec
    let inputType: DataType
    let singleGroup: Bool
    /// sum_if: `args[1]` is the condition.
    let conditional: Bool
    /// Sums in `dsum` (DOUBLE argument, avg); else in `isum`.
    let useDouble: Bool
    var counts: [Int64] = []
    var isum: [Int64] = []
    var dsum: [Double] = []
    var overflow = false

    init(_ spec: AggSpec, singleGroup: Bool) {
        self.spec = spec
        self.singleGroup = singleGroup
        inputType = spec.args.first?.type ?? .null
        conditional = spec.kind == .sumIf
        useDouble = inputType == .double || spec.kind == .avg
    }

    func grow(_ groups: Int) {
        counts.grow(to: groups, with: 0)
        if useDouble { dsum.grow(to: groups, with: 0) } else { isum.grow(to: groups, with: 0) }
    }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        if mask == nil && updateFast(gids, args) { return }
        let n = gids.count
        let v = args[0]
        let cond: Vec? = conditional ? args[1] : nil
        for i in 0..<n where filterKeeps(mask, i) && !v.isNull(i) {
            if let c = cond, c.isNull(i) || c.ints[c.idx(i)] == 0 { continue }
            let g = Int(gids[i])
            counts[g] += 1
            let j = v.idx(i)
            if useDouble {
                dsum[g] += v.type == .double ? v.dbls[j] : Double(v.ints[j])
            } else {
                let (s, o) = isum[g].addingReportingOverflow(v.ints[j])
                isum[g] = s
                if o { overflow = true }
            }
        }
    }

    /// The common shapes without FILTER (flat, no NULLs). Returns false when the general
    /// path must run.
    private func updateFast(_ gids: [Int32], _ args: [Vec]) -> Bool {
        let n = gids.count
        if singleGroup && n > 0 && !conditional && reduceSingle(n, args[0]) { return true }
        let v = args[0]
        guard !v.isConst, v.valid == nil else { return false }
        var cond: UnsafeBufferPointer<Int64>? = nil
        var condArray: [Int64] = []
        if conditional {
            let c = args[1]
            guard !c.isConst, c.valid == nil else { return false }
            condArray = c.ints
        }
        return condArray.withUnsafeBufferPointer { cp -> Bool in
            if conditional { cond = cp }
            counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in
                if useDouble {
                    dsum.withUnsafeMutableBufferPointer { s in
                        if v.type == .double {
                            v.dbls.withUnsafeBufferPointer { x in
                                if let cond { for i in 0..<n where cond[i] != 0 { let k = Int(g[i]); c[k] &+= 1; s[k] += x[i] } }
                                else { for i in 0..<n { let k = Int(g[i]); c[k] &+= 1; s[k] += x[i] } }
                            }
                        } else {
                            v.ints.withUnsafeBufferPointer { x in
                                if let cond { for i in 0..<n where cond[i] != 0 { let k = Int(g[i]); c[k] &+= 1; s[k] += Double(x[i]) } }
                                else { for i in 0..<n { let k = Int(g[i]); c[k] &+= 1; s[k] += Double(x[i]) } }
                            }
                        }
                    }
                } else {
                    var o = false
                    isum.withUnsafeMutableBufferPointer { s in v.ints.withUnsafeBufferPointer { x in
                        for i in 0..<n where cond == nil || cond![i] != 0 {
                            let k = Int(g[i])
                            c[k] &+= 1
                            let (r, of) = s[k].addingReportingOverflow(x[i])
                            s[k] = r
                            o = o || of
                        }
                    } }
                    if o { overflow = true }
                }
            } }
            return true
        }
    }

    /// Every row in group 0 (sum, avg): a reduction with independent accumulators (no
    /// loop-carried dependency on one memory cell).
    private func reduceSingle(_ n: Int, _ v: Vec) -> Bool {
        guard !v.isConst, v.valid == nil else { return false }
        counts[0] += Int64(n)
        if useDouble {
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            if v.type == .double {
                v.dbls.withUnsafeBufferPointer { x in
                    var i = 0
                    while i + 4 <= n { s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]; i += 4 }
                    while i < n { s0 += x[i]; i += 1 }
                }
            } else {
                v.ints.withUnsafeBufferPointer { x in for i in 0..<n { s0 += Double(x[i]) } }
            }
            dsum[0] += (s0 + s1) + (s2 + s3)
        } else {
            var acc = isum[0]
            var o: UInt8 = 0
            v.ints.withUnsafeBufferPointer { x in
                // the overflow flag is OR-ed without a branch: the loop stays a straight
                // add / set-on-overflow / or sequence
                for i in 0..<n {
                    let (r, of) = acc.addingReportingOverflow(x[i])
                    acc = r
                    o |= of ? 1 : 0
                }
            }
            isum[0] = acc
            if o != 0 { overflow = true }
        }
        return true
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let other = other as! SumAccumulator
        mergeCounts(&counts, other.counts, map)
        for g in 0..<map.count {
            let t = Int(map[g])
            if !dsum.isEmpty { dsum[t] += other.dsum[g] } else {
                let (s, o) = isum[t].addingReportingOverflow(other.isum[g])
                isum[t] = s
                if o { overflow = true }
            }
        }
        overflow = overflow || other.overflow
    }

    static var overflowError: QueryError { QueryError("integer overflow in sum(): the total does not fit in BIGINT; cast the argument to DOUBLE") }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        if !spec.fromSumCase && dsum.isEmpty && spec.type == .bigint {
            if overflow && counts.prefix(n).contains(where: { $0 > 0 }) { throw SumAccumulator.overflowError }
            let v = Vec(type: spec.type, count: n)
            v.ints = Array(isum.prefix(n))
            if counts.prefix(n).contains(0) { v.valid = counts.prefix(n).map { $0 == 0 ? 0 : 1 } }
            return v
        }
        return try valueVector(n, type: spec.type) { (g) throws(QueryError) -> Value in
            if let v = sumCaseValue(spec, count: counts[g], emptyInput: emptyInput) { return v }
            if counts[g] == 0 { return .null }
            if !dsum.isEmpty { return .double(dsum[g]) }
            if overflow { throw SumAccumulator.overflowError }
            return .int(isum[g])
        }
    }
}
