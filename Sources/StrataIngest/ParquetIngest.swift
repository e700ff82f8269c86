import Foundation
import StrataCore
import StrataFormat
import StrataParquet
import StrataStore
import StrataText

// Parquet input of `Ingestor.ingest` (issue 17): `strata ingest t x.parquet`, `COPY t FROM
// 'x.parquet'`, mixed with CSV/NDJSON in one batch. The file is read through StrataParquet's
// `ParquetFile.readColumn(rowGroup:column:)`, a batch of row groups at a time (about
// `flushRows` rows), the (row group, column) chunks decoded and converted in parallel, then
// handed to the background stager as columns: no text is produced or parsed on the way, and
// at most one batch is decoded while the previous one is staged.
//
// Rules shared with the text path: a missing table is created from the file's schema (the
// time column detected by name, epoch integer columns under an epoch `--time-format`);
// columns map to an existing table by name (case-insensitive, also after the column-name
// normalization); input columns the table lacks are refused unless `--ignore-extra-columns`;
// a missing NOT NULL or time column refuses the file; a value that does not fit the table's
// column type is a bad row (`--max-errors`), and for a table this batch created it widens the
// column and the batch is read again. A Parquet value whose type differs from the column's is
// converted as its text would be by the CSV path (an INT64 `20` loads into BIGINT, DOUBLE
// `19.99` does not; a VARCHAR `'42'` into BIGINT parses once per dictionary entry).
// A bad row's `line` is the 1-based row number in the file.

/// Parquet recognition for ingest.
public enum ParquetInput {
    /// `PAR1`, the first and last four bytes of every Parquet file.
    public static let magic: [UInt8] = [0x50, 0x41, 0x52, 0x31]

    /// The name ends in `.parquet` or `.pq` (optionally under a compression suffix, which the
    /// ingest refuses: Parquet compresses its own pages).
    public static func isParquetName(_ path: String) -> Bool {
        let n = CompressedName.formatPart(path)
        return n.hasSuffix(".parquet") || n.hasSuffix(".pq")
    }

    /// The bytes start with the Parquet magic.
    static func hasMagic(_ head: [UInt8]) -> Bool {
        head.count >= 4 && Array(head[0..<4]) == magic
    }

    /// XXH64 of the file's bytes (the content hash of the batch id, as `InputSource` hashes a
    /// text file's bytes).
    static func contentHash(path: String, display: String) throws(IngestError) -> UInt64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestError(.user, "\(display): cannot open: \(String(cString: strerror(errno)))", file: display) }
        defer { close(fd) }
        var h = InputHasher()
        let size = 4 << 20
        let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buf.deallocate() }
        while true {
            let n = read(fd, buf, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestError(.io, "\(display): read failed: \(String(cString: strerror(errno)))", file: display)
            }
            if n == 0 { break }
            h.update(UnsafeRawBufferPointer(start: buf, count: n))
        }
        return h.finalize()
    }
}

extension IngestError {
    /// A Parquet failure, naming file, row group and column (`ParquetError.description`): a
    /// file that cannot be opened or uses a feature Strata does not read is the user's; a
    /// corrupt or truncated file is an input failure like a broken gzip stream (`.io`).
    init(_ e: ParquetError, display: String) {
        var e = e
        if e.file.isEmpty { e.file = display }
        let kind: Kind
        switch e.kind {
        case .unsupported, .invalidArgument, .notParquet: kind = .user
        case .io: kind = e.message.hasPrefix("cannot open") ? .user : .io
        case .corrupt: kind = .io
        }
        self.init(kind, e.description, file: display, cause: e)
    }
}

/// One bad value found while converting a (row group, column) chunk.
struct ParquetBadValue {
    /// Row within the row group.
    var row: Int
    /// Table column.
    var column: Int
    var reason: String
    var value: String?
    /// The value does not fit the column's type (a created table widens instead).
    var widenable: Bool
}

