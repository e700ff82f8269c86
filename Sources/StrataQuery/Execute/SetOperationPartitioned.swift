import StrataCore
import StrataSQL

// Set operations over large inputs (UNION, INTERSECT [ALL], EXCEPT [ALL]) hashed on every
// thread: each row's key words are hashed once, the rows are scattered into partitions by the
// top bits of their hash (in row order within a partition), and each partition is answered on
// its own with a table small enough to stay in cache. The answer is the one-table path's row
// for row: a partition sees its rows in row order, so "the first copy is kept" (UNION,
// INTERSECT, EXCEPT) and "the first copies are removed" (EXCEPT ALL) pick the same rows.

enum PartitionedSetOperation {
    /// Rows (both sides) from which the partitioned path answers; below, one table over the
    /// concatenated rows does.
    static let minRows = 1 << 16
    /// Rows hashed and scattered per work item.
    static let chunkRows = 1 << 16

    /// log2 of the partition count for `rows` rows: about 8K rows a partition, 16 to 1024.
    static func partitionBits(_ rows: Int) -> Int {
        var bits = 4
        while bits < 10 && (rows >> bits) > 8192 { bits += 1 }
        return bits
    }
}

extension Executor {
    /// UNION (distinct), INTERSECT [ALL] or EXCEPT [ALL] of `l` and `r` as a relation of `types`
    /// through partitioned hashing; nil when the one-table path answers (small inputs, UNION
    /// ALL, LIST columns).
    func partitionedSetOperation(names: [String], types: [DataType], _ l: Relation, _ r: Relation,
                                 _ kind: SetOperation.Kind, all: Bool) throws(QueryError) -> Relation? {
        let nl = l.count, nr = r.count, total = nl + nr
        guard total >= PartitionedSetOperation.minRows, !(kind == .union && all), !types.isEmpty,
              l.columns.count == types.count, r.columns.count == types.count else { return nil }
        for t in types { if case .list = t { return nil } }
        let lcols = types.indices.map { l.columns[$0].converted(to: types[$0]) }
        let rcols = types.indices.map { r.columns[$0].converted(to: types[$0]) }
        var lk = lcols, rk = rcols
        // hex-id words and interned ids are different spellings of a string: one per column
        Executor.matchHexKeys(&lk, &rk)
        let nullable = (lk + rk).contains { $0.valid != nil || $0.type == .null }
        let width = types.count + (nullable ? (types.count + 61) / 62 : 0)
        // key words, their partition copies, hashes, row numbers, flags
        let bytes = total * (16 * width + 8 + 8 + 4 + 1) + (nl + nr) * 4
        try eval.reserve(bytes, "set operation over \(Evaluator.grouped(nl)) and \(Evaluator.grouped(nr)) rows")
        defer { eval.release(bytes) }
        let lw = setKeyWords(lk, nl, width), rw = setKeyWords(rk, nr, width)
        try eval.checkInterrupt()
        let keep = UnsafeMutablePointer<UInt8>.allocate(capacity: total)
        keep.initialize(repeating: 0, count: total)
        defer { keep.deallocate() }
        lw.withUnsafeBufferPointer { lp in rw.withUnsafeBufferPointer { rp in
            PartitionedSetOperation.run(lp.baseAddress!, nl, rp.baseAddress!, nr, width: width, kind, all: all,
                                        threads: threads, stop: eval.interruption, keep: keep)
        } }
        try eval.checkInterrupt()
        var keepLeft: [Int32] = [], keepRight: [Int32] = []
        for i in 0..<nl where keep[i] != 0 { keepLeft.append(Int32(i)) }
        for i in nl..<total where keep[i] != 0 { keepRight.append(Int32(i - nl)) }
        let left = keepLeft.count == nl ? lcols : gatherColumns(lcols, keepLeft)
        if keepRight.isEmpty {
            return Relation(names: names, types: types, columns: left, count: keepLeft.count)
        }
        let right = gatherColumns(rcols, keepRight)
        let columns = types.indices.map { c in Vec.concat([left[c], right[c]], type: types[c], interner: interner) }
        return Relation(names: names, types: types, columns: columns, count: keepLeft.count + keepRight.count)
    }

    /// Row-major key words (`width` a row: one per column, then the NULL masks when `width`
    /// has room for them) of `n` rows.
    private func setKeyWords(_ cols: [Vec], _ n: Int, _ width: Int) -> [Int64] {
        var out = [Int64](repeating: 0, count: n * width)
        if n == 0 { return out }
        let enc = KeyEncoder(interner: interner)
        let masks = width - cols.count
        if masks == 0 {
            // no column has a NULL: no mask is ever written
            var unused: [Int64] = []
            for (k, v) in cols.enumerated() { enc.encode(v, n: n, into: &out, stride: width, k: k, nullMask: &unused, bit: 1) }
            return out
        }
        for m in 0..<masks {
            var nulls = [Int64](repeating: 0, count: n)
            for k in (m * 62)..<min(cols.count, m * 62 + 62) {
                enc.encode(cols[k], n: n, into: &out, stride: width, k: k, nullMask: &nulls, bit: 1 << Int64(k - m * 62))
            }
            let at = cols.count + m
            out.withUnsafeMutableBufferPointer { o in for r in 0..<n { o[r * width + at] = nulls[r] } }
        }
        return out
    }
}

