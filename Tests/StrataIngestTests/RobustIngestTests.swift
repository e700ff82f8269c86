import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import StrataFormat
import StrataStore
import StrataText
@testable import StrataIngest

// Ingest robustness (issue 17): types that widen after the sample, epoch time columns on
// create, JSON arrays and nested objects, stdin/pipe sniffing, an unterminated quote as one
// bad record, delimiter detection and hints, globs and directories.

private func columnTypes(_ t: Table) throws -> [String: ColumnType] {
    var out: [String: ColumnType] = [:]
    for c in try t.definition.columns { out[c.name] = c.type }
    return out
}

/// Rows as dictionaries column → rendered value, sorted by `key`.
private func rowMaps(_ t: Table, sortedBy key: String) throws -> [[String: String]] {
    let def = try t.definition
    let rows = try readRows(t)
    let maps = rows.map { r in Dictionary(uniqueKeysWithValues: zip(def.columns.map(\.name), r)) }
    return maps.sorted { (Int($0[key]!) ?? 0, $0[key]!) < (Int($1[key]!) ?? 0, $1[key]!) }
}

@Test(arguments: [1 << 20, 32 << 10])
func integerColumnWidensToDoubleAfterTheSample(_ block: Int) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    var text = "id,price,day\n"
    for i in 1...20_001 { text += "\(i),\(i % 997),2024-05-0\(1 + i % 9)\n" }
    text += "20002,19.99,2024-05-01\n"
    for i in 20_003...20_010 { text += "\(i),\(i % 7),2024-05-02\n" }
    let path = dir + "/prices.csv"
    writeFile(path, text)
    let s = try Ingestor.ingest(store: store, table: "prices", files: [path], options: opts {
        $0.blockSize = block
        $0.flushRows = 5_000
    })
    #expect(s.rowsLoaded == 20_010)
    #expect(s.rowsRejected == 0)
    let t = try store.table("prices")
    #expect(try columnTypes(t) == ["id": .bigint, "price": .double, "day": .date])
    #expect(s.createdTable?.columns.first { $0.name == "price" }?.type == .double)
    #expect(s.notes.contains { $0.hasPrefix("column price: BIGINT -> DOUBLE ('19.99' at \(path):20003") })
    let rows = try rowMaps(t, sortedBy: "id")
    #expect(rows.count == 20_010)
    #expect(rows[20_001]["price"] == "19.99")
    #expect(rows[0]["price"] == "1.0")
    #expect(rows[20_009]["price"] == String(Double(20_010 % 7)))
    // loading the same file again is skipped, as for any batch
    let again = try Ingestor.ingest(store: store, table: "prices", files: [path], options: opts())
    #expect(again.skippedAsDuplicate)
}

@Test func dateAndIntegerColumnsWidenToVarcharKeepingTheirText() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    var text = "k,d,n,when\n"
    for i in 1...25_000 { text += "\(i),2024-05-0\(1 + i % 9),\(i),2024-05-01\n" }
    text += "25001,n/a,abc,2024-05-01 12:30:00\n"
    let path = dir + "/w.csv"
    writeFile(path, text)
    let s = try Ingestor.ingest(store: store, table: "w", files: [path], options: opts())
    #expect(s.rowsLoaded == 25_001)
    let t = try store.table("w")
    // DATE -> VARCHAR and BIGINT -> VARCHAR keep the text as written; DATE -> TIMESTAMP
    #expect(try columnTypes(t) == ["k": .bigint, "d": .varchar, "n": .varchar, "when": .timestamp])
    #expect(s.createdTable?.timeColumn == "when")
    let rows = try rowMaps(t, sortedBy: "k")
    #expect(rows[0]["d"] == "2024-05-02" && rows[0]["n"] == "1" && rows[0]["when"] == "2024-05-01 00:00:00")
    #expect(rows[25_000]["d"] == "n/a" && rows[25_000]["n"] == "abc" && rows[25_000]["when"] == "2024-05-01 12:30:00")
    #expect(s.notes.count == 3)
}

@Test func widenedNDJSONAndTheSecondFileOfABatch() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let a = dir + "/a.ndjson", b = dir + "/b.ndjson"
    writeFile(a, "{\"id\":1,\"v\":10,\"ok\":true}\n{\"id\":2,\"v\":20,\"ok\":false}\n")
    writeFile(b, "{\"id\":3,\"v\":2.5,\"ok\":\"maybe\"}\n")
    let s = try Ingestor.ingest(store: store, table: "j", files: [a, b], options: opts())
    #expect(s.rowsLoaded == 3)
    let t = try store.table("j")
    #expect(try columnTypes(t) == ["id": .bigint, "v": .double, "ok": .varchar])
    let rows = try rowMaps(t, sortedBy: "id")
    #expect(rows.map { $0["v"]! } == ["10.0", "20.0", "2.5"])
    #expect(rows.map { $0["ok"]! } == ["true", "false", "maybe"])
}

