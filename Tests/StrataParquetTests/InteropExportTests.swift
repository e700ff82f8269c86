import Foundation
import Testing
import StrataCore
import StrataFormat
@testable import StrataParquet
import StrataTestSupport

/// Writes Parquet files for other readers to check (Benchmarks/parquet_interop.py runs this
/// with STRATA_PARQUET_INTEROP_DIR set, then reads the files with pyarrow and DuckDB). Without
/// the variable it writes into scratch and only reads the files back.
@Suite struct ParquetInteropExport {
    static func data(rows: Int, seed: UInt64) -> ([ColumnSchema], [Column]) {
        var rng = SplitMix(seed)
        let schema = [
            ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "i", type: .integer),
            ColumnSchema(name: "big", type: .bigint, nullable: false), ColumnSchema(name: "x", type: .double),
            ColumnSchema(name: "flag", type: .boolean), ColumnSchema(name: "s", type: .varchar),
            ColumnSchema(name: "day", type: .date), ColumnSchema(name: "wide", type: .varchar),
        ]
        func valid(_ p: Double) -> [UInt8] { (0..<rows).map { _ in rng.chance(p) ? 0 : 1 } }
        let words = Gen.words
        var dict = StringDictionary(words)
        dict.append("unused entry")
        var wide = StringDictionary()
        for i in 0..<rows { wide.append("row \(i) " + words[i % words.count] + String(repeating: "w", count: i % 50)) }
        let cols = [
            Column(.int64((0..<rows).map { _ in Int64(rng.int(1 << 30)) * 1_000_000 - 600_000_000_000_000 + Int64(rng.int(1_000_000)) }), validity: valid(0.1)),
            Column(.int64((0..<rows).map { _ in [Int64(Int32.max), Int64(Int32.min), 0, Int64(rng.int(1000)) - 500][rng.int(4)] }), validity: valid(0.2)),
            Column(.int64((0..<rows).map { _ in [Int64.max, Int64.min, 0, Int64(bitPattern: rng.next())][rng.int(4)] })),
            Column(.double((0..<rows).map { _ in [.nan, .infinity, -.infinity, -0.0, 1e308, Double(rng.int(1000)) / 7][rng.int(6)] }), validity: valid(0.1)),
            Column(.bool((0..<rows).map { _ in UInt8(rng.int(2)) }), validity: valid(0.3)),
            Column(.string(codes: (0..<rows).map { _ in UInt32(rng.int(words.count)) }, dictionary: dict), validity: valid(0.15)),
            Column(.int64((0..<rows).map { _ in Int64(rng.int(2_000_000)) - 1_000_000 }), validity: valid(0.05)),
            Column(.string(codes: (0..<rows).map { UInt32($0) }, dictionary: wide), validity: valid(0.01)),
        ]
        return (schema, cols)
    }

    static func json(_ c: Column) -> [Any] {
        (0..<c.count).map { i -> Any in
            if c.isNull(i) { return NSNull() }
            switch c.data {
            case .int64(let a): return NSNumber(value: a[i])
            case .double(let a):
                if a[i].isNaN { return "NaN" }
                if a[i].isInfinite { return a[i] > 0 ? "Infinity" : "-Infinity" }
                return NSNumber(value: a[i])
            case .bool(let a): return a[i] != 0
            case .string(let codes, let d): return d[Int(codes[i])]
            }
        }
    }

    @Test func writeInteropFiles() throws {
        let env = ProcessInfo.processInfo.environment["STRATA_PARQUET_INTEROP_DIR"]
        let dir = (env ?? TestScratch.root + "interop") + "/"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let (schema, cols) = Self.data(rows: 5000, seed: 11)
        var manifest: [String: Any] = [:]
        let codecs: [ParquetCompression] = [.zstd(level: 3), .snappy, .gzip(level: 6), .lz4Raw, .uncompressed, .brotli(quality: 4)]
        var variants: [(String, ParquetWriteOptions)] = []
        for c in codecs {
            for v2 in [false, true] {
                var o = ParquetWriteOptions()
                o.compression = c
                o.pageVersion = v2 ? .v2 : .v1
                o.rowGroupSize = 2000
                o.pageRowLimit = 700
                o.pageChecksums = true
                variants.append(("strata_\(c.name)_\(v2 ? "v2" : "v1").parquet", o))
            }
        }
        var plain = ParquetWriteOptions()
        plain.dictionary = false
        plain.rowGroupSize = 999
        variants.append(("strata_plain.parquet", plain))
        for v2 in [false, true] {
            var delta = ParquetWriteOptions()
            delta.integerEncoding = .deltaBinaryPacked
            delta.pageVersion = v2 ? .v2 : .v1
            delta.rowGroupSize = 1500
            variants.append(("strata_delta_\(v2 ? "v2" : "v1").parquet", delta))
        }
        var fallback = ParquetWriteOptions()
        fallback.dictionaryPageSizeLimit = 200
        fallback.rowGroupSize = 1
        fallback.pageIndex = false
        variants.append(("strata_fallback_tiny_groups.parquet", fallback))
        for (name, options) in variants {
            let n = name.contains("tiny") ? 50 : cols[0].count
            let w = try ParquetWriter(path: dir + name, schema: schema, options: options)
            // several batches, cut at odd places
            var at = 0
            while at < n {
                let k = min(n - at, 1 + (at * 7 + 333) % 1700)
                try w.write(cols.map { slice($0, at..<(at + k)) })
                at += k
            }
            try w.close()
            manifest[name] = n
            let f = try ParquetFile(path: dir + name)
            for (i, c) in cols.enumerated() {
                #expect(sameValues(slice(c, 0..<n), try readAll(f, column: i)) == nil, "\(name) \(schema[i].name)")
            }
        }
        var columns: [[String: Any]] = []
        for (i, c) in cols.enumerated() {
            columns.append(["name": schema[i].name, "type": schema[i].type.sqlName, "values": Self.json(c)])
        }
        let expected: [String: Any] = ["files": manifest, "columns": columns]
        try JSONSerialization.data(withJSONObject: expected).write(to: URL(fileURLWithPath: dir + "expected.json"))
    }

    func slice(_ c: Column, _ r: Range<Int>) -> Column { sliceColumn(c, r) }
}
