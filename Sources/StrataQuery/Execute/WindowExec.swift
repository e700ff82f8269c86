import StrataCore
import StrataSQL
import StrataText

extension Executor {
    /// Values of every window function for the `n` rows of `b`, as vectors. Rows are split
    /// into partitions by the PARTITION BY keys (a counting sort on dense key ids, or hashing:
    /// WindowPartition.swift); only rows within a partition are
    /// sorted (by typed ORDER BY keys, ties by row order). Frames cost O(rows) (prefix sums,
    /// peer and group bounds) or O(rows log rows) (RANGE offsets by binary search, segment
    /// trees for DOUBLE sums and min/max) per partition, never O(rows x frame).
    func evaluateWindows(_ specs: [WindowSpecBound], _ b: Batch) throws(QueryError) -> [Vec] {
        let n = b.count
        var out: [Vec] = []
        // windows with the same PARTITION BY and ORDER BY share one partitioning and sort
        var layouts: [(WindowSpecBound, WindowContext)] = []
        for w in specs {
            try eval.checkInterrupt()
            if let (_, shared) = layouts.first(where: { Executor.sameLayout($0.0, w) }) {
                let args = try w.args.map { (e) throws(QueryError) -> Vec in try eval.eval(e, b).flattened() }
                var ctx = shared
                out.append(try fillWindow(w, &ctx, args, b))
                continue
            }
            let sk = try SortKeys(w.order.map { (o) throws(QueryError) -> Vec in try eval.eval(o.expr, b).flattened() },
                                  descending: w.order.map(\.descending), nullsFirst: w.order.map(\.nullsFirst))
            // the ORDER BY keys packed in one word per row (read in row order), when they fit
            let rowWords = w.order.isEmpty || n == 0 ? nil : sk.packedKeys((0..<Int32(n)).map { $0 })
            // rows grouped by partition (row order kept inside a partition), the words alongside
            let keyVecs = try w.partition.map { (e) throws(QueryError) -> Vec in try eval.eval(e, b) }
            let parts = windowPartitions(keyVecs, n: n, carry: rowWords)
            var rows = parts.rows
            let start = parts.start
            let words = w.order.isEmpty ? nil : sortPartitions(&rows, start, sk, words: parts.words)
            try eval.checkInterrupt()
            let args = try w.args.map { (e) throws(QueryError) -> Vec in try eval.eval(e, b).flattened() }
            var ctx = WindowContext(n: n, rows: rows, start: start, sk: sk, hasOrder: !w.order.isEmpty, words: words)
            out.append(try fillWindow(w, &ctx, args, b))
            layouts.append((w, ctx))
        }
        return out
    }

    /// Sorts the positions of each partition (`rows[start[p]..<start[p + 1]]`, in row order
    /// after the counting sort) by the ORDER BY keys, ties by row. When the keys pack into one
    /// 64-bit word per row, the words are computed once for all rows and returned (position
    /// order): partitions already in order are left alone, small ones are insertion-sorted in
    /// place, larger ones sorted as (word, row) pairs in one reused buffer; no allocation per
    /// partition. Otherwise each partition is sorted in place by comparing the keys.
    func sortPartitions(_ rows: inout [Int32], _ start: [Int], _ sk: SortKeys, words packed: [UInt64]? = nil) -> [UInt64]? {
        let partitions = start.count - 1
        guard var words = packed ?? sk.packedKeys(rows) else {
            rows.withUnsafeMutableBufferPointer { buf in
                for p in 0..<partitions where start[p + 1] - start[p] > 1 {
                    var part = UnsafeMutableBufferPointer(rebasing: buf[start[p]..<start[p + 1]])
                    var sorted = true
                    for i in 1..<part.count where sk.compare(part[i - 1], part[i]) > 0 { sorted = false; break }
                    if !sorted { part.sort { sk.less($0, $1) } }
                }
            }
            return nil
        }
        // partitions in ranges of about equal rows, sorted on every thread (disjoint positions)
        let n = rows.count
        let ranges = Executor.partitionRanges(start, pieces: threads > 1 && n >= 1 << 16 ? threads * 8 : 1)
        words.withUnsafeMutableBufferPointer { wbuf in
            rows.withUnsafeMutableBufferPointer { rbuf in
                let box = UncheckedBox((wbuf, rbuf))
                ParallelWork.forEach(ranges.count - 1, workers: threads) { q, _ in
                    let (wp, rp) = box.value
                    var pairs: [(UInt64, Int32)] = []
                    for p in ranges[q]..<ranges[q + 1] {
                        let lo = start[p], hi = start[p + 1]
                        guard hi - lo > 1 else { continue }
                        var sorted = true
                        for i in lo + 1..<hi where wp[i - 1] > wp[i] { sorted = false; break }
                        if sorted { continue }
                        if hi - lo <= 24 {
                            // insertion sort; rows ascend inside the partition, so equal words keep row order
                            for i in lo + 1..<hi {
                                let w = wp[i], r = rp[i]
                                var j = i
                                while j > lo && wp[j - 1] > w { wp[j] = wp[j - 1]; rp[j] = rp[j - 1]; j -= 1 }
                                wp[j] = w
                                rp[j] = r
                            }
                            continue
                        }
                        if hi - lo >= 1 << 12 {
                            // a large partition: stable radix sort (rows ascend, so ties keep row order)
                            var keys = Array(wp[lo..<hi])
                            var tags = rp[lo..<hi].map { UInt32(bitPattern: $0) }
                            RadixSort.sort(&keys, &tags)
                            for k in 0..<(hi - lo) { wp[lo + k] = keys[k]; rp[lo + k] = Int32(bitPattern: tags[k]) }
                            continue
                        }
                        pairs.removeAll(keepingCapacity: true)
                        for i in lo..<hi { pairs.append((wp[i], rp[i])) }
                        pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                        for (k, pr) in pairs.enumerated() { wp[lo + k] = pr.0; rp[lo + k] = pr.1 }
                    }
                }
            }
        }
        return words
    }

