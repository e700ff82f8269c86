import CZlib
import CZstd
import Foundation
import StrataCore
import StrataFormat
import StrataText

/// How a result is written to a file: the one writer behind COPY ... TO, `strata query --out`,
/// `strata report --out` and `strata export`.
public struct FileWriteOptions: Sendable {
    public var format: FileFormat
    /// CSV: the field delimiter (`,`; TSV: tab).
    public var delimiter: UInt8 = 0x2C
    /// CSV: a header line of the column names.
    public var header = true
    /// JSON: one array (`[{...},\n{...}]`); false: one object per line (DuckDB's FORMAT json default).
    public var jsonArray = false
    /// Text formats: none, gzip or zstd; Parquet: its codec (handed to the Parquet writer).
    public var compression: String?
    /// Format-specific options for the columnar writers (`row_group_size`, ...), keys lower-cased.
    public var extra: [String: String] = [:]
    /// Stored types of the written columns by name, when they are a table's own columns (export,
    /// `COPY table TO`): an INTEGER column, BIGINT in the engine, is written as a 32-bit column.
    public var storedTypes: [String: ColumnType] = [:]

    public init(format: FileFormat) { self.format = format }

    /// Options for `path` from its extension (`.csv`, `.tsv`, `.json`, `.ndjson`, `.parquet`, plus
    /// `.gz`/`.zst`), or `format` when given (csv, tsv, json, ndjson, parquet).
    public static func forPath(_ path: String, format: String?) throws(QueryError) -> FileWriteOptions {
        let named: (format: FileFormat, tsv: Bool)?
        if let format {
            named = FileFormat.named(format)
            if named == nil { throw QueryError("unknown file format '\(format)' (use csv, tsv, json, ndjson or parquet)") }
        } else {
            named = FileFormat.fromPath(path)
            if named == nil {
                throw QueryError("cannot tell the format of '\(path)' from its extension (.csv, .tsv, .json, .ndjson, .parquet); give one with --format")
            }
        }
        var o = FileWriteOptions(format: named!.format)
        if named!.tsv { o.delimiter = 0x09 }
        // JSON written to a .json file is an array (what tools expect of .json); .ndjson one object a line
        if o.format == .json { o.jsonArray = true }
        let l = path.lowercased()
        if l.hasSuffix(".gz") || l.hasSuffix(".gzip") { o.compression = "gzip" }
        if l.hasSuffix(".zst") || l.hasSuffix(".zstd") { o.compression = "zstd" }
        return o
    }
}

public enum FileWriter {
    /// Writes `result` to `path` under a temporary name in the same directory, then renames it
    /// into place (a reader never sees a half-written file). Returns the rows written.
    @discardableResult
    public static func write(_ result: ResultSet, to path: String, options: FileWriteOptions, threads: Int = 2) throws(QueryError) -> Int {
        try write(result.relation ?? Relation(result), to: path, options: options, threads: threads)
    }

    static func write(_ rel: Relation, to given: String, options o: FileWriteOptions, threads: Int,
                      stop: Interruption? = nil) throws(QueryError) -> Int {
        var st = stat()
        if stat(given, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
            // a FIFO or a device is written into, never replaced
            if (st.st_mode & S_IFMT) == S_IFDIR { throw QueryError("'\(given)' is a directory") }
            guard try FileFormat.columnarWriter(o.format) == nil else { throw QueryError("'\(given)' is not a regular file: a \(o.format.rawValue) file needs one") }
            let bytes = try compress(textChunks(rel, o, threads: threads), o.compression)
            let fd = open(given, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw ioError("cannot open '\(given)'") }
            defer { close(fd) }
            try writeChunks(fd, bytes, given)
            return rel.count
        }
        let path = try regularTarget(given)
        let tmp = temporaryName(for: path)
        do throws(QueryError) {
            if let w = try FileFormat.columnarWriter(o.format) {
                var extra = o.extra
                if let c = o.compression { extra["compression"] = c }
                var input = try columnarInput(rel, options: extra)
                narrowToStoredTypes(&input, o.storedTypes)
                try w.write(input, to: tmp)
            } else {
                let chunks = textChunks(rel, o, threads: threads)
                let bytes = try compress(chunks, o.compression)
                try writeFile(tmp, bytes)
            }
            // Ctrl-C while writing: the temporary file goes, nothing is renamed into place
            if let stop, stop.isRaised { throw QueryError("cancelled: nothing was written to '\(given)'", kind: .cancelled) }
            guard rename(tmp, path) == 0 else { throw ioError("cannot rename '\(tmp)' to '\(path)'") }
        } catch {
            unlink(tmp)
            throw error
        }
        return rel.count
    }

