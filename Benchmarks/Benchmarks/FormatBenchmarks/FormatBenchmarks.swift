import Benchmark
import StrataFormat

/// Encode/decode throughput of each encoding and codec on 64K-value blocks shaped like click
/// data (sorted millisecond timestamps, small ids, runs, decimal prices).
struct Shapes {
    static let n = 65_536
    static let timestamps: [Int64] = {
        var t: Int64 = 1_704_067_200_000_000
        var s: UInt64 = 1
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1  // wrapping: LCG
            t += Int64(s >> 50) * 1000
            return t
        }
    }()
    static let smallInts: [Int64] = (0..<n).map { Int64(($0 &* 2654435761) % 20000) }
    static let runs: [Int64] = (0..<n).map { Int64($0 / 300) }
    static let prices: [Double] = (0..<n).map { $0 % 50 == 0 ? Double($0 % 9999) / 100 : 0 }
}

let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(metrics: [.wallClock, .throughput], scalingFactor: .kilo, maxDuration: .seconds(2))

    for (name, data) in [("timestamps", Shapes.timestamps), ("small-ints", Shapes.smallInts), ("runs", Shapes.runs)] {
        var encoded: [UInt8] = []
        let enc = data.withUnsafeBufferPointer { IntCodec.encode($0, into: &encoded) }
        Benchmark("int encode \(name) (\(enc.name), 64K values)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations {
                var out: [UInt8] = []
                out.reserveCapacity(1 << 20)
                blackHole(data.withUnsafeBufferPointer { IntCodec.encode($0, into: &out) })
            }
        }
        Benchmark("int decode \(name) (\(enc.name), 64K values)", configuration: config) { benchmark in
            var out = [Int64](repeating: 0, count: Shapes.n)
            for _ in benchmark.scaledIterations {
                encoded.withUnsafeBytes { p in
                    out.withUnsafeMutableBufferPointer { o in try? IntCodec.decode(enc, p, count: Shapes.n, into: o.baseAddress!) }
                }
                blackHole(out[Shapes.n - 1])
            }
        }
    }

    let constant = [Int64](repeating: 654, count: Shapes.n)
    var constantBytes: [UInt8] = []
    let constantEnc = constant.withUnsafeBufferPointer { IntCodec.encode($0, into: &constantBytes) }
    Benchmark("int encode constant (\(constantEnc.name), 64K values)", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            var out: [UInt8] = []
            blackHole(constant.withUnsafeBufferPointer { IntCodec.encode($0, into: &out) })
        }
    }
    Benchmark("int decode constant (\(constantEnc.name), 64K values)", configuration: config) { benchmark in
        var out = [Int64](repeating: 0, count: Shapes.n)
        for _ in benchmark.scaledIterations {
            constantBytes.withUnsafeBytes { p in out.withUnsafeMutableBufferPointer { o in try? IntCodec.decode(constantEnc, p, count: Shapes.n, into: o.baseAddress!) } }
            blackHole(out[1])
        }
    }
    let bools = (0..<Shapes.n).map { UInt8(($0 &* 2654435761) >> 7 & 1) }
    var boolBytes: [UInt8] = []
    let boolEnc = bools.withUnsafeBufferPointer { BoolCodec.encode($0, into: &boolBytes) }
    Benchmark("bool encode (\(boolEnc.name), 64K values)", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            var out: [UInt8] = []
            blackHole(bools.withUnsafeBufferPointer { BoolCodec.encode($0, into: &out) })
        }
    }
    Benchmark("bool decode (\(boolEnc.name), 64K values)", configuration: config) { benchmark in
        var out = [UInt8](repeating: 0, count: Shapes.n)
        for _ in benchmark.scaledIterations {
            boolBytes.withUnsafeBytes { p in out.withUnsafeMutableBufferPointer { o in try? BoolCodec.decode(boolEnc, p, count: Shapes.n, into: o.baseAddress!) } }
            blackHole(out[1])
        }
    }
    Benchmark("double encode prices (decimal, 64K values)", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            var out: [UInt8] = []
            blackHole(Shapes.prices.withUnsafeBufferPointer { DoubleCodec.encode($0, into: &out) })
        }
    }

    var prices: [UInt8] = []
    let priceEnc = Shapes.prices.withUnsafeBufferPointer { DoubleCodec.encode($0, into: &prices) }
    Benchmark("double decode prices (\(priceEnc.name), 64K values)", configuration: config) { benchmark in
        var out = [Double](repeating: 0, count: Shapes.n)
        for _ in benchmark.scaledIterations {
            prices.withUnsafeBytes { p in out.withUnsafeMutableBufferPointer { o in try? DoubleCodec.decode(priceEnc, p, count: Shapes.n, into: o.baseAddress!) } }
            blackHole(out[0])
        }
    }

    var raw: [UInt8] = []
    _ = Shapes.timestamps.withUnsafeBufferPointer { IntCodec.encode($0, as: .plain, into: &raw) }
    for spec in [CodecSpec(.lz4), CodecSpec(.zstd, level: 1), CodecSpec(.zstd, level: 3)] {
        let ctx = CodecContext()
        let compressed = raw.withUnsafeBytes { ctx.compress($0, spec) } ?? raw
        Benchmark("\(spec.codec.name)\(spec.codec == .zstd ? "-\(spec.level)" : "") compress 512 KiB block", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(raw.withUnsafeBytes { ctx.compress($0, spec) }) }
        }
        Benchmark("\(spec.codec.name)\(spec.codec == .zstd ? "-\(spec.level)" : "") decompress 512 KiB block", configuration: config) { benchmark in
            var out = [UInt8](repeating: 0, count: raw.count)
            for _ in benchmark.scaledIterations {
                compressed.withUnsafeBytes { s in out.withUnsafeMutableBytes { try? ctx.decompress(s, codec: spec.codec, into: $0) } }
                blackHole(out[0])
            }
        }
    }

    Benchmark("crc32c 1 MiB", configuration: config) { benchmark in
        let data = [UInt8](repeating: 7, count: 1 << 20)
        for _ in benchmark.scaledIterations { blackHole(CRC32C.checksum(data)) }
    }
}
