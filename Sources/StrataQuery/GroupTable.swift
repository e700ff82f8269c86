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

    @inline(__always) static func slotValue(_ h: UInt64, _ g: Int) -> UInt64 { (h & 0xFFFF_FFFF_0000_0000) | UInt64(g + 1) }

    private func growSlots() {
        let cap = slotCount * 2
        slots.deallocate()
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: 0, count: cap)
        slotCount = cap
        mask = cap - 1
        for g in 0..<count {
            let h = hashStore[g]
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = GroupTable.slotValue(h, g)
        }
    }

    private func growKeys() {
        let cap = keyCapacity * 2
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
        // large tables miss the cache on every probe: hash all rows first, then prefetch each
        // row's slot a few rows ahead of probing it
        let ahead = slotCount >= 1 << 16 ? 12 : 0
        let hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: ahead > 0 ? n : 0)
        defer { hashes.deallocate() }
        if ahead > 0 {
            for r in 0..<n { hashes[r] = GroupTable.hash(rowKeys + r * w, w) }
            for r in 0..<min(ahead, n) { strata_prefetch(slots + (Int(truncatingIfNeeded: hashes[r]) & mask)) }
        }
        var prev = -1  // rows sorted by the table's key repeat the previous row's group
        for r in 0..<n {
            if ahead > 0 && r + ahead < n { strata_prefetch(slots + (Int(truncatingIfNeeded: hashes[r + ahead]) & mask)) }
            let key = rowKeys + r * w
            if prev >= 0 {
                let pk = keyStore + prev * w
                var same = true
                for k in 0..<w where pk[k] != key[k] { same = false; break }
                if same { gids[r] = Int32(prev); continue }
            }
            if (count + 1) * 2 > slotCount { growSlots() }
            let h = ahead > 0 ? hashes[r] : GroupTable.hash(key, w)
            var i = Int(truncatingIfNeeded: h) & mask
            let tag = h & 0xFFFF_FFFF_0000_0000
            while true {
                let sv = slots[i]
                if sv == 0 {
                    if count == keyCapacity { growKeys() }
                    (keyStore + count * w).update(from: key, count: w)
                    hashStore[count] = h
                    slots[i] = GroupTable.slotValue(h, count)
                    gids[r] = Int32(count)
                    prev = count
                    count += 1
                    break
                }
                if sv & 0xFFFF_FFFF_0000_0000 == tag {
                    let g = Int(sv & 0xFFFF_FFFF) - 1
                    let base = keyStore + g * w
                    var eq = true
                    for k in 0..<w where base[k] != key[k] { eq = false; break }
                    if eq { gids[r] = Int32(g); prev = g; break }
                }
                i = (i + 1) & mask
            }
        }
        return count - before
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
        let g = UInt64(UInt32(bitPattern: group)) + 1
        let v = UInt64(bitPattern: value)
        var j = Int(truncatingIfNeeded: PairSet.hash(g, v)) & mask
        while true {
            let s = slots[2 * j]
            if s == 0 {
                slots[2 * j] = g
                slots[2 * j + 1] = v
                count += 1
                return true
            }
            if s == g && slots[2 * j + 1] == v { return false }
            j = (j + 1) & mask
        }
    }

    /// Calls `body(group, value)` for every pair.
    func forEach(_ body: (Int32, Int64) -> Void) {
        for i in 0..<capacity where slots[2 * i] != 0 {
            body(Int32(truncatingIfNeeded: slots[2 * i] - 1), Int64(bitPattern: slots[2 * i + 1]))
        }
    }
}

/// Exact count(DISTINCT) state: (group, value) pairs radix-partitioned by a hash of the value
/// into 256 append-only buffers (sequential writes while scanning). Counting dedupes each
/// partition with a small, cache-resident set. A partition that grows large is deduplicated
/// in place, so memory follows the number of distinct pairs rather than rows.
final class DistinctPairs {
    static let fanout = 256
    static let compactAt = 1 << 20
    var parts: [[Int64]] = Array(repeating: [], count: DistinctPairs.fanout)

    @inline(__always) static func partition(_ v: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: v) &* 0x9E37_79B9_7F4A_7C15) >> 56)  // wrapping: hash mixing
    }

    @inline(__always) func append(group: Int32, value: Int64) {
        let p = DistinctPairs.partition(value)
        parts[p].append(Int64(group))
        parts[p].append(value)
        if parts[p].count >= 2 * DistinctPairs.compactAt && parts[p].count.isPowerOfTwo { dedupe(p) }
    }

    /// Removes duplicate pairs of partition `p` in place.
    func dedupe(_ p: Int) {
        let n = parts[p].count / 2
        let set = PairSet(capacity: n)
        var out: [Int64] = []
        out.reserveCapacity(parts[p].count)
        parts[p].withUnsafeBufferPointer { b in
            for i in 0..<n where set.insert(group: Int32(truncatingIfNeeded: b[2 * i]), value: b[2 * i + 1]) {
                out.append(b[2 * i])
                out.append(b[2 * i + 1])
            }
        }
        parts[p] = out
    }

    /// Moves `other`'s pairs in, with group ids mapped through `map`.
    func absorb(_ other: DistinctPairs, _ map: [Int32]) {
        for p in 0..<DistinctPairs.fanout {
            let src = other.parts[p]
            if src.isEmpty { continue }
            parts[p].reserveCapacity(parts[p].count + src.count)
            var i = 0
            while i < src.count {
                parts[p].append(Int64(map[Int(src[i])]))
                parts[p].append(src[i + 1])
                i += 2
            }
            other.parts[p] = []
        }
    }

    /// Adds each group's number of distinct values to `counts`.
    func count(into counts: inout [Int64]) {
        counts.withUnsafeMutableBufferPointer { c in
            for p in 0..<DistinctPairs.fanout where !parts[p].isEmpty {
                let n = parts[p].count / 2
                let set = PairSet(capacity: n)
                parts[p].withUnsafeBufferPointer { b in
                    for i in 0..<n where set.insert(group: Int32(truncatingIfNeeded: b[2 * i]), value: b[2 * i + 1]) {
                        c[Int(b[2 * i])] &+= 1
                    }
                }
                parts[p] = []
            }
        }
    }
}

extension Int {
    var isPowerOfTwo: Bool { self > 0 && (self & (self - 1)) == 0 }
}
