/// An immutable list of byte strings stored contiguously: entry `i` is
/// `bytes[offsets[i]..<offsets[i+1]]`. Used for per-segment sorted dictionaries and for
/// insertion-ordered dictionaries built during ingestion.
public struct StringDictionary: Sendable {
    public var bytes: [UInt8]
    public var offsets: [UInt32]

    public init() {
        bytes = []
        offsets = [0]
    }

    public init(bytes: [UInt8], offsets: [UInt32]) {
        precondition(!offsets.isEmpty && Int(offsets.last!) == bytes.count)
        self.bytes = bytes
        self.offsets = offsets
    }

    public init<S: Sequence>(_ strings: S) where S.Element == String {
        self.init()
        for s in strings { append(s) }
    }

    @inlinable public var count: Int { offsets.count - 1 }

    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    public mutating func append(_ buf: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buf)
        precondition(bytes.count <= Int(UInt32.max), "dictionary exceeds 4 GiB")
        offsets.append(UInt32(bytes.count))
    }

    public mutating func append(_ buf: UnsafeRawBufferPointer) {
        append(buf.bindMemory(to: UInt8.self))
    }

    @inlinable public func length(_ i: Int) -> Int { Int(offsets[i + 1] - offsets[i]) }

    /// Calls `body` with the bytes of entry `i`.
    @inlinable public func withEntry<R, E: Error>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let lo = Int(offsets[i]), hi = Int(offsets[i + 1])
        return try bytes.withUnsafeBufferPointer { (b) throws(E) in try body(UnsafeBufferPointer(rebasing: b[lo..<hi])) }
    }

    public subscript(i: Int) -> String {
        withEntry(i) { String(decoding: $0, as: UTF8.self) }
    }

    public var strings: [String] { (0..<count).map { self[$0] } }

    /// Byte-wise (UTF-8 code unit) comparison of entries, the order of sorted dictionaries.
    @inlinable public func compare(_ a: Int, _ b: Int) -> Int {
        bytes.withUnsafeBufferPointer { p in
            compareBytes(UnsafeBufferPointer(rebasing: p[Int(offsets[a])..<Int(offsets[a + 1])]),
                         UnsafeBufferPointer(rebasing: p[Int(offsets[b])..<Int(offsets[b + 1])]))
        }
    }
}

extension StringDictionary {
    /// Union of sorted (or unsorted) dictionaries as one byte-wise sorted dictionary without
    /// duplicates, and for each input a map from its codes to merged codes.
    public static func union(_ dicts: [StringDictionary]) -> (StringDictionary, [[UInt32]]) {
        if dicts.count == 1 && dicts[0].isSortedUnique { return (dicts[0], [Array(0..<UInt32(dicts[0].count))]) }
        var all = StringDictionary()
        all.bytes.reserveCapacity(dicts.reduce(0) { $0 + $1.bytes.count })
        all.offsets.reserveCapacity(dicts.reduce(1) { $0 + $1.count })
        var bases: [Int] = []
        for d in dicts {
            bases.append(all.count)
            let shift = UInt32(all.bytes.count)
            all.bytes.append(contentsOf: d.bytes)
            precondition(all.bytes.count <= Int(UInt32.max), "merged dictionary exceeds 4 GiB")
            for i in 1..<d.offsets.count { all.offsets.append(d.offsets[i] + shift) }
        }
        var order = Array(0..<Int32(all.count))
        if dicts.allSatisfy(\.isSortedUnique) {
            // segment dictionaries are sorted: merge them
            all.bytes.withUnsafeBufferPointer { bp in
                all.offsets.withUnsafeBufferPointer { off in
                    SortedRuns.merge(&order, runs: bases + [all.count]) { a, b in
                        let la = Int(off[Int(a)]), ha = Int(off[Int(a) + 1]), lb = Int(off[Int(b)]), hb = Int(off[Int(b) + 1])
                        return compareBytes(UnsafeBufferPointer(rebasing: bp[la..<ha]), UnsafeBufferPointer(rebasing: bp[lb..<hb])) < 0
                    }
                }
            }
        } else {
            // sort by an 8-byte big-endian prefix, then by full comparison
            var keyed: [(UInt64, Int32)] = all.bytes.withUnsafeBufferPointer { bp in
                (0..<all.count).map { e in
                    let lo = Int(all.offsets[e]), hi = Int(all.offsets[e + 1])
                    var k: UInt64 = 0
                    for j in 0..<8 { k = k << 8 | (lo + j < hi ? UInt64(bp[lo + j]) : 0) }
                    return (k, Int32(e))
                }
            }
            keyed.sort { a, b in
                if a.0 != b.0 { return a.0 < b.0 }
                let c = all.compare(Int(a.1), Int(b.1))
                return c != 0 ? c < 0 : a.1 < b.1
            }
            order = keyed.map(\.1)
        }
        var merged = StringDictionary()
        merged.bytes.reserveCapacity(all.bytes.count)
        var remap = [UInt32](repeating: 0, count: all.count)
        var previous = -1
        for e in order {
            if previous < 0 || all.compare(previous, Int(e)) != 0 {
                all.withEntry(Int(e)) { merged.append($0) }
            }
            remap[Int(e)] = UInt32(merged.count - 1)
            previous = Int(e)
        }
        var maps: [[UInt32]] = []
        for (k, d) in dicts.enumerated() { maps.append(Array(remap[bases[k]..<(bases[k] + d.count)])) }
        return (merged, maps)
    }

    /// Whether entries are strictly ascending byte-wise (as in every segment dictionary).
    public var isSortedUnique: Bool {
        for i in 1..<max(count, 1) where compare(i - 1, i) >= 0 { return false }
        return true
    }
}
