import Foundation
import Testing
import StrataFormat
import StrataStore
import StrataText
@testable import StrataIngest
@testable import StrataGen

// Issue 14 item 6 (strings must be UTF-8, numbers must fit their column) and item 10 (lone CR
// line endings) at the ingest level.

private let header = "ts,event,profile_id,n,revenue,ok\n"

/// CSV text of one row of the test table with `event` given as raw bytes, quoted.
private func csvRow(_ i: Int, event: [UInt8], revenue: String = "1.5") -> [UInt8] {
    var out = Array("2024-05-01 10:00:\(String(format: "%02d", i % 60)),\"".utf8)
    for b in event {
        if b == 0x22 { out.append(0x22) }
        out.append(b)
    }
    out += Array("\",\(i),\(i * 10),\(revenue),true\n".utf8)
    return out
}

/// NDJSON line of one row with `event` given as raw bytes (escaped only where JSON requires).
private func jsonRow(_ i: Int, event: [UInt8]) -> [UInt8] {
    var out = Array("{\"ts\":\"2024-05-01 10:00:\(String(format: "%02d", i % 60))\",\"event\":\"".utf8)
    for b in event {
        switch b {
        case 0x22: out += [0x5C, 0x22]
        case 0x5C: out += [0x5C, 0x5C]
        case 0..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
        default: out.append(b)
        }
    }
    out += Array("\",\"profile_id\":\(i),\"n\":\(i * 10)}\n".utf8)
    return out
}

/// The kinds of ill-formed UTF-8 of the issue, with the 1-based byte and value of the first bad byte.
private let badValues: [(String, [UInt8], Int, String)] = [
    ("lone continuation", [0x61, 0x80, 0x62], 2, "0x80"),
    ("overlong", [0x2F, 0xC0, 0xAF], 2, "0xC0"),
    ("overlong 3-byte", [0xE0, 0x80, 0xAF], 1, "0xE0"),
    ("surrogate", Array("x".utf8) + [0xED, 0xA0, 0x80], 2, "0xED"),
    ("truncated at end", Array("caf".utf8) + [0xC3], 4, "0xC3"),
    ("truncated 4-byte at end", Array("hi ".utf8) + [0xF0, 0x9F, 0x98], 4, "0xF0"),
    ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80], 1, "0xF4"),
]

@Test func invalidUTF8InCSVIsABadRowWithLineAndColumn() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    // first each bad kind alone, refused with its line, column and bad byte
    for (kind, value, byte, hex) in badValues {
        let path = dir + "/one.csv"
        writeBytes(path, Array(header.utf8) + csvRow(1, event: Array("fine".utf8)) + csvRow(2, event: value))
        let e = ingestError(store, "clicks", [path], opts())
        let shown = value.withUnsafeBufferPointer { UTF8Validation.escaped($0.baseAddress, $0.count) }
        #expect(e?.description == "\(path):3: column event: invalid UTF-8 at byte \(byte) (\(hex)) '\(shown)'", "\(kind)")
        #expect(e?.kind == .user)
        #expect(e?.rowErrors.first?.line == 3)
        #expect(e?.rowErrors.first?.column == "event")
    }
    #expect(try table.currentManifest().version == 1)
    #expect(try readRows(table).isEmpty)

    // all kinds among good rows (a multi-line quoted value shifts the lines), skipped with
    // --max-errors and written to the rejects file in line order; the same bad value twice is
    // refused twice (it never enters the dictionary)
    var text = Array(header.utf8)
    var expectedLines: [Int] = []
    var good: [String] = []
    var line = 2, i = 0
    func add(_ event: [UInt8], bad: Bool) {
        i += 1
        if bad { expectedLines.append(line) } else { good.append(String(decoding: event, as: UTF8.self)) }
        text += csvRow(i, event: event)
        line += 1 + event.filter { $0 == 0x0A }.count
    }
    add(Array("multi\nline".utf8), bad: false)
    for (_, value, _, _) in badValues {
        add(value, bad: true)
        add(Array("ok \(i)".utf8), bad: false)
    }
    add(badValues[0].1, bad: true)
    add(Array("tail".utf8), bad: false)
    text += Array("2024-05-01 10:00:00,\"x\",99,not-a-number,1,true\n".utf8)
    let numberLine = line
    let path = dir + "/mixed.csv"
    writeBytes(path, text)
    let rejects = dir + "/rejects.csv"
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts {
        $0.maxErrors = 100
        $0.rejectsPath = rejects
        $0.blockSize = 64  // many chunks and pieces
    })
    #expect(s.rowsRejected == expectedLines.count + 1)
    #expect(s.rowsLoaded == good.count)
    #expect(try readRows(table).map { $0[1] } == good)
    let rejected = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n").dropFirst()
    let lines = rejected.map { Int($0.split(separator: ",")[1])! }
    #expect(lines == expectedLines + [numberLine])
    #expect(rejected.dropLast().allSatisfy { $0.contains(",event,invalid UTF-8 at byte ") })
}

