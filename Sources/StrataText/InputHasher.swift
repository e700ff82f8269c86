// Streaming XXH64 (xxHash, 64-bit variant), implemented in Swift.

/// Streaming 64-bit content hash: **XXH64** with seed 0, bit-for-bit compatible with the
/// reference implementation (`xxhsum -H64`).
///
/// `InputSource` feeds it the *decompressed* bytes it delivers, so a `.csv`, a `.csv.gz`
/// and a `.csv.zst` of the same content hash identically. Feeding the same bytes in any
/// split (`update` calls of any sizes) gives the same digest.
public struct InputHasher: Sendable {
    @usableFromInline static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    @usableFromInline static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    @usableFromInline static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    @usableFromInline static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    @usableFromInline static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    private let seed: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    private var v4: UInt64
    /// Pending bytes of an incomplete 32-byte stripe.
    private var mem: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var memSize: Int = 0
    /// Total number of bytes hashed so far.
    public private(set) var byteCount: UInt64 = 0

    /// Creates a hasher with the given seed (0 is the conventional default).
    public init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ InputHasher.p1 &+ InputHasher.p2
        v2 = seed &+ InputHasher.p2
        v3 = seed
        v4 = seed &- InputHasher.p1
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always)
    private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inline(__always)
    private static func mergeRound(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        (acc ^ round(0, val)) &* p1 &+ p4
    }

    @inline(__always)
    private static func load64(_ p: UnsafeRawPointer, _ off: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: off, as: UInt64.self))
    }

    /// Hashes `bytes` (appends them to the stream).
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var p = 0
        let n = bytes.count
        byteCount &+= UInt64(n)
        if memSize > 0 {
            let take = min(32 - memSize, n)
            withUnsafeMutableBytes(of: &mem) { m in
                m.baseAddress!.advanced(by: memSize).copyMemory(from: base, byteCount: take)
            }
            memSize += take
            p = take
            if memSize < 32 { return }
            let (a, b, c, d) = mem
            v1 = Self.round(v1, UInt64(littleEndian: a))
            v2 = Self.round(v2, UInt64(littleEndian: b))
            v3 = Self.round(v3, UInt64(littleEndian: c))
            v4 = Self.round(v4, UInt64(littleEndian: d))
            memSize = 0
        }
        var a = v1, b = v2, c = v3, d = v4
        while n - p >= 32 {
            a = Self.round(a, Self.load64(base, p))
            b = Self.round(b, Self.load64(base, p + 8))
            c = Self.round(c, Self.load64(base, p + 16))
            d = Self.round(d, Self.load64(base, p + 24))
            p += 32
        }
        v1 = a; v2 = b; v3 = c; v4 = d
        if p < n {
            let rest = n - p
            withUnsafeMutableBytes(of: &mem) { m in
                m.baseAddress!.copyMemory(from: base + p, byteCount: rest)
            }
            memSize = rest
        }
    }

    /// The digest of all bytes hashed so far. Does not change the state; more `update`
    /// calls may follow.
    public func finalize() -> UInt64 {
        var h: UInt64
        if byteCount >= 32 {
            h = Self.rotl(v1, 1) &+ Self.rotl(v2, 7) &+ Self.rotl(v3, 12) &+ Self.rotl(v4, 18)
            h = Self.mergeRound(h, v1)
            h = Self.mergeRound(h, v2)
            h = Self.mergeRound(h, v3)
            h = Self.mergeRound(h, v4)
        } else {
            h = seed &+ Self.p5
        }
        h &+= byteCount
        var memCopy = mem
        let size = memSize
        withUnsafeBytes(of: &memCopy) { m in
            let base = m.baseAddress!
            var p = 0
            while size - p >= 8 {
                h ^= Self.round(0, Self.load64(base, p))
                h = Self.rotl(h, 27) &* Self.p1 &+ Self.p4
                p += 8
            }
            if size - p >= 4 {
                let w = UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
                h ^= w &* Self.p1
                h = Self.rotl(h, 23) &* Self.p2 &+ Self.p3
                p += 4
            }
            while p < size {
                h ^= UInt64(base.load(fromByteOffset: p, as: UInt8.self)) &* Self.p5
                h = Self.rotl(h, 11) &* Self.p1
                p += 1
            }
        }
        h ^= h >> 33
        h &*= Self.p2
        h ^= h >> 29
        h &*= Self.p3
        h ^= h >> 32
        return h
    }

    /// One-shot XXH64 of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var h = InputHasher(seed: seed)
        h.update(bytes)
        return h.finalize()
    }
}
