import Foundation
import Testing
import StrataCore
import StrataFormat
import StrataParquet
import StrataStore
import StrataTestSupport
import StrataText
@testable import StrataIngest

// Parquet through `Ingestor.ingest` (issue 17): created tables from the Parquet schema,
// existing tables mapped by name with conversions and bad rows, mixed formats in one batch,
// idempotence, corrupt files named and nothing committed, round trips CSV -> store ->
// Parquet -> store.

/// A seeded generator over StrataTestSupport's SplitMix64 step.
private struct Rng {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 { splitMix64Next(&state) }
}

/// Writes `columns` (all `rows` long) as a Parquet file.
private func writeParquet(_ path: String, _ schema: [ColumnSchema], _ columns: [Column], rowGroup: Int = 122_880,
                          compression: ParquetCompression = .zstd(level: 3), checksums: Bool = false) throws {
    var o = ParquetWriteOptions()
    o.pageChecksums = checksums
    o.rowGroupSize = rowGroup
    o.compression = compression
    let w = try ParquetWriter(path: path, schema: schema, options: o)
    try w.write(columns)
    _ = try w.close()
}

/// Every column of a table (all segments concatenated), with its definition.
private func tableColumns(_ t: Table) throws -> (TableDefinition, [Column]) {
    let snap = try t.snapshot()
    defer { snap.close() }
    let def = snap.definition
    var parts = [[Column]](repeating: [], count: def.columns.count)
    var total = 0
    for seg in snap.segments {
        let r = try snap.reader(seg)
        for c in 0..<def.columns.count { parts[c].append(try r.readColumn(c)) }
        total += seg.rows
    }
    let cols = (0..<def.columns.count).map { c in
        parts[c].isEmpty ? ParquetValueConverter.nullColumn(def.columns[c].type.physical, rows: 0)
            : Column.concatenated(parts[c], physical: def.columns[c].type.physical, total: total)
    }
    return (def, cols)
}

/// Rows of a table as sorted rendered lines (order-independent comparison).
private func sortedRows(_ t: Table) throws -> [String] {
    try readRows(t).map { $0.joined(separator: "|") }.sorted()
}

