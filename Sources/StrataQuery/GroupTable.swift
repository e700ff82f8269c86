import Foundation
import StrataCore
import StrataFormat
import CStrataKernels
/// Open-addressing hash table from fixed-width keys (`width` Int64 words) to dense group ids.
/// Keys are stored flat (structure of arrays), so aggregate state can be indexed by group id.
/// Storage is manually managed so the probe loop touches raw pointers only.
final class GroupTable {
    let width: Int
    private var keyStore: UnsafeMutablePointer<Int64>
    private var keyCapacity: Int
    private var hashStore: UnsafeMutablePointer<UInt64>
    /// 0 = empty, else (upper 32 bits of the hash) << 32 | (group id + 1): a probe compares the
    /// stored hash bits before touching the key.
    private var slots: UnsafeMutablePointer<UInt64>
    private var slotCount: Int
    private var mask: Int
    private(set) var count = 0
    /// Direct mode (one-word keys known to lie in 0..<2^directBits): the group id of every
    /// possible key, -1 when absent; no hashing at all.
    private var direct: UnsafeMutablePointer<Int32>?

    /// A table whose keys are single words in 0..<2^bits (`bits` at most 24): lookups index
    /// an array instead of hashing.
    convenience init(directBits bits: Int) {
        precondition(bits >= 0 && bits <= 24)
        self.init(width: 1)
        let d = UnsafeMutablePointer<Int32>.allocate(capacity: 1 << bits)
        d.initialize(repeating: -1, count: 1 << bits)
        direct = d
    }

