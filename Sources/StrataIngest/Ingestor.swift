import Dispatch
import Foundation
import StrataCore
import StrataFormat
import StrataStore
import StrataText

/// Bulk ingestion of CSV / NDJSON files (plain, gzip or zstd) into a table as one atomic,
/// idempotent batch.
public enum Ingestor {
    /// Loads `files` (paths, `-` = stdin) into `table` of `store` as ONE batch.
    ///
    /// * Rows are parsed in parallel (`options.threads` pieces per input block) into typed
    ///   column builders, staged as segments every `options.flushRows` rows, and made visible by
    ///   a single manifest commit at the end: a failure or interrupt anywhere leaves the table
    ///   unchanged (staged files are removed, or collected by `Table.collectGarbage`).
    /// * The batch id is `options.batchID`, else `xxh64-<hex>` over the table name and every
    ///   file's content hash; an id already in the ledger skips the batch
    ///   (`skippedAsDuplicate`) unless `options.force`.
    /// * A missing table is created from the input (`createIfMissing`), see `SchemaDetection`;
    ///   `IngestSummary.createdTable` tells what was created. If the batch then fails, the
    ///   created table is dropped again.
    /// * After a commit, crowded partitions are compacted when `options.autoCompact` and the
    ///   table's automatic compaction are on (`IngestSummary.compaction`); a failure there
    ///   leaves the batch loaded and is reported in `IngestSummary.compactionError`.
    ///
    /// - Throws: `IngestError` only.
    public static func ingest(store: Store, table name: String, files: [String],
                              options: IngestOptions) throws(IngestError) -> IngestSummary {
        var run = try IngestRun(store: store, name: name, files: files, options: options)
        var summary = try run.execute()
        if options.autoCompact && !summary.skippedAsDuplicate {
            do throws(StoreError) {
                summary.compaction = try Compactor.autoCompactIfNeeded(table: try store.table(name), interruption: options.interruption)
            } catch {
                summary.compactionError = error
            }
        }
        return summary
    }

    /// The content-derived batch id for `table` and the content hashes of its files, in order.
    public static func contentBatchID(table: String, hashes: [UInt64]) -> String {
        var h = InputHasher(seed: 0x696E_6765_7374)
        var t = table.lowercased()
        t.withUTF8 { h.update(UnsafeRawBufferPointer($0)) }
        for var x in hashes {
            x = x.littleEndian
            withUnsafeBytes(of: &x) { h.update($0) }
        }
        let hex = String(h.finalize(), radix: 16)
        return "xxh64-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Format of `path` under `.auto` from its name alone (`nil`: decide by content).
    static func formatFromName(_ path: String) -> (IngestFormat, tsv: Bool)? {
        let n = CompressedName.formatPart(path)
        if n.hasSuffix(".csv") { return (.csv, false) }
        if n.hasSuffix(".tsv") || n.hasSuffix(".tab") { return (.csv, true) }
        if n.hasSuffix(".ndjson") || n.hasSuffix(".jsonl") || n.hasSuffix(".json") { return (.ndjson, false) }
        if ParquetInput.isParquetName(path) { return (.parquet, false) }
        return nil
    }
}

/// Writes the rejects CSV (`file,line,column,reason,raw`, RFC 4180 quoting).
enum RejectsWriter {
    static func field(_ s: String, into out: inout [UInt8]) {
        let u = Array(s.utf8)
        let needs = u.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        if !needs {
            out.append(contentsOf: u)
            return
        }
        out.append(0x22)
        for b in u {
            if b == 0x22 { out.append(0x22) }
            out.append(b)
        }
        out.append(0x22)
    }

