import Foundation
import StrataCore
import StrataText

// CSV, NDJSON and JSON-array files read in place, over StrataText's scanners (CSVScanner,
// JSONLineScanner, InputChunkReader with its gzip/zstd input): the schema is sniffed once at
// bind time from the first file (DuckDB's rules: delimiter, header, types from a sample), then
// each file's needed columns are parsed into typed vectors when the plan runs.

/// read_csv / read_json options after binding.
struct TextReadOptions: Sendable {
    var format: FileFormat
    /// nil: detect.
    var header: Bool?
    /// nil: detect (`,` `|` `;` tab).
    var delimiter: UInt8?
    var quote: UInt8 = 0x22
    /// `columns = {...}`: the names and types, no detection.
    var columns: [(name: String, type: DataType)]?
    /// `types = {...}`: types by (lower-cased) column name over the detected ones.
    var types: [String: DataType] = [:]
    var autoDetect = true
    var allVarchar = false
    /// Rows examined for types; -1: every row of the first file.
    var sampleRows = 20_480
    /// `nullstr`: text read as NULL (besides the empty field).
    var nullString: String?
}

/// The schema of a file sniffed at bind time, and how to read every file of the scan.
struct TextSchema: Sendable {
    var names: [String]
    var types: [DataType]
    var header: Bool
    var delimiter: UInt8
    /// JSON: the file is one array of objects (else NDJSON).
    var jsonArray: Bool
    /// CSV with a header: the first file's header fields, which every file must repeat.
    var headerFields: [String]? = nil
}

/// Candidate-type bits of a text value: the rule of StrataIngest's SchemaDetection.candidates
/// (integer, double, boolean, date, ISO timestamp).
enum TextTypes {
    static let intBit: UInt8 = 1, doubleBit: UInt8 = 2, boolBit: UInt8 = 4, dateBit: UInt8 = 8, tsBit: UInt8 = 16

    static func candidates(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt8 {
        var m: UInt8 = 0
        if Values.parseInt64(p, n) != nil { m |= intBit }
        if Values.parseDouble(p, n) != nil { m |= doubleBit }
        if n == 4 || n == 5 {
            let s = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self).lowercased()
            if s == "true" || s == "false" { m |= boolBit }
        }
        if Civil.parseDate(p, n) != nil { m |= dateBit }
        if n >= 10 && p[4] == UInt8(ascii: "-") && Civil.parseTimestamp(p, n, format: .iso) != nil { m |= tsBit }
        return m
    }

    static func type(_ mask: UInt8, sawValue: Bool) -> DataType {
        guard sawValue else { return .varchar }
        if mask & intBit != 0 { return .bigint }
        if mask & doubleBit != 0 { return .double }
        if mask & boolBit != 0 { return .boolean }
        if mask & dateBit != 0 { return .date }
        if mask & tsBit != 0 { return .timestamp }
        return .varchar
    }

    static func bit(_ t: DataType) -> UInt8 {
        switch t {
        case .bigint: return intBit
        case .double: return doubleBit
        case .boolean: return boolBit
        case .date: return dateBit
        case .timestamp: return tsBit
        default: return 0xFF
        }
    }
}

/// One output column being built from text.
struct TextColumnBuilder {
    let type: DataType
    var ints: [Int64] = []
    var dbls: [Double] = []
    var valid: [UInt8] = []
    var hasNull = false
    var interner = ByteInterner(capacity: 256)

    init(type: DataType) { self.type = type }

    mutating func appendNull() {
        switch type {
        case .double: dbls.append(0)
        default: ints.append(0)
        }
        valid.append(0)
        hasNull = true
    }