    init(width: Int, capacity: Int = 1024) {
        self.width = width
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        slotCount = cap
        mask = cap - 1
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: 0, count: cap)
        keyCapacity = max(16, capacity)
        keyStore = .allocate(capacity: keyCapacity * width)
        hashStore = .allocate(capacity: keyCapacity)
    }

    deinit {
        direct?.deallocate()
        slots.deallocate()
        keyStore.deallocate()
        hashStore.deallocate()
    }

    /// Keys of all groups, row-major (count × width).
    var keys: UnsafeBufferPointer<Int64> { UnsafeBufferPointer(start: keyStore, count: count * width) }

    @inline(__always) static func hash(_ p: UnsafePointer<Int64>, _ w: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for k in 0..<w {
            h = (h ^ UInt64(bitPattern: p[k])) &* 0xBF58_476D_1CE4_E5B9  // wrapping: hash mixing
            h ^= h >> 29
        }
        h = h &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 32)
    }

    /// Key equality without a branch per word (keys are short; most compared keys are equal).
    @inline(__always) static func equal(_ a: UnsafePointer<Int64>, _ b: UnsafePointer<Int64>, _ w: Int) -> Bool {
        var diff: Int64 = 0
        for k in 0..<w { diff |= a[k] ^ b[k] }
        return diff == 0
    }

    @inline(__always) static func slotValue(_ h: UInt64, _ g: Int) -> UInt64 { (h & 0xFFFF_FFFF_0000_0000) | UInt64(g + 1) }

    /// Makes room for `groups` groups in total without further growth (one rehash now
    /// instead of one per doubling while they arrive).
    func reserve(_ groups: Int) {
        if groups > keyCapacity {
            var cap = keyCapacity
            while cap < groups { cap *= 2 }
            growKeys(to: cap)
        }
        if direct != nil { return }
        var target = slotCount
        while (groups + 1) * 2 > target { target *= 2 }
        if target > slotCount { growSlots(to: target) }
    }

    private func growSlots() { growSlots(to: slotCount * 2) }

    private func growSlots(to cap: Int) {
        slots.deallocate()
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: 0, count: cap)
        slotCount = cap
        mask = cap - 1
        // large tables miss the cache on every insert: prefetch the slot a few groups ahead
        let ahead = cap >= 1 << 16 ? 8 : 0
        for g in 0..<count {
            if g + ahead < count && ahead > 0 { strata_prefetch(slots + (Int(truncatingIfNeeded: hashStore[g + ahead]) & mask)) }
            let h = hashStore[g]
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = GroupTable.slotValue(h, g)
        }
    }

    private func growKeys() { growKeys(to: keyCapacity * 2) }

    private func growKeys(to cap: Int) {
        let k = UnsafeMutablePointer<Int64>.allocate(capacity: cap * width)
        k.update(from: keyStore, count: count * width)
        keyStore.deallocate()
        keyStore = k
        let h = UnsafeMutablePointer<UInt64>.allocate(capacity: cap)
        h.update(from: hashStore, count: count)
        hashStore.deallocate()
        hashStore = h
        keyCapacity = cap
    }

    /// Group id of each of `n` keys laid out row-major in `rowKeys` (n × width), inserting
    /// new keys (new groups get ids `count, count+1, ...` in order). Returns how many groups
    /// were created.
    @discardableResult
    func findOrInsert(_ rowKeys: UnsafePointer<Int64>, _ n: Int, into gids: UnsafeMutablePointer<Int32>) -> Int {
        let w = width
        let before = count
        if n == 0 { return 0 }
        if let direct {
            for r in 0..<n {
                let key = Int(truncatingIfNeeded: rowKeys[r])
                var g = direct[key]
                if g < 0 {
                    if count == keyCapacity { growKeys() }
                    keyStore[count] = rowKeys[r]
                    hashStore[count] = 0
                    g = Int32(truncatingIfNeeded: count)
                    direct[key] = g
                    count += 1
                }
                gids[r] = g
            }
            return count - before
        }
        // keys that change almost every row and span small ranges: a dense local map
        if n >= 512 {
            let sample = min(n, 256)
            var changes = 0
            for r in 1..<sample where !GroupTable.equal(rowKeys + (r - 1) * w, rowKeys + r * w, w) { changes += 1 }
            if changes * 4 >= sample, findOrInsertDense(rowKeys, n, into: gids) { return count - before }
        }
        // rows sorted by the table's key repeat their predecessor: only run starts are looked up
        let (starts, runs) = runStarts(rowKeys, n)
        defer { starts.deallocate() }
        if slotCount >= 1 << 16 {
            resolveRuns(rowKeys, starts, runs, into: gids, insert: true)
        } else {
            for j in 0..<runs {
                let r = Int(starts[j])
                let key = rowKeys + r * w
                let g = Int32(truncatingIfNeeded: probe(key, GroupTable.hash(key, w)))
                for x in r..<Int(starts[j + 1]) { gids[x] = g }
            }
        }
        return count - before
    }

    /// Keys whose words span small ranges in this batch (a day and a source, an hour and a
    /// weekday): each row's words give a dense index into a small local map of group ids, and
    /// only the first row of each index probes the table. Returns false (nothing done) when
    /// the ranges multiply past 2^15.
    private func findOrInsertDense(_ rowKeys: UnsafePointer<Int64>, _ n: Int, into gids: UnsafeMutablePointer<Int32>) -> Bool {
        let w = width
        let limit: UInt64 = 1 << 15
        return withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * w) { buf -> Bool in
            let lo = buf.baseAddress!, stride = lo + w
            var size: UInt64 = 1
            for k in 0..<w {
                var mn = rowKeys[k], mx = rowKeys[k]
                for r in 1..<n {
                    let x = rowKeys[r * w + k]
                    mn = Swift.min(mn, x)
                    mx = Swift.max(mx, x)
                }
                let span = UInt64(bitPattern: mx &- mn)
                guard span < limit else { return false }
                stride[k] = Int64(size)
                size *= span + 1
                guard size <= limit else { return false }
                lo[k] = mn
            }
            let local = UnsafeMutablePointer<Int32>.allocate(capacity: Int(size))
            defer { local.deallocate() }
            local.initialize(repeating: -1, count: Int(size))
            for r in 0..<n {
                let key = rowKeys + r * w
                var idx = 0
                for k in 0..<w { idx &+= Int(truncatingIfNeeded: key[k] &- lo[k]) &* Int(truncatingIfNeeded: stride[k]) }
                var g = local[idx]
                if g < 0 {
                    g = Int32(truncatingIfNeeded: probe(key, GroupTable.hash(key, w)))
                    local[idx] = g
                }
                gids[r] = g
            }
            return true
        }
    }

    /// Rows that start a run of keys equal to their predecessor's, and how many; `starts[runs]`
    /// is `n`. The caller deallocates.
    private func runStarts(_ rowKeys: UnsafePointer<Int64>, _ n: Int) -> (UnsafeMutablePointer<Int32>, Int) {
        let w = width
        let starts = UnsafeMutablePointer<Int32>.allocate(capacity: n + 1)
        var runs = 0
        for r in 0..<n {
            if r > 0 && GroupTable.equal(rowKeys + (r - 1) * w, rowKeys + r * w, w) { continue }
            starts[runs] = Int32(truncatingIfNeeded: r)
            runs += 1
        }
        starts[runs] = Int32(truncatingIfNeeded: n)
        return (starts, runs)
    }

    /// Large tables miss the cache on every probe: hash the run starts and prefetch each one's
    /// slot a few runs ahead of looking it up (inserting it when `insert`, else -1 if absent).
    private func resolveRuns(_ rowKeys: UnsafePointer<Int64>, _ starts: UnsafeMutablePointer<Int32>, _ runs: Int,
                             into gids: UnsafeMutablePointer<Int32>, insert: Bool) {
        let w = width
        let hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: max(runs, 1))
        defer { hashes.deallocate() }
        for j in 0..<runs { hashes[j] = GroupTable.hash(rowKeys + Int(starts[j]) * w, w) }
        let ahead = 12
        for j in 0..<min(ahead, runs) { strata_prefetch(slots + (Int(truncatingIfNeeded: hashes[j]) & mask)) }
        for j in 0..<runs {
            if j + ahead < runs { strata_prefetch(slots + (Int(truncatingIfNeeded: hashes[j + ahead]) & mask)) }
            let r = Int(starts[j])
            let key = rowKeys + r * w
            let g = Int32(truncatingIfNeeded: insert ? probe(key, hashes[j]) : lookup(key, hashes[j]))
            for i in r..<Int(starts[j + 1]) { gids[i] = g }
        }
    }

    /// Group id of `key` (hash `h`), -1 when absent.
    @inline(__always) private func lookup(_ key: UnsafePointer<Int64>, _ h: UInt64) -> Int {
        var i = Int(truncatingIfNeeded: h) & mask
        let tag = h & 0xFFFF_FFFF_0000_0000
        while true {
            let sv = slots[i]
            if sv == 0 { return -1 }
            if sv & 0xFFFF_FFFF_0000_0000 == tag {
                let g = Int(sv & 0xFFFF_FFFF) - 1
                if GroupTable.equal(keyStore + g * width, key, width) { return g }
            }
            i = (i + 1) & mask
        }
    }

    /// Group id of `key` (hash `h`), inserting it when new.
    @inline(__always) private func probe(_ key: UnsafePointer<Int64>, _ h: UInt64) -> Int {
        let w = width
        if (count + 1) * 2 > slotCount { growSlots() }
        var i = Int(truncatingIfNeeded: h) & mask
        let tag = h & 0xFFFF_FFFF_0000_0000
        while true {
            let sv = slots[i]
            if sv == 0 {
                if count == keyCapacity { growKeys() }
                (keyStore + count * w).update(from: key, count: w)
                hashStore[count] = h
                slots[i] = GroupTable.slotValue(h, count)
                count += 1
                return count - 1
            }
            if sv & 0xFFFF_FFFF_0000_0000 == tag {
                let g = Int(sv & 0xFFFF_FFFF) - 1
                let base = keyStore + g * w
                if GroupTable.equal(base, key, w) { return g }
            }
            i = (i + 1) & mask
        }
    }

    /// Group id of each of `n` keys (row-major, n × width), -1 for keys not in the table. A row
    /// equal to its predecessor reuses its answer; other rows' slots are prefetched a few
    /// lookups ahead.
    func find(_ rowKeys: UnsafePointer<Int64>, _ n: Int, into gids: UnsafeMutablePointer<Int32>) {
        if let direct {
            for r in 0..<n { gids[r] = direct[Int(truncatingIfNeeded: rowKeys[r])] }
            return
        }
        let (starts, runs) = runStarts(rowKeys, n)
        defer { starts.deallocate() }
        resolveRuns(rowKeys, starts, runs, into: gids, insert: false)
    }

    /// Returns true when the key was new.
    func insert(_ key: UnsafePointer<Int64>) -> Bool {
        var g: Int32 = 0
        return findOrInsert(key, 1, into: &g) == 1
    }

    @inline(__always) func key(_ g: Int, _ k: Int) -> Int64 { keyStore[g * width + k] }
}