    static func sameLayout(_ a: WindowSpecBound, _ b: WindowSpecBound) -> Bool {
        a.partition.count == b.partition.count && zip(a.partition, b.partition).allSatisfy { $0.same($1) }
            && a.order.count == b.order.count
            && zip(a.order, b.order).allSatisfy { $0.expr.same($1.expr) && $0.descending == $1.descending && $0.nullsFirst == $1.nullsFirst }
    }

    private func fillWindow(_ w: WindowSpecBound, _ c: inout WindowContext, _ args: [Vec], _ b: Batch) throws(QueryError) -> Vec {
        let n = c.n
        let rows = c.rows
        switch w.fn {
        case .rowNumber, .rank, .denseRank, .ntile:
            if w.fn == .rank || w.fn == .denseRank { c.computePeers() }
            var res = [Int64](repeating: 0, count: n)
            var valid: [UInt8]? = nil
            for p in 0..<c.partitions {
                let lo = c.start[p], hi = c.start[p + 1]
                var dense = 0
                for i in lo..<hi {
                    let r = Int(rows[i])
                    switch w.fn {
                    case .rowNumber: res[r] = Int64(i - lo + 1)
                    case .rank: res[r] = Int64(c.peerStart[i] - lo + 1)
                    case .denseRank:
                        if c.peerStart[i] == i { dense += 1 }
                        res[r] = Int64(dense)
                    default:
                        let a = args[0]
                        if a.isNull(r) {
                            if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                            valid![r] = 0
                            continue
                        }
                        let buckets = a.ints[r]
                        guard buckets > 0 else { throw QueryError("argument for ntile() must be greater than zero, got \(buckets)") }
                        res[r] = WindowContext.ntile(i - lo, total: hi - lo, buckets: buckets)
                    }
                }
            }
            let v = Vec(type: w.type, count: n)
            v.ints = res
            v.valid = valid
            return v
        case .percentRank, .cumeDist:
            c.computePeers()
            var res = [Double](repeating: 0, count: n)
            for p in 0..<c.partitions {
                let lo = c.start[p], hi = c.start[p + 1]
                for i in lo..<hi {
                    if w.fn == .percentRank {
                        res[Int(rows[i])] = hi - lo > 1 ? Double(c.peerStart[i] - lo) / Double(hi - lo - 1) : 0
                    } else {
                        res[Int(rows[i])] = Double(c.peerEnd[i] - lo) / Double(hi - lo)
                    }
                }
            }
            let v = Vec(type: .double, count: n)
            v.dbls = res
            return v
        case .lag(let k), .lead(let k):
            // the result is a row of the argument (or NULL / the default)
            var src = [Int32](repeating: -1, count: n)
            let isLead = w.fn == .lead(k)
            let nn = w.ignoreNulls ? c.nonNull(args[0], filter: nil) : nil
            if nn == nil && k >= 0 {
                // the k-th row before (after) in the partition: one pass over the positions
                let start = c.start
                src.withUnsafeMutableBufferPointer { sp in rows.withUnsafeBufferPointer { rp in
                    for p in 0..<c.partitions {
                        let lo = start[p], hi = start[p + 1]
                        if isLead {
                            var i = lo
                            while i + k < hi { sp[Int(rp[i])] = rp[i + k]; i += 1 }
                        } else {
                            var i = lo + k
                            while i < hi { sp[Int(rp[i])] = rp[i - k]; i += 1 }
                        }
                    }
                } }
            } else {
              for p in 0..<c.partitions {
                let lo = c.start[p], hi = c.start[p + 1]
                for i in lo..<hi {
                    var j = -1
                    if let nn {
                        // the k-th non-NULL value before (after) the row
                        if isLead {
                            let q = nn.prefix[i + 1] + k - (k == 0 ? 1 : 0)
                            if k == 0 { j = i } else if q - 1 < nn.prefix[hi] { j = nn.positions[q - 1] }
                        } else {
                            let q = nn.prefix[i] - k
                            if k == 0 { j = i } else if q >= nn.prefix[lo] { j = nn.positions[q] }
                        }
                    } else {
                        let t = isLead ? i + k : i - k
                        if t >= lo && t < hi { j = t }
                    }
                    if j >= 0 { src[Int(rows[i])] = rows[j] }
                }
              }
            }
            let v = args[0].gatherOrNull(src).converted(to: w.type)
            if args.count > 2, src.contains(-1) {
                // lag(x, k, default): rows without a k-th neighbour take the default of the row
                let d = args[2]
                var vals = v.values(n)
                for r in 0..<n where src[r] < 0 { vals[r] = d.value(r) }
                return Vec.from(vals[...], type: w.type)
            }
            return v
        case .firstValue, .lastValue, .nthValue:
            try c.computeFrames(w, eval: eval, b)
            let nn = w.ignoreNulls ? c.nonNull(args[0], filter: nil) : nil
            var src = [Int32](repeating: -1, count: n)
            for i in 0..<n {
                let r = Int(rows[i])
                var k = 1
                if w.fn == .nthValue {
                    if args[1].isNull(r) { continue }
                    let v = args[1].ints[r]
                    if v <= 0 { continue }
                    k = Int(Swift.min(v, Int64(Int32.max)))
                }
                let ranges = c.ranges(i, w.frame.exclude)
                var found = -1
                if w.fn == .lastValue {
                    for q in stride(from: 2, through: 0, by: -1) {
                        let (l, h) = ranges[q]
                        guard l < h else { continue }
                        if let nn {
                            if nn.prefix[h] > nn.prefix[l] { found = nn.positions[nn.prefix[h] - 1]; break }
                        } else { found = h - 1; break }
                    }
                } else {
                    var left = k
                    for q in 0..<3 {
                        let (l, h) = ranges[q]
                        guard l < h else { continue }
                        let m = nn.map { $0.prefix[h] - $0.prefix[l] } ?? (h - l)
                        if left <= m {
                            found = nn.map { $0.positions[$0.prefix[l] + left - 1] } ?? (l + left - 1)
                            break
                        }
                        left -= m
                    }
                }
                if found >= 0 { src[r] = rows[found] }
            }
            return args[0].gatherOrNull(src).converted(to: w.type)
        case .aggregate:
            if w.sliding { return try slidingAggregate(w, &c, args, b) }
            // one group per partition, every row fed once
            let spec = w.aggregate!
            var gid = [Int32](repeating: 0, count: n)
            for p in 0..<c.partitions { for i in c.start[p]..<c.start[p + 1] { gid[Int(rows[i])] = Int32(p) } }
            let argBatch = Batch(columns: args.map { $0 as Vec? }, count: n)
            let vals = try spec.args.map { (e) throws(QueryError) -> Vec in try eval.eval(e, argBatch) }
            let mask = try spec.filter.map { (e) throws(QueryError) -> Vec in try eval.eval(e, argBatch) }
            let acc = makeAccumulator(spec, singleGroup: c.partitions <= 1)
            acc.grow(Swift.max(c.partitions, 1))
            if n > 0 { acc.update(gid, vals, mask, KeyEncoder(interner: interner)) }
            let perPartition = try acc.finish(Swift.max(c.partitions, 1), emptyInput: n == 0, interner: interner, threads: 1)
            return perPartition.gather(gid)
        case .countDistinct:
            // values in [s, e) whose previous occurrence is before s: offline over frames
            // sorted by start, a Fenwick tree of the positions whose previous occurrence is
            // before the current start (O(n log n))
            try c.computeFrames(w, eval: eval, b)
            var filter: Vec? = nil
            if let f = w.filter { filter = try eval.eval(f, b).flattened() }
            let nn = c.nonNull(args[0], filter: filter)
            let words = args[0].orderWords()
            var prev = [Int](repeating: -1, count: n)
            var last: [Int64: Int] = [:]
            for i in 0..<n where nn.ok[i] {
                let k = words[Int(rows[i])]
                prev[i] = last[k] ?? -1
                last[k] = i
            }
            var byPrev = nn.positions
            byPrev.sort { prev[$0] < prev[$1] }
            var byStart = Array(0..<n)
            byStart.sort { c.fs[$0] < c.fs[$1] }
            var bit = [Int](repeating: 0, count: n + 1)
            func add(_ i: Int) { var j = i + 1; while j <= n { bit[j] += 1; j += j & -j } }
            func prefix(_ i: Int) -> Int { var j = i, t = 0; while j > 0 { t += bit[j]; j -= j & -j }; return t }
            var res = [Int64](repeating: 0, count: n)
            var q = 0
            for i in byStart {
                let s = c.fs[i], e = c.fe[i]
                while q < byPrev.count && prev[byPrev[q]] < s { add(byPrev[q]); q += 1 }
                if s < e { res[Int(rows[i])] = Int64(prefix(e) - prefix(s)) }
            }
            let v = Vec(type: .bigint, count: n)
            v.ints = res
            return v
        case .count, .countStar, .sum, .avg, .min, .max:
            try c.computeFrames(w, eval: eval, b)
            var filter: Vec? = nil
            if let f = w.filter { filter = try eval.eval(f, b).flattened() }
            let arg = w.fn == .countStar ? nil : args[0]
            let nn = c.nonNull(arg, filter: filter)
            switch w.fn {
            case .count, .countStar:
                var res = [Int64](repeating: 0, count: n)
                for i in 0..<n {
                    let rg = c.ranges(i, w.frame.exclude)
                    var cnt = 0
                    for q in 0..<3 where rg[q].0 < rg[q].1 { cnt += nn.prefix[rg[q].1] - nn.prefix[rg[q].0] }
                    res[Int(rows[i])] = Int64(cnt)
                }
                let v = Vec(type: .bigint, count: n)
                v.ints = res
                return v
            case .sum, .avg:
                let a = arg!.converted(to: arg!.type == .null ? .bigint : arg!.type)
                var valid = [UInt8](repeating: 1, count: n)
                var anyNull = false
                var cnts = [Int](repeating: 0, count: n)
                for i in 0..<n {
                    let rg = c.ranges(i, w.frame.exclude)
                    var cnt = 0
                    for q in 0..<3 where rg[q].0 < rg[q].1 { cnt += nn.prefix[rg[q].1] - nn.prefix[rg[q].0] }
                    cnts[i] = cnt
                    if cnt == 0 { valid[Int(rows[i])] = 0; anyNull = true }
                }
                let out = Vec(type: w.type, count: n)
                if a.type == .double {
                    var leaves = [Double](repeating: 0, count: n)
                    for i in 0..<n where nn.ok[i] { leaves[i] = a.dbls[Int(rows[i])] }
                    let tree = SumTree(leaves)
                    var res = [Double](repeating: 0, count: n)
                    for i in 0..<n where cnts[i] > 0 {
                        let rg = c.ranges(i, w.frame.exclude)
                        var s = 0.0
                        for q in 0..<3 where rg[q].0 < rg[q].1 { s += tree.sum(rg[q].0, rg[q].1) }
                        res[Int(rows[i])] = w.fn == .avg ? s / Double(cnts[i]) : s
                    }
                    out.dbls = res
                } else if let v = Executor.int64FrameSums(w, c, a, nn, cnts) {
                    // 64-bit prefix sums (no overflow anywhere): the common case
                    if w.fn == .avg { out.dbls = v.dbls } else { out.ints = v.ints }
                } else {
                    // exact: 128-bit prefix sums
                    var ps = [Int128](repeating: 0, count: n + 1)
                    for i in 0..<n { ps[i + 1] = ps[i] + (nn.ok[i] ? Int128(a.ints[Int(rows[i])]) : 0) }
                    if w.fn == .avg {
                        var res = [Double](repeating: 0, count: n)
                        for i in 0..<n where cnts[i] > 0 {
                            let rg = c.ranges(i, w.frame.exclude)
                            var s: Int128 = 0
                            for q in 0..<3 where rg[q].0 < rg[q].1 { s += ps[rg[q].1] - ps[rg[q].0] }
                            res[Int(rows[i])] = Double(s) / Double(cnts[i])
                        }
                        out.dbls = res
                    } else {
                        var res = [Int64](repeating: 0, count: n)
                        for i in 0..<n where cnts[i] > 0 {
                            let rg = c.ranges(i, w.frame.exclude)
                            var s: Int128 = 0
                            for q in 0..<3 where rg[q].0 < rg[q].1 { s += ps[rg[q].1] - ps[rg[q].0] }
                            guard let v = Int64(exactly: s) else { throw QueryError("integer overflow in sum() OVER (...): the sum does not fit in BIGINT") }
                            res[Int(rows[i])] = v
                        }
                        out.ints = res
                    }
                }
                if anyNull { out.valid = valid }
                return out
            default:
                // min / max: a segment tree of positions over order-preserving words
                let a = arg!
                let words = a.orderWords()
                var pw = [Int64](repeating: 0, count: n)
                for i in 0..<n { pw[i] = words[Int(rows[i])] }
                let tree = ExtremeTree(pw, ok: nn.ok, max: w.fn == .max)
                var src = [Int32](repeating: -1, count: n)
                for i in 0..<n {
                    let rg = c.ranges(i, w.frame.exclude)
                    var best = -1
                    for q in 0..<3 where rg[q].0 < rg[q].1 { best = tree.better(best, tree.query(rg[q].0, rg[q].1)) }
                    if best >= 0 { src[Int(rows[i])] = rows[best] }
                }
                return a.gatherOrNull(src).converted(to: w.type)
            }
        }
    }
}