/// A CSV of `n` generated click-like rows with NULLs, unicode and extreme values.
private func generatedCSV(seed: UInt64, rows n: Int) -> String {
    var rng = Rng(seed)
    var text = "ts,event,profile_id,n,revenue,ok,label,day\n"
    let words = ["view", "click", "Ünïcödé", "日本語", "emoji 😀", "comma, inside", "quote \"q\"", ""]
    for i in 0..<n {
        let r = rng.next()
        let ts = 1_704_067_200 + Int(r % 5_000_000)
        let t = Civil.formatTimestamp(Int64(ts) * 1_000_000 + Int64(r % 1000) * 1000)
        let ev = r % 13 == 0 ? "" : words[Int(r >> 8) % 2]
        let pid = r % 17 == 0 ? "" : String(Int32(truncatingIfNeeded: Int64(r >> 16) % 4_000_000_000 - 2_000_000_000))
        let big: String
        switch i % 50 {
        case 0: big = String(Int64.max)
        case 1: big = String(Int64.min + 1)
        case 2: big = ""
        default: big = String(Int64(bitPattern: r) >> 20)
        }
        let rev = r % 11 == 0 ? "" : (i % 97 == 0 ? "1e300" : String(Double(r % 100_000) / 100))
        let ok = r % 7 == 0 ? "" : (r % 2 == 0 ? "true" : "false")
        var label = words[Int(r >> 24) % words.count]
        if label.contains(",") || label.contains("\"") { label = "\"" + label.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let day = r % 19 == 0 ? "" : Civil.formatDate(Int64(19_000 + Int(r % 400)))
        text += "\(t),\(ev),\(pid),\(big),\(rev),\(ok),\(label),\(day)\n"
    }
    return text
}

@Test(arguments: [UInt64(1), 2, 3])
func csvToStoreToParquetToStoreIsTheIdentity(_ seed: UInt64) throws {
    let dir = tempDir("pq")
    let store = try Store(root: dir + "/store")
    writeFile(dir + "/in.csv", generatedCSV(seed: seed, rows: 3_000))
    let a = try Ingestor.ingest(store: store, table: "a", files: [dir + "/in.csv"], options: opts())
    #expect(a.rowsLoaded == 3_000)
    let (def, cols) = try tableColumns(try store.table("a"))
    // several row groups and several flushes
    try writeParquet(dir + "/a.parquet", def.columns, cols, rowGroup: 700)
    let b = try Ingestor.ingest(store: store, table: "b", files: [dir + "/a.parquet"], options: opts { $0.flushRows = 1_000 })
    #expect(b.rowsLoaded == 3_000)
    #expect(b.rowsRejected == 0)
    let tb = try store.table("b")
    #expect(try tb.definition.columns.map(\.type) == def.columns.map(\.type))
    #expect(try tb.definition.columns.map(\.name) == def.columns.map(\.name))
    #expect(try tb.definition.timeColumn == "ts")
    #expect(try sortedRows(tb) == sortedRows(try store.table("a")))
    // idempotent: the same file again is skipped
    #expect(try Ingestor.ingest(store: store, table: "b", files: [dir + "/a.parquet"], options: opts()).skippedAsDuplicate)
    // into table a (other content than its CSV: a new batch) it doubles the rows
    let again = try Ingestor.ingest(store: store, table: "a", files: [dir + "/a.parquet"], options: opts())
    #expect(again.rowsLoaded == 3_000)
    #expect(try readRows(try store.table("a")).count == 6_000)
}

@Test func mixedCSVNDJSONAndParquetLoadAsOneBatch() throws {
    let dir = tempDir("pq")
    let store = try Store(root: dir + "/store")
    _ = try makeTable(store)
    try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
    writeFile(dir + "/in/a.csv", "ts,event,profile_id,n,revenue,ok\n2024-05-01 10:00:00,view,1,10,1.5,true\n")
    writeFile(dir + "/in/b.ndjson", "{\"ts\":\"2024-05-02 11:00:00\",\"event\":\"click\",\"profile_id\":2,\"n\":20}\n")
    // columns in another order and case, one missing (ok: NULL), profile_id as BIGINT
    try writeParquet(dir + "/in/c.parquet", [
        ColumnSchema(name: "N", type: .bigint), ColumnSchema(name: "TS", type: .timestamp),
        ColumnSchema(name: "profile_id", type: .bigint), ColumnSchema(name: "event", type: .varchar),
        ColumnSchema(name: "revenue", type: .double),
    ], [
        Column(.int64([30, 40])), Column(.int64([Civil.parseTimestamp("2024-05-03 12:00:00")!, Civil.parseTimestamp("2024-05-03 13:00:00")!])),
        Column(.int64([3, 4])), Column(.string(codes: [0, 1], dictionary: StringDictionary(["view", "日本"]))),
        Column(.double([2.5, 0]), validity: [1, 0]),
    ])
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/in"], options: opts())
    #expect(s.rowsLoaded == 4)
    #expect(s.partitionsTouched == 3)
    let rows = try sortedRows(try store.table("clicks"))
    #expect(rows == [
        "2024-05-01 10:00:00|view|1|10|1.5|true",
        "2024-05-02 11:00:00|click|2|20|NULL|NULL",
        "2024-05-03 12:00:00|view|3|30|2.5|NULL",
        "2024-05-03 13:00:00|日本|4|40|NULL|NULL",
    ])
    // the same directory again: one batch, skipped
    #expect(try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/in"], options: opts()).skippedAsDuplicate)
    // a changed Parquet file is new content
    try writeParquet(dir + "/in/c.parquet", [ColumnSchema(name: "ts", type: .timestamp)],
                     [Column(.int64([Civil.parseTimestamp("2024-05-04 00:00:00")!]))])
    #expect(try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/in/c.parquet"], options: opts()).rowsLoaded == 1)
}