/// How one table column is filled from the file.
struct ParquetColumnSource {
    /// The file's column index, or -1: the column is absent (NULL).
    var fileColumn: Int
    /// The file column's Strata type (when present).
    var fileType: ColumnType
}

/// The first error of parallel work.
final class ParquetIngestFailure: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: IngestError?
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }
    func set(_ e: IngestError) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}

extension IngestRun {
    /// Loads the Parquet file at `path` into the batch (creating the table from its schema
    /// when this is the first input and the table does not exist).
    mutating func ingestParquet(_ path: String, display: String) throws(IngestError) {
        if path == "-" {
            throw IngestError(.user, "<stdin>: Parquet input needs a file (it is read from its footer), not standard input", file: "<stdin>")
        }
        if CompressedName.formatPart(path) != path.lowercased() {
            throw IngestError(.user, "\(display): a compressed Parquet file cannot be read in place (Parquet compresses its pages itself): decompress it first", file: display)
        }
        try flush()
        let f: ParquetFile
        do throws(ParquetError) { f = try ParquetFile(path: path) } catch { throw IngestError(error, display: display) }
        let hash = try ParquetInput.contentHash(path: path, display: display)
        if plan == nil { try createTableFromParquet(f, display: display) }
        guard let plan, let table else { throw IngestError(.user, "table '\(name)' does not exist") }
        if plan.enrich {
            throw IngestError(.user, "\(display): click enrichment (--enrich clicks or the table's enrich option) is not available for Parquet input yet: "
                              + "load the file into a table without enrichment, or convert it to CSV", file: display)
        }
        let sources = try mapParquetColumns(f, plan: plan, display: display)
        let groups = f.rowGroups.count
        var g0 = 0
        var fileRow = 0
        var bytesInFile: Int64 = 0
        let total = totalBytes
        while g0 < groups {
            // a batch of whole row groups of about flushRows rows
            var g1 = g0 + 1
            var rows = f.rowGroups[g0].rowCount
            while g1 < groups && rows + f.rowGroups[g1].rowCount <= options.flushRows {
                rows += f.rowGroups[g1].rowCount
                g1 += 1
            }
            let (columns, bad) = try decodeParquetBatch(f, groups: g0..<g1, sources: sources, plan: plan, display: display)
            // bad values in input order: the first column of a row names it
            var badRows: [(group: Int, row: Int)] = []
            var firstRow = fileRow
            for (k, list) in bad.enumerated() {
                let g = g0 + k
                var seen = Set<Int>()
                for b in list.sorted(by: { ($0.row, $0.column) < ($1.row, $1.column) }) where seen.insert(b.row).inserted {
                    let line = firstRow + b.row + 1
                    if plan.widen && b.widenable {
                        let to = SchemaDetection.widened(plan.types[b.column], value: b.value ?? "")
                        if to != plan.types[b.column] {
                            if !pendingWidenings.contains(where: { $0.column == plan.slotNames[b.column] }) {
                                pendingWidenings.append((column: plan.slotNames[b.column], from: plan.types[b.column], to: to,
                                                         file: display, line: line, value: b.value ?? ""))
                            }
                            continue
                        }
                    }
                    let e = RowError(file: display, line: line, column: plan.slotNames[b.column], reason: b.reason, value: b.value,
                                     raw: "<Parquet row \(line), row group \(g)>")
                    if rejected.count >= options.maxErrors {
                        if let path = options.rejectsPath { try? RejectsWriter.write(rejected + [e], to: path) }
                        let first = rejected.first ?? e
                        if options.maxErrors == 0 { throw IngestError(e) }
                        throw IngestError(.refused, "ingest refused: \(options.maxErrors + 1) bad rows exceed --max-errors \(options.maxErrors); first: \(first)",
                                          rowErrors: rejected + [e])
                    }
                    rejected.append(e)
                    badRows.append((k, b.row))
                }
                firstRow += f.rowGroups[g].rowCount
            }
            if !pendingWidenings.isEmpty { return }
            rowsParsed += rows
            fileRow += rows
            var kept = columns
            if !badRows.isEmpty {
                // drop the bad rows (offsets within the batch)
                var drop = [Bool](repeating: false, count: rows)
                var base = [Int](repeating: 0, count: g1 - g0)
                for k in 1..<max(1, g1 - g0) { base[k] = base[k - 1] + f.rowGroups[g0 + k - 1].rowCount }
                for (k, r) in badRows { drop[base[k] + r] = true }
                let keep = (0..<rows).filter { !drop[$0] }.map { Int32($0) }
                kept = keep.withUnsafeBufferPointer { p in columns.map { $0.gathered(p) } }
            }
            let n = kept.first?.count ?? 0
            if n > 0 {
                try stager.submit(table: table, definition: plan.def, columns: kept)
                rowsLoaded += n
            }
            for g in g0..<g1 { bytesInFile += Int64(f.rowGroups[g].compressedSize) }
            if let p = options.progress { p(bytesDone + min(bytesInFile, Int64(f.fileSize)), total, rowsParsed) }
            try checkInterrupt()
            g0 = g1
        }
        hashes.append(hash)
        bytesDone += Int64(f.fileSize)
    }