/// The sorted rows of one window (positions: partitions one after another, each in ORDER BY
/// order), with peer groups and, once computed, each position's frame `[fs, fe)`.
struct WindowContext {
    let n: Int
    let rows: [Int32]
    let start: [Int]
    let sk: SortKeys
    let hasOrder: Bool
    var partitions: Int { start.count - 1 }
    var peerStart: [Int] = []
    var peerEnd: [Int] = []
    var fs: [Int] = []
    var fe: [Int] = []

    /// The packed ORDER BY word of each position, when the keys fit one word.
    let words: [UInt64]?

    init(n: Int, rows: [Int32], start: [Int], sk: SortKeys, hasOrder: Bool, words: [UInt64]? = nil) {
        self.n = n
        self.rows = rows
        self.start = start
        self.sk = sk
        self.hasOrder = hasOrder
        self.words = words
    }

    /// Peer groups: rows equal on every ORDER BY key (the whole partition without ORDER BY).
    /// Computed once, by the functions and frames that need them (lag, lead, row_number and
    /// ntile do not).
    mutating func computePeers() {
        guard peerStart.count != n else { return }
        peerStart = [Int](repeating: 0, count: n)
        peerEnd = [Int](repeating: 0, count: n)
        for p in 0..<partitions {
            let lo = start[p], hi = start[p + 1]
            var i = lo
            while i < hi {
                var j = i + 1
                if !hasOrder {
                    j = hi
                } else if let words {
                    while j < hi && words[j] == words[i] { j += 1 }
                } else {
                    while j < hi && sk.compare(rows[j], rows[i]) == 0 { j += 1 }
                }
                for k in i..<j { peerStart[k] = i; peerEnd[k] = j }
                i = j
            }
        }
    }

