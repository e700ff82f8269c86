import StrataCore
import StrataFormat
import StrataText

// The seam between the engine and file formats (issue 17): every reader and writer of files in
// place goes through `FileFormat`. CSV, NDJSON and JSON live in this module (TextFiles.swift,
// FileWriters.swift); Parquet plugs in from the StrataParquet module at the two marked places
// below (`FileFormat.columnarReader` and `FileFormat.columnarWriter`).

/// File formats read in FROM (`read_csv`, `read_json`, ...) and written by COPY, `--out` and
/// `strata export`.
public enum FileFormat: String, Sendable, CaseIterable {
    case csv, json, ndjson, parquet

    /// The format a file name says (`.csv`, `.tsv`, `.json`, `.ndjson`, `.jsonl`, `.parquet`,
    /// each optionally followed by `.gz`/`.gzip`/`.zst`/`.zstd`) and whether it is TSV.
    public static func fromPath(_ path: String) -> (format: FileFormat, tsv: Bool)? {
        let n = CompressedName.formatPart(path)
        if n.hasSuffix(".csv") { return (.csv, false) }
        if n.hasSuffix(".tsv") || n.hasSuffix(".tab") { return (.csv, true) }
        if n.hasSuffix(".ndjson") || n.hasSuffix(".jsonl") { return (.ndjson, false) }
        if n.hasSuffix(".json") { return (.json, false) }
        if n.hasSuffix(".parquet") || n.hasSuffix(".pq") { return (.parquet, false) }
        return nil
    }

    /// A format name as written in `FORMAT x`, `--format x` (csv, tsv, json, ndjson/jsonl,
    /// parquet) and whether it is TSV.
    public static func named(_ name: String) -> (format: FileFormat, tsv: Bool)? {
        switch name.lowercased() {
        case "csv": return (.csv, false)
        case "tsv": return (.csv, true)
        case "json": return (.json, false)
        case "ndjson", "jsonl", "newline_delimited": return (.ndjson, false)
        case "parquet": return (.parquet, false)
        default: return nil
        }
    }

    /// The file extension written for this format.
    public var fileExtension: String {
        switch self {
        case .csv: return "csv"
        case .json: return "json"
        case .ndjson: return "ndjson"
        case .parquet: return "parquet"
        }
    }

    // MARK: - the Parquet plug-in points

    /// The reader of a columnar (binary) format, or nil for the text formats, which
    /// `TextFileReader` reads. Parquet: return the StrataParquet reader here.
    static func columnarReader(_ f: FileFormat) throws(QueryError) -> (any ColumnarFileReader)? {
        switch f {
        case .csv, .json, .ndjson: return nil
        case .parquet: return ParquetColumnarReader()
        }
    }

    /// The writer of a columnar (binary) format, or nil for the text formats (written by
    /// `TextFileWriter`). Parquet: return the StrataParquet writer here.
    static func columnarWriter(_ f: FileFormat) throws(QueryError) -> (any ColumnarFileWriter)? {
        switch f {
        case .csv, .json, .ndjson: return nil
        case .parquet: return ParquetColumnarWriter()
        }
    }
}

/// A reader of a binary columnar file format (Parquet), in store types: the engine turns the
/// columns into vectors. Errors name the file (and row group/column where they apply).
public protocol ColumnarFileReader: Sendable {
    /// The columns of the file at `path`: names and Strata types (bind time; reads the footer).
    func schema(path: String) throws(QueryError) -> [(name: String, type: ColumnType)]
    /// Reads the columns at `columns` (positions in `schema(path:)`, ascending) of the whole
    /// file: one `Column` each (strings dictionary-coded, timestamps in microseconds UTC,
    /// dates in days, booleans 0/1), all of `rows` rows.
    func read(path: String, columns: [Int]) throws(QueryError) -> (columns: [Column], rows: Int)
}

/// What a writer gets: column names, store types, the columns (all `rows` long), and the
/// COPY/export options (keys lower-cased: `compression`, `row_group_size`, ...).
public struct ColumnarWriteInput {
    public var names: [String]
    public var types: [ColumnType]
    public var columns: [Column]
    public var rows: Int
    public var options: [String: String]
}

/// A writer of a binary columnar file format (Parquet). `write` writes a complete file at
/// `path` (the caller has chosen a temporary name and renames it when `write` returns).
public protocol ColumnarFileWriter: Sendable {
    func write(_ input: ColumnarWriteInput, to path: String) throws(QueryError)
}
