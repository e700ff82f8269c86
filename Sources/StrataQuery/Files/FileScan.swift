import Foundation
import StrataCore
import StrataFormat
import StrataSQL
import StrataText

/// Files read in FROM (`read_csv(...)`, `read_json(...)`, `read_parquet(...)`, `FROM 'path'`):
/// the plan's `.files` operator. The output is the file's columns, then `filename` (with
/// `filename = true`), then the Hive partition columns (`key=value/` directories, with
/// `hive_partitioning`). Projection pushdown sets `columns` (only those are parsed into
/// vectors); the FilePruning rule sets `fileFilter` from the conjuncts about `filename` and
/// partition columns and drops the files it rejects before anything is read.
final class FileScanSpec {
    let function: String
    let format: FileFormat
    let files: [String]
    /// Per file: its values of the partition columns.
    let partitions: [[Value]]
    let fileNames: [String]
    let fileTypes: [DataType]
    let filenameColumn: Bool
    let hiveNames: [String]
    let hiveTypes: [DataType]
    let text: TextSchema?
    let options: TextReadOptions
    /// Output columns read (sorted); nil until projection pushdown: all.
    var columns: [Int]?
    /// Conjuncts over `filename` and partition columns only (output positions).
    var fileFilter: BExpr?
    /// Indices of the files left after pruning (nil: all).
    var kept: [Int]?
    /// The whole filter directly over the scan (EXPLAIN's row-group pruning) and the opened
    /// Parquet files (ParquetScan.swift).
    var scanFilter: BExpr?
    var parquet: ParquetScanState?

    init(function: String, format: FileFormat, files: [String], partitions: [[Value]], fileNames: [String], fileTypes: [DataType],
         filenameColumn: Bool, hiveNames: [String], hiveTypes: [DataType], text: TextSchema?, options: TextReadOptions) {
        self.function = function
        self.format = format
        self.files = files
        self.partitions = partitions
        self.fileNames = fileNames
        self.fileTypes = fileTypes
        self.filenameColumn = filenameColumn
        self.hiveNames = hiveNames
        self.hiveTypes = hiveTypes
        self.text = text
        self.options = options
    }

    var names: [String] { fileNames + (filenameColumn ? ["filename"] : []) + hiveNames }
    var types: [DataType] { fileTypes + (filenameColumn ? [.varchar] : []) + hiveTypes }
    /// Output positions of `filename` and the partition columns (the ones a file filter may use).
    var fileLevelColumns: Range<Int> { fileNames.count..<(fileNames.count + (filenameColumn ? 1 : 0) + hiveNames.count) }

    var explainText: String {
        let n = kept?.count ?? files.count
        var s = "FileScan \(function) \(format.rawValue): \(n) of \(files.count) file\(files.count == 1 ? "" : "s")"
        if let k = kept, k.count < files.count { s += " (\(files.count - k.count) pruned)" }
        if let c = columns { s += ", columns: " + c.map { names[$0] }.joined(separator: ", ") }
        if let p = parquetPruningText { s += ", " + p }
        return s
    }

    /// The files' values of the file-level columns as a batch of one row per file (the other
    /// slots empty), for evaluating `fileFilter`.
    func fileBatch() -> Batch {
        var cols = [Vec?](repeating: nil, count: names.count)
        let n = files.count
        var at = fileNames.count
        if filenameColumn {
            cols[at] = Vec.from(files.map { Value.string($0) }[...], type: .varchar)
            at += 1
        }
        for h in hiveNames.indices {
            cols[at + h] = Vec.from(partitions.map { $0[h] }[...], type: hiveTypes[h])
        }
        return Batch(columns: cols, count: n)
    }