    static func write(_ errors: [RowError], to path: String) throws(IngestError) {
        var out = Array("file,line,column,reason,raw\n".utf8)
        for e in errors {
            field(e.file, into: &out); out.append(0x2C)
            out.append(contentsOf: String(e.line).utf8); out.append(0x2C)
            field(e.column ?? "", into: &out); out.append(0x2C)
            let reason = e.value.map { "\(e.reason) '\(RowError.truncated($0))'" } ?? e.reason
            field(reason, into: &out); out.append(0x2C)
            field(e.raw, into: &out); out.append(0x0A)
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(out)) else {
            throw IngestError(.io, "cannot write rejects file '\(path)'", file: path)
        }
    }
}

/// Stages merged batches as segments on a background queue, one batch at a time, so parsing
/// of the next rows overlaps the sort/encode/write of the previous ones (at most one batch in
/// flight bounds memory).
final class Stager: @unchecked Sendable {
    private let queue = DispatchQueue(label: "strata.ingest.stage")
    private let group = DispatchGroup()
    private var staged: [Table.StagedSegment] = []
    private var error: StoreError?

    /// Waits for the previous batch, then stages `columns` asynchronously.
    func submit(table: Table, definition: TableDefinition, columns: [Column]) throws(IngestError) {
        group.wait()
        if let error { throw IngestError(error) }
        queue.async(group: group) {
            do throws(StoreError) {
                let s = try PartitionWriter.stage(table: table, definition: definition, columns: columns)
                self.staged += s
            } catch {
                self.error = error
            }
        }
    }

    /// Waits for the last batch; all staged segments.
    func finish() throws(IngestError) -> [Table.StagedSegment] {
        group.wait()
        if let error { throw IngestError(error) }
        return staged
    }

    /// Waits for the last batch and deletes every staged file.
    func discard() {
        group.wait()
        staged = []  // the staged files go with the last reference (`Table.StagedSegment`)
    }
}

/// Dedicated parsing threads (not GCD: a caller on a GCD or Swift-concurrency thread must not
/// make the pool run pieces one after another). `run` hands piece `j` to thread `j` and runs
/// `whileWaiting` (reading the next block) on the calling thread meanwhile.
final class ParsePool: @unchecked Sendable {
    private let count: Int
    private let start: [DispatchSemaphore]
    private let done = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?
    private var active = 0
    private var stopping = false
    private var started = false

    init(threads: Int) {
        count = threads
        start = (0..<threads).map { _ in DispatchSemaphore(value: 0) }
    }

    private func launch() {
        started = true
        for i in 0..<count {
            let t = Thread { [self] in
                while true {
                    start[i].wait()
                    if stopping { break }
                    if i < active { job?(i) }
                    done.signal()
                }
                done.signal()
            }
            t.stackSize = 4 << 20
            t.start()
        }
    }

    /// Runs `body(j)` for `j` in `0..<n` (n ≤ threads) on the pool threads, and
    /// `whileWaiting` on the calling thread; returns when all are done.
    func run(_ n: Int, _ body: @escaping (Int) -> Void, whileWaiting: () -> Void) {
        precondition(n <= count)
        if !started { launch() }
        job = body
        active = n
        for i in 0..<n { start[i].signal() }
        whileWaiting()
        for _ in 0..<n { done.wait() }
        job = nil
    }

    /// Stops the threads (idempotent).
    func shutdown() {
        guard started, !stopping else { return }
        stopping = true
        for s in start { s.signal() }
        for _ in 0..<count { done.wait() }
    }
}

/// State of one ingest call.
struct IngestRun {
    let store: Store
    let name: String
    let files: [String]
    let options: IngestOptions
    let threads: Int

    var table: Table?
    var plan: TablePlan?
    var workers: [Worker] = []
    var createdTable: TableDefinition?
    var stager = Stager()
    /// Notes for `IngestSummary.notes` (kept across a widening restart).
    var notes: [String] = []
    /// Column (lowercased name) → type forced on the created table after a widening.
    var typeOverrides: [String: ColumnType] = [:]
    /// Widenings asked for by the last chunk: the batch restarts with them.
    var pendingWidenings: [(column: String, from: ColumnType, to: ColumnType, file: String, line: Int, value: String)] = []
    let pool: ParsePool
    var runs: [(worker: Int, lo: Int, hi: Int)] = []
    var buffered = 0
    var rowsLoaded = 0
    var rowsParsed = 0
    var rejected: [RowError] = []
    var hashes: [UInt64] = []
    var bytesDone: Int64 = 0
    var totalBytes: Int64?
    let start = Date()

