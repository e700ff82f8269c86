// Buffers and sets of (group, value) words shared by count(DISTINCT) and mode().

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
