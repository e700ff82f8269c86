import Foundation
import StrataTestSupport
import Testing
import StrataCore
@testable import StrataFormat

let schema5: [ColumnSchema] = [
    ColumnSchema(name: "ts", type: .timestamp),
    ColumnSchema(name: "n", type: .bigint),
    ColumnSchema(name: "x", type: .double),
    ColumnSchema(name: "flag", type: .boolean),
    ColumnSchema(name: "s", type: .varchar),
]

/// Random columns for `schema5`; `nullRate` in percent (100 = all NULL).
func randomColumns(seed: UInt64, rows n: Int, nullRate: Int, constant: Bool = false) -> [Column] {
    var r = TestRNG(seed)
    func validity() -> [UInt8]? {
        guard nullRate > 0 else { return nil }
        return (0..<n).map { _ in r.int(0...99) < nullRate ? 0 : 1 }
    }
    var ts: [Int64] = []
    var t: Int64 = 1_704_067_200_000_000
    for _ in 0..<n { t += constant ? 0 : Int64(r.int(0...10_000)) * 1000; ts.append(t) }
    let pool = ["", "a", "é", "日本語", "instagram", "tiktok", String(repeating: "z", count: 300), "0123456789abcdef"]
    var dict = StringDictionary()
    var codes: [UInt32] = []
    var seen: [String: UInt32] = [:]
    for i in 0..<n {
        let s = constant ? "same" : (r.int(0...3) == 0 ? String(format: "%016llx", r.next()) : pool[i % pool.count])
        if let c = seen[s] { codes.append(c) } else { seen[s] = UInt32(dict.count); codes.append(UInt32(dict.count)); dict.append(s) }
    }
    return [
        Column(.int64(ts), validity: validity()),
        Column(.int64((0..<n).map { _ in constant ? 5 : Int64(bitPattern: r.next()) >> UInt64(r.int(0...63)) }), validity: validity()),
        Column(.double((0..<n).map { _ in constant ? 1.5 : Double(r.int(0...99_999)) / 100 }), validity: validity()),
        Column(.bool((0..<n).map { _ in constant ? 1 : UInt8(r.int(0...1)) }), validity: validity()),
        Column(.string(codes: codes, dictionary: dict), validity: validity()),
    ]
}

/// Compares logical values (NULL-aware; strings by text).
func assertSameValues(_ a: [Column], _ b: [Column], _ note: String) {
    for (ca, cb) in zip(a, b) {
        #expect(ca.count == cb.count, "\(note)")
        for i in 0..<ca.count {
            let na = ca.isNull(i), nb = cb.isNull(i)
            #expect(na == nb, "\(note) row \(i) null")
            if na { continue }
            switch (ca.data, cb.data) {
            case (.int64(let x), .int64(let y)): if x[i] != y[i] { Issue.record("\(note) row \(i): \(x[i]) vs \(y[i])"); return }
            case (.double(let x), .double(let y)): if x[i].bitPattern != y[i].bitPattern { Issue.record("\(note) row \(i): double"); return }
            case (.bool(let x), .bool(let y)): if (x[i] != 0) != (y[i] != 0) { Issue.record("\(note) row \(i): bool"); return }
            case (.string(let cx, let dx), .string(let cy, let dy)):
                if dx[Int(cx[i])] != dy[Int(cy[i])] { Issue.record("\(note) row \(i): '\(dx[Int(cx[i])])' vs '\(dy[Int(cy[i])])'"); return }
            default: Issue.record("\(note): type mismatch"); return
            }
        }
    }
}