    init(store: Store, name: String, files given: [String], options: IngestOptions) throws(IngestError) {
        guard !given.isEmpty else { throw IngestError(.user, "no input files") }
        let files = try IngestInputs.expand(given)
        guard options.maxErrors >= 0 else { throw IngestError(.user, "--max-errors must be at least 0") }
        guard options.flushRows >= 1 else { throw IngestError(.user, "flush row limit must be at least 1") }
        guard options.blockSize >= 1 && options.blockSize <= 512 << 20 else { throw IngestError(.user, "block size must be 1 byte to 512 MiB") }
        let d = options.delimiter
        guard d != 0x22 && d != 0x0A && d != 0x0D else {
            throw IngestError(.user, "invalid delimiter (cannot be a quote or a line break)")
        }
        if files.filter({ $0 == "-" }).count > 1 { throw IngestError(.user, "stdin ('-') can be read only once") }
        self.store = store
        self.name = name
        self.files = files
        self.options = options
        threads = max(1, min(options.threads, 64))
        pool = ParsePool(threads: threads)
        var total: Int64 = 0
        var known = true
        for f in files {
            var st = stat()
            if f != "-", stat(f, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_size) } else { known = false }
        }
        totalBytes = known ? total : nil
    }

    mutating func execute() throws(IngestError) -> IngestSummary {
        defer { pool.shutdown() }
        do {
            try Store.checkName(name, what: "table")
        } catch { throw IngestError(error) }
        if store.tableExists(name) {
            let m: Manifest
            do throws(StoreError) {
                let t = try store.table(name)
                table = t
                m = try t.currentManifest()
            } catch { throw IngestError(error) }
            if let id = options.batchID, !options.force, m.batches.contains(where: { $0.id == id }) {
                var s = IngestSummary()
                s.skippedAsDuplicate = true
                s.batchID = id
                s.seconds = Date().timeIntervalSince(start)
                s.manifestVersion = m.version
                return s
            }
            plan = try TablePlan(def: m.table, options: options)
        } else if !options.createIfMissing {
            do { _ = try store.table(name) } catch { throw IngestError(error) }
        }
        if let plan { workers = (0..<threads).map { _ in Worker(plan: plan) } }
        do throws(IngestError) {
            while true {
                for f in files {
                    try ingestFile(f)
                    if !pendingWidenings.isEmpty { break }
                }
                if pendingWidenings.isEmpty { break }
                try restartWidened()
            }
            try flush()
            let staged = try stager.finish()
            try checkInterrupt()
            let id = options.batchID ?? Ingestor.contentBatchID(table: name, hashes: hashes)
            if let path = options.rejectsPath { try RejectsWriter.write(rejected, to: path) }
            guard let table else {
                // no rows and no table: nothing to create from
                throw IngestError(.user, "cannot create table '\(name)' from empty input")
            }
            let manifest: Manifest?
            do {
                manifest = try table.commit(adding: staged, batch: BatchRecord(id: id, rows: rowsLoaded,
                                                                              committedAt: Date().timeIntervalSince1970),
                                            force: options.force)
            } catch { throw IngestError(error) }
            var s = IngestSummary()
            s.seconds = Date().timeIntervalSince(start)
            s.batchID = id
            s.bytesRead = bytesDone
            s.rowsRejected = rejected.count
            s.createdTable = createdTable
            s.notes = notes
            if let manifest {
                s.rowsLoaded = rowsLoaded
                s.partitionsTouched = Set(staged.map(\.entry.partition)).count
                s.segmentsWritten = staged.count
                s.manifestVersion = manifest.version
            } else {
                s.skippedAsDuplicate = true
                s.manifestVersion = (try? table.currentManifest().version) ?? 0
            }
            s.rowsPerSecond = s.seconds > 0 ? Double(manifest == nil ? rowsParsed : rowsLoaded) / s.seconds : 0
            return s
        } catch {
            stager.discard()
            if let created = createdTable { try? store.dropTable(created.name, ifExists: true) }
            throw error
        }
    }