    /// DuckDB's ntile: the first `total % buckets` buckets get one row more.
    static func ntile(_ idx: Int, total: Int, buckets b: Int64) -> Int64 {
        let t = Int64(total), i = Int64(idx)
        let nb = Swift.min(b, t)
        let size = t / nb
        let large = t - nb * size
        let small = large * (size + 1)
        return i < small ? 1 + i / (size + 1) : 1 + large + (i - small) / size
    }

    /// Positions (in order) whose argument is not NULL (and whose FILTER holds), with
    /// prefix counts: `prefix[i]` non-NULL positions before `i`.
    struct NonNull {
        var ok: [Bool]
        var prefix: [Int]
        var positions: [Int]
    }

    func nonNull(_ a: Vec?, filter: Vec?) -> NonNull {
        var ok = [Bool](repeating: true, count: n)
        var prefix = [Int](repeating: 0, count: n + 1)
        var positions: [Int] = []
        for i in 0..<n {
            let r = Int(rows[i])
            var y = true
            if let a, a.type == .null || a.isNull(r) { y = false }
            if let f = filter, f.isNull(r) || f.ints[f.idx(r)] == 0 { y = false }
            ok[i] = y
            prefix[i + 1] = prefix[i] + (y ? 1 : 0)
            if y { positions.append(i) }
        }
        return NonNull(ok: ok, prefix: prefix, positions: positions)
    }

