import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
import StrataParquet
import StrataText
@testable import StrataQuery

// Hex-id columns of Parquet files read as 64-bit words (Files/ParquetHexScan.swift,
// StrataParquet/HexChunk.swift): the answers must equal those over the same rows in a stored
// table and in a file without statistics (read as strings), including files where a value
// between two hex-id bounds is not an id (the plan runs again with the column as strings).

private typealias HexRandom = PQRandom

private func hexID(_ w: UInt64) -> String {
    let s = String(w, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

@Test func hexWordParsingEqualsTheBytewiseReference() {
    var r = HexRandom(state: 99)
    let alphabet = Array("0123456789abcdefABCDEFgz/:`@G \u{0}".utf8) + [0xFF, 0x80, 0x2F, 0x3A, 0x60, 0x67]
    var accepted = 0
    for _ in 0..<200_000 {
        var b = [UInt8](repeating: 0, count: 16)
        let bad = r.chance(0.5) ? r.int(0...15) : -1
        for i in 0..<16 {
            b[i] = i == bad ? alphabet[r.int(0...alphabet.count - 1)] : Array("0123456789abcdef".utf8)[r.int(0...15)]
        }
        if r.chance(0.05) { b[r.int(0...15)] = UInt8(r.int(0...255)) }
        let fast = b.withUnsafeBufferPointer { HexWord.parse16($0.baseAddress!) }
        let slow = b.withUnsafeBufferPointer { HexWord.parse16Scalar($0.baseAddress!) }
        #expect(fast == slow, "\(b)")
        if slow != nil { accepted += 1 }
    }
    #expect(accepted > 50_000)
    var all = Array("0123456789abcdef".utf8)
    #expect(all.withUnsafeBufferPointer { HexWord.parse16($0.baseAddress!) } == 0x0123_4567_89ab_cdef)
    all = Array("ffffffffffffffff".utf8)
    #expect(all.withUnsafeBufferPointer { HexWord.parse16($0.baseAddress!) } == UInt64.max)
}

@Test func parquetHexColumnsReadAsWordsOrRefuse() throws {
    let dir = TestScratch.root + "/hexchunk-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let ids = ["00000000000000ff", "0123456789abcdef", "ffffffffffffffff"]
    for dictionary in [false, true] {
        var o = ParquetWriteOptions()
        o.dictionary = dictionary
        o.rowGroupSize = 4
        o.pageRowLimit = 2
        let path = dir + "/h\(dictionary).parquet"
        let w = try ParquetWriter(path: path, schema: [ColumnSchema(name: "v", type: .varchar)], options: o)
        try w.write([Column(.string(codes: [0, 1, 2, 1, 0, 2], dictionary: StringDictionary(ids)), validity: [1, 1, 0, 1, 1, 1])])
        try w.close()
        let f = try ParquetFile(path: path)
        var pages = PageCounts()
        let hw = try #require(try f.readHexColumn(rowGroup: 0, column: 0, pages: &pages) { _, _ in true })
        #expect(hw.words == [0xff, 0x0123_4567_89ab_cdef, 0, 0x0123_4567_89ab_cdef])
        #expect(hw.validity == [1, 1, 0, 1])
        let second = try #require(try f.readHexColumn(rowGroup: 1, column: 0, pages: &pages) { _, _ in true })
        #expect(second.words == [0xff, -1] && second.validity == nil)
        // a page not wanted stays zero (and NULL)
        let part = try #require(try f.readHexColumn(rowGroup: 0, column: 0, pages: &pages) { first, _ in first >= 2 })
        #expect(part.words == [0, 0, 0, 0x0123_4567_89ab_cdef])
        // not ids: nil, never an error
        let badPath = dir + "/bad\(dictionary).parquet"
        let b = try ParquetWriter(path: badPath, schema: [ColumnSchema(name: "v", type: .varchar)], options: o)
        try b.write([Column(.string(codes: [0, 1, 2], dictionary: StringDictionary(["00000000000000ff", "0123456789ABCDEF", "abc"])))])
        try b.close()
        var p2 = PageCounts()
        #expect(try ParquetFile(path: badPath).readHexColumn(rowGroup: 0, column: 0, pages: &p2) { _, _ in true } == nil)
    }
}

/// Random rows: `k` ascending, `v` hex ids from a small pool (duplicates, NULLs), `g` a small
/// string key; some seeds put a non-id value between two ids (the statistics still say hex).
@Test func parquetHexColumnsGiveTheSameAnswersAsStringsOverManySeeds() throws {
    let runner = try SQLLogicRunner()
    let engine = runner.engine
    let retriesBefore = ParquetScanState.retries.value
    for seed in 0..<30 {
        var r = HexRandom(state: UInt64(seed) &* 104_729 &+ 3)
        let n = r.int(1...1500)
        let pool = (0..<r.int(1...60)).map { _ in hexID(r.chance(0.1) ? UInt64(r.int(0...3)) : r.next()) }
        let intruder = ["7ABCDEF012345678", "5", "0123456789abcdeg", "8000000000000000x", "6-a"][r.int(0...4)]
        let mixed = seed % 3 == 2
        var dict = pool
        if mixed { dict.append(intruder) }
        var codes: [UInt32] = [], valid: [UInt8] = [], keys: [Int64] = [], g: [UInt32] = []
        for i in 0..<n {
            keys.append(Int64(i))
            g.append(UInt32(r.int(0...2)))
            if r.chance(0.08) { codes.append(0); valid.append(0); continue }
            valid.append(1)
            codes.append(mixed && i == n / 2 ? UInt32(pool.count) : UInt32(r.int(0...pool.count - 1)))
        }
        let columns = [Column(.int64(keys)), Column(.string(codes: codes, dictionary: StringDictionary(dict)), validity: valid.contains(0) ? valid : nil),
                       Column(.string(codes: g, dictionary: StringDictionary(["x", "y", "z"])))]
        let schema = [ColumnSchema(name: "k", type: .bigint), ColumnSchema(name: "v", type: .varchar), ColumnSchema(name: "g", type: .varchar)]
        let dir = runner.scratch + "/hex\(seed)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var o = ParquetWriteOptions()
        o.rowGroupSize = r.int(10...700)
        o.pageRowLimit = r.int(3...100)
        o.dictionary = r.chance(0.5)
        o.pageVersion = r.chance(0.3) ? .v2 : .v1
        let hexFile = dir + "/hex.parquet"
        let w = try ParquetWriter(path: hexFile, schema: schema, options: o)
        try w.write(columns)
        try w.close()
        var flat = ParquetWriteOptions()
        flat.statistics = false
        flat.pageIndex = false
        let plain = dir + "/plain.parquet"
        let w2 = try ParquetWriter(path: plain, schema: schema, options: flat)
        try w2.write(columns)
        try w2.close()
        _ = try engine.execute("CREATE TABLE h\(seed) (k BIGINT, v VARCHAR, g VARCHAR)")
        _ = try engine.execute("INSERT INTO h\(seed) SELECT * FROM read_parquet('\(plain)')")
        let some = pool[r.int(0...pool.count - 1)]
        let cut = r.int(0...n)
        let queries = [
            "SELECT count(*), count(v), count(DISTINCT v), min(v), max(v) FROM $F",
            "SELECT g, count(DISTINCT v), count(*) FROM $F WHERE k >= \(cut) GROUP BY g ORDER BY g",
            "SELECT v, count(*), sum(k) FROM $F GROUP BY v ORDER BY v NULLS FIRST",
            "SELECT v, g, count(*) FROM $F GROUP BY v, g ORDER BY count(*) DESC, v NULLS LAST, g LIMIT 7",
            "SELECT k, v FROM $F WHERE v = '\(some)' OR k = \(cut) ORDER BY k",
            "SELECT k, upper(v), length(v) FROM $F WHERE k < \(cut) ORDER BY v DESC NULLS LAST, k LIMIT 20",
            "SELECT count(*) FROM $F WHERE v IN ('\(some)', '\(intruder)') AND k >= \(cut)",
            "SELECT DISTINCT v FROM $F WHERE v > '8' ORDER BY v",
            "SELECT a.v, count(*) FROM $F a JOIN (SELECT DISTINCT v FROM $F WHERE k % 3 = 0) b ON a.v = b.v GROUP BY a.v ORDER BY a.v",
        ]
        for q in queries {
            try expectSameRows(engine, q, reference: "h\(seed)",
                               ["hex ids, mixed \(mixed)": "read_parquet('\(hexFile)')", "no statistics": "'\(plain)'"], "seed \(seed)")
        }
        // the hex path ran (or, with a value that is not an id, was given up)
        let analyzed = try run(engine, "EXPLAIN ANALYZE SELECT count(DISTINCT v) FROM read_parquet('\(hexFile)')").map { $0[0] }.joined(separator: "\n")
        #expect(analyzed.contains("hex ids read as words: v") == !mixed, "seed \(seed): \(analyzed)")
    }
    // some mixed files were read optimistically and run again (other tests may add more)
    #expect(ParquetScanState.retries.value - retriesBefore >= 5)
}
