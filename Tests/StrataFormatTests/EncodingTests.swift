import Testing
@testable import StrataFormat
import StrataTestSupport

/// SplitMix64: deterministic test data.
struct TestRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 { splitMix64Next(&state) }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
}

/// Int64 data shapes that stress every encoding.
func intShapes(_ seed: UInt64, count n: Int) -> [(String, [Int64])] {
    var r = TestRNG(seed)
    let base = Int64(bitPattern: r.next()) >> 8
    var sorted: [Int64] = []
    var acc = base
    for _ in 0..<n { acc &+= Int64(r.int(0...5000)) * 1000; sorted.append(acc) }
    var runs: [Int64] = []
    while runs.count < n { let v = Int64(r.int(-3...3)); for _ in 0..<r.int(1...40) where runs.count < n { runs.append(v) } }
    var sortedWithJumps: [Int64] = []
    acc = 1_700_000_000_000_000
    for i in 0..<n { if i % 97 == 0 { acc = 1_700_000_000_000_000 + Int64(r.int(0...1_000_000)) * 1000 }; acc += Int64(r.int(0...3000)) * 1000; sortedWithJumps.append(acc) }
    return [
        ("random", (0..<n).map { _ in Int64(bitPattern: r.next()) }),
        ("small", (0..<n).map { _ in Int64(r.int(0...1000)) }),
        ("negative", (0..<n).map { _ in Int64(r.int(-100_000...100)) }),
        ("constant", [Int64](repeating: base, count: n)),
        ("sorted", sorted),
        ("runs", runs),
        ("jumps", sortedWithJumps),
        ("extremes", (0..<n).map { i in [Int64.min, Int64.max, 0, -1, 1][i % 5] }),
    ]
}

@Test(arguments: [Encoding.constant, .plain, .frameOfReference, .runLength, .delta, nil])
func intEncodingsRoundTrip(_ forced: Encoding?) throws {
    for seed in UInt64(1)...25 {
        for n in [0, 1, 2, 7, 64, 1000, 4099] {
            for (shape, values) in intShapes(seed, count: n) {
                var out: [UInt8] = []
                let enc: Encoding
                if let forced {
                    guard values.withUnsafeBufferPointer({ IntCodec.encode($0, as: forced, into: &out) }) else { continue }
                    enc = forced
                } else {
                    if n == 0 { continue }
                    enc = values.withUnsafeBufferPointer { IntCodec.encode($0, into: &out) }
                }
                var decoded = [Int64](repeating: 99, count: n)
                try out.withUnsafeBytes { p in
                    try decoded.withUnsafeMutableBufferPointer { d in
                        try IntCodec.decode(enc, p, count: n, into: d.baseAddress!)
                    }
                }
                if let bad = decoded.indices.first(where: { decoded[$0] != values[$0] }) {
                    Issue.record("seed \(seed) n \(n) shape \(shape) encoding \(enc.name): row \(bad) decoded \(decoded[bad]) expected \(values[bad])")
                }
            }
        }
    }
}

@Test func automaticChoiceIsCompact() {
    let shapes = intShapes(7, count: 4096)
    func encoded(_ name: String) -> (Encoding, Int) {
        var out: [UInt8] = []
        let e = shapes.first { $0.0 == name }!.1.withUnsafeBufferPointer { IntCodec.encode($0, into: &out) }
        return (e, out.count)
    }
    #expect(encoded("constant").0 == .constant)
    #expect(encoded("constant").1 == 8)
    #expect(encoded("runs").0 == .runLength)
    #expect(encoded("small").0 == .frameOfReference)
    #expect(encoded("small").1 <= 17 + 4096 * 10 / 8)
    // sorted millisecond timestamps: delta with divisor 1000 beats 64-bit plain by far
    #expect(encoded("sorted").0 == .delta)
    #expect(encoded("sorted").1 < 4096 * 2)
    #expect(encoded("jumps").1 < 4096 * 3)
    #expect(encoded("random").0 == .plain)
}

