import Foundation
import StrataCore
import StrataFormat
import StrataIngest
import StrataParquet
import StrataSQL
import StrataStore
import StrataText

// COPY (query) | table TO 'path' (options) and COPY table FROM 'path' (options), as DuckDB.

extension QueryEngine {
    func copy(_ c: CopyStatement) throws(QueryError) -> String {
        c.to ? try copyTo(c) : try copyFrom(c)
    }

    /// The COPY options as text, keys lower-cased (flags are "true").
    static func copyOptions(_ c: CopyStatement) -> [String: OptionValue] {
        var o: [String: OptionValue] = [:]
        for x in c.options { o[x.key.lowercased()] = x.value }
        return o
    }

    static func optionText(_ v: OptionValue) -> String {
        switch v {
        case .string(let s), .identifier(let s): return s
        case .integer(let i): return String(i)
        case .double(let d): return Values.formatDouble(d)
        case .boolean(let b): return b ? "true" : "false"
        case .identifierList(let l): return l.joined(separator: ",")
        }
    }

    static func optionBool(_ key: String, _ v: OptionValue) throws(QueryError) -> Bool {
        switch v {
        case .boolean(let b): return b
        case .integer(let i): return i != 0
        case .identifier(let s), .string(let s):
            switch s.lowercased() {
            case "true", "on", "yes": return true
            case "false", "off", "no": return false
            default: break
            }
        default: break
        }
        throw QueryError("COPY option \(key.uppercased()) must be true or false")
    }

    static func delimiterByte(_ s: String, _ what: String) throws(QueryError) -> UInt8 {
        if s == "\\t" || s == "\t" { return 0x09 }
        let u = Array(s.utf8)
        guard u.count == 1, u[0] < 0x80, u[0] != 0x22, u[0] != 0x0A, u[0] != 0x0D else {
            throw QueryError("\(what) must be one ASCII character (not a quote or a line break)")
        }
        return u[0]
    }

    // MARK: - TO

    func copyTo(_ c: CopyStatement) throws(QueryError) -> String {
        let opts = QueryEngine.copyOptions(c)
        var w: FileWriteOptions
        if let f = opts["format"] {
            let name = QueryEngine.optionText(f)
            guard let n = FileFormat.named(name) else { throw QueryError("COPY: unknown FORMAT '\(name)' (use csv, json, ndjson or parquet)") }
            w = FileWriteOptions(format: n.format)
            if n.tsv { w.delimiter = 0x09 }
        } else if let n = FileFormat.fromPath(c.path) {
            w = FileWriteOptions(format: n.format)
            if n.tsv { w.delimiter = 0x09 }
        } else {
            w = FileWriteOptions(format: .csv)
        }
        var partitionBy: [String] = []
        var overwrite = false, overwriteOrIgnore = false
        for (k, v) in opts {
            switch k {
            case "format": break
            case "header": w.header = try QueryEngine.optionBool(k, v)
            case "delimiter", "delim", "sep": w.delimiter = try QueryEngine.delimiterByte(QueryEngine.optionText(v), "DELIMITER")
            case "compression", "codec":
                let s = QueryEngine.optionText(v).lowercased()
                w.compression = s == "auto" ? nil : s
            case "array": w.jsonArray = try QueryEngine.optionBool(k, v)
            case "partition_by":
                switch v {
                case .identifierList(let l): partitionBy = l
                case .identifier(let s), .string(let s): partitionBy = [s]
                default: throw QueryError("PARTITION_BY takes column names: PARTITION_BY (a, b)")
                }
            case "overwrite": overwrite = try QueryEngine.optionBool(k, v)
            case "overwrite_or_ignore": overwriteOrIgnore = try QueryEngine.optionBool(k, v)
            case "row_group_size", "row_group_size_bytes", "compression_level", "field_ids", "per_thread_output":
                w.extra[k] = QueryEngine.optionText(v)
            default:
                throw QueryError("COPY: unknown option \(k.uppercased()) (options: FORMAT, HEADER, DELIMITER, COMPRESSION, ARRAY, PARTITION_BY, OVERWRITE, OVERWRITE_OR_IGNORE, ROW_GROUP_SIZE)")
            }
        }
        if w.format == .csv && w.compression == nil {
            let l = c.path.lowercased()
            if l.hasSuffix(".gz") { w.compression = "gzip" } else if l.hasSuffix(".zst") { w.compression = "zstd" }
        }
        if w.format == .parquet { _ = try FileFormat.columnarWriter(.parquet) }
        if case .table(let name, let columns) = c.source, partitionBy.isEmpty, w.format == .parquet,
           let n = try copyTableToParquet(name, columns, path: c.path, options: w) {
            return "copied \(n) row\(n == 1 ? "" : "s") to \(c.path)"
        }
        let rel = try copySourceRelation(c)
        if case .table(let name, _) = c.source, let def = try? store.table(name).definition { w.storedTypes = FileWriter.storedTypes(def) }
        if partitionBy.isEmpty {
            let n = try FileWriter.write(rel, to: c.path, options: w, threads: threads, stop: interruption)
            return "copied \(n) row\(n == 1 ? "" : "s") to \(c.path)"
        }
        let (n, files) = try FileWriter.writePartitioned(rel, dir: c.path, by: partitionBy, options: w, threads: threads,
                                                         overwrite: overwrite, overwriteOrIgnore: overwriteOrIgnore)
        return "copied \(n) row\(n == 1 ? "" : "s") to \(files) file\(files == 1 ? "" : "s") under \(c.path)"
    }

