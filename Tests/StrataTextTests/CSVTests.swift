import Foundation
import Testing
@testable import StrataText

// MARK: - Helpers

struct ExpectedField: Equatable, CustomStringConvertible {
    var value: [UInt8]
    var quoted: Bool
    var description: String { (quoted ? "q:" : "") + String(decoding: value, as: UTF8.self).debugDescription }
}

struct ExpectedRow: Equatable, CustomStringConvertible {
    var line: Int
    var fields: [ExpectedField]
    var description: String { "\(line):\(fields)" }
}

struct RefError: Error, Equatable { var message: String }

/// Obviously-correct character-by-character CSV decoder implementing the documented policy
/// (strict quotes, `\n`/`\r\n` row ends, `\r` before EOF ends a row, bare `\r` is data,
/// empty lines skipped).
func referenceDecode(_ b: [UInt8], dialect: CSVDialect = .csv) throws -> [ExpectedRow] {
    enum S { case rowStart, fieldStart, unquoted, quoted, afterQuote }
    let lf: UInt8 = 10, cr: UInt8 = 13, q = dialect.quote, d = dialect.delimiter
    var rows: [ExpectedRow] = []
    var fields: [ExpectedField] = []
    var cur: [UInt8] = []
    var quoted = false
    var line = 1, rowLine = 1, col = 1
    var s = S.rowStart
    var i = 0
    let n = b.count
    func endField() { fields.append(ExpectedField(value: cur, quoted: quoted)); cur = []; quoted = false }
    func endRow() { rows.append(ExpectedRow(line: rowLine, fields: fields)); fields = [] }
    while i < n {
        let c = b[i]
        switch s {
        case .rowStart:
            if c == lf { line += 1; i += 1; continue }
            if c == cr && (i + 1 == n || b[i + 1] == lf) { i += 1; continue }
            rowLine = line; col = 1
            s = .fieldStart
        case .fieldStart:
            if c == q { quoted = true; s = .quoted; i += 1 } else { s = .unquoted }
        case .unquoted:
            if c == d { endField(); col += 1; s = .fieldStart }
            else if c == lf { endField(); endRow(); line += 1; s = .rowStart }
            else if c == cr && (i + 1 == n || b[i + 1] == lf) {
                endField(); endRow(); s = .rowStart
                if i + 1 < n { i += 1; line += 1 }
            } else if c == q { throw RefError(message: "line \(line), column \(col): unexpected quote in unquoted field") }
            else { cur.append(c) }
            i += 1
        case .quoted:
            if c == q { s = .afterQuote } else { if c == lf { line += 1 }; cur.append(c) }
            i += 1
        case .afterQuote:
            if c == q { cur.append(q); s = .quoted }
            else if c == d { endField(); col += 1; s = .fieldStart }
            else if c == lf { endField(); endRow(); line += 1; s = .rowStart }
            else if c == cr && (i + 1 == n || b[i + 1] == lf) {
                endField(); endRow(); s = .rowStart
                if i + 1 < n { i += 1; line += 1 }
            } else { throw RefError(message: "line \(line), column \(col): unexpected character after closing quote") }
            i += 1
        }
    }
    switch s {
    case .rowStart: break
    case .fieldStart, .unquoted, .afterQuote: endField(); endRow()
    case .quoted: throw RefError(message: "unterminated")
    }
    return rows
}