@Test func invalidUTF8InNDJSONIsABadRowWithLineAndColumn() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    for (kind, value, byte, hex) in badValues {
        let path = dir + "/one.ndjson"
        writeBytes(path, jsonRow(1, event: Array("fine".utf8)) + jsonRow(2, event: value) + jsonRow(3, event: Array("x".utf8)))
        let e = ingestError(store, "clicks", [path], opts())
        let shown = value.withUnsafeBufferPointer { UTF8Validation.escaped($0.baseAddress, $0.count) }
        #expect(e?.description == "\(path):2: column event: invalid UTF-8 at byte \(byte) (\(hex)) '\(shown)'", "\(kind)")
    }
    var text: [UInt8] = []
    var good: [String] = []
    var badLines: [Int] = []
    for (k, (_, value, _, _)) in badValues.enumerated() {
        text += jsonRow(2 * k + 1, event: Array("good \(k) 😀".utf8))
        good.append("good \(k) 😀")
        text += jsonRow(2 * k + 2, event: value)
        badLines.append(2 * k + 2)
    }
    let path = dir + "/many.ndjson"
    writeBytes(path, text)
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts {
        $0.maxErrors = 100
        $0.blockSize = 100
    })
    #expect(s.rowsLoaded == good.count)
    #expect(s.rowsRejected == badValues.count)
    #expect(try readRows(table).map { $0[1] } == good)
    let e = ingestError(store, "clicks", [path], opts { $0.maxErrors = 3; $0.force = true })
    #expect(e?.rowErrors.map(\.line) == Array(badLines.prefix(4)))
    #expect(e?.rowErrors.allSatisfy { $0.column == "event" } == true)
}

@Test func validMultiByteUTF8RoundTripsExactly() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let values = ["😀", "東京タワー", "北京市 朝阳区", "café", "𝄞 clef", "a\u{0}b", "\u{10FFFF}", "\u{FFFD} literal",
                  "👩‍👩‍👧‍👦 family", "ẞ", "0123456789abcdef", "Ω≈ç√∫"]
    var csv = Array(header.utf8)
    var json: [UInt8] = []
    for (i, v) in values.enumerated() {
        csv += csvRow(i, event: Array(v.utf8))
        json += jsonRow(i + 100, event: Array(v.utf8))
    }
    writeBytes(dir + "/u.csv", csv)
    writeBytes(dir + "/u.ndjson", json)
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/u.csv", dir + "/u.ndjson"], options: opts())
    #expect(s.rowsLoaded == 2 * values.count)
    let got = try readRows(table).map { $0[1] }
    #expect(got == values + values)
    #expect(got.map { Array($0.utf8) } == (values + values).map { Array($0.utf8) })
}

@Test func invalidUTF8ReplaceLoadsReplacementCharacters() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    var csv = Array(header.utf8)
    var expected: [String] = []
    for (i, (_, value, _, _)) in badValues.enumerated() {
        csv += csvRow(2 * i, event: value)
        csv += csvRow(2 * i + 1, event: value)  // the same bad value again
        expected += [String(decoding: value, as: UTF8.self), String(decoding: value, as: UTF8.self)]
    }
    csv += csvRow(50, event: Array("plain".utf8))
    expected.append("plain")
    writeBytes(dir + "/r.csv", csv)
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [dir + "/r.csv"], options: opts { $0.invalidUTF8 = .replace })
    #expect(s.rowsRejected == 0)
    let got = try readRows(table).map { $0[1] }
    #expect(got == expected)
    #expect(got[0] == "a\u{FFFD}b")
    #expect(got[2] == "/\u{FFFD}\u{FFFD}")
    #expect(got[8] == "caf\u{FFFD}")
    // what is stored is valid UTF-8 (U+FFFD itself), not the original bytes
    let snap = try table.snapshot()
    defer { snap.close() }
    for seg in snap.segments {
        let col = try snap.reader(seg).readColumn(1)
        guard case .string(_, let dict) = col.data else { Issue.record("not a string column"); continue }
        for k in 0..<dict.count {
            let bytes = Array(dict[k].utf8)
            #expect(bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0.baseAddress, $0.count) })
        }
    }
}