    /// Creates the missing table from the file's schema, as the text path does from detected
    /// columns.
    mutating func createTableFromParquet(_ f: ParquetFile, display: String) throws(IngestError) {
        var detected: [(name: String, type: ColumnType)] = []
        for c in f.columns {
            guard let t = c.type else {
                if options.extraColumns == .ignore { continue }
                throw IngestError(.user, "\(display): \(c.unsupportedReason ?? "column '\(c.name)' cannot be read") (--ignore-extra-columns skips it)",
                                  file: display)
            }
            detected.append((c.name, t))
        }
        var epochColumns = Set<String>()
        switch options.timeFormat {
        case .epochSeconds, .epochMillis, .epochMicros:
            // integer columns that hold times become TIMESTAMP, as for CSV (by name, else by range)
            var acc: [(String, SchemaDetection.Accumulator)] = []
            for (name, t) in detected {
                var a = SchemaDetection.Accumulator()
                a.add(SchemaDetection.mask(of: t))
                if t == .bigint || t == .integer, let i = f.columnIndex(named: name) {
                    for g in f.rowGroups {
                        if case .int64(let lo)? = g.statistics[i]?.min, case .int64(let hi)? = g.statistics[i]?.max {
                            a.minInt = min(a.minInt, lo)
                            a.maxInt = max(a.maxInt, hi)
                        } else if g.rowCount > 0 {
                            a.minInt = Int64.min  // no statistics: not plausible by range
                        }
                    }
                }
                acc.append((name, a))
            }
            let converted = SchemaDetection.epochColumns(acc, options.timeFormat, converted: &epochColumns)
            for i in detected.indices where converted[i].type == .timestamp && detected[i].type != .timestamp {
                detected[i].type = .timestamp
            }
        default: break
        }
        for i in detected.indices {
            if let t = typeOverrides[SchemaDetection.columnName(detected[i].name).lowercased()] { detected[i].type = t }
        }
        guard !detected.isEmpty else { throw IngestError(.user, "\(display): no column to create table '\(name)' from") }
        if let e = options.enrich?.lowercased(), e == "clicks" {
            detected = SchemaDetection.withClickEnrichment(detected, keepIP: options.keepIP)
        }
        var def = SchemaDetection.definition(table: name, columns: detected, granularity: options.granularity)
        if let e = options.enrich { def.options["enrich"] = e }
        do {
            table = try store.createTable(def)
            def = try table!.definition
        } catch { throw IngestError(error) }
        createdTable = def
        var formats: [String: TimeFormat] = [:]
        for c in def.columns where c.type == .timestamp && !epochColumns.contains(c.name.lowercased()) {
            formats[c.name.lowercased()] = .auto
        }
        let p = try TablePlan(def: def, options: options, widen: options.widenTypes, timeFormats: formats)
        plan = p
        workers = (0..<threads).map { _ in Worker(plan: p) }
    }