    /// A flat vector of `count` copies of `v`.
    static func repeated(_ v: Value, _ t: DataType, _ count: Int) -> Vec {
        if v.isNull { return Vec.nulls(t, count: count) }
        let out = Vec(type: t, count: count)
        switch v {
        case .string(let s):
            var d = StringDictionary()
            d.append(s)
            out.dict = DictRef(d)
            out.ints = [Int64](repeating: 0, count: count)
        case .double(let x): out.dbls = [Double](repeating: x, count: count)
        case .int(let x), .timestamp(let x), .date(let x): out.ints = [Int64](repeating: x, count: count)
        case .bool(let b): out.ints = [Int64](repeating: b ? 1 : 0, count: count)
        default: return Vec.from([Value](repeating: v, count: count)[...], type: t)
        }
        return out
    }

    /// Reads every kept file: its needed columns as vectors, the others NULL.
    func relation(_ ex: Executor) throws(QueryError) -> Relation {
        let outNames = names, outTypes = types
        let needed = Set(columns ?? Array(outTypes.indices))
        let fileNeeded = (0..<fileNames.count).filter { needed.contains($0) }
        let which = kept ?? Array(files.indices)
        var parts: [[Vec]] = []
        var total = 0
        let columnar = try FileFormat.columnarReader(format)
        // several files: parsed in parallel, one file per thread; fewer files than threads: each
        // file's blocks on every thread. Assembled in file order.
        let perFile = which.count >= ex.threads ? 1 : ex.threads
        let read = UnsafeMutableBufferPointer<Result<[([Vec], Int)], QueryError>?>.allocate(capacity: which.count)
        read.initialize(repeating: nil)
        defer { read.deinitialize(); read.deallocate() }
        let files = self.files, fileTypes = self.fileTypes, text = self.text, options = self.options
        nonisolated(unsafe) let out = read
        ParallelWork.forEach(which.count, workers: perFile == 1 ? ex.threads : 1) { i, _ in
            let path = files[which[i]]
            do throws(QueryError) {
                if let columnar {
                    let (cols, n) = try columnar.read(path: path, columns: fileNeeded)
                    out[i] = .success([(zip(cols, fileNeeded).map { FileScanSpec.vector($0, fileTypes[$1], n) }, n)])
                } else {
                    guard let text else { throw QueryError("internal: no schema for \(path)", kind: .internal) }
                    out[i] = .success(try TextFileReader.read(path, text, options, needed: fileNeeded, threads: perFile))
                }
            } catch {
                out[i] = .failure(error)
            }
        }
        var pieces: [(file: Int, vecs: [Vec], rows: Int)] = []
        for (i, f) in which.enumerated() {
            switch read[i]! {
            case .success(let r): for (v, n) in r { pieces.append((f, v, n)) }
            case .failure(let e): throw e
            }
        }
        for (f, vecs, rows) in pieces {
            let path = files[f]
            var out: [Vec] = []
            var k = 0
            for c in 0..<fileNames.count {
                if k < fileNeeded.count && fileNeeded[k] == c { out.append(vecs[k]); k += 1 } else { out.append(Vec.nulls(fileTypes[c], count: rows)) }
            }
            if filenameColumn {
                out.append(needed.contains(out.count) ? FileScanSpec.repeated(.string(path), .varchar, rows) : Vec.nulls(.varchar, count: rows))
            }
            for h in hiveNames.indices {
                out.append(needed.contains(out.count) ? FileScanSpec.repeated(partitions[f][h], hiveTypes[h], rows) : Vec.nulls(hiveTypes[h], count: rows))
            }
            parts.append(out)
            total += rows
        }
        if parts.count == 1 { return Relation(names: outNames, types: outTypes, columns: parts[0], count: total) }
        let cols = outTypes.indices.map { c in
            parts.isEmpty ? Vec.nulls(outTypes[c], count: 0) : Vec.concat(parts.map { $0[c] }, type: outTypes[c], interner: ex.interner)
        }
        return Relation(names: outNames, types: outTypes, columns: cols, count: total)
    }