    /// Drops what this batch staged and the table it created, records the wider types, and
    /// starts over (the caller reads every file again). Standard input cannot be read twice.
    mutating func restartWidened() throws(IngestError) {
        let w = pendingWidenings
        pendingWidenings = []
        for x in w {
            typeOverrides[x.column.lowercased()] = x.to
            notes.append("column \(x.column): \(x.from.sqlName) -> \(x.to.sqlName) ('\(RowError.truncated(x.value))' at \(x.file):\(x.line)"
                         + " did not fit the type detected from the first rows); input read again")
        }
        if files.contains("-") {
            let x = w[0]
            throw IngestError(.user, "\(x.file):\(x.line): column \(x.column): '\(RowError.truncated(x.value))' does not fit \(x.from.sqlName), "
                              + "the type detected from the first rows, and standard input cannot be read again with \(x.to.sqlName): "
                              + "load from a file, or create the table first", file: x.file, line: x.line)
        }
        stager.discard()
        stager = Stager()
        if let created = createdTable { try? store.dropTable(created.name, ifExists: true) }
        createdTable = nil
        table = nil
        plan = nil
        workers = []
        runs = []
        buffered = 0
        rowsLoaded = 0
        rowsParsed = 0
        rejected = []
        hashes = []
        bytesDone = 0
    }

    // MARK: files