extension PartitionedSetOperation {
    /// Sets `keep[i]` for every kept row (left rows `0..<nl`, right rows `nl..<nl + nr`).
    static func run(_ lw: UnsafePointer<Int64>, _ nl: Int, _ rw: UnsafePointer<Int64>, _ nr: Int, width: Int,
                    _ kind: SetOperation.Kind, all: Bool, threads: Int, stop: Interruption?,
                    keep: UnsafeMutablePointer<UInt8>) {
        let total = nl + nr
        let bits = partitionBits(total), parts = 1 << bits, shift = UInt64(64 - bits)
        let chunks = (total + chunkRows - 1) / chunkRows
        let hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: total)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks * parts)
        counts.initialize(repeating: 0, count: chunks * parts)
        defer { hashes.deallocate(); counts.deallocate() }
        @inline(__always) func key(_ i: Int) -> UnsafePointer<Int64> { i < nl ? lw + i * width : rw + (i - nl) * width }
        let box = UncheckedBox((hashes, counts))
        // 1. hash every row; rows per chunk and partition
        ParallelWork.forEach(chunks, workers: threads, stop: stop) { c, _ in
            let (hashes, counts) = box.value
            let cnt = counts + c * parts
            let lo = c * chunkRows, hi = min(total, lo + chunkRows)
            for (a, b, base, off) in [(lo, min(hi, nl), lw, 0), (max(lo, nl), hi, rw, nl)] where a < b {
                for i in a..<b {
                    let h = GroupTable.hash(base + (i - off) * width, width)
                    hashes[i] = h
                    cnt[Int(truncatingIfNeeded: h >> shift)] += 1
                }
            }
        }
        if let stop, stop.isRaised { return }
        // 2. where each chunk's rows of each partition go: partitions in turn, chunks in order
        var start = [Int](repeating: 0, count: parts + 1)
        var at = 0
        for p in 0..<parts {
            start[p] = at
            for c in 0..<chunks {
                let x = counts[c * parts + p]
                counts[c * parts + p] = at
                at += x
            }
        }
        start[parts] = at
        let rows = UnsafeMutablePointer<Int32>.allocate(capacity: total)
        let pkeys = UnsafeMutablePointer<Int64>.allocate(capacity: total * width)
        let phash = UnsafeMutablePointer<UInt64>.allocate(capacity: total)
        defer { rows.deallocate(); pkeys.deallocate(); phash.deallocate() }
        let out = UncheckedBox((rows, pkeys, phash, keep))
        ParallelWork.forEach(chunks, workers: threads, stop: stop) { c, _ in
            let (hashes, counts) = box.value
            let (rows, pkeys, phash, _) = out.value
            let cursor = counts + c * parts
            let lo = c * chunkRows, hi = min(total, lo + chunkRows)
            for i in lo..<hi {
                let h = hashes[i]
                let p = Int(truncatingIfNeeded: h >> shift)
                let pos = cursor[p]
                cursor[p] = pos + 1
                rows[pos] = Int32(truncatingIfNeeded: i)
                phash[pos] = h
                (pkeys + pos * width).update(from: key(i), count: width)
            }
        }
        if let stop, stop.isRaised { return }
        // 3. each partition on its own: right rows follow the left ones in it
        let bounds = UncheckedBox(start)
        ParallelWork.forEach(parts, workers: threads, stop: stop) { p, _ in
            let (rows, pkeys, phash, keep) = out.value
            let s = bounds.value[p], e = bounds.value[p + 1]
            guard s < e else { return }
            var m = s
            while m < e && Int(rows[m]) < nl { m += 1 }
            let table = GroupTable(width: width, capacity: e - s)
            @inline(__always) func group(_ pos: Int) -> (Int, Bool) {
                let before = table.count
                let g = table.findOrInsert(pkeys + pos * width, hash: phash[pos])
                return (g, table.count > before)
            }
            if kind == .union {
                for pos in s..<e where group(pos).1 { keep[Int(rows[pos])] = 1 }
                return
            }
            // copies of each key on the right
            var right: [Int32] = []
            right.reserveCapacity(e - m)
            for pos in m..<e {
                let (g, new) = group(pos)
                if new { right.append(1) } else { right[g] += 1 }
            }
            var done = [Bool](repeating: false, count: right.count)
            for pos in s..<m {
                let (g, new) = group(pos)
                if new { right.append(0); done.append(false) }
                let row = Int(rows[pos])
                switch (kind, all) {
                case (.intersect, false):
                    if right[g] > 0 && !done[g] { done[g] = true; keep[row] = 1 }
                case (.intersect, true):
                    if right[g] > 0 { right[g] -= 1; keep[row] = 1 }
                case (.except, false):
                    if right[g] == 0 && !done[g] { done[g] = true; keep[row] = 1 }
                default:
                    if right[g] > 0 { right[g] -= 1 } else { keep[row] = 1 }
                }
            }
        }
    }
}
