import Foundation
import StrataCore
import StrataFormat
import StrataStore
import StrataText

/// Input format of an ingest file.
public enum IngestFormat: String, Sendable, Equatable {
    /// Decide per file: by extension (`.csv`, `.tsv`, `.ndjson`, `.jsonl`, `.json`, also under
    /// `.gz`/`.zst`), else by content (first non-blank byte `{` → NDJSON, else CSV).
    case auto
    /// RFC 4180 CSV (delimiter from `IngestOptions.delimiter`).
    case csv
    /// One JSON object per line; a JSON array of objects or objects spread over several lines
    /// are recognized by content and read the same way (nested objects flatten to
    /// `parent_child` columns, arrays load as their JSON text).
    case ndjson
    /// JSON documents: an array of objects (`[{…}, …]`, pretty-printed or not) or objects one
    /// after another over any number of lines.
    case json
    /// Parquet files (recognized under `.auto` by the `.parquet`/`.pq` extension or the `PAR1`
    /// magic), read row group by row group (ParquetIngest.swift).
    case parquet
}

/// What to do with input columns (CSV header names, NDJSON keys) the table does not have.
public enum ExtraColumnsPolicy: String, Sendable, Equatable {
    /// Refuse: for CSV the whole file (the message lists the columns); for NDJSON the row.
    case error
    /// Skip their values silently.
    case ignore
}

/// What to do with string cells that are not well-formed UTF-8 (Format.md: strings are UTF-8).
public enum InvalidUTF8Policy: String, Sendable, Equatable {
    /// The row is bad (`invalid UTF-8 at byte N`), like any other bad value (`maxErrors`).
    case error
    /// Load the value with U+FFFD in place of each ill-formed sequence (lossy).
    case replace
}

/// Progress report: decompressed-independent raw bytes read so far (all files), total raw
/// bytes when every file size is known (`nil` for pipes/stdin), and rows parsed so far.
public typealias IngestProgress = @Sendable (_ bytesRead: Int64, _ totalBytes: Int64?, _ rows: Int) -> Void

