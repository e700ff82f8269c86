import Foundation
import Testing
import StrataCore
import StrataFormat
@testable import StrataParquet
import StrataTestSupport

/// Files written by pyarrow and DuckDB (scripts/parquet_fixtures.py) read with the values
/// the same script recorded.
@Suite struct ParquetFixtureTests {
    static let dir: String = Bundle.module.resourcePath! + "/Fixtures/"

    static func manifest() throws -> [String: [String: String]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: [String: String]]
    }

    @Test(arguments: try! manifest().keys.sorted())
    func fixtureReadsAsExpected(_ file: String) throws {
        let entry = try Self.manifest()[file]!
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.dir + entry["expected"]!))) as! [String: Any]
        let f = try ParquetFile(path: Self.dir + file)
        #expect(f.rowCount == expected["rows"] as! Int)
        let columns = expected["columns"] as! [[String: Any]]
        #expect(f.columns.map(\.name) == columns.map { $0["name"] as! String })
        for (ci, col) in columns.enumerated() {
            let name = col["name"] as! String
            if col["unsupported"] as? Bool == true {
                #expect(f.columns[ci].type == nil)
                do {
                    _ = try f.readColumn(rowGroup: 0, column: ci)
                    Issue.record("\(file): nested column \(name) was read")
                } catch {
                    #expect(error.kind == .unsupported)
                    #expect(error.description.contains("'\(name)'"), "\(error)")
                }
                continue
            }
            let type = ColumnType(sqlName: col["type"] as! String)!
            #expect(f.columns[ci].type == type, "\(file) \(name): \(String(describing: f.columns[ci].type)) vs \(type)")
            let got = try readAll(f, column: ci)
            let values = col["values"] as! [Any]
            #expect(got.count == values.count)
            var mismatches = 0
            for (i, v) in values.enumerated() where i < got.count {
                let ok: Bool
                if v is NSNull { ok = got.isNull(i) } else if got.isNull(i) { ok = false } else {
                    switch got.data {
                    case .int64(let a): ok = (v as? NSNumber)?.int64Value == a[i] && (v as? NSNumber).map { "\($0)" == "\(a[i])" } == true
                    case .double(let a):
                        if let s = v as? String {
                            ok = s == "NaN" ? a[i].isNaN : s == "Infinity" ? a[i] == .infinity : a[i] == -.infinity
                        } else {
                            let e = (v as! NSNumber).doubleValue
                            ok = e == a[i] || abs(e - a[i]) <= 1e-12 * max(abs(e), 1e-300)
                        }
                    case .bool(let a): ok = (v as? Bool) == (a[i] != 0)
                    case .string(let c, let d): ok = (v as? String) == d[Int(c[i])]
                    }
                }
                if !ok {
                    mismatches += 1
                    if mismatches <= 3 { Issue.record("\(file) \(name) row \(i): expected \(v)") }
                }
            }
            #expect(mismatches == 0, "\(file) \(name)")
        }
    }

    @Test func nestedColumnsAreNamedInTheError() throws {
        let f = try ParquetFile(path: Self.dir + "pyarrow_nested.parquet")
        do {
            _ = try f.strataSchema()
            Issue.record("nested schema accepted")
        } catch {
            #expect(error.description.contains("tags") && error.description.contains("list"), "\(error)")
        }
        #expect(f.columns.map(\.name) == ["id", "tags", "pt", "name"])
        #expect(f.columns[2].unsupportedReason?.contains("struct") == true)
        // the flat columns around them are read
        let name = try f.readColumn(rowGroup: 0, column: 3)
        guard case .string(let codes, let dict) = name.data else { Issue.record("name not a string column"); return }
        #expect(dict[Int(codes[42])] == "n42")
    }
}

/// Truncated and damaged files give a ParquetError naming the file (and row group and column
/// for damaged pages); they never crash and never return different values.
@Suite struct ParquetCorruptionTests {
    static func sample(checksums: Bool, codec: ParquetCompression, v2: Bool) throws -> (String, [Column]) {
        let path = TestScratch.root + "corrupt-src-\(checksums)-\(codec.name)-\(v2).parquet"
        var rng = SplitMix(5)
        let schema = [ColumnSchema(name: "n", type: .bigint), ColumnSchema(name: "s", type: .varchar),
                      ColumnSchema(name: "x", type: .double, nullable: false), ColumnSchema(name: "b", type: .boolean)]
        var options = ParquetWriteOptions()
        options.rowGroupSize = 150
        options.pageRowLimit = 60
        options.pageChecksums = checksums
        options.compression = codec
        options.pageVersion = v2 ? .v2 : .v1
        let cols = schema.map { Gen.column($0.type, rows: 400, nullable: $0.nullable, rng: &rng, bigDictionary: false) }
        let w = try ParquetWriter(path: path, schema: schema, options: options)
        try w.write(cols)
        try w.close()
        return (path, cols)
    }

