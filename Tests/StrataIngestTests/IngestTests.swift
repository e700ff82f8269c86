import Foundation
import Testing
import StrataFormat
import StrataStore
import StrataText
@testable import StrataIngest
import StrataTestSupport

private let header = "ts,event,profile_id,n,revenue,ok\n"

@Test func quotingEdgeCasesThroughIngest() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let long = String(repeating: "x", count: 100_000)
    let text = "\u{FEFF}ts,event,profile_id,n,revenue,ok\r\n"
        + "2024-05-01 10:00:00,\"a,b\",1,10,1.5,true\r\n"
        + "2024-05-01 11:00:00,\"say \"\"hi\"\"\",2,20,2.5,false\r\n"
        + "2024-05-01 12:00:00,\"multi\r\nline\",3,,,\r\n"
        + "2024-05-01T13:00:00Z,,4,40,4.0,1\r\n"
        + "\r\n"
        + "2024-05-01 14:00:00.5,\(long),5, 50 ,-1e3,0"
    let path = dir + "/q.csv"
    writeFile(path, text)
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts { $0.blockSize = 4096 })
    #expect(s.rowsLoaded == 5)
    #expect(s.rowsRejected == 0)
    #expect(s.partitionsTouched == 1)
    #expect(!s.skippedAsDuplicate)
    let rows = try readRows(table)
    #expect(rows.count == 5)
    #expect(rows[0] == ["2024-05-01 10:00:00", "a,b", "1", "10", "1.5", "true"])
    #expect(rows[1] == ["2024-05-01 11:00:00", "say \"hi\"", "2", "20", "2.5", "false"])
    #expect(rows[2] == ["2024-05-01 12:00:00", "multi\r\nline", "3", "NULL", "NULL", "NULL"])
    #expect(rows[3] == ["2024-05-01 13:00:00", "", "4", "40", "4.0", "true"])
    #expect(rows[4] == ["2024-05-01 14:00:00.5", long, "5", "50", "-1000.0", "false"])
}

@Test func emptyAsNullAndHeaderMapping() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/m.csv"
    // header in another order and case, missing nullable columns revenue/ok
    writeFile(path, "PROFILE_ID,Ts,event,n\n1,2024-05-01 10:00:00,,5\n2,2024-05-01 10:00:01,\"\",6\n")
    _ = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts { $0.emptyAsNull = true })
    #expect(try readRows(table) == [
        ["2024-05-01 10:00:00", "NULL", "1", "5", "NULL", "NULL"],
        ["2024-05-01 10:00:01", "", "2", "6", "NULL", "NULL"],
    ])
    // extra columns: refused with their names, or ignored
    let extra = dir + "/x.csv"
    writeFile(extra, "ts,foo,event,bar\n2024-05-01 10:00:00,1,e,2\n")
    let e = ingestError(store, "clicks", [extra], opts())
    #expect(e?.description == "\(extra): columns not in table 'clicks': foo, bar (--ignore-extra-columns skips them)")
    #expect(e?.kind == .user)
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [extra], options: opts { $0.extraColumns = .ignore })
    #expect(s.rowsLoaded == 1)
    // time column missing from the header
    let noTS = dir + "/nots.csv"
    writeFile(noTS, "event\ne\n")
    #expect(ingestError(store, "clicks", [noTS], opts())?.description == "\(noTS): header lacks column 'ts' (the table's time column)")
}