/// Options of one `Ingestor.ingest` call (`strata ingest` flags).
public struct IngestOptions: Sendable {
    /// Input format; `.auto` detects per file.
    public var format: IngestFormat = .auto
    /// CSV field delimiter (default `,`; a `.tsv` file under `.auto` uses tab).
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// While `delimiter` is the default `,`: detect `;`, tab or `|` from the first rows of each
    /// CSV when `,` does not split them consistently (`IngestSummary.notes` says which was
    /// chosen). The CLI turns it off when `--delimiter` is given.
    public var detectDelimiter: Bool = true
    /// The CSV's first row is a header mapped to columns by name (case-insensitive). When
    /// `false`, fields map to table columns by position.
    public var header: Bool = true
    /// Input columns the table lacks: refuse (default) or ignore.
    public var extraColumns: ExtraColumnsPolicy = .error
    /// Unquoted empty CSV fields (and empty JSON strings) are NULL for VARCHAR columns too.
    /// A quoted empty field `""` stays the empty string. Non-string columns always read an
    /// empty field as NULL.
    public var emptyAsNull: Bool = false
    /// String cells that are not well-formed UTF-8 (overlong forms, surrogates, code points
    /// above U+10FFFF, stray or truncated sequences): a bad row (default), or loaded with U+FFFD
    /// for each ill-formed sequence.
    public var invalidUTF8: InvalidUTF8Policy = .error
    /// How TIMESTAMP values are read (`.auto`: ISO text or epoch seconds/ms/µs by digit count).
    public var timeFormat: TimeFormat = .auto
    /// Bad rows tolerated (skipped and reported); one more refuses the whole batch.
    public var maxErrors: Int = 0
    /// Where skipped rows are written as CSV `file,line,column,reason,raw` (also written when
    /// the batch is refused, for diagnosis). `nil`: not written.
    public var rejectsPath: String? = nil
    /// Ledger id of this batch; `nil`: a content hash of all inputs plus the table name.
    public var batchID: String? = nil
    /// Load even if the batch id is already in the table's ledger.
    public var force: Bool = false
    /// Create the table from the input when it does not exist.
    public var createIfMissing: Bool = true
    /// A table created by this ingest whose detected column type does not hold a later value
    /// (an integer column meeting `19.99`, a date column meeting text) gets the wider type and
    /// the batch is read again; `false`: such values are bad rows, as for existing tables.
    public var widenTypes: Bool = true
    /// Partition granularity of an auto-created table (used when it has a TIMESTAMP column).
    public var granularity: Granularity = .day
    /// Click-log enrichment profile (`"clicks"`); `nil`: the table option `enrich` decides.
    public var enrich: String? = nil
    /// Keep the `ip` column's values when enriching (by default it is stored as NULL).
    public var keepIP: Bool = false
    /// Salt of the derived `visitor_id` hash; `nil`: table option `visitor_salt`, else a fixed
    /// default.
    public var visitorSalt: String? = nil
    /// Parsing threads (default: active cores).
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Rows buffered in memory before they are staged as segments (bounds memory: at most
    /// one buffered batch being parsed plus one being staged in the background).
    public var flushRows: Int = 1_000_000
    /// Bytes read per input block (tuning / tests; rows longer than this grow the buffer).
    public var blockSize: Int = 16 << 20
    /// Called on the calling thread after every parsed block.
    public var progress: IngestProgress? = nil
    /// Checked after each chunk and before the commit: once raised (Ctrl-C), the ingest stops
    /// with a `.cancelled` error and nothing is committed (staged files removed; a table the
    /// run created is dropped again). Also handed to the automatic compaction after the commit.
    public var interruption: Interruption? = nil
    /// The library never prints; carried for the CLI (suppress progress and summary).
    public var quiet: Bool = false
    /// After a batch is committed, compact the table's crowded partitions when its automatic
    /// compaction is on (`Compactor.autoCompactIfNeeded`), so many small loads do not pile
    /// up segments. `IngestSummary.compaction` tells what was done.
    public var autoCompact: Bool = true

    /// Default options.
    public init() {}
}

/// Result of a successful (or skipped) ingest.
public struct IngestSummary: Sendable {
    /// Rows made visible by this batch (0 when skipped as duplicate).
    public var rowsLoaded: Int = 0
    /// Bad rows skipped under `maxErrors`.
    public var rowsRejected: Int = 0
    /// Distinct partitions that received rows.
    public var partitionsTouched: Int = 0
    /// Wall seconds of the whole call.
    public var seconds: Double = 0
    /// `rowsLoaded / seconds` (rows parsed when skipped).
    public var rowsPerSecond: Double = 0
    /// Raw (possibly compressed) input bytes read.
    public var bytesRead: Int64 = 0
    /// The batch id was already in the ledger: nothing was loaded.
    public var skippedAsDuplicate: Bool = false
    /// Definition of the table this call created, if it did.
    public var createdTable: TableDefinition? = nil
    /// Ledger id of the batch.
    public var batchID: String = ""
    /// Segments committed.
    public var segmentsWritten: Int = 0
    /// Manifest version after the commit (unchanged when skipped; before any compaction).
    public var manifestVersion: UInt64 = 0
    /// What automatic compaction did after the commit (`IngestOptions.autoCompact`); nil when
    /// nothing was due. Its time is not part of `seconds`.
    public var compaction: CompactionSummary? = nil
    /// Why automatic compaction failed after the commit; the batch is loaded all the same.
    public var compactionError: StoreError? = nil
    /// What the ingest decided on its own, one line each: a detected delimiter or JSON layout,
    /// a widened column type (`column price: BIGINT -> DOUBLE ('19.99' at data.csv:20002)`).
    public var notes: [String] = []
}

/// One bad input row.
///
/// `description`: `clicks.csv:11: column ts: invalid timestamp '2024-13-45 99:00:00'`, or
/// without a column: `clicks.csv:5: expected 4 fields, found 3`.
public struct RowError: Sendable, Equatable, CustomStringConvertible {
    /// File display name (`<stdin>` for `-`).
    public var file: String
    /// 1-based physical line where the row starts.
    public var line: Int
    /// Column (table column or input key) concerned, if any.
    public var column: String?
    /// Reason, e.g. `invalid timestamp`.
    public var reason: String
    /// Offending value (full), if any; shown quoted and truncated to 80 bytes.
    public var value: String?
    /// The raw row text (for the rejects file), at most 64 KiB.
    public var raw: String

    public init(file: String, line: Int, column: String?, reason: String, value: String?, raw: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        self.value = value
        self.raw = raw
    }

    public var description: String {
        var s = "\(file):\(line): "
        if let column { s += "column \(column): " }
        s += reason
        if let value { s += " '\(RowError.truncated(value))'" }
        return s
    }