@Test func existingTablesStillRejectValuesOfTheWrongType() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/x.csv"
    writeFile(path, "ts,n\n" + String(repeating: "2024-05-01 10:00:00,1\n", count: 20_001) + "2024-05-01 10:00:00,19.99\n")
    let e = ingestError(store, "clicks", [path], opts())
    #expect(e?.description == "\(path):20003: column n: invalid integer '19.99'")
    #expect(try readRows(table).isEmpty)
    // widening off: a created table rejects like an existing one
    let e2 = ingestError(store, "fresh", [path], opts { $0.widenTypes = false })
    #expect(e2?.description == "\(path):20003: column n: invalid integer '19.99'")
    #expect(!store.tableExists("fresh"))
}

@Test func epochTimeFormatMakesTimestampColumnsOnCreate() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let path = dir + "/e.csv"
    writeFile(path, "ts,user_id,v\n1714557600,5,1\n1714561200,6,2\n")
    let s = try Ingestor.ingest(store: store, table: "e", files: [path], options: opts { $0.timeFormat = .epochSeconds })
    let def = try #require(s.createdTable)
    #expect(def.columns.map(\.type) == [.timestamp, .bigint, .bigint])
    #expect(def.timeColumn == "ts" && def.granularity == .day)
    #expect(try readRows(store.table("e")) == [["2024-05-01 10:00:00", "5", "1"], ["2024-05-01 11:00:00", "6", "2"]])
    // milliseconds, a time-like name (`sent_at`), and an ISO column next to it
    let ms = dir + "/m.csv"
    writeFile(ms, "id,sent_at,seen\n1,1714557600123,2024-05-02 08:00:00\n")
    let s2 = try Ingestor.ingest(store: store, table: "m", files: [ms], options: opts { $0.timeFormat = .epochMillis })
    #expect(s2.createdTable?.columns.map(\.type) == [.bigint, .timestamp, .timestamp])
    #expect(try readRows(store.table("m")) == [["1", "2024-05-01 10:00:00.123", "2024-05-02 08:00:00"]])
    // no time-like name: the first integer column holding plausible epochs (not the small ids)
    let us = dir + "/u.ndjson"
    writeFile(us, "{\"id\":1,\"created\":1714557600000000}\n")
    let s3 = try Ingestor.ingest(store: store, table: "u", files: [us], options: opts { $0.timeFormat = .epochMicros })
    #expect(s3.createdTable?.columns.map(\.type) == [.bigint, .timestamp])
    #expect(try readRows(store.table("u")) == [["1", "2024-05-01 10:00:00"]])
    // auto keeps integers as integers
    let s4 = try Ingestor.ingest(store: store, table: "a", files: [path], options: opts())
    #expect(s4.createdTable?.columns.map(\.type) == [.bigint, .bigint, .bigint])
}

@Test func jsonArraysPrettyPrintedWithNestedObjectsFlatten() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let path = dir + "/export.json"
    writeFile(path, """
    [
      {"ts": "2024-05-01 10:00:00", "user": {"id": 7, "geo": {"country": "DE"}}, "tags": ["a", "b"]},
      {
        "ts": "2024-05-01 11:00:00",
        "user": {"id": 8, "geo": {}},
        "tags": [],
        "note": "multi\\nline, \\"quoted\\" ]}"
      }
    ]

    """)
    let s = try Ingestor.ingest(store: store, table: "events", files: [path], options: opts())
    #expect(s.rowsLoaded == 2)
    let def = try #require(s.createdTable)
    #expect(def.columns.map(\.name) == ["ts", "user_id", "user_geo_country", "tags", "note"])
    #expect(def.columns.map(\.type) == [.timestamp, .bigint, .varchar, .varchar, .varchar])
    #expect(s.notes.contains("\(path): read as a JSON array, one row per element"))
    let rows = try readRows(store.table("events")).sorted { $0[0] < $1[0] }
    #expect(rows == [
        ["2024-05-01 10:00:00", "7", "DE", "[\"a\", \"b\"]", "NULL"],
        ["2024-05-01 11:00:00", "8", "NULL", "[]", "multi\nline, \"quoted\" ]}"],
    ])
    // errors name the input line where the bad element starts
    let bad = dir + "/bad.json"
    writeFile(bad, "[\n  {\"ts\": \"2024-05-01 10:00:00\", \"user\": {\"id\": 1}},\n\n  {\n    \"ts\": \"soon\"\n  }\n]\n")
    #expect(ingestError(store, "events", [bad], opts())?.description == "\(bad):4: column ts: invalid timestamp 'soon'")
    // an array on one line, compressed, and objects spread over lines without an array
    let one = dir + "/one.json.gz"
    writeBytes(one, gzipCompress(Array("[{\"ts\":\"2024-05-02 10:00:00\",\"user\":{\"id\":9}},{\"ts\":\"2024-05-02 11:00:00\"}]".utf8)))
    let pretty = dir + "/pretty.ndjson"
    writeFile(pretty, "{\n \"ts\": \"2024-05-03 10:00:00\",\n \"user\": {\"id\": 10}\n}\n{\"ts\": \"2024-05-03 11:00:00\"}\n")
    let s2 = try Ingestor.ingest(store: store, table: "events", files: [one, pretty], options: opts())
    #expect(s2.rowsLoaded == 4)
    #expect(try readRows(store.table("events")).count == 6)
}