@Test func parquetIsRecognizedByMagicAndFormatOption() throws {
    let dir = tempDir("pq")
    let store = try Store(root: dir + "/store")
    try writeParquet(dir + "/data.bin", [ColumnSchema(name: "event_time", type: .timestamp), ColumnSchema(name: "v", type: .integer)],
                     [Column(.int64([0, 86_400_000_000])), Column(.int64([7, 8]))])
    let s = try Ingestor.ingest(store: store, table: "m", files: [dir + "/data.bin"], options: opts())
    #expect(s.rowsLoaded == 2)
    let def = try #require(s.createdTable)
    #expect(def.timeColumn == "event_time")
    #expect(def.columns.map(\.type) == [.timestamp, .integer])
    #expect(def.granularity == .day)
    // --format parquet on a CSV is a clear error naming the file
    writeFile(dir + "/x.csv", "a\n1\n")
    let e = ingestError(store, "m", [dir + "/x.csv"], opts { $0.format = .parquet })
    #expect(e?.message.contains("x.csv") == true)
    #expect(e?.message.contains("not a Parquet file") == true)
    // compressed Parquet and stdin are refused with a reason
    writeBytes(dir + "/y.parquet.gz", [0x1F, 0x8B])
    #expect(ingestError(store, "m", [dir + "/y.parquet.gz"], opts())?.message.contains("compressed Parquet") == true)
}

@Test func existingTableMapsByNameConvertsTypesAndRejectsBadValues() throws {
    let dir = tempDir("pq")
    let store = try Store(root: dir + "/store")
    _ = try makeTable(store)
    let ts = Civil.parseTimestamp("2024-05-01 00:00:00")!
    // profile_id as text (one not a number), n as DOUBLE (one not integral), ok as text, an
    // out-of-range INTEGER, a NULL time value
    let schema = [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "profile_id", type: .varchar),
                  ColumnSchema(name: "n", type: .double), ColumnSchema(name: "ok", type: .varchar),
                  ColumnSchema(name: "revenue", type: .bigint)]
    let cols = [
        Column(.int64([ts, ts + 1_000_000, ts + 2_000_000, ts + 3_000_000, 0]), validity: [1, 1, 1, 1, 0]),
        Column(.string(codes: [0, 1, 0, 2, 0], dictionary: StringDictionary([" 42 ", "x", "99999999999"]))),
        Column(.double([1, 2.5, 3, 4, 5])),
        Column(.string(codes: [0, 1, 0, 0, 1], dictionary: StringDictionary(["true", "FALSE"]))),
        Column(.int64([1, 2, 3, 4, 5])),
    ]
    try writeParquet(dir + "/p.parquet", schema, cols, rowGroup: 2)
    // any bad row refuses the batch by default, naming file, row and column
    let e = ingestError(store, "clicks", [dir + "/p.parquet"], opts())
    #expect(e?.description == "\(dir)/p.parquet:2: column profile_id: invalid integer 'x'")
    #expect(try readRows(try store.table("clicks")).isEmpty)
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/p.parquet"], options: opts {
        $0.maxErrors = 3
        $0.rejectsPath = dir + "/rejects.csv"
    })
    #expect(s.rowsLoaded == 2)
    #expect(s.rowsRejected == 3)
    let rejects = try String(contentsOfFile: dir + "/rejects.csv", encoding: .utf8)
    #expect(rejects.contains("p.parquet,2,profile_id,invalid integer 'x'"))
    #expect(rejects.contains("p.parquet,4,profile_id,value out of range for INTEGER '99999999999'"))
    #expect(rejects.contains("p.parquet,5,ts,missing time value (the partition column cannot be NULL)"))
    #expect(try sortedRows(try store.table("clicks")) == [
        "2024-05-01 00:00:00|NULL|42|1|1.0|true",
        "2024-05-01 00:00:02|NULL|42|3|3.0|true",
    ])
    // extra columns are refused unless ignored; a missing time column is refused
    try writeParquet(dir + "/q.parquet", [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "extra", type: .bigint)],
                     [Column(.int64([ts])), Column(.int64([1]))])
    #expect(ingestError(store, "clicks", [dir + "/q.parquet"], opts())?.message
            == "\(dir)/q.parquet: columns not in table 'clicks': extra (--ignore-extra-columns skips them)")
    #expect(try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/q.parquet"], options: opts { $0.extraColumns = .ignore }).rowsLoaded == 1)
    try writeParquet(dir + "/r.parquet", [ColumnSchema(name: "n", type: .bigint)], [Column(.int64([1]))])
    #expect(ingestError(store, "clicks", [dir + "/r.parquet"], opts())?.message
            == "\(dir)/r.parquet: the file lacks column 'ts' (the table's time column)")
}