    /// Table column → file column, with the text path's rules on extra and missing columns.
    func mapParquetColumns(_ f: ParquetFile, plan: TablePlan, display: String) throws(IngestError) -> [ParquetColumnSource] {
        var sources = [ParquetColumnSource](repeating: ParquetColumnSource(fileColumn: -1, fileType: .varchar), count: plan.ncols)
        var extra: [String] = []
        for (i, c) in f.columns.enumerated() {
            let key = SchemaDetection.columnName(c.name).lowercased()
            guard let s = plan.slotIndex[c.name.lowercased()] ?? plan.slotIndex[key], s < plan.ncols else {
                extra.append(c.name)
                continue
            }
            if sources[s].fileColumn >= 0 { throw IngestError(.user, "\(display): the file names column '\(plan.slotNames[s])' twice", file: display) }
            guard let t = c.type else {
                throw IngestError(.user, "\(display): \(c.unsupportedReason ?? "column '\(c.name)' cannot be read")", file: display)
            }
            sources[s] = ParquetColumnSource(fileColumn: i, fileType: t)
        }
        if !extra.isEmpty && !plan.ignoreExtra {
            throw IngestError(.user, "\(display): columns not in table '\(plan.def.name)': \(extra.joined(separator: ", "))"
                              + " (--ignore-extra-columns skips them)", file: display)
        }
        for c in 0..<plan.ncols where sources[c].fileColumn < 0 && plan.notNull[c] {
            if c == plan.timeColumn {
                throw IngestError(.user, "\(display): the file lacks column '\(plan.slotNames[c])' (the table's time column)", file: display)
            }
            throw IngestError(.user, "\(display): the file lacks NOT NULL column '\(plan.slotNames[c])'", file: display)
        }
        return sources
    }

    /// Decodes and converts row groups `groups` (one parallel item per row group and table
    /// column), then joins each column's row groups: the columns of the batch, and the bad
    /// values of each row group.
    func decodeParquetBatch(_ f: ParquetFile, groups: Range<Int>, sources: [ParquetColumnSource], plan: TablePlan,
                            display: String) throws(IngestError) -> ([Column], [[ParquetBadValue]]) {
        let ng = groups.count, nc = plan.ncols
        let items = ng * nc
        let out = UnsafeMutableBufferPointer<Column?>.allocate(capacity: items)
        out.initialize(repeating: nil)
        defer { out.deinitialize(); out.deallocate() }
        let badOut = UnsafeMutableBufferPointer<[ParquetBadValue]>.allocate(capacity: items)
        badOut.initialize(repeating: [])
        defer { badOut.deinitialize(); badOut.deallocate() }
        let hexOut = UnsafeMutableBufferPointer<ParquetHexColumn?>.allocate(capacity: items)
        hexOut.initialize(repeating: nil)
        defer { hexOut.deinitialize(); hexOut.deallocate() }
        let hexBox = UncheckedBox(hexOut)
        let hexColumns = ParquetHexIngest.columns(f, sources: sources, plan: plan)
        let box = UncheckedBox((out, badOut))
        let failure = ParquetIngestFailure()
        let g0 = groups.lowerBound
        let converter = ParquetValueConverter(plan: plan)
        ParallelWork.forEach(items, workers: threads, stop: options.interruption) { i, _ in
            guard !failure.isSet else { return }
            let k = i / nc, c = i % nc
            let g = g0 + k
            let rows = f.rowGroups[g].rowCount
            let src = sources[c]
            if src.fileColumn < 0 {
                box.value.0[i] = ParquetValueConverter.nullColumn(plan.types[c].physical, rows: rows)
                return
            }
            do throws(ParquetError) {
                if hexColumns.contains(c), let hw = try ParquetHexIngest.read(f, g, src.fileColumn) {
                    hexBox.value[i] = hw
                    box.value.1[i] = converter.nullsRefused(hw.validity, column: c)
                    return
                }
                let col = try f.readColumn(rowGroup: g, column: src.fileColumn)
                var bad: [ParquetBadValue] = []
                box.value.0[i] = converter.convert(col, from: src.fileType, column: c, bad: &bad)
                box.value.1[i] = bad
            } catch {
                failure.set(IngestError(error, display: display))
            }
        }
        if let e = failure.error { throw e }
        try checkInterrupt()
        let total = groups.reduce(0) { $0 + f.rowGroups[$1].rowCount }
        let joined = UnsafeMutableBufferPointer<Column?>.allocate(capacity: nc)
        joined.initialize(repeating: nil)
        defer { joined.deinitialize(); joined.deallocate() }
        let jbox = UncheckedBox(joined)
        ParallelWork.forEach(nc, workers: threads) { c, _ in
            if hexColumns.contains(c) {
                let hex = (0..<ng).map { hexBox.value[$0 * nc + c] }
                if let joined = ParquetHexIngest.join(hex, total: total) { jbox.value[c] = joined; return }
                for k in 0..<ng where box.value.0[k * nc + c] == nil { box.value.0[k * nc + c] = ParquetHexIngest.column(hex[k]!) }
            }
            let parts = (0..<ng).map { box.value.0[$0 * nc + c]! }
            jbox.value[c] = ParquetValueConverter.join(parts, physical: plan.types[c].physical, total: total)
        }
        let bad = (0..<ng).map { k in (0..<nc).flatMap { badOut[k * nc + $0] } }
        return (joined.map { $0! }, bad)
    }
}