    /// Reads every column; returns nil on ParquetError. Any other failure would crash the test.
    static func readOrError(_ path: String) -> [Column]? {
        do throws(ParquetError) {
            let f = try ParquetFile(path: path)
            return try (0..<f.columns.count).map { (i) throws(ParquetError) in try readAll(f, column: i) }
        } catch {
            #expect(error.description.contains(path), "\(error)")
            return nil
        }
    }

    @Test func truncationsAlwaysFail() throws {
        let (path, _) = try Self.sample(checksums: false, codec: .snappy, v2: false)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let out = TestScratch.root + "truncated.parquet"
        var cut = 0
        while cut < bytes.count {
            try Data(bytes[0..<cut]).write(to: URL(fileURLWithPath: out))
            #expect(Self.readOrError(out) == nil, "truncated at \(cut) read without error")
            cut += cut < 64 ? 1 : 97
        }
    }

    @Test func truncatedDataWithAFooterNeverCrashes() throws {
        // cut inside the data, then append the original footer: offsets point past the end
        let (path, original) = try Self.sample(checksums: false, codec: .zstd(level: 1), v2: true)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let footerLen = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8 | Int(bytes[bytes.count - 6]) << 16
        let footer = Array(bytes[(bytes.count - 8 - footerLen)...])
        let out = TestScratch.root + "cut-with-footer.parquet"
        var cut = 4
        var failures = 0
        while cut < bytes.count - 8 - footerLen {
            try Data(bytes[0..<cut] + footer).write(to: URL(fileURLWithPath: out))
            if let cols = Self.readOrError(out) {
                // only a cut inside the page index (after the row groups) leaves the data whole
                for (i, c) in cols.enumerated() {
                    if let diff = sameValues(original[i], c) { Issue.record("cut at \(cut) changed column \(i): \(diff)") }
                }
            } else { failures += 1 }
            cut += 53
        }
        #expect(failures > 0)
    }

    @Test(arguments: [false, true])
    func byteFlipsNeverCrashOrLie(_ v2: Bool) throws {
        let (path, original) = try Self.sample(checksums: true, codec: v2 ? .zstd(level: 3) : .uncompressed, v2: v2)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let footerLen = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8 | Int(bytes[bytes.count - 6]) << 16
        let footerStart = bytes.count - 8 - footerLen
        let out = TestScratch.root + "flipped-\(v2).parquet"
        var rng = SplitMix(17)
        for trial in 0..<600 {
            var damaged = bytes
            let at = trial < 300 ? 4 + rng.int(footerStart - 4) : rng.int(bytes.count)
            damaged[at] ^= UInt8(1 << rng.int(8))
            try Data(damaged).write(to: URL(fileURLWithPath: out))
            guard let cols = Self.readOrError(out) else { continue }
            if at < footerStart {
                // damage in pages (checksummed) or in the page index: values must be the same
                for (i, c) in cols.enumerated() where i < original.count {
                    if let diff = sameValues(original[i], c) { Issue.record("flip at \(at) changed column \(i): \(diff)") }
                }
            }
        }
    }

    @Test func damagedPageNamesRowGroupAndColumn() throws {
        let (path, _) = try Self.sample(checksums: true, codec: .uncompressed, v2: false)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let f = try ParquetFile(path: path)
        let chunk = f.meta.rowGroups[1].columns[2].metaData!
        bytes[Int(chunk.dataPageOffset + chunk.totalCompressedSize) - 5] ^= 0xFF
        let out = TestScratch.root + "damaged-page.parquet"
        try Data(bytes).write(to: URL(fileURLWithPath: out))
        let g = try ParquetFile(path: out)
        _ = try g.readColumn(rowGroup: 0, column: 2)
        do {
            _ = try g.readColumn(rowGroup: 1, column: 2)
            Issue.record("damaged page read")
        } catch {
            #expect(error.kind == .corrupt)
            #expect(error.rowGroup == 1 && error.column == "x" && error.file == out, "\(error)")
            #expect(error.description.contains("CRC"), "\(error)")
        }
    }

    @Test func notParquet() throws {
        let out = TestScratch.root + "not.parquet"
        try Data("a,b\n1,2\n3,4\n5,6\n".utf8).write(to: URL(fileURLWithPath: out))
        do { _ = try ParquetFile(path: out); Issue.record("CSV opened as Parquet") } catch {
            #expect(error.kind == .notParquet)
            #expect(error.description.hasPrefix(out), "\(error)")
        }
        do { _ = try ParquetFile(path: TestScratch.root + "missing.parquet"); Issue.record("missing file opened") } catch {
            #expect(error.kind == .io)
        }
    }
}