func tempDir() -> String {
    let d = TestScratch.root + "strata-test-\(UInt64.random(in: 0...UInt64.max))"
    try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

@Test(arguments: [CodecSpec(.none), CodecSpec(.lz4), CodecSpec(.zstd, level: 1), CodecSpec(.zstd, level: 9)])
func segmentRoundTrip(_ spec: CodecSpec) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var k = 0
    for seed in UInt64(1)...12 {
        for (rows, nullRate, constant) in [(0, 0, false), (1, 0, false), (1, 100, false), (100, 0, true), (5000, 0, false),
                                           (5000, 30, false), (3000, 100, false), (4097, 2, true)] {
            var opts = SegmentWriterOptions()
            opts.blockRows = [1024, 4096, 65536][Int(seed % 3)]
            opts.codecs = Array(repeating: spec, count: 5)
            opts.timeColumn = 0
            opts.partition = "day=2024-01-01"
            let cols = randomColumns(seed: seed, rows: rows, nullRate: nullRate, constant: constant)
            k += 1
            let path = "\(dir)/s\(k).seg"
            let (footer, _) = try SegmentWriter.write(schema: schema5, columns: cols, options: opts, to: path, sync: false)
            let reader = try SegmentReader(path: path)
            #expect(reader.footer == footer)
            #expect(reader.rowCount == rows)
            try reader.verify()
            let back = try (0..<5).map { try reader.readColumn($0) }
            assertSameValues(cols, back, "seed \(seed) rows \(rows) nulls \(nullRate)% codec \(spec.codec.name)")
            // block min/max bound every non-null value
            for b in 0..<reader.blockCount {
                let m = reader.footer.columns[1].blocks[b]
                if m.nullCount == UInt32(reader.footer.rows(inBlock: b)) { continue }
                if case .int64(let v) = back[1].data {
                    let lo = b * opts.blockRows, hi = lo + reader.footer.rows(inBlock: b)
                    for i in lo..<hi where !back[1].isNull(i) { #expect(v[i] >= m.minBits && v[i] <= m.maxBits) }
                }
            }
        }
    }
}

@Test func largeStringsAndHexDictionary() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var dict = StringDictionary()
    let big = String(repeating: "ä", count: 1 << 19)  // 1 MiB of UTF-8
    dict.append(big)
    dict.append("")
    let cols = [Column(.string(codes: [0, 1, 0], dictionary: dict))]
    let schema = [ColumnSchema(name: "s", type: .varchar)]
    try SegmentWriter.write(schema: schema, columns: cols, options: SegmentWriterOptions(), to: dir + "/big.seg", sync: false)
    let r = try SegmentReader(path: dir + "/big.seg")
    let back = try r.readColumn(0)
    assertSameValues(cols, [back], "1 MiB string")

    // 16-hex-character ids are stored as 8 raw bytes each
    var rng = TestRNG(5)
    var hex = StringDictionary()
    for _ in 0..<5000 { hex.append(String(format: "%016llx", rng.next())) }
    let hcols = [Column(.string(codes: (0..<5000).map { UInt32($0) }, dictionary: hex))]
    var opts = SegmentWriterOptions()
    opts.codecs = [CodecSpec(.none)]
    try SegmentWriter.write(schema: schema, columns: hcols, options: opts, to: dir + "/hex.seg", sync: false)
    let hr = try SegmentReader(path: dir + "/hex.seg")
    #expect(hr.footer.columns[0].dictionary?.layout == .hex)
    #expect(hr.footer.columns[0].dictionary!.page.storedLength == 5000 * 8)
    assertSameValues(hcols, [try hr.readColumn(0)], "hex")
    // the dictionary is sorted
    let d = try hr.dictionary(column: 0)
    #expect(d.strings == d.strings.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
}

/// Random columns of `schema5` in blocks of 512 rows, and their encoded segment bytes.
func corruptionSample(seed: UInt64, rows: Int) throws -> ([Column], [UInt8]) {
    var opts = SegmentWriterOptions()
    opts.blockRows = 512
    opts.timeColumn = 0
    let cols = randomColumns(seed: seed, rows: rows, nullRate: 10)
    return (cols, try SegmentWriter.encode(schema: schema5, columns: cols, options: opts).0)
}

