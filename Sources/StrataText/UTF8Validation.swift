// UTF-8 well-formedness checks for ingested strings (Format.md: strings are UTF-8).

/// Validation, repair and display of byte strings that should be UTF-8.
///
/// Well-formed sequences are those of Unicode's table 3-7: no overlong forms, no surrogates
/// (U+D800–U+DFFF), nothing above U+10FFFF, no truncated sequences. Ill-formed input is split
/// into *maximal subparts* (Unicode's recommended practice, also what Swift's
/// `String(decoding:as:)` does): each is replaced by one U+FFFD.
public enum UTF8Validation {
    /// Offset of the first byte of the first ill-formed sequence in `p[0..<n]`, or -1 when the
    /// bytes are well-formed UTF-8. ASCII is checked 8 bytes at a time.
    @inlinable
    public static func firstInvalid(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Int {
        guard let p, n > 0 else { return -1 }
        let raw = UnsafeRawPointer(p)
        let high: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i < n {
            // ASCII fast path: 8 bytes at a time up to the first byte with its top bit set.
            while i + 8 <= n {
                let m = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & high
                if m != 0 { i += m.trailingZeroBitCount >> 3; break }
                i += 8
            }
            while i < n && p[i] < 0x80 { i += 1 }
            if i >= n { return -1 }
            // Multi-byte sequences until the next ASCII byte.
            while i < n && p[i] >= 0x80 {
                let k = sequenceLength(p, i, n)
                if k < 0 { return i }
                i += k
            }
        }
        return -1
    }

    /// `p[0..<n]` is well-formed UTF-8.
    @inlinable
    public static func isValid(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
        firstInvalid(p, n) < 0
    }

    /// The sequence starting at `p[i]` (`i < n`): its length when well-formed, else minus the
    /// length of its maximal subpart (the lead byte and the continuation bytes that were still
    /// acceptable, at least 1).
    @inlinable @inline(__always)
    public static func sequenceLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        let b0 = p[i]
        if b0 < 0x80 { return 1 }
        // Allowed range of the second byte, and the sequence length, by lead byte.
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        let len: Int
        switch b0 {
        case 0xC2...0xDF: len = 2
        case 0xE0: len = 3; lo = 0xA0
        case 0xED: len = 3; hi = 0x9F
        case 0xE1...0xEC, 0xEE...0xEF: len = 3
        case 0xF0: len = 4; lo = 0x90
        case 0xF4: len = 4; hi = 0x8F
        case 0xF1...0xF3: len = 4
        default: return -1  // continuation byte, C0/C1 (always overlong), F5...FF
        }
        if i + 1 >= n { return -1 }
        let b1 = p[i + 1]
        if b1 < lo || b1 > hi { return -1 }
        var k = 2
        while k < len {
            if i + k >= n || p[i + k] & 0xC0 != 0x80 { return -k }
            k += 1
        }
        return len
    }

    /// `p[0..<n]` with each maximal ill-formed subpart replaced by U+FFFD (`EF BF BD`).
    public static func repaired(_ p: UnsafePointer<UInt8>?, _ n: Int) -> [UInt8] {
        rewritten(p, n) { out, _ in out.append(contentsOf: [0xEF, 0xBF, 0xBD]) }
    }

    /// Display text of `p[0..<n]` (at most `limit` input bytes): well-formed parts as they are,
    /// each byte of an ill-formed subpart as `\xNN`.
    public static func escaped(_ p: UnsafePointer<UInt8>?, _ n: Int, limit: Int = 1024) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        let out = rewritten(p, min(n, limit)) { out, bad in
            for b in bad { out.append(contentsOf: [0x5C, 0x78, hex[Int(b >> 4)], hex[Int(b & 15)]]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `p[0..<n]` with well-formed sequences copied and each maximal ill-formed subpart handed
    /// to `replace` (with the output so far and the subpart's bytes).
    static func rewritten(_ p: UnsafePointer<UInt8>?, _ n: Int,
                          replace: (inout [UInt8], UnsafeBufferPointer<UInt8>) -> Void) -> [UInt8] {
        guard let p, n > 0 else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(n + 16)
        var i = 0
        while i < n {
            let k = sequenceLength(p, i, n)
            if k > 0 {
                out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: k))
                i += k
            } else {
                replace(&out, UnsafeBufferPointer(start: p + i, count: -k))
                i -= k
            }
        }
        return out
    }
}