@Test func parquetValueThatDoesNotFitACreatedColumnWidensIt() throws {
    let dir = tempDir("pq")
    let store = try Store(root: dir + "/store")
    writeFile(dir + "/a.csv", "id,price\n1,10\n2,20\n")
    try writeParquet(dir + "/b.parquet", [ColumnSchema(name: "id", type: .bigint), ColumnSchema(name: "price", type: .double)],
                     [Column(.int64([3, 4])), Column(.double([30, 19.99]))])
    let s = try Ingestor.ingest(store: store, table: "p", files: [dir + "/a.csv", dir + "/b.parquet"], options: opts())
    #expect(s.rowsLoaded == 4)
    #expect(s.createdTable?.columns.map(\.type) == [.bigint, .double])
    #expect(s.notes.contains { $0.hasPrefix("column price: BIGINT -> DOUBLE ('19.99' at \(dir)/b.parquet:2") })
    #expect(try sortedRows(try store.table("p")) == ["1|10.0", "2|20.0", "3|30.0", "4|19.99"])
}

@Test func epochIntegerColumnsBecomeTimestampsUnderAnEpochTimeFormat() throws {
    let dir = tempDir("pq")
    let store = try Store(root: dir + "/store")
    try writeParquet(dir + "/e.parquet", [ColumnSchema(name: "created_at", type: .bigint), ColumnSchema(name: "v", type: .bigint)],
                     [Column(.int64([1_714_521_600, 1_714_608_000])), Column(.int64([1, 2]))])
    let s = try Ingestor.ingest(store: store, table: "e", files: [dir + "/e.parquet"], options: opts { $0.timeFormat = .epochSeconds })
    #expect(s.createdTable?.columns.map(\.type) == [.timestamp, .bigint])
    #expect(s.createdTable?.timeColumn == "created_at")
    #expect(try sortedRows(try store.table("e")) == ["2024-05-01 00:00:00|1", "2024-05-02 00:00:00|2"])
}