/// Flipping any byte or truncating anywhere is reported (with the file name) or, for bytes
/// that do not matter, leaves values intact. Never a crash, never a silently wrong answer.
@Test func corruptionIsDetected() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (cols, bytes) = try corruptionSample(seed: 99, rows: 1500)
    var r = TestRNG(1)
    var positions = Array(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400)))
    positions += (0..<200).map { _ in r.int(0...(bytes.count - 1)) }
    positions += Array((bytes.count - 64)..<bytes.count) + Array(0..<20)
    var detected = 0
    for (k, pos) in positions.enumerated() {
        var bad = bytes
        bad[pos] ^= UInt8(1 << (k % 8))
        let path = "\(dir)/flip\(k).seg"
        try writeFile(path, bad)
        do {
            let reader = try SegmentReader(path: path)
            try reader.verify()
            let back = try (0..<5).map { try reader.readColumn($0) }
            assertSameValues(cols, back, "flip at \(pos)")  // an undetected flip must be harmless
        } catch let e as FormatError {
            detected += 1
            #expect(e.description.contains("flip\(k).seg"), "error names the file: \(e)")
        }
        try? FileManager.default.removeItem(atPath: path)
    }
    #expect(detected > positions.count * 9 / 10)
    for cut in Array(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 150))) + [bytes.count - 1] {
        let path = "\(dir)/cut\(cut).seg"
        try writeFile(path, Array(bytes[0..<cut]))
        #expect(throws: FormatError.self) { _ = try SegmentReader(path: path) }
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Every bit of the 16-byte header and the 32-byte trailer is covered: a flip of any of them
/// (flags and reserved bytes included, which no checksum covers) is refused naming the file.
@Test func everyHeaderAndTrailerBitFlipIsDetected() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (_, bytes) = try corruptionSample(seed: 7, rows: 700)
    let positions = Array(0..<16) + Array((bytes.count - 32)..<bytes.count)
    for pos in positions {
        for bit in 0..<8 {
            var bad = bytes
            bad[pos] ^= UInt8(1 << bit)
            let path = "\(dir)/hdr\(pos)-\(bit).seg"
            try writeFile(path, bad)
            do throws(FormatError) {
                _ = try SegmentReader(path: path)
                Issue.record("flip of bit \(bit) at byte \(pos) went unnoticed")
            } catch {
                #expect(error.description.contains(path), "error names the file: \(error)")
            }
            unlink(path)
        }
    }
}

@Test func unknownVersionAndMagicAreRefused() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (bytes, _) = try SegmentWriter.encode(schema: schema5, columns: randomColumns(seed: 1, rows: 10, nullRate: 0), options: SegmentWriterOptions())
    var future = bytes
    future[8] = 9
    future[bytes.count - 16] = 9
    try writeFile(dir + "/v9.seg", future)
    do {
        _ = try SegmentReader(path: dir + "/v9.seg")
        Issue.record("version 9 accepted")
    } catch let e as FormatError {
        #expect(e.kind == .unsupportedVersion)
        #expect(e.description == "\(dir)/v9.seg: segment format version 9 is not supported (this build reads version 1)")
    }
    try writeFile(dir + "/text.seg", Array(String(repeating: "hello world ", count: 20).utf8))
    #expect(throws: FormatError.self) { _ = try SegmentReader(path: dir + "/text.seg") }
}

/// A segment written by format version 1 is checked in; this build must keep reading it.
@Test func readsCheckedInVersion1Fixture() throws {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/v1", withExtension: "seg"))
    let reader = try SegmentReader(path: url.path)
    try reader.verify()
    #expect(reader.rowCount == 300)
    #expect(reader.footer.partition == "day=2024-01-01")
    let back = try (0..<5).map { try reader.readColumn($0) }
    assertSameValues(randomColumns(seed: 2024, rows: 300, nullRate: 10), back, "fixture")
}

/// Regenerates the checked-in fixture: `STRATA_WRITE_FIXTURES=1 swift test --filter writeFixture`.
@Test(.enabled(if: ProcessInfo.processInfo.environment["STRATA_WRITE_FIXTURES"] != nil))
func writeFixture() throws {
    var opts = SegmentWriterOptions()
    opts.blockRows = 128
    opts.timeColumn = 0
    opts.partition = "day=2024-01-01"
    opts.codecs = [CodecSpec(.zstd), CodecSpec(.lz4), CodecSpec(.none), CodecSpec(.zstd), CodecSpec(.zstd)]
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v1.seg").path
    try? FileManager.default.removeItem(atPath: path)
    try SegmentWriter.write(schema: schema5, columns: randomColumns(seed: 2024, rows: 300, nullRate: 10), options: opts, to: path)
}