@Test func bitPackingAllWidths() {
    var r = TestRNG(3)
    for width in 0...64 {
        for n in [0, 1, 3, 8, 9, 15, 16, 17, 63, 64, 65, 200, 1001, 4096] {
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            let values = (0..<n).map { _ in r.next() & mask }
            var out: [UInt8] = []
            BitPacking.pack(count: n, width: width, into: &out) { values[$0] }
            #expect(out.count == BitPacking.byteCount(count: n, width: width))
            var back = [UInt64](repeating: 7, count: n)
            out.withUnsafeBytes { p in back.withUnsafeMutableBufferPointer { BitPacking.unpack(p, count: n, width: width, into: $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!) } }
            #expect(back == values, "width \(width) n \(n)")
            if back != values { return }
            // the affine unpack (groups of 8 with constant widths, then single values, then the
            // last bytes one by one) from a buffer of exactly the packed size
            for (base, multiplier) in [(Int64(0), Int64(1)), (-17, 1_000_000), (Int64.max, 3)] {
                var affine = [Int64](repeating: 7, count: n)
                let exact = Array(out)
                exact.withUnsafeBytes { p in affine.withUnsafeMutableBufferPointer {
                    BitPacking.unpackAffine(p, count: n, width: width, base: base, multiplier: multiplier, into: $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                } }
                let want = values.map { base &+ Int64(bitPattern: $0) &* multiplier }
                let same = affine == want
                #expect(same, "affine width \(width) n \(n) base \(base) multiplier \(multiplier)")
                if !same { return }
            }
        }
    }
}

@Test func doubleEncodingsRoundTrip() throws {
    for seed in UInt64(1)...30 {
        var r = TestRNG(seed)
        let n = r.int(1...3000)
        let shapes: [[Double]] = [
            (0..<n).map { _ in Double(bitPattern: r.next()) },  // includes NaN payloads and infinities
            (0..<n).map { _ in Double(r.int(0...100_000)) / 100 },
            (0..<n).map { _ in r.int(0...9) == 0 ? Double(r.int(100...9999)) / 100 : 0 },
            [Double](repeating: -0.0, count: n),
            (0..<n).map { i in [Double.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude][i % 7] },
            (0..<n).map { _ in Double(r.int(-1000...1000)) * 0.1 },
        ]
        for values in shapes {
            for forced in [Encoding?.none, .plain, .decimal, .constant] {
                var out: [UInt8] = []
                let enc: Encoding
                if let forced {
                    guard values.withUnsafeBufferPointer({ DoubleCodec.encode($0, as: forced, into: &out) }) else { continue }
                    enc = forced
                } else {
                    enc = values.withUnsafeBufferPointer { DoubleCodec.encode($0, into: &out) }
                }
                var back = [Double](repeating: 1, count: n)
                try out.withUnsafeBytes { p in try back.withUnsafeMutableBufferPointer { try DoubleCodec.decode(enc, p, count: n, into: $0.baseAddress!) } }
                #expect(back.map(\.bitPattern) == values.map(\.bitPattern), "seed \(seed) encoding \(enc.name)")
            }
        }
    }
    // prices are stored as decimals and much smaller than plain
    let prices = (0..<4096).map { Double($0 % 500) + 0.99 }
    var out: [UInt8] = []
    #expect(prices.withUnsafeBufferPointer { DoubleCodec.encode($0, into: &out) } == .decimal)
    #expect(out.count < 4096 * 3)
}

@Test func codecsRoundTripAndRejectGarbage() throws {
    let ctx = CodecContext()
    var r = TestRNG(11)
    let compressible = (0..<100_000).map { UInt8($0 % 7) }
    let random = (0..<5000).map { _ in UInt8(truncatingIfNeeded: r.next()) }
    for spec in [CodecSpec(.lz4), CodecSpec(.zstd, level: 1), CodecSpec(.zstd, level: 19)] {
        let c = compressible.withUnsafeBytes { ctx.compress($0, spec) }
        #expect(c != nil && c!.count < compressible.count / 10)
        var back = [UInt8](repeating: 0, count: compressible.count)
        try c!.withUnsafeBytes { s in try back.withUnsafeMutableBytes { try ctx.decompress(s, codec: spec.codec, into: $0) } }
        #expect(back == compressible)
        // incompressible data is not worth compressing
        #expect(random.withUnsafeBytes { ctx.compress($0, spec) } == nil)
        // garbage never decodes to the recorded length silently
        var corrupted = c!
        corrupted[corrupted.count / 2] ^= 0xFF
        corrupted.removeLast(3)
        #expect(throws: FormatError.self) {
            try corrupted.withUnsafeBytes { s in try back.withUnsafeMutableBytes { try ctx.decompress(s, codec: spec.codec, into: $0) } }
        }
    }
}

@Test func crc32cKnownValues() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    let a = Array("hello ".utf8), b = Array("world".utf8)
    #expect(CRC32C.checksum(b, seed: CRC32C.checksum(a)) == CRC32C.checksum(a + b))
}

/// CRC-32C of random buffers against a bit-at-a-time reference: lengths around the
/// interleaved lanes' block sizes (3 x 256 and 3 x 8192 bytes), unaligned starts, and chained
/// seeds.
@Test(arguments: 0..<6)
func crc32cMatchesBitwiseReference(seed: UInt64) {
    func reference(_ bytes: ArraySlice<UInt8>, seed: UInt32) -> UInt32 {
        var c = ~seed
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        }
        return ~c
    }
    var rng = TestRNG(seed)
    let data = (0..<(3 * 8192 * 2 + 3000)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let lengths = [0, 1, 7, 8, 255, 767, 768, 769, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 9, 2 * 3 * 8192 + 800]
        + (0..<4).map { _ in rng.int(0...(3 * 8192 * 2)) }
    for n in lengths {
        let start = rng.int(0...7)
        let slice = data[start..<(start + n)]
        let s = UInt32(truncatingIfNeeded: rng.next())
        let got = slice.withUnsafeBytes { CRC32C.checksum($0, seed: s) }
        #expect(got == reference(slice, seed: s), "length \(n), offset \(start)")
    }
}