@Test func outOfRangeNumbersAreBadRows() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let path = dir + "/n.csv"
    writeFile(path, header
        + "2024-05-01 10:00:00,a,1,10,1.5,true\n"
        + "2024-05-01 10:00:01,b,2,20,1e400,true\n"
        + "2024-05-01 10:00:02,c,3,30,-1e400,true\n"
        + "2024-05-01 10:00:03,d,4,99999999999999999999,1,true\n"
        + "2024-05-01 10:00:04,e,5,50,inf,true\n"
        + "2024-05-01 10:00:05,f,6,60,-Infinity,true\n"
        + "2024-05-01 10:00:06,g,7,70,nan,true\n"
        + "2024-05-01 10:00:07,h,8,80,1.7976931348623157e308,true\n"
        + "2024-05-01 10:00:08,i,9,90,1e-400,true\n")
    var e = ingestError(store, "clicks", [path], opts())
    #expect(e?.description == "\(path):3: column revenue: value out of range for DOUBLE '1e400'")
    let rejects = dir + "/rej.csv"
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts {
        $0.maxErrors = 10
        $0.rejectsPath = rejects
    })
    #expect(s.rowsRejected == 3)
    let rej = try String(contentsOfFile: rejects, encoding: .utf8)
    #expect(rej.contains("\(path),4,revenue,value out of range for DOUBLE '-1e400',"))
    #expect(rej.contains("\(path),5,n,value out of range for BIGINT '99999999999999999999',"))
    #expect(try readRows(table).map { $0[4] } == ["1.5", "inf", "-inf", "nan", "1.7976931348623157e+308", "0.0"])
    // NDJSON numbers too
    let j = dir + "/n.ndjson"
    writeFile(j, "{\"ts\":\"2024-05-01 10:00:00\",\"revenue\":2.5}\n{\"ts\":\"2024-05-01 10:00:00\",\"revenue\":-1E400}\n")
    e = ingestError(store, "clicks", [j], opts())
    #expect(e?.description == "\(j):2: column revenue: value out of range for DOUBLE '-1E400'")
    writeFile(j, "{\"ts\":\"2024-05-01 10:00:00\",\"n\":99999999999999999999}\n")
    e = ingestError(store, "clicks", [j], opts())
    #expect(e?.description == "\(j):1: column n: value out of range for BIGINT '99999999999999999999'")
}

/// Property: over many seeds, random byte strings (valid and not, repeated so values hit the
/// dictionary again) load exactly when they are valid UTF-8, with the right line and column;
/// each load checks the accepted values byte for byte.
@Test func randomStringsLoadExactlyWhenValidUTF8() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var totalGood = 0, totalBad = 0
    for seed in 1...40 as ClosedRange<UInt64> {
        var g = SplitMix64(seed: seed)
        let store = try Store(root: dir + "/store\(seed)")
        let table = try makeTable(store)
        var pool: [[UInt8]] = []
        for _ in 0..<30 { pool.append(randomBytes(&g)) }
        let ndjson = seed % 2 == 0
        var text = ndjson ? [] : Array(header.utf8)
        var line = ndjson ? 1 : 2
        var good: [[UInt8]] = []
        var badLines: [Int] = []
        for i in 0..<200 {
            var v = pool[Int(g.next() % UInt64(pool.count))]
            if ndjson {
                v.removeAll { $0 < 0x20 }  // raw controls are not JSON: keep those out
                text += jsonRow(i, event: v)
            } else {
                text += csvRow(i, event: v)
            }
            if String(validating: v, as: UTF8.self) != nil { good.append(v) } else { badLines.append(line) }
            line += ndjson ? 1 : 1 + v.filter { $0 == 0x0A }.count
        }
        let path = dir + "/p\(seed)." + (ndjson ? "ndjson" : "csv")
        writeBytes(path, text)
        let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts {
            $0.maxErrors = 1000
            $0.blockSize = 512 + Int(seed) * 37
        })
        #expect(s.rowsLoaded == good.count, "seed \(seed)")
        let got = try readRows(table).map { Array($0[1].utf8) }
        #expect(got == good, "seed \(seed)")
        let e = ingestError(store, "clicks", [path], opts { $0.maxErrors = badLines.count - 1; $0.force = true })
        if badLines.isEmpty {
            #expect(e?.description.hasPrefix("--max-errors") == true)
        } else {
            #expect(e?.rowErrors.map(\.line) == badLines, "seed \(seed)")
            #expect(e?.rowErrors.allSatisfy { $0.column == "event" && $0.reason.hasPrefix("invalid UTF-8 at byte") } == true)
        }
        totalGood += good.count
        totalBad += badLines.count
    }
    #expect(totalGood > 1000 && totalBad > 1000)
}