    /// The frame of position `i` as up to three position ranges in order, EXCLUDE applied.
    @inline(__always) func ranges(_ i: Int, _ ex: FrameExclude) -> FrameRanges {
        let s = fs[i], e = fe[i]
        switch ex {
        case .noOthers: return FrameRanges(s, e)
        case .currentRow: return FrameRanges(s, Swift.min(e, i), Swift.max(s, i + 1), e)
        case .group: return FrameRanges(s, Swift.min(e, peerStart[i]), Swift.max(s, peerEnd[i]), e)
        case .ties:
            let mid = s <= i && i < e
            return FrameRanges(s, Swift.min(e, peerStart[i]), mid ? i : 0, mid ? i + 1 : 0, Swift.max(s, peerEnd[i]), e)
        }
    }

    /// Each position's frame `[fs, fe)` (empty when fs >= fe).
    mutating func computeFrames(_ w: WindowSpecBound, eval: Evaluator, _ b: Batch) throws(QueryError) {
        let f = w.frame
        computePeers()
        fs = [Int](repeating: 0, count: n)
        fe = [Int](repeating: 0, count: n)
        func vec(_ e: BExpr?) throws(QueryError) -> Vec? { try e.map { (x) throws(QueryError) -> Vec in try eval.eval(x, b).flattened() } }
        let so = try vec(f.startOffset), eo = try vec(f.endOffset)
        let unitName = f.unit.rawValue.uppercased()
        func count(_ v: Vec, _ r: Int) throws(QueryError) -> Int {
            if v.type == .null || v.isNull(r) { throw QueryError("window \(unitName) offset cannot be NULL") }
            let k = v.ints[r]
            if k < 0 { throw QueryError("window \(unitName) offset cannot be negative") }
            return Int(Swift.min(k, Int64(1) << 40))
        }
        // RANGE offsets: boundary values compared with the key
        var keys: RangeKeys? = nil
        var sb: RangeKeys? = nil, eb: RangeKeys? = nil
        if f.unit == .range && (f.startBound != nil || f.endBound != nil) {
            let k = try eval.eval(w.order[0].expr, b).flattened()
            let sv = try vec(f.startBound), ev = try vec(f.endBound)
            let doubles = k.type == .double || sv?.type == .double || ev?.type == .double
            let micros = k.type == .timestamp || sv?.type == .timestamp || ev?.type == .timestamp
            keys = RangeKeys(k, doubles: doubles, micros: micros)
            sb = sv.map { RangeKeys($0, doubles: doubles, micros: micros) }
            eb = ev.map { RangeKeys($0, doubles: doubles, micros: micros) }
            for o in [so, eo] {
                guard let o else { continue }
                for r in 0..<n {
                    if o.type == .null || o.isNull(r) { throw QueryError("window RANGE offset cannot be NULL") }
                    if o.type == .double ? o.dbls[r] < 0 : (o.type == .bigint && o.ints[r] < 0) { throw QueryError("window RANGE offset cannot be negative") }
                    if o.type == .interval && o.ints[r] < 0 { throw QueryError("window RANGE offset cannot be negative") }
                }
            }
        }
        let desc = w.order.first?.descending ?? false
        // GROUPS: group number of each position and each group's start
        var gnum: [Int] = []
        var gstart: [Int] = []
        if f.unit == .groups {
            gnum = [Int](repeating: 0, count: n)
            gstart.reserveCapacity(n + 1)
        }
        for p in 0..<partitions {
            if p & 0xFF == 0 { try eval.checkInterrupt() }
            let lo = start[p], hi = start[p + 1]
            var g0 = 0
            if f.unit == .groups {
                g0 = gstart.count
                var i = lo
                while i < hi { gstart.append(i); for k in i..<peerEnd[i] { gnum[k] = gstart.count - 1 - g0 }; i = peerEnd[i] }
                gstart.append(hi)
            }
            let ngroups = f.unit == .groups ? gstart.count - 1 - g0 : 0
            if f.unit == .groups { gstart.removeLast() }
            // non-NULL key range for RANGE offsets
            var nlo = lo, nhi = hi
            if let keys {
                while nlo < hi && keys.isNull(Int(rows[nlo])) { nlo += 1 }
                while nhi > nlo && keys.isNull(Int(rows[nhi - 1])) { nhi -= 1 }
            }
            func gs(_ g: Int) -> Int { g >= ngroups ? hi : gstart[g0 + g] }
            // an offset bound of position i (row r): the frame's first position, or (`end`) the
            // position after its last; the group before the first is the partition's start
            func offsetEdge(_ i: Int, _ r: Int, following: Bool, end: Bool, _ o: Vec?, _ bound: RangeKeys?) throws(QueryError) -> Int {
                let past = end ? 1 : 0
                switch f.unit {
                case .rows:
                    let k = try count(o!, r)
                    return following ? Swift.min(hi, i + k + past) : Swift.max(lo, i - k + past)
                case .groups:
                    let k = try count(o!, r)
                    let g = gnum[i]
                    return following ? gs(Swift.min(ngroups, g + k + past)) : (g - k < 0 ? lo : gs(g - k + past))
                case .range:
                    if keys!.isNull(r) { return end ? peerEnd[i] : peerStart[i] }
                    return keys!.lowerBound(rows, nlo, nhi, bound!, r, desc: desc, strict: end)
                }
            }
            for i in lo..<hi {
                let r = Int(rows[i])
                var s: Int, e: Int
                switch f.start {
                case .unboundedPreceding: s = lo
                case .currentRow: s = f.unit == .rows ? i : peerStart[i]
                case .unboundedFollowing: s = hi
                case .preceding, .following: s = try offsetEdge(i, r, following: f.start == .following, end: false, so, sb)
                }
                switch f.end {
                case .unboundedFollowing: e = hi
                case .currentRow: e = f.unit == .rows ? i + 1 : peerEnd[i]
                case .unboundedPreceding: e = lo
                case .preceding, .following: e = try offsetEdge(i, r, following: f.end == .following, end: true, eo, eb)
                }
                fs[i] = s
                fe[i] = Swift.max(s, e)
            }
        }
    }
}

