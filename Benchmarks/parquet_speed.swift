// Micro-measure of StrataParquet: write and read 10M rows of a BIGINT column (ascending
// timestamps-like values with noise) and a dictionary VARCHAR column (2,000 distinct URLs),
// zstd level 3. Build the library in release and link this file against it:
//
//   flock /tmp/release-build.lock swift build -c release --product StrataParquet
//   B=.build/release; swiftc -O -parse-as-library -I $B/Modules -I Sources/CZstd -I Sources/CLZ4 -I Sources/CZlib \
//     -I Sources/CSnappy -I Sources/CBrotli -I .build/bench-mm (a modulemap for Sources/CStrataKernels/include/strata_kernels.h) Benchmarks/parquet_speed.swift \
//     $B/StrataParquet.build/*.o $B/StrataText.build/*.o $B/StrataFormat.build/*.o $B/StrataCore.build/*.o $B/CStrataKernels.build/*.o \
//     -lzstd -llz4 -lz -lsnappy -lbrotlienc -lbrotlidec -o /tmp/parquet_speed && /tmp/parquet_speed DIR
import Foundation
import StrataCore
import StrataFormat
import StrataParquet

@main struct ParquetSpeed {
    static func main() throws {
        let dir = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : NSTemporaryDirectory()
        let n = 10_000_000
        var state: UInt64 = 42
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 17 }
        var ints = [Int64](repeating: 0, count: n)
        var t: Int64 = 1_700_000_000_000_000
        for i in 0..<n { t += Int64(next() % 2000); ints[i] = t }
        var dict = StringDictionary()
        for i in 0..<2000 { dict.append("https://example.com/campaign/\(i)/landing?utm_source=s\(i % 17)") }
        let codes = (0..<n).map { _ in UInt32(next() % 2000) }
        let schema = [ColumnSchema(name: "ts", type: .bigint), ColumnSchema(name: "url", type: .varchar)]
        for (label, version, delta) in [("v1", ParquetWriteOptions.PageVersion.v1, false), ("v2", .v2, false), ("v1+delta", .v1, true)] {
            let path = dir + "/speed-\(label).parquet"
            var options = ParquetWriteOptions()
            options.pageVersion = version
            if delta { options.integerEncoding = .deltaBinaryPacked }
            let t0 = Date()
            let w = try ParquetWriter(path: path, schema: schema, options: options)
            let batch = 122_880
            var at = 0
            while at < n {
                let k = min(batch, n - at)
                try w.write([Column(.int64(Array(ints[at..<(at + k)]))),
                             Column(.string(codes: Array(codes[at..<(at + k)]), dictionary: dict))])
                at += k
            }
            let summary = try w.close()
            let t1 = Date()
            let f = try ParquetFile(path: path)
            var rows = 0
            for g in 0..<f.rowGroups.count {
                rows += try f.readColumn(rowGroup: g, column: 0).count
            }
            let t2 = Date()
            for g in 0..<f.rowGroups.count { _ = try f.readColumn(rowGroup: g, column: 1) }
            let t3 = Date()
            precondition(rows == n)
            print(String(format: "%@: write %.2f s (%d bytes, %.1f MB), read BIGINT %.2f s, read VARCHAR %.2f s (one thread)",
                         label, t1.timeIntervalSince(t0), summary.bytes, Double(summary.bytes) / 1e6, t2.timeIntervalSince(t1), t3.timeIntervalSince(t2)))
        }
    }
}
