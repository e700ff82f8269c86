import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
import StrataStore
import StrataText
@testable import StrataQuery
@testable import StrataCLI
@testable import StrataGen

// csv, tsv, json and ndjson output is rendered straight from typed columns
// (`ResultSet.renderText`, the only renderer of these formats); it must be byte for byte the
// text of the cell-by-cell oracle over the boxed values (`ValueRenderingOracle`).

/// The click generator's SplitMix64 (seeded, deterministic), named for these tests.
typealias RenderRNG = SplitMix64

extension SplitMix64 {
    init(_ seed: UInt64) { self.init(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 7) }
    mutating func int(_ n: Int) -> Int { below(n) }
}

enum RenderFixture {
    /// String pieces: plain, needing quotes or escapes, non-ASCII, and not valid UTF-8
    /// (a lone byte, a truncated sequence, a surrogate, an overlong form, beyond U+10FFFF).
    static let pieces: [[UInt8]] = [
        Array("plain".utf8), Array("a,b".utf8), Array("q\"uote".utf8), Array("new\nline".utf8), Array("cr\rx".utf8),
        Array("tab\tx".utf8), Array("back\\slash".utf8), [0x01], [0x1F], [0x7F], Array("café".utf8), Array("日本".utf8),
        Array("emoji 😀".utf8), [], Array(" ".utf8), Array("-".utf8), Array(":".utf8), Array("2024-03-01".utf8),
        Array("https://example.com/x?a=1&b=2".utf8), Array("\"\"".utf8),
        [0xFF], [0x62, 0xE9, 0x74], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0x80],
    ]
    static let invalidPieces = 7

    static func bytes(_ rng: inout RenderRNG) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<(1 + rng.int(3)) { out += rng.pick(pieces) }
        return out
    }

    static let names = ["a", "b,c", "q\"uote", "new\nline", "é", "tab\tname", "back\\slash", "ctl\u{01}", "del\u{7F}",
                        "x", "日付", "\"\u{301}", "sp ace"]

    static let doubles: [Double] = [0, -0.0, 1, -1, 0.1, 1.0 / 3, 2.5, -2.5, 1e-5, 1e-300, -1e300, 5e-324,
                                    .greatestFiniteMagnitude, 9.5e15, -9_007_199_254_740_994, 1e16, 123_456.789,
                                    .infinity, -.infinity, .nan, -.nan, Double(bitPattern: 0x7FF0_0000_0000_0001)]

    enum Kind: CaseIterable {
        case bigint, double, boolean, date, timestamp, interval, null, dictSmall, dictLarge, dictHuge, hex, strs
    }

    /// A random vector of `kind`: sometimes constant, sometimes with NULLs.
    static func vec(_ kind: Kind, rows n: Int, rng: inout RenderRNG) -> Vec {
        let nullRate = rng.pick([0.0, 0.0, 0.2, 0.9])
        let constant = rng.chance(0.15)
        let len = constant ? 1 : n
        let type: DataType
        switch kind {
        case .bigint: type = .bigint
        case .double: type = .double
        case .boolean: type = .boolean
        case .date: type = .date
        case .timestamp: type = .timestamp
        case .interval: type = .interval
        case .null: type = .null
        case .dictSmall, .dictLarge, .dictHuge, .hex, .strs: type = .varchar
        }
        let v = Vec(type: type, count: n)
        v.isConst = constant
        switch kind {
        case .bigint:
            v.ints = (0..<len).map { _ in
                rng.pick([0, -1, 42, .min, .max, Int64(bitPattern: rng.next()), Int64(rng.int(1000)) - 500])
            }
        case .double:
            // few distinct values (the formatted-double cache hits) or any bit pattern
            let wide = rng.chance(0.5)
            v.dbls = (0..<len).map { _ in
                wide && rng.chance(0.7) ? Double(bitPattern: rng.next()) : rng.pick(doubles)
            }
        case .boolean:
            v.ints = (0..<len).map { _ in rng.pick([0, 1, 1, 2]) }
        case .date:
            let pool = (0..<(1 + rng.int(20))).map { _ in Int64(rng.int(4_000_000)) - 1_000_000 }
            v.ints = (0..<len).map { _ in rng.chance(0.5) ? rng.pick(pool) : Int64(rng.int(4_000_000)) - 1_000_000 }
        case .timestamp:
            let pool = (0..<(1 + rng.int(20))).map { _ in Int64(bitPattern: rng.next()) >> 8 }
            v.ints = (0..<len).map { _ in
                switch rng.int(4) {
                case 0: return rng.pick(pool)
                case 1: return Int64(rng.int(1 << 30)) * 1_000_000 + Int64(rng.pick([0, 500_000, 123, 1]))
                case 2: return Int64(bitPattern: rng.next()) >> 2
                default: return -Int64(rng.int(1 << 40))
                }
            }
        case .interval:
            v.ints = (0..<len).map { _ in Int64(rng.int(1 << 40)) - (1 << 39) }
        case .null:
            v.ints = [Int64](repeating: 0, count: len)
            v.valid = [UInt8](repeating: 0, count: len)
            return v
        case .dictSmall, .dictLarge, .dictHuge:
            // small: fewer entries than rows; large: more (both rendered ahead, the entries in
            // use once each); huge: too many to render ahead (cells render one by one)
            let entries: Int
            switch kind {
            case .dictSmall: entries = 1 + rng.int(max(1, n / 4))
            case .dictLarge: entries = n + 1 + rng.int(50)
            default: entries = 4 * n + 4097 + rng.int(50)
            }
            var d = StringDictionary()
            for _ in 0..<entries { bytes(&rng).withUnsafeBufferPointer { d.append($0) } }
            v.dict = DictRef(d)
            v.ints = (0..<len).map { _ in Int64(rng.int(entries)) }
        case .hex:
            let words = (0..<(1 + rng.int(40))).map { _ in Int64(bitPattern: rng.next()) }
            v.dict = DictRef(hexWords: words)
            v.ints = (0..<len).map { _ in Int64(rng.int(words.count)) }
        case .strs:
            v.strs = (0..<len).map { _ in String(decoding: bytes(&rng), as: UTF8.self) }
        }
        if nullRate > 0 {
            let valid = (0..<len).map { _ in rng.chance(nullRate) ? UInt8(0) : 1 }
            if valid.contains(0) { v.valid = valid }
        }
        return v
    }

    /// A random typed result: every kind of column at least once, in random order.
    static func result(seed: UInt64) -> ResultSet {
        var rng = RenderRNG(seed)
        let n = rng.pick([0, 1, 2, 3, 17, 100, 257, 600, 1000])
        var kinds = Kind.allCases
        for _ in 0..<rng.int(6) { kinds.append(rng.pick(Kind.allCases)) }
        for i in stride(from: kinds.count - 1, to: 0, by: -1) { kinds.swapAt(i, rng.int(i + 1)) }
        var cols = kinds.map { vec($0, rows: n, rng: &rng) }
        // a column sharing another's dictionary (its entries are rendered once for both)
        if let d = cols.lazy.compactMap(\.dict).first(where: { $0.hexWords == nil }), rng.chance(0.8) {
            let v = Vec(type: .varchar, count: n)
            v.dict = d
            v.ints = (0..<n).map { _ in Int64(rng.int(d.count)) }
            if rng.chance(0.5) { v.valid = (0..<n).map { _ in rng.chance(0.3) ? 0 : 1 } }
            cols.insert(v, at: rng.int(cols.count + 1))
        }
        let labels = cols.indices.map { i in rng.pick(RenderFixture.names) + (rng.chance(0.5) ? "\(i)" : "") }
        return ResultSet(Relation(names: labels, types: cols.map(\.type), columns: cols, count: n))
    }

    static let formats: [OutputFormat] = [.csv, .tsv, .json, .ndjson]

    /// Where two byte strings first differ, with some context (for failure messages).
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        func around(_ x: [UInt8]) -> String {
            String(decoding: x[max(0, k - 40)..<min(x.count, k + 40)], as: UTF8.self).debugDescription
        }
        return "lengths \(a.count) vs \(b.count), first difference at byte \(k): \(around(a)) vs \(around(b))"
    }

    /// Checks every text format of `r` (typed) against the value rendering of its columns.
    static func checkAgainstValues(_ r: ResultSet, _ label: String) {
        #expect(r.hasTypedColumns)
        let values = ResultSet(names: r.names, types: r.types, columns: r.columns)
        #expect(!values.hasTypedColumns)
        for f in formats {
            let expected = Array(ValueRenderingOracle.render(values, format: f).utf8)
            for threads in [1, 2, 3] {
                let chunks = r.renderText(Output.layout(f)!, threads: threads, minParallelRows: 1)
                #expect(chunks.count == (threads == 1 || r.rowCount < 2 ? 1 : min(threads, r.rowCount)))
                let got = ByteChunk.joined(chunks).bytes
                let same = got == expected
                #expect(same, "\(label) \(f) threads \(threads): \(firstDifference(got, expected))")
            }
            // the CLI entry points agree, and so does a result that holds only the values
            #expect(ByteChunk.joined(Output.renderBytes(r, format: f)).bytes == expected, "\(label) \(f) renderBytes")
            #expect(Array(Output.render(r, format: f).utf8) == expected, "\(label) \(f) render")
            let fromValues = ByteChunk.joined(Output.renderBytes(values, format: f)).bytes
            #expect(fromValues == expected, "\(label) \(f) from values: \(firstDifference(fromValues, expected))")
        }
        #expect(Output.render(r, format: .table) == Output.render(values, format: .table), "\(label) table")
    }
}