/// Random byte strings, about half of them valid UTF-8.
private func randomBytes(_ g: inout SplitMix64) -> [UInt8] {
    var b: [UInt8] = []
    for _ in 0..<Int(g.next() % 6) {
        switch g.next() % 8 {
        case 0, 1, 2:
            for _ in 0..<Int(1 + g.next() % 10) { b.append(UInt8(0x20 + g.next() % 95)) }
        case 3, 4:
            if let u = Unicode.Scalar(UInt32(g.next() % 0x110000)) { b += Array(String(Character(u)).utf8) }
        case 5:
            b.append([0xC0, 0xC1, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0x80, 0xBF, 0xFF][Int(g.next() % 10)])
            for _ in 0..<Int(g.next() % 3) { b.append(UInt8(0x80 + g.next() % 64)) }
        case 6:
            b.append([0x0A, 0x0D, 0x22, 0x2C, 0x5C, 0x00][Int(g.next() % 6)])
        default:
            if g.next() % 4 == 0 { b.append(UInt8(g.next() & 0xFF)) }
        }
    }
    return b
}

@Test func invalidUTF8RowsAreTakenBackFromEveryColumn() throws {
    // the bad row is found only when its string is interned, after the other columns (and the
    // hex-id fast path of another string column) took its values: all must drop it
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let def = TableDefinition(name: "t", columns: [
        ColumnSchema(name: "ts", type: .timestamp),
        ColumnSchema(name: "id", type: .varchar),
        ColumnSchema(name: "name", type: .varchar),
        ColumnSchema(name: "n", type: .bigint),
        ColumnSchema(name: "x", type: .double),
        ColumnSchema(name: "b", type: .boolean),
    ], timeColumn: "ts", granularity: .day, sortKey: ["n"])
    var table = try store.createTable(def)
    var text = Array("ts,id,name,n,x,b\n".utf8)
    var expected: [[String]] = []
    for i in 0..<5000 {
        let id = String(format: "%016x", i * 7919)
        let bad = i % 97 == 5
        let name: [UInt8] = bad ? Array("n\(i)".utf8) + [0xFF] : Array("n\(i % 50)".utf8)
        let x = i % 3 == 0 ? "" : "\(i).5"
        let b = i % 4 == 0 ? "" : (i % 2 == 0 ? "true" : "false")
        text += Array("2024-05-01 10:00:00,\(id),".utf8) + name + Array(",\(i),\(x),\(b)\n".utf8)
        if !bad {
            expected.append(["2024-05-01 10:00:00", id, "n\(i % 50)", "\(i)", x.isEmpty ? "NULL" : "\(i).5",
                             b.isEmpty ? "NULL" : b])
        }
    }
    writeBytes(dir + "/t.csv", text)
    // small blocks (many short pieces), and one thread with the default block (pending string
    // batches fill up and are interned in the middle of a piece)
    for (threads, block) in [(2, 4096), (1, 16 << 20), (2, 16 << 20)] {
        let s = try Ingestor.ingest(store: store, table: "t", files: [dir + "/t.csv"], options: opts {
            $0.maxErrors = 1000
            $0.blockSize = block
            $0.threads = threads
            $0.force = true
        })
        #expect(s.rowsRejected == 5000 / 97 + 1)
        #expect(s.rowsLoaded == expected.count)
        #expect(try readRows(table) == expected, "threads \(threads), block \(block)")
        try store.dropTable("t")
        table = try store.createTable(def)
    }
}

@Test func loneCRCSVIsRefusedAndCRLFStillWorks() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    let mac = dir + "/mac.csv"
    writeFile(mac, "ts,event,profile_id,n,revenue,ok\r2024-05-01 10:00:00,a,1,10,1.5,true\r2024-05-01 11:00:00,b,2,20,2.5,false\r")
    let e = ingestError(store, "clicks", [mac], opts())
    #expect(e?.description == "\(mac):1: lone CR (\\r) line endings are not supported: convert with tr '\\r' '\\n'")
    #expect(e?.kind == .user)
    // headerless, and a file creating its table: refused the same way, nothing created
    #expect(ingestError(store, "clicks", [mac], opts { $0.header = false })?.description.hasSuffix("lone CR (\\r) line endings are not supported: convert with tr '\\r' '\\n'") == true)
    #expect(ingestError(store, "fresh", [mac], opts())?.kind == .user)
    #expect(!store.tableExists("fresh"))
    #expect(try readRows(table).isEmpty)

    // CRLF, with CR and CRLF inside quoted fields, loads as before
    let crlf = dir + "/win.csv"
    writeFile(crlf, "ts,event,profile_id,n,revenue,ok\r\n2024-05-01 10:00:00,\"a\rb\",1,10,1.5,true\r\n"
        + "2024-05-01 11:00:00,\"c\r\nd\",2,20,2.5,false\r\n\r\n2024-05-01 12:00:00,e,3,30,3.5,true")
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [crlf], options: opts())
    #expect(s.rowsLoaded == 3)
    #expect(try readRows(table).map { $0[1] } == ["a\rb", "c\r\nd", "e"])
}
