import Foundation
import Testing
import StrataCore
import StrataFormat
@testable import StrataParquet
import StrataTestSupport

struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 { splitMix64Next(&state) }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
}

enum Gen {
    static let words = ["", "a", "click", "ünïcødé", "日本語", "emoji 😀", "NULL", "tab\tnew\nline", "campaign-42", String(repeating: "long", count: 60)]

    static func column(_ type: ColumnType, rows: Int, nullable: Bool, rng: inout SplitMix, bigDictionary: Bool) -> Column {
        let nullRate = nullable ? [0.0, 0.1, 0.5, 1.0][rng.int(4)] : 0
        var validity: [UInt8]? = nil
        if nullRate > 0 {
            validity = (0..<rows).map { _ in rng.chance(nullRate) ? 0 : 1 }
        }
        let data: ColumnData
        switch type {
        case .integer, .date:
            let ext: [Int64] = [0, 1, -1, Int64(Int32.max), Int64(Int32.min)]
            data = .int64((0..<rows).map { _ in rng.chance(0.2) ? ext[rng.int(ext.count)] : Int64(Int32(truncatingIfNeeded: rng.next() >> UInt64(rng.int(32)))) })
        case .bigint, .timestamp:
            let ext: [Int64] = [0, 1, -1, .max, .min, 1_700_000_000_000_000]
            let sorted = rng.chance(0.3)
            var base = Int64(rng.int(1 << 40))
            data = .int64((0..<rows).map { _ in
                if sorted { base += Int64(rng.int(1000)); return base }
                return rng.chance(0.2) ? ext[rng.int(ext.count)] : Int64(bitPattern: rng.next() >> UInt64(rng.int(64)))
            })
        case .double:
            let ext: [Double] = [0, -0.0, .nan, .infinity, -.infinity, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 1e-308]
            data = .double((0..<rows).map { _ in rng.chance(0.2) ? ext[rng.int(ext.count)] : Double(bitPattern: rng.next() & 0x3FFF_FFFF_FFFF_FFFF) * (rng.chance(0.5) ? -1 : 1) })
        case .boolean:
            let p = [0.0, 0.5, 1.0][rng.int(3)]
            data = .bool((0..<rows).map { _ in rng.chance(p) ? 1 : 0 })
        case .varchar:
            var dict = StringDictionary()
            let entries = bigDictionary ? max(rows, 1) : 1 + rng.int(40)
            var seen = Set<String>()
            for i in 0..<entries {
                var s = words[rng.int(words.count)]
                if bigDictionary || rng.chance(0.7) { s += String(i) + String(repeating: "z", count: rng.int(30)) }
                if !seen.insert(s).inserted { s += "#\(i)" ; seen.insert(s) }
                dict.append(s)
            }
            data = .string(codes: (0..<rows).map { _ in UInt32(rng.int(entries)) }, dictionary: dict)
        }
        return Column(data, validity: validity)
    }
}

/// `true` when `a` and `b` hold the same values (strings compared as text, doubles bitwise,
/// values at NULL positions ignored).
func sameValues(_ a: Column, _ b: Column) -> String? {
    guard a.count == b.count else { return "count \(a.count) vs \(b.count)" }
    for i in 0..<a.count {
        if a.isNull(i) != b.isNull(i) { return "row \(i): null \(a.isNull(i)) vs \(b.isNull(i))" }
        if a.isNull(i) { continue }
        switch (a.data, b.data) {
        case (.int64(let x), .int64(let y)): if x[i] != y[i] { return "row \(i): \(x[i]) vs \(y[i])" }
        case (.double(let x), .double(let y)): if x[i].bitPattern != y[i].bitPattern { return "row \(i): \(x[i]) vs \(y[i])" }
        case (.bool(let x), .bool(let y)): if (x[i] != 0) != (y[i] != 0) { return "row \(i): \(x[i]) vs \(y[i])" }
        case (.string(let cx, let dx), .string(let cy, let dy)):
            if dx[Int(cx[i])] != dy[Int(cy[i])] { return "row \(i): '\(dx[Int(cx[i])])' vs '\(dy[Int(cy[i])])'" }
        default: return "different physical types"
        }
    }
    return nil
}

func readAll(_ f: ParquetFile, column: Int) throws(ParquetError) -> Column {
    var parts: [Column] = []
    for g in 0..<f.rowGroups.count { parts.append(try f.readColumn(rowGroup: g, column: column)) }
    let physical = f.columns[column].type!.physical
    if parts.isEmpty {
        switch physical {
        case .int64: return Column(.int64([]))
        case .double: return Column(.double([]))
        case .bool: return Column(.bool([]))
        case .string: return Column(.string(codes: [], dictionary: StringDictionary()))
        }
    }
    return Column.concatenated(parts, physical: physical, total: parts.reduce(0) { $0 + $1.count })
}