    /// The file a write to `given` replaces: a symbolic link is written through (the file it
    /// points to is replaced, the link stays); a missing parent directory is created.
    static func regularTarget(_ given: String) throws(QueryError) -> String {
        var path = given
        if let resolved = realpath(given, nil) {
            path = String(cString: resolved)
            free(resolved)
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && !FileManager.default.fileExists(atPath: parent) {
            do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
                throw QueryError("cannot create directory '\(parent)': \(error.localizedDescription)")
            }
        }
        return path
    }

    /// `dir/.name.tmp-<pid>-<n>`: hidden, so a glob over the directory never reads it.
    public static func temporaryName(for path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let n = UInt32.random(in: 0...UInt32.max)
        let name = ".\(base).tmp-\(getpid())-\(String(n, radix: 16))"
        return dir.isEmpty ? name : (dir as NSString).appendingPathComponent(name)
    }

    static func ioError(_ what: String) -> QueryError {
        QueryError("\(what): \(String(cString: strerror(errno)))", kind: .internal)
    }

    static func textChunks(_ rel: Relation, _ o: FileWriteOptions, threads: Int) -> [ByteChunk] {
        let rs = ResultSet(rel)
        switch o.format {
        case .csv:
            var chunks = rs.renderText(.delimited(o.delimiter), threads: threads)
            if !o.header, !chunks.isEmpty {
                // the renderer starts with the header line: drop exactly its bytes
                let sep = Character(UnicodeScalar(o.delimiter))
                let header = rel.names.map { CSVText.field($0, delimiter: sep) }.joined(separator: String(sep)) + "\n"
                let skip = header.utf8.count
                let first = chunks[0].bytes
                chunks[0] = ByteChunk(Array(first.dropFirst(min(skip, first.count))))
            }
            return chunks
        case .json:
            return rs.renderText(o.jsonArray ? .json : .ndjson, threads: threads)
        case .ndjson:
            return rs.renderText(.ndjson, threads: threads)
        case .parquet:
            return []
        }
    }