/// A hash set of (group, value) pairs for exact count(DISTINCT): entries are stored inline
/// (16 bytes, open addressing), so a probe costs one cache line. Group ids are stored + 1 so
/// that 0 marks an empty slot.
final class PairSet {
    private var slots: UnsafeMutablePointer<UInt64>  // 2 words per slot
    private var capacity: Int
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1 << 12) {
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        self.capacity = cap
        mask = cap - 1
        slots = .allocate(capacity: 2 * cap)
        slots.initialize(repeating: 0, count: 2 * cap)
    }

    deinit { slots.deallocate() }

    @inline(__always) static func hash(_ g: UInt64, _ v: UInt64) -> UInt64 {
        var h = (v ^ (g &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9  // wrapping: hash mixing
        h ^= h >> 31
        h = h &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }

    private func grow() {
        let old = slots, oldCap = capacity
        capacity *= capacity < 1 << 22 ? 4 : 2  // fewer rehash passes while small
        mask = capacity - 1
        slots = .allocate(capacity: 2 * capacity)
        slots.initialize(repeating: 0, count: 2 * capacity)
        for i in 0..<oldCap where old[2 * i] != 0 {
            var j = Int(truncatingIfNeeded: PairSet.hash(old[2 * i], old[2 * i + 1])) & mask
            while slots[2 * j] != 0 { j = (j + 1) & mask }
            slots[2 * j] = old[2 * i]
            slots[2 * j + 1] = old[2 * i + 1]
        }
        old.deallocate()
    }

    /// Inserts (group, value); true when it was not present.
    @inline(__always) func insert(group: Int32, value: Int64) -> Bool {
        if (count + 1) * 2 > capacity { grow() }
        return insertSlot(group: group, value: value) >= 0
    }

    /// Inserts (group, value) without growing (the caller sized the set); returns the slot
    /// when the pair was new, -1 when it was present.
    @inline(__always) func insertSlot(group: Int32, value: Int64) -> Int {
        let g = UInt64(UInt32(bitPattern: group)) + 1
        let v = UInt64(bitPattern: value)
        var j = Int(truncatingIfNeeded: PairSet.hash(g, v)) & mask
        while true {
            let s = slots[2 * j]
            if s == 0 {
                slots[2 * j] = g
                slots[2 * j + 1] = v
                count += 1
                return j
            }
            if s == g && slots[2 * j + 1] == v { return -1 }
            j = (j + 1) & mask
        }
    }

    /// Empties the given slots (all the set's entries), so the set can be reused.
    func clear(slots used: UnsafeBufferPointer<Int32>) {
        for j in used { slots[2 * Int(j)] = 0; slots[2 * Int(j) + 1] = 0 }
        count = 0
    }

    /// Room for `n` pairs at load factor at most 1/2.
    var fits: Int { capacity / 2 }

    /// Calls `body(group, value)` for every pair.
    func forEach(_ body: (Int32, Int64) -> Void) {
        for i in 0..<capacity where slots[2 * i] != 0 {
            body(Int32(truncatingIfNeeded: slots[2 * i] - 1), Int64(bitPattern: slots[2 * i + 1]))
        }
    }
}

/// `fanout` append-only buffers of Int64 words with manually managed storage, so an append
/// costs no uniqueness check or bounds check of nested arrays.
final class PartitionedWords {
    let fanout: Int
    private var bases: UnsafeMutablePointer<UnsafeMutablePointer<Int64>?>
    private var counts: UnsafeMutablePointer<Int>
    private var capacities: UnsafeMutablePointer<Int>

    init(fanout: Int) {
        self.fanout = fanout
        bases = .allocate(capacity: fanout)
        bases.initialize(repeating: nil, count: fanout)
        counts = .allocate(capacity: fanout)
        counts.initialize(repeating: 0, count: fanout)
        capacities = .allocate(capacity: fanout)
        capacities.initialize(repeating: 0, count: fanout)
    }

    deinit {
        clear()
        bases.deallocate()
        counts.deallocate()
        capacities.deallocate()
    }

    @inline(__always) func count(_ p: Int) -> Int { counts[p] }

    private func grow(_ p: Int, _ need: Int) {
        var cap = max(256, capacities[p] * 2)
        while cap < need { cap *= 2 }
        let fresh = UnsafeMutablePointer<Int64>.allocate(capacity: cap)
        if let old = bases[p] {
            fresh.update(from: old, count: counts[p])
            old.deallocate()
        }
        bases[p] = fresh
        capacities[p] = cap
    }

    @inline(__always) func append(_ p: Int, _ a: Int64, _ b: Int64) {
        let c = counts[p]
        if c + 2 > capacities[p] { grow(p, c + 2) }
        let base = bases[p]!
        base[c] = a
        base[c + 1] = b
        counts[p] = c + 2
    }

    @inline(__always) func append(_ p: Int, _ a: Int64, _ b: Int64, _ d: Int64) {
        let c = counts[p]
        if c + 3 > capacities[p] { grow(p, c + 3) }
        let base = bases[p]!
        base[c] = a
        base[c + 1] = b
        base[c + 2] = d
        counts[p] = c + 3
    }

    /// The words of partition `p` (valid until the next append to it).
    func words(_ p: Int) -> UnsafeBufferPointer<Int64> { UnsafeBufferPointer(start: bases[p], count: counts[p]) }

    /// Replaces partition `p`'s words.
    func replace(_ p: Int, with words: [Int64]) {
        counts[p] = 0
        if words.count > capacities[p] { grow(p, words.count) }
        words.withUnsafeBufferPointer { w in if let b = w.baseAddress { bases[p]!.update(from: b, count: w.count) } }
        counts[p] = words.count
    }

    func clear() {
        for p in 0..<fanout {
            bases[p]?.deallocate()
            bases[p] = nil
            counts[p] = 0
            capacities[p] = 0
        }
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

/// Calls `body` with the map of another thread's group ids to final ones (nil: ids are final).
@inline(__always) func withGroupMap<R>(_ map: [Int32]?, _ body: (UnsafeBufferPointer<Int32>?) -> R) -> R {
    guard let map else { return body(nil) }
    return map.withUnsafeBufferPointer { body($0) }
}

/// The final group id of a stored group word.
@inline(__always) func mappedGroup(_ word: Int64, _ map: UnsafeBufferPointer<Int32>?) -> Int32 {
    if let map { return map[Int(word)] }
    return Int32(truncatingIfNeeded: word)
}

/// mode() state: (group, value word, count) triples, counted in a small cache while scanning
/// and radix-partitioned by a hash of the value like `DistinctPairs`. Finishing sums the counts
/// per (group, value) and each group keeps the value seen most often; ties go to the smallest
/// value (strings byte-wise, NaN after every number).
final class ModeCounts {
    static let fanout = 256
    static let compactAt = 1 << 21
    /// (group, value, count) triples.
    let parts = PartitionedWords(fanout: ModeCounts.fanout)
    var others: [(ModeCounts, [Int32])] = []
    /// Values are 16-hex-digit ids as 64-bit words (their numeric order is their text order).
    var hex = false
    private var result: Vec?
    /// Recently counted (group + 1, value, count) triples, direct-mapped by a hash of the
    /// pair: rows of one group arrive close together (sorted input), so most occurrences add
    /// to a cached count and only evicted or final counts reach the buffers.
    private let cache: UnsafeMutablePointer<Int64>
    private static let cacheSlots = 4096

    init() {
        cache = .allocate(capacity: 3 * ModeCounts.cacheSlots)
        cache.initialize(repeating: 0, count: 3 * ModeCounts.cacheSlots)
    }

    deinit { cache.deallocate() }

    @inline(__always) static func partition(_ v: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: v) &* 0x9E37_79B9_7F4A_7C15) >> 56)  // wrapping: hash mixing
    }

    @inline(__always) func add(group: Int32, value: Int64) {
        let g = Int64(group) + 1
        let slot = 3 * Int(truncatingIfNeeded: (UInt64(bitPattern: value) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: g) &* 0xBF58_476D_1CE4_E5B9) >> 52)
        if cache[slot] == g && cache[slot + 1] == value { cache[slot + 2] += 1; return }
        if cache[slot] != 0 { emit(Int32(truncatingIfNeeded: cache[slot] - 1), cache[slot + 1], cache[slot + 2]) }
        cache[slot] = g
        cache[slot + 1] = value
        cache[slot + 2] = 1
    }

    private func emit(_ group: Int32, _ value: Int64, _ n: Int64) {
        let p = ModeCounts.partition(value)
        parts.append(p, Int64(group), value, n)
        let c = parts.count(p) / 3
        if c >= ModeCounts.compactAt && c % ModeCounts.compactAt == 0 { compact(p) }
    }

    /// Moves every cached count to the buffers.
    func flush() {
        for s in 0..<ModeCounts.cacheSlots where cache[3 * s] != 0 {
            emit(Int32(truncatingIfNeeded: cache[3 * s] - 1), cache[3 * s + 1], cache[3 * s + 2])
            cache[3 * s] = 0
        }
    }

    /// Sums the counts of equal (group, value) triples of partition `p` in place.
    func compact(_ p: Int) {
        let words = parts.words(p)
        var out: [Int64] = []
        out.reserveCapacity(words.count)
        ModeSummer().sum(words.baseAddress!, words.count / 3) { g, v, c in
            out.append(Int64(g))
            out.append(v)
            out.append(c)
        }
        parts.replace(p, with: out)
    }

    func absorb(_ other: ModeCounts, _ map: [Int32]) {
        other.flush()
        hex = hex || other.hex
        others.append((other, map))
        for (o, m) in other.others { others.append((o, m.map { map[Int($0)] })) }
        other.others = []
    }

    /// The mode of groups `0..<n` (NULL for groups without values). The runs are first
    /// scattered by final group id into contiguous group ranges (buffers are partitioned by
    /// value, which spreads nothing when a column has few values); each range is then summed
    /// in a small table and its groups' winners written directly, ranges on several threads.
    func finalize(_ n: Int, type: DataType, interner: StringInterner, threads: Int = 1) -> Vec {
        if let r = result, r.count >= n { return r }
        flush()
        for (o, _) in others { o.flush() }
        let sources: [(ModeCounts, [Int32]?)] = [(self, nil)] + others.map { ($0.0, $0.1) }
        let isHex = hex || sources.contains { $0.0.hex }
        // value order of the column type; strings compare in a snapshot of the interner
        // (no lock per comparison); double words (`OrderWord.double`) and integers compare
        // as signed words
        let strings = type == .varchar && !isHex ? interner.stringsSnapshot() : StringDictionary()
        let order: Int
        switch type {
        case .varchar where isHex: order = 1
        case .varchar: order = 2
        default: order = 0
        }
        @inline(__always) func less(_ a: Int64, _ b: Int64) -> Bool {
            switch order {
            case 1: return UInt64(bitPattern: a) < UInt64(bitPattern: b)
            case 2: return strings.compare(Int(a), Int(b)) < 0
            default: return a < b
            }
        }
        var total = 0
        for (src, _) in sources { for p in 0..<ModeCounts.fanout { total += src.parts.count(p) / 3 } }
        let ranges = max(1, min(4096, total / 4096, n))
        @inline(__always) func range(_ g: Int32) -> Int { Int(g) &* ranges / max(n, 1) }
        let workers = max(1, min(threads, 8))
        // input units: (source, buffer partition)
        var units: [(Int, Int)] = []
        for (si, (src, _)) in sources.enumerated() { for p in 0..<ModeCounts.fanout where src.parts.count(p) > 0 { units.append((si, p)) } }
        // 1. per-unit histograms of target ranges (parallel), then offsets
        var hist = [[Int]](repeating: [], count: units.count)
        let lock = NSLock()
        ParallelWork.forEach(units.count, workers: workers) { u, _ in
            let (si, p) = units[u]
            let (src, map) = sources[si]
            let b = src.parts.words(p)
            var h = [Int](repeating: 0, count: ranges)
            withGroupMap(map) { m in
                for i in 0..<(b.count / 3) { h[range(mappedGroup(b[3 * i], m))] += 1 }
            }
            lock.lock()
            hist[u] = h
            lock.unlock()
        }
        var start = [Int](repeating: 0, count: ranges + 1)
        var offsets = hist
        do {
            var pos = 0
            for r in 0..<ranges {
                start[r] = pos
                for u in 0..<units.count {
                    offsets[u][r] = pos
                    pos += hist[u][r]
                }
            }
            start[ranges] = pos
        }
        // 2. scatter (group, value, count) triples by range (parallel, disjoint slices)
        let scattered = UnsafeMutablePointer<Int64>.allocate(capacity: max(3 * total, 3))
        defer { scattered.deallocate() }
        let out = UncheckedBox(scattered)
        ParallelWork.forEach(units.count, workers: workers) { u, _ in
            let (si, p) = units[u]
            let (src, map) = sources[si]
            let b = src.parts.words(p)
            var o = offsets[u]
            let dst = out.value
            withGroupMap(map) { m in
                for i in 0..<(b.count / 3) {
                    let g = mappedGroup(b[3 * i], m)
                    let r = range(g)
                    let k = 3 * o[r]
                    dst[k] = Int64(g)
                    dst[k + 1] = b[3 * i + 1]
                    dst[k + 2] = b[3 * i + 2]
                    o[r] += 1
                }
            }
        }
        for s in sources { s.0.parts.clear() }
        others = []
        // 3. per range: sum in a table, winners straight into the result
        let bestValue = UnsafeMutablePointer<Int64>.allocate(capacity: max(n, 1))
        let bestCount = UnsafeMutablePointer<Int64>.allocate(capacity: max(n, 1))
        bestValue.initialize(repeating: 0, count: max(n, 1))
        bestCount.initialize(repeating: 0, count: max(n, 1))
        defer { bestValue.deallocate(); bestCount.deallocate() }
        let best = UncheckedBox((bestValue, bestCount))
        // one table per worker, reused range after range
        let tables = (0..<workers).map { _ in ModeSummer() }
        ParallelWork.forEach(ranges, workers: workers) { r, w in
            let lo = start[r], hi = start[r + 1]
            if lo == hi { return }
            let (bv, bc) = best.value
            tables[w].sum(out.value + 3 * lo, hi - lo) { g, v, c in
                let k = Int(g)
                if c > bc[k] || (c == bc[k] && less(v, bv[k])) { bc[k] = c; bv[k] = v }
            }
        }
        let bv = Array(UnsafeBufferPointer(start: bestValue, count: n))
        let bc = Array(UnsafeBufferPointer(start: bestCount, count: n))
        let v = Vec(type: type, count: n)
        switch type {
        case .varchar where isHex:
            v.dict = DictRef(hexWords: bv.isEmpty ? [0] : bv)
            v.ints = (0..<Int64(n)).map { $0 }
        case .varchar:
            v.dict = interner.dictRef()
            v.ints = bv
        case .double: v.dbls = OrderWord.doubleValues(bv)
        default: v.ints = bv
        }
        if bc.contains(0) { v.valid = bc.map { $0 == 0 ? 0 : 1 } }
        result = v
        return v
    }
}