    /// `v` cut to at most 80 bytes (on a UTF-8 boundary) with `...` appended when cut.
    static func truncated(_ v: String) -> String {
        let u = Array(v.utf8)
        guard u.count > 80 else { return v }
        var n = 77
        while n > 0 && u[n] & 0xC0 == 0x80 { n -= 1 }
        return String(decoding: u[0..<n], as: UTF8.self) + "..."
    }
}

/// Why an ingest failed. `description` is the message to print.
public struct IngestError: Error, Sendable, CustomStringConvertible {
    /// Failure classes (the CLI maps `.corrupt` to exit 2; `.io` (unless an input cannot be
    /// opened), `.locked` and `.conflict` to 3; everything else to 1).
    public enum Kind: Sendable, Equatable {
        /// Bad input (first bad row with `maxErrors` 0, malformed CSV, bad header), bad options,
        /// missing table.
        case user
        /// More bad rows than `maxErrors`.
        case refused
        /// File system / read / decompression failure.
        case io
        /// Store corruption.
        case corrupt
        /// The table's writer lock was not obtained in time.
        case locked
        /// A concurrent commit conflicted.
        case conflict
        /// Stopped by `IngestOptions.interruption` (Ctrl-C) before the commit: nothing loaded.
        case cancelled
    }

    /// Class of failure.
    public var kind: Kind
    /// The message.
    public var message: String
    /// Display name of the input file the failure is about (`<stdin>` for `-`), if any.
    public var file: String?
    /// 1-based physical line in `file`, when known.
    public var line: Int?
    /// 1-based field index of a malformed CSV row, when known.
    public var column: Int?
    /// Bad rows seen before the failure (in input order; at most `maxErrors + 1`).
    public var rowErrors: [RowError]
    /// The lower-layer error this one came from (`InputError`, `CSVError`, `StoreError`), if any.
    public var cause: (any Error)?

    public init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
                rowErrors: [RowError] = [], cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.rowErrors = rowErrors
        self.cause = cause
    }

    /// User-input errors (bad rows, bad header, malformed CSV, options) vs. system failures.
    public var isUserError: Bool { kind == .user || kind == .refused }

    public var description: String { message }

    /// A store failure keeps its class; the store error is the cause.
    init(_ e: StoreError) {
        let kind: Kind = switch e.kind {
        case .user: .user
        case .corrupt: .corrupt
        case .io: .io
        case .locked: .locked
        case .conflict: .conflict
        case .cancelled: .cancelled
        }
        self.init(kind, e.message, cause: e)
    }

    /// An input that cannot be opened is the user's error; reading or decompressing it is I/O.
    init(_ e: InputError) {
        self.init(e.isOpenFailure ? .user : .io, e.description, file: e.file, line: e.line, cause: e)
    }

    /// Malformed CSV in `file`: `file:line: reason`, with `, field N` after the line when
    /// `showField`, and `header: ` before the reason for the header row.
    init(_ e: CSVError, file: String, showField: Bool = false, header: Bool = false) {
        let field = showField ? e.column.map { ", field \($0)" } ?? "" : ""
        self.init(.user, "\(file):\(e.line)\(field): \(header ? "header: " : "")\(e.message)", file: file, line: e.line,
                  column: e.column, cause: e)
    }

    /// The first bad row, when no bad row is allowed.
    init(_ e: RowError) {
        self.init(.user, e.description, file: e.file, line: e.line, rowErrors: [e])
    }
}

extension IngestSummary {
    /// One-line human summary, e.g. `loaded 1000 rows into clicks (2 rejected), 3 partitions,
    /// 4 segments in 0.52 s (1923 rows/s)` or `skipped: batch xxh64-… was already loaded into
    /// clicks (use --force to load it again)`.
    public func text(table: String) -> String {
        if skippedAsDuplicate {
            return "skipped: batch \(batchID) was already loaded into \(table) (use --force to load it again)"
        }
        let rejected = rowsRejected > 0 ? " (\(rowsRejected) rejected)" : ""
        let secs = (seconds * 100).rounded() / 100
        return "loaded \(rowsLoaded) rows into \(table)\(rejected), \(partitionsTouched) partitions, "
            + "\(segmentsWritten) segments in \(secs) s (\(Int(rowsPerSecond.rounded())) rows/s)"
    }
}

extension TableDefinition {
    /// DDL-like description of a table created by ingest, e.g.
    /// `created table clicks (ts TIMESTAMP, n BIGINT) PARTITION BY day(ts) ORDER BY (ts)`.
    public var createdDescription: String {
        var s = "created table \(name) (" + columns.map { "\($0.name) \($0.type.sqlName)" }.joined(separator: ", ") + ")"
        if let t = timeColumn, granularity != .none { s += " PARTITION BY \(granularity.rawValue)(\(t))" }
        if !sortKey.isEmpty { s += " ORDER BY (\(sortKey.joined(separator: ", ")))" }
        return s
    }
}
