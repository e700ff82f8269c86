import ArgumentParser
import Foundation
import StrataQuery
import StrataText

// MARK: - export

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a table as Hive-partitioned files (DIR/TABLE/month=2024-05/part-00000.parquet) for Spark, Trino, DuckDB and ClickHouse.",
        discussion: """
            One directory per time partition of the table (month=, day= or hour= after its granularity), each
            file written under a temporary name and renamed, DIR/TABLE/_SUCCESS written last. A rerun into the
            same DIR replaces the table's files. See docs/files.md.
            """)

    @OptionGroup var storeOption: StoreOption
    @Argument(help: "Table to export.") var table: String
    @Argument(help: "Output directory (the files go to DIR/TABLE/...).") var dir: String
    @Option(name: .long, help: "Only rows matching this SQL condition.") var `where`: String?
    @Option(name: .long, help: "Rows from this time (inclusive): YYYY-MM-DD[ HH:MM[:SS]], UTC.") var from: String?
    @Option(name: .long, help: "Rows before this time (exclusive): YYYY-MM-DD[ HH:MM[:SS]], UTC.") var to: String?
    @Option(name: .long, help: "parquet (default), csv or ndjson.") var format: String = "parquet"
    @Option(name: .long, help: "Compression: csv/ndjson none, gzip or zstd; parquet its codec (zstd, snappy, gzip, lz4_raw, none).") var compression: String?
    @Flag(name: .long, help: "No progress line on stderr.") var quiet = false

    func run() throws(CLIError) {
        guard let f = FileFormat.named(format), f.format != .json || format.lowercased() == "json" else {
            throw CLIError.user("unknown format '\(format)' (use parquet, csv or ndjson)")
        }
        var o = FileWriteOptions(format: f.format)
        if f.tsv { o.delimiter = 0x09 }
        o.compression = compression
        if f.format == .parquet && compression == nil { o.compression = "zstd" }
        func time(_ s: String?, _ option: String) throws(CLIError) -> Int64? {
            guard let s else { return nil }
            guard let t = Civil.parseTimestamp(s, format: .iso) ?? Civil.parseDate(s).map({ $0 * Civil.microsPerDay }) else {
                throw CLIError.user("\(option) must be YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], got '\(s)'")
            }
            return t
        }
        var r = ExportRequest(table: table, directory: dir, options: o)
        r.whereSQL = `where`
        r.from = try time(from, "--from")
        r.to = try time(to, "--to")
        let store = try storeOption.open(create: false)
        let engine: QueryEngine
        do throws(EngineError) { engine = try QueryEngine(store: store) } catch { throw CLIError(error) }
        // a progress line on a terminal (partitions written of the total, rows); Ctrl-C stops
        // between partitions and before a file is renamed into place, without _SUCCESS (exit 130)
        let line = ProgressLine.enabled(quiet: quiet) ? ProgressLine() : nil
        if let line {
            r.progress = { done, total, rows in
                line.draw(fraction: total > 0 ? Double(done) / Double(total) : nil,
                          "export: \(grouped(done)) of \(plural(total, "partition")), \(plural(rows, "row")) written")
            }
        }
        let s: ExportSummary
        do throws(QueryError) {
            s = try Interrupts.catching(engine.interruption) { () throws(QueryError) in try Export.run(engine: engine, r) }
        } catch {
            line?.clear()
            if error.kind == .cancelled { throw CLIError(.cancelled, error.message) }
            throw FileOutput.error(error)
        }
        line?.clear()
        writeOut("exported \(s.rows) row\(s.rows == 1 ? "" : "s") of \(table) to \(s.files.count) file\(s.files.count == 1 ? "" : "s") under \(s.root)\(s.removed > 0 ? " (\(s.removed) stale file\(s.removed == 1 ? "" : "s") removed)" : "")\n")
    }
}