/// Random CSV text plus the rows it encodes (ground truth from the generator).
func randomCSV(_ rng: inout SeededRNG, dialect: CSVDialect) -> ([UInt8], [ExpectedRow]) {
    func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
    let plain: [[UInt8]] = ["a", "b", "Z", "0", "9", " ", "é", "日本", "🙂", "-", "x.y"].map { Array($0.utf8) }
    let special: [[UInt8]] = [[dialect.delimiter], [dialect.quote], [10], [13], [13, 10],
                              [dialect.quote, 10, dialect.quote], [10, dialect.quote], [dialect.quote, 10],
                              Array(",;|\t".utf8)]
    var out: [UInt8] = []
    var rows: [ExpectedRow] = []
    var line = 1
    func emit(_ bytes: [UInt8]) {
        out += bytes
        line += bytes.filter { $0 == 10 }.count
    }
    let rowCount = Int(rng.next() % 40)
    for r in 0..<rowCount {
        while rng.next() % 8 == 0 { emit(pick([[10], [13, 10]])) }  // empty lines
        let rowLine = line
        let fieldCount = Int(rng.next() % 6) + 1
        var fields: [ExpectedField] = []
        for f in 0..<fieldCount {
            var value: [UInt8] = []
            let quoted = rng.next() % 3 == 0
            let len = Int(rng.next() % 9)
            if quoted {
                for _ in 0..<len { value += rng.next() % 3 == 0 ? pick(special) : pick(plain) }
                var enc: [UInt8] = [dialect.quote]
                for c in value { enc.append(c); if c == dialect.quote { enc.append(c) } }
                enc.append(dialect.quote)
                emit(enc)
                fields.append(ExpectedField(value: value, quoted: true))
            } else {
                for j in 0..<len {
                    value += pick(plain)
                    if j < len - 1 && rng.next() % 10 == 0 { value.append(13) }  // bare CR inside
                }
                if fieldCount == 1 && value.isEmpty {
                    // A lone empty unquoted field would be an (ignored) empty line.
                    emit([dialect.quote, dialect.quote])
                    fields.append(ExpectedField(value: [], quoted: true))
                } else {
                    emit(value)
                    fields.append(ExpectedField(value: value, quoted: false))
                }
            }
            if f < fieldCount - 1 { emit([dialect.delimiter]) }
        }
        rows.append(ExpectedRow(line: rowLine, fields: fields))
        if r < rowCount - 1 || rng.next() % 2 == 0 { emit(pick([[10], [13, 10]])) }
    }
    if rowCount > 0 && out.last == 10 && rng.next() % 4 == 0 { emit([10]) }
    return (out, rows)
}

/// Decodes scanned buffers into rows (unescaping doubled quotes).
func decodeRows(_ chunk: UnsafeRawBufferPointer, _ buffers: [CSVRowBuffer], dialect: CSVDialect) -> [ExpectedRow] {
    let scratch = CSVScratch(capacity: 8)
    var rows: [ExpectedRow] = []
    for buf in buffers {
        for row in buf.rows {
            var fields: [ExpectedField] = []
            for f in buf.fields(of: row) {
                let raw = f.bytes(in: chunk)
                let value = f.needsUnescape ? Array(scratch.unescape(raw, quote: dialect.quote)) : Array(raw)
                fields.append(ExpectedField(value: value, quoted: f.isQuoted))
            }
            rows.append(ExpectedRow(line: Int(row.line), fields: fields))
        }
    }
    return rows
}

/// Scans a complete in-memory input with `k` pieces.
func scanAll(_ bytes: [UInt8], dialect: CSVDialect = .csv, k: Int = 1, firstLine: Int = 1) throws -> [ExpectedRow] {
    try bytes.withUnsafeBytes { chunk in
        let split = InputSplitter.split(chunk, into: k, framing: dialect.framing, firstLine: firstLine,
                                        atEndOfInput: true)
        let buffers = (0..<max(1, split.pieces.count)).map { _ in CSVRowBuffer(fieldCapacity: 1, rowCapacity: 1) }
        try CSVScanner.scan(chunk, pieces: split.pieces, dialect: dialect, into: buffers)
        return decodeRows(chunk, buffers, dialect: dialect)
    }
}

func rows(_ text: String, dialect: CSVDialect = .csv, k: Int = 1) throws -> [[String]] {
    try scanAll(Array(text.utf8), dialect: dialect, k: k).map { $0.fields.map { String(decoding: $0.value, as: UTF8.self) } }
}

func lines(_ text: String) throws -> [Int] { try scanAll(Array(text.utf8)).map(\.line) }

func scanError(_ text: String, k: Int = 1) -> String? {
    do { _ = try scanAll(Array(text.utf8), k: k); return nil } catch { return "\(error)" }
}

// MARK: - Edge cases

@Test func basicQuotingEdgeCases() throws {
    #expect(try rows("") == [])
    #expect(try rows("a,b,c") == [["a", "b", "c"]])
    #expect(try rows("a,b,c\n") == [["a", "b", "c"]])
    #expect(try rows("a,b,\n") == [["a", "b", ""]])
    #expect(try rows("a,b,") == [["a", "b", ""]])
    #expect(try rows(",") == [["", ""]])
    #expect(try rows("\"\"") == [[""]])
    #expect(try rows("\"a,b\",\"c\"\"d\",\"\"\"\"") == [["a,b", "c\"d", "\""]])
    #expect(try rows("\"x\ny\",\"1\r\n2\"\r\nz") == [["x\ny", "1\r\n2"], ["z"]])
    #expect(try rows("a,b\r\nc,d\r\n") == [["a", "b"], ["c", "d"]])
    #expect(try rows("a\rb,c\n") == [["a\rb", "c"]])
    #expect(try rows("a,b\r") == [["a", "b"]])
    #expect(try rows("\"a\"\r") == [["a"]])
    #expect(try rows("\n\n\r\na\n\n") == [["a"]])
    #expect(try rows(" \n") == [[" "]])
    #expect(try rows("é,日本,🙂\n") == [["é", "日本", "🙂"]])
    #expect(try rows("a\tb,c\t\"x\ty\"\n", dialect: .tsv) == [["a", "b,c", "x\ty"]])
    #expect(try rows("a;\"b;c\"\n", dialect: .semicolon) == [["a", "b;c"]])
    #expect(try rows("a|b\n", dialect: .pipe) == [["a", "b"]])
}