enum RoundTripCodecs {
    static let all = ["zstd", "snappy", "gzip", "lz4_raw", "brotli", "uncompressed"]
}

@Suite struct ParquetRoundTripTests {
    static let codecs: [ParquetCompression] = [.zstd(level: 3), .snappy, .gzip(level: 6), .lz4Raw, .uncompressed, .brotli(quality: 3), .zstd(level: 19)]

    @Test func roundTripManySeeds() throws {
        let dir = TestScratch.root + "parquet-roundtrip/"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for seed in 0..<40 {
            var rng = SplitMix(UInt64(seed))
            var schema: [ColumnSchema] = []
            for (i, t) in ColumnType.allCases.enumerated() {
                schema.append(ColumnSchema(name: "c\(i)_\(t.sqlName.lowercased())", type: t, nullable: rng.chance(0.7)))
            }
            schema.append(ColumnSchema(name: "big dict ü", type: .varchar, nullable: true))
            var options = ParquetWriteOptions()
            options.compression = Self.codecs[seed % Self.codecs.count]
            options.pageVersion = seed % 2 == 0 ? .v1 : .v2
            options.rowGroupSize = [1, 7, 100, 1000, 5000][rng.int(5)]
            options.pageRowLimit = [1, 3, 64, 20_000][rng.int(4)]
            options.dictionary = rng.chance(0.8)
            options.dictionaryPageSizeLimit = [64, 1 << 20][rng.int(2)]
            options.pageChecksums = rng.chance(0.5)
            options.integerEncoding = rng.chance(0.5) ? .plain : .deltaBinaryPacked
            options.pageIndex = rng.chance(0.8)
            options.statistics = rng.chance(0.9)
            let batches = 1 + rng.int(4)
            var written: [[Column]] = Array(repeating: [], count: schema.count)
            let path = dir + "seed\(seed).parquet"
            let w = try ParquetWriter(path: path, schema: schema, options: options)
            for _ in 0..<batches {
                let rows = [0, 1, 17, 333, 1500][rng.int(5)]
                var batch: [Column] = []
                for (i, c) in schema.enumerated() {
                    let col = Gen.column(c.type, rows: rows, nullable: c.nullable, rng: &rng, bigDictionary: i == schema.count - 1)
                    batch.append(col)
                    written[i].append(col)
                }
                try w.write(batch)
            }
            let summary = try w.close()
            let total = written[0].reduce(0) { $0 + $1.count }
            #expect(summary.rows == total)
            let f = try ParquetFile(path: path)
            #expect(f.rowCount == total, "seed \(seed)")
            #expect(try f.strataSchema() == schema, "seed \(seed)")
            for (i, c) in schema.enumerated() {
                let expected = Column.concatenated(written[i], physical: c.type.physical, total: total)
                let got = try readAll(f, column: i)
                if let diff = sameValues(expected, got) {
                    Issue.record("seed \(seed) column \(c.name) (\(options.compression.name), \(options.pageVersion)): \(diff)")
                }
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    @Test func statisticsAreDecoded() throws {
        let path = TestScratch.root + "stats.parquet"
        let schema = [ColumnSchema(name: "n", type: .bigint), ColumnSchema(name: "s", type: .varchar), ColumnSchema(name: "x", type: .double),
                      ColumnSchema(name: "d", type: .date), ColumnSchema(name: "b", type: .boolean, nullable: false)]
        var options = ParquetWriteOptions()
        options.rowGroupSize = 3
        let w = try ParquetWriter(path: path, schema: schema, options: options)
        try w.write([
            Column(.int64([5, -2, 9, 100, 0, 0]), validity: [1, 1, 1, 1, 0, 0]),
            Column(.string(codes: [2, 0, 1, 1, 1, 0], dictionary: StringDictionary(["b", "zz", "a"])), validity: [1, 1, 1, 1, 0, 1]),
            Column(.double([.nan, 1.5, 0, -3, 2, .infinity])),
            Column(.int64([10, 20, 30, -1, -2, -3])),
            Column(.bool([0, 0, 0, 1, 0, 1])),
        ])
        try w.close()
        let f = try ParquetFile(path: path)
        #expect(f.rowGroups.map(\.rowCount) == [3, 3])
        let g0 = f.rowGroups[0].statistics, g1 = f.rowGroups[1].statistics
        #expect(g0[0] == ParquetColumnStatistics(min: .int64(-2), max: .int64(9), nullCount: 0))
        #expect(g1[0] == ParquetColumnStatistics(min: .int64(100), max: .int64(100), nullCount: 2))
        #expect(g0[1] == ParquetColumnStatistics(min: .string(Array("a".utf8)), max: .string(Array("zz".utf8)), nullCount: 0))
        #expect(g1[1] == ParquetColumnStatistics(min: .string(Array("b".utf8)), max: .string(Array("zz".utf8)), nullCount: 1))
        #expect(g0[2]?.min == .double(-0.0) && g0[2]?.max == .double(1.5))
        #expect(g1[2] == ParquetColumnStatistics(min: .double(-3), max: .double(.infinity), nullCount: 0))
        #expect(g1[3] == ParquetColumnStatistics(min: .int64(-3), max: .int64(-1), nullCount: 0))
        #expect(g0[4] == ParquetColumnStatistics(min: .bool(false), max: .bool(false), nullCount: 0))
        #expect(g1[4] == ParquetColumnStatistics(min: .bool(false), max: .bool(true), nullCount: 0))
    }

    @Test func pageIndexDescribesPages() throws {
        let path = TestScratch.root + "page-index.parquet"
        var options = ParquetWriteOptions()
        options.pageRowLimit = 4
        let w = try ParquetWriter(path: path, schema: [ColumnSchema(name: "n", type: .bigint), ColumnSchema(name: "s", type: .varchar)], options: options)
        try w.write([Column(.int64(Array(0..<10)), validity: [1, 1, 1, 1, 0, 0, 0, 0, 1, 1]),
                     Column(.string(codes: [0, 1, 2, 3, 3, 2, 1, 0, 0, 0], dictionary: StringDictionary(["d", "c", "b", "a"])))])
        try w.close()
        let f = try ParquetFile(path: path)
        let pages = try #require(try f.pageIndex(rowGroup: 0, column: 0))
        #expect(pages.map(\.firstRow) == [0, 4, 8] && pages.map(\.rowCount) == [4, 4, 2])
        #expect(pages[0].statistics == ParquetColumnStatistics(min: .int64(0), max: .int64(3), nullCount: 0))
        #expect(pages[1].statistics == ParquetColumnStatistics(min: nil, max: nil, nullCount: 4))
        #expect(pages[2].statistics == ParquetColumnStatistics(min: .int64(8), max: .int64(9), nullCount: 0))
        let sp = try #require(try f.pageIndex(rowGroup: 0, column: 1))
        #expect(sp[1].statistics?.min == .string(Array("a".utf8)) && sp[1].statistics?.max == .string(Array("d".utf8)))
        // pyarrow's page index is read as well
        let fixture = try ParquetFile(path: ParquetFixtureTests.dir + "pyarrow_plain_crc_index.parquet")
        let fp = try #require(try fixture.pageIndex(rowGroup: 0, column: 1))
        #expect(fp.count >= 1 && fp[0].statistics != nil && fp.reduce(0) { $0 + $1.rowCount } == fixture.rowGroups[0].rowCount)
    }

    @Test func writerRefusesBadInput() throws {
        let path = TestScratch.root + "bad-input.parquet"
        let w = try ParquetWriter(path: path, schema: [ColumnSchema(name: "i", type: .integer, nullable: false)])
        #expect(throws: ParquetError.self) { try w.write([Column(.double([1]))]) }
        #expect(throws: ParquetError.self) { try w.write([Column(.int64([1]), validity: [0])]) }
        do {
            try w.write([Column(.int64([Int64(Int32.max) + 1]))])
            Issue.record("an out-of-range INTEGER was accepted")
        } catch {
            #expect(error.description.contains("does not fit INTEGER"), "\(error)")
        }
        w.abort()
        #expect(!FileManager.default.fileExists(atPath: path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: TestScratch.root).filter { $0.contains("bad-input") }
        #expect(leftovers.isEmpty, "temporary file left: \(leftovers)")
    }

    @Test(arguments: [true, false])
    func invalidUTF8IsAnError(_ dictionary: Bool) throws {
        let path = TestScratch.root + "utf8-\(dictionary).parquet"
        var options = ParquetWriteOptions()
        options.dictionary = dictionary
        let w = try ParquetWriter(path: path, schema: [ColumnSchema(name: "s", type: .varchar)], options: options)
        try w.write([Column(.string(codes: [0, 1], dictionary: StringDictionary(bytes: [0x61, 0xC3, 0x28], offsets: [0, 1, 3])))])
        try w.close()
        let f = try ParquetFile(path: path)
        do {
            _ = try f.readColumn(rowGroup: 0, column: 0)
            Issue.record("invalid UTF-8 read")
        } catch {
            #expect(error.description.contains("invalid UTF-8") && error.column == "s", "\(error)")
        }
    }

    @Test(arguments: RoundTripCodecs.all)
    func constantColumnsCompressFar(_ codec: String) throws {
        // a page of 20,000 equal values compresses ~10,000:1 with zstd: still read
        let path = TestScratch.root + "constant-\(codec).parquet"
        var options = ParquetWriteOptions()
        options.compression = ParquetCompression(name: codec)!
        options.rowGroupSize = 1_000_000
        options.integerEncoding = codec == "snappy" || codec == "brotli" ? .deltaBinaryPacked : .plain
        let n = 300_000
        let w = try ParquetWriter(path: path, schema: [ColumnSchema(name: "n", type: .bigint, nullable: false), ColumnSchema(name: "s", type: .varchar)], options: options)
        try w.write([Column(.int64(Array(repeating: 7, count: n))), Column(.string(codes: Array(repeating: 0, count: n), dictionary: StringDictionary(["same"])))])
        try w.close()
        let f = try ParquetFile(path: path)
        let c = try f.readColumn(rowGroup: 0, column: 0)
        guard case .int64(let v) = c.data else { Issue.record("not int64"); return }
        #expect(v.count == n && v.allSatisfy { $0 == 7 })
        let s = try f.readColumn(rowGroup: 0, column: 1)
        guard case .string(let codes, let d) = s.data else { Issue.record("not string"); return }
        #expect(codes.count == n && d.count == 1 && d[0] == "same")
    }

    @Test func fileAppearsOnlyAtClose() throws {
        let path = TestScratch.root + "atomic.parquet"
        let w = try ParquetWriter(path: path, schema: [ColumnSchema(name: "i", type: .bigint)])
        try w.write([Column(.int64([1, 2, 3]))])
        #expect(!FileManager.default.fileExists(atPath: path))
        try w.close()
        #expect(try ParquetFile(path: path).rowCount == 3)
    }

    @Test func hybridAndDeltaRoundTrip() throws {
        var rng = SplitMix(99)
        for _ in 0..<300 {
            let width = rng.int(33)
            let n = rng.int(700)
            let maxV: UInt64 = width == 0 ? 0 : (width == 32 ? UInt64(UInt32.max) : (1 << UInt64(width)) - 1)
            let runny = rng.chance(0.5)
            var values: [UInt32] = []
            while values.count < n {
                let v = UInt32(truncatingIfNeeded: maxV == 0 ? 0 : rng.next() % (maxV + 1))
                values.append(contentsOf: repeatElement(v, count: runny ? 1 + rng.int(20) : 1))
            }
            values = Array(values.prefix(n))
            var out: [UInt8] = []
            values.withUnsafeBufferPointer { Hybrid.encode($0, width: width, into: &out) }
            out.append(contentsOf: repeatElement(0, count: 8))
            var decoded = [UInt32](repeating: 7, count: n)
            try out.withUnsafeBufferPointer { b in
                var c = ByteCursor(PageBytes(base: b.baseAddress!, count: b.count - 8))
                try decoded.withUnsafeMutableBufferPointer { d in try Hybrid.decode(&c, width: width, count: n, into: d.baseAddress!) }
            }
            #expect(decoded == values, "width \(width) n \(n)")
        }
        for _ in 0..<200 {
            let n = rng.int(1000)
            let ext: [Int64] = [.max, .min, 0, -1]
            let raw: [Int64] = (0..<n).map { _ in rng.chance(0.1) ? ext[rng.int(4)] : Int64(bitPattern: rng.next() >> UInt64(rng.int(64))) }
            var out: [UInt8] = []
            let int32 = rng.chance(0.3)
            let values = int32 ? raw.map { Int64(Int32(truncatingIfNeeded: $0)) } : raw
            values.withUnsafeBufferPointer { DeltaBinary.encode($0, int32: int32, into: &out) }
            let encodedCount = out.count
            out.append(contentsOf: repeatElement(0, count: 8))
            let decoded = try out.withUnsafeBufferPointer { b in
                var c = ByteCursor(PageBytes(base: b.baseAddress!, count: b.count - 8))
                let r = try DeltaBinary.decode(&c, expect: n)
                #expect(c.pos == encodedCount)
                return r
            }
            #expect((int32 ? decoded.map { Int64(Int32(truncatingIfNeeded: $0)) } : decoded) == values)
        }
    }
}