@Test func noHeaderPositional() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/p.tsv"
    writeFile(path, "2024-05-01 10:00:00\tv\t7\t8\t0.25\tno\n")
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts { $0.header = false })
    #expect(s.rowsLoaded == 1)
    #expect(try readRows(table) == [["2024-05-01 10:00:00", "v", "7", "8", "0.25", "false"]])
    // explicit delimiter; positional rows with too few fields are bad rows
    let semi = dir + "/p.txt"
    writeFile(semi, "2024-05-02 10:00:00;\"a;b\";1;2;0.5;yes\n2024-05-02 10:00:00;x\n")
    let s2 = try Ingestor.ingest(store: store, table: "clicks", files: [semi], options: opts {
        $0.header = false
        $0.delimiter = UInt8(ascii: ";")
        $0.format = .csv
        $0.maxErrors = 1
    })
    #expect(s2.rowsLoaded == 1 && s2.rowsRejected == 1)
    #expect(s2.text(table: "clicks").hasPrefix("loaded 1 rows into clicks (1 rejected), 1 partitions, 1 segments in "))
    #expect(try readRows(table).last == ["2024-05-02 10:00:00", "a;b", "1", "2", "0.5", "true"])
}

/// Each bad-row kind: exact message (file, physical line, column, reason, value) and the table
/// left unchanged.
@Test(arguments: [
    ("2024-05-01 12:00:00,c,3,30,3.5,true\n2024-13-45 99:00:00,d,4,40,1,true\n", "5: column ts: invalid timestamp '2024-13-45 99:00:00'"),
    ("2024-05-01 12:00:00,c,3,12x,3.5,true\n", "4: column n: invalid integer '12x'"),
    ("2024-05-01 12:00:00,c,3000000000,1,3.5,true\n", "4: column profile_id: value out of range for INTEGER '3000000000'"),
    ("2024-05-01 12:00:00,c,3,99999999999999999999,3.5,true\n", "4: column n: value out of range for BIGINT '99999999999999999999'"),
    ("2024-05-01 12:00:00,c,3,1,1.2.3,true\n", "4: column revenue: invalid double '1.2.3'"),
    ("2024-05-01 12:00:00,c,3,1,1,maybe\n", "4: column ok: invalid boolean 'maybe'"),
    ("2024-05-01 12:00:00,c,3,1,1\n", "4: expected 6 fields, found 5"),
    (",c,3,1,1,true\n", "4: column ts: missing time value (the partition column cannot be NULL)"),
    ("2024-05-01 12:00:00,\"abc,3,1,1,true\n", "4: column event: unterminated quoted field (the quote opening field 2 is never closed)"),
    ("2024-05-01 12:00:00,ab\"c,3,1,1,true\n", "4, field 2: unexpected quote in unquoted field"),
])
func badRowMessages(_ tail: String, _ expected: String) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/bad.csv"
    // lines 2-3 hold one row (quoted newline), so the tail starts on physical line 4
    writeFile(path, header + "2024-05-01 10:00:00,\"x\ny\",1,10,1.5,true\n" + tail)
    let e = ingestError(store, "clicks", [path], opts())
    #expect(e?.description == "\(path):\(expected)")
    #expect(e?.kind == .user)
    #expect(try table.currentManifest().version == 1)
    #expect(try readRows(table).isEmpty)
}

@Test func longValuesAreTruncatedInMessages() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    _ = try makeTable(store)
    let path = dir + "/bad.csv"
    let v = String(repeating: "9", count: 50) + String(repeating: "z", count: 50)
    writeFile(path, header + "2024-05-01 10:00:00,a,1,\(v),1,true\n")
    let e = ingestError(store, "clicks", [path], opts())
    #expect(e?.description == "\(path):2: column n: invalid integer '\(String(v.prefix(77)))...'")
}

@Test func nestedJSONAndBadJSON() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/e.ndjson"
    writeFile(path, "{\"ts\":\"2024-05-01 10:00:00\",\"event\":\"a\"}\n{\"ts\":\"2024-05-01 10:00:00\",\"event\":{\"x\":1}}\n")
    // nested objects flatten (to `event.x` here, not a column); arrays load as JSON text
    #expect(ingestError(store, "clicks", [path], opts())?.description == "\(path):2: column event.x: not a column of table 'clicks'")
    writeFile(path, "{\"ts\":\"2024-05-01 10:00:00\",\"nope\":1}\n")
    #expect(ingestError(store, "clicks", [path], opts())?.description == "\(path):1: column nope: not a column of table 'clicks'")
    #expect(try table.currentManifest().version == 1)
}