    /// Appends the value `p[0..<n]`; false when it is not a value of the type.
    mutating func append(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
        guard let p, n > 0 else { appendNull(); return true }
        if type == .varchar {
            ints.append(Int64(interner.intern(p, n)))
            valid.append(1)
            return true
        }
        let t = Values.trimmingSpaces(UnsafeRawBufferPointer(start: p, count: n))
        guard t.count > 0, let b = t.baseAddress?.assumingMemoryBound(to: UInt8.self) else { appendNull(); return true }
        let m = t.count
        switch type {
        case .bigint:
            if let v = Values.parseInt64(b, m) { ints.append(v) } else if let d = Values.parseDouble(b, m), d == d.rounded(), abs(d) < 9.2e18 {
                ints.append(Int64(d))
            } else { return false }
        case .double:
            guard let v = Values.parseDouble(b, m) else { return false }
            dbls.append(v)
        case .boolean:
            guard let v = Values.parseBool(b, m) else { return false }
            ints.append(v ? 1 : 0)
        case .date:
            if let v = Civil.parseDate(b, m) { ints.append(v) } else if let us = Civil.parseTimestamp(b, m, format: .iso) {
                ints.append(Civil.floorDiv(us, Civil.microsPerDay))
            } else { return false }
        case .timestamp:
            if let v = Civil.parseTimestamp(b, m, format: .iso) { ints.append(v) } else if let d = Civil.parseDate(b, m) {
                ints.append(d * Civil.microsPerDay)
            } else { return false }
        default:
            return false
        }
        valid.append(1)
        return true
    }

    mutating func appendBool(_ v: Bool) -> Bool {
        switch type {
        case .boolean: ints.append(v ? 1 : 0)
        case .varchar:
            let s: StaticString = v ? "true" : "false"
            ints.append(Int64(interner.intern(s.utf8Start, s.utf8CodeUnitCount)))
        default: return false
        }
        valid.append(1)
        return true
    }

    func vector() -> Vec {
        var interner = interner
        // NULL rows hold code 0: a dictionary always has an entry 0
        if type == .varchar && interner.offsets.count == 1 { _ = interner.intern(nil, 0) }
        let v = Vec(type: type, count: valid.count)
        if type == .double { v.dbls = dbls } else { v.ints = ints }
        if type == .varchar { v.dict = DictRef(StringDictionary(bytes: interner.bytes, offsets: interner.offsets)) }
        if hasNull { v.valid = valid }
        return v
    }
}

enum TextFileReader {
    /// Bytes read per block of a CSV file (tests make it small to cross many blocks).
    nonisolated(unsafe) static var blockSize = 16 << 20
    static let delimiterCandidates: [UInt8] = [0x2C, 0x7C, 0x3B, 0x09]

    static func open(_ path: String, framing: InputFraming, block: Int = 16 << 20) throws(QueryError) -> InputChunkReader {
        do throws(InputError) {
            let src = try InputSource(path: path, hashContent: false)
            return InputChunkReader(source: src, framing: framing, blockSize: block, parallelism: 1)
        } catch {
            throw QueryError("cannot read '\(path)': \(error.reason)", cause: error)
        }
    }

    static func next(_ r: InputChunkReader, _ path: String) throws(QueryError) -> InputChunk? {
        do throws(InputError) { return try r.next() } catch {
            throw QueryError("cannot read '\(path)'\(error.line.map { " at line \($0)" } ?? ""): \(error.reason)", cause: error)
        }
    }

    static func csvError(_ e: CSVError, _ path: String) -> QueryError {
        QueryError("\(path):\(e.line)\(e.column.map { ":\($0)" } ?? ""): \(e.message)", cause: e)
    }

    // MARK: - schema

    /// The schema of a scan: CSV from the first file; JSON the keys of the sampled objects of
    /// the files in order (until `sampleRows` objects), matched by name when read.
    static func schema(_ paths: [String], _ o: TextReadOptions) throws(QueryError) -> TextSchema {
        switch o.format {
        case .csv: return try csvSchema(paths[0], o)
        case .json, .ndjson: return try jsonSchema(paths, o)
        case .parquet: throw QueryError("internal: Parquet files are read by the columnar reader", kind: .internal)
        }
    }