/// Turns file columns (in the file's Strata type) into table columns (in the table's type).
struct ParquetValueConverter: @unchecked Sendable {
    let plan: TablePlan

    /// A column of `rows` NULLs.
    static func nullColumn(_ p: PhysicalType, rows: Int) -> Column {
        let v = [UInt8](repeating: 0, count: rows)
        switch p {
        case .int64: return Column(.int64([Int64](repeating: 0, count: rows)), validity: rows == 0 ? nil : v)
        case .double: return Column(.double([Double](repeating: 0, count: rows)), validity: rows == 0 ? nil : v)
        case .bool: return Column(.bool(v), validity: rows == 0 ? nil : v)
        case .string: return Column(.string(codes: [UInt32](repeating: 0, count: rows), dictionary: StringDictionary()), validity: rows == 0 ? nil : v)
        }
    }

    /// Concatenation of row groups; string dictionaries are united by interning each part's
    /// entries once (insertion order: the segment writer sorts each segment's dictionary).
    static func join(_ parts: [Column], physical: PhysicalType, total: Int) -> Column {
        if parts.count == 1 { return parts[0] }
        guard physical == .string else { return Column.concatenated(parts, physical: physical, total: total) }
        var interner = ByteInterner(capacity: 1024)
        var codes = [UInt32](repeating: 0, count: total)
        var validity: [UInt8]? = parts.contains(where: { $0.validity != nil }) ? [] : nil
        validity?.reserveCapacity(total)
        codes.withUnsafeMutableBufferPointer { dst in
            var at = 0
            for p in parts {
                guard case .string(let src, let d) = p.data else { continue }
                var map = [UInt32](repeating: 0, count: d.count)
                d.bytes.withUnsafeBufferPointer { b in
                    for e in 0..<d.count {
                        let lo = Int(d.offsets[e]), hi = Int(d.offsets[e + 1])
                        map[e] = interner.intern(b.baseAddress.map { $0 + lo }, hi - lo)
                    }
                }
                map.withUnsafeBufferPointer { m in
                    src.withUnsafeBufferPointer { s in
                        for i in 0..<s.count {
                            let c = Int(s[i])
                            dst[at + i] = c < m.count ? m[c] : 0  // NULL rows may hold any code
                        }
                    }
                }
                if validity != nil {
                    if let v = p.validity { validity!.append(contentsOf: v) } else { validity!.append(contentsOf: repeatElement(1, count: p.count)) }
                }
                at += p.count
            }
        }
        return Column(.string(codes: codes, dictionary: StringDictionary(bytes: interner.bytes, offsets: interner.offsets)), validity: validity)
    }