@Test func maxErrorsAndRejectsFile() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/r.csv"
    writeFile(path, header
        + "2024-05-01 10:00:00,a,1,10,1.5,true\n"
        + "2024-05-01 11:00:00,b,2,zz,2.5,false\n"
        + "2024-05-01 12:00:00,c,3,30\n"
        + "2024-05-01 13:00:00,d,4,40,4.5,true\n")
    let rejects = dir + "/rejects.csv"
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts {
        $0.maxErrors = 2
        $0.rejectsPath = rejects
    })
    #expect(s.rowsLoaded == 2)
    #expect(s.rowsRejected == 2)
    #expect(try readRows(table).map { $0[1] } == ["a", "d"])
    let text = try String(contentsOfFile: rejects, encoding: .utf8)
    #expect(text == "file,line,column,reason,raw\n"
        + "\(path),3,n,invalid integer 'zz',\"2024-05-01 11:00:00,b,2,zz,2.5,false\"\n"
        + "\(path),4,,\"expected 6 fields, found 4\",\"2024-05-01 12:00:00,c,3,30\"\n")

    // one more bad row than allowed: refused, nothing visible
    let before = try table.currentManifest().version
    let e = ingestError(store, "clicks", [path], opts { $0.maxErrors = 1; $0.force = true })
    #expect(e?.kind == .refused)
    #expect(e?.description == "ingest refused: 2 bad rows exceed --max-errors 1; first: \(path):3: column n: invalid integer 'zz'")
    #expect(e?.rowErrors.count == 2)
    #expect(try table.currentManifest().version == before)
    #expect(try readRows(table).count == 2)
}

@Test func sameContentTwiceIsSkippedUnlessForced() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let a = dir + "/a.csv", b = dir + "/b.csv"
    let body = header + "2024-05-01 10:00:00,a,1,10,1.5,true\n2024-05-02 10:00:00,b,2,20,2.5,false\n"
    writeFile(a, body)
    writeFile(b, body)  // same content under another name
    let s1 = try Ingestor.ingest(store: store, table: "clicks", files: [a], options: opts())
    #expect(s1.rowsLoaded == 2 && s1.partitionsTouched == 2 && s1.segmentsWritten == 2)
    #expect(s1.batchID == Ingestor.contentBatchID(table: "clicks", hashes: [Array(body.utf8).withUnsafeBytes { InputHasher.hash($0) }]))
    let s2 = try Ingestor.ingest(store: store, table: "clicks", files: [b], options: opts())
    #expect(s2.skippedAsDuplicate && s2.rowsLoaded == 0)
    #expect(s2.text(table: "clicks") == "skipped: batch \(s1.batchID) was already loaded into clicks (use --force to load it again)")
    #expect(s2.batchID == s1.batchID)
    #expect(try readRows(table).count == 2)
    #expect(try table.currentManifest().version == s1.manifestVersion)
    let s3 = try Ingestor.ingest(store: store, table: "clicks", files: [b], options: opts { $0.force = true })
    #expect(!s3.skippedAsDuplicate && s3.rowsLoaded == 2)
    #expect(try readRows(table).count == 4)
    // explicit batch id: skipped before reading (even a missing file is not opened)
    _ = try Ingestor.ingest(store: store, table: "clicks", files: [a], options: opts { $0.batchID = "day-1" })
    let s4 = try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/missing.csv"], options: opts { $0.batchID = "day-1" })
    #expect(s4.skippedAsDuplicate)
    #expect(try readRows(table).count == 6)
    // staged files of the skipped commit are gone
    #expect(try FileManager.default.contentsOfDirectory(atPath: table.dir + "/_tmp").isEmpty)
}