    /// The sample rows' fields as text (at most `o.sampleRows + 1` rows; all with -1).
    static func csvSample(_ path: String, delimiter: UInt8, _ o: TextReadOptions, limit: Int) throws(QueryError) -> [[[UInt8]?]] {
        let dialect = CSVDialect(delimiter: delimiter, quote: o.quote)
        let r = try open(path, framing: dialect.framing, block: 4 << 20)
        let buf = CSVRowBuffer()
        let scratch = CSVScratch()
        var rows: [[[UInt8]?]] = []
        outer: while let chunk = try next(r, path) {
            for piece in chunk.pieces {
                do throws(CSVError) {
                    try CSVScanner.scan(chunk.bytes, range: piece.range, firstLine: piece.firstLine, dialect: dialect, into: buf)
                } catch { throw csvError(error, path) }
                for row in buf.rows {
                    var fields: [[UInt8]?] = []
                    for f in buf.fields(of: row) {
                        var b = f.bytes(in: chunk.bytes)
                        if f.needsUnescape { b = scratch.unescape(b, quote: o.quote) }
                        fields.append(b.count == 0 ? nil : [UInt8](b))
                    }
                    rows.append(fields)
                    if limit >= 0 && rows.count > limit { break outer }
                }
            }
        }
        return rows
    }

    static func csvSchema(_ path: String, _ o: TextReadOptions) throws(QueryError) -> TextSchema {
        var delimiter = o.delimiter ?? 0x2C
        if o.delimiter == nil {
            if FileFormat.fromPath(path)?.tsv == true {
                delimiter = 0x09
            } else {
                // the candidate giving the most fields, the same number on each of the first rows
                var best = (fields: 1, delim: UInt8(0x2C))
                for d in delimiterCandidates {
                    guard let rows = try? csvSample(path, delimiter: d, o, limit: 20), !rows.isEmpty else { continue }
                    let n = rows[0].count
                    if n > best.fields && rows.allSatisfy({ $0.count == n }) { best = (n, d) }
                }
                delimiter = best.delim
            }
        }
        if let cols = o.columns {
            return TextSchema(names: cols.map(\.name), types: cols.map(\.type), header: o.header ?? false,
                              delimiter: delimiter, jsonArray: false)
        }
        let rows = try csvSample(path, delimiter: delimiter, o, limit: o.sampleRows)
        let width = rows.first?.count ?? 0
        if width == 0 { throw QueryError("\(path): the file is empty (no columns to read; give columns={'name': 'TYPE', ...})") }
        func detect(_ body: ArraySlice<[[UInt8]?]>) -> [DataType] {
            var mask = [UInt8](repeating: 0xFF, count: width), saw = [Bool](repeating: false, count: width)
            for r in body {
                for (i, f) in r.enumerated() where i < width {
                    guard let f, !isNull(f, o) else { continue }
                    let t = Values.trimmingSpaces(f.withUnsafeBytes { UnsafeRawBufferPointer($0) })
                    _ = t
                    let bits = f.withUnsafeBufferPointer { b -> UInt8 in
                        let tb = Values.trimmingSpaces(UnsafeRawBufferPointer(b))
                        guard tb.count > 0 else { return 0xFF }
                        return TextTypes.candidates(tb.baseAddress!.assumingMemoryBound(to: UInt8.self), tb.count)
                    }
                    mask[i] &= bits
                    saw[i] = true
                }
            }
            return (0..<width).map { TextTypes.type(mask[$0], sawValue: saw[$0]) }
        }
        var header: Bool
        if let h = o.header {
            header = h
        } else {
            // DuckDB's rule: the first row is a header when a value of it does not fit the type
            // the other rows have, or when every column is text
            let rest = detect(rows.dropFirst())
            header = rows.count == 1 || rest.allSatisfy { $0 == .varchar }
            if !header {
                for (i, f) in rows[0].enumerated() where i < width {
                    guard let f, rest[i] != .varchar else { continue }
                    let bits = f.withUnsafeBufferPointer { b -> UInt8 in
                        let tb = Values.trimmingSpaces(UnsafeRawBufferPointer(b))
                        return tb.count == 0 ? 0xFF : TextTypes.candidates(tb.baseAddress!.assumingMemoryBound(to: UInt8.self), tb.count)
                    }
                    if bits & TextTypes.bit(rest[i]) == 0 { header = true; break }
                }
            }
        }
        var types = (o.autoDetect && !o.allVarchar) ? detect(header ? rows.dropFirst() : rows[...]) : [DataType](repeating: .varchar, count: width)
        var names: [String] = []
        let digits = String(max(width - 1, 0)).count
        var seen = Set<String>()
        for i in 0..<width {
            var n: String
            if header, i < rows[0].count, let f = rows[0][i] {
                n = String(decoding: f, as: UTF8.self)
            } else if header {
                n = "column\(i)"
            } else {
                let s = String(i)
                n = "column" + String(repeating: "0", count: digits - s.count) + s
            }
            let base = n
            var k = 1
            while seen.contains(n.lowercased()) { n = "\(base)_\(k)"; k += 1 }
            seen.insert(n.lowercased())
            names.append(n)
        }
        for i in 0..<width { if let t = o.types[names[i].lowercased()] { types[i] = t } }
        var s = TextSchema(names: names, types: types, header: header, delimiter: delimiter, jsonArray: false)
        if header { s.headerFields = rows[0].map { $0.map { String(decoding: $0, as: UTF8.self) } ?? "" } }
        return s
    }

