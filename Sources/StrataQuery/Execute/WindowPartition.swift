import StrataCore

/// The rows of a window batch grouped by PARTITION BY key: `rows` holds the row indexes
/// partition after partition (row order kept inside a partition), `start[p]..<start[p + 1]`
/// the positions of partition `p`.
struct WindowPartitions {
    var rows: [Int32]
    var start: [Int]
    /// The carried words (see `windowPartitions`) in position order.
    var words: [UInt64]? = nil
}

extension Executor {
    /// Groups the `n` rows by the PARTITION BY key vectors. Keys that map to a dense id
    /// without hashing (dictionary-coded strings by the entry's rank, integers, dates and
    /// timestamps by their offset from the smallest value, booleans; several keys combined
    /// while the product of their ranges stays small) are partitioned by a counting sort on
    /// that id; other keys are numbered by the hash table (`GroupTable`) first.
    /// `carry` (a word per row, in row order) is moved along with the rows: the result's
    /// `words` are in position order, without reading the rows back in a random order.
    func windowPartitions(_ keys: [Vec], n: Int, carry: [UInt64]? = nil) -> WindowPartitions {
        guard n > 0 else { return WindowPartitions(rows: [], start: [0], words: carry.map { _ in [] }) }
        if keys.isEmpty {
            return WindowPartitions(rows: [Int32](unsafeUninitializedCapacity: n) { p, c in
                for i in 0..<n { p[i] = Int32(truncatingIfNeeded: i) }
                c = n
            }, start: [0, n], words: carry)
        }
        if let (ids, buckets) = denseKeyIds(keys, n: n) {
            return Executor.countingPartitions(ids, buckets: buckets, carry: carry, threads: threads)
        }
        let width = keys.count + 1
        let encoder = KeyEncoder(interner: interner)
        var rowKeys = [Int64](repeating: 0, count: n * width)
        var nulls = [Int64](repeating: 0, count: n)
        for (k, v) in keys.enumerated() {
            encoder.encode(v, n: n, into: &rowKeys, stride: width, k: k, nullMask: &nulls, bit: 1 << Int64(k))
        }
        rowKeys.withUnsafeMutableBufferPointer { kp in nulls.withUnsafeBufferPointer { np in
            for r in 0..<n { kp[r * width + width - 1] = np[r] }
        } }
        var gids = [Int32](unsafeUninitializedCapacity: n) { _, c in c = n }
        let table = GroupTable(width: width, capacity: 1024)
        rowKeys.withUnsafeBufferPointer { kp in gids.withUnsafeMutableBufferPointer { gp in
            _ = table.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
        } }
        return Executor.countingPartitions(gids, buckets: table.count, carry: carry, threads: threads)
    }

    /// Boundaries (partition indexes, first 0, last the partition count) cutting the
    /// partitions into about `pieces` ranges of about equal rows.
    static func partitionRanges(_ start: [Int], pieces: Int) -> [Int] {
        let partitions = start.count - 1
        let n = start.last ?? 0
        guard pieces > 1, partitions > 1 else { return [0, partitions] }
        var out = [0]
        let step = max(1, n / pieces)
        var next = step
        for p in 1..<partitions where start[p] >= next {
            out.append(p)
            next = start[p] + step
        }
        out.append(partitions)
        return out
    }

