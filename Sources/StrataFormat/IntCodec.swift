/// Encodes and decodes blocks of Int64 (timestamps, integers, dictionary codes).
///
/// Payload layouts (little-endian) are specified in Format.md ("Integer encodings").
public enum IntCodec {
    static let exceptionCost = 12  // u32 position + i64 value

    /// Statistics of one block gathered in a single pass.
    struct Stats {
        var min: Int64 = .max
        var max: Int64 = .min
        var runs = 0
        var maxRun = 0
        var deltaOK = true
    }

    static func stats(_ v: UnsafeBufferPointer<Int64>) -> Stats {
        var s = Stats()
        guard !v.isEmpty else { return s }
        var prev = v[0]
        var run = 0
        s.runs = 1
        for x in v {
            if x < s.min { s.min = x }
            if x > s.max { s.max = x }
            if x == prev {
                run += 1
            } else {
                if run > s.maxRun { s.maxRun = run }
                s.runs += 1
                run = 1
                if x.subtractingReportingOverflow(prev).overflow { s.deltaOK = false }
                prev = x
            }
        }
        if run > s.maxRun { s.maxRun = run }
        return s
    }

    /// Chooses the smallest encoding for `v` and appends its payload to `out`.
    public static func encode(_ v: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) -> Encoding {
        let n = v.count
        if n == 0 { return .plain }
        let s = stats(v)
        if s.min == s.max {
            appendI64(s.min, &out)
            return .constant
        }
        let range = UInt64(bitPattern: s.max &- s.min)  // exact unsigned difference
        var g: UInt64 = 0
        for x in v {
            g = gcd(g, UInt64(bitPattern: x &- s.min))
            if g == 1 { break }
        }
        let forWidth = BitPacking.width(range / g)
        let forSize = 17 + BitPacking.byteCount(count: n, width: forWidth)
        let plainSize = 8 * n
        let rleLenWidth = BitPacking.width(UInt64(s.maxRun - 1))
        let rleSize = 22 + BitPacking.byteCount(count: s.runs, width: BitPacking.width(range))
            + BitPacking.byteCount(count: s.runs, width: rleLenWidth)
        var best: (Encoding, Int) = (.frameOfReference, forSize)
        // run-length decodes per run: worth it only when runs are long enough to halve the size
        if rleSize * 2 < best.1 { best = (.runLength, rleSize) }
        var deltaPlan: DeltaPlan?
        if s.deltaOK && n > 2 && forWidth > 4 {
            let plan = planDelta(v)
            if plan.size < best.1 * 9 / 10 {  // prefer FOR (cheaper decode) unless delta clearly wins
                best = (.delta, plan.size)
                deltaPlan = plan
            }
        }
        if plainSize <= best.1 { best = (.plain, plainSize) }
        switch best.0 {
        case .frameOfReference: encodeFOR(v, base: s.min, divisor: g, width: forWidth, into: &out)
        case .runLength: encodeRLE(v, min: s.min, valueWidth: BitPacking.width(range), lengthWidth: rleLenWidth, into: &out)
        case .delta: encodeDelta(v, plan: deltaPlan!, into: &out)
        default: encodePlain(v, into: &out)
        }
        return best.0
    }

    /// Encodes with a specific encoding (tests and forced choices). Returns false when the
    /// encoding cannot represent the data (constant on varying data, delta on overflow).
    public static func encode(_ v: UnsafeBufferPointer<Int64>, as enc: Encoding, into out: inout [UInt8]) -> Bool {
        let n = v.count
        let s = stats(v)
        switch enc {
        case .constant:
            guard n > 0, s.min == s.max else { return false }
            appendI64(s.min, &out)
        case .plain:
            encodePlain(v, into: &out)
        case .frameOfReference:
            guard n > 0 else { return false }
            var g: UInt64 = 0
            for x in v { g = gcd(g, UInt64(bitPattern: x &- s.min)) }
            if g == 0 { g = 1 }
            encodeFOR(v, base: s.min, divisor: g, width: BitPacking.width(UInt64(bitPattern: s.max &- s.min) / g), into: &out)
        case .runLength:
            guard n > 0 else { return false }
            encodeRLE(v, min: s.min, valueWidth: BitPacking.width(UInt64(bitPattern: s.max &- s.min)),
                      lengthWidth: BitPacking.width(UInt64(s.maxRun - 1)), into: &out)
        case .delta:
            guard n > 0, s.deltaOK else { return false }
            encodeDelta(v, plan: planDelta(v), into: &out)
        default:
            return false
        }
        return true
    }

