import Foundation
import Testing
import StrataCore
import StrataFormat
import StrataParquet
import StrataStore
import StrataTestSupport
import StrataText
@testable import StrataIngest

// Hex-id columns of Parquet input read as words (ParquetHexIngest.swift): the table must equal
// the one loaded from the same rows as CSV, with hex dictionaries in its segments, also when a
// row group holds a value between two ids that is not one (that row group is read as strings).

private struct HexRng {
    var state: UInt64
    mutating func next() -> UInt64 { splitMix64Next(&state) }
    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() % UInt64(r.count)) }
}

@Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
func parquetHexIDColumnsLoadAsTheCSVDoes(_ seed: UInt64) throws {
    var r = HexRng(state: seed &* 7_777 &+ 1)
    let dir = tempDir("pqhex")
    let store = try Store(root: dir + "/store")
    let n = r.int(500...4_000)
    let mixed = seed % 3 == 0
    let pool = (0..<r.int(1...300)).map { _ in String(format: "%016llx", r.next()) }
    let base = Civil.parseTimestamp("2024-01-01 00:00:00")!
    var ts: [Int64] = [], codes: [UInt32] = [], valid: [UInt8] = [], csv = "ts,v\n"
    var dict = pool
    if mixed { dict.append("7-not-an-id") }
    for i in 0..<n {
        let t = base + Int64(r.int(0...(60 * 86_400))) * 1_000_000
        ts.append(t)
        let isNull = r.int(0...19) == 0
        let code = mixed && i == n / 2 ? pool.count : r.int(0...pool.count - 1)
        codes.append(isNull ? 0 : UInt32(code))
        valid.append(isNull ? 0 : 1)
        csv += "\(Civil.formatTimestamp(t)),\(isNull ? "" : dict[code])\n"
    }
    let schema = [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "v", type: .varchar)]
    var o = ParquetWriteOptions()
    o.rowGroupSize = r.int(100...1_500)
    o.dictionary = r.int(0...1) == 0
    let w = try ParquetWriter(path: dir + "/in.parquet", schema: schema, options: o)
    try w.write([Column(.int64(ts)), Column(.string(codes: codes, dictionary: StringDictionary(dict)), validity: valid)])
    _ = try w.close()
    writeFile(dir + "/in.csv", csv)
    let ddl = TableDefinition(name: "x", columns: schema, timeColumn: "ts", granularity: .month, sortKey: ["v", "ts"])
    for name in ["fromcsv", "frompq"] {
        var d = ddl
        d.name = name
        _ = try store.createTable(d)
    }
    // empty CSV fields are NULL, as in the Parquet file
    let o1 = opts { $0.flushRows = 1_500; $0.emptyAsNull = true }
    #expect(try Ingestor.ingest(store: store, table: "fromcsv", files: [dir + "/in.csv"], options: o1).rowsLoaded == n)
    #expect(try Ingestor.ingest(store: store, table: "frompq", files: [dir + "/in.parquet"], options: o1).rowsLoaded == n)
    let a = try readRows(try store.table("fromcsv")).map { $0.joined(separator: "|") }.sorted()
    let b = try readRows(try store.table("frompq")).map { $0.joined(separator: "|") }.sorted()
    #expect(a == b, "seed \(seed)")
    // the segments store the ids as hex dictionaries, but the one holding the value that is not an id
    let snap = try store.table("frompq").snapshot()
    defer { snap.close() }
    var notHex = 0
    for seg in snap.segments where seg.rows > 0 {
        if try snap.reader(seg).footer.columns[1].dictionary?.layout != .hex { notHex += 1 }
    }
    #expect(notHex == (mixed ? 1 : 0), "seed \(seed)")
}

@Test func parquetHexIDNullInNotNullColumnIsABadRow() throws {
    let dir = tempDir("pqhex")
    let store = try Store(root: dir + "/store")
    let schema = [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "v", type: .varchar)]
    let t0 = Civil.parseTimestamp("2024-03-01 00:00:00")!
    let w = try ParquetWriter(path: dir + "/in.parquet", schema: schema, options: ParquetWriteOptions())
    try w.write([Column(.int64([t0, t0 + 1, t0 + 2])),
                 Column(.string(codes: [0, 0, 1], dictionary: StringDictionary(["00000000000000aa", "ffffffffffffff00"])), validity: [1, 0, 1])])
    _ = try w.close()
    let v = ColumnSchema(name: "v", type: .varchar, nullable: false)
    _ = try store.createTable(TableDefinition(name: "t", columns: [schema[0], v], timeColumn: "ts", granularity: .month, sortKey: ["ts"]))
    let e = ingestError(store, "t", [dir + "/in.parquet"], opts())
    #expect(e?.message.contains("NULL in NOT NULL column") == true, "\(String(describing: e))")
    let s = try Ingestor.ingest(store: store, table: "t", files: [dir + "/in.parquet"], options: opts { $0.maxErrors = 5 })
    #expect(s.rowsLoaded == 2 && s.rowsRejected == 1)
    #expect(try readRows(try store.table("t")).map { $0[1] }.sorted() == ["00000000000000aa", "ffffffffffffff00"])
}