    /// A store column from a columnar reader as a vector of `t`.
    static func vector(_ c: Column, _ t: DataType, _ n: Int) -> Vec {
        let v = Vec(type: t, count: n)
        switch c.data {
        case .int64(let x): v.ints = x
        case .double(let x): v.dbls = x
        case .bool(let x): v.ints = x.map { Int64($0) }
        case .string(let codes, let d):
            v.ints = codes.map { Int64($0) }
            var dict = d
            if dict.count == 0 { dict.append("") }
            v.dict = DictRef(dict)
        }
        v.valid = c.validity
        return v
    }
}

extension Binder {
    static let fileFunctions: Set<String> = ["", "read_csv", "read_csv_auto", "read_json", "read_json_auto", "read_ndjson",
                                             "read_ndjson_auto", "read_parquet", "parquet_scan"]

    /// A file-reading table function in FROM: the files it names, their schema (sniffed from
    /// the first file now), and its plan node.
    func fileSource(_ name: String, _ argExprs: [Expr], _ from: TableRef) throws(QueryError) -> (PlanNode, Scope) {
        let fn = name.lowercased()
        let at = from.range.start
        guard let first = argExprs.first else { throw QueryError("\(fn)() needs a file path or a list of paths", offset: at) }
        let empty = Scope(tableName: nil, alias: nil, names: [], types: [])
        // the paths: a string or a list of strings
        var patterns: [String] = []
        switch first.kind {
        case .literal(.string(let s)): patterns = [s]
        case .function(let f) where f.name == "list_value":
            for a in f.args {
                guard case .literal(.string(let s)) = a.kind else { throw QueryError("\(fn)(): the list of files must hold strings", offset: a.range.start) }
                patterns.append(s)
            }
        default:
            let v = try constantValue(try bindScalar(first, empty))
            guard case .string(let s) = v else { throw QueryError("\(fn)() needs a file path (a string) or a list of paths first", offset: first.range.start) }
            patterns = [s]
        }
        // the format
        var format: FileFormat
        var tsv = false
        switch fn {
        case "read_csv", "read_csv_auto": format = .csv
        case "read_json", "read_json_auto": format = .json
        case "read_ndjson", "read_ndjson_auto": format = .ndjson
        case "read_parquet", "parquet_scan": format = .parquet
        default:
            let p = patterns.first.map { FileGlob.braces($0)[0] } ?? ""
            guard let f = FileFormat.fromPath(p) else {
                throw QueryError("cannot tell the format of '\(p)' from its extension (.csv, .tsv, .json, .ndjson, .jsonl, .parquet, optionally .gz or .zst); use read_csv(...), read_json(...) or read_parquet(...)", offset: at)
            }
            format = f.format
            tsv = f.tsv
        }
        // named options
        var o = TextReadOptions(format: format)
        if tsv { o.delimiter = 0x09 }
        var hive: Bool?
        var filename = false
        for a in argExprs.dropFirst() {
            guard case .binary(.eq, let l, let r) = a.kind, case .column(nil, let key) = l.kind else {
                throw QueryError("\(fn)(): options are written name = value (e.g. header = true)", offset: a.range.start)
            }
            let k = key.lowercased()
            func value() throws(QueryError) -> Value { try constantValue(try bindScalar(r, empty)) }
            func bool() throws(QueryError) -> Bool {
                switch try value() {
                case .bool(let b): return b
                case .int(let i): return i != 0
                case .string(let s) where ["true", "false"].contains(s.lowercased()): return s.lowercased() == "true"
                default: throw QueryError("\(fn)(): \(k) must be true or false", offset: r.range.start)
                }
            }
            func string() throws(QueryError) -> String {
                guard case .string(let s) = try value() else { throw QueryError("\(fn)(): \(k) must be a string", offset: r.range.start) }
                return s
            }
            func byte() throws(QueryError) -> UInt8 {
                let s = try string()
                let u = Array(s.utf8)
                if s == "\\t" { return 0x09 }
                guard u.count == 1, u[0] < 0x80, u[0] != 0x0A, u[0] != 0x0D else { throw QueryError("\(fn)(): \(k) must be one ASCII character", offset: r.range.start) }
                return u[0]
            }
            switch k {
            case "header": o.header = try bool()
            case "delim", "sep", "delimiter": o.delimiter = try byte()
            case "quote": o.quote = try byte()
            case "auto_detect": o.autoDetect = try bool()
            case "all_varchar": o.allVarchar = try bool()
            case "sample_size":
                guard case .int(let n) = try value(), n == -1 || n >= 1 else { throw QueryError("\(fn)(): sample_size must be a positive integer or -1", offset: r.range.start) }
                o.sampleRows = Int(n)
            case "nullstr": o.nullString = try string()
            case "filename": filename = try bool()
            case "hive_partitioning": hive = try bool()
            case "compression":
                _ = try string()  // gzip and zstd are recognized from the content
            case "format" where format == .json || format == .ndjson:
                switch try string().lowercased() {
                case "auto", "array": o.format = .json
                case "newline_delimited", "nd", "ndjson": o.format = .ndjson
                default: throw QueryError("\(fn)(): format must be 'auto', 'array' or 'newline_delimited'", offset: r.range.start)
                }
            case "columns":
                o.columns = try structTypes(r, fn, k)
            case "types", "column_types", "dtypes":
                o.types = [:]
                for (n, t) in try structTypes(r, fn, k) { o.types[n.lowercased()] = t }
            default:
                throw QueryError("\(fn)(): unknown option '\(key)' (options: header, delim, quote, columns, types, auto_detect, all_varchar, sample_size, nullstr, filename, hive_partitioning\(format == .json ? ", format" : ""))", offset: l.range.start)
            }
        }
        // the files
        var files: [String] = []
        for p in patterns {
            let m = FileGlob.expand(p)
            if FileGlob.isPattern(p) && m.isEmpty { throw QueryError("no files match '\(p)'", offset: at) }
            if !FileGlob.isPattern(p) {
                var st = stat()
                guard stat(p, &st) == 0 else { throw QueryError("no such file: '\(p)'", offset: at) }
                if (st.st_mode & S_IFMT) == S_IFDIR { throw QueryError("'\(p)' is a directory; read its files with a glob such as '\(p.hasSuffix("/") ? p : p + "/")**/*.\(format.fileExtension)'", offset: at) }
            }
            files += m
        }
        // Hive partitions: on when asked, or when the first file's path has key=value parts
        var hiveNames: [String] = [], hiveTypes: [DataType] = [], partitions: [[Value]] = files.map { _ in [] }
        let firstParts = files.first.map(FileGlob.hivePartitions) ?? []
        if hive ?? !firstParts.isEmpty {
            hiveNames = firstParts.map(\.key)
            var texts: [[String?]] = []
            for f in files {
                let parts = FileGlob.hivePartitions(f)
                var row: [String?] = []
                for k in hiveNames {
                    guard let v = parts.first(where: { $0.key == k })?.value else {
                        throw QueryError("hive partitioning: '\(f)' has no '\(k)=' directory (the first file has \(hiveNames.joined(separator: ", ")))", offset: at)
                    }
                    row.append(v == "__HIVE_DEFAULT_PARTITION__" || v == "NULL" ? nil : v)
                }
                texts.append(row)
            }
            for h in hiveNames.indices {
                let vals = texts.compactMap { $0[h] }
                // DuckDB's inference: integers as BIGINT, YYYY-MM-DD dates as DATE, else VARCHAR
                let t: DataType
                if !vals.isEmpty && vals.allSatisfy({ Values.parseInt64($0) != nil }) { t = .bigint }
                else if !vals.isEmpty && vals.allSatisfy({ $0.utf8.count == 10 && Civil.parseDate($0) != nil }) { t = .date }
                else { t = .varchar }
                hiveTypes.append(t)
                for f in files.indices {
                    guard let s = texts[f][h] else { partitions[f].append(.null); continue }
                    switch t {
                    case .bigint: partitions[f].append(.int(Values.parseInt64(s)!))
                    case .date: partitions[f].append(.date(Civil.parseDate(s)!))
                    default: partitions[f].append(.string(s))
                    }
                }
            }
        }
        // the schema, from the first file: a columnar format's reader (Parquet) or the text sniffer
        let text: TextSchema?
        let fileNames: [String], fileTypes: [DataType]
        do throws(QueryError) {
            if let columnar = try FileFormat.columnarReader(format) {
                let s = try columnar.schema(path: files[0])
                (fileNames, fileTypes, text) = (s.map(\.name), s.map { DataType($0.type) }, nil)  // types=/columns= are for text files
            } else {
                let s = try TextFileReader.schema(files, o)
                (fileNames, fileTypes, text) = (s.names, s.types, s)
            }
        } catch {
            var e = error
            if e.offset == nil { e.offset = at }
            throw e
        }
        // partition columns named like a file column are the file's
        let taken = Set(fileNames.map { $0.lowercased() })
        let keep = hiveNames.indices.filter { !taken.contains(hiveNames[$0].lowercased()) }
        if keep.count < hiveNames.count {
            hiveNames = keep.map { hiveNames[$0] }
            hiveTypes = keep.map { hiveTypes[$0] }
            partitions = partitions.map { p in keep.map { p[$0] } }
        }
        let spec = FileScanSpec(function: fn.isEmpty ? "'\(patterns[0])'" : fn, format: format, files: files, partitions: partitions,
                                fileNames: fileNames, fileTypes: fileTypes, filenameColumn: filename && !taken.contains("filename"),
                                hiveNames: hiveNames, hiveTypes: hiveTypes, text: text, options: o)
        let node = PlanNode(.files(spec), [], names: spec.names, types: spec.types)
        var tableName = fn
        if fn.isEmpty {
            let base = (patterns[0] as NSString).lastPathComponent
            tableName = String(base.split(separator: ".").first ?? Substring(base))
        }
        return (node, Scope(tableName: from.alias ?? tableName, alias: from.alias, names: spec.names, types: spec.types))
    }

