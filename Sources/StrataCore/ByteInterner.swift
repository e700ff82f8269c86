// Byte-string interning shared by ingestion (per-thread column dictionaries) and queries
// (global string ids across segment dictionaries).

/// Fast 64-bit hash of a byte span (8-byte words, multiply-xorshift mixing; the tail is read
/// as one overlapping word). Not a content hash for persistence: only for in-memory
/// interning tables.
@inlinable @inline(__always)
public func spanHash(_ p: UnsafePointer<UInt8>?, _ n: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: n &+ 1)
    guard let p, n > 0 else { return h }
    let raw = UnsafeRawPointer(p)
    var tail: UInt64
    if n >= 8 {
        var i = 0
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i == n { return finishHash(h) }
        tail = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    } else if n >= 4 {
        tail = UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) << 32
    } else {
        tail = UInt64(p[0]) | UInt64(p[n >> 1]) << 8 | UInt64(p[n - 1]) << 16
    }
    h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
    return finishHash(h)
}

@inlinable @inline(__always)
@usableFromInline func finishHash(_ x: UInt64) -> UInt64 {
    var h = x
    h ^= h >> 29
    h = h &* 0xBF58_476D_1CE4_E5B9
    h ^= h >> 32
    return h
}

/// Interns byte strings into an insertion-ordered dictionary (contiguous bytes + offsets),
/// with an open-addressing table keyed by the bytes. No per-value allocation: the bytes are
/// appended to one growing buffer.
public struct ByteInterner {
    /// Entry bytes back to back; entry i is `bytes[offsets[i]..<offsets[i + 1]]`.
    @usableFromInline var storage: [UInt8] = []
    @usableFromInline var ends: [UInt32] = [0]
    public var bytes: [UInt8] { storage }
    public var offsets: [UInt32] { ends }
    /// Slot → high 32 bits of the hash (a cheap pre-check before comparing bytes) << 32 |
    /// code + 1; 0 = empty. One load per probe.
    @usableFromInline var slots: [UInt64]
    @usableFromInline var mask: Int

    public init(capacity: Int = 1024) {
        var c = 64
        while c < capacity * 2 { c <<= 1 }
        slots = [UInt64](repeating: 0, count: c)
        mask = c - 1
    }

    @inlinable public var count: Int { ends.count - 1 }

    /// The code of `p[0..<n]`, adding it if new.
    @inlinable @inline(__always)
    public mutating func intern(_ p: UnsafePointer<UInt8>?, _ n: Int) -> UInt32 {
        let h = spanHash(p, n)
        let (found, s) = probe(p, n, h)
        if found >= 0 { return UInt32(truncatingIfNeeded: found) }
        return insert(p, n, tag: h >> 32, slot: s)
    }

    /// The code of `p[0..<n]`; bytes not interned yet are added only if `admit(p, n)` is true
    /// (nil otherwise). So `admit` runs once per new distinct string, not once per call.
    @inlinable @inline(__always)
    public mutating func intern(_ p: UnsafePointer<UInt8>?, _ n: Int,
                                admit: (UnsafePointer<UInt8>?, Int) -> Bool) -> UInt32? {
        let h = spanHash(p, n)
        let (found, s) = probe(p, n, h)
        if found >= 0 { return UInt32(truncatingIfNeeded: found) }
        guard admit(p, n) else { return nil }
        return insert(p, n, tag: h >> 32, slot: s)
    }

    /// The code of `p[0..<n]` (hash `h`) or -1, and the slot where the probe stopped.
    @inlinable @inline(__always)
    func probe(_ p: UnsafePointer<UInt8>?, _ n: Int, _ h: UInt64) -> (Int, Int) {
        let tag = h >> 32
        var s = Int(truncatingIfNeeded: h) & mask
        let found: Int = slots.withUnsafeBufferPointer { sl in
            ends.withUnsafeBufferPointer { off in
                storage.withUnsafeBufferPointer { b in
                    while true {
                        let v = sl[s]
                        if v == 0 { return -1 }
                        if v >> 32 == tag {
                            let code = Int(truncatingIfNeeded: v & 0xFFFF_FFFF) - 1
                            let lo = Int(off[code]), hi = Int(off[code + 1])
                            if hi - lo == n && (n == 0 || bytesEqual(b.baseAddress! + lo, p!, n)) { return code }
                        }
                        s = (s + 1) & mask
                    }
                }
            }
        }
        return (found, s)
    }

    /// Adds `p[0..<n]` (hash tag `tag`) at the empty slot `slot` found by `probe`.
    @inlinable @inline(__always)
    mutating func insert(_ p: UnsafePointer<UInt8>?, _ n: Int, tag: UInt64, slot s: Int) -> UInt32 {
        let code = UInt32(count)
        if n > 0 { storage.append(contentsOf: UnsafeBufferPointer(start: p, count: n)) }
        precondition(storage.count <= Int(UInt32.max), "string dictionary exceeds 4 GiB")
        ends.append(UInt32(storage.count))
        slots[s] = tag << 32 | UInt64(code + 1)
        if count * 2 > mask { grow() }
        return code
    }

    @usableFromInline mutating func grow() {
        let c = (mask + 1) * 2
        var ns = [UInt64](repeating: 0, count: c)
        let m = c - 1
        storage.withUnsafeBufferPointer { b in
            for code in 0..<count {
                let lo = Int(ends[code]), hi = Int(ends[code + 1])
                let h = spanHash(b.baseAddress.map { $0 + lo }, hi - lo)
                var s = Int(truncatingIfNeeded: h) & m
                while ns[s] != 0 { s = (s + 1) & m }
                ns[s] = (h >> 32) << 32 | UInt64(code + 1)
            }
        }
        slots = ns
        mask = m
    }

    /// Calls `body` with entry `code`'s bytes.
    @inlinable @inline(__always)
    public func withEntry<R>(_ code: Int, _ body: (UnsafePointer<UInt8>?, Int) -> R) -> R {
        let lo = Int(ends[code]), hi = Int(ends[code + 1])
        return storage.withUnsafeBufferPointer { b in body(b.baseAddress.map { $0 + lo }, hi - lo) }
    }

    /// The dictionary (consumes the interner's storage).
    public consuming func dictionary() -> StringDictionary {
        StringDictionary(bytes: storage, offsets: ends)
    }
}
