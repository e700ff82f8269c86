/// Open-addressing hash table from fixed-width keys (`width` Int64 words) to dense group ids.
/// Keys are stored flat (structure of arrays), so aggregate state can be indexed by group id.
/// Storage is manually managed so the probe loop touches raw pointers only.
final class GroupTable {
    let width: Int
    private var keyStore: UnsafeMutablePointer<Int64>
    private var keyCapacity: Int
    private var hashStore: UnsafeMutablePointer<UInt64>
    private var slots: UnsafeMutablePointer<Int32>
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
        slots.initialize(repeating: -1, count: cap)
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

    private func growSlots() {
        let cap = slotCount * 2
        slots.deallocate()
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: -1, count: cap)
        slotCount = cap
        mask = cap - 1
        for g in 0..<count {
            var i = Int(truncatingIfNeeded: hashStore[g]) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(g)
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
        for r in 0..<n {
            if (count + 1) * 2 > slotCount { growSlots() }
            let key = rowKeys + r * w
            let h = GroupTable.hash(key, w)
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let g = Int(slots[i])
                if g < 0 {
                    if count == keyCapacity { growKeys() }
                    (keyStore + count * w).update(from: key, count: w)
                    hashStore[count] = h
                    slots[i] = Int32(count)
                    gids[r] = Int32(count)
                    count += 1
                    break
                }
                if hashStore[g] == h {
                    let base = keyStore + g * w
                    var eq = true
                    for k in 0..<w where base[k] != key[k] { eq = false; break }
                    if eq { gids[r] = Int32(g); break }
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