@Test func gzipAndZstdInput() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    var body = header
    for i in 0..<2000 { body += "2024-05-0\(1 + i % 3) 10:00:\(String(format: "%02d", i % 60)),e\(i % 7),\(i),\(i * 3),\(Double(i) / 4),\(i % 2 == 0)\n" }
    let plain = dir + "/c.csv"
    writeFile(plain, body)
    writeBytes(dir + "/c.csv.gz", gzipCompress(Array(body.utf8)))
    writeBytes(dir + "/c.csv.zst", zstdCompress(Array(body.utf8)))
    let tp = try makeTable(store, name: "p")
    let tg = try makeTable(store, name: "g")
    let tz = try makeTable(store, name: "z")
    _ = try Ingestor.ingest(store: store, table: "p", files: [plain], options: opts { $0.blockSize = 8192 })
    let sg = try Ingestor.ingest(store: store, table: "g", files: [dir + "/c.csv.gz"], options: opts { $0.blockSize = 8192 })
    let sz = try Ingestor.ingest(store: store, table: "z", files: [dir + "/c.csv.zst"], options: opts { $0.blockSize = 8192 })
    #expect(sg.rowsLoaded == 2000 && sz.rowsLoaded == 2000)
    let expected = try readRows(tp)
    #expect(expected.count == 2000)
    #expect(try readRows(tg) == expected)
    #expect(try readRows(tz) == expected)
    // same decompressed content → same batch id
    let dup = try Ingestor.ingest(store: store, table: "g", files: [dir + "/c.csv.zst"], options: opts())
    #expect(dup.skippedAsDuplicate)
}

@Test func ndjsonIngest() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/events.txt"  // no telling extension: detected from content
    writeFile(path, """
        {"ts": "2024-05-01T10:00:00+02:00", "event": "a\\"q", "profile_id": 1, "n": 10, "revenue": 1.25, "ok": true}
        {"OK": false, "Revenue": null, "n": "20", "profile_id": 2, "event": "b", "ts": 1714557600}

        {"ts": 1714557600123, "event": "", "profile_id": 3, "n": null, "revenue": 3e2}
        """)
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts())
    #expect(s.rowsLoaded == 3)
    #expect(try readRows(table) == [
        ["2024-05-01 08:00:00", "a\"q", "1", "10", "1.25", "true"],
        ["2024-05-01 10:00:00", "b", "2", "20", "NULL", "false"],
        ["2024-05-01 10:00:00.123", "", "3", "NULL", "300.0", "NULL"],
    ])
}

