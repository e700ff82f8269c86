/// Encodes and decodes blocks of Double. Decimal data (prices, rates with few digits) is stored
/// as integers `k` with `value == Double(k) / 10^scale` exactly, then integer-encoded.
public enum DoubleCodec {
    static let powers: [Double] = (0...18).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }
    static let maxScale = 6

    public static func encode(_ v: UnsafeBufferPointer<Double>, into out: inout [UInt8]) -> Encoding {
        let n = v.count
        if n == 0 { return .plain }
        let first = v[0].bitPattern
        var constant = true
        for x in v where x.bitPattern != first { constant = false; break }
        if constant {
            IntCodec.appendI64(Int64(bitPattern: first), &out)
            return .constant
        }
        if let scale = decimalScale(v) {
            var ints = [Int64](repeating: 0, count: n)
            let p = powers[scale]
            for i in 0..<n { ints[i] = Int64((v[i] * p).rounded()) }
            var inner: [UInt8] = []
            let innerEnc = ints.withUnsafeBufferPointer { IntCodec.encode($0, into: &inner) }
            if 2 + inner.count < 8 * n {
                out.append(UInt8(scale))
                out.append(innerEnc.rawValue)
                out.append(contentsOf: inner)
                return .decimal
            }
        }
        encodePlain(v, into: &out)
        return .plain
    }

    public static func encode(_ v: UnsafeBufferPointer<Double>, as enc: Encoding, into out: inout [UInt8]) -> Bool {
        switch enc {
        case .plain:
            encodePlain(v, into: &out)
            return true
        case .constant:
            guard let f = v.first, v.allSatisfy({ $0.bitPattern == f.bitPattern }) else { return false }
            IntCodec.appendI64(Int64(bitPattern: f.bitPattern), &out)
            return true
        case .decimal:
            guard let scale = decimalScale(v) else { return false }
            let p = powers[scale]
            let ints = v.map { Int64(($0 * p).rounded()) }
            var inner: [UInt8] = []
            let innerEnc = ints.withUnsafeBufferPointer { IntCodec.encode($0, into: &inner) }
            out.append(UInt8(scale))
            out.append(innerEnc.rawValue)
            out.append(contentsOf: inner)
            return true
        default:
            return false
        }
    }

    static func encodePlain(_ v: UnsafeBufferPointer<Double>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 8 * v.count)
        for x in v { IntCodec.appendI64(Int64(bitPattern: x.bitPattern), &out) }
    }

    /// Smallest scale `e <= maxScale` such that every value is exactly `Double(k) / 10^e`
    /// for an integer `k` with |k| < 2^53, or nil. -0.0, NaN and infinities never qualify.
    static func decimalScale(_ v: UnsafeBufferPointer<Double>) -> Int? {
        var scale = 0
        outer: for x in v {
            guard x.isFinite, !(x == 0 && x.sign == .minus) else { return nil }
            while scale <= maxScale {
                let p = powers[scale]
                let k = (x * p).rounded()
                if abs(k) < 9.0e15 && k / p == x { continue outer }
                scale += 1
            }
            return nil
        }
        // confirm at the final scale (a value exact at a smaller scale is exact at a larger one
        // mathematically, but verify the floating-point round trip)
        let p = powers[scale]
        for x in v {
            let k = (x * p).rounded()
            guard abs(k) < 9.0e15, k / p == x else { return nil }
        }
        return scale
    }

    public static func decode(_ enc: Encoding, _ payload: UnsafeRawBufferPointer, count: Int,
                              into out: UnsafeMutablePointer<Double>) throws(FormatError) {
        var r = ByteReader(payload)
        switch enc {
        case .constant:
            let x = Double(bitPattern: try r.u64())
            out.update(repeating: x, count: count)
        case .plain:
            let b = try r.bytes(8 * count)
            for i in 0..<count {
                out[i] = Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
            }
        case .decimal:
            let scale = Int(try r.u8())
            guard scale <= maxScale, let inner = Encoding(rawValue: try r.u8()) else {
                throw FormatError.corrupt("bad decimal page header")
            }
            let rest = try r.bytes(r.remaining)
            try out.withMemoryRebound(to: Int64.self, capacity: count) { (ints) throws(FormatError) in
                try IntCodec.decode(inner, rest, count: count, into: ints)
            }
            let p = powers[scale]
            let raw = UnsafeMutableRawPointer(out)
            for i in 0..<count {
                let k = raw.load(fromByteOffset: 8 * i, as: Int64.self)
                raw.storeBytes(of: Double(k) / p, toByteOffset: 8 * i, as: Double.self)
            }
        default:
            throw FormatError.corrupt("encoding \(enc.name) is not valid for double pages")
        }
    }
}