/// Up to three position ranges `[l, h)` of one frame, in order (empty ones have l >= h).
struct FrameRanges {
    var l0, h0, l1, h1, l2, h2: Int

    @inline(__always) init(_ l0: Int, _ h0: Int, _ l1: Int = 0, _ h1: Int = 0, _ l2: Int = 0, _ h2: Int = 0) {
        self.l0 = l0; self.h0 = h0; self.l1 = l1; self.h1 = h1; self.l2 = l2; self.h2 = h2
    }

    @inline(__always) subscript(_ q: Int) -> (Int, Int) {
        q == 0 ? (l0, h0) : q == 1 ? (l1, h1) : (l2, h2)
    }
}

/// A RANGE key or boundary column as comparable numbers (DATE as micros next to TIMESTAMPs).
struct RangeKeys {
    var ints: [Int64] = []
    var dbls: [Double] = []
    let doubles: Bool
    let valid: [UInt8]?

    init(_ v: Vec, doubles: Bool, micros: Bool) {
        self.doubles = doubles
        valid = v.type == .null ? [UInt8](repeating: 0, count: v.count) : v.valid
        if doubles {
            dbls = v.type == .double ? v.dbls : v.ints.map { Double($0) }
        } else {
            ints = v.type == .date && micros ? v.ints.map { $0 &* Civil.microsPerDay } : v.ints
        }
    }

