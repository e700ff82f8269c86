/// Concatenating VARCHAR vectors over 16-hex-digit id dictionaries (`DictRef.hexWords`, one
/// dictionary per segment): when the rows are fewer than the entries of the dictionaries they
/// use (a selective scan of a high-cardinality id column), each row gets its own entry (its
/// word) instead of copying every dictionary's word list. Hex dictionaries may repeat a word
/// (the same id in two segments), so keys and comparisons already go by word, never by code.
enum HexConcat {
    /// Codes `0..<n` and one word per row (0 for NULL rows or parts without a hex
    /// dictionary); nil when copying the dictionaries is no larger.
    static func rowWords(_ parts: [Vec], _ n: Int) -> (codes: [Int64], words: [Int64])? {
        var seen = Set<ObjectIdentifier>()
        var entries = 0
        for p in parts { if let d = p.dict, d.hexWords != nil, seen.insert(ObjectIdentifier(d)).inserted { entries += d.count } }
        guard n < entries else { return nil }
        var words = [Int64](repeating: 0, count: n)
        var at = 0
        words.withUnsafeMutableBufferPointer { w in
            for p in parts {
                defer { at += p.count }
                guard let hw = p.dict?.hexWords, !hw.isEmpty, !p.ints.isEmpty else { continue }
                hw.withUnsafeBufferPointer { h in p.ints.withUnsafeBufferPointer { c in
                    if p.isConst {
                        let x = h[Int(c[0])]
                        for i in 0..<p.count { w[at + i] = x }
                    } else {
                        for i in 0..<p.count { w[at + i] = h[Int(c[i])] }
                    }
                } }
            }
        }
        let codes = [Int64](unsafeUninitializedCapacity: n) { c, k in
            for i in 0..<n { c[i] = Int64(i) }
            k = n
        }
        return (codes, words)
    }
}