/// A one-column segment with many blocks: the footer's size check must accept it.
@Test func singleColumnManyBlocks() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var opts = SegmentWriterOptions()
    opts.blockRows = 1024
    let n = 1024 * 300 + 5
    let cols = [Column(.int64((0..<n).map { Int64($0) }))]
    try SegmentWriter.write(schema: [ColumnSchema(name: "n", type: .bigint)], columns: cols, options: opts, to: dir + "/one.seg", sync: false)
    let r = try SegmentReader(path: dir + "/one.seg")
    #expect(r.blockCount == 301)
    try r.verify()
    assertSameValues(cols, [try r.readColumn(0)], "one column")
}

/// The streamed file (`write`, one column at a time) is byte for byte the in-memory encoding,
/// and a write that cannot create its file leaves an existing one alone.
@Test(arguments: [3, 11, 29] as [UInt64])
func streamedWriteMatchesEncoding(seed: UInt64) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var opts = SegmentWriterOptions()
    opts.blockRows = 1000
    opts.timeColumn = 0
    let cols = randomColumns(seed: seed, rows: 5000 + Int(seed) * 37, nullRate: Int(seed % 3) * 10)
    let (bytes, footer) = try SegmentWriter.encode(schema: schema5, columns: cols, options: opts)
    let path = dir + "/s.seg"
    let (written, size) = try SegmentWriter.write(schema: schema5, columns: cols, options: opts, to: path, sync: false)
    #expect(size == bytes.count)
    #expect(written.minTime == footer.minTime && written.maxTime == footer.maxTime)
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
    let r = try SegmentReader(path: path)
    assertSameValues(try (0..<schema5.count).map { try r.readColumn($0, cacheDictionary: seed % 2 == 0) }, cols, "seed \(seed)")
    // O_EXCL: the existing file is neither truncated nor removed
    do {
        _ = try SegmentWriter.write(schema: schema5, columns: cols, options: opts, to: path, sync: false)
        Issue.record("overwrote an existing segment")
    } catch {
        #expect(error.description.contains(path))
    }
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
}

/// Decoding a selection of rows gives exactly the selected rows of a full decode, for every
/// type, encoding (random data, constant data, NULLs) and selection density.
@Test(arguments: Array(1...12) as [UInt64])
func selectedRowDecodeMatchesFullDecode(seed: UInt64) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var rng = TestRNG(seed)
    var opts = SegmentWriterOptions()
    opts.blockRows = [64, 1000, 4096][Int(seed % 3)]
    let cols = randomColumns(seed: seed, rows: 3000 + rng.int(0...3000), nullRate: [0, 5, 60, 100][Int(seed % 4)], constant: seed % 5 == 0)
    let path = dir + "/s.seg"
    try SegmentWriter.write(schema: schema5, columns: cols, options: opts, to: path, sync: false)
    let r = try SegmentReader(path: path)
    let scratch = DecodeScratch()
    for c in 0..<schema5.count {
        for b in 0..<r.blockCount {
            let n = r.footer.rows(inBlock: b)
            let full = BlockVector(), part = BlockVector()
            try r.decode(column: c, block: b, into: full, scratch: scratch)
            let density = [0, 1, 3, 50, 100][rng.int(0...4)]
            let rows = (0..<Int32(n)).filter { _ in rng.int(0...99) < density }
            try rows.withUnsafeBufferPointer { try r.decode(column: c, block: b, rows: $0, into: part, scratch: scratch) }
            #expect(part.count == rows.count)
            #expect(part.hasNulls == full.hasNulls)
            for (k, i) in rows.map(Int.init).enumerated() {
                let null = full.hasNulls && full.validity[i] == 0
                if full.hasNulls { #expect(part.validity[k] == full.validity[i]) }
                if null { continue }
                switch schema5[c].type.physical {
                case .int64, .string: #expect(part.ints[k] == full.ints[i], "seed \(seed) column \(c) block \(b) row \(i)")
                case .double: #expect(part.doubles[k].bitPattern == full.doubles[i].bitPattern)
                case .bool: #expect(part.bools[k] == full.bools[i])
                }
            }
        }
    }
}

