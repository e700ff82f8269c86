// RFC 4180 CSV scanning into reusable field/row span buffers.

#if canImport(Dispatch)
import Dispatch
#endif

/// CSV dialect: delimiter and quote byte.
public struct CSVDialect: Sendable, Equatable {
    /// Field delimiter (default `,`; also `\t`, `;`, `|`, ...). Must not be `"`, `\r` or `\n`.
    public var delimiter: UInt8
    /// Quote byte (default `"`).
    public var quote: UInt8

    /// Creates a dialect.
    public init(delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\"")) {
        precondition(delimiter != quote && delimiter != 0x0A && delimiter != 0x0D)
        precondition(quote != 0x0A && quote != 0x0D)
        self.delimiter = delimiter
        self.quote = quote
    }

    /// Comma-separated (`,`).
    public static let csv = CSVDialect()
    /// Tab-separated (`\t`).
    public static let tsv = CSVDialect(delimiter: 0x09)
    /// Semicolon-separated (`;`).
    public static let semicolon = CSVDialect(delimiter: UInt8(ascii: ";"))
    /// Pipe-separated (`|`).
    public static let pipe = CSVDialect(delimiter: UInt8(ascii: "|"))

    /// Framing for `InputChunkReader` / `InputSplitter`.
    public var framing: InputFraming { .csv(quote: quote) }
}

/// One scanned field: a byte span relative to the chunk start.
///
/// For a quoted field the span excludes the surrounding quotes; if `needsUnescape` the span
/// still contains doubled quotes (`""`) — decode with `CSVScanner.unescape`.
public struct CSVField: Sendable, Equatable {
    /// Offset of the first content byte, relative to the chunk start.
    public var start: Int32
    /// Offset one past the last content byte.
    public var end: Int32
    /// Bit 0: quoted; bit 1: contains doubled quotes.
    public var flags: UInt8

    public init(start: Int32, end: Int32, flags: UInt8) {
        self.start = start
        self.end = end
        self.flags = flags
    }

    /// Flag bit: the field was quoted.
    public static let quotedFlag: UInt8 = 1
    /// Flag bit: the field contains doubled quotes and must be unescaped.
    public static let escapedFlag: UInt8 = 2

    /// The field was enclosed in quotes (so e.g. `""` is an empty *quoted* string, not NULL).
    @inlinable public var isQuoted: Bool { flags & CSVField.quotedFlag != 0 }
    /// The span contains doubled quotes that `CSVScanner.unescape` collapses.
    @inlinable public var needsUnescape: Bool { flags & CSVField.escapedFlag != 0 }
    /// Raw span length in bytes.
    @inlinable public var count: Int { Int(end - start) }

    /// The raw span inside `chunk` (still escaped if `needsUnescape`).
    @inlinable public func bytes(in chunk: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: chunk.baseAddress! + Int(start), count: Int(end - start))
    }
}

/// One scanned row: a run of fields in `CSVRowBuffer.fields`.
public struct CSVRow: Sendable, Equatable {
    /// Index of the row's first field in `CSVRowBuffer.fields`.
    public var firstField: Int32
    /// Number of fields (≥ 1).
    public var fieldCount: Int32
    /// 1-based physical line number where the row starts (newlines inside quoted fields of
    /// earlier rows are counted).
    public var line: Int64

    public init(firstField: Int32, fieldCount: Int32, line: Int64) {
        self.firstField = firstField
        self.fieldCount = fieldCount
        self.line = line
    }
}