@Test func typeDetectionAndAutoCreate() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let path = dir + "/auto.csv"
    writeFile(path, "created,user id,price,flag,day,name,when,empty\n"
        + "2024-05-01 10:00:00,1,1.5,true,2024-05-01,x,2024-05-01T10:00:00Z,\n"
        + "2024-05-02 10:00:00,2,2,FALSE,2024-05-02,7,2024-05-02,\n")
    let s = try Ingestor.ingest(store: store, table: "Auto", files: [path], options: opts())
    let def = try #require(s.createdTable)
    #expect(def.name == "auto")
    #expect(def.columns.map(\.name) == ["created", "user_id", "price", "flag", "day", "name", "when", "empty"])
    #expect(def.columns.map(\.type) == [.timestamp, .bigint, .double, .boolean, .date, .varchar, .timestamp, .varchar])
    #expect(def.timeColumn == "created")
    #expect(def.granularity == .day)
    #expect(def.sortKey == ["created"])
    #expect(s.rowsLoaded == 2 && s.partitionsTouched == 2)
    #expect(def.createdDescription == "created table auto (created TIMESTAMP, user_id BIGINT, price DOUBLE, flag BOOLEAN, day DATE, name VARCHAR, when TIMESTAMP, empty VARCHAR) PARTITION BY day(created) ORDER BY (created)")
    #expect(try readRows(store.table("auto")).first == ["2024-05-01 10:00:00", "1", "1.5", "true", "2024-05-01", "x", "2024-05-01 10:00:00", ""])
    // preferred name wins over the first timestamp; NDJSON keys; no timestamp → unpartitioned
    let nd = dir + "/a.ndjson"
    writeFile(nd, "{\"first\":\"2024-05-01 10:00:00\",\"ts\":\"2024-05-01 11:00:00\",\"v\":1}\n{\"v\":2.5,\"w\":\"q\",\"ts\":\"2024-05-01 12:00:00\"}\n")
    let s2 = try Ingestor.ingest(store: store, table: "nd", files: [nd], options: opts { $0.granularity = .month })
    let d2 = try #require(s2.createdTable)
    #expect(d2.columns.map(\.name) == ["first", "ts", "v", "w"])
    #expect(d2.columns.map(\.type) == [.timestamp, .timestamp, .double, .varchar])
    #expect(d2.timeColumn == "ts" && d2.granularity == .month)
    let plainPath = dir + "/plain.csv"
    writeFile(plainPath, "a,b\n1,x\n")
    let s3 = try Ingestor.ingest(store: store, table: "plain", files: [plainPath], options: opts())
    #expect(s3.createdTable?.granularity == Granularity.none && s3.createdTable?.timeColumn == nil)
    // createIfMissing off
    #expect(ingestError(store, "other", [plainPath], opts { $0.createIfMissing = false })?.description
        == "table 'other' does not exist (tables: auto, nd, plain)")
    // a failed batch drops the table it created
    let bad = dir + "/bad.csv"
    writeFile(bad, "ts,v\n2024-05-01 10:00:00,1\n2024-05-01 10:00:00,\"x\n")
    #expect(ingestError(store, "created_then_failed", [bad], opts())?.description
        == "\(bad):3: column v: unterminated quoted field (the quote opening field 2 is never closed)")
    #expect(!store.tableExists("created_then_failed"))
}

@Test func lateAndOutOfOrderRowsLandInTheirPartitions() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store, sortKey: ["ts"])
    var rng = SystemRandomNumberGenerator()
    var body = header
    var perDay = [String: Int]()
    var all: [Int64] = []
    for i in 0..<3000 {
        let day = Int.random(in: 1...9, using: &rng)
        let micros = Civil.daysFromCivil(2024, 3, Int64(day)) * 86_400_000_000 + Int64.random(in: 0..<86_400_000_000, using: &rng)
        all.append(micros)
        perDay["day=2024-03-0\(day)", default: 0] += 1
        body += "\(Civil.formatTimestamp(micros)),e,\(i),1,1,true\n"
    }
    let path = dir + "/late.csv"
    writeFile(path, body)
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts { $0.blockSize = 4096; $0.flushRows = 700 })
    #expect(s.rowsLoaded == 3000)
    #expect(s.partitionsTouched == perDay.count)
    #expect(try rowsByPartition(table) == perDay)
    let snap = try table.snapshot()
    for seg in snap.segments {
        #expect(seg.minTime >= seg.partitionStart && seg.maxTime < seg.partitionStart + 86_400_000_000)
    }
    // within each partition rows are sorted by ts
    let ts = try readRows(table).map { Civil.parseTimestamp($0[0])! }
    #expect(ts.sorted() == all.sorted())
    #expect(table.verify().isSound)
}