    /// Rows grouped by bucket id (a stable counting sort); empty buckets make no partition.
    /// Many rows are cut into one range a thread: each counts its range's buckets, a bucket's
    /// rows of range t go after those of the ranges before (so row order stays), and every
    /// thread moves its own range.
    static func countingPartitions(_ ids: [Int32], buckets: Int, carry: [UInt64]? = nil, threads: Int = 1) -> WindowPartitions {
        let n = ids.count
        let parts = n >= 1 << 20 ? max(1, min(threads, 8)) : 1
        let bounds = (0...parts).map { n * $0 / parts }
        // next[t * buckets + b]: rows of bucket b in range t, then where range t's next one goes
        var next = [Int32](repeating: 0, count: buckets * parts)
        var start: [Int] = [0]
        next.withUnsafeMutableBufferPointer { np in ids.withUnsafeBufferPointer { ip in
            let box = UncheckedBox((ip, np))
            ParallelWork.forEach(parts, workers: parts) { t, _ in
                let (ip, np) = box.value
                let h = np.baseAddress! + t * buckets
                for r in bounds[t]..<bounds[t + 1] { h[Int(ip[r])] &+= 1 }
            }
            var pos: Int32 = 0
            for b in 0..<buckets {
                var k: Int32 = 0
                for t in 0..<parts {
                    let c = np[t * buckets + b]
                    np[t * buckets + b] = pos &+ k
                    k &+= c
                }
                guard k > 0 else { continue }
                pos &+= k
                start.append(Int(pos))
            }
        } }
        // every range's rows (and carried words) moved to their places, one range a thread
        func scatter(_ rp: UnsafeMutablePointer<Int32>, _ mp: UnsafeMutablePointer<UInt64>?, _ cp: UnsafePointer<UInt64>?) {
            next.withUnsafeMutableBufferPointer { np in ids.withUnsafeBufferPointer { ip in
                let box = UncheckedBox((ip, np, rp, mp, cp))
                ParallelWork.forEach(parts, workers: parts) { t, _ in
                    let (ip, np, rp, mp, cp) = box.value
                    let h = np.baseAddress! + t * buckets
                    if let mp, let cp {
                        for r in bounds[t]..<bounds[t + 1] {
                            let b = Int(ip[r]), o = Int(h[b])
                            h[b] = Int32(truncatingIfNeeded: o &+ 1)
                            rp[o] = Int32(truncatingIfNeeded: r)
                            mp[o] = cp[r]
                        }
                    } else {
                        for r in bounds[t]..<bounds[t + 1] {
                            let b = Int(ip[r]), o = h[b]
                            h[b] = o &+ 1
                            rp[Int(o)] = Int32(truncatingIfNeeded: r)
                        }
                    }
                }
            } }
        }
        var moved: [UInt64]? = nil
        let rows = [Int32](unsafeUninitializedCapacity: n) { rp, rc in
            if let carry, n == 0 {
                moved = []
            } else if let carry {
                moved = [UInt64](unsafeUninitializedCapacity: n) { mp, mc in
                    carry.withUnsafeBufferPointer { cp in scatter(rp.baseAddress!, mp.baseAddress!, cp.baseAddress!) }
                    mc = n
                }
            } else if n > 0 {
                scatter(rp.baseAddress!, nil, nil)
            }
            rc = n
        }
        return WindowPartitions(rows: rows, start: start, words: moved)
    }

    /// A dense id per row (in `0..<buckets`, equal keys equal ids, NULL its own id) computed
    /// without hashing, or nil when a key has no such mapping or the ids would spread over
    /// many more buckets than rows.
    func denseKeyIds(_ keys: [Vec], n: Int) -> ([Int32], Int)? {
        let limit = 2 * n + 4096
        var parts: [(Vec, [Int32]?, Int64, Int)] = []  // vector, entry ids (strings) or lowest value, buckets
        var total = 1
        for v in keys {
            if v.type == .null || v.isConst { continue }  // one value for every row: no split
            switch v.type {
            case .varchar:
                guard let d = v.dict, v.ints.count >= n, d.count <= 4 * n + 4096 else { return nil }
                let (ids, distinct) = dictionaryEntryIds(d)
                parts.append((v, ids, 0, distinct + 1))
                total *= distinct + 1
            case .bigint, .timestamp, .date, .boolean:
                guard v.ints.count >= n else { return nil }
                var lo = Int64.max, hi = Int64.min
                v.ints.withUnsafeBufferPointer { p in
                    if let valid = v.valid {
                        valid.withUnsafeBufferPointer { vp in
                            for i in 0..<n where vp[i] != 0 { lo = min(lo, p[i]); hi = max(hi, p[i]) }
                        }
                    } else {
                        for i in 0..<n { lo = min(lo, p[i]); hi = max(hi, p[i]) }
                    }
                }
                if lo > hi { lo = 0; hi = 0 }  // only NULLs
                let (range, overflow) = hi.subtractingReportingOverflow(lo)
                guard !overflow, range < Int64(limit) else { return nil }
                parts.append((v, nil, lo, Int(range) + 2))
                total *= Int(range) + 2
            default:
                return nil
            }
            if total > limit { return nil }
        }
        var ids = [Int32](repeating: 0, count: n)
        ids.withUnsafeMutableBufferPointer { ip in
            for (v, entryIds, lo, buckets) in parts {
                let nullId = Int32(buckets - 1), mul = Int32(buckets)
                v.ints.withUnsafeBufferPointer { p in
                    if let entryIds {
                        entryIds.withUnsafeBufferPointer { ep in
                            if let valid = v.valid {
                                valid.withUnsafeBufferPointer { vp in
                                    for i in 0..<n { ip[i] = ip[i] &* mul &+ (vp[i] != 0 ? ep[Int(p[i])] : nullId) }
                                }
                            } else {
                                for i in 0..<n { ip[i] = ip[i] &* mul &+ ep[Int(p[i])] }
                            }
                        }
                    } else if let valid = v.valid {
                        valid.withUnsafeBufferPointer { vp in
                            for i in 0..<n { ip[i] = ip[i] &* mul &+ (vp[i] != 0 ? Int32(truncatingIfNeeded: p[i] &- lo) : nullId) }
                        }
                    } else {
                        for i in 0..<n { ip[i] = ip[i] &* mul &+ Int32(truncatingIfNeeded: p[i] &- lo) }
                    }
                }
            }
        }
        return (ids, total)
    }

