/// Little-endian bit packing: value `i` occupies bits `[i*w, (i+1)*w)` of the byte stream,
/// least significant bit first. Widths 0...64.
public enum BitPacking {
    /// Number of bits needed to represent `v` (0 for 0).
    @inlinable public static func width(_ v: UInt64) -> Int { 64 - v.leadingZeroBitCount }

    /// Bytes occupied by `count` values of `width` bits.
    @inlinable public static func byteCount(count: Int, width: Int) -> Int { (count * width + 7) >> 3 }

    /// Appends `count` values produced by `value(i)` packed at `width` bits.
    @inlinable
    public static func pack(count: Int, width: Int, into out: inout [UInt8], _ value: (Int) -> UInt64) {
        guard width > 0, count > 0 else { return }
        let start = out.count
        let total = byteCount(count: count, width: width)
        out.append(contentsOf: repeatElement(0, count: total + 8))
        out.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress! + start
            var acc: UInt64 = 0
            var used = 0
            var pos = 0
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            for i in 0..<count {
                let v = value(i) & mask
                acc |= v << UInt64(used)
                used += width
                if used >= 64 {
                    (base + pos).storeBytes(of: acc.littleEndian, as: UInt64.self)
                    pos += 8
                    used -= 64
                    acc = used > 0 ? v >> UInt64(width - used) : 0
                }
            }
            if used > 0 { (base + pos).storeBytes(of: acc.littleEndian, as: UInt64.self) }
        }
        out.removeLast(8)
    }

    /// One value of `width` bits starting at bit `bit`, read byte by byte (never past the
    /// value's last byte).
    @inlinable
    static func readBits(_ p: UnsafeRawPointer, bit: Int, width: Int) -> UInt64 {
        var v: UInt64 = 0
        var got = 0
        var b = bit
        while got < width {
            let off = b & 7
            let take = min(8 - off, width - got)
            v |= ((UInt64(p.load(fromByteOffset: b >> 3, as: UInt8.self)) >> UInt64(off)) & ((1 << UInt64(take)) - 1)) << UInt64(got)
            got += take
            b += take
        }
        return v
    }

    /// Unpacks and maps in one pass: `out[i] = base + raw[i] * multiplier` (wrapping).
    @inlinable
    public static func unpackAffine(_ src: UnsafeRawBufferPointer, count: Int, width: Int, base: Int64, multiplier: Int64,
                                    into out: UnsafeMutablePointer<Int64>) {
        if count == 0 { return }
        if width == 0 || width > 56 {
            out.withMemoryRebound(to: UInt64.self, capacity: count) { unpack(src, count: count, width: width, into: $0) }
            for i in 0..<count { out[i] = base &+ out[i] &* multiplier }
            return
        }
        let p = src.baseAddress!
        let n = src.count
        let mask: UInt64 = (1 << UInt64(width)) - 1
        // values whose 8-byte window lies inside the buffer: one unaligned load each, one loop
        // condition; wrapping arithmetic: two's-complement offsets
        let safe = n >= 8 ? min(count, ((n - 8) * 8) / width + 1) : 0
        if multiplier == 1 {
            for j in 0..<safe {
                let bit = j &* width
                let word = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
                out[j] = base &+ Int64(bitPattern: (word &>> UInt64(bit & 7)) & mask)
            }
        } else {
            for j in 0..<safe {
                let bit = j &* width
                let word = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
                out[j] = base &+ Int64(bitPattern: (word &>> UInt64(bit & 7)) & mask) &* multiplier
            }
        }
        var i = safe
        var bit = safe * width
        // the last few values: assemble byte by byte
        while i < count {
            out[i] = base &+ Int64(bitPattern: readBits(p, bit: bit, width: width)) &* multiplier
            i += 1
            bit += width
        }
    }

    /// Unpacks `count` values of `width` bits from `src` into `out[i] = transform(raw)`.
    /// `src` must hold at least `byteCount(count:width:)` bytes (checked by the caller).
    @inlinable
    public static func unpack(_ src: UnsafeRawBufferPointer, count: Int, width: Int,
                              into out: UnsafeMutablePointer<UInt64>) {
        if count == 0 { return }
        if width == 0 {
            out.update(repeating: 0, count: count)
            return
        }
        let p = src.baseAddress!
        let n = src.count
        let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        var i = 0
        var bit = 0
        if width <= 56 {
            // Fast path: one unaligned 8-byte load per value while 8 bytes remain.
            while i < count {
                let byte = bit >> 3
                if byte + 8 > n { break }
                let word = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
                out[i] = (word &>> UInt64(bit & 7)) & mask
                i += 1
                bit += width
            }
        }
        // Tail (and wide widths): assemble bit by byte.
        while i < count {
            out[i] = readBits(p, bit: bit, width: width)
            i += 1
            bit += width
        }
    }
}