    /// `col` (file type `from`) as table column `c`'s type; values that do not fit are listed
    /// in `bad` (and NULL in the result).
    func convert(_ col: Column, from: ColumnType, column c: Int, bad: inout [ParquetBadValue]) -> Column {
        let to = plan.types[c]
        var out: Column
        if from == to || (from == .integer && to == .bigint) {
            out = to == .varchar ? checkedStrings(col, column: c, bad: &bad) : col
        } else if to == .integer && from == .bigint {
            out = col
            if case .int64(let v) = col.data {
                var validity = col.validity
                for i in 0..<v.count where (validity.map { $0[i] != 0 } ?? true) && (v[i] < Int64(Int32.min) || v[i] > Int64(Int32.max)) {
                    bad.append(ParquetBadValue(row: i, column: c, reason: "value out of range for INTEGER", value: String(v[i]), widenable: true))
                    if validity == nil { validity = [UInt8](repeating: 1, count: v.count) }
                    validity![i] = 0
                }
                out = Column(.int64(v), validity: validity)
            }
        } else if to == .double, from == .integer || from == .bigint, case .int64(let v) = col.data {
            out = Column(.double(v.map { Double($0) }), validity: col.validity)
        } else if to == .bigint || to == .integer, from == .double, case .double(let v) = col.data {
            // integral doubles load (DuckDB's cast); 19.99 is not an integer
            let lo = to == .integer ? Double(Int32.min) : -9_223_372_036_854_775_808.0
            let hi = to == .integer ? Double(Int32.max) : 9_223_372_036_854_775_808.0
            var ints = [Int64](repeating: 0, count: v.count)
            var validity = col.validity
            for i in 0..<v.count where validity.map({ $0[i] != 0 }) ?? true {
                let x = v[i]
                if x.rounded(.towardZero) == x && x >= lo && (to == .integer ? x <= hi : x < hi) {
                    ints[i] = Int64(x)
                } else {
                    let reason = x.rounded(.towardZero) == x && x.isFinite ? "value out of range for \(to.sqlName)" : "invalid integer"
                    bad.append(ParquetBadValue(row: i, column: c, reason: reason, value: Values.formatDouble(x), widenable: true))
                    if validity == nil { validity = [UInt8](repeating: 1, count: v.count) }
                    validity![i] = 0
                }
            }
            out = Column(.int64(ints), validity: validity)
        } else if to == .timestamp && from == .date, case .int64(let v) = col.data {
            out = Column(.int64(v.map { $0 &* 86_400_000_000 }), validity: col.validity)
        } else if from == .varchar {
            out = parsedStrings(col, column: c, bad: &bad)
        } else {
            out = viaText(col, from: from, column: c, bad: &bad)
        }
        if plan.notNull[c], let v = out.validity {
            let reason = c == plan.timeColumn ? "missing time value (the partition column cannot be NULL)" : "NULL in NOT NULL column"
            let already = Set(bad.map(\.row))
            for i in 0..<v.count where v[i] == 0 && !already.contains(i) {
                bad.append(ParquetBadValue(row: i, column: c, reason: reason, value: nil, widenable: false))
            }
        }
        return out
    }