@Test(arguments: 1...64)
func typedRenderingMatchesValueRendering(seed: UInt64) {
    RenderFixture.checkAgainstValues(RenderFixture.result(seed: seed), "seed \(seed)")
}

/// The generated results do hold what the renderer has to get right (so the comparison above
/// is not vacuous).
@Test func typedRenderingFixturesCoverTheCases() {
    var nulls = 0, quoted = 0, escaped = 0, repaired = 0, nonFinite = 0, rows = 0
    for seed in 1...12 {
        let r = RenderFixture.result(seed: UInt64(seed))
        rows += r.rowCount
        for col in r.columns {
            for v in col {
                switch v {
                case .null: nulls += 1
                case .string(let s):
                    if s.contains(",") || s.contains("\"") || s.contains("\n") { quoted += 1 }
                    if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" }) { escaped += 1 }
                    if s.contains("\u{FFFD}") { repaired += 1 }
                case .double(let d): if !d.isFinite { nonFinite += 1 }
                default: break
                }
            }
        }
    }
    #expect(rows > 1000)
    #expect(nulls > 100)
    #expect(quoted > 100)
    #expect(escaped > 100)
    #expect(repaired > 50)
    #expect(nonFinite > 10)
}

@Test func typedResultSetColumns() {
    let r = RenderFixture.result(seed: 99)
    guard let rel = r.relation else { Issue.record("no typed columns"); return }
    #expect(r.rowCount == rel.count)
    let cols = r.columns
    #expect(cols.count == rel.columns.count)
    // NaN is not equal to itself: compare doubles by bits
    func same(_ a: [Value], _ b: [Value]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            if case .double(let p) = x, case .double(let q) = y { return p.bitPattern == q.bitPattern }
            return x == y
        }
    }
    for (c, v) in rel.columns.enumerated() { #expect(same(cols[c], v.values(rel.count)), "column \(c)") }
    if r.rowCount > 0 { #expect(same(r.row(r.rowCount - 1), cols.map { $0[r.rowCount - 1] })) }
    // assigning the values drops the typed columns; the text stays the same
    var s = r
    s.columns = cols
    #expect(!s.hasTypedColumns && r.hasTypedColumns)
    #expect(ByteChunk.joined(s.renderText(.json)).bytes == ByteChunk.joined(r.renderText(.json)).bytes)
    #expect(Output.render(s, format: .json) == Output.render(r, format: .json))
    // renaming keeps the typed columns and renders the new names
    var t = r
    t.names = t.names.map { $0 + "_x" }
    #expect(t.hasTypedColumns)
    #expect(Output.render(t, format: .csv) == ValueRenderingOracle.render(ResultSet(names: t.names, types: t.types, columns: cols), format: .csv))
    // appending a column (as the report chart does) goes through the values
    var u = r
    u.names.append("extra")
    u.types.append(.varchar)
    u.columns.append([Value](repeating: .string("a,b"), count: r.rowCount))
    #expect(!u.hasTypedColumns)
    #expect(u.columns.count == cols.count + 1 && u.rowCount == r.rowCount)
    for f in RenderFixture.formats {
        #expect(Output.render(u, format: f) == ValueRenderingOracle.render(u, format: f), "\(f) with an appended column")
    }
}

@Test func utf8ValidationMatchesStringDecoding() {
    var rng = RenderRNG(5)
    let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
                                0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
    var valid = 0, invalid = 0
    for _ in 0..<50_000 {
        let n = rng.int(7)
        let b = (0..<n).map { _ in rng.chance(0.8) ? rng.pick(interesting) : UInt8(truncatingIfNeeded: rng.next()) }
        let expected = Array(String(decoding: b, as: UTF8.self).utf8) == b
        let got = b.withUnsafeBufferPointer { p in p.count == 0 || TextRenderer.isValidUTF8(p.baseAddress!, p.count) }
        #expect(got == expected, "\(b.map { String($0, radix: 16) })")
        if expected { valid += 1 } else { invalid += 1 }
    }
    #expect(valid > 5_000 && invalid > 5_000)
}

/// Results of real queries (segment dictionaries, hex-id dictionaries, the query's interner
/// after UNION ALL, computed strings, aggregates, window functions) over strings that need
/// quoting, escaping and UTF-8 repair.
@Test func typedRenderingMatchesValueRenderingOnQueries() throws {
    let dir = TestScratch.root + "strata-render-\(UInt64.random(in: 0...UInt64.max))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir)
    let engine = try QueryEngine(store: store, threads: 2)
    _ = try engine.execute("CREATE TABLE w (ts TIMESTAMP, s VARCHAR, t VARCHAR, v VARCHAR, n BIGINT, x DOUBLE, b BOOLEAN) PARTITION BY day(ts) ORDER BY (ts)")
    var rng = RenderRNG(11)
    let n = 3_000
    func strings(nulls: Bool = true, _ make: (inout RenderRNG) -> [UInt8]) -> Column {
        var d = StringDictionary()
        var ids: [[UInt8]: UInt32] = [:]
        var codes: [UInt32] = []
        var valid = [UInt8](repeating: 1, count: n)
        for i in 0..<n {
            if nulls && rng.chance(0.1) { valid[i] = 0 }
            let s = make(&rng)
            if let c = ids[s] { codes.append(c) } else {
                ids[s] = UInt32(d.count)
                codes.append(UInt32(d.count))
                s.withUnsafeBufferPointer { d.append($0) }
            }
        }
        return Column(.string(codes: codes, dictionary: d), validity: nulls ? valid : nil)
    }
    let hexIDs = (0..<200).map { _ in Array(String(format: "%016llx", rng.next()).utf8) }
    let cols = [
        Column(.int64((0..<n).map { _ in 1_709_251_200_000_000 + Int64(rng.int(20 * 86_400_000)) * 1_000 })),
        strings { RenderFixture.bytes(&$0) },
        strings { $0.pick(RenderFixture.pieces) },
        strings(nulls: false) { $0.pick(hexIDs) },
        Column(.int64((0..<n).map { _ in Int64(rng.int(2_000_000)) - 1_000_000 }), validity: (0..<n).map { _ in rng.chance(0.1) ? 0 : 1 }),
        Column(.double((0..<n).map { _ in rng.pick(RenderFixture.doubles.filter(\.isFinite)) * Double(rng.int(5)) }),
               validity: (0..<n).map { _ in rng.chance(0.1) ? 0 : 1 }),
        Column(.bool((0..<n).map { _ in UInt8(rng.int(2)) }), validity: (0..<n).map { _ in rng.chance(0.1) ? 0 : 1 }),
    ]
    let t = try store.table("w")
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: try t.definition, columns: cols))
    let queries = [
        "SELECT * FROM w ORDER BY ts",
        "SELECT * FROM w",
        "SELECT s, t, count(*) AS c, sum(x) AS sx, avg(n) AS an, min(ts) AS first FROM w GROUP BY 1, 2 ORDER BY 1, 2",
        "SELECT concat(s, t) AS st, upper(t) AS ut, CAST(ts AS DATE) AS d, b, x / 3 AS x3, -n AS nn, NULL AS nothing FROM w",
        "SELECT v, count(*) AS c, max(s) AS ms FROM w GROUP BY v ORDER BY c DESC, v",
        "SELECT t AS u FROM w UNION ALL SELECT v FROM w UNION ALL SELECT NULL UNION ALL SELECT 'lit,eral'",
        "SELECT ts, t, row_number() OVER (PARTITION BY t ORDER BY ts) AS r, x > 0 AS pos FROM w WHERE n > 0",
        "SELECT date_trunc('day', ts) AS day, count(DISTINCT v) AS users FROM w GROUP BY 1 ORDER BY 1",
        "SELECT INTERVAL '1 day' AS i, ts + INTERVAL '1 day' AS later FROM w LIMIT 5",
        "SELECT s FROM w WHERE 1 = 0",
    ]
    for q in queries {
        guard let r = try engine.execute(q).last?.result else { Issue.record("\(q): no result"); continue }
        RenderFixture.checkAgainstValues(r, q)
    }
    // grouping by the hex ids gives a hex-word dictionary, so that path was taken
    let hex = try engine.execute("SELECT v, count(*) AS c FROM w GROUP BY v").last?.result.relation?.columns.first?.dict?.hexWords
    #expect(hex != nil)
}

/// The formatted-double cache: more distinct values than slots (so slots are shared and
/// replaced), values one bit apart, zeros of both signs, NaN payloads next to infinities.
@Test func doubleCacheMatchesAppendDouble() {
    var rng = RenderRNG(3)
    var pool = RenderFixture.doubles
    for _ in 0..<6_000 {
        let x = Double(bitPattern: rng.next())
        pool += [x, x.nextUp, Double(rng.int(1000)) / 8]
    }
    let cache = DoubleCache()
    defer { cache.free() }
    var scratch: [UInt8] = []
    let n = 100_000
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 26 * n + 32)
    defer { buffer.deallocate() }
    var out = buffer
    var expected: [UInt8] = []
    for _ in 0..<n {
        let x = rng.pick(pool)
        Values.appendDouble(x, to: &expected)
        expected.append(0x2C)
        cache.write(x, scratch: &scratch, to: &out)
        out[0] = 0x2C
        out += 1
    }
    let got = [UInt8](UnsafeBufferPointer(start: buffer, count: out - buffer))
    let same = got == expected
    #expect(same, "\(RenderFixture.firstDifference(got, expected))")
}
