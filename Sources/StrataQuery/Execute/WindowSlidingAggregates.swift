import StrataCore

// Window aggregates over sliding frames (ROWS / RANGE / GROUPS with offsets, EXCLUDE) beyond
// count/sum/avg/min/max: var/stddev (samp, pop), bool_and/bool_or, first/any_value,
// arg_max/arg_min (max_by/min_by) and string_agg. Each position's frame is up to three position
// ranges (`WindowContext.ranges`); per partition:
// - var/stddev: prefix counts and sums of the values and their squares, shifted by the
//   partition's first value (O(1) per row);
// - bool_and/bool_or: prefix counts of non-NULL and TRUE values (O(1) per row);
// - first/any_value: the first non-NULL position at or after the range start (O(1));
// - arg_max/arg_min: a sparse table of the best key position (O(n log n) build, O(1) per
//   row; ties: the earliest position, as DuckDB's left-to-right segment tree);
// - string_agg: the frame's strings joined (its output is as long as the frame anyway);
// - median / quantile_cont / quantile_disc (a fraction or a LIST of them): frames move forward
//   (both ends non-decreasing), so rows enter and leave a Fenwick tree of value ranks once
//   each, and each quantile is a k-th smallest lookup (O(log n) per row); no EXCLUDE.

/// Aggregates with a sliding implementation here (binder names).
let slidingWindowAggregates: Set<String> = [
    "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "bool_and", "bool_or", "every",
    "any_value", "first", "arg_max", "argmax", "arg_min", "argmin", "max_by", "min_by", "string_agg", "listagg", "group_concat",
    "median", "quantile_cont", "quantile_disc", "quantile", "approx_quantile",
]

