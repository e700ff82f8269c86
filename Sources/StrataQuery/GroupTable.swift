/// Open-addressing hash table from fixed-width keys (`width` Int64 words) to dense group ids.
/// Keys are stored flat (structure of arrays), so aggregate state can be indexed by group id.
final class GroupTable {
    let width: Int
    private(set) var keys: [Int64] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(width: Int, capacity: Int = 1024) {
        self.width = width
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        slots = [Int32](repeating: -1, count: cap)
        mask = cap - 1
    }

    @inline(__always) static func hash(_ p: UnsafePointer<Int64>, _ w: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for k in 0..<w {
            h = (h ^ UInt64(bitPattern: p[k])) &* 0xBF58_476D_1CE4_E5B9  // wrapping: hash mixing
            h ^= h >> 29
        }
        h = h &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 32)
    }

    private func grow() {
        let cap = slots.count * 2
        slots = [Int32](repeating: -1, count: cap)
        mask = cap - 1
        slots.withUnsafeMutableBufferPointer { s in
            for g in 0..<count {
                var i = Int(truncatingIfNeeded: hashes[g]) & mask
                while s[i] >= 0 { i = (i + 1) & mask }
                s[i] = Int32(g)
            }
        }
    }

    /// Group id of each of `n` keys laid out row-major in `rowKeys` (n × width), inserting
    /// new keys. Returns how many groups were created.
    @discardableResult
    func findOrInsert(_ rowKeys: UnsafePointer<Int64>, _ n: Int, into gids: UnsafeMutablePointer<Int32>) -> Int {
        let w = width
        let before = count
        for r in 0..<n {
            if (count + 1) * 2 > slots.count { grow() }
            let key = rowKeys + r * w
            let h = GroupTable.hash(key, w)
            var i = Int(truncatingIfNeeded: h) & mask
            var found: Int32 = -1
            slots.withUnsafeMutableBufferPointer { s in
                keys.withUnsafeBufferPointer { kp in
                    while true {
                        let g = s[i]
                        if g < 0 { break }
                        if hashes[Int(g)] == h {
                            let base = Int(g) * w
                            var eq = true
                            for k in 0..<w where kp[base + k] != key[k] { eq = false; break }
                            if eq { found = g; break }
                        }
                        i = (i + 1) & mask
                    }
                }
                if found < 0 {
                    found = Int32(count)
                    s[i] = found
                }
            }
            if Int(found) == count {
                for k in 0..<w { keys.append(key[k]) }
                hashes.append(h)
                count += 1
            }
            gids[r] = found
        }
        return count - before
    }

    /// Returns true when the key was new.
    func insert(_ key: UnsafePointer<Int64>) -> Bool {
        var g: Int32 = 0
        return findOrInsert(key, 1, into: &g) == 1
    }

    func key(_ g: Int, _ k: Int) -> Int64 { keys[g * width + k] }
}