/// A structural CSV error. `description`: `line 12, column 3: unexpected character after
/// closing quote` or `line 9: unterminated quoted field`. Columns are 1-based field indices.
public struct CSVError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Kinds of structural errors.
    public enum Kind: Sendable, Equatable {
        /// A byte other than delimiter/newline follows a closing quote (`"abc"x`).
        case unexpectedCharacterAfterClosingQuote
        /// A quote inside an unquoted field (`ab"c`); the scanner is strict about this.
        case quoteInUnquotedField
        /// The input ends inside a quoted field.
        case unterminatedQuotedField
    }

    /// What went wrong.
    public let kind: Kind
    /// 1-based physical line of the offending byte (for `unterminatedQuotedField`: the line of
    /// the opening quote).
    public let line: Int
    /// 1-based field index within the row, or `nil` (unterminated quoted field).
    public let column: Int?
    /// Offset of the offending byte relative to the chunk start.
    public let byteOffset: Int

    public init(kind: Kind, line: Int, column: Int?, byteOffset: Int) {
        self.kind = kind
        self.line = line
        self.column = column
        self.byteOffset = byteOffset
    }

    /// The reason without position.
    public var message: String {
        switch kind {
        case .unexpectedCharacterAfterClosingQuote: return "unexpected character after closing quote"
        case .quoteInUnquotedField: return "unexpected quote in unquoted field"
        case .unterminatedQuotedField: return "unterminated quoted field"
        }
    }

    public var description: String {
        if let c = column { return "line \(line), column \(c): \(message)" }
        return "line \(line): \(message)"
    }
}

/// Reusable output of `CSVScanner.scan`: field spans and rows of one chunk or piece.
///
/// Capacity is kept across scans (`removeAll` does not free), so steady-state scanning does
/// not allocate. Not thread-safe: use one buffer per scanning thread.
public final class CSVRowBuffer: @unchecked Sendable {
    private var fieldStorage: UnsafeMutablePointer<CSVField>
    private var fieldCapacity: Int
    private var rowStorage: UnsafeMutablePointer<CSVRow>
    private var rowCapacity: Int
    /// Number of fields stored.
    public private(set) var fieldCount = 0
    /// Number of rows stored.
    public private(set) var rowCount = 0
    /// Physical line number following the last scanned byte (the next piece's first line).
    public internal(set) var endLine = 1

    /// Creates a buffer with initial capacities.
    public init(fieldCapacity: Int = 1 << 16, rowCapacity: Int = 1 << 12) {
        self.fieldCapacity = max(fieldCapacity, 16)
        self.rowCapacity = max(rowCapacity, 16)
        fieldStorage = .allocate(capacity: self.fieldCapacity)
        rowStorage = .allocate(capacity: self.rowCapacity)
    }

    deinit {
        fieldStorage.deallocate()
        rowStorage.deallocate()
    }

    /// All fields of all rows, in order.
    public var fields: UnsafeBufferPointer<CSVField> {
        UnsafeBufferPointer(start: fieldStorage, count: fieldCount)
    }

    /// All rows, in order.
    public var rows: UnsafeBufferPointer<CSVRow> {
        UnsafeBufferPointer(start: rowStorage, count: rowCount)
    }

    /// The fields of `row`.
    @inlinable public func fields(of row: CSVRow) -> UnsafeBufferPointer<CSVField> {
        UnsafeBufferPointer(rebasing: fields[Int(row.firstField)..<Int(row.firstField + row.fieldCount)])
    }

    /// Forgets all rows and fields, keeping capacity.
    public func removeAll() {
        fieldCount = 0
        rowCount = 0
    }

    @inline(__always)
    func appendField(_ start: Int, _ end: Int, _ flags: UInt8) {
        if fieldCount == fieldCapacity { growFields() }
        fieldStorage[fieldCount] = CSVField(start: Int32(truncatingIfNeeded: start),
                                            end: Int32(truncatingIfNeeded: end), flags: flags)
        fieldCount += 1
    }

    @inline(__always)
    func appendRow(firstField: Int, line: Int) {
        if rowCount == rowCapacity { growRows() }
        rowStorage[rowCount] = CSVRow(firstField: Int32(truncatingIfNeeded: firstField),
                                      fieldCount: Int32(truncatingIfNeeded: fieldCount - firstField),
                                      line: Int64(line))
        rowCount += 1
    }