/// A dictionary already in byte-wise order (as ingest builds for hex ids) skips the sort and
/// encodes to the same bytes as the same values under a shuffled dictionary, including
/// entries no valid row uses and ties on the first 8 bytes.
@Test func presortedDictionaryEncodesLikeShuffled() throws {
    for seed in 0..<20 {
        var rng = TestRNG(UInt64(seed) + 77)
        var values = Set<String>()
        let count = 1 + rng.int(0...400)
        while values.count < count {
            switch rng.int(0...3) {
            case 0: values.insert(String(format: "%016llx", rng.next()))
            case 1: values.insert("prefix00" + String(rng.int(0...999)))
            case 2: values.insert(String(repeating: "a", count: rng.int(0...12)))
            default: values.insert(String(format: "%llx", rng.next() % 5000))
            }
        }
        let sorted = values.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var shuffled = sorted
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, rng.int(0...i)) }
        let rows = 1 + rng.int(0...3000)
        let picks = (0..<rows).map { _ in sorted[rng.int(0...(sorted.count - 1))] }
        let validity: [UInt8]? = seed % 2 == 0 ? nil : (0..<rows).map { _ in rng.int(0...9) == 0 ? 0 : 1 }
        func column(_ order: [String]) -> Column {
            var index: [String: UInt32] = [:]
            for (i, s) in order.enumerated() { index[s] = UInt32(i) }
            return Column(.string(codes: picks.map { index[$0]! }, dictionary: StringDictionary(order)), validity: validity)
        }
        let schema = [ColumnSchema(name: "s", type: .varchar)]
        var opts = SegmentWriterOptions()
        opts.blockRows = 1000
        let a = try SegmentWriter.encode(schema: schema, columns: [column(sorted)], options: opts).bytes
        let b = try SegmentWriter.encode(schema: schema, columns: [column(shuffled)], options: opts).bytes
        #expect(a == b, "seed \(seed)")
    }
}

/// The word-at-a-time hex decoder accepts exactly lowercase hex text and decodes it like the
/// byte-wise definition, for every single-byte corruption position.
@Test func lowerHexDecoding() {
    var rng = TestRNG(31)
    let digits = Array("0123456789abcdef".utf8)
    for len in stride(from: 0, through: 70, by: 2) {
        let text = (0..<len).map { _ in digits[rng.int(0...15)] }
        let want = stride(from: 0, to: len, by: 2).map {
            UInt8(String(decoding: text[$0..<($0 + 2)], as: UTF8.self), radix: 16)!
        }
        #expect(SegmentWriter.decodeLowerHex(text) == want, "len \(len)")
        for pos in 0..<len {
            for bad in [UInt8(ascii: "A"), UInt8(ascii: "F"), UInt8(ascii: "g"), UInt8(ascii: "/"), UInt8(ascii: ":"),
                        UInt8(ascii: "`"), 0x00, 0xB0, 0xE6, 0x7F] {
                var t = text
                t[pos] = bad
                #expect(SegmentWriter.decodeLowerHex(t) == nil, "len \(len) pos \(pos) byte \(bad)")
            }
        }
    }
    #expect(SegmentWriter.decodeLowerHex(Array("abc".utf8)) == nil)
}

