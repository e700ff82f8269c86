// Value encodings of Parquet pages: bit packing, the RLE/bit-packed hybrid, DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT. Decoders read from a byte range
// that is followed by at least 8 readable padding bytes (`PageBytes`), so the unpacking loops
// can load whole 64-bit words; every length taken from the file is checked against the
// logical end first.

/// A decoded page's bytes: `count` logical bytes followed by 8 readable padding bytes.
struct PageBytes {
    let base: UnsafePointer<UInt8>
    let count: Int
}

/// A cursor over `PageBytes`.
struct ByteCursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos: Int

    init(_ p: PageBytes, from: Int = 0, to: Int? = nil) {
        base = p.base
        end = to ?? p.count
        pos = from
    }

    var remaining: Int { end - pos }

    @inline(__always) mutating func byte() throws(ParquetError) -> UInt8 {
        guard pos < end else { throw .corrupt("page data ends early") }
        defer { pos += 1 }
        return base[pos]
    }

    mutating func uleb() throws(ParquetError) -> UInt64 {
        var r: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try byte()
            r |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return r }
            shift += 7
            guard shift < 64 else { throw .corrupt("varint too long in page") }
        }
    }

    mutating func zigzag() throws(ParquetError) -> Int64 {
        let v = try uleb()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func u32le() throws(ParquetError) -> UInt32 {
        guard remaining >= 4 else { throw .corrupt("page data ends early") }
        defer { pos += 4 }
        return UInt32(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt32.self))
    }

    /// Advances over `n` bytes, returning their start.
    mutating func take(_ n: Int) throws(ParquetError) -> Int {
        guard n >= 0, n <= remaining else { throw .corrupt("page data ends early (needs \(n) bytes, \(remaining) left)") }
        defer { pos += n }
        return pos
    }
}

enum BitPack {
    /// Unpacks `count` values of `width` bits (LSB first) starting at `src` into `dst`.
    /// `src` must have `(count * width + 7) / 8 + 8` readable bytes.
    @inline(__always)
    static func unpack32(_ src: UnsafePointer<UInt8>, width: Int, count: Int, into dst: UnsafeMutablePointer<UInt32>) {
        if width == 0 { dst.initialize(repeating: 0, count: count); return }
        let raw = UnsafeRawPointer(src)
        let mask: UInt64 = (1 << UInt64(width)) - 1
        var bit = 0
        for k in 0..<count {
            let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
            dst[k] = UInt32(truncatingIfNeeded: (w >> UInt64(bit & 7)) & mask)
            bit += width
        }
    }

    /// As `unpack32`, for widths up to 64.
    static func unpack64(_ src: UnsafePointer<UInt8>, width: Int, count: Int, into dst: UnsafeMutablePointer<UInt64>) {
        if width == 0 { dst.initialize(repeating: 0, count: count); return }
        let raw = UnsafeRawPointer(src)
        if width <= 56 {
            let mask: UInt64 = (1 << UInt64(width)) - 1
            var bit = 0
            for k in 0..<count {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
                dst[k] = (w >> UInt64(bit & 7)) & mask
                bit += width
            }
            return
        }
        let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        var bit = 0
        for k in 0..<count {
            let byteAt = bit >> 3, shift = UInt64(bit & 7)
            let lo = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: byteAt, as: UInt64.self))
            var v = lo >> shift
            if shift > 0 { v |= UInt64(src[byteAt + 8]) << (64 - shift) }
            dst[k] = v & mask
            bit += width
        }
    }

    /// Appends `values` packed at `width` bits, LSB first (padded to whole bytes).
    static func pack<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, width: Int, into out: inout [UInt8]) {
        if width == 0 || values.isEmpty { return }
        let start = out.count
        let total = (values.count * width + 7) / 8
        out.append(contentsOf: repeatElement(0, count: total + 8))
        out.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress! + start
            var acc: UInt64 = 0
            var bits = 0
            var at = 0
            for v in values {
                let x = UInt64(truncatingIfNeeded: v)
                acc |= x << UInt64(bits)
                let t = bits + width
                if t >= 64 {
                    base.storeBytes(of: acc.littleEndian, toByteOffset: at, as: UInt64.self)
                    at += 8
                    acc = x >> UInt64(64 - bits)
                    bits = t - 64
                } else { bits = t }
            }
            while bits > 0 { base.storeBytes(of: UInt8(truncatingIfNeeded: acc), toByteOffset: at, as: UInt8.self); at += 1; acc >>= 8; bits -= 8 }
        }
        out.removeLast(8)
    }

    static func width(ofMax v: UInt64) -> Int { v == 0 ? 0 : 64 - v.leadingZeroBitCount }
}