/// Random CSVs: 1, 2 and 4 threads with tiny blocks give the same table contents, equal to
/// the generated rows.
@Test func parallelParseMatchesSingleThreaded() throws {
    for seed in 0..<12 {
        var rng = SplitMix(seed: UInt64(seed))
        let dir = tempDir("par")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(root: dir + "/store")
        var body = header
        var expected: [[String]] = []
        let rows = 200 + Int(rng.next() % 400)
        for i in 0..<rows {
            let micros = Civil.daysFromCivil(2024, 1, 1 + Int64(rng.next() % 4)) * 86_400_000_000 + Int64(rng.next() % 86_400_000_000)
            let ts = Civil.formatTimestamp(micros)
            let kind = rng.next() % 5
            let event: String, raw: String
            switch kind {
            case 0: event = "plain\(rng.next() % 10)"; raw = event
            case 1: event = "with,comma \(i)"; raw = "\"\(event)\""
            case 2: event = "quote\"d\n\(rng.next() % 3)"; raw = "\"quote\"\"d\n\(event.last!)\""
            case 3: event = ""; raw = ""
            default: event = String(repeating: "long", count: Int(rng.next() % 300)); raw = event
            }
            let n = rng.next() % 4 == 0 ? nil : Int64(bitPattern: rng.next()) >> 20
            let rev = Double(Int(rng.next() % 10_000)) / 8
            let ok = rng.next() % 2 == 0
            body += "\(ts),\(raw),\(i),\(n.map(String.init) ?? ""),\(rev),\(ok)" + (rng.next() % 3 == 0 ? "\r\n" : "\n")
            expected.append([ts, event, String(i), n.map(String.init) ?? "NULL", String(rev), String(ok)])
        }
        let path = dir + "/r.csv"
        writeFile(path, body)
        var results: [[[String]]] = []
        for threads in [1, 2, 4] {
            let name = "t\(threads)"
            let t = try makeTable(store, name: name)
            let s = try Ingestor.ingest(store: store, table: name, files: [path], options: opts {
                $0.threads = threads
                $0.blockSize = 700 + seed * 97
                $0.flushRows = 150
            })
            #expect(s.rowsLoaded == rows)
            results.append(try readRows(t))
        }
        #expect(results[0] == results[1], "seed \(seed)")
        #expect(results[0] == results[2], "seed \(seed)")
        #expect(results[0].sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) }, "seed \(seed)")
    }
}

/// Crash at each commit step before the manifest becomes visible: previous state kept,
/// garbage collected, `verify` sound; the batch can then be loaded.
@Test func crashDuringCommitLeavesPreviousState() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let first = dir + "/1.csv", second = dir + "/2.csv"
    writeFile(first, header + "2024-05-01 10:00:00,a,1,10,1.5,true\n")
    writeFile(second, header + "2024-05-02 10:00:00,b,2,20,2.5,false\n2024-05-03 10:00:00,c,3,30,3.5,true\n")
    _ = try Ingestor.ingest(store: store, table: "clicks", files: [first], options: opts())
    let before = try readRows(table)
    let version = try table.currentManifest().version
    defer { Table.crashPoint = nil }
    Table.crashPoint = { step in Thread.current.threadDictionary["strata.test.crash"] as? String == step }
    for step in ["rename", "sync-dirs", "write-manifest", "rename-manifest"] {
        Thread.current.threadDictionary["strata.test.crash"] = step
        let e = ingestError(store, "clicks", [second], opts())
        Thread.current.threadDictionary.removeObject(forKey: "strata.test.crash")
        #expect(e?.kind == .io, "\(step)")
        #expect(e?.description == "simulated crash at \(step)")
        #expect(try table.currentManifest().version == version)
        #expect(try readRows(table) == before)
        table.collectGarbage(now: true)
        #expect(table.verify().isSound, "\(step)")
    }
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [second], options: opts())
    #expect(s.rowsLoaded == 2)
    #expect(try readRows(table).count == 3)
    #expect(table.verify().isSound)
}