    @inline(__always) func isNull(_ r: Int) -> Bool { valid.map { $0[r] == 0 } ?? false }

    /// First position in `[lo, hi)` whose key is past `bound[r]` in the sort direction:
    /// key >= bound (ascending, not strict), key > bound (strict); mirrored for DESC.
    func lowerBound(_ rows: [Int32], _ lo: Int, _ hi: Int, _ bound: RangeKeys, _ r: Int, desc: Bool, strict: Bool) -> Int {
        func search<T: Comparable>(_ keys: [T], _ x: T) -> Int {
            var a = lo, b = hi
            while a < b {
                let m = (a + b) / 2
                let k = keys[Int(rows[m])]
                let before = desc ? (strict ? k >= x : k > x) : (strict ? k <= x : k < x)
                if before { a = m + 1 } else { b = m }
            }
            return a
        }
        return doubles ? search(dbls, bound.dbls[r]) : search(ints, bound.ints[r])
    }
}

/// Sums of DOUBLE ranges (iterative segment tree: O(n) build, O(log n) per range).
struct SumTree {
    var t: [Double]
    let m: Int

    init(_ leaves: [Double]) {
        m = leaves.count
        t = [Double](repeating: 0, count: 2 * Swift.max(m, 1))
        for i in 0..<m { t[m + i] = leaves[i] }
        if m > 1 { for i in stride(from: m - 1, through: 1, by: -1) { t[i] = t[2 * i] + t[2 * i + 1] } }
    }

