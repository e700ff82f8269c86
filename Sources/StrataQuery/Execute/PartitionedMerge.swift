import Foundation
import StrataCore

/// The groups of several partial tables (one per worker) merged into one numbering on every
/// thread: each table's group ids are bucketed by bits of their key's hash (partitions), each
/// partition's groups from every table are numbered by a small table (about cache-sized; one
/// table a thread, emptied between partitions so that its memory stays mapped), and the
/// partitions are numbered one after another. Used when the partial tables hold many groups:
/// absorbing one large table into another runs on one thread and misses the cache on every
/// group.
struct MergedGroups {
    /// Keys of all groups, row-major (`count × width`).
    let keys: [Int64]
    let count: Int
    /// `maps[t][g]`: the merged id of group g of table t.
    let maps: [[Int32]]

    /// Partitions: 256, chosen by hash bits 24...31 (below the 32 tag bits a table compares,
    /// above the slot bits of a partition's table up to 2^24 slots).
    static let partitions = 256
    @inline(__always) static func partition(_ h: UInt64) -> Int { Int(truncatingIfNeeded: (h >> 24) & 255) }

    /// Merges hashed (not direct) tables of the same key layout. `threads` at least 1.
    init(_ tables: [GroupTable], width: Int, threads: Int) {
        let parts = MergedGroups.partitions, nt = tables.count
        // each table's group ids in partition order: ids[t][start[t][p]..<start[t][p + 1]]
        var ids = [[Int32]](repeating: [], count: nt)
        var start = [[Int]](repeating: [], count: nt)
        ids.withUnsafeMutableBufferPointer { ip in start.withUnsafeMutableBufferPointer { sp in
            let out = UncheckedBox((ip, sp))
            ParallelWork.forEach(nt, workers: threads) { t, _ in
                let hs = tables[t].hashes
                var st = [Int](repeating: 0, count: parts + 1)
                for h in hs { st[MergedGroups.partition(h) + 1] += 1 }
                for p in 0..<parts { st[p + 1] += st[p] }
                var fill = st
                out.value.0[t] = [Int32](unsafeUninitializedCapacity: hs.count) { o, c in
                    fill.withUnsafeMutableBufferPointer { f in
                        for g in 0..<hs.count {
                            let p = MergedGroups.partition(hs[g])
                            o[f[p]] = Int32(truncatingIfNeeded: g)
                            f[p] += 1
                        }
                    }
                    c = hs.count
                }
                out.value.1[t] = st
            }
        } }
        // upper bounds: partition p's groups (all distinct) go to keys from bound[p] on
        var bound = [Int](repeating: 0, count: parts + 1)
        var largest = 0
        for p in 0..<parts {
            var size = 0
            for t in 0..<nt { size += start[t][p + 1] - start[t][p] }
            bound[p + 1] = bound[p] + size
            largest = max(largest, size)
        }
        // every partition numbered by the thread's table; maps get partition-local ids
        let maps = tables.map { UnsafeMutablePointer<Int32>.allocate(capacity: max(1, $0.count)) }
        defer { for m in maps { m.deallocate() } }
        var keys = [Int64](unsafeUninitializedCapacity: bound[parts] * width) { _, c in c = bound[parts] * width }
        var distinct = [Int](repeating: 0, count: parts)
        let scratch = (0..<max(1, threads)).map { _ in GroupTable(width: width, capacity: max(16, largest)) }
        keys.withUnsafeMutableBufferPointer { kp in distinct.withUnsafeMutableBufferPointer { dp in
            let out = UncheckedBox((kp, dp, maps))
            ParallelWork.forEach(parts, workers: threads) { p, w in
                let local = scratch[w]
                local.removeAll()
                for t in 0..<nt where tables[t].count > 0 {
                    let lo = start[t][p], n = start[t][p + 1] - lo
                    guard n > 0 else { continue }
                    ids[t].withUnsafeBufferPointer { ip in
                        local.absorb(keys: tables[t].keys.baseAddress!, hashes: tables[t].hashes.baseAddress!,
                                     ids: ip.baseAddress! + lo, n, into: out.value.2[t])
                    }
                }
                if local.count > 0 {
                    (out.value.0.baseAddress! + bound[p] * width).update(from: local.keys.baseAddress!, count: local.count * width)
                }
                out.value.1[p] = local.count
            }
        } }
        // partitions one after another: keys moved down over the unused bounds, ids offset
        var offset = [Int](repeating: 0, count: parts + 1)
        for p in 0..<parts { offset[p + 1] = offset[p] + distinct[p] }
        let total = offset[parts]
        keys.withUnsafeMutableBufferPointer { kp in
            for p in 0..<parts where offset[p] != bound[p] && distinct[p] > 0 {
                (kp.baseAddress! + offset[p] * width).update(from: kp.baseAddress! + bound[p] * width, count: distinct[p] * width)
            }
        }
        keys.removeLast(keys.count - total * width)
        var out = [[Int32]](repeating: [], count: nt)
        out.withUnsafeMutableBufferPointer { op in
            let o = UncheckedBox(op)
            ParallelWork.forEach(nt, workers: threads) { t, _ in
                let hs = tables[t].hashes, m = maps[t]
                o.value[t] = [Int32](unsafeUninitializedCapacity: hs.count) { r, c in
                    for g in 0..<hs.count { r[g] = m[g] &+ Int32(truncatingIfNeeded: offset[MergedGroups.partition(hs[g])]) }
                    c = hs.count
                }
            }
        }
        self.keys = keys
        self.count = total
        self.maps = out
    }
}