    // MARK: - encoders

    @inline(__always) static func appendI64(_ x: Int64, _ out: inout [UInt8]) {
        withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always) static func appendU32(_ x: UInt32, _ out: inout [UInt8]) {
        withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
    }

    static func encodePlain(_ v: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 8 * v.count)
        for x in v { appendI64(x, &out) }
    }

    static func encodeFOR(_ v: UnsafeBufferPointer<Int64>, base: Int64, divisor: UInt64, width: Int, into out: inout [UInt8]) {
        appendI64(base, &out)
        appendI64(Int64(bitPattern: divisor), &out)
        out.append(UInt8(width))
        BitPacking.pack(count: v.count, width: width, into: &out) { i in
            UInt64(bitPattern: v[i] &- base) / divisor
        }
    }

    static func encodeRLE(_ v: UnsafeBufferPointer<Int64>, min: Int64, valueWidth: Int, lengthWidth: Int, into out: inout [UInt8]) {
        var values: [UInt64] = []
        var lengths: [UInt64] = []
        var prev = v[0]
        var run: UInt64 = 0
        for x in v {
            if x == prev {
                run += 1
            } else {
                values.append(UInt64(bitPattern: prev &- min))
                lengths.append(run - 1)
                prev = x
                run = 1
            }
        }
        values.append(UInt64(bitPattern: prev &- min))
        lengths.append(run - 1)
        appendU32(UInt32(values.count), &out)
        appendI64(min, &out)
        out.append(UInt8(valueWidth))
        out.append(UInt8(lengthWidth))
        BitPacking.pack(count: values.count, width: valueWidth, into: &out) { values[$0] }
        BitPacking.pack(count: lengths.count, width: lengthWidth, into: &out) { lengths[$0] }
    }

    struct DeltaPlan {
        var base: Int64
        var divisor: UInt64
        var width: Int
        var exceptions: Int
        var size: Int
    }

    /// Delta encoding with patched exceptions: deltas below `base` or wider than `width` bits
    /// after subtracting `base` are stored aside as (position, delta) pairs.
    static func planDelta(_ v: UnsafeBufferPointer<Int64>) -> DeltaPlan {
        let n = v.count
        // base: smallest non-negative delta (sorted runs), else the smallest delta
        var minNonNeg = Int64.max
        var minAll = Int64.max
        for i in 1..<n {
            let d = v[i] &- v[i - 1]
            if d < minAll { minAll = d }
            if d >= 0 && d < minNonNeg { minNonNeg = d }
        }
        let base = minNonNeg == .max ? minAll : minNonNeg
        var below = 0
        var hist = [Int](repeating: 0, count: 65)
        for i in 1..<n {
            let d = v[i] &- v[i - 1]
            if d < base { below += 1; continue }
            hist[BitPacking.width(UInt64(bitPattern: d &- base))] += 1
        }
        // choose the width minimizing packed bytes + exception bytes
        var bestW = 64, bestSize = Int.max, bestExc = 0
        var wider = 0  // deltas wider than w
        var w = 64
        while w >= 0 {
            let exc = below + wider
            let size = BitPacking.byteCount(count: n - 1, width: w) + exc * exceptionCost
            if size < bestSize { bestSize = size; bestW = w; bestExc = exc }
            wider += hist[w]
            w -= 1
        }
        var g: UInt64 = 0
        let limit: UInt64 = bestW == 64 ? .max : (1 << UInt64(bestW)) - 1
        for i in 1..<n {
            let d = v[i] &- v[i - 1]
            if d < base { continue }
            let u = UInt64(bitPattern: d &- base)
            if u > limit { continue }
            g = gcd(g, u)
            if g == 1 { break }
        }
        if g == 0 { g = 1 }
        // with a divisor the width may shrink
        var maxQ: UInt64 = 0
        for i in 1..<n {
            let d = v[i] &- v[i - 1]
            if d < base { continue }
            let u = UInt64(bitPattern: d &- base)
            if u > limit { continue }
            maxQ = max(maxQ, u / g)
        }
        let width = BitPacking.width(maxQ)
        let size = 29 + BitPacking.byteCount(count: n - 1, width: width) + bestExc * exceptionCost
        return DeltaPlan(base: base, divisor: g, width: width, exceptions: bestExc, size: size)
    }

    static func encodeDelta(_ v: UnsafeBufferPointer<Int64>, plan: DeltaPlan, into out: inout [UInt8]) {
        let n = v.count
        let limit: UInt64 = plan.width == 64 ? .max : (1 << UInt64(plan.width)) - 1
        var excPos: [UInt32] = []
        var excVal: [Int64] = []
        appendI64(v[0], &out)
        appendI64(plan.base, &out)
        appendI64(Int64(bitPattern: plan.divisor), &out)
        out.append(UInt8(plan.width))
        // An exception is any delta that does not round-trip through (base, divisor, width).
        var packed = [UInt64](repeating: 0, count: n - 1)
        for j in 0..<(n - 1) {
            let d = v[j + 1] &- v[j]
            if d >= plan.base {
                let u = UInt64(bitPattern: d &- plan.base)
                if u % plan.divisor == 0 && u / plan.divisor <= limit { packed[j] = u / plan.divisor; continue }
            }
            excPos.append(UInt32(j))
            excVal.append(d)
        }
        BitPacking.pack(count: n - 1, width: plan.width, into: &out) { packed[$0] }
        appendU32(UInt32(excPos.count), &out)
        for p in excPos { appendU32(p, &out) }
        for d in excVal { appendI64(d, &out) }
    }

    // MARK: - decoding

    /// A frame-of-reference payload: base, divisor, bit width and the packed values.
    static func frameOfReference(_ r: inout ByteReader, count: Int) throws(FormatError)
        -> (base: Int64, divisor: UInt64, width: Int, packed: UnsafeRawBufferPointer) {
        let base = try r.i64()
        let divisor = try r.u64()
        let width = Int(try r.u8())
        guard width <= 64, divisor >= 1 else { throw FormatError.corrupt("bad frame-of-reference header") }
        return (base, divisor, width, try r.bytes(BitPacking.byteCount(count: count, width: width)))
    }

    /// Encodings whose values can be read at any position without decoding the others.
    public static func hasRandomAccess(_ enc: Encoding) -> Bool {
        enc == .constant || enc == .plain || enc == .frameOfReference
    }

    /// Decodes only the values at `rows` (ascending positions below `count`) into
    /// `out[0..<rows.count]`; the encoding must have random access (`hasRandomAccess`).
    public static func decodeSelected(_ enc: Encoding, _ payload: UnsafeRawBufferPointer, count: Int,
                                      rows: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Int64>) throws(FormatError) {
        var r = ByteReader(payload)
        switch enc {
        case .constant:
            let x = try r.i64()
            out.update(repeating: x, count: rows.count)
        case .plain:
            let b = try r.bytes(8 * count)
            for (k, i) in rows.enumerated() {
                out[k] = Int64(littleEndian: b.loadUnaligned(fromByteOffset: 8 * Int(i), as: Int64.self))
            }
        case .frameOfReference:
            let (base, divisor, width, packed) = try frameOfReference(&r, count: count)
            let m = Int64(bitPattern: divisor)
            if width == 0 {
                out.update(repeating: base, count: rows.count)
                return
            }
            let p = packed.baseAddress!
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            let fastEnd = packed.count - 8
            for (k, i) in rows.enumerated() {
                let bit = Int(i) &* width
                let raw: UInt64
                if width <= 56 && (bit >> 3) <= fastEnd {
                    raw = (UInt64(littleEndian: p.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self)) >> UInt64(bit & 7)) & mask
                } else {
                    raw = BitPacking.readBits(p, bit: bit, width: width)
                }
                out[k] = base &+ Int64(bitPattern: raw) &* m
            }
        default:
            throw FormatError(.invalidArgument, "encoding without random access")
        }
    }

    /// Decodes a payload of `count` values into `out` (which must hold `count` values).
    public static func decode(_ enc: Encoding, _ payload: UnsafeRawBufferPointer, count: Int,
                              into out: UnsafeMutablePointer<Int64>) throws(FormatError) {
        var r = ByteReader(payload)
        switch enc {
        case .constant:
            let x = try r.i64()
            out.update(repeating: x, count: count)
        case .plain:
            let b = try r.bytes(8 * count)
            for i in 0..<count {
                out[i] = Int64(littleEndian: b.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
            }
        case .frameOfReference:
            let (base, divisor, width, packed) = try frameOfReference(&r, count: count)
            BitPacking.unpackAffine(packed, count: count, width: width, base: base, multiplier: Int64(bitPattern: divisor), into: out)
        case .runLength:
            let runs = Int(try r.u32())
            let base = try r.i64()
            let vw = Int(try r.u8())
            let lw = Int(try r.u8())
            guard vw <= 64, lw <= 64, runs <= count, runs > 0 || count == 0 else {
                throw FormatError.corrupt("bad run-length header")
            }
            let vb = try r.bytes(BitPacking.byteCount(count: runs, width: vw))
            let lb = try r.bytes(BitPacking.byteCount(count: runs, width: lw))
            var vals = [UInt64](repeating: 0, count: runs)
            var lens = [UInt64](repeating: 0, count: runs)
            vals.withUnsafeMutableBufferPointer { BitPacking.unpack(vb, count: runs, width: vw, into: $0.baseAddress!) }
            lens.withUnsafeMutableBufferPointer { BitPacking.unpack(lb, count: runs, width: lw, into: $0.baseAddress!) }
            var pos = 0
            for k in 0..<runs {
                let len = Int(truncatingIfNeeded: lens[k]) &+ 1
                guard len > 0, len <= count - pos else { throw FormatError.corrupt("run lengths exceed block row count") }
                let x = base &+ Int64(bitPattern: vals[k])
                if len <= 8 {
                    for j in 0..<len { out[pos + j] = x }
                } else {
                    out.advanced(by: pos).update(repeating: x, count: len)
                }
                pos += len
            }
            guard pos == count else { throw FormatError.corrupt("run lengths do not cover the block") }
        case .delta:
            let first = try r.i64()
            let base = try r.i64()
            let divisor = try r.u64()
            let width = Int(try r.u8())
            guard width <= 64, divisor >= 1, count > 0 else { throw FormatError.corrupt("bad delta header") }
            let packed = try r.bytes(BitPacking.byteCount(count: count - 1, width: width))
            out[0] = first
            if count > 1 {
                BitPacking.unpackAffine(packed, count: count - 1, width: width, base: base, multiplier: Int64(bitPattern: divisor), into: out + 1)
            }
            let exc = Int(try r.u32())
            guard exc <= count else { throw FormatError.corrupt("too many delta exceptions") }
            let pos = try r.bytes(4 * exc)
            let vals = try r.bytes(8 * exc)
            for k in 0..<exc {
                let p = Int(UInt32(littleEndian: pos.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                guard p < count - 1 else { throw FormatError.corrupt("delta exception position out of range") }
                out[p + 1] = Int64(littleEndian: vals.loadUnaligned(fromByteOffset: 8 * k, as: Int64.self))
            }
            var acc = first
            for i in 1..<count {
                acc = acc &+ out[i]
                out[i] = acc
            }
        default:
            throw FormatError.corrupt("encoding \(enc.name) is not valid for integer pages")
        }
    }
}