    static func writeFile(_ path: String, _ chunks: [ByteChunk]) throws(QueryError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("cannot create '\(path)'") }
        defer { close(fd) }
        try writeChunks(fd, chunks, path)
        guard fsync(fd) == 0 else { throw ioError("cannot write '\(path)'") }
    }

    static func writeChunks(_ fd: Int32, _ chunks: [ByteChunk], _ path: String) throws(QueryError) {
        for c in chunks {
            let failed = c.withUnsafeBytes { raw -> Int32? in
                guard var p = raw.baseAddress else { return nil }
                var left = raw.count
                while left > 0 {
                    let n = Glibc.write(fd, p, left)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    p += n
                    left -= n
                }
                return nil
            }
            if let e = failed { errno = e; throw ioError("cannot write '\(path)'") }
        }
    }

    /// The chunks compressed as one gzip member or zstd frame (none: as they are).
    static func compress(_ chunks: [ByteChunk], _ codec: String?) throws(QueryError) -> [ByteChunk] {
        switch codec?.lowercased() {
        case nil, "none", "uncompressed", "auto": return chunks
        case "zstd", "zst":
            guard let cs = ZSTD_createCStream() else { throw QueryError("zstd: cannot start the compressor") }
            defer { ZSTD_freeCStream(cs) }
            _ = ZSTD_initCStream(cs, 3)
            var out: [UInt8] = []
            let cap = ZSTD_CStreamOutSize()
            var buf = [UInt8](repeating: 0, count: cap)
            func drain(_ input: UnsafeRawBufferPointer, end: Bool) throws(QueryError) {
                var inb = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
                while true {
                    let (rc, produced) = buf.withUnsafeMutableBytes { b -> (Int, Int) in
                        var outb = ZSTD_outBuffer(dst: b.baseAddress, size: b.count, pos: 0)
                        let r = end ? ZSTD_compressStream2(cs, &outb, &inb, ZSTD_e_end) : ZSTD_compressStream2(cs, &outb, &inb, ZSTD_e_continue)
                        return (r, outb.pos)
                    }
                    if ZSTD_isError(rc) != 0 { throw QueryError("zstd: compression failed") }
                    out.append(contentsOf: buf[0..<produced])
                    if end ? rc == 0 : inb.pos == inb.size { break }
                }
            }
            for c in chunks { try c.withUnsafeBytes { (b) throws(QueryError) in try drain(b, end: false) } }
            try drain(UnsafeRawBufferPointer(start: nil, count: 0), end: true)
            return [ByteChunk(out)]
        case "gzip", "gz":
            var z = z_stream()
            guard deflateInit2_(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw QueryError("gzip: cannot start the compressor")
            }
            defer { deflateEnd(&z) }
            var out: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 1 << 18)
            func pump(_ input: UnsafeRawBufferPointer, finish: Bool) throws(QueryError) {
                z.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
                z.avail_in = UInt32(input.count)
                while true {
                    let (rc, produced) = buf.withUnsafeMutableBufferPointer { b -> (Int32, Int) in
                        z.next_out = b.baseAddress
                        z.avail_out = UInt32(b.count)
                        let r = deflate(&z, finish ? Z_FINISH : Z_NO_FLUSH)
                        return (r, b.count - Int(z.avail_out))
                    }
                    if rc == Z_STREAM_ERROR { throw QueryError("gzip: compression failed") }
                    out.append(contentsOf: buf[0..<produced])
                    if finish ? rc == Z_STREAM_END : (z.avail_in == 0 && produced < buf.count) { break }
                }
            }
            for c in chunks { try c.withUnsafeBytes { (b) throws(QueryError) in try pump(b, finish: false) } }
            try pump(UnsafeRawBufferPointer(start: nil, count: 0), finish: true)
            return [ByteChunk(out)]
        default:
            throw QueryError("unknown compression '\(codec!)' for a text file (use none, gzip or zstd)")
        }
    }

    /// A relation as store columns for a columnar writer.
    static func columnarInput(_ rel: Relation, options: [String: String]) throws(QueryError) -> ColumnarWriteInput {
        var types: [ColumnType] = []
        for (i, t) in rel.types.enumerated() {
            switch t {
            case .bigint: types.append(.bigint)
            case .double: types.append(.double)
            case .varchar, .null: types.append(.varchar)
            case .boolean: types.append(.boolean)
            case .date: types.append(.date)
            case .timestamp: types.append(.timestamp)
            default: throw QueryError("column '\(rel.names[i])' of type \(t) cannot be written to a file of this format; cast it (e.g. to VARCHAR)")
            }
        }
        let cols = rel.columns.enumerated().map { i, v -> Column in
            let f = v.flattened()
            if rel.types[i] == .null { return QueryEngine.column(Vec.nulls(.varchar, count: rel.count), count: rel.count) }
            return QueryEngine.column(f, count: rel.count)
        }
        return ColumnarWriteInput(names: rel.names, types: types, columns: cols, rows: rel.count, options: options)
    }
}
