/// Booleans (one byte 0/1 per row in memory) as a bitmap or a constant.
public enum BoolCodec {
    public static func encode(_ v: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Encoding {
        if let f = v.first, v.allSatisfy({ ($0 != 0) == (f != 0) }) {
            IntCodec.appendI64(f != 0 ? 1 : 0, &out)
            return .constant
        }
        appendBitmap(v, into: &out)
        return .bitmap
    }

    /// Appends `ceil(n/8)` bytes: bit `i % 8` of byte `i / 8` is set when `v[i] != 0`.
    public static func appendBitmap(_ v: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let n = v.count
        var i = 0
        out.reserveCapacity(out.count + (n + 7) / 8)
        while i < n {
            var byte: UInt8 = 0
            let end = min(i + 8, n)
            for j in i..<end where v[j] != 0 { byte |= 1 << UInt8(j - i) }
            out.append(byte)
            i = end
        }
    }

    /// Expands a bitmap of `count` bits into bytes 0/1.
    public static func expandBitmap(_ bits: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<UInt8>) throws(FormatError) {
        guard bits.count >= (count + 7) / 8 else { throw FormatError(.truncated, "bitmap shorter than its row count") }
        for i in 0..<count {
            out[i] = (bits[i >> 3] >> UInt8(i & 7)) & 1
        }
    }

    public static func decode(_ enc: Encoding, _ payload: UnsafeRawBufferPointer, count: Int,
                              into out: UnsafeMutablePointer<UInt8>) throws(FormatError) {
        switch enc {
        case .constant:
            var r = ByteReader(payload)
            let x = try r.i64()
            guard x == 0 || x == 1 else { throw FormatError.corrupt("boolean constant is not 0 or 1") }
            out.update(repeating: UInt8(x), count: count)
        case .bitmap:
            try expandBitmap(payload, count: count, into: out)
        default:
            throw FormatError.corrupt("encoding \(enc.name) is not valid for boolean pages")
        }
    }
}
