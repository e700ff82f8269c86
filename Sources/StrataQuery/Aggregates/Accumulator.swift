/// The state of one aggregate for every group of one worker (arrays indexed by dense group
/// id). A query creates one per aggregate and worker through `makeAccumulator`; each batch
/// costs one call of `update`, whose type picks its loops once, never per value.
protocol Accumulator: AnyObject {
    var spec: AggSpec { get }
    /// Makes room for groups `0..<groups` (never shrinks).
    func grow(_ groups: Int)
    /// Adds one batch: row i belongs to group `gids[i]`; `args` are the evaluated arguments
    /// (constant or `gids.count` rows); `mask` the evaluated FILTER (rows where it is NULL or
    /// false are left out).
    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder)
    /// Folds `other` (the same aggregate, from another worker) into this one; `map[g]` is the
    /// group id here of `other`'s group g. Both were grown to their groups.
    func merge(_ other: any Accumulator, _ map: [Int32])
    /// The results of groups `0..<n` as one vector. `emptyInput`: no row reached the
    /// aggregate of a query without GROUP BY. `threads`: threads the finishing may use.
    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec
}

/// The accumulator of `spec`, chosen once. `singleGroup`: no GROUP BY, so every row is in
/// group 0 and updates may be plain reductions. A new aggregate is one file and one line here.
func makeAccumulator(_ spec: AggSpec, singleGroup: Bool) -> any Accumulator {
    let input = spec.args.first?.type ?? .null
    switch spec.kind {
    case .countStar, .count, .countIf: return CountAccumulator(spec, singleGroup: singleGroup)
    case .sum, .sumIf: return SumAccumulator(spec, singleGroup: singleGroup)
    case .avg: return AvgAccumulator(spec, singleGroup: singleGroup)
    case .min where input == .varchar, .max where input == .varchar: return StringExtremeAccumulator(spec)
    case .min where ExtremeAccumulator.handles(input), .max where ExtremeAccumulator.handles(input): return ExtremeAccumulator(spec)
    case .min, .max, .any: return ValueExtremeAccumulator(spec)
    case .argMin, .argMax: return ArgExtremeAccumulator(spec)
    case .countDistinct: return DistinctCountAccumulator(spec)
    case .approxCountDistinct: return ApproxDistinctAccumulator(spec)
    case .mode: return ModeAccumulator(spec)
    case .quantile(let p): return QuantileAccumulator(spec, fraction: p)
    default: return makeMoreAccumulator(spec)
    }
}

/// Whether row `i` passes the FILTER `mask` (every row does without one).
@inline(__always) func filterKeeps(_ mask: Vec?, _ i: Int) -> Bool {
    if let mask, mask.isNull(i) || mask.ints[mask.idx(i)] == 0 { return false }
    return true
}

/// The value of a group of a `sum(CASE WHEN c THEN x ELSE 0 END)` rewritten to a conditional
/// aggregate (`AggSpec.fromSumCase`) when it is not its sum: NULL when there were no rows at
/// all, 0 when no row matched; nil otherwise (and for every other aggregate).
@inline(__always) func sumCaseValue(_ spec: AggSpec, count: Int64, emptyInput: Bool) -> Value? {
    guard spec.fromSumCase else { return nil }
    if emptyInput { return .null }
    if count == 0 { return spec.type == .double ? .double(0) : .int(0) }
    return nil
}

/// A vector of type `type` holding `value(g)` for groups `0..<n` (aggregates whose results
/// are built value by value).
func valueVector(_ n: Int, type: DataType, _ value: (Int) throws(QueryError) -> Value) throws(QueryError) -> Vec {
    var vals: [Value] = []
    vals.reserveCapacity(n)
    for g in 0..<n { vals.append(try value(g)) }
    return Vec.from(vals[...], type: type)
}

/// Rows whose argument is not NULL (`nulls[i] == 0`) and whose FILTER holds, in order.
func countedRows(_ n: Int, _ nulls: [Int64], _ mask: Vec?) -> [Int32] {
    var maskBits: [Int64] = []
    var maskValid: [UInt8] = []
    var constOff = false
    if let mask {
        if mask.isConst {
            constOff = mask.isNull(0) || mask.ints[0] == 0
        } else {
            maskBits = mask.ints
            maskValid = mask.valid ?? []
        }
    }
    if constOff { return [] }
    return [Int32](unsafeUninitializedCapacity: n) { out, k in
        k = 0
        nulls.withUnsafeBufferPointer { np in maskBits.withUnsafeBufferPointer { mp in maskValid.withUnsafeBufferPointer { vp in
            let useMask = mp.count >= n, useValid = vp.count >= n
            // the row is written, the count moves on only for kept rows: no branch per
            // row, and the loop for the common case (no FILTER) tests the NULL word alone
            if !useMask && !useValid {
                for i in 0..<n {
                    out[k] = Int32(truncatingIfNeeded: i)
                    k &+= np[i] == 0 ? 1 : 0
                }
            } else {
                for i in 0..<n {
                    out[k] = Int32(truncatingIfNeeded: i)
                    let m = useMask ? (mp[i] != 0 ? 1 : 0) : 1
                    let v = useValid ? (vp[i] != 0 ? 1 : 0) : 1
                    k &+= (np[i] == 0 ? 1 : 0) & m & v
                }
            }
        } } }
    }
}

/// Adds `other[g]` to `counts[map[g]]` for every group g of another worker.
func mergeCounts(_ counts: inout [Int64], _ other: [Int64], _ map: [Int32]) {
    counts.withUnsafeMutableBufferPointer { c in
        other.withUnsafeBufferPointer { o in
            map.withUnsafeBufferPointer { m in for g in 0..<m.count { c[Int(m[g])] += o[g] } }
        }
    }
}

extension Array {
    /// Appends `x` until the array holds `n` elements.
    mutating func grow(to n: Int, with x: Element) {
        if n > count { append(contentsOf: repeatElement(x, count: n - count)) }
    }
}