    static func isNull(_ f: [UInt8], _ o: TextReadOptions) -> Bool {
        if let ns = o.nullString { return f == Array(ns.utf8) }
        return false
    }

    /// The objects of a JSON file: each line (NDJSON) or each element of a top-level array,
    /// handed to `body` with its line number.
    static func forEachObject(_ path: String, array: Bool, limit: Int,
                              _ body: (UnsafeRawBufferPointer, Int) throws(QueryError) -> Void) throws(QueryError) {
        if !array {
            let r = try open(path, framing: .lines)
            var n = 0
            while let chunk = try next(r, path) {
                for piece in chunk.pieces {
                    var lines = NDJSONLines(chunk.bytes, range: piece.range, firstLine: piece.firstLine)
                    while let (bytes, line) = lines.next() {
                        try body(bytes, line)
                        n += 1
                        if limit >= 0 && n >= limit { return }
                    }
                }
            }
            return
        }
        // a JSON array: the whole file, split at the top-level objects
        let data: [UInt8]
        do throws(InputError) {
            let src = try InputSource(path: path, hashContent: false)
            var all: [UInt8] = []
            let tmp = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { tmp.deallocate(); src.close() }
            while true {
                let k = try src.read(into: tmp)
                if k == 0 { break }
                all.append(contentsOf: UnsafeRawBufferPointer(rebasing: tmp[0..<k]))
            }
            data = all
        } catch {
            throw QueryError("cannot read '\(path)': \(error.reason)", cause: error)
        }
        let failure: QueryError? = data.withUnsafeBytes { buf -> QueryError? in
            do throws(QueryError) { try splitArray(buf, path, limit, body) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    private static func splitArray(_ buf: UnsafeRawBufferPointer, _ path: String, _ limit: Int,
                                   _ body: (UnsafeRawBufferPointer, Int) throws(QueryError) -> Void) throws(QueryError) {
        do {
            let p = buf.bindMemory(to: UInt8.self)
            var i = 0, line = 1
            func skipSpace() {
                while i < p.count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 || p[i] == 0xEF || p[i] == 0xBB || p[i] == 0xBF {
                    if p[i] == 0x0A { line += 1 }
                    i += 1
                }
            }
            skipSpace()
            guard i < p.count, p[i] == UInt8(ascii: "[") else {
                throw QueryError("\(path):\(line): expected a JSON array ('[') or one object per line")
            }
            i += 1
            var n = 0
            while true {
                skipSpace()
                guard i < p.count else { throw QueryError("\(path):\(line): the JSON array is not closed (missing ']')") }
                if p[i] == UInt8(ascii: "]") { return }
                if p[i] == UInt8(ascii: ",") && n > 0 { i += 1; skipSpace() }
                guard i < p.count, p[i] == UInt8(ascii: "{") else {
                    throw QueryError("\(path):\(line): expected an object in the JSON array, found '\(i < p.count ? String(UnicodeScalar(p[i])) : "end of file")'")
                }
                let start = i, startLine = line
                var depth = 0, inString = false
                while i < p.count {
                    let c = p[i]
                    if inString {
                        if c == 0x5C { i += 1 } else if c == 0x22 { inString = false } else if c == 0x0A { line += 1 }
                    } else if c == 0x22 { inString = true } else if c == 0x7B || c == 0x5B { depth += 1 } else if c == 0x7D || c == 0x5D {
                        depth -= 1
                        if depth == 0 { i += 1; break }
                    } else if c == 0x0A { line += 1 }
                    i += 1
                }
                if depth != 0 { throw QueryError("\(path):\(startLine): unterminated JSON object") }
                try body(UnsafeRawBufferPointer(rebasing: buf[start..<i]), startLine)
                n += 1
                if limit >= 0 && n >= limit { return }
            }
        }
    }

    static func isJSONArray(_ path: String) throws(QueryError) -> Bool {
        let r = try open(path, framing: .lines, block: 64 << 10)
        guard let chunk = try next(r, path) else { return false }
        for b in chunk.bytes {
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { continue }
            return b == UInt8(ascii: "[")
        }
        return false
    }

    static func jsonError(_ e: JSONError, _ path: String) -> QueryError {
        QueryError("\(path):\(e.line):\(e.column): \(e.message)", cause: e)
    }

    static func jsonSchema(_ paths: [String], _ o: TextReadOptions) throws(QueryError) -> TextSchema {
        let array = try isJSONArray(paths[0])
        if let cols = o.columns {
            return TextSchema(names: cols.map(\.name), types: cols.map(\.type), header: false, delimiter: 0, jsonArray: array)
        }
        var names: [String] = []
        var index: [String: Int] = [:]
        var mask: [UInt8] = [], saw: [Bool] = []
        let buf = JSONObjectBuffer()
        var seen = 0
        for path in paths {
        if o.sampleRows >= 0 && seen >= o.sampleRows { break }
        try forEachObject(path, array: try isJSONArray(path), limit: o.sampleRows < 0 ? -1 : o.sampleRows - seen) { (bytes, line) throws(QueryError) in
            seen += 1
            do throws(JSONError) {
                guard try JSONLineScanner.scan(bytes, lineNumber: line, into: buf) else { return }
            } catch { throw jsonError(error, path) }
            for m in buf.members {
                let key = String(decoding: buf.key(m), as: UTF8.self)
                let i: Int
                if let k = index[key] { i = k } else {
                    i = names.count
                    index[key] = i
                    names.append(key)
                    mask.append(0xFF); saw.append(false)
                }
                switch m.kind {
                case .null: continue
                case .true, .false: mask[i] &= TextTypes.boolBit
                case .number, .string:
                    let t = Values.trimmingSpaces(buf.value(m))
                    if t.count == 0 { continue }
                    var bits = TextTypes.candidates(t.baseAddress!.assumingMemoryBound(to: UInt8.self), t.count)
                    if m.kind == .number { bits &= TextTypes.intBit | TextTypes.doubleBit } else { bits &= TextTypes.dateBit | TextTypes.tsBit }
                    mask[i] &= bits
                }
                saw[i] = true
            }
        }
        }
        if names.isEmpty { throw QueryError("\(paths[0]): no JSON objects to read columns from") }
        var types = names.indices.map { (o.autoDetect && !o.allVarchar) ? TextTypes.type(mask[$0], sawValue: saw[$0]) : .varchar }
        for i in names.indices { if let t = o.types[names[i].lowercased()] { types[i] = t } }
        return TextSchema(names: names, types: types, header: false, delimiter: 0, jsonArray: array)
    }

    // MARK: - reading

    static func badValue(_ path: String, line: Int, column: Int, name: String, type: DataType, _ text: String, detected: Bool) -> QueryError {
        let shown = text.count > 60 ? String(text.prefix(60)) + "..." : text
        var m = "\(path):\(line): column \(column) '\(name)': cannot read '\(shown)' as \(type)"
        if detected { m += " (the type was detected from the first rows; give types={'\(name)': 'VARCHAR'} or sample_size=-1)" }
        return QueryError(m)
    }

    /// Reads the columns at `needed` (ascending positions of `s.names`) of the file at `path`:
    /// one vector per needed column, and the row count.
    /// Reads the columns at `needed` (ascending positions of `s.names`) of the file at `path`:
    /// parts in file order, each one vector per needed column and its row count. CSV is parsed
    /// on `threads` threads (the pieces of each block in parallel).
    static func read(_ path: String, _ s: TextSchema, _ o: TextReadOptions, needed: [Int], threads: Int = 1) throws(QueryError) -> [([Vec], Int)] {
        if o.format == .csv { return try readCSV(path, s, o, needed: needed, threads: threads) }
        return [try readJSON(path, s, o, needed: needed)]
    }

    /// One piece of a CSV block: its rows' needed columns.
    static func csvPiece(_ chunk: InputChunk, _ piece: InputPiece, _ path: String, _ s: TextSchema, _ o: TextReadOptions,
                         needed: [Int], slot: [Int], skipHeader: Bool, buf: CSVRowBuffer, scratch: CSVScratch) throws(QueryError) -> ([Vec], Int) {
        var builders = needed.map { TextColumnBuilder(type: s.types[$0]) }
        let detected = o.columns == nil
        let nullBytes = o.nullString.map { Array($0.utf8) }
        let dialect = CSVDialect(delimiter: s.delimiter, quote: o.quote)
        let width = s.names.count
        var skip = skipHeader
        var rows = 0
        do throws(CSVError) {
            try CSVScanner.scan(chunk.bytes, range: piece.range, firstLine: piece.firstLine, dialect: dialect, into: buf)
        } catch { throw csvError(error, path) }
        for row in buf.rows {
            if skip {
                skip = false
                if let expected = s.headerFields {
                    // a file of the scan with other columns than the first is an error, not shifted data
                    let got = buf.fields(of: row).map { f -> String in
                        var b = f.bytes(in: chunk.bytes)
                        if f.needsUnescape { b = scratch.unescape(b, quote: o.quote) }
                        return String(decoding: b, as: UTF8.self)
                    }
                    if got != expected {
                        throw QueryError("\(path):\(row.line): the header (\(got.joined(separator: ", "))) differs from the first file's (\(expected.joined(separator: ", "))); read such files separately and combine them with UNION ALL")
                    }
                }
                continue
            }
            let fields = buf.fields(of: row)
            if fields.count != width {
                throw QueryError("\(path):\(row.line): expected \(width) field\(width == 1 ? "" : "s") (\(s.names.prefix(8).joined(separator: ", "))\(width > 8 ? ", ..." : "")), found \(fields.count)")
            }
            for (c, f) in fields.enumerated() {
                let j = slot[c]
                if j < 0 { continue }
                var b = f.bytes(in: chunk.bytes)
                if f.needsUnescape { b = scratch.unescape(b, quote: o.quote) }
                if let nb = nullBytes, b.elementsEqual(nb) { builders[j].appendNull(); continue }
                if !builders[j].append(b.baseAddress?.assumingMemoryBound(to: UInt8.self), b.count) {
                    throw badValue(path, line: Int(row.line), column: c + 1, name: s.names[c], type: s.types[c],
                                   String(decoding: b, as: UTF8.self), detected: detected && o.types[s.names[c].lowercased()] == nil)
                }
            }
            rows += 1
        }
        return (builders.map { $0.vector() }, rows)
    }

    static func readCSV(_ path: String, _ s: TextSchema, _ o: TextReadOptions, needed: [Int], threads: Int) throws(QueryError) -> [([Vec], Int)] {
        var slot = [Int](repeating: -1, count: s.names.count)
        for (j, c) in needed.enumerated() { slot[c] = j }
        let dialect = CSVDialect(delimiter: s.delimiter, quote: o.quote)
        let k = max(1, threads)
        let r: InputChunkReader
        do throws(InputError) {
            r = InputChunkReader(source: try InputSource(path: path, hashContent: false), framing: dialect.framing, blockSize: blockSize, parallelism: k)
        } catch {
            throw QueryError("cannot read '\(path)': \(error.reason)", cause: error)
        }
        let bufs = (0..<k).map { _ in CSVRowBuffer() }, scratches = (0..<k).map { _ in CSVScratch() }
        var parts: [([Vec], Int)] = []
        var first = true
        while let chunk = try next(r, path) {
            let pieces = chunk.pieces
            let out = UnsafeMutableBufferPointer<Result<([Vec], Int), QueryError>?>.allocate(capacity: pieces.count)
            out.initialize(repeating: nil)
            defer { out.deinitialize(); out.deallocate() }
            nonisolated(unsafe) let res = out
            let skipFirst = first && s.header
            ParallelWork.forEach(pieces.count, workers: min(k, pieces.count)) { j, w in
                do throws(QueryError) {
                    res[j] = .success(try csvPiece(chunk, pieces[j], path, s, o, needed: needed, slot: slot,
                                                   skipHeader: skipFirst && j == 0, buf: bufs[w], scratch: scratches[w]))
                } catch { res[j] = .failure(error) }
            }
            for j in 0..<pieces.count {
                switch out[j]! {
                case .success(let p): if p.1 > 0 || parts.isEmpty { parts.append(p) }
                case .failure(let e): throw e
                }
            }
            first = false
        }
        if parts.isEmpty { parts.append((needed.map { Vec.nulls(s.types[$0], count: 0) }, 0)) }
        return parts
    }

    static func readJSON(_ path: String, _ s: TextSchema, _ o: TextReadOptions, needed: [Int]) throws(QueryError) -> ([Vec], Int) {
        var builders = needed.map { TextColumnBuilder(type: s.types[$0]) }
        var slot = [Int](repeating: -1, count: s.names.count)
        for (j, c) in needed.enumerated() { slot[c] = j }
        let detected = o.columns == nil
        var rows = 0
        switch o.format {
        case .csv:
            throw QueryError("internal: readJSON on CSV", kind: .internal)
        case .json, .ndjson:
            var index: [String: Int] = [:]
            for (i, n) in s.names.enumerated() where index[n] == nil { index[n] = i }
            let buf = JSONObjectBuffer()
            var seen = [Int](repeating: -1, count: needed.count)
            // each file by its content: a JSON array or one object per line
            try forEachObject(path, array: try isJSONArray(path), limit: -1) { (bytes, line) throws(QueryError) in
                do throws(JSONError) {
                    guard try JSONLineScanner.scan(bytes, lineNumber: line, into: buf) else { return }
                } catch { throw jsonError(error, path) }
                for m in buf.members {
                    let key = String(decoding: buf.key(m), as: UTF8.self)
                    guard let c = index[key] else { continue }
                    let j = slot[c]
                    if j < 0 || seen[j] == rows { continue }
                    seen[j] = rows
                    let ok: Bool
                    switch m.kind {
                    case .null: builders[j].appendNull(); ok = true
                    case .true, .false: ok = builders[j].appendBool(m.kind == .true)
                    case .number, .string:
                        let v = buf.value(m)
                        if m.kind == .string && v.count == 0 && s.types[c] == .varchar {
                            // an empty string stays a string (not NULL) in JSON
                            builders[j].ints.append(Int64(builders[j].interner.intern(nil, 0)))
                            builders[j].valid.append(1)
                            ok = true
                        } else {
                            ok = builders[j].append(v.baseAddress?.assumingMemoryBound(to: UInt8.self), v.count)
                        }
                    }
                    if !ok {
                        let col = m.valueInScratch ? (m.keyInScratch ? 1 : Int(m.keyStart)) : Int(m.valueStart) + 1
                        throw badValue(path, line: line, column: col, name: key, type: s.types[c],
                                       String(decoding: buf.value(m), as: UTF8.self), detected: detected && o.types[key.lowercased()] == nil)
                    }
                }
                rows += 1
                for j in builders.indices where builders[j].valid.count < rows { builders[j].appendNull() }
            }
        case .parquet:
            throw QueryError("internal: Parquet files are read by the columnar reader", kind: .internal)
        }
        return (builders.map { $0.vector() }, rows)
    }
}