@Test func progressIsReported() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    _ = try makeTable(store)
    var body = header
    for i in 0..<500 { body += "2024-05-01 10:00:00,e,\(i),1,1,true\n" }
    let path = dir + "/p.csv"
    writeFile(path, body)
    let log = ProgressLog()
    _ = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts {
        $0.blockSize = 2048
        $0.progress = { b, t, r in log.add(b, t, r) }
    })
    let entries = log.entries
    #expect(entries.count > 5)
    #expect(entries.last?.0 == Int64(body.utf8.count))
    #expect(entries.allSatisfy { $0.1 == Int64(body.utf8.count) })
    #expect(entries.last?.2 == 500)
    #expect(zip(entries, entries.dropFirst()).allSatisfy { $0.0 <= $1.0 && $0.2 <= $1.2 })
}

final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Int64, Int64?, Int)] = []
    func add(_ b: Int64, _ t: Int64?, _ r: Int) { lock.lock(); items.append((b, t, r)); lock.unlock() }
    var entries: [(Int64, Int64?, Int)] { lock.lock(); defer { lock.unlock() }; return items }
}

/// Deterministic test PRNG.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 { splitMix64Next(&state) }
}

/// All files of one call are one batch: one manifest version, and a failure in a later file
/// leaves nothing of the earlier ones.
@Test func multipleFilesAreOneBatch() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let a = dir + "/a.csv", b = dir + "/b.ndjson", bad = dir + "/bad.csv"
    writeFile(a, header + "2024-05-01 10:00:00,a,1,10,1.5,true\n")
    writeFile(b, "{\"ts\":\"2024-05-02 10:00:00\",\"event\":\"b\",\"profile_id\":2}\n")
    writeFile(bad, header + "2024-05-03 10:00:00,c,3,x,1,true\n")
    // flushRows 1: the first files are already staged as segments when the third fails
    let e = ingestError(store, "clicks", [a, b, bad], opts { $0.flushRows = 1 })
    #expect(e?.description == "\(bad):2: column n: invalid integer 'x'")
    #expect(try table.currentManifest().version == 1)
    #expect(try readRows(table).isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: table.dir + "/_tmp").isEmpty)
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [a, b], options: opts())
    #expect(s.rowsLoaded == 2 && s.partitionsTouched == 2 && s.manifestVersion == 2)
    #expect(s.batchID == Ingestor.contentBatchID(table: "clicks", hashes: [
        Array((header + "2024-05-01 10:00:00,a,1,10,1.5,true\n").utf8).withUnsafeBytes { InputHasher.hash($0) },
        Array("{\"ts\":\"2024-05-02 10:00:00\",\"event\":\"b\",\"profile_id\":2}\n".utf8).withUnsafeBytes { InputHasher.hash($0) },
    ]))
    // the bad row counts against max-errors across files
    let s2 = try Ingestor.ingest(store: store, table: "clicks", files: [a, bad], options: opts { $0.maxErrors = 1; $0.force = true })
    #expect(s2.rowsLoaded == 1 && s2.rowsRejected == 1)
}

@Test func inputFailuresAreClassified() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let missing = dir + "/missing.csv"
    let e1 = ingestError(store, "clicks", [missing], opts())
    #expect(e1?.kind == .user)
    #expect(e1?.description == "cannot open '\(missing)': No such file or directory")
    var body = header
    for i in 0..<300 { body += "2024-05-01 10:00:00,e,\(i),1,1,true\n" }
    let gz = gzipCompress(Array(body.utf8))
    let truncated = dir + "/t.csv.gz"
    writeBytes(truncated, Array(gz.prefix(gz.count / 2)))
    let e2 = ingestError(store, "clicks", [truncated], opts())
    #expect(e2?.kind == .io)
    #expect(e2?.isUserError == false)
    #expect(e2?.description.hasPrefix("'\(truncated)': ") == true)
    #expect(try table.currentManifest().version == 1)
}