@Test func fieldSpansAndFlags() throws {
    let text = Array("ab,\"c\"\"d\",\"\",\n".utf8)
    try text.withUnsafeBytes { chunk in
        let buf = CSVRowBuffer()
        try CSVScanner.scan(chunk, range: 0..<chunk.count, firstLine: 1, into: buf)
        #expect(buf.rows.map { $0 } == [CSVRow(firstField: 0, fieldCount: 4, line: 1)])
        #expect(buf.fields.map { $0 } == [
            CSVField(start: 0, end: 2, flags: 0),
            CSVField(start: 4, end: 8, flags: CSVField.quotedFlag | CSVField.escapedFlag),
            CSVField(start: 11, end: 11, flags: CSVField.quotedFlag),
            CSVField(start: 13, end: 13, flags: 0),
        ])
        #expect(buf.endLine == 2)
        // Buffers are reused: a second scan replaces the content.
        try CSVScanner.scan(chunk, range: 0..<3, firstLine: 7, into: buf)
        #expect(buf.rows.map { $0 } == [CSVRow(firstField: 0, fieldCount: 2, line: 7)])
        #expect(buf.fieldCount == 2)
    }
}

@Test func lineNumbersCountNewlinesInsideQuotedFields() throws {
    #expect(try lines("h1,h2\n\"multi\nline\nvalue\",1\nnext,2\n\n\"a\r\nb\",3\r\nlast,4") == [1, 2, 5, 7, 9])
    #expect(try scanAll(Array("x\ny".utf8), firstLine: 41).map(\.line) == [41, 42])
}

@Test func errorsHaveExactMessages() {
    #expect(scanError("a,b\n1,\"abc\"x\n") == "line 2, column 2: unexpected character after closing quote")
    #expect(scanError("\"x\ny\nz\",1\n1,2,\"a\"b\n") == "line 4, column 3: unexpected character after closing quote")
    #expect(scanError("\"a\"\rb") == "line 1, column 1: unexpected character after closing quote")
    #expect(scanError("a,b\"c\n") == "line 1, column 2: unexpected quote in unquoted field")
    #expect(scanError("a\n\"abc\n\n") == "line 2: unterminated quoted field")
    #expect(scanError("a\n\"") == "line 2: unterminated quoted field")
    // Parallel scanning reports the first error of the chunk.
    let body = (0..<200).map { "row\($0),\"q\n\($0)\"\n" }.joined()
    let bad = body + "x,\"y\"z\n" + body + "p,q\"r\n"
    for k in 1...8 {
        #expect(scanError(bad, k: k) == "line 401, column 2: unexpected character after closing quote")
    }
}

@Test func csvErrorFields() {
    do {
        _ = try scanAll(Array("ok\n\"abc\"x".utf8))
        Issue.record("expected an error")
    } catch let e as CSVError {
        #expect(e == CSVError(kind: .unexpectedCharacterAfterClosingQuote, line: 2, column: 1, byteOffset: 8))
    } catch {
        Issue.record("wrong error \(error)")
    }
}

@Test func veryLongFields() throws {
    let long = String(repeating: "abcdefgh", count: 1 << 17)  // 1 MiB
    let quotedLong = String(repeating: "a\"\"b,\n", count: 1 << 17)
    let text = "id,v\n1,\(long)\n2,\"\(quotedLong)\"\n3,x\n"
    let r = try scanAll(Array(text.utf8), k: 3)
    #expect(r.count == 4)
    #expect(r[1].fields[1].value.count == 1 << 20)
    #expect(r[2].fields[1].value == Array(String(repeating: "a\"b,\n", count: 1 << 17).utf8))
    #expect(r.map(\.line) == [1, 2, 3, 4 + (1 << 17)])
}