/// One thread's table for summing mode() triples, reused range after range.
final class ModeSummer: @unchecked Sendable {
    private var table = PairCounts(capacity: 1 << 10)
    private var used: [Int32] = []

    /// Sums the counts of `n` (group, value, count) triples at `triples` and calls `body` once
    /// per distinct (group, value) with its total.
    func sum(_ triples: UnsafePointer<Int64>, _ n: Int, _ body: (Int32, Int64, Int64) -> Void) {
        if table.fits < n { table = PairCounts(capacity: n) }
        let t = table
        used.removeAll(keepingCapacity: true)
        for i in 0..<n {
            used.append(Int32(t.add(group: Int32(truncatingIfNeeded: triples[3 * i]), value: triples[3 * i + 1], count: triples[3 * i + 2])))
        }
        for j in used {
            if let (g, v, c) = t.take(Int(j)) { body(g, v, c) }
        }
        used.withUnsafeBufferPointer { t.clear(slots: $0) }
    }
}

/// Open-addressing map from (group, value) to a count (3 words per slot; group ids stored + 1).
final class PairCounts {
    private var slots: UnsafeMutablePointer<Int64>
    private let capacity: Int
    private let mask: Int

    init(capacity n: Int) {
        var cap = 16
        while cap < n * 2 { cap <<= 1 }
        capacity = cap
        mask = cap - 1
        slots = .allocate(capacity: 3 * cap)
        slots.initialize(repeating: 0, count: 3 * cap)
    }