    /// String column into a VARCHAR column: every dictionary entry checked once (UTF-8, and
    /// empty strings NULL under `emptyAsNull`).
    func checkedStrings(_ col: Column, column c: Int, bad: inout [ParquetBadValue]) -> Column {
        guard case .string(let codes, let d) = col.data else { return col }
        // entry state: 0 fine, 1 NULL (empty), 2 invalid UTF-8 (error), 3 repaired
        var state = [UInt8](repeating: 0, count: d.count)
        var any = false
        d.bytes.withUnsafeBufferPointer { b in
            for e in 0..<d.count {
                let lo = Int(d.offsets[e]), n = Int(d.offsets[e + 1]) - lo
                if n == 0 {
                    if plan.emptyAsNull { state[e] = 1; any = true }
                } else if !UTF8Validation.isValid(b.baseAddress! + lo, n) {
                    state[e] = plan.invalidUTF8 == .replace ? 3 : 2
                    any = true
                }
            }
        }
        guard any else { return col }
        var dict = d
        if state.contains(3) {
            dict = StringDictionary()
            for e in 0..<d.count {
                d.withEntry(e) { p in
                    if state[e] == 3 {
                        let r = UTF8Validation.repaired(p.baseAddress, p.count)
                        r.withUnsafeBufferPointer { dict.append($0) }
                    } else {
                        dict.append(p)
                    }
                }
            }
        }
        var validity = col.validity ?? [UInt8](repeating: 1, count: codes.count)
        for i in 0..<codes.count where validity[i] != 0 {
            let s = state[Int(codes[i])]
            if s == 1 { validity[i] = 0 } else if s == 2 {
                validity[i] = 0
                let text = d.withEntry(Int(codes[i])) { UTF8Validation.escaped($0.baseAddress, $0.count, limit: 200) }
                let off = d.withEntry(Int(codes[i])) { UTF8Validation.firstInvalid($0.baseAddress, $0.count) }
                bad.append(ParquetBadValue(row: i, column: c, reason: "invalid UTF-8 at byte \(off + 1)", value: text, widenable: false))
            }
        }
        return Column(.string(codes: codes, dictionary: dict), validity: validity)
    }

    /// A parsed value: the table type's bits (doubles as their bit pattern, booleans 0/1), NULL
    /// (empty text), or why it does not fit.
    enum Parsed {
        case value(Int64)
        case null
        case bad(String)
    }

    /// Text into table column `c`'s (non-string) type, as the CSV path reads a field.
    func parse(_ p: UnsafePointer<UInt8>, _ n: Int, column c: Int) -> Parsed {
        let t = Values.trimmingSpaces(p, n)
        guard t.count > 0 else { return .null }
        let q = t.start, len = t.count
        switch plan.types[c] {
        case .bigint, .integer:
            guard let v = Values.parseInt64(q, len) else {
                var i = q[0] == 0x2D || q[0] == 0x2B ? 1 : 0
                var digits = i < len
                while i < len { if q[i] &- 48 > 9 { digits = false; break }; i += 1 }
                return .bad(digits ? "value out of range for \(plan.types[c].sqlName)" : "invalid integer")
            }
            if plan.types[c] == .integer && (v < Int64(Int32.min) || v > Int64(Int32.max)) { return .bad("value out of range for INTEGER") }
            return .value(v)
        case .double:
            guard let v = Values.parseDouble(q, len) else { return .bad("invalid double") }
            if v.isInfinite && !Values.isInfinityText(q, len) { return .bad("value out of range for DOUBLE") }
            return .value(Int64(bitPattern: v.bitPattern))
        case .boolean:
            guard let v = Values.parseBool(q, len) else { return .bad("invalid boolean") }
            return .value(v ? 1 : 0)
        case .timestamp:
            guard let v = Civil.parseTimestamp(q, len, format: plan.timeFormats[c]) else { return .bad("invalid timestamp") }
            return .value(v)
        case .date:
            guard let v = Civil.parseDate(q, len) else { return .bad("invalid date") }
            return .value(v)
        case .varchar:
            return .null
        }
    }

    /// Builds a column of table column `c`'s physical type from per-row parsed values.
    struct Builder {
        let physical: PhysicalType
        var ints: [Int64] = []
        var doubles: [Double] = []
        var bools: [UInt8] = []
        var validity: [UInt8] = []
        var nulls = false

        init(_ p: PhysicalType, rows: Int) {
            physical = p
            switch p {
            case .int64: ints.reserveCapacity(rows)
            case .double: doubles.reserveCapacity(rows)
            default: bools.reserveCapacity(rows)
            }
            validity.reserveCapacity(rows)
        }

