import StrataCore

/// GROUP BY keys that are all dictionary-coded strings whose dictionaries multiply to few
/// combinations (country x device, source, campaign): each row's codes give an index into a
/// small local map of group ids, and only the first row of each combination builds its key
/// words and probes the group table. No key rows are written per row and nothing is hashed
/// per row: the string work was done once per dictionary entry (interned ids), the per-row
/// work is a multiply-add per key and one load.
enum DictionaryGroups {
    /// Most combinations of codes (NULL counting as one more code per key) the local map holds.
    static let limit = 1 << 16

    /// Group ids of the `n` rows of the keys `vs` into `gids`, with the key rows laid out as
    /// the generic path lays them out (`width` = keys + 1: each key's word, 0 when NULL, then
    /// the NULL mask with bit k for key k). False (nothing done) when a key is not a
    /// dictionary-coded string column or the combinations exceed `limit`.
    static func groupIds(_ vs: [Vec], n: Int, table: GroupTable, width: Int, keys: KeyEncoder,
                         into gids: UnsafeMutablePointer<Int32>) -> Bool {
        guard !vs.isEmpty, vs.count + 1 == width, n > 0 else { return false }
        var product = 1
        for v in vs {
            guard v.type == .varchar, !v.isConst, let d = v.dict, v.ints.count >= n else { return false }
            product *= d.count + 1
            // (the local map is cleared per batch: not much larger than the batch)
            if product > limit || product > 4 * n + 1024 { return false }
        }
        // each key's word per code (nil: the code is the word, the interner's own dictionary)
        let words: [[Int64]?] = vs.map { v in
            let d = v.dict!
            if let hw = d.hexWords { return hw }
            if d.owner == ObjectIdentifier(keys.interner) { return nil }
            return keys.interner.map(d)
        }
        var local = [Int32](repeating: -1, count: product)
        /// The group of combination `c`, met first at row `r` when not yet in the local map.
        @inline(__always) func group(_ lp: UnsafeMutableBufferPointer<Int32>, _ c: Int, _ r: Int) -> Int32 {
            let g = lp[c]
            if g >= 0 { return g }
            let new = firstOfCombination(vs, r, words, width: width, table: table)
            lp[c] = new
            return new
        }
        if vs.count <= 2, vs.allSatisfy({ $0.valid == nil }) {
            // one or two keys without NULLs (the common shape): the combination and its group
            // in one pass over the codes, no combination array
            let m0 = Int(vs[0].dict!.count) + 1
            local.withUnsafeMutableBufferPointer { lp in
                vs[0].ints.withUnsafeBufferPointer { c0 in
                    vs[vs.count - 1].ints.withUnsafeBufferPointer { c1 in
                        let two = vs.count == 2
                        for r in 0..<n {
                            let c = Int(truncatingIfNeeded: c0[r]) &+ (two ? Int(truncatingIfNeeded: c1[r]) &* m0 : 0)
                            gids[r] = group(lp, c, r)
                        }
                    }
                }
            }
            return true
        }
        // the combination index of each row
        var combo = [Int32](repeating: 0, count: n)
        var mult: Int32 = 1
        combo.withUnsafeMutableBufferPointer { cp in
            for v in vs {
                let m = Int32(v.dict!.count)
                v.ints.withUnsafeBufferPointer { codes in
                    if let valid = v.valid {
                        valid.withUnsafeBufferPointer { vp in
                            for r in 0..<n { cp[r] &+= (vp[r] == 0 ? m : Int32(truncatingIfNeeded: codes[r])) &* mult }
                        }
                    } else {
                        for r in 0..<n { cp[r] &+= Int32(truncatingIfNeeded: codes[r]) &* mult }
                    }
                }
                mult &*= m + 1
            }
        }
        local.withUnsafeMutableBufferPointer { lp in
            combo.withUnsafeBufferPointer { cp in
                for r in 0..<n { gids[r] = group(lp, Int(cp[r]), r) }
            }
        }
        return true
    }

    /// The group of row `r`, the first of its combination of codes: its key words (and NULL
    /// mask), then one probe of the table.
    private static func firstOfCombination(_ vs: [Vec], _ r: Int, _ words: [[Int64]?], width: Int, table: GroupTable) -> Int32 {
        var row = [Int64](repeating: 0, count: width)
        var mask: Int64 = 0
        for (k, v) in vs.enumerated() {
            if let valid = v.valid, valid[r] == 0 {
                mask |= 1 << Int64(k)
            } else {
                let code = Int(v.ints[r])
                row[k] = words[k].map { $0[code] } ?? Int64(code)
            }
        }
        row[width - 1] = mask
        var g: Int32 = 0
        row.withUnsafeBufferPointer { kp in
            withUnsafeMutablePointer(to: &g) { gp in _ = table.findOrInsert(kp.baseAddress!, 1, into: gp) }
        }
        return g
    }
}
