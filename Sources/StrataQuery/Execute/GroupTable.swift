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
        slots = GroupTable.zeroed(cap)
        keyCapacity = max(16, capacity)
        keyStore = GroupTable.grown(nil, keyCapacity * width)
        hashStore = GroupTable.grown(nil, keyCapacity)
    }

    deinit {
        direct?.deallocate()
        free(slots)
        free(keyStore)
        free(hashStore)
    }

    /// `count` zero words from calloc: a large block comes as fresh mapped pages, zero
    /// already, touched only where a slot is written.
    private static func zeroed(_ count: Int) -> UnsafeMutablePointer<UInt64> {
        calloc(count, 8)!.bindMemory(to: UInt64.self, capacity: count)
    }

    /// `p` (nil: a new block) resized to `count` words with realloc: a large block grows by
    /// remapping its pages, without copying them or touching fresh ones for the part in use.
    private static func grown<T>(_ p: UnsafeMutablePointer<T>?, _ count: Int) -> UnsafeMutablePointer<T> {
        realloc(p, count * MemoryLayout<T>.stride)!.bindMemory(to: T.self, capacity: count)
    }

    /// Keys of all groups, row-major (count × width).
    var keys: UnsafeBufferPointer<Int64> { UnsafeBufferPointer(start: keyStore, count: count * width) }

    /// The `hash` of each group's key (a hashed table; a direct one stores 0).
    var hashes: UnsafeBufferPointer<UInt64> { UnsafeBufferPointer(start: hashStore, count: count) }

    /// Whether lookups index an array (`init(directBits:)`) instead of hashing.
    var isDirect: Bool { direct != nil }

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

    /// Adds `other`'s groups (a partial table of the same key layout) to this one; the map
    /// from `other`'s group ids to this table's.
    func absorbGroups(of other: GroupTable) -> [Int32] {
        var map = [Int32](repeating: 0, count: other.count)
        let kp = other.keys
        reserve(count + other.count)
        map.withUnsafeMutableBufferPointer { mp in _ = findOrInsert(kp.baseAddress!, other.count, into: mp.baseAddress!) }
        return map
    }

    private func growSlots() { growSlots(to: slotCount * 2) }

    private func growSlots(to cap: Int) {
        // realloc, then zero: a large block keeps its pages (remapped, not copied), so only
        // the added half is fresh memory
        slots = GroupTable.grown(slots, cap)
        slots.update(repeating: 0, count: cap)
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
        keyStore = GroupTable.grown(keyStore, cap * width)
        hashStore = GroupTable.grown(hashStore, cap)
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
                // one word (most keys): a store, not a call to memmove
                if w == 1 { keyStore[count] = key[0] } else { (keyStore + count * w).update(from: key, count: w) }
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

    /// Empties a hashed table, keeping its memory (fresh pages cost a fault each to touch).
    func removeAll() {
        precondition(direct == nil)
        count = 0
        slots.update(repeating: 0, count: slotCount)
    }

    /// For each of `n` groups `ids[j]` of another table (its `keys` row-major and `hashes`),
    /// the id here, inserting new keys, into `out[ids[j]]` (a hashed table). Source rows and
    /// slots are prefetched a few groups ahead.
    func absorb(keys: UnsafePointer<Int64>, hashes: UnsafePointer<UInt64>, ids: UnsafePointer<Int32>, _ n: Int,
                into out: UnsafeMutablePointer<Int32>) {
        reserve(count + n)
        let w = width
        for j in 0..<min(16, n) { strata_prefetch(hashes + Int(ids[j])); strata_prefetch(keys + Int(ids[j]) * w) }
        for j in 0..<min(8, n) { strata_prefetch(slots + (Int(truncatingIfNeeded: hashes[Int(ids[j])]) & mask)) }
        for j in 0..<n {
            if j + 16 < n { let g = Int(ids[j + 16]); strata_prefetch(hashes + g); strata_prefetch(keys + g * w) }
            if j + 8 < n { strata_prefetch(slots + (Int(truncatingIfNeeded: hashes[Int(ids[j + 8])]) & mask)) }
            let g = Int(ids[j])
            out[g] = Int32(truncatingIfNeeded: probe(keys + g * w, hashes[g]))
        }
    }

    /// Group id of `key`, whose `GroupTable.hash` the caller has, inserting it when new (a
    /// hashed, not a direct, table).
    @inline(__always) func findOrInsert(_ key: UnsafePointer<Int64>, hash h: UInt64) -> Int { probe(key, h) }
}
