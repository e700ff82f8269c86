import ArgumentParser
import Foundation
import StrataCore
import StrataIngest
import StrataStore
import StrataText
#if canImport(Glibc)
import Glibc
#endif

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load CSV, NDJSON or Parquet files (plain, .gz, .zst, or - for stdin) into a table as one atomic, idempotent batch.")

    @OptionGroup var storeOption: StoreOption
    @Argument(help: "Table (created from the input when it does not exist).") var table: String
    @Argument(help: "Input files, quoted patterns ('logs/*.csv', 'logs/**/*.ndjson', '{a,b}.csv') or directories; - reads standard input.") var files: [String]
    @Option(name: .long, help: "csv, ndjson, json, parquet or auto (by extension / content).") var format: String = "auto"
    @Option(name: .long, help: "CSV delimiter: one character, or tab.") var delimiter: String?
    @Flag(name: .long, help: "The CSV has no header row: columns map by position.") var noHeader = false
    @Flag(name: .long, help: "Ignore input columns the table does not have (default: refuse).") var ignoreExtraColumns = false
    @Flag(name: .long, help: "Empty strings load as NULL.") var emptyAsNull = false
    @Option(name: .long, help: "Timestamps: auto, iso, epoch_s, epoch_ms, epoch_us.") var timeFormat: String = "auto"
    @Option(name: .customLong("invalid-utf8"), help: "String values that are not valid UTF-8: error (a bad row) or replace (load with U+FFFD).")
    var invalidUTF8: String = "error"
    @Option(name: .long, help: "Skip up to N bad rows (default 0: any bad row refuses the batch).") var maxErrors: Int = 0
    @Option(name: .long, help: "Write skipped rows to this CSV (file,line,column,reason,raw).") var rejects: String?
    @Option(name: .long, help: "Idempotency key (default: a hash of the input content).") var batchId: String?
    @Flag(name: .long, help: "Load even if this batch was already applied.") var force = false
    @Option(name: .long, help: "Partitioning of a table created from the input: hour, day or month.") var partitionBy: String = "day"
    @Option(name: .long, help: "Click-log enrichment profile (clicks).") var enrich: String?
    @Flag(name: .long, help: "Keep the ip column when enriching.") var keepIp = false
    @Option(name: .long, help: "Parser threads (default: all cores).") var threads: Int?
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func run() throws(CLIError) {
        let store = try storeOption.open()
        var o = IngestOptions()
        guard let f = IngestFormat(rawValue: format.lowercased()) else { throw CLIError.user("--format must be csv, ndjson, json, parquet or auto") }
        o.format = f
        if let d = delimiter {
            o.detectDelimiter = false
            if d == "\\t" || d == "tab" || d == "\t" { o.delimiter = 9 } else {
                guard d.utf8.count == 1 else { throw CLIError.user("--delimiter must be one character") }
                o.delimiter = d.utf8.first!
            }
        }
        o.header = !noHeader
        o.extraColumns = ignoreExtraColumns ? .ignore : .error
        o.emptyAsNull = emptyAsNull
        switch timeFormat.lowercased() {
        case "auto": o.timeFormat = .auto
        case "iso": o.timeFormat = .iso
        case "epoch_s", "epoch", "epoch_seconds": o.timeFormat = .epochSeconds
        case "epoch_ms", "epoch_millis": o.timeFormat = .epochMillis
        case "epoch_us", "epoch_micros": o.timeFormat = .epochMicros
        default: throw CLIError.user("--time-format must be auto, iso, epoch_s, epoch_ms or epoch_us")
        }
        guard let u = InvalidUTF8Policy(rawValue: invalidUTF8.lowercased()) else {
            throw CLIError.user("--invalid-utf8 must be error or replace")
        }
        o.invalidUTF8 = u
        o.maxErrors = max(0, maxErrors)
        o.rejectsPath = rejects
        o.batchID = batchId
        o.force = force
        guard let g = Granularity(rawValue: partitionBy.lowercased()), g != .none else {
            throw CLIError.user("--partition-by must be hour, day or month")
        }
        o.granularity = g
        o.enrich = enrich
        o.keepIP = keepIp
        if let threads { o.threads = max(1, threads) }
        o.quiet = quiet
        let progress = ProgressLine.enabled(quiet: quiet) ? ProgressBar() : nil
        if let progress { o.progress = { b, t, r in progress.update(bytes: b, total: t, rows: r) } }
        // Ctrl-C stops at the next chunk: nothing is committed (exit 130)
        let flag = Interruption()
        o.interruption = flag
        let summary: IngestSummary
        do throws(IngestError) {
            summary = try Interrupts.catching(flag) { () throws(IngestError) in
                try Ingestor.ingest(store: store, table: table, files: files, options: o)
            }
        } catch {
            progress?.finish()
            throw CLIError(error)
        }
        progress?.finish()
        if let error = summary.compactionError, error.kind == .cancelled {
            // the batch is committed; the automatic compaction after it stopped
            throw CLIError(.cancelled, "cancelled: loaded \(plural(summary.rowsLoaded, "row")) into \(table) (committed); the automatic compaction that followed was stopped and committed nothing")
        }
        if let error = summary.compactionError {
            FileHandle.standardError.write("warning: automatic compaction skipped: \(error.message)\n".data(using: .utf8)!)
        }
        if quiet { return }
        var err = ""
        for note in summary.notes { err += "note: \(note)\n" }
        if let def = summary.createdTable {
            err += "created table: \(def.createStatement)\n"
        }
        if summary.skippedAsDuplicate {
            err += "skipped: batch \(summary.batchID) was already loaded into \(table) (use --force to load it again)\n"
        } else {
            err += "loaded \(summary.rowsLoaded == 1 ? "1 row" : "\(summary.rowsLoaded) rows") (\(summary.rowsRejected) rejected) into \(table): "
                + "\(summary.partitionsTouched == 1 ? "1 partition" : "\(summary.partitionsTouched) partitions"), "
                + "\(summary.segmentsWritten == 1 ? "1 segment" : "\(summary.segmentsWritten) segments"), "
                + String(format: "%.2f s, %.0f rows/s\n", summary.seconds, summary.rowsPerSecond)
        }
        if let compaction = summary.compaction { err += "auto-compaction: \(compaction.description)\n" }
        FileHandle.standardError.write(err.data(using: .utf8)!)
    }
}

/// A one-line progress bar on stderr: bytes, rows/s and ETA.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let start = Date()
    private var last = Date.distantPast
    private var drawn = false

    func update(bytes: Int64, total: Int64?, rows: Int) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.2 else { return }
        last = now
        let secs = max(now.timeIntervalSince(start), 0.001)
        let rate = Double(rows) / secs
        var line = String(format: "%8.1f MB  %10d rows  %9.0f rows/s", Double(bytes) / 1e6, rows, rate)
        if let total, total > 0 {
            let frac = min(1, Double(bytes) / Double(total))
            let width = 30
            let filled = Int(frac * Double(width))
            let eta = frac > 0 ? secs * (1 - frac) / frac : 0
            line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                + String(format: "%3.0f%%  ", frac * 100) + line + String(format: "  ETA %4.0f s", eta)
        }
        FileHandle.standardError.write(("\r" + line).data(using: .utf8)!)
        drawn = true
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    }
}