@Test func nestedValuesIntoAnExistingTable() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/e.ndjson"
    writeFile(path, "{\"ts\":\"2024-05-01 10:00:00\",\"event\":[1, {\"a\": 2}]}\n")
    _ = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts())
    #expect(try readRows(table) == [["2024-05-01 10:00:00", "[1, {\"a\": 2}]", "NULL", "NULL", "NULL", "NULL"]])
    writeFile(path, "{\"ts\":\"2024-05-01 10:00:00\",\"event\":{\"x\":1}}\n")
    #expect(ingestError(store, "clicks", [path], opts())?.description == "\(path):1: column event.x: not a column of table 'clicks'")
}

@Test func ndjsonFromAPipeIsDetectedWithoutFormat() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    for (name, body) in [("nd", "{\"ts\":\"2024-05-01 10:00:00\",\"n\":1}\n{\"ts\":\"2024-05-01 10:00:01\",\"n\":2}\n"),
                         ("arr", "[{\"ts\":\"2024-05-01 10:00:00\",\"n\":1},\n {\"ts\":\"2024-05-01 10:00:01\",\"n\":2}]")] {
        let fifo = dir + "/" + name  // no extension: the content decides
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            _ = body.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        writer.start()
        let s = try Ingestor.ingest(store: store, table: name, files: [fifo], options: opts())
        #expect(s.rowsLoaded == 2)
        #expect(s.createdTable?.columns.map(\.type) == [.timestamp, .bigint])
    }
}

@Test func unterminatedQuoteAtTheEndIsOneRejectedRecord() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/cut.csv"
    var text = "ts,event,profile_id\n"
    for i in 0..<1000 { text += "2024-05-01 10:00:00,e\(i),\(i)\n" }
    text += "2024-05-01 10:00:00,\"cut off\n in the middle,7\n"
    writeFile(path, text)
    let rejects = dir + "/rejects.csv"
    for block in [1 << 20, 4 << 10] {
        let e = ingestError(store, "clicks", [path], opts { $0.blockSize = block })
        #expect(e?.description == "\(path):1002: column event: unterminated quoted field (the quote opening field 2 is never closed)")
        #expect(try table.currentManifest().version == 1)
    }
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts {
        $0.maxErrors = 1
        $0.rejectsPath = rejects
        $0.blockSize = 4 << 10
    })
    #expect(s.rowsLoaded == 1000)
    #expect(s.rowsRejected == 1)
    #expect(try readRows(table).count == 1000)
    let r = try String(contentsOfFile: rejects, encoding: .utf8)
    #expect(r == "file,line,column,reason,raw\n\(path),1002,event,unterminated quoted field (the quote opening field 2 is never closed),"
        + "\"2024-05-01 10:00:00,\"\"cut off\n in the middle,7\"\n")
    // the first field open
    let first = dir + "/first.csv"
    writeFile(first, "ts,event\n2024-05-01 10:00:00,a\n\"2024")
    let s2 = try Ingestor.ingest(store: store, table: "clicks", files: [first], options: opts { $0.maxErrors = 5 })
    #expect(s2.rowsLoaded == 1 && s2.rowsRejected == 1)
}

@Test func columnCountErrorsNameTheOptionThatHelps() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/more.csv"
    writeFile(path, "ts,event\n2024-05-01 10:00:00,a,extra\n")
    #expect(ingestError(store, "clicks", [path], opts())?.description
        == "\(path):2: expected 2 fields, found 3 (--ignore-extra-columns skips the extra fields)")
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts { $0.extraColumns = .ignore })
    #expect(s.rowsLoaded == 1)
    #expect(try readRows(table) == [["2024-05-01 10:00:00", "a", "NULL", "NULL", "NULL", "NULL"]])
    let extra = dir + "/x.csv"
    writeFile(extra, "ts,foo\n2024-05-01 10:00:00,1\n")
    #expect(ingestError(store, "clicks", [extra], opts())?.description
        == "\(extra): columns not in table 'clicks': foo (--ignore-extra-columns skips them)")
    // a header that does not split: the delimiter given is wrong
    let semi = dir + "/semi.csv"
    writeFile(semi, "ts;event\n2024-05-01 10:00:00;a\n")
    var o = opts()
    o.detectDelimiter = false
    #expect(ingestError(store, "clicks", [semi], o)?.description
        == "\(semi): the header splits into one column 'ts;event' with delimiter ','; the file looks ';'-separated: pass --delimiter ';'")
    // positional rows that do not split
    let pos = dir + "/pos.csv"
    writeFile(pos, "2024-05-01 10:00:00;a;1;2;3.0;true\n")
    #expect(ingestError(store, "clicks", [pos], opts { $0.header = false; $0.detectDelimiter = false })?.description
        == "\(pos):1: expected 6 fields, found 1 (wrong delimiter? pass --delimiter)")
}