    mutating func ingestFile(_ path: String) throws(IngestError) {
        let source: InputSource
        do throws(InputError) { source = try InputSource(path: path) } catch { throw IngestError(error) }
        let display = source.displayName
        var format = options.format
        var dialect = CSVDialect(delimiter: options.delimiter)
        var tsvByName = false
        if format == .auto {
            if let (f, tsv) = Ingestor.formatFromName(path) {
                format = f
                if tsv && options.delimiter == UInt8(ascii: ",") { dialect = .tsv; tsvByName = true }
            }
        }
        // Parquet (by name, --format or magic) is read from its footer: ParquetIngest.swift
        if format == .parquet { return try ingestParquet(path, display: display) }
        // The framing (quote-aware or plain lines) depends on the format, so an undecided
        // format is told from the first bytes (read ahead, so stdin works too).
        let head: [UInt8]
        do throws(InputError) { head = try source.peek(IngestSniffer.headBytes) } catch { throw IngestError(error) }
        if format == .auto && ParquetInput.hasMagic(head) { return try ingestParquet(path, display: display) }
        if format == .auto { format = IngestSniffer.format(head) }
        if format == .json || format == .ndjson {
            if format == .json || IngestSniffer.needsJSONFraming(head) {
                source.frameJSONDocuments()
                if head.first(where: { $0 > 0x20 && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }) == UInt8(ascii: "[") {
                    notes.append("\(display): read as a JSON array, one row per element")
                } else {
                    notes.append("\(display): read as JSON objects spanning lines")
                }
            }
            format = .ndjson
        }
        if format == .csv && options.detectDelimiter && options.delimiter == UInt8(ascii: ",") && !tsvByName,
           let d = IngestSniffer.delimiter(head, quote: dialect.quote), d != dialect.delimiter {
            dialect = CSVDialect(delimiter: d, quote: dialect.quote)
            notes.append("\(display): delimiter \(IngestSniffer.describe(d)) detected (--delimiter sets it)")
        }
        let framing: InputFraming = format == .csv ? dialect.framing : .lines
        let reader = InputChunkReader(source: source, framing: framing, blockSize: options.blockSize,
                                      parallelism: threads)
        let first: InputChunk?
        do throws(InputError) { first = try reader.next() } catch { throw IngestError(error) }
        guard var chunk = first else {
            hashes.append(source.contentHash)
            bytesDone += source.compressedBytesRead
            return
        }
        // A file with lone CR line endings would be read as one huge row (a bare CR is data
        // to the scanner and the chunking splits at LF only): refuse it by its first row.
        if format == .csv,
           let l = CSVScanner.loneCRLine(chunk.bytes, range: 0..<chunk.bytes.count, firstLine: chunk.firstLine,
                                         quote: dialect.quote) {
            throw IngestError(.user, "\(display):\(l): " + CSVScanner.loneCRMessage, file: display, line: l)
        }
        // header / mapping / schema from the first chunk
        var pieces = chunk.pieces
        var header: [String]? = nil
        if format == .csv && options.header {
            let (names, end, endLine) = try parseHeader(chunk, dialect: dialect, file: display)
            if names.count == 1, let d = IngestSniffer.otherDelimiter(in: names[0], than: dialect.delimiter) {
                throw IngestError(.user, "\(display): the header splits into one column '\(RowError.truncated(names[0]))' with delimiter "
                                  + "\(IngestSniffer.describe(dialect.delimiter)); the file looks \(IngestSniffer.describe(d))-separated: "
                                  + "pass --delimiter \(IngestSniffer.flag(d))", file: display, line: chunk.firstLine)
            }
            header = names
            pieces = Self.dropPrefix(pieces, end: end, endLine: endLine)
        }
        if plan == nil {
            var detected: [(name: String, type: ColumnType)]
            var epochColumns = Set<String>()
            if format == .csv {
                let names = header ?? Self.positionalNames(chunk, pieces: pieces, dialect: dialect)
                let buf = CSVRowBuffer()
                if let first = pieces.first {
                    let sampleEnd = Self.sampleEnd(chunk, from: first.range.lowerBound, framing: framing, firstLine: first.firstLine)
                    do throws(CSVError) {
                        try CSVScanner.scan(chunk.bytes, range: first.range.lowerBound..<sampleEnd, firstLine: first.firstLine,
                                            dialect: dialect, into: buf)
                    } catch {
                        // a quote left open at the end is the parse's to report (one bad row)
                        if error.kind != .unterminatedQuotedField { throw IngestError(error, file: display) }
                    }
                }
                detected = SchemaDetection.detectCSV(header: names, rows: buf, chunk: chunk.bytes, dialect: dialect,
                                                     timeFormat: options.timeFormat, converted: &epochColumns)
            } else {
                let lo = pieces.first?.range.lowerBound ?? 0
                let sampleEnd = Self.sampleEnd(chunk, from: lo, framing: framing, firstLine: chunk.firstLine)
                detected = SchemaDetection.detectNDJSON(chunk: chunk.bytes, range: lo..<sampleEnd, firstLine: chunk.firstLine,
                                                        timeFormat: options.timeFormat, converted: &epochColumns)
            }
            for i in detected.indices {
                if let t = typeOverrides[SchemaDetection.columnName(detected[i].name).lowercased()] { detected[i].type = t }
            }
            guard !detected.isEmpty else { throw IngestError(.user, "\(display): cannot detect columns for table '\(name)'") }
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
            // ISO-detected time columns read ISO text (or epochs by digit count) whatever the
            // epoch --time-format, which is for the integer columns it turned into TIMESTAMP
            var formats: [String: TimeFormat] = [:]
            for c in def.columns where c.type == .timestamp && !epochColumns.contains(c.name.lowercased()) {
                formats[c.name.lowercased()] = .auto
            }
            let p = try TablePlan(def: def, options: options, widen: options.widenTypes, timeFormats: formats)
            plan = p
            workers = (0..<threads).map { _ in Worker(plan: p) }
        }
        let ctx = try fileContext(display: display, isCSV: format == .csv, dialect: dialect, header: header)
        // parse: workers on the pieces of a chunk while the next chunk is read
        while true {
            let file = ctx
            let current = chunk
            var next: InputChunk? = nil
            var readError: InputError? = nil
            let ws = workers, ps = pieces
            pool.run(ps.count, { j in
                ws[j].process(current, ps[j], file)
            }, whileWaiting: {
                do throws(InputError) { next = try reader.next() } catch { readError = error }
            })
            try collect(pieceCount: pieces.count)
            if !pendingWidenings.isEmpty { return }
            if let p = options.progress {
                p(bytesDone + source.compressedBytesRead, totalBytes, rowsParsed)
            }
            try checkInterrupt()
            if buffered >= options.flushRows { try flush() }
            if let readError { throw IngestError(readError) }
            guard let n = next else { break }
            chunk = n
            pieces = n.pieces
        }
        hashes.append(source.contentHash)
        bytesDone += source.compressedBytesRead
    }

