import StrataCore
import CStrataKernels

/// count(DISTINCT x): every (group, value word) pair, counted when finishing.
final class DistinctCountAccumulator: Accumulator {
    let spec: AggSpec
    var counts: [Int64] = []
    let pairs = DistinctPairs()
    private var counted = false
    /// 4096 (group + 1, value) pairs recently inserted into `pairs`.
    private let recentPairs: UnsafeMutablePointer<Int64>

    init(_ spec: AggSpec) {
        self.spec = spec
        recentPairs = .allocate(capacity: 2 * 4096)
        recentPairs.initialize(repeating: 0, count: 2 * 4096)
    }

    deinit { recentPairs.deallocate() }

    func grow(_ groups: Int) { counts.grow(to: groups, with: 0) }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let (words, nulls) = keys.words(args[0], n: gids.count)
        let set = pairs
        // Rows arrive sorted by the table's sort key, so equal pairs cluster (a visitor's
        // session): a small direct-mapped cache of recently seen pairs screens them out.
        let recent = recentPairs
        let rows = countedRows(gids.count, nulls, mask)
        gids.withUnsafeBufferPointer { g in words.withUnsafeBufferPointer { w in rows.withUnsafeBufferPointer { rp in
            for r in rp {
                let i = Int(r)
                let gi = g[i], wi = w[i]
                let slot = Int(truncatingIfNeeded: (UInt64(bitPattern: wi) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(UInt32(bitPattern: gi))) >> 52)
                if recent[2 * slot] == Int64(gi) + 1 && recent[2 * slot + 1] == wi { continue }
                recent[2 * slot] = Int64(gi) + 1
                recent[2 * slot + 1] = wi
                set.append(group: gi, value: wi)
            }
        } } }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        pairs.absorb((other as! DistinctCountAccumulator).pairs, map)
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        if !counted {
            pairs.count(into: &counts, threads: threads)
            counted = true
        }
        let v = Vec(type: spec.type, count: n)
        v.ints = Array(counts.prefix(n))
        return v
    }
}

/// Exact count(DISTINCT) state: (group, value) pairs radix-partitioned by a hash of the value
/// into 256 append-only buffers (sequential writes while scanning). Counting dedupes each
/// partition with a small, cache-resident set; partitions are counted on several threads. A
/// partition that grows large is deduplicated in place, so memory follows the number of
/// distinct pairs rather than rows.
final class DistinctPairs {
    static let fanout = 256
    static let compactAt = 1 << 20
    let parts = PartitionedWords(fanout: DistinctPairs.fanout)
    /// Other threads' states merged in: their pairs are read in place at counting time, with
    /// group ids mapped through the map.
    var others: [(DistinctPairs, [Int32])] = []

    @inline(__always) static func partition(_ v: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: v) &* 0x9E37_79B9_7F4A_7C15) >> 56)  // wrapping: hash mixing
    }

    @inline(__always) func append(group: Int32, value: Int64) {
        let p = DistinctPairs.partition(value)
        parts.append(p, Int64(group), value)
        let c = parts.count(p)
        if c >= 2 * DistinctPairs.compactAt && c.isPowerOfTwo { dedupe(p) }
    }

    /// Removes duplicate pairs of partition `p` in place.
    func dedupe(_ p: Int) {
        let b = parts.words(p)
        let n = b.count / 2
        let set = PairSet(capacity: n)
        var out: [Int64] = []
        out.reserveCapacity(b.count)
        for i in 0..<n where set.insert(group: Int32(truncatingIfNeeded: b[2 * i]), value: b[2 * i + 1]) {
            out.append(b[2 * i])
            out.append(b[2 * i + 1])
        }
        parts.replace(p, with: out)
    }

    /// Takes `other`'s pairs, with group ids mapped through `map` (read when counting).
    func absorb(_ other: DistinctPairs, _ map: [Int32]) {
        others.append((other, map))
        for (o, m) in other.others { others.append((o, m.map { map[Int($0)] })) }
        other.others = []
    }

    /// Adds each group's number of distinct values to `counts`, counting partitions on up to
    /// `threads` threads.
    func count(into counts: inout [Int64], threads: Int = 1) {
        let n = counts.count
        let sources: [(DistinctPairs, [Int32]?)] = [(self, nil)] + others.map { ($0.0, $0.1) }
        let workers = (0..<max(1, min(threads, 8))).map { _ in DistinctCounter(groups: n) }
        ParallelWork.forEach(DistinctPairs.fanout, workers: workers.count) { p, w in
            let worker = workers[w]
            var total = 0
            for (src, _) in sources { total += src.parts.count(p) / 2 }
            if total > 0 { worker.count(sources.map { ($0.0.parts.words(p), $0.1) }, total: total) }
        }
        counts.withUnsafeMutableBufferPointer { c in
            for worker in workers {
                worker.counts.withUnsafeBufferPointer { l in for g in 0..<n { c[g] &+= l[g] } }
            }
        }
        for (src, _) in sources { src.parts.clear() }
        others = []
    }
}

/// One thread's share of counting distinct pairs: its counts per group and one set, emptied
/// slot by slot after each partition.
final class DistinctCounter: @unchecked Sendable {
    var counts: [Int64]
    private var set = PairSet(capacity: 1 << 10)
    private var used: [Int32] = []

    init(groups: Int) { counts = [Int64](repeating: 0, count: groups) }

    /// Counts the distinct (group, value) pairs of one partition's buffers (`total` pairs).
    func count(_ buffers: [(UnsafeBufferPointer<Int64>, [Int32]?)], total: Int) {
        if set.fits < total { set = PairSet(capacity: total) }
        let table = set
        used.removeAll(keepingCapacity: true)
        counts.withUnsafeMutableBufferPointer { c in
            for (b, map) in buffers {
                withGroupMap(map) { m in
                    let pairs = b.count / 2
                    for i in 0..<pairs {
                        // the counts of a partition's groups are scattered over every group:
                        // fetch the one a few pairs ahead
                        if i + 16 < pairs { strata_prefetch(c.baseAddress! + Int(mappedGroup(b[2 * (i + 16)], m))) }
                        let g = mappedGroup(b[2 * i], m)
                        let j = table.insertSlot(group: g, value: b[2 * i + 1])
                        if j >= 0 { c[Int(g)] &+= 1; used.append(Int32(j)) }
                    }
                }
            }
        }
        used.withUnsafeBufferPointer { table.clear(slots: $0) }
    }
}

extension Int {
    var isPowerOfTwo: Bool { self > 0 && (self & (self - 1)) == 0 }
}