/// Writes a test file (the segment writer's own file handling is not under test there).
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Format.md, "Pages": NULL rows of integer, string and double pages hold the previous
/// non-NULL value of the block (the first one for leading NULLs); NULL rows of boolean pages
/// hold 0, whatever the column held there in memory.
@Test func nullRowsHoldTheDocumentedValues() throws {
    let valid: [UInt8] = [0, 1, 0, 0, 1, 1, 0, 1, 0, 0]
    let schema = [ColumnSchema(name: "b", type: .boolean), ColumnSchema(name: "n", type: .bigint),
                  ColumnSchema(name: "x", type: .double), ColumnSchema(name: "s", type: .varchar)]
    let cols = [
        Column(.bool([1, 1, 1, 1, 0, 1, 1, 0, 1, 1]), validity: valid),
        Column(.int64([9, 5, 9, 9, 7, 3, 9, 8, 9, 9]), validity: valid),
        Column(.double([9, 0.5, 9, 9, 7, 3, 9, 8, 9, 9]), validity: valid),
        Column(.string(codes: [0, 1, 0, 0, 2, 1, 0, 3, 0, 0], dictionary: StringDictionary(["z", "b", "a", "c"])), validity: valid),
    ]
    var opts = SegmentWriterOptions()
    opts.codecs = [CodecSpec(.none), CodecSpec(.none), CodecSpec(.none), CodecSpec(.none)]
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try SegmentWriter.write(schema: schema, columns: cols, options: opts, to: dir + "/nulls.seg", sync: false)
    let reader = try SegmentReader(path: dir + "/nulls.seg")
    #expect(reader.footer.columns.map { $0.blocks[0].encoding } == [.bitmap, .frameOfReference, .decimal, .frameOfReference])
    let scratch = DecodeScratch()
    func block(_ c: Int) throws -> BlockVector {
        let v = BlockVector()
        try reader.decode(column: c, block: 0, into: v, scratch: scratch)
        #expect(Array(v.validity.prefix(10)) == valid)
        return v
    }
    #expect(Array(try block(0).bools.prefix(10)) == [0, 1, 0, 0, 0, 1, 0, 0, 0, 0])
    #expect(Array(try block(1).ints.prefix(10)) == [5, 5, 5, 5, 7, 3, 3, 8, 8, 8])
    #expect(Array(try block(2).doubles.prefix(10)) == [0.5, 0.5, 0.5, 0.5, 7, 3, 3, 8, 8, 8])
    // codes into the sorted dictionary ["a", "b", "c"] of the non-NULL rows
    #expect(try reader.dictionary(column: 3).strings == ["a", "b", "c"])
    #expect(Array(try block(3).ints.prefix(10)) == [1, 1, 1, 1, 0, 1, 1, 2, 2, 2])
}

/// Format.md, "Footer": `hasDictionary` is 1 exactly for string columns, 0 otherwise, and any
/// other byte is damage; encoding id 6 is reserved and refused.
@Test func footerDictionaryFlagAndReservedEncodingAreChecked() throws {
    let schema = [ColumnSchema(name: "n", type: .bigint)]
    var opts = SegmentWriterOptions()
    opts.partition = "all"
    let (_, footer) = try SegmentWriter.encode(schema: schema, columns: [Column(.int64([1, 2, 3]))], options: opts)
    let bytes = footer.serialize()
    // fixed fields, partition, createdBy, sort key, column count, then the column's name,
    // type, nullable, codec, storedBytes and rawBytes
    let flagAt = 36 + (4 + footer.partition.utf8.count) + (4 + footer.createdBy.utf8.count) + 2 + 2 * footer.sortKey.count + 2
        + (4 + 1) + 3 + 16
    #expect(bytes[flagAt] == 0)
    let encodingAt = flagAt + 1 + 21
    #expect(bytes[encodingAt] == footer.columns[0].blocks[0].encoding.rawValue)
    _ = try bytes.withUnsafeBytes { try SegmentFooter.parse($0) }
    for (at, value, message) in [(flagAt, UInt8(2), "dictionary flag 2"), (flagAt, 1, "has a dictionary"), (encodingAt, 6, "unknown encoding id")] {
        var bad = bytes
        bad[at] = value
        do {
            _ = try bad.withUnsafeBytes { try SegmentFooter.parse($0) }
            Issue.record("byte \(value) at \(at) accepted")
        } catch let error as FormatError {
            #expect(error.kind == .corrupt && error.message.contains(message), "\(error)")
        }
    }
}

/// Found by the segment fuzzer (session 12, Fuzz/Corpus/segment/regression-row-count-overflow):
/// a footer whose row count was near 2^64 overflowed the block-count arithmetic (a trap) before
/// the count was compared with the blocks. Every row count is now refused or accepted cleanly.
@Test func footerRowCountNearTheTopIsRefused() throws {
    let schema = [ColumnSchema(name: "n", type: .bigint)]
    var opts = SegmentWriterOptions()
    opts.partition = "all"
    let (_, footer) = try SegmentWriter.encode(schema: schema, columns: [Column(.int64([1, 2, 3]))], options: opts)
    let bytes = footer.serialize()
    for count in [UInt64.max, UInt64.max - 1, UInt64.max / 2 + 1, UInt64(1) << 63, 65537, 0] {
        var bad = bytes
        for i in 0..<8 { bad[i] = UInt8(truncatingIfNeeded: count >> (8 * UInt64(i))) }
        do {
            _ = try bad.withUnsafeBytes { try SegmentFooter.parse($0) }
            Issue.record("row count \(count) accepted")
        } catch let error as FormatError {
            #expect(error.kind == .corrupt && error.message.contains("blocks do not match \(count) rows"), "\(error)")
        }
    }
}