    /// For each entry of `d`, an id shared by equal entries only (`0..<distinct`): the code
    /// itself when the entries are distinct (the query's interner dictionary, a segment's
    /// sorted dictionary), the entry's rank for 16-hex-digit id dictionaries (sorted runs,
    /// merged), the interner's id otherwise (each entry hashed once, cached per dictionary).
    func dictionaryEntryIds(_ d: DictRef) -> ([Int32], Int) {
        func identity() -> ([Int32], Int) { ((0..<Int32(d.count)).map { $0 }, d.count) }
        if d.owner == ObjectIdentifier(interner) { return identity() }
        if d.hexWords != nil {
            let r = d.ranks
            var top: Int32 = -1
            r.withUnsafeBufferPointer { p in for x in p { top = max(top, x) } }
            return (r, Int(top) + 1)
        }
        let dd = d.dict
        var strictlySorted = true
        for i in 1..<max(dd.count, 1) where dd.compare(i - 1, i) >= 0 { strictlySorted = false; break }
        if strictlySorted { return identity() }
        let m = interner.map(d)
        var top: Int64 = -1
        m.withUnsafeBufferPointer { p in for x in p { top = max(top, x) } }
        return (m.map { Int32(truncatingIfNeeded: $0) }, Int(top) + 1)
    }
}

extension DictRef {
    /// Ranks of 16-hex-digit id words (text order is unsigned numeric order; equal words share
    /// a rank). Dictionaries joined from segments are a few sorted runs: those are merged
    /// (a few linear passes); otherwise the words are radix-sorted.
    static func hexRanks(_ hw: [Int64]) -> [Int32] {
        let count = hw.count
        guard count > 0 else { return [] }
        var order: [Int32]
        var runs = [0]
        hw.withUnsafeBufferPointer { w in
            for i in 1..<count where UInt64(bitPattern: w[i]) < UInt64(bitPattern: w[i - 1]) {
                runs.append(i)
                if runs.count > 64 { break }
            }
        }
        if runs.count <= 64 {
            runs.append(count)
            order = (0..<Int32(count)).map { $0 }
            hw.withUnsafeBufferPointer { w in
                SortedRuns.merge(&order, runs: runs) { UInt64(bitPattern: w[Int($0)]) < UInt64(bitPattern: w[Int($1)]) }
            }
        } else {
            var keys = hw.map { UInt64(bitPattern: $0) }
            var tags = (0..<UInt32(count)).map { $0 }
            RadixSort.sort(&keys, &tags)
            order = tags.map { Int32(bitPattern: $0) }
        }
        var r = [Int32](repeating: 0, count: count)
        r.withUnsafeMutableBufferPointer { rp in hw.withUnsafeBufferPointer { w in order.withUnsafeBufferPointer { op in
            var rank: Int32 = 0
            for i in 0..<count {
                let e = Int(op[i])
                if i > 0 && w[Int(op[i - 1])] != w[e] { rank += 1 }
                rp[e] = rank
            }
        } } }
        return r
    }
}