@Test func corruptParquetIsNamedAndNothingIsCommitted() throws {
    let dir = tempDir("pq")
    let store = try Store(root: dir + "/store")
    _ = try makeTable(store)
    writeFile(dir + "/good.csv", "ts,event,profile_id,n,revenue,ok\n2024-05-01 10:00:00,view,1,10,1.5,true\n")
    _ = try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/good.csv"], options: opts())
    let n = 5_000
    let base = Civil.parseTimestamp("2024-05-02 00:00:00")!
    let codes = (0..<n).map { UInt32($0 % 3) }
    try writeParquet(dir + "/c.parquet", [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "event", type: .varchar),
                                          ColumnSchema(name: "n", type: .bigint)],
                     [Column(.int64((0..<n).map { base + Int64($0) * 1_000_000 })),
                      Column(.string(codes: codes, dictionary: StringDictionary(["a", "b", "c"]))),
                      Column(.int64((0..<n).map { Int64($0) * 7919 }))], rowGroup: 1_000, compression: .uncompressed, checksums: true)
    let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/c.parquet"))
    let f = try ParquetFile(path: dir + "/c.parquet")
    #expect(f.rowGroups.count == 5)
    // damage the middle of the file (a page of a later row group), a truncated copy, bad magic
    var bytes = [UInt8](good)
    let mid = bytes.count * 3 / 4
    for i in mid..<(mid + 64) { bytes[i] = 0xFF }
    writeBytes(dir + "/damaged.parquet", bytes)
    writeBytes(dir + "/truncated.parquet", Array(good.prefix(good.count / 2)))
    var magic = [UInt8](good)
    magic[0] = 0x51
    writeBytes(dir + "/magic.parquet", magic)
    let before = try readRows(try store.table("clicks"))
    let e1 = try #require(ingestError(store, "clicks", [dir + "/good.csv", dir + "/damaged.parquet"], opts { $0.force = true; $0.flushRows = 1_000 }))
    #expect(e1.message.hasPrefix("\(dir)/damaged.parquet, row group "), "\(e1.message)")
    #expect(e1.message.contains("column '"), "\(e1.message)")
    #expect(e1.message.contains("corrupt Parquet file"), "\(e1.message)")
    let e2 = try #require(ingestError(store, "clicks", [dir + "/truncated.parquet"], opts()))
    #expect(e2.message == "\(dir)/truncated.parquet: not a Parquet file: missing PAR1 magic (truncated or not Parquet)")
    // by name, so the magic is not what decides
    let e3 = try #require(ingestError(store, "clicks", [dir + "/magic.parquet"], opts()))
    #expect(e3.message.contains("magic.parquet: not a Parquet file"))
    #expect(try readRows(try store.table("clicks")) == before)
    // a table the failed batch would have created is not left behind
    #expect(ingestError(store, "fresh", [dir + "/damaged.parquet"], opts()) != nil)
    #expect(!store.tableExists("fresh"))
}

@Test func largeParquetLoadsInSeveralFlushesWithManyRowGroups() throws {
    let dir = tempDir("pq")
    let store = try Store(root: dir + "/store")
    var rng = Rng(9)
    let n = 50_000
    let base = Civil.parseTimestamp("2024-01-01 00:00:00")!
    var ts: [Int64] = [], ids: [Int64] = [], codes: [UInt32] = [], validity: [UInt8] = []
    var dict = StringDictionary()
    for i in 0..<1_000 { dict.append(String(format: "%016llx", UInt64(i) &* 0x9E37_79B9_7F4A_7C15)) }
    for _ in 0..<n {
        let r = rng.next()
        ts.append(base + Int64(r % (90 * 86_400)) * 1_000_000)
        ids.append(Int64(r >> 40))
        codes.append(UInt32((r >> 8) % 1_000))
        validity.append(r % 10 == 0 ? 0 : 1)
    }
    try writeParquet(dir + "/big.parquet", [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "id", type: .bigint),
                                            ColumnSchema(name: "visitor", type: .varchar)],
                     [Column(.int64(ts)), Column(.int64(ids)), Column(.string(codes: codes, dictionary: dict), validity: validity)],
                     rowGroup: 3_000)
    let s = try Ingestor.ingest(store: store, table: "big", files: [dir + "/big.parquet"], options: opts {
        $0.flushRows = 10_000
        $0.granularity = .month
    })
    #expect(s.rowsLoaded == n)
    #expect(s.partitionsTouched == 3)
    let (_, cols) = try tableColumns(try store.table("big"))
    var want: [String: Int] = [:]
    for i in 0..<n { want["\(ts[i])|\(ids[i])|\(validity[i] == 0 ? "NULL" : dict[Int(codes[i])])", default: 0] += 1 }
    var got: [String: Int] = [:]
    for i in 0..<cols[0].count {
        got["\(render(cols[0], i, .bigint))|\(render(cols[1], i, .bigint))|\(render(cols[2], i, .varchar))", default: 0] += 1
    }
    #expect(got == want)
}