    func sum(_ l0: Int, _ r0: Int) -> Double {
        var l = l0 + m, r = r0 + m
        var a = 0.0, b = 0.0
        while l < r {
            if l & 1 == 1 { a += t[l]; l += 1 }
            if r & 1 == 1 { r -= 1; b = t[r] + b }
            l >>= 1; r >>= 1
        }
        return a + b
    }
}

/// Position of the smallest (largest) word of a range among the usable positions.
struct ExtremeTree {
    var t: [Int32]
    let w: [Int64]
    let m: Int
    let isMax: Bool

    init(_ words: [Int64], ok: [Bool], max: Bool) {
        m = words.count
        w = words
        isMax = max
        t = [Int32](repeating: -1, count: 2 * Swift.max(m, 1))
        for i in 0..<m where ok[i] { t[m + i] = Int32(i) }
        if m > 1 { for i in stride(from: m - 1, through: 1, by: -1) { t[i] = Int32(better(Int(t[2 * i]), Int(t[2 * i + 1]))) } }
    }

    @inline(__always) func better(_ a: Int, _ b: Int) -> Int {
        if a < 0 { return b }
        if b < 0 { return a }
        return (isMax ? w[b] > w[a] : w[b] < w[a]) ? b : a
    }

    func query(_ l0: Int, _ r0: Int) -> Int {
        var l = l0 + m, r = r0 + m
        var best = -1
        while l < r {
            if l & 1 == 1 { best = better(best, Int(t[l])); l += 1 }
            if r & 1 == 1 { r -= 1; best = better(best, Int(t[r])) }
            l >>= 1; r >>= 1
        }
        return best
    }
}

extension Executor {
    /// SUM / AVG of an integer argument over each row's frame with 64-bit prefix sums, or nil
    /// when a prefix or a frame's sum overflows (the caller then sums in 128 bits). Rows whose
    /// frame holds no value get 0 (the caller marks them NULL).
    static func int64FrameSums(_ w: WindowSpecBound, _ c: WindowContext, _ a: Vec, _ nn: WindowContext.NonNull, _ cnts: [Int]) -> Vec? {
        let n = c.n
        let rows = c.rows
        var ps = [Int64](repeating: 0, count: n + 1)
        var overflow = false
        ps.withUnsafeMutableBufferPointer { pp in a.ints.withUnsafeBufferPointer { ap in rows.withUnsafeBufferPointer { rp in
            nn.ok.withUnsafeBufferPointer { ok in
                var acc: Int64 = 0
                for i in 0..<n {
                    if ok[i] {
                        let (x, o) = acc.addingReportingOverflow(ap[Int(rp[i])])
                        acc = x
                        if o { overflow = true }
                    }
                    pp[i + 1] = acc
                }
            }
        } } }
        if overflow { return nil }
        let out = Vec(type: w.type, count: n)
        let avg = w.fn == .avg
        var sums = [Int64](repeating: 0, count: avg ? 0 : n)
        var means = [Double](repeating: 0, count: avg ? n : 0)
        let ex = w.frame.exclude
        for i in 0..<n where cnts[i] > 0 {
            let rg = c.ranges(i, ex)
            var s: Int64 = 0
            for q in 0..<3 where rg[q].0 < rg[q].1 {
                let (d, o1) = ps[rg[q].1].subtractingReportingOverflow(ps[rg[q].0])
                let (t, o2) = s.addingReportingOverflow(d)
                if o1 || o2 { return nil }
                s = t
            }
            if avg { means[Int(rows[i])] = Double(s) / Double(cnts[i]) } else { sums[Int(rows[i])] = s }
        }
        if avg { out.dbls = means } else { out.ints = sums }
        return out
    }
}