    /// `COPY table TO 'file.parquet'` read one table partition at a time: each partition's rows
    /// are appended to the writer, which writes row groups as they fill, so memory follows the
    /// largest partition rather than the whole table (10M harness rows: 5.3 GB peak when the
    /// table was materialized first). `nil` when streaming does not apply (a table without time
    /// partitions or with fewer than two, or a target that is not a regular file): the caller
    /// writes the whole relation.
    func copyTableToParquet(_ name: String, _ columns: [String], path given: String, options w: FileWriteOptions) throws(QueryError) -> Int? {
        let (def, starts) = try timePartitions(name)
        guard let time = def.timeColumn.map(quoteIdentifier), def.granularity != .none, starts.count > 1 else { return nil }
        var st = stat()
        if stat(given, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG { return nil }
        let path = try FileWriter.regularTarget(given)
        var extra = w.extra
        if let codec = w.compression { extra["compression"] = codec }
        let parquetOptions = try ParquetColumnarWriter.options(extra)
        let stored = FileWriter.storedTypes(def)
        let list = columns.isEmpty ? "*" : columns.map(quoteIdentifier).joined(separator: ", ")
        var writer: ParquetWriter?
        var written = 0
        do throws(QueryError) {
            for start in starts {
                if interruption.isRaised { throw QueryError("cancelled: nothing was written to '\(given)'", kind: .cancelled) }
                let sql = "SELECT \(list) FROM \(quoteIdentifier(name)) WHERE " + QueryEngine.partitionCondition(time, def.granularity, start)
                let q: Query
                do throws(SQLError) { q = try parseQuery(sql) } catch { throw QueryError(error.message) }
                let rel = try rows(of: q)
                var input = try FileWriter.columnarInput(rel, options: extra)
                FileWriter.narrowToStoredTypes(&input, stored)
                if writer == nil { writer = try ParquetColumnarWriter.open(path, input, parquetOptions) }
                do throws(ParquetError) { try writer!.write(input.columns) } catch { throw QueryError(error) }
                written += rel.count
            }
            if interruption.isRaised { throw QueryError("cancelled: nothing was written to '\(given)'", kind: .cancelled) }
            do throws(ParquetError) { try writer?.close() } catch { throw QueryError(error) }
        } catch {
            writer?.abort()
            throw error
        }
        return written
    }

    /// The rows a COPY ... TO writes.
    func copySourceRelation(_ c: CopyStatement) throws(QueryError) -> Relation {
        let q: Query
        switch c.source {
        case .query(let x): q = x
        case .table(let name, let columns):
            let list = columns.isEmpty ? "*" : columns.map(quoteIdentifier).joined(separator: ", ")
            do throws(SQLError) { q = try parseQuery("SELECT \(list) FROM \(quoteIdentifier(name))") } catch {
                throw QueryError(error.message)
            }
        }
        return try rows(of: q)
    }

    /// Plans and runs a query the engine composed or was given whole (COPY, export): its rows.
    func rows(of q: Query) throws(QueryError) -> Relation {
        let (plan, binder, ex) = try planQuery(q)
        defer { withExtendedLifetime(binder) {} }
        return try PlanExecutor(executor: ex).run(plan)
    }

    /// The definition of `table` and the start of each of its time partitions that holds rows,
    /// in time order.
    func timePartitions(_ table: String) throws(QueryError) -> (TableDefinition, [Int64]) {
        do throws(StoreError) {
            let snap = try store.table(table).snapshot()
            return (snap.definition, Array(Set(snap.segments.filter { $0.rows > 0 }.map(\.partitionStart))).sorted())
        } catch { throw QueryError(error) }
    }

    /// `time >= TIMESTAMP '…' AND time < TIMESTAMP '…'` (a quoted column): the rows of the
    /// partition of `granularity` starting at `start`.
    static func partitionCondition(_ time: String, _ granularity: Granularity, _ start: Int64) -> String {
        "\(time) >= TIMESTAMP '\(Civil.formatTimestamp(start))' AND \(time) < TIMESTAMP '\(Civil.formatTimestamp(granularity.partitionEnd(start)))'"
    }

    // MARK: - FROM

    /// `COPY table FROM 'path'`: the files (a glob allowed) are ingested into the existing table
    /// as one atomic batch, exactly as `strata ingest` loads them (idempotent: the same content
    /// again is skipped unless FORCE).
    func copyFrom(_ c: CopyStatement) throws(QueryError) -> String {
        guard case .table(let name, let columns) = c.source else { throw QueryError("COPY FROM loads into a table") }
        if !columns.isEmpty { throw QueryError("COPY \(name) (columns) FROM is not supported; the file's header names the columns") }
        guard store.tableExists(name) else {
            throw QueryError("table '\(name)' does not exist (COPY FROM loads into an existing table; `strata ingest` creates one from the file)")
        }
        var o = IngestOptions()
        o.createIfMissing = false
        o.threads = threads
        o.quiet = true
        o.interruption = interruption  // Ctrl-C: the ingest stops with nothing committed
        let shown = progress  // bytes read of the files, for the CLI's progress line
        o.progress = { bytes, total, rows in shown.loaded(bytes: bytes, total: total, rows: rows) }
        for (k, v) in QueryEngine.copyOptions(c) {
            switch k {
            case "format":
                let s = QueryEngine.optionText(v).lowercased()
                switch s {
                case "csv": o.format = .csv
                case "tsv": o.format = .csv; o.delimiter = 0x09
                case "json", "ndjson", "jsonl": o.format = .ndjson
                case "parquet": o.format = .parquet
                default: throw QueryError("COPY FROM: unknown FORMAT '\(s)' (use csv, ndjson or parquet)")
                }
            case "header": o.header = try QueryEngine.optionBool(k, v)
            case "delimiter", "delim", "sep": o.delimiter = try QueryEngine.delimiterByte(QueryEngine.optionText(v), "DELIMITER")
            case "force": o.force = try QueryEngine.optionBool(k, v)
            case "max_errors":
                guard case .integer(let n) = v, n >= 0 else { throw QueryError("MAX_ERRORS must be an integer of at least 0") }
                o.maxErrors = Int(n)
            case "compression": break  // gzip/zstd are recognized from the content
            default:
                throw QueryError("COPY FROM: unknown option \(k.uppercased()) (options: FORMAT, HEADER, DELIMITER, MAX_ERRORS, FORCE)")
            }
        }
        let files = FileGlob.expand(c.path)
        if files.isEmpty { throw QueryError("no files match '\(c.path)'") }
        let s: IngestSummary
        do throws(IngestError) { s = try Ingestor.ingest(store: store, table: name, files: files, options: o) } catch {
            var e = QueryError(error.message, cause: error)
            e.kind = error.kind == .corrupt ? .corrupt : (error.isUserError ? .user : .internal)
            if error.kind == .cancelled { e.kind = .cancelled }
            throw e
        }
        if s.skippedAsDuplicate {
            return "copied 0 rows into \(name): these files were loaded before (batch \(s.batchID)); add FORCE to load them again"
        }
        var m = "copied \(s.rowsLoaded) row\(s.rowsLoaded == 1 ? "" : "s") into \(name)"
        if s.rowsRejected > 0 { m += " (\(s.rowsRejected) rejected)" }
        return m
    }
}

extension FileWriter {
    /// Hive-partitioned output as DuckDB writes it: `dir/a=1/b=x/data_0.<ext>`, the partition
    /// columns left out of the files. An existing non-empty `dir` is refused unless
    /// `overwrite` (its contents are replaced: the new tree is written beside it and swapped
    /// in) or `overwriteOrIgnore` (files are written into it, replacing those of the same name).
    static func writePartitioned(_ rel: Relation, dir: String, by: [String], options: FileWriteOptions, threads: Int,
                                 overwrite: Bool, overwriteOrIgnore: Bool) throws(QueryError) -> (rows: Int, files: Int) {
        var keyCols: [Int] = []
        for b in by {
            guard let i = rel.names.firstIndex(where: { $0.lowercased() == b.lowercased() }) else {
                throw QueryError("PARTITION_BY: no column '\(b)' (columns: \(rel.names.joined(separator: ", ")))")
            }
            keyCols.append(i)
        }
        let dataCols = rel.names.indices.filter { !keyCols.contains($0) }
        if dataCols.isEmpty { throw QueryError("PARTITION_BY: every column is a partition column; nothing is left to write") }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: dir, isDirectory: &isDir)
        if exists && !isDir.boolValue { throw QueryError("'\(dir)' exists and is not a directory") }
        let nonEmpty = exists && !((try? fm.contentsOfDirectory(atPath: dir)) ?? []).isEmpty
        if nonEmpty && !overwrite && !overwriteOrIgnore {
            throw QueryError("directory '\(dir)' is not empty; add OVERWRITE to replace it or OVERWRITE_OR_IGNORE to write into it")
        }
        // rows grouped by their partition values, groups in order of first appearance
        let keyVecs = keyCols.map { rel.columns[$0].flattened() }
        var groups: [String: Int] = [:]
        var order: [String] = []
        var rows: [[Int32]] = []
        for r in 0..<rel.count {
            var path = ""
            for (j, v) in keyVecs.enumerated() {
                path += (j > 0 ? "/" : "") + hiveSegment(rel.names[keyCols[j]]) + "=" + hiveSegment(hiveText(v, r))
            }
            if let g = groups[path] { rows[g].append(Int32(r)) } else {
                groups[path] = rows.count
                order.append(path)
                rows.append([Int32(r)])
            }
        }
        let target = overwrite && nonEmpty ? temporaryName(for: dir.hasSuffix("/") ? String(dir.dropLast()) : dir) : dir
        do throws(QueryError) {
            for (g, sub) in order.enumerated() {
                let d = (target as NSString).appendingPathComponent(sub)
                do { try fm.createDirectory(atPath: d, withIntermediateDirectories: true) } catch {
                    throw QueryError("cannot create directory '\(d)': \(error.localizedDescription)")
                }
                let part = Relation(names: dataCols.map { rel.names[$0] }, types: dataCols.map { rel.types[$0] },
                                    columns: dataCols.map { rel.columns[$0].flattened().gather(rows[g]) }, count: rows[g].count)
                _ = try write(part, to: (d as NSString).appendingPathComponent("data_0.\(options.format.fileExtension)"), options: options, threads: threads)
            }
            if order.isEmpty && !exists {
                do { try fm.createDirectory(atPath: target, withIntermediateDirectories: true) } catch {
                    throw QueryError("cannot create directory '\(target)': \(error.localizedDescription)")
                }
            }
        } catch {
            if target != dir { try? fm.removeItem(atPath: target) }
            throw error
        }
        if target != dir {
            // swap the new tree in, then remove the old one
            let old = temporaryName(for: dir.hasSuffix("/") ? String(dir.dropLast()) : dir)
            guard rename(dir, old) == 0 else { throw ioError("cannot move '\(dir)' aside") }
            guard rename(target, dir) == 0 else {
                _ = rename(old, dir)
                throw ioError("cannot move the new files into '\(dir)'")
            }
            try? fm.removeItem(atPath: old)
        }
        return (rel.count, order.count)
    }

    /// A partition value as directory text (dates as YYYY-MM-DD, NULL as NULL).
    static func hiveText(_ v: Vec, _ r: Int) -> String {
        if v.isNull(r) { return "NULL" }
        switch v.value(r) {
        case .string(let s): return s
        case .date(let d): return Civil.formatDate(d)
        case .timestamp(let t): return Civil.formatTimestamp(t)
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return Values.formatDouble(d)
        default: return v.string(r)
        }
    }

    /// Percent-encodes the bytes a path segment cannot hold (`/`, `=`, `%`, control bytes).
    static func hiveSegment(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if b == 0x2F || b == 0x3D || b == 0x25 || b < 0x20 || b == 0x7F || b == 0x5C {
                out += "%" + String(format: "%02X", b)
            } else {
                out.unicodeScalars.append(UnicodeScalar(b))
            }
        }
        // multi-byte UTF-8 passes through: rebuild from the bytes
        return String(decoding: Array(out.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }), as: UTF8.self)
    }
}
