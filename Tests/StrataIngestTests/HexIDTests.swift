import Foundation
import Testing
import StrataCore
import StrataFormat
import StrataStore
import StrataText
@testable import StrataIngest

private func hex16(_ w: UInt64) -> String {
    let s = String(w, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

private func parse(_ s: String) -> UInt64? {
    let b = Array(s.utf8)
    precondition(b.count == 16)
    return b.withUnsafeBufferPointer { HexID.parse16($0.baseAddress!) }
}

@Test func hexIDParseAndFormat() {
    #expect(parse("0000000000000000") == 0)
    #expect(parse("ffffffffffffffff") == UInt64.max)
    #expect(parse("4a5027d5a717cb33") == 0x4a50_27d5_a717_cb33)
    for bad in ["4A5027d5a717cb33", "4a5027d5a717cb3G", "4a5027d5a717cb3 ", "g000000000000000", "000000000000000/",
                "00000000000000:0", "0000000`00000000", "000000000000000F"] {
        #expect(parse(bad) == nil, "\(bad)")
    }
    var rng = SplitMix(seed: 7)
    var out = [UInt8](repeating: 0, count: 16)
    for _ in 0..<2000 {
        let w = rng.next() >> (rng.next() % 64)
        out.withUnsafeMutableBufferPointer { HexID.format16(w, into: $0.baseAddress!) }
        #expect(String(decoding: out, as: UTF8.self) == hex16(w))
        #expect(parse(hex16(w)) == w)
    }
}

@Test func hexIDRadixSortMatchesSort() {
    for seed in 0..<40 {
        var rng = SplitMix(seed: UInt64(seed))
        let n = Int(rng.next() % 5000)
        let shape = seed % 4
        var keys: [UInt64] = (0..<n).map { _ in
            switch shape {
            case 0: return rng.next()                              // uniform
            case 1: return 0x1234_5678_0000_0000 | rng.next() % 1000  // common prefix
            case 2: return rng.next() % 7                           // few distinct
            default: return rng.next() >> (rng.next() % 64)         // mixed widths
            }
        }
        var tags = (0..<n).map { UInt32($0) }
        let expected = zip(keys, tags).sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        RadixSort.sort(&keys, &tags)
        #expect(keys == expected.map(\.0), "seed \(seed)")
        #expect(tags == expected.map(\.1), "seed \(seed): stable")
    }
}

/// Random id-column values: lowercase hex ids (repeated), uppercase, wrong lengths, other
/// text, empty strings and NULLs (nil), in proportions set by `mix`.
private func randomID(_ rng: inout SplitMix, pool: [UInt64], mix: Int) -> String? {
    let r = Int(rng.next() % 1000)
    if r < mix {
        switch rng.next() % 6 {
        case 0: return nil
        case 1: return ""
        case 2: return hex16(pool[Int(rng.next() % UInt64(pool.count))]).uppercased()
        case 3: return String(hex16(rng.next()).dropLast())
        case 4: return hex16(rng.next()) + "0"
        default: return "zz" + String(hex16(rng.next()).dropFirst(2))
        }
    }
    return hex16(pool[Int(rng.next() % UInt64(pool.count))])
}

@Test func hexBuilderMergeRoundTripsExactly() {
    for seed in 0..<60 {
        var rng = SplitMix(seed: UInt64(seed) &* 31 &+ 5)
        let pool = (0..<(1 + Int(rng.next() % 300))).map { _ in rng.next() >> (rng.next() % 3 == 0 ? 40 : 0) }
        // mixing rate per seed: none, rare (late fallback), or frequent
        let mix = [0, 0, 1, 30, 300][seed % 5]
        let workers = 1 + Int(rng.next() % 3)
        var builders = (0..<workers).map { _ in ColumnBuilder(physical: .string) }
        var runs: [(worker: Int, lo: Int, hi: Int)] = []
        var expected: [String?] = []
        for _ in 0..<(1 + Int(rng.next() % 12)) {
            let w = Int(rng.next() % UInt64(workers))
            let lo = builders[w].count
            for _ in 0..<Int(rng.next() % 200) {
                let v = randomID(&rng, pool: pool, mix: mix)
                expected.append(v)
                if let v {
                    let b = Array(v.utf8)
                    b.withUnsafeBufferPointer { builders[w].appendString($0.baseAddress, $0.count) }
                } else {
                    builders[w].appendNull()
                }
            }
            if builders[w].count > lo { runs.append((w, lo, builders[w].count)) }
        }
        guard !runs.isEmpty else { continue }
        let col = mergeColumn(builders, runs: runs)
        guard case .string(let codes, let dict) = col.data else {
            Issue.record("not a string column")
            continue
        }
        #expect(codes.count == expected.count)
        let got: [String?] = (0..<col.count).map { col.isNull($0) ? nil : dict[Int(codes[$0])] }
        #expect(got == expected, "seed \(seed)")
        if mix == 0 {
            // pure hex: dictionary already byte-wise sorted, every entry distinct
            #expect((1..<max(1, dict.count)).allSatisfy { dict.compare($0 - 1, $0) < 0 }, "seed \(seed)")
        }
    }
}

@Test func hexIDColumnsIngestAndRoundTrip() throws {
    for seed in 0..<16 {
        var rng = SplitMix(seed: UInt64(seed) &+ 1000)
        let dir = tempDir("hex")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(root: dir + "/store")
        let pool = (0..<(1 + Int(rng.next() % 500))).map { _ in rng.next() }
        let mix = [0, 0, 2, 200][seed % 4]
        let rows = 300 + Int(rng.next() % 700)
        // a non-hex value only near the end, so earlier flushes/pieces stay in hex mode
        let lateBad = seed % 4 == 1 ? rows - 3 : -1
        var body = "ts,visitor_id,profile_id\n"
        var expected: [[String]] = []
        for i in 0..<rows {
            let micros = Civil.daysFromCivil(2024, 3, 1 + Int64(rng.next() % 3)) * 86_400_000_000 + Int64(rng.next() % 86_400_000_000)
            let ts = Civil.formatTimestamp(micros)
            var v = randomID(&rng, pool: pool, mix: mix)
            if i == lateBad { v = "Not-Hex" }
            let cell = v.map { $0.isEmpty ? "\"\"" : $0 } ?? ""
            body += "\(ts),\(cell),\(i % 7)\n"
            expected.append([ts, v ?? "NULL", String(i % 7)])
        }
        let path = dir + "/ids.csv"
        writeFile(path, body)
        var results: [[[String]]] = []
        for threads in [1, 2, 3] {
            let name = "t\(threads)"
            let def = TableDefinition(name: name, columns: [
                ColumnSchema(name: "ts", type: .timestamp),
                ColumnSchema(name: "visitor_id", type: .varchar),
                ColumnSchema(name: "profile_id", type: .integer),
            ], timeColumn: "ts", granularity: .day, sortKey: ["profile_id", "visitor_id", "ts"])
            let t = try store.createTable(def)
            let s = try Ingestor.ingest(store: store, table: name, files: [path], options: opts {
                $0.threads = threads
                $0.blockSize = 900 + seed * 131
                $0.flushRows = 100 + seed * 17
                $0.emptyAsNull = true
            })
            #expect(s.rowsLoaded == rows)
            let got = try readRows(t)
            results.append(got)
            // rows within each segment follow the sort key (visitor_id byte-wise, NULL first)
            let snap = try t.snapshot()
            var at = 0
            for seg in snap.segments {
                let part = got[at..<(at + seg.rows)]
                at += seg.rows
                for (a, b) in zip(part, part.dropFirst()) {
                    let pa = Int(a[2])!, pb = Int(b[2])!
                    if pa != pb { #expect(pa < pb); continue }
                    let na = a[1] == "NULL", nb = b[1] == "NULL"
                    if na != nb { #expect(na); continue }
                    if !na { #expect(compareBytes(Array(a[1].utf8), Array(b[1].utf8)) <= 0) }
                }
            }
            snap.close()
        }
        // emptyAsNull: unquoted empty cells are NULL, quoted ones empty strings
        let want = expected
        #expect(results[0] == results[1], "seed \(seed)")
        #expect(results[0] == results[2], "seed \(seed)")
        #expect(results[0].sorted { $0.lexicographicallyPrecedes($1) } == want.sorted { $0.lexicographicallyPrecedes($1) }, "seed \(seed)")
    }
}

private func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in StrataCore.compareBytes(x, y) } }
}

/// String cells are appended in column batches after their rows are parsed: unescaped CSV
/// fields and JSON strings with escapes (held in parse arenas across many rows, with arena
/// blocks filling up and being retired) must come out exactly, across batch boundaries.
@Test func batchedStringAppendKeepsEscapedValues() throws {
    for (seed, json) in [(1, false), (2, true), (3, false), (4, true)] {
        var rng = SplitMix(seed: UInt64(seed) &+ 99)
        let dir = tempDir("batch")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(root: dir + "/store")
        let table = try makeTable(store)
        var body = json ? "" : "ts,event,profile_id,n,revenue,ok\n"
        var expected: [[String]] = []
        let rows = 7000 + Int(rng.next() % 3000)
        for i in 0..<rows {
            let ts = Civil.formatTimestamp(Civil.daysFromCivil(2024, 5, 1) * 86_400_000_000 + Int64(i) * 1_000_000)
            let len = Int(rng.next() % 400)
            let word = String(repeating: "ab\"c ", count: len / 5 + 1) + String(i) + (i % 3 == 0 ? "\\é" : "")
            let event: String? = rng.next() % 10 == 0 ? nil : (rng.next() % 4 == 0 ? "e\(rng.next() % 5)" : word)
            if json {
                let v = event.map { e in "\"" + e.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" } ?? "null"
                body += "{\"ts\":\"\(ts)\",\"event\":\(v),\"profile_id\":\(i % 5),\"n\":\(i),\"revenue\":1.5,\"ok\":true}\n"
            } else {
                let v = event.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" } ?? ""
                body += "\(ts),\(v),\(i % 5),\(i),1.5,true\n"
            }
            expected.append([ts, event ?? "NULL", String(i % 5), String(i), "1.5", "true"])
        }
        let path = dir + (json ? "/b.ndjson" : "/b.csv")
        writeFile(path, body)
        let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts {
            $0.threads = 1 + seed % 2
            $0.emptyAsNull = true
            $0.blockSize = 8 << 20
        })
        #expect(s.rowsLoaded == rows)
        let got = try readRows(table)
        #expect(got.sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) }, "seed \(seed)")
    }
}

/// The interner gives equal strings one code and different ones (including strings that
/// differ only in an overlapping tail word, or only in length) different codes, through
/// table growth; `bytesEqual` agrees with array equality.
@Test func internerAndBytesEqual() {
    for seed in 0..<20 {
        var rng = SplitMix(seed: UInt64(seed) &+ 4242)
        var interner = ByteInterner(capacity: 4)
        var codes: [[UInt8]: UInt32] = [:]
        let base = (0..<40).map { _ in UInt8(97 + rng.next() % 3) }
        for _ in 0..<3000 {
            let n = Int(rng.next() % 41)
            var v = Array(base[0..<n])
            if n > 0 && rng.next() % 2 == 0 { v[Int(rng.next() % UInt64(n))] = UInt8(97 + rng.next() % 3) }
            let c = v.withUnsafeBufferPointer { interner.intern($0.baseAddress, $0.count) }
            if let old = codes[v] { #expect(c == old, "seed \(seed)") } else {
                #expect(Int(c) == codes.count, "seed \(seed): new code")
                codes[v] = c
            }
            let w = (0..<n).map { _ in UInt8(97 + rng.next() % 2) }
            let eq = v.withUnsafeBufferPointer { a in w.withUnsafeBufferPointer { b in bytesEqual(a.baseAddress ?? b.baseAddress ?? UnsafePointer(bitPattern: 1)!, b.baseAddress ?? UnsafePointer(bitPattern: 1)!, n) } }
            #expect(eq == (v == w))
        }
        #expect(interner.count == codes.count)
        let dict = interner.dictionary()
        for (v, c) in codes { #expect(dict.withEntry(Int(c)) { Array($0) } == v) }
    }
}