        mutating func add(_ v: Int64?) {
            switch physical {
            case .int64: ints.append(v ?? 0)
            case .double: doubles.append(Double(bitPattern: UInt64(bitPattern: v ?? 0)))
            default: bools.append(UInt8(truncatingIfNeeded: v ?? 0))
            }
            validity.append(v == nil ? 0 : 1)
            if v == nil { nulls = true }
        }

        func column() -> Column {
            let v = nulls ? validity : nil
            switch physical {
            case .int64: return Column(.int64(ints), validity: v)
            case .double: return Column(.double(doubles), validity: v)
            default: return Column(.bool(bools), validity: v)
            }
        }
    }

    /// A string column into a non-string column: each dictionary entry parsed once.
    func parsedStrings(_ col: Column, column c: Int, bad: inout [ParquetBadValue]) -> Column {
        guard case .string(let codes, let d) = col.data else { return col }
        if plan.types[c] == .varchar { return checkedStrings(col, column: c, bad: &bad) }
        var parsed: [Parsed] = []
        parsed.reserveCapacity(d.count)
        d.bytes.withUnsafeBufferPointer { b in
            for e in 0..<d.count {
                let lo = Int(d.offsets[e]), n = Int(d.offsets[e + 1]) - lo
                parsed.append(n == 0 ? .null : parse(b.baseAddress! + lo, n, column: c))
            }
        }
        var out = Builder(plan.types[c].physical, rows: codes.count)
        for i in 0..<codes.count {
            if let v = col.validity, v[i] == 0 { out.add(nil); continue }
            switch parsed[Int(codes[i])] {
            case .value(let x): out.add(x)
            case .null: out.add(nil)
            case .bad(let reason):
                out.add(nil)
                bad.append(ParquetBadValue(row: i, column: c, reason: reason, value: d[Int(codes[i])], widenable: true))
            }
        }
        return out.column()
    }

    /// The text of row `i` of `col` (file type `from`), as the CSV writer would print it.
    static func text(_ col: Column, _ i: Int, from: ColumnType, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        switch col.data {
        case .int64(let v):
            switch from {
            case .date: Civil.appendDate(v[i], to: &out)
            case .timestamp: Civil.appendTimestamp(v[i], to: &out)
            default: Values.appendInt64(v[i], to: &out)
            }
        case .double(let v): Values.appendDouble(v[i], to: &out)
        case .bool(let v): out.append(contentsOf: (v[i] != 0 ? "true" : "false").utf8)
        case .string(let codes, let d): d.withEntry(Int(codes[i])) { out.append(contentsOf: $0) }
        }
    }

    /// Any other pair of types: each value as its text, read as the CSV path would read it
    /// (a VARCHAR column gets the text; DOUBLE 20.0 fits BIGINT, 19.99 does not).
    func viaText(_ col: Column, from: ColumnType, column c: Int, bad: inout [ParquetBadValue]) -> Column {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(64)
        let rows = col.count
        if plan.types[c] == .varchar {
            var interner = ByteInterner(capacity: 1024)
            var codes = [UInt32](repeating: 0, count: rows)
            for i in 0..<rows where !col.isNull(i) {
                Self.text(col, i, from: from, into: &scratch)
                codes[i] = scratch.withUnsafeBufferPointer { interner.intern($0.baseAddress, $0.count) }
            }
            return Column(.string(codes: codes, dictionary: StringDictionary(bytes: interner.bytes, offsets: interner.offsets)),
                          validity: col.validity)
        }
        var out = Builder(plan.types[c].physical, rows: rows)
        for i in 0..<rows {
            if col.isNull(i) { out.add(nil); continue }
            Self.text(col, i, from: from, into: &scratch)
            let r: Parsed = scratch.withUnsafeBufferPointer { b in
                b.count == 0 ? .null : parse(b.baseAddress!, b.count, column: c)
            }
            switch r {
            case .value(let x): out.add(x)
            case .null: out.add(nil)
            case .bad(let reason):
                out.add(nil)
                bad.append(ParquetBadValue(row: i, column: c, reason: reason, value: String(decoding: scratch, as: UTF8.self), widenable: true))
            }
        }
        return out.column()
    }
}
