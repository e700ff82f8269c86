import Benchmark
import Foundation
import StrataGen
import StrataText

/// CSV and NDJSON scanning throughput on generated click logs (bytes/s), and value parsing.
let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(metrics: [.wallClock, .throughput], scalingFactor: .one, maxDuration: .seconds(2))
    func generate(_ format: ClickGenerator.Format) -> [UInt8] {
        var out: [UInt8] = []
        let g = try! ClickGenerator(options: .init(rows: 100_000, seed: 7, format: format))
        try! g.write { out.append(contentsOf: $0) }
        return out
    }
    let csv = generate(.csv)
    let ndjson = generate(.ndjson)
    Benchmark("CSV scan 100K click rows (\(csv.count / 1_000_000) MB)", configuration: config) { benchmark in
        let buffer = CSVRowBuffer(fieldCapacity: 1 << 22, rowCapacity: 1 << 17)
        for _ in benchmark.scaledIterations {
            csv.withUnsafeBytes { b in try? CSVScanner.scan(b, range: 0..<b.count, firstLine: 1, dialect: .csv, into: buffer) }
            blackHole(buffer.rowCount)
        }
    }
    Benchmark("NDJSON scan 100K click rows (\(ndjson.count / 1_000_000) MB)", configuration: config) { benchmark in
        let object = JSONObjectBuffer()
        for _ in benchmark.scaledIterations {
            var members = 0
            ndjson.withUnsafeBytes { b in
                var lines = NDJSONLines(b, range: 0..<b.count, firstLine: 1)
                while let (line, number) = lines.next() {
                    _ = try? JSONLineScanner.scan(line, lineNumber: number, into: object)
                    members += object.memberCount
                }
            }
            blackHole(members)
        }
    }
    let stamps = (0..<100_000).map { i in Array("2024-05-\(10 + i % 20) 1\(i % 10):3\(i % 10):0\(i % 10).\(100 + i % 900)".utf8) }
    Benchmark("timestamp parse 100K values", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            var acc: Int64 = 0
            for s in stamps { s.withUnsafeBufferPointer { acc &+= Civil.parseTimestamp($0.baseAddress!, $0.count) ?? 0 } }
            blackHole(acc)
        }
    }
}