/// The RLE/bit-packed hybrid (levels, dictionary indices, booleans).
enum Hybrid {
    /// Decodes `count` values of `width` bits from `c` into `dst`. Values past the data's
    /// end are an error; bit-packed padding beyond `count` is ignored.
    static func decode(_ c: inout ByteCursor, width: Int, count: Int, into dst: UnsafeMutablePointer<UInt32>) throws(ParquetError) {
        guard width >= 0 && width <= 32 else { throw .corrupt("RLE bit width \(width) out of range") }
        var done = 0
        let valueBytes = (width + 7) / 8
        while done < count {
            let header = try c.uleb()
            if header & 1 == 1 {
                let groups = header >> 1
                guard groups > 0, groups <= UInt64(c.remaining) else { throw .corrupt("bit-packed run longer than the page") }
                let values = Int(groups) * 8
                let bytes = values * width / 8
                let avail = min(bytes, c.remaining)
                let start = c.pos
                let n = min(values, count - done)
                guard n * width <= avail * 8 else { throw .corrupt("bit-packed run longer than the page") }
                BitPack.unpack32(c.base + start, width: width, count: n, into: dst + done)
                c.pos = start + avail
                done += n
            } else {
                let run = header >> 1
                guard run > 0 else { throw .corrupt("empty RLE run") }
                var v: UInt32 = 0
                for i in 0..<valueBytes { v |= UInt32(try c.byte()) << UInt32(8 * i) }
                if width < 32 && v >> UInt32(width) != 0 { throw .corrupt("RLE value wider than its bit width") }
                let n = Int(min(run, UInt64(count - done)))
                (dst + done).update(repeating: v, count: n)
                done += n
            }
        }
    }

    /// Appends the hybrid encoding of `values` at `width` bits (no length prefix).
    static func encode<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, width: Int, into out: inout [UInt8]) {
        let n = values.count
        func runLength(_ at: Int) -> Int {
            let v = values[at]
            var j = at + 1
            while j < n && values[j] == v { j += 1 }
            return j - at
        }
        func varint(_ x: Int) {
            var v = UInt64(x)
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }
        let valueBytes = (width + 7) / 8
        var i = 0
        while i < n {
            var j = i
            var runAtJ = 0
            while j < n {
                let r = runLength(j)
                if r >= 8 { runAtJ = r; break }
                j += r
            }
            if j > i {
                var lit = j - i
                let pad = (8 - lit % 8) % 8
                if j < n { j += pad; runAtJ -= pad; lit += pad }
                let groups = (lit + 7) / 8
                varint(groups << 1 | 1)
                let packEnd = min(j, n)
                BitPack.pack(UnsafeBufferPointer(rebasing: values[i..<packEnd]), width: width, into: &out)
                // pad the last group with zero values (only at the end of the data)
                let packed = packEnd - i
                if packed < groups * 8 {
                    let haveBytes = (packed * width + 7) / 8
                    out.append(contentsOf: repeatElement(0, count: groups * width - haveBytes))
                }
                i = packEnd
            }
            if i < n {
                let r = runAtJ > 0 ? runAtJ : runLength(i)
                varint(r << 1)
                var v = UInt64(truncatingIfNeeded: values[i])
                for _ in 0..<valueBytes { out.append(UInt8(truncatingIfNeeded: v)); v >>= 8 }
                i += r
            }
        }
    }
}