@Test(arguments: [(";", "';'"), ("\t", "tab"), ("|", "'|'")])
func delimiterIsDetected(_ d: String, _ shown: String) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let path = dir + "/data.csv"
    // decimal commas must not fool the detection
    writeFile(path, ["ts", "price", "name"].joined(separator: d) + "\n"
        + ["2024-05-01 10:00:00", "1,5", "\"a\(d)b\""].joined(separator: d) + "\n"
        + ["2024-05-01 11:00:00", "2", "c"].joined(separator: d) + "\n")
    let s = try Ingestor.ingest(store: store, table: "t", files: [path], options: opts())
    #expect(s.createdTable?.columns.map(\.name) == ["ts", "price", "name"])
    #expect(s.notes == ["\(path): delimiter \(shown) detected (--delimiter sets it)"])
    #expect(try readRows(store.table("t")).sorted { $0[0] < $1[0] } == [
        ["2024-05-01 10:00:00", "1,5", "a\(d)b"], ["2024-05-01 11:00:00", "2", "c"],
    ])
    // a comma file stays a comma file, with no note
    let comma = dir + "/comma.csv"
    writeFile(comma, "ts,note\n2024-05-01 10:00:00,\"a;b;c\"\n")
    let s2 = try Ingestor.ingest(store: store, table: "c", files: [comma], options: opts())
    #expect(s2.notes.isEmpty && s2.createdTable?.columns.count == 2)
}

@Test func globsAndDirectoriesAreOneIdempotentBatch() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let logs = dir + "/logs"
    try FileManager.default.createDirectory(atPath: logs + "/2024/05", withIntermediateDirectories: true)
    func csv(_ n: Int) -> String { "ts,n\n2024-05-01 10:00:00,\(n)\n" }
    writeFile(logs + "/a.csv", csv(1))
    writeBytes(logs + "/b.csv.gz", gzipCompress(Array(csv(2).utf8)))
    writeBytes(logs + "/2024/05/c.csv.zst", zstdCompress(Array(csv(3).utf8)))
    writeFile(logs + "/2024/d.ndjson", "{\"ts\":\"2024-05-01 10:00:00\",\"n\":4}\n")
    writeFile(logs + "/.hidden.csv", csv(99))
    writeFile(logs + "/README.txt", "not data")
    #expect(try IngestInputs.expand([logs]) == [logs + "/2024/05/c.csv.zst", logs + "/2024/d.ndjson", logs + "/a.csv", logs + "/b.csv.gz"])
    #expect(try IngestInputs.expand([logs + "/*.csv"]) == [logs + "/a.csv"])
    #expect(try IngestInputs.expand([logs + "/**/*.csv*"]) == [logs + "/2024/05/c.csv.zst", logs + "/a.csv", logs + "/b.csv.gz"])
    #expect(try IngestInputs.expand([logs + "/{a,b}.csv*", logs + "/a.csv"]) == [logs + "/a.csv", logs + "/b.csv.gz"])
    #expect(throws: IngestError.self) { try IngestInputs.expand([logs + "/*.parquet"]) }
    #expect(ingestError(store, "t", [logs + "/nope*.csv"], opts())?.description == "no file matches '\(logs)/nope*.csv'")
    #expect(ingestError(store, "t", [dir + "/store"], opts())?.description.hasSuffix("directory holds no file to load (.csv, .tsv, .ndjson, .jsonl, .json, plain or .gz/.zst, or .parquet)") == true)

    let s = try Ingestor.ingest(store: store, table: "t", files: [logs], options: opts())
    #expect(s.rowsLoaded == 4)
    #expect(try readRows(store.table("t")).map { $0[1] }.sorted() == ["1", "2", "3", "4"])
    // the same files again, named by a pattern: the same batch, skipped
    let again = try Ingestor.ingest(store: store, table: "t", files: [logs + "/**/*.{csv,csv.gz,csv.zst,ndjson}"], options: opts())
    #expect(again.skippedAsDuplicate)
    #expect(again.batchID == s.batchID)
}