    deinit { slots.deallocate() }

    /// Adds `count` to (group, value); returns its slot.
    @discardableResult
    @inline(__always) func add(group: Int32, value: Int64, count: Int64) -> Int {
        let g = Int64(group) + 1
        var j = Int(truncatingIfNeeded: PairSet.hash(UInt64(g), UInt64(bitPattern: value))) & mask
        while true {
            let s = slots[3 * j]
            if s == 0 {
                slots[3 * j] = g
                slots[3 * j + 1] = value
                slots[3 * j + 2] = count
                return j
            }
            if s == g && slots[3 * j + 1] == value { slots[3 * j + 2] += count; return j }
            j = (j + 1) & mask
        }
    }

    /// The entry at `slot` the first time it is taken (its count is then zeroed; the key stays
    /// so later probes still pass it); nil afterwards.
    @inline(__always) func take(_ slot: Int) -> (Int32, Int64, Int64)? {
        let c = slots[3 * slot + 2]
        if c == 0 { return nil }
        slots[3 * slot + 2] = 0
        return (Int32(truncatingIfNeeded: slots[3 * slot] - 1), slots[3 * slot + 1], c)
    }

    /// Empties the given slots (every used slot), so the table can be reused.
    func clear(slots used: UnsafeBufferPointer<Int32>) {
        for j in used { let b = 3 * Int(j); slots[b] = 0; slots[b + 1] = 0; slots[b + 2] = 0 }
    }

    /// Room for this many pairs at load factor at most 1/2.
    var fits: Int { capacity / 2 }
}

extension Int {
    var isPowerOfTwo: Bool { self > 0 && (self & (self - 1)) == 0 }
}