/// DELTA_BINARY_PACKED decoding.
enum DeltaBinary {
    /// Decodes a DELTA_BINARY_PACKED stream from `c` (advancing it past the stream) and
    /// returns its values, checking that there are exactly `expect` of them when not nil.
    static func decode(_ c: inout ByteCursor, expect: Int?) throws(ParquetError) -> [Int64] {
        let blockSize = try c.uleb(), miniblocks = try c.uleb(), total = try c.uleb()
        let first = try c.zigzag()
        guard blockSize > 0, blockSize % 128 == 0, blockSize <= 1 << 20, miniblocks > 0, blockSize % miniblocks == 0,
              (blockSize / miniblocks) % 32 == 0 else { throw .corrupt("bad DELTA_BINARY_PACKED header") }
        if let expect, total != UInt64(expect) { throw .corrupt("DELTA_BINARY_PACKED holds \(total) values, page says \(expect)") }
        // every value after the first needs at least one bit-packed slot: bound by the bytes left
        // each block takes at least a min-delta byte and one width byte per miniblock
        guard total <= (UInt64(c.remaining) / (1 + miniblocks) + 1) * blockSize + 1 else { throw .corrupt("DELTA_BINARY_PACKED value count exceeds the page") }
        let n = Int(total)
        var out = [Int64](repeating: 0, count: n)
        if n == 0 { return out }
        let perMini = Int(blockSize / miniblocks)
        let nMini = Int(miniblocks)
        var widths = [UInt8](repeating: 0, count: nMini)
        var tmp = [UInt64](repeating: 0, count: perMini)
        try out.withUnsafeMutableBufferPointer { (o) throws(ParquetError) in
            o[0] = first
            var last = first
            var done = 1
            while done < n {
                let minDelta = try c.zigzag()
                for m in 0..<nMini { widths[m] = try c.byte() }
                for m in 0..<nMini where done < n {
                    let w = Int(widths[m])
                    guard w <= 64 else { throw .corrupt("DELTA_BINARY_PACKED bit width \(w)") }
                    let bytes = perMini * w / 8
                    let take = min(perMini, n - done)
                    // the last miniblock may be cut short by a writer: require the bytes for the values used
                    let need = (take * w + 7) / 8
                    guard need <= c.remaining else { throw .corrupt("DELTA_BINARY_PACKED miniblock beyond the page") }
                    tmp.withUnsafeMutableBufferPointer { t in BitPack.unpack64(c.base + c.pos, width: w, count: take, into: t.baseAddress!) }
                    c.pos += min(bytes, c.remaining)
                    for k in 0..<take {
                        last = last &+ minDelta &+ Int64(bitPattern: tmp[k])
                        o[done + k] = last
                    }
                    done += take
                }
            }
        }
        return out
    }

    /// Appends the DELTA_BINARY_PACKED encoding of `values` (block 128, 4 miniblocks of 32).
    /// With `int32`, deltas wrap in 32 bits (as INT32 readers decode them) and widths stay <= 32.
    static func encode(_ values: UnsafeBufferPointer<Int64>, int32: Bool = false, into out: inout [UInt8]) {
        func varint(_ x: UInt64) {
            var v = x
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }
        func zz(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
        varint(128); varint(4); varint(UInt64(values.count))
        zz(int32 ? Int64(Int32(truncatingIfNeeded: values.first ?? 0)) : values.first ?? 0)
        var i = 1
        var deltas = [Int64](repeating: 0, count: 128)
        var packed = [UInt64](repeating: 0, count: 32)
        while i < values.count {
            let n = min(128, values.count - i)
            var minD = Int64.max
            for k in 0..<n {
                deltas[k] = int32 ? Int64(Int32(truncatingIfNeeded: values[i + k]) &- Int32(truncatingIfNeeded: values[i + k - 1]))
                                  : values[i + k] &- values[i + k - 1]
                minD = min(minD, deltas[k])
            }
            zz(minD)
            let used = (n + 31) / 32
            var widths = [Int](repeating: 0, count: 4)
            for m in 0..<used {
                var mx: UInt64 = 0
                for k in (m * 32)..<min(n, m * 32 + 32) { mx = max(mx, UInt64(bitPattern: deltas[k] &- minD)) }
                widths[m] = BitPack.width(ofMax: mx)
            }
            for m in 0..<4 { out.append(UInt8(widths[m])) }
            for m in 0..<used {
                for k in 0..<32 {
                    let idx = m * 32 + k
                    packed[k] = idx < n ? UInt64(bitPattern: deltas[idx] &- minD) : 0
                }
                packed.withUnsafeBufferPointer { BitPack.pack($0, width: widths[m], into: &out) }
            }
            i += n
        }
    }
}