/// Found by the segment fuzzer, segments its footer check now refuses at open (checksums valid
/// in both): a page whose recorded raw length was 2.2 GB made every read allocate and zero
/// 2.2 GB before LZ4 refused it (41 s and 2 GB per input); a page offset near 2^64 (session
/// 12) overflowed the "page inside the data region" check itself (a trap).
@Test(arguments: [("fuzz-lz4-length", ["column 'n'", "claims 2264924500 raw bytes"]),
                  ("fuzz-page-offset", ["page outside the data region"])])
func fuzzedSegmentIsRefusedAtOpen(_ fixture: String, _ says: [String]) throws {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/" + fixture, withExtension: "seg"))
    do throws(FormatError) {
        _ = try SegmentReader(path: url.path)
        Issue.record("\(fixture) opened")
    } catch {
        #expect(error.kind == .corrupt)
        #expect(says.allSatisfy { error.message.contains($0) }, "\(error.message)")
    }
}

/// Found by the segment fuzzer (session 12): a dictionary claiming 3,372,220,417 entries of
/// zero-bit lengths (checksums valid) made the reader allocate 27 GB for their lengths and
/// abort. The count is now bounded by the page before anything is allocated.
@Test func dictionaryClaimingBillionsOfEntriesIsRefused() throws {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/fuzz-dictionary-entries", withExtension: "seg"))
    let r = try SegmentReader(path: url.path)
    let column = try #require(r.footer.columns.firstIndex { $0.name == "referrer" })
    do throws(FormatError) {
        _ = try r.dictionary(column: column)
        Issue.record("read")
    } catch {
        #expect(error.kind == .corrupt)
        #expect(error.message.contains("column 'referrer' dictionary: 3372220417 entries cannot fit its 1 bytes"), "\(error.message)")
    }
    // the other dictionaries of the file still read
    #expect(try r.dictionary(column: r.footer.columns.firstIndex { $0.name == "country" }!).count == 1)
}

/// The bounds on recorded raw lengths never come near a page a writer produced: over many
/// seeds, NULL rates and block sizes, every block's raw length is under half the bound.
@Test func rawLengthBoundsLeaveRoom() throws {
    let dir = TestScratch.root + "raw-bounds-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for seed in 0..<24 {
        var opts = SegmentWriterOptions()
        opts.blockRows = [1, 7, 128, 1000][seed % 4]
        opts.codecs = Array(repeating: CodecSpec([.none, .lz4, .zstd][seed % 3]), count: 5)
        let path = dir + "/\(seed).seg"
        let cols = randomColumns(seed: UInt64(seed), rows: 700 + seed * 31, nullRate: [0, 10, 90][seed % 3])
        try SegmentWriter.write(schema: schema5, columns: cols, options: opts, to: path)
        let r = try SegmentReader(path: path)
        for c in r.footer.columns {
            for (k, b) in c.blocks.enumerated() {
                #expect(2 * UInt64(b.page.rawLength) < SegmentReader.maxBlockPageBytes(rows: r.footer.rows(inBlock: k)), "seed \(seed)")
            }
        }
    }
}

/// A zstd page is checked against its frame's recorded content size before anything is
/// allocated for it.
@Test func zstdFrameContentSizeIsChecked() throws {
    let raw = (0..<5000).map { UInt8(truncatingIfNeeded: $0 % 7) }
    let stored = try #require(raw.withUnsafeBytes { CodecContext().compress($0, CodecSpec(.zstd)) })
    stored.withUnsafeBytes { s in
        #expect(CodecContext.zstdFrameMayHold(s, bytes: 5000))
        #expect(!CodecContext.zstdFrameMayHold(s, bytes: 5001))
        #expect(!CodecContext.zstdFrameMayHold(s, bytes: 1 << 31))
        #expect(!CodecContext.zstdFrameMayHold(UnsafeRawBufferPointer(rebasing: s[3...]), bytes: 5000))  // no frame
    }
}