    /// Stops the run (nothing committed) once `options.interruption` is raised.
    func checkInterrupt() throws(IngestError) {
        if let i = options.interruption, i.isRaised { throw IngestError(.cancelled, "cancelled: nothing was committed") }
    }

    /// Gathers the rows, bad rows and structural errors of the last chunk in input order.
    mutating func collect(pieceCount: Int) throws(IngestError) {
        if let plan, plan.widen {
            var wider: [Int: (type: ColumnType, line: Int, value: String, file: String)] = [:]
            for j in 0..<pieceCount {
                for (c, w) in workers[j].widenings {
                    if let have = wider[c] {
                        // the first value in input order names it; the widest type wins
                        wider[c] = (SchemaDetection.widened(have.type, bits: SchemaDetection.mask(of: w.type)),
                                    have.line, have.value, have.file)
                    } else {
                        wider[c] = (w.type, w.line, w.value, workers[j].errors.first?.file ?? "")
                    }
                }
            }
            if !wider.isEmpty {
                for (c, w) in wider.sorted(by: { $0.key < $1.key }) {
                    pendingWidenings.append((plan.slotNames[c], plan.types[c], w.type, w.file, w.line, w.value))
                }
                return
            }
        }
        for j in 0..<pieceCount {
            let w = workers[j]
            rowsParsed += w.seen
            for e in w.errors {
                if rejected.count >= options.maxErrors {
                    if let path = options.rejectsPath { try? RejectsWriter.write(rejected + [e], to: path) }
                    let first = rejected.first ?? e
                    if options.maxErrors == 0 { throw IngestError(e) }
                    throw IngestError(.refused, "ingest refused: \(options.maxErrors + 1) bad rows exceed --max-errors \(options.maxErrors); first: \(first)",
                                      rowErrors: rejected + [e])
                }
                rejected.append(e)
            }
            if var f = w.fatal {
                if let path = options.rejectsPath { try? RejectsWriter.write(rejected, to: path) }
                f.rowErrors = rejected
                throw f
            }
            let lo = runs.last(where: { $0.worker == j })?.hi ?? 0
            let hi = w.rows
            if hi > lo {
                runs.append((j, lo, hi))
                buffered += hi - lo
            }
        }
    }

    /// Merges buffered rows (columns in parallel) and hands them to the background stager.
    mutating func flush() throws(IngestError) {
        guard buffered > 0, let plan, let table else { return }
        let cols = UnsafeMutableBufferPointer<Column?>.allocate(capacity: plan.ncols)
        cols.initialize(repeating: nil)
        defer { cols.deinitialize(); cols.deallocate() }
        let ws = workers
        let rs = runs
        ParallelWork.forEach(plan.ncols) { c, _ in
            cols[c] = mergeColumn(ws.map { $0.builders[c] }, runs: rs)
            for w in ws { w.resetColumn(c) }
        }
        for w in workers { w.resetRows() }
        runs = []
        rowsLoaded += buffered
        buffered = 0
        try stager.submit(table: table, definition: plan.def, columns: cols.map { $0! })
    }

    // MARK: helpers