    @inline(never)
    private func growFields() {
        let nc = fieldCapacity * 2
        let ns = UnsafeMutablePointer<CSVField>.allocate(capacity: nc)
        ns.moveInitialize(from: fieldStorage, count: fieldCount)
        fieldStorage.deallocate()
        fieldStorage = ns
        fieldCapacity = nc
    }

    @inline(never)
    private func growRows() {
        let nc = rowCapacity * 2
        let ns = UnsafeMutablePointer<CSVRow>.allocate(capacity: nc)
        ns.moveInitialize(from: rowStorage, count: rowCount)
        rowStorage.deallocate()
        rowStorage = ns
        rowCapacity = nc
    }
}

/// Growable scratch space for unescaped field values. Reuse one per thread.
public final class CSVScratch: @unchecked Sendable {
    private var storage: UnsafeMutableRawBufferPointer

    /// Creates scratch space with an initial capacity.
    public init(capacity: Int = 4096) {
        storage = .allocate(byteCount: max(capacity, 64), alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Collapses doubled quotes of `raw` (a quoted field's content span) into the scratch
    /// buffer and returns the decoded bytes, valid until the next call.
    public func unescape(_ raw: UnsafeRawBufferPointer, quote: UInt8 = UInt8(ascii: "\"")) -> UnsafeRawBufferPointer {
        if storage.count < raw.count {
            storage.deallocate()
            storage = .allocate(byteCount: max(raw.count, storage.count * 2), alignment: 16)
        }
        let n = CSVScanner.unescape(raw, quote: quote, into: storage.baseAddress!)
        return UnsafeRawBufferPointer(start: storage.baseAddress!, count: n)
    }
}

/// Strict RFC 4180 scanner producing field spans.
///
/// Grammar and policies:
/// * Rows end at `\n` or `\r\n` (a `\r` directly before the end of the input also ends a row).
///   A bare `\r` elsewhere is ordinary data (inside unquoted or quoted fields).
/// * Empty lines (`\n` or `\r\n` alone) are skipped and produce no row; a line holding only
///   whitespace is a row with one field. The last row may lack its newline.
/// * A field starting with the quote byte is quoted: it may contain delimiters, `\r`, `\n` and
///   doubled quotes, and must be followed by a delimiter, a row end or the end of the input
///   (else `unexpected character after closing quote`).
/// * **Strict:** a quote inside an unquoted field (`ab"c`) is an error
///   (`unexpected quote in unquoted field`), as in RFC 4180. This also keeps quote-parity
///   chunk splitting exact.
/// * Line numbers count every `\n` (including those inside quoted fields).
/// * UTF-8 BOM handling is done by `InputChunkReader` (only at the start of the input).
public enum CSVScanner {
    /// Scans `range` of `chunk` into `out` (cleared first).
    ///
    /// `range` must start at a row boundary outside quotes (a piece from `InputSplitter` or
    /// `InputChunkReader`). Field offsets are relative to `chunk.baseAddress`, so pieces of one
    /// chunk can be scanned independently into separate buffers. The end of `range` is treated as
    /// the end of the last row (pieces and chunks always end after a row terminator, except at
    /// the end of the input). `out.endLine` is set to the line number after the range.
    ///
    /// - Throws: `CSVError` for malformed input (positions are absolute line numbers).
    public static func scan(_ chunk: UnsafeRawBufferPointer, range: Range<Int>, firstLine: Int,
                            dialect: CSVDialect = .csv, into out: CSVRowBuffer) throws(CSVError) {
        out.removeAll()
        out.endLine = firstLine
        guard let raw = chunk.baseAddress, !range.isEmpty else { return }
        precondition(range.lowerBound >= 0 && range.upperBound <= chunk.count)
        let p = raw.assumingMemoryBound(to: UInt8.self)
        let delim = dialect.delimiter, quote = dialect.quote
        let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let dPat = ones &* UInt64(delim), qPat = ones &* UInt64(quote)
        let lfPat = ones &* UInt64(lf), crPat = ones &* UInt64(cr)
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 {
            ~(((x & low7) &+ low7) | x | low7)  // high bit set exactly in zero bytes (little-endian order)
        }
        // Byte classes for the unquoted-field loop: nonzero = stop byte.
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { (t) throws(CSVError) in
            t.initialize(repeating: 0)
            t[Int(delim)] = 1; t[Int(quote)] = 1; t[Int(lf)] = 1; t[Int(cr)] = 1
            let cls = UnsafePointer(t.baseAddress!)
            let end = range.upperBound
            var i = range.lowerBound
            var line = firstLine
            while i < end {
                // Skip empty lines.
                let c0 = p[i]
                if c0 == lf { line += 1; i += 1; continue }
                if c0 == cr && (i + 1 == end || p[i + 1] == lf) {
                    if i + 1 < end { line += 1 }
                    i += 2
                    continue
                }
                let rowLine = line
                let firstField = out.fieldCount
                var col = 1
                fieldLoop: while true {
                    if i < end && p[i] == quote {
                        let openLine = line
                        i += 1
                        let fs = i
                        var flags = CSVField.quotedFlag
                        while true {
                            // 8 bytes at a time to the next quote, counting newlines passed.
                            while i + 8 <= end {
                                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                                let mq = zeroBytes(w ^ qPat)
                                let ml = zeroBytes(w ^ lfPat)
                                if mq != 0 {
                                    let tz = mq.trailingZeroBitCount
                                    line += (ml & ((1 << UInt64(tz)) &- 1)).nonzeroBitCount
                                    i += tz >> 3
                                    break
                                }
                                line += ml.nonzeroBitCount
                                i += 8
                            }
                            while i < end {
                                let c = p[i]
                                if c == quote { break }
                                if c == lf { line += 1 }
                                i += 1
                            }
                            if i >= end {
                                throw CSVError(kind: .unterminatedQuotedField, line: openLine, column: nil,
                                               byteOffset: fs - 1)
                            }
                            if i + 1 < end && p[i + 1] == quote {
                                flags |= CSVField.escapedFlag
                                i += 2
                                continue
                            }
                            break
                        }
                        out.appendField(fs, i, flags)
                        i += 1  // closing quote
                        if i >= end { break fieldLoop }
                        let c = p[i]
                        if c == delim { i += 1; col += 1; continue fieldLoop }
                        if c == lf { i += 1; line += 1; break fieldLoop }
                        if c == cr {
                            if i + 1 == end { i += 1; break fieldLoop }
                            if p[i + 1] == lf { i += 2; line += 1; break fieldLoop }
                        }
                        throw CSVError(kind: .unexpectedCharacterAfterClosingQuote, line: line, column: col,
                                       byteOffset: i)
                    } else {
                        let fs = i
                        while true {
                            // 8 bytes at a time to the first delimiter/quote/CR/LF, then bytewise.
                            while i + 8 <= end {
                                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                                let m = zeroBytes(w ^ dPat) | zeroBytes(w ^ qPat) | zeroBytes(w ^ lfPat)
                                    | zeroBytes(w ^ crPat)
                                if m != 0 { i += m.trailingZeroBitCount >> 3; break }
                                i += 8
                            }
                            while i < end && cls[Int(p[i])] == 0 { i += 1 }
                            if i >= end {
                                out.appendField(fs, end, 0)
                                break fieldLoop
                            }
                            let c = p[i]
                            if c == delim {
                                out.appendField(fs, i, 0)
                                i += 1; col += 1
                                continue fieldLoop
                            }
                            if c == lf {
                                out.appendField(fs, i, 0)
                                i += 1; line += 1
                                break fieldLoop
                            }
                            if c == cr {
                                if i + 1 == end {
                                    out.appendField(fs, i, 0)
                                    i += 1
                                    break fieldLoop
                                }
                                if p[i + 1] == lf {
                                    out.appendField(fs, i, 0)
                                    i += 2; line += 1
                                    break fieldLoop
                                }
                                i += 1  // bare CR: data
                                continue
                            }
                            throw CSVError(kind: .quoteInUnquotedField, line: line, column: col, byteOffset: i)
                        }
                    }
                }
                out.appendRow(firstField: firstField, line: rowLine)
            }
            out.endLine = line
        }
    }

    /// Scans the pieces of one chunk concurrently (one thread per piece, via
    /// `DispatchQueue.concurrentPerform`), piece `j` into `buffers[j]`.
    ///
    /// Rows of the chunk in order are `buffers[0].rows`, then `buffers[1].rows`, ... Buffers
    /// beyond `pieces.count` are cleared, so iterating all of them is safe.
    /// Throws the error of the earliest failing piece (which is the first error of the chunk).
    public static func scan(_ chunk: UnsafeRawBufferPointer, pieces: [InputPiece], dialect: CSVDialect = .csv,
                            into buffers: [CSVRowBuffer]) throws(CSVError) {
        precondition(buffers.count >= pieces.count, "need one buffer per piece")
        for j in pieces.count..<buffers.count { buffers[j].removeAll() }
        if pieces.count == 1 {
            try scan(chunk, range: pieces[0].range, firstLine: pieces[0].firstLine, dialect: dialect,
                     into: buffers[0])
            return
        }
        let errors = UnsafeMutableBufferPointer<CSVError?>.allocate(capacity: pieces.count)
        errors.initialize(repeating: nil)
        defer { errors.deallocate() }
        nonisolated(unsafe) let chunkRef = chunk
        nonisolated(unsafe) let errorsRef = errors
        DispatchQueue.concurrentPerform(iterations: pieces.count) { j in
            do throws(CSVError) {
                try scan(chunkRef, range: pieces[j].range, firstLine: pieces[j].firstLine, dialect: dialect,
                         into: buffers[j])
            } catch {
                errorsRef[j] = error
            }
        }
        for e in errors { if let e { throw e } }
    }

    /// Why a file with lone CR line endings is refused (see `loneCRLine`).
    public static let loneCRMessage = "lone CR (\\r) line endings are not supported: convert with tr '\\r' '\\n'"

    /// The line of the first row of `chunk[range]` (empty lines skipped) if that row holds a
    /// `\r` outside quotes that neither precedes `\n` nor ends the range: the mark of a file with
    /// lone CR (classic Mac) line endings, which `scan` (a bare `\r` is data) would read as one
    /// huge row. `nil` otherwise. Quote-aware: a `\r` inside a quoted field is data; `\r\n`
    /// is a line end. Reads only up to the end of that first row (or the lone CR).
    public static func loneCRLine(_ chunk: UnsafeRawBufferPointer, range: Range<Int>, firstLine: Int,
                                  quote: UInt8 = UInt8(ascii: "\"")) -> Int? {
        guard let raw = chunk.baseAddress, !range.isEmpty else { return nil }
        let p = raw.assumingMemoryBound(to: UInt8.self)
        let end = range.upperBound
        var i = range.lowerBound
        var line = firstLine
        var inQuotes = false
        var rowStarted = false
        while i < end {
            let c = p[i]
            if c == quote {
                inQuotes.toggle()
                rowStarted = true
            } else if c == 0x0A {
                if !inQuotes && rowStarted { return nil }
                line += 1
            } else if c == 0x0D {
                if !inQuotes && i + 1 < end && p[i + 1] != 0x0A { return line }
            } else {
                rowStarted = true
            }
            i += 1
        }
        return nil
    }

    /// Copies `raw` (a quoted field's content) to `dst` collapsing each doubled quote to one
    /// quote; returns the number of bytes written (≤ `raw.count`).
    public static func unescape(_ raw: UnsafeRawBufferPointer, quote: UInt8 = UInt8(ascii: "\""),
                                into dst: UnsafeMutableRawPointer) -> Int {
        guard let src = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let d = dst.assumingMemoryBound(to: UInt8.self)
        let n = raw.count
        var i = 0, o = 0
        while i < n {
            let c = src[i]
            d[o] = c
            o += 1
            i += (c == quote && i + 1 < n && src[i + 1] == quote) ? 2 : 1
        }
        return o
    }
}