/// Random NDJSON (shuffled key order, escapes, nulls, epoch and ISO times): 1, 2 and 3
/// threads give identical tables equal to the generated rows.
@Test func parallelNDJSONMatchesGeneratedRows() throws {
    for seed in 0..<8 {
        var rng = SplitMix(seed: UInt64(1000 + seed))
        let dir = tempDir("parjson")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(root: dir + "/store")
        var body = ""
        var expected: [[String]] = []
        let rows = 150 + Int(rng.next() % 300)
        for i in 0..<rows {
            let micros = Civil.daysFromCivil(2024, 2, 1 + Int64(rng.next() % 3)) * 86_400_000_000 + Int64(rng.next() % 86_400_000) * 1000
            let ts = Civil.formatTimestamp(micros)
            let tsJSON = rng.next() % 2 == 0 ? "\"\(ts)\"" : String(micros / 1000)
            let (eventJSON, event): (String, String) = {
                switch rng.next() % 4 {
                case 0: return ("\"tab\\there \\u00e9\"", "tab\there é")
                case 1: return ("\"q\\\"uote\"", "q\"uote")
                case 2: return ("null", "NULL")
                default: return ("\"e\(i % 5)\"", "e\(i % 5)")
                }
            }()
            let n: Int64? = rng.next() % 3 == 0 ? nil : Int64(rng.next() % 1_000_000) - 500_000
            let ok = rng.next() % 2 == 0
            var members = ["\"ts\": \(tsJSON)", "\"event\": \(eventJSON)", "\"profile_id\": \(i)",
                           "\"n\": \(n.map(String.init) ?? "null")", "\"ok\": \(ok)"]
            for k in stride(from: members.count - 1, to: 0, by: -1) { members.swapAt(k, Int(rng.next() % UInt64(k + 1))) }
            body += "{" + members.joined(separator: ", ") + "}\n"
            expected.append([ts, event, String(i), n.map(String.init) ?? "NULL", "NULL", String(ok)])
        }
        let path = dir + "/r.ndjson"
        writeFile(path, body)
        var results: [[[String]]] = []
        for threads in [1, 2, 3] {
            let name = "t\(threads)"
            let t = try makeTable(store, name: name)
            _ = try Ingestor.ingest(store: store, table: name, files: [path], options: opts {
                $0.threads = threads
                $0.blockSize = 500 + seed * 131
                $0.flushRows = 100
            })
            results.append(try readRows(t))
        }
        #expect(results[0] == results[1], "seed \(seed)")
        #expect(results[0] == results[2], "seed \(seed)")
        #expect(results[0].sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) }, "seed \(seed)")
    }
}

@Test func ingestCompactsCrowdedPartitionsAfterTheCommit() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store, options: ["auto_compact_threshold": "3"])
    var expected: [[String]] = []
    func load(_ i: Int, autoCompact: Bool = true) throws -> IngestSummary {
        let path = dir + "/\(i).csv"
        writeFile(path, header + "2024-05-01 10:00:0\(i % 10),e\(i),\(i),\(i),1.5,true\n")
        expected.append(["2024-05-01 10:00:0\(i % 10)", "e\(i)", String(i), String(i), "1.5", "true"])
        return try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts { $0.autoCompact = autoCompact })
    }
    for i in 1...3 {
        let s = try load(i)
        #expect(s.compaction == nil && s.compactionError == nil, "load \(i)")
    }
    // the fourth segment of the day crowds the partition: compacted right after the commit
    let s = try load(4)
    let c = try #require(s.compaction)
    #expect(c.inputSegments == 4 && c.outputSegments == 1 && s.compactionError == nil)
    #expect(s.rowsLoaded == 1 && s.segmentsWritten == 1)
    #expect(try table.currentManifest().segments.count == 1)
    // a skipped duplicate does not compact; nor does a load with autoCompact off
    let again = try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/4.csv"], options: opts())
    #expect(again.skippedAsDuplicate && again.compaction == nil)
    for i in 5...8 { #expect(try load(i, autoCompact: false).compaction == nil) }
    #expect(try table.currentManifest().segments.count == 5)
    #expect(try readRows(table).sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) })
}