    /// Parses the header row at the start of `chunk`: names, end offset and line after it.
    func parseHeader(_ chunk: InputChunk, dialect: CSVDialect, file: String) throws(IngestError) -> ([String], Int, Int) {
        let bytes = chunk.bytes
        let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let buf = CSVRowBuffer(fieldCapacity: 64, rowCapacity: 16)
        var pos = 0
        var line = chunk.firstLine
        while pos < bytes.count {
            var e = pos
            var quotes = 0
            while e < bytes.count {
                if p[e] == dialect.quote { quotes += 1 } else if p[e] == 0x0A && quotes & 1 == 0 { e += 1; break }
                e += 1
            }
            do throws(CSVError) {
                try CSVScanner.scan(bytes, range: pos..<e, firstLine: line, dialect: dialect, into: buf)
            } catch {
                throw IngestError(error, file: file, header: true)
            }
            line = buf.endLine
            pos = e
            if let row = buf.rows.first {
                let scratch = CSVScratch()
                let names = buf.fields(of: row).map { f -> String in
                    var b = f.bytes(in: bytes)
                    if f.needsUnescape { b = scratch.unescape(b, quote: dialect.quote) }
                    return String(decoding: b, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                }
                return (names, e, line)
            }
        }
        return ([], pos, line)
    }

    /// Pieces after removing everything before `end` (the header).
    static func dropPrefix(_ pieces: [InputPiece], end: Int, endLine: Int) -> [InputPiece] {
        var out: [InputPiece] = []
        for p in pieces where p.range.upperBound > end {
            if p.range.lowerBound < end {
                out.append(InputPiece(range: end..<p.range.upperBound, firstLine: endLine))
            } else {
                out.append(p)
            }
        }
        return out
    }

    /// End of a ~4 MiB row-aligned sample starting at `from`.
    static func sampleEnd(_ chunk: InputChunk, from: Int, framing: InputFraming, firstLine: Int) -> Int {
        let limit = 4 << 20
        if chunk.bytes.count - from <= limit { return chunk.bytes.count }
        let region = UnsafeRawBufferPointer(rebasing: chunk.bytes[from..<(from + limit)])
        let s = InputSplitter.split(region, into: 1, framing: framing, firstLine: firstLine, atEndOfInput: false)
        return s.end == 0 ? chunk.bytes.count : from + s.end
    }

    /// `column1`, `column2`, ... for a headerless CSV, from its first row.
    static func positionalNames(_ chunk: InputChunk, pieces: [InputPiece], dialect: CSVDialect) -> [String] {
        guard let first = pieces.first else { return [] }
        let buf = CSVRowBuffer(fieldCapacity: 64, rowCapacity: 16)
        let e = sampleEnd(chunk, from: first.range.lowerBound, framing: dialect.framing, firstLine: first.firstLine)
        try? CSVScanner.scan(chunk.bytes, range: first.range.lowerBound..<min(e, first.range.upperBound),
                             firstLine: first.firstLine, dialect: dialect, into: buf)
        guard let row = buf.rows.first else { return [] }
        return (1...Int(row.fieldCount)).map { "column\($0)" }
    }

    /// Field → slot mapping of one file.
    func fileContext(display: String, isCSV: Bool, dialect: CSVDialect, header: [String]?) throws(IngestError) -> FileContext {
        guard let plan else { throw IngestError(.user, "table '\(name)' does not exist") }
        guard isCSV else {
            return FileContext(name: display, isCSV: false, dialect: dialect, fieldSlots: [], expectedFields: 0,
                               allowMoreFields: false)
        }
        guard let header else {
            return FileContext(name: display, isCSV: true, dialect: dialect, fieldSlots: Array(0..<plan.ncols),
                               expectedFields: plan.ncols, allowMoreFields: plan.ignoreExtra)
        }
        var slots = [Int](repeating: -1, count: header.count)
        var used = [Bool](repeating: false, count: plan.slotCount)
        var extra: [String] = []
        for (f, h) in header.enumerated() {
            let key = SchemaDetection.columnName(h).lowercased()
            guard let s = plan.slotIndex[h.lowercased()] ?? plan.slotIndex[key] else {
                extra.append(h)
                continue
            }
            if used[s] { throw IngestError(.user, "\(display): header names column '\(plan.slotNames[s])' twice") }
            used[s] = true
            slots[f] = s
        }
        if !extra.isEmpty && !plan.ignoreExtra {
            throw IngestError(.user, "\(display): columns not in table '\(plan.def.name)': \(extra.joined(separator: ", "))"
                              + " (--ignore-extra-columns skips them)")
        }
        for c in 0..<plan.ncols where !used[c] && plan.notNull[c] {
            if c == plan.timeColumn {
                throw IngestError(.user, "\(display): header lacks column '\(plan.slotNames[c])' (the table's time column)")
            }
            throw IngestError(.user, "\(display): header lacks NOT NULL column '\(plan.slotNames[c])'")
        }
        return FileContext(name: display, isCSV: true, dialect: dialect, fieldSlots: slots, expectedFields: header.count,
                           allowMoreFields: plan.ignoreExtra)
    }
}