    /// `{'name': 'TYPE', ...}` of read_csv's columns/types.
    private func structTypes(_ e: Expr, _ fn: String, _ k: String) throws(QueryError) -> [(String, DataType)] {
        guard case .function(let f) = e.kind, f.name == "struct_pack", f.args.count % 2 == 0 else {
            throw QueryError("\(fn)(): \(k) takes {'column': 'TYPE', ...}", offset: e.range.start)
        }
        var out: [(String, DataType)] = []
        var i = 0
        while i < f.args.count {
            guard case .literal(.string(let n)) = f.args[i].kind, case .literal(.string(let t)) = f.args[i + 1].kind else {
                throw QueryError("\(fn)(): \(k) takes {'column': 'TYPE', ...} with the types as strings", offset: f.args[i].range.start)
            }
            guard let dt = Binder.fileColumnType(t) else {
                throw QueryError("\(fn)(): unknown type '\(t)' for column '\(n)' (use BIGINT, INTEGER, DOUBLE, VARCHAR, BOOLEAN, DATE or TIMESTAMP)", offset: f.args[i + 1].range.start)
            }
            out.append((n, dt))
            i += 2
        }
        return out
    }

    static func fileColumnType(_ t: String) -> DataType? {
        var u = t.uppercased().trimmingCharacters(in: .whitespaces)
        if let p = u.firstIndex(of: "(") { u = String(u[..<p]).trimmingCharacters(in: .whitespaces) }
        switch u {
        case "BIGINT", "INT8", "INT64", "LONG", "INTEGER", "INT", "INT4", "INT32", "SIGNED", "SMALLINT", "INT2", "INT16", "TINYINT", "INT1",
             "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "HUGEINT":
            return .bigint
        case "DOUBLE", "FLOAT8", "FLOAT", "FLOAT4", "REAL", "DECIMAL", "NUMERIC": return .double
        case "VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR": return .varchar
        case "BOOLEAN", "BOOL", "LOGICAL": return .boolean
        case "DATE": return .date
        case "TIMESTAMP", "DATETIME", "TIMESTAMP_US", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE": return .timestamp
        default: return nil
        }
    }
}