@Test func bomSkippedAndHeaderOnlyViaChunkReader() throws {
    let dir = try makeTempDir()
    let path = try writeFile(dir, "bom.csv", [0xEF, 0xBB, 0xBF] + Array("\"id\",name\n".utf8))
    let reader = CSVChunkReader(source: try InputSource(path: path), framing: CSVDialect.csv.framing)
    let chunk = try #require(try reader.next())
    #expect(chunk.byteOffset == 3)
    let buf = CSVRowBuffer()
    try CSVScanner.scan(chunk.bytes, pieces: chunk.pieces, into: [buf])
    #expect(decodeRows(chunk.bytes, [buf], dialect: .csv)
        == [ExpectedRow(line: 1, fields: [ExpectedField(value: Array("id".utf8), quoted: true),
                                         ExpectedField(value: Array("name".utf8), quoted: false)])])
    #expect(try reader.next() == nil)
}

@Test func unescapeCollapsesDoubledQuotes() {
    let raw = Array("a\"\"b\"\"\"\"c".utf8)
    var out = [UInt8](repeating: 0, count: raw.count)
    let n = raw.withUnsafeBytes { r in out.withUnsafeMutableBytes { CSVScanner.unescape(r, into: $0.baseAddress!) } }
    #expect(Array(out[..<n]) == Array("a\"b\"\"c".utf8))
    let scratch = CSVScratch(capacity: 1)
    let big = Array(String(repeating: "''", count: 1000).utf8)
    #expect(big.withUnsafeBytes { Array(scratch.unescape($0, quote: UInt8(ascii: "'"))) }
        == Array(String(repeating: "'", count: 1000).utf8))
}

// MARK: - Property tests

@Test func parallelScanMatchesSequentialAndReference() throws {
    for seed in 0..<300 {
        var rng = SeededRNG(seed: UInt64(seed))
        let dialect = [CSVDialect.csv, .tsv, .semicolon, .pipe][seed % 4]
        let (bytes, truth) = randomCSV(&rng, dialect: dialect)
        let reference = try referenceDecode(bytes, dialect: dialect)
        #expect(reference == truth, "reference vs generator, seed \(seed)")
        let sequential = try scanAll(bytes, dialect: dialect, k: 1)
        #expect(sequential == truth, "seed \(seed)")
        for k in 2...8 {
            let parallel = try scanAll(bytes, dialect: dialect, k: k)
            #expect(parallel == sequential, "seed \(seed) k \(k)")
        }
    }
}

@Test func adversarialQuotedNewlinesSplitCorrectly() throws {
    // Every line break is inside a quoted field except the row ends; quoted `"\n"` sequences
    // make naive newline splitting fail.
    let row = "\"\n\"\"\n\"\"\n\",\"\"\"\n\"\"\"\n"
    let text = String(repeating: row, count: 50)
    let expected = try scanAll(Array(text.utf8), k: 1)
    #expect(expected.count == 50)
    #expect(expected[1].line == 6)
    #expect(expected[0].fields.map { String(decoding: $0.value, as: UTF8.self) } == ["\n\"\n\"\n", "\"\n\""])
    for k in 1...8 {
        #expect(try scanAll(Array(text.utf8), k: k) == expected)
    }
}