extension Executor {
    func slidingAggregate(_ w: WindowSpecBound, _ c: inout WindowContext, _ args: [Vec], _ b: Batch) throws(QueryError) -> Vec {
        try c.computeFrames(w, eval: eval, b)
        let spec = w.aggregate!
        let n = c.n, rows = c.rows
        let argBatch = Batch(columns: args.map { $0 as Vec? }, count: n)
        let vals = try spec.args.map { (e) throws(QueryError) -> Vec in try eval.eval(e, argBatch).flattened() }
        let mask = try spec.filter.map { (e) throws(QueryError) -> Vec in try eval.eval(e, argBatch).flattened() }
        func keeps(_ r: Int) -> Bool { mask.map { !$0.isNull(r) && $0.ints[$0.idx(r)] != 0 } ?? true }
        // usable positions: argument (or arg_max's key) not NULL, FILTER holds
        let lead: Vec = {
            switch spec.kind {
            case .argMax, .argMin: return vals[1]
            default: return vals[0]
            }
        }()
        var ok = [Bool](repeating: false, count: n)
        for i in 0..<n {
            let r = Int(rows[i])
            ok[i] = lead.type != .null && !lead.isNull(r) && keeps(r)
        }
        // arg_max / arg_min skip rows whose value is NULL too (DuckDB)
        if spec.kind == .argMax || spec.kind == .argMin {
            for i in 0..<n where ok[i] && vals[0].isNull(Int(rows[i])) { ok[i] = false }
        }
        var prefix = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + (ok[i] ? 1 : 0) }
        func count(_ l: Int, _ h: Int) -> Int { l < h ? prefix[h] - prefix[l] : 0 }
        func frameCount(_ rg: FrameRanges) -> Int { count(rg[0].0, rg[0].1) + count(rg[1].0, rg[1].1) + count(rg[2].0, rg[2].1) }
        let out = Vec(type: w.type, count: n)
        var valid = [UInt8](repeating: 1, count: n)
        switch spec.kind {
        case .moment(let m):
            guard [.varSamp, .varPop, .stddevSamp, .stddevPop].contains(m) else { throw unsupported(w) }
            let x = vals[0]
            func value(_ r: Int) -> Double { x.type == .double ? x.dbls[x.idx(r)] : Double(x.ints[x.idx(r)]) }
            var s1 = [Double](repeating: 0, count: n + 1), s2 = [Double](repeating: 0, count: n + 1)
            for p in 0..<c.partitions {
                let lo = c.start[p], hi = c.start[p + 1]
                var shift = 0.0
                if let f = (lo..<hi).first(where: { ok[$0] }) { shift = value(Int(rows[f])) }
                for i in lo..<hi {
                    let d = ok[i] ? value(Int(rows[i])) - shift : 0
                    s1[i + 1] = s1[i] + d
                    s2[i + 1] = s2[i] + d * d
                }
            }
            var res = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let rg = c.ranges(i, w.frame.exclude)
                var k = 0, a = 0.0, q = 0.0
                for j in 0..<3 {
                    let (l, h) = rg[j]
                    guard l < h else { continue }
                    k += count(l, h); a += s1[h] - s1[l]; q += s2[h] - s2[l]
                }
                let r = Int(rows[i])
                let samp = m == .varSamp || m == .stddevSamp
                if k == 0 || (samp && k == 1) { valid[r] = 0; continue }
                let v = Swift.max(0, (q - a * a / Double(k)) / Double(samp ? k - 1 : k))
                res[r] = m == .stddevSamp || m == .stddevPop ? v.squareRoot() : v
            }
            out.dbls = res
        case .boolAnd, .boolOr:
            let x = vals[0]
            var t = [Int](repeating: 0, count: n + 1)
            for i in 0..<n { t[i + 1] = t[i] + (ok[i] && x.ints[x.idx(Int(rows[i]))] != 0 ? 1 : 0) }
            var res = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                let rg = c.ranges(i, w.frame.exclude)
                let k = frameCount(rg)
                var trues = 0
                for j in 0..<3 { let (l, h) = rg[j]; if l < h { trues += t[h] - t[l] } }
                let r = Int(rows[i])
                if k == 0 { valid[r] = 0; continue }
                res[r] = (spec.kind == .boolAnd ? trues == k : trues > 0) ? 1 : 0
            }
            out.ints = res
        case .any:
            var positions: [Int] = []
            for i in 0..<n where ok[i] { positions.append(i) }
            var src = [Int32](repeating: -1, count: n)
            for i in 0..<n {
                let rg = c.ranges(i, w.frame.exclude)
                for j in 0..<3 {
                    let (l, h) = rg[j]
                    if l < h && prefix[l] < prefix[h] { src[Int(rows[i])] = rows[positions[prefix[l]]]; break }
                }
            }
            return vals[0].gatherOrNull(src).converted(to: w.type)
        case .argMax, .argMin:
            let words = vals[1].orderWords()
            let isMax = spec.kind == .argMax
            // better of two positions (-1: none); ties keep the earlier
            func better(_ a: Int, _ b: Int) -> Int {
                if a < 0 { return b }
                if b < 0 { return a }
                let wa = words[Int(rows[a])], wb = words[Int(rows[b])]
                if wa == wb { return Swift.min(a, b) }
                return (isMax ? wb > wa : wb < wa) ? b : a
            }
            var table: [[Int]] = [(0..<n).map { ok[$0] ? $0 : -1 }]
            var span = 1
            while span * 2 <= n {
                let prev = table[table.count - 1]
                table.append((0..<(n - span * 2 + 1)).map { better(prev[$0], prev[$0 + span]) })
                span *= 2
            }
            func query(_ l: Int, _ h: Int) -> Int {
                guard l < h else { return -1 }
                var k = 0
                while (1 << (k + 1)) <= h - l { k += 1 }
                return better(table[k][l], table[k][h - (1 << k)])
            }
            var src = [Int32](repeating: -1, count: n)
            for i in 0..<n {
                let rg = c.ranges(i, w.frame.exclude)
                let best = better(better(query(rg[0].0, rg[0].1), query(rg[1].0, rg[1].1)), query(rg[2].0, rg[2].1))
                if best >= 0 { src[Int(rows[i])] = rows[best] }
            }
            return vals[0].gatherOrNull(src).converted(to: w.type)
        case .stringAgg(let sep, let distinct, let order):
            guard !distinct, order.isEmpty else { throw unsupported(w) }
            let x = vals[0]
            var strs = [String](repeating: "", count: n)
            for i in 0..<n where ok[i] { strs[i] = x.string(Int(rows[i])) }
            var res = [Value](repeating: .null, count: n)
            for i in 0..<n {
                let rg = c.ranges(i, w.frame.exclude)
                var parts: [String] = []
                for j in 0..<3 {
                    let (l, h) = rg[j]
                    if l < h { for q in l..<h where ok[q] { parts.append(strs[q]) } }
                }
                if !parts.isEmpty { res[Int(rows[i])] = .string(parts.joined(separator: sep)) }
            }
            return Vec.from(res[...], type: w.type)
        case .quantile, .quantileDisc, .quantileList:
            return try slidingQuantiles(w, spec, c, vals[0], ok)
        default:
            throw unsupported(w)
        }
        if valid.contains(0) { out.valid = valid }
        return out
    }

    /// Quantiles over moving frames: value ranks in a Fenwick tree, k-th smallest per row.
    private func slidingQuantiles(_ w: WindowSpecBound, _ spec: AggSpec, _ c: WindowContext, _ x: Vec, _ ok: [Bool]) throws(QueryError) -> Vec {
        guard w.frame.exclude == .noOthers else { throw unsupported(w) }
        let n = c.n, rows = c.rows
        let fractions: [Double], disc: Bool
        switch spec.kind {
        case .quantile(let p): fractions = [p]; disc = false
        case .quantileDisc(let p): fractions = [p]; disc = true
        case .quantileList(let ps, let d): fractions = ps; disc = d
        default: throw unsupported(w)
        }
        let words = x.type == .null ? [Int64](repeating: 0, count: n) : x.orderWords()
        func number(_ r: Int) -> Double { x.type == .double ? x.dbls[x.idx(r)] : Double(x.ints[x.idx(r)]) }
        var res = [Value](repeating: .null, count: n)
        for p in 0..<c.partitions {
            let lo = c.start[p], hi = c.start[p + 1]
            // ranks of the usable positions by value (ties by position)
            let live = (lo..<hi).filter { ok[$0] }
            let sorted = live.sorted { (words[Int(rows[$0])], $0) < (words[Int(rows[$1])], $1) }
            var rank = [Int](repeating: -1, count: hi - lo)
            for (k, i) in sorted.enumerated() { rank[i - lo] = k }
            let m = sorted.count
            var bit = [Int](repeating: 0, count: m + 1)
            var size = 0
            func add(_ k: Int, _ d: Int) { var j = k + 1; while j <= m { bit[j] += d; j += j & -j }; size += d }
            var top = 1
            while top * 2 <= m { top *= 2 }
            func kth(_ k0: Int) -> Int {  // 0-based k-th smallest rank
                var pos = 0, k = k0 + 1, step = top
                while step > 0 {
                    if pos + step <= m && bit[pos + step] < k { pos += step; k -= bit[pos] }
                    step /= 2
                }
                return pos
            }
            var s = lo, e = lo  // positions in the tree: [s, e)
            for i in lo..<hi {
                let fs = Swift.max(c.fs[i], lo), fe = Swift.min(Swift.max(c.fe[i], fs), hi)
                if fs < s || fe < e {
                    // (a frame moving backwards: rebuild)
                    for q in s..<e where rank[q - lo] >= 0 { add(rank[q - lo], -1) }
                    s = fs; e = fs
                }
                while e < fe { if rank[e - lo] >= 0 { add(rank[e - lo], 1) }; e += 1 }
                while s < fs { if s < e, rank[s - lo] >= 0 { add(rank[s - lo], -1) }; s += 1 }
                if e < s { e = s }
                let r = Int(rows[i])
                if size == 0 { continue }
                func valueAt(_ k: Int) -> Value { x.value(Int(rows[sorted[kth(k)]])) }
                let qs: [Value] = fractions.map { f in
                    if disc { return valueAt(QuantileDiscAccumulator.rank(f, size)) }
                    let pos = f * Double(size - 1)
                    let a = Int(pos.rounded(.down)), b = Swift.min(a + 1, size - 1)
                    let va = number(Int(rows[sorted[kth(a)]])), vb = b == a ? va : number(Int(rows[sorted[kth(b)]]))
                    let v = va + (vb - va) * (pos - Double(a))
                    if w.type.listElement == .bigint { return .int(Int64(v.rounded())) }
                    return .double(v)
                }
                res[r] = w.type.isList ? .list(ListValue(qs)) : qs[0]
            }
        }
        return Vec.from(res[...], type: w.type)
    }

    private func unsupported(_ w: WindowSpecBound) -> QueryError {
        QueryError("\(w.aggregateName)...) over a sliding frame is not supported (only over the whole partition)")
    }
}
