import Foundation
import StrataCore
import StrataSQL
import StrataStore
import StrataText

/// `strata export TABLE DIR`: a table as a Hive-partitioned dataset other engines read
/// (Spark, Trino/Hive, DuckDB, ClickHouse): `DIR/TABLE/month=2024-05/part-00000.<ext>`, one
/// directory per time partition of the table (its granularity names the key: `month=`, `day=`,
/// `hour=`; an unpartitioned table writes `DIR/TABLE/part-00000.<ext>`).
///
/// Each file is written under a temporary name and renamed; the table's part files that the
/// run did not write (partitions gone, another format) are removed only after every new file
/// is in place; `DIR/TABLE/_SUCCESS` is removed first and written last, so its presence means
/// a complete export. Writing uses the same `FileWriter` (and Parquet seam) as COPY.
public struct ExportRequest: Sendable {
    public var table: String
    public var directory: String
    /// A SQL condition on the table's columns (`--where`).
    public var whereSQL: String?
    /// Rows with time >= from (µs UTC).
    public var from: Int64?
    /// Rows with time < to (µs UTC).
    public var to: Int64?
    public var options: FileWriteOptions
    /// Called after each partition is written: partitions done, partitions to write, rows
    /// written so far (a progress display).
    public var progress: (@Sendable (_ done: Int, _ total: Int, _ rows: Int) -> Void)?

    public init(table: String, directory: String, options: FileWriteOptions) {
        self.table = table
        self.directory = directory
        self.options = options
    }
}

public struct ExportSummary: Sendable {
    public var rows = 0
    /// Files written, relative to `DIR/TABLE`.
    public var files: [String] = []
    /// Stale files removed.
    public var removed = 0
    /// `DIR/TABLE`.
    public var root = ""
}

public enum Export {
    public static func run(engine: QueryEngine, _ r: ExportRequest) throws(QueryError) -> ExportSummary {
        let (def, starts) = try engine.timePartitions(r.table)
        if r.options.format == .parquet { _ = try FileFormat.columnarWriter(.parquet) }
        let fm = FileManager.default
        let root = (r.directory as NSString).appendingPathComponent(def.name)
        do { try fm.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw QueryError("cannot create directory '\(root)': \(error.localizedDescription)")
        }
        let success = (root as NSString).appendingPathComponent("_SUCCESS")
        if unlink(success) != 0 && errno != ENOENT { throw FileWriter.ioError("cannot remove '\(success)'") }
        var ext = r.options.format.fileExtension
        if r.options.format != .parquet {
            switch r.options.compression?.lowercased() {
            case "gzip", "gz": ext += ".gz"
            case "zstd", "zst": ext += ".zst"
            default: break
            }
        }
        var options = r.options
        options.storedTypes = FileWriter.storedTypes(def)
        let g = def.granularity
        let time = def.timeColumn.map(quoteIdentifier)
        var summary = ExportSummary()
        summary.root = root
        var written = Set<String>()
        let partitions: [Int64?] = (g == .none || time == nil) ? [nil] : starts.map { Optional($0) }
        var done = 0
        for start in partitions {
            // Ctrl-C (the engine's interruption): stop between partitions; _SUCCESS is not written
            if engine.interruption.isRaised {
                throw QueryError("cancelled: the export stopped after \(summary.files.count) of \(partitions.count) partition file(s); '\(root)' has no _SUCCESS marker", kind: .cancelled)
            }
            defer {
                done += 1
                r.progress?(done, partitions.count, summary.rows)
            }
            var conds: [String] = []
            var dir = root
            var rel = ""
            if let start, let time {
                if let to = r.to, start >= to { continue }
                if let from = r.from, g.partitionEnd(start) <= from { continue }
                conds.append(QueryEngine.partitionCondition(time, g, start))
                rel = g.label(start)
                dir = (root as NSString).appendingPathComponent(rel)
            }
            if let time {
                if let from = r.from { conds.append("\(time) >= TIMESTAMP '\(Civil.formatTimestamp(from))'") }
                if let to = r.to { conds.append("\(time) < TIMESTAMP '\(Civil.formatTimestamp(to))'") }
            } else if r.from != nil || r.to != nil {
                throw QueryError("table '\(def.name)' has no time column: --from/--to do not apply (use --where)")
            }
            if let w = r.whereSQL { conds.append("(\(w))") }
            var sql = "SELECT * FROM \(quoteIdentifier(def.name))"
            if !conds.isEmpty { sql += " WHERE " + conds.joined(separator: " AND ") }
            if let time { sql += " ORDER BY \(time)" }
            let q: Query
            do throws(SQLError) { q = try parseQuery(sql) } catch {
                throw QueryError("--where: \(error.message)")
            }
            let rows = try engine.rows(of: q)
            if rows.count == 0 { continue }
            do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw QueryError("cannot create directory '\(dir)': \(error.localizedDescription)")
            }
            let name = "part-00000.\(ext)"
            let path = (dir as NSString).appendingPathComponent(name)
            do throws(QueryError) {
                summary.rows += try FileWriter.write(rows, to: path, options: options, threads: engine.threads, stop: engine.interruption)
            } catch {
                if error.kind == .cancelled {
                    throw QueryError("cancelled: the export stopped after \(summary.files.count) of \(partitions.count) partition file(s); '\(root)' has no _SUCCESS marker", kind: .cancelled)
                }
                throw error
            }
            let relPath = rel.isEmpty ? name : rel + "/" + name
            summary.files.append(relPath)
            written.insert(relPath)
        }
        // stale part files of this table (and directories left empty), now that the new ones are in place
        if let e = fm.enumerator(atPath: root) {
            var stale: [String] = []
            while let p = e.nextObject() as? String {
                let base = (p as NSString).lastPathComponent
                if base.hasPrefix("part-") && !written.contains(p) { stale.append(p) }
            }
            for p in stale {
                if unlink((root as NSString).appendingPathComponent(p)) == 0 { summary.removed += 1 }
            }
            let dirs = ((try? fm.subpathsOfDirectory(atPath: root)) ?? []).filter { p in
                var d: ObjCBool = false
                return fm.fileExists(atPath: (root as NSString).appendingPathComponent(p), isDirectory: &d) && d.boolValue
            }.sorted { $0.count > $1.count }
            for d in dirs { rmdir((root as NSString).appendingPathComponent(d)) }  // only empty ones go
        }
        let tmp = FileWriter.temporaryName(for: success)
        do throws(QueryError) {
            try FileWriter.writeFile(tmp, [])
            guard rename(tmp, success) == 0 else { throw FileWriter.ioError("cannot write '\(success)'") }
        } catch {
            unlink(tmp)
            throw error
        }
        return summary
    }
}