@Test func splitterEndIsLastCompleteRow() throws {
    for seed in 0..<150 {
        var rng = SeededRNG(seed: UInt64(seed) + 5000)
        let (bytes, _) = randomCSV(&rng, dialect: .csv)
        guard !bytes.isEmpty else { continue }
        let cut = Int(rng.next() % UInt64(bytes.count + 1))
        let prefix = Array(bytes[..<cut])
        let k = Int(rng.next() % 8) + 1
        let split = prefix.withUnsafeBytes {
            InputSplitter.split($0, into: k, framing: .csv(quote: 34), firstLine: 1, atEndOfInput: false)
        }
        // The row-aligned prefix scans to exactly the rows of the full input that start before
        // `end` — i.e. the end is a true row boundary, not inside a quoted field.
        let head = try scanAll(Array(prefix[..<split.end]))
        let full = try scanAll(bytes)
        #expect(Array(full.prefix(head.count)) == head, "seed \(seed)")
        if split.end > 0 { #expect(prefix[split.end - 1] == 10) }
        #expect(split.endLine == 1 + prefix[..<split.end].filter { $0 == 10 }.count)
        // No complete row is left after `end`: the rest holds no row terminator outside quotes.
        let rest = Array(prefix[split.end...])
        let restRows = (try? referenceDecode(rest)) ?? []
        let restEndsRow = restRows.count > 1 || (restRows.count == 1 && rest.last == 10)
        #expect(!restEndsRow, "seed \(seed)")
    }
}

@Test func chunkedFileScanMatchesWholeFile() throws {
    let dir = try makeTempDir()
    for seed in 0..<30 {
        var rng = SeededRNG(seed: UInt64(seed) + 9000)
        var bytes: [UInt8] = []
        var truth: [ExpectedRow] = []
        // Concatenate several random CSV documents (each ends with a newline) for more rows.
        for _ in 0..<4 {
            var (b, t) = randomCSV(&rng, dialect: .csv)
            if !b.isEmpty && b.last != 10 { b.append(10) }
            let offset = 1 + bytes.filter { $0 == 10 }.count - 1
            truth += t.map { ExpectedRow(line: $0.line + offset, fields: $0.fields) }
            bytes += b
        }
        let path = try writeFile(dir, "f\(seed).csv", bytes)
        let block = Int(rng.next() % 200) + 1
        let k = Int(rng.next() % 4) + 1
        let reader = CSVChunkReader(source: try InputSource(path: path), framing: .csv(quote: 34),
                                    blockSize: block, parallelism: k)
        let buffers = (0..<k).map { _ in CSVRowBuffer() }
        var got: [ExpectedRow] = []
        while let chunk = try reader.next() {
            try CSVScanner.scan(chunk.bytes, pieces: chunk.pieces, into: buffers)
            got += decodeRows(chunk.bytes, Array(buffers.prefix(chunk.pieces.count)), dialect: .csv)
        }
        #expect(got == truth, "seed \(seed) block \(block) k \(k)")
    }
}

@Test func arbitraryByteValuesInFields() throws {
    // Every byte value except delimiter/quote/CR/LF in unquoted fields (exercises the 8-byte
    // skipping loop, including bytes ≥ 0x80 and 0x00), every byte value in quoted fields.
    for seed in 0..<100 {
        var rng = SeededRNG(seed: UInt64(seed) + 777)
        var bytes: [UInt8] = []
        var truth: [ExpectedRow] = []
        var line = 1
        for _ in 0..<Int(rng.next() % 20 + 1) {
            var fields: [ExpectedField] = []
            let rowLine = line
            for f in 0..<Int(rng.next() % 5 + 1) {
                if f > 0 { bytes.append(44) }
                let len = Int(rng.next() % 40) + 1
                if rng.next() % 2 == 0 {
                    var v: [UInt8] = []
                    while v.count < len {
                        let b = UInt8(truncatingIfNeeded: rng.next())
                        if b != 44 && b != 34 && b != 10 && b != 13 { v.append(b) }
                    }
                    bytes += v
                    fields.append(ExpectedField(value: v, quoted: false))
                } else {
                    let v = (0..<len).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    bytes.append(34)
                    for b in v { bytes.append(b); if b == 34 { bytes.append(34) } }
                    bytes.append(34)
                    line += v.filter { $0 == 10 }.count
                    fields.append(ExpectedField(value: v, quoted: true))
                }
            }
            bytes.append(10)
            line += 1
            truth.append(ExpectedRow(line: rowLine, fields: fields))
        }
        #expect(try referenceDecode(bytes) == truth, "seed \(seed)")
        for k in [1, 3, 8] {
            #expect(try scanAll(bytes, k: k) == truth, "seed \(seed) k \(k)")
        }
    }
}

@Test func swarByteCountingIsExact() {
    for seed in 0..<50 {
        var rng = SeededRNG(seed: UInt64(seed))
        let n = Int(rng.next() % 500)
        let bytes = (0..<n).map { _ -> UInt8 in
            let r = rng.next() % 4
            return r == 0 ? 34 : r == 1 ? 10 : UInt8(truncatingIfNeeded: rng.next())
        }
        bytes.withUnsafeBufferPointer { b in
            let s = n > 0 ? Int(rng.next() % UInt64(n)) : 0
            let (q, nl) = InputSplitter.countBytes(b.baseAddress ?? UnsafePointer(bitPattern: 8)!, s, n, 34, true)
            #expect(q == bytes[s...].filter { $0 == 34 }.count)
            #expect(nl == bytes[s...].filter { $0 == 10 }.count)
            let (_, nl2) = InputSplitter.countBytes(b.baseAddress ?? UnsafePointer(bitPattern: 8)!, s, n, 34, false)
            #expect(nl2 == nl)
        }
    }
}
