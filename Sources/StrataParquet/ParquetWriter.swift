#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib
import StrataCore
import StrataFormat

/// Options of `ParquetWriter`.
public struct ParquetWriteOptions: Sendable {
    public enum PageVersion: Sendable { case v1, v2 }

    /// Page compression (zstd level 3 by default).
    public var compression: ParquetCompression = .zstd(level: 3)
    /// Rows per row group (the last one may be shorter).
    public var rowGroupSize: Int = 122_880
    /// Upper bound on rows per data page.
    public var pageRowLimit: Int = 20_000
    /// Target uncompressed bytes per data page (pages hold fewer rows when values are wide).
    public var pageSizeLimit: Int = 1 << 20
    /// Data page format: v1 (default; read by every reader) or v2.
    public var pageVersion: PageVersion = .v1
    public enum IntegerEncoding: Sendable { case plain, deltaBinaryPacked }

    /// Encoding of INTEGER/BIGINT/DATE/TIMESTAMP values: PLAIN (default), or
    /// DELTA_BINARY_PACKED (far smaller for sorted timestamps and ids; read by Arrow, DuckDB,
    /// Spark 3.3+, Trino).
    public var integerEncoding: IntegerEncoding = .plain
    /// Dictionary-encode string columns.
    public var dictionary: Bool = true
    /// A column chunk whose dictionary would exceed this many bytes is written PLAIN.
    public var dictionaryPageSizeLimit: Int = 1 << 20
    /// min/max/null_count per column chunk and page.
    public var statistics: Bool = true
    /// ColumnIndex/OffsetIndex after the row groups (page-level pruning for readers).
    public var pageIndex: Bool = true
    /// CRC-32 of every page in its header.
    public var pageChecksums: Bool = false
    /// Threads encoding the column chunks of a row group (default: all cores).
    public var threads: Int = ParallelWork.cores
    /// `created_by` in the footer.
    public var createdBy: String = "Strata"
    /// Extra key/value metadata in the footer.
    public var keyValueMetadata: [String: String] = [:]

    public init() {}
}

/// What `ParquetWriter.close()` wrote.
public struct ParquetWriteSummary: Sendable, Equatable {
    public var rows: Int
    public var rowGroups: Int
    public var bytes: Int
}

/// Writes a flat Parquet file from batches of Strata columns. The file is written under a
/// temporary name in the target's directory and renamed over `path` by `close()` (after an
/// fsync), so readers never see a partial file. Not thread-safe.
public final class ParquetWriter {
    public let path: String
    public let schema: [ColumnSchema]
    public let options: ParquetWriteOptions
    let tempPath: String
    var fd: Int32
    var offset = 0
    var pending: [[Column]] = []
    var pendingRows = 0
    var rowGroups: [RowGroup] = []
    var pageIndexes: [[(ColumnIndex?, OffsetIndex)]] = []
    var totalRows = 0
    var closed = false

    public init(path: String, schema: [ColumnSchema], options: ParquetWriteOptions = ParquetWriteOptions()) throws(ParquetError) {
        guard !schema.isEmpty else { throw ParquetError(.invalidArgument, "a Parquet file needs at least one column", file: path) }
        guard options.rowGroupSize > 0, options.pageRowLimit > 0 else { throw ParquetError(.invalidArgument, "row group and page sizes must be positive", file: path) }
        var seen = Set<String>()
        for c in schema where !seen.insert(c.name).inserted {
            throw ParquetError(.invalidArgument, "duplicate column name '\(c.name)'", file: path)
        }
        self.path = path
        self.schema = schema
        self.options = options
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        tempPath = (dir.isEmpty ? "" : dir + "/") + ".\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(tempPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ParquetError(.io, "cannot create \(tempPath): \(String(cString: strerror(errno)))", file: path) }
        do throws(ParquetError) { try writeBytes([0x50, 0x41, 0x52, 0x31]) } catch { abort(); throw error }
    }

    deinit { if !closed { abort() } }

    /// Discards the file being written (removes the temporary file).
    public func abort() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
        unlink(tempPath)
    }

    /// Appends a batch: one column per schema column, all of the same length, each of the
    /// schema type's physical representation. Row groups are written as they fill.
    public func write(_ columns: [Column]) throws(ParquetError) {
        guard !closed else { throw ParquetError(.invalidArgument, "writer is closed", file: path) }
        guard columns.count == schema.count else {
            throw ParquetError(.invalidArgument, "batch has \(columns.count) columns, schema has \(schema.count)", file: path)
        }
        let n = columns.first?.count ?? 0
        for (i, c) in columns.enumerated() {
            guard c.count == n else { throw ParquetError(.invalidArgument, "columns of different lengths in a batch", file: path, column: schema[i].name) }
            guard c.data.physical == schema[i].type.physical else {
                throw ParquetError(.invalidArgument, "column holds \(c.data.physical) values, schema type is \(schema[i].type.sqlName)", file: path, column: schema[i].name)
            }
        }
        for (i, c) in columns.enumerated() {
            let col = schema[i]
            if !col.nullable, let v = c.validity, v.contains(0) {
                throw ParquetError(.invalidArgument, "NULL in a column declared NOT NULL", file: path, column: col.name)
            }
            if col.type == .integer || col.type == .date, case .int64(let a) = c.data {
                let valid = c.validity
                for j in 0..<a.count where Int64(Int32(truncatingIfNeeded: a[j])) != a[j] && (valid.map { $0[j] != 0 } ?? true) {
                    throw ParquetError(.invalidArgument, "value \(a[j]) does not fit \(col.type.sqlName) (32-bit)", file: path, column: col.name)
                }
            }
        }
        if n == 0 { return }
        pending.append(columns)
        pendingRows += n
        while pendingRows >= options.rowGroupSize { try flushRowGroup(options.rowGroupSize) }
    }

    /// Writes the remaining rows, the page index and the footer, then renames the file into
    /// place. Returns the number of rows, row groups and bytes written.
    @discardableResult
    public func close() throws(ParquetError) -> ParquetWriteSummary {
        guard !closed else { throw ParquetError(.invalidArgument, "writer is closed", file: path) }
        do throws(ParquetError) {
            if pendingRows > 0 { try flushRowGroup(pendingRows) }
            try writeFooter()
            guard fsync(fd) == 0 else { throw ParquetError(.io, "fsync failed: \(String(cString: strerror(errno)))", file: path) }
            guard Glibc.close(fd) == 0 else { throw ParquetError(.io, "close failed: \(String(cString: strerror(errno)))", file: path) }
            closed = true
            guard rename(tempPath, path) == 0 else {
                let e = String(cString: strerror(errno))
                unlink(tempPath)
                throw ParquetError(.io, "cannot rename into place: \(e)", file: path)
            }
            let slash = path.lastIndex(of: "/")
            let dir = slash.map { String(path[..<$0]) } ?? "."
            let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 { _ = fsync(dfd); Glibc.close(dfd) }
        } catch {
            abort()
            throw error
        }
        return ParquetWriteSummary(rows: totalRows, rowGroups: rowGroups.count, bytes: offset)
    }

    // MARK: output

    func writeBytes(_ bytes: [UInt8]) throws(ParquetError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetError(.io, "write failed: \(String(cString: strerror(errno)))", file: path)
            }
            done += n
        }
        offset += bytes.count
    }

    // MARK: row groups

    /// Takes the first `n` pending rows as one row group.
    func flushRowGroup(_ n: Int) throws(ParquetError) {
        var parts: [[Column]] = []
        var taken = 0
        while taken < n {
            let batch = pending[0]
            let len = batch[0].count
            if taken + len <= n {
                parts.append(batch)
                pending.removeFirst()
                taken += len
            } else {
                let k = n - taken
                parts.append(batch.map { slice($0, 0..<k) })
                pending[0] = batch.map { slice($0, k..<len) }
                taken = n
            }
        }
        pendingRows -= n
        var chunkBytes: [UInt8] = []
        var group = RowGroup()
        group.numRows = Int64(n)
        group.fileOffset = Int64(offset)
        group.ordinal = Int16(truncatingIfNeeded: rowGroups.count)
        var indexes: [(ColumnIndex?, OffsetIndex)] = []
        let encoded = try encodeColumnsInParallel(parts, rows: n)
        for (ci, _) in schema.enumerated() {
            chunkBytes.removeAll(keepingCapacity: true)
            var (meta, ci_, oi) = encoded.results[ci]!
            chunkBytes = encoded.bytes[ci]
            // chunks were encoded at offset 0: move their page offsets to where they land
            if let d = meta.dictionaryPageOffset { meta.dictionaryPageOffset = d + Int64(offset) }
            meta.dataPageOffset += Int64(offset)
            for k in oi.pageLocations.indices { oi.pageLocations[k].offset += Int64(offset) }
            var cc = ColumnChunk()
            cc.fileOffset = Int64(offset)
            cc.metaData = meta
            try writeBytes(chunkBytes)
            group.columns.append(cc)
            group.totalByteSize += meta.totalUncompressedSize
            group.totalCompressedSize = (group.totalCompressedSize ?? 0) + meta.totalCompressedSize
            indexes.append((ci_, oi))
        }
        rowGroups.append(group)
        pageIndexes.append(indexes)
        totalRows += n
    }

    /// Encodes the row group's column chunks on `options.threads` threads, each at file offset
    /// 0 (the caller shifts the offsets); the first failure in schema order is thrown.
    func encodeColumnsInParallel(_ parts: [[Column]], rows n: Int) throws(ParquetError)
        -> (results: [(ColumnMetaData, ColumnIndex?, OffsetIndex)?], bytes: [[UInt8]]) {
        let count = schema.count
        let results = UnsafeMutableBufferPointer<(ColumnMetaData, ColumnIndex?, OffsetIndex)?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        let bytes = UnsafeMutableBufferPointer<[UInt8]>.allocate(capacity: count)
        bytes.initialize(repeating: [])
        let errors = UnsafeMutableBufferPointer<ParquetError?>.allocate(capacity: count)
        errors.initialize(repeating: nil)
        defer {
            results.deinitialize(); results.deallocate()
            bytes.deinitialize(); bytes.deallocate()
            errors.deinitialize(); errors.deallocate()
        }
        let box = UncheckedBox((results, bytes, errors, self, parts))
        ParallelWork.forEach(count, workers: max(1, options.threads)) { ci, _ in
            let (results, bytes, errors, w, parts) = box.value
            let enc = ChunkEncoder(schema: w.schema[ci], options: w.options, fileOffset: 0, path: w.path)
            var out: [UInt8] = []
            do throws(ParquetError) {
                results[ci] = try enc.encode(parts.map { $0[ci] }, rows: n, into: &out)
                bytes[ci] = out
            } catch {
                errors[ci] = error
            }
        }
        if let e = errors.first(where: { $0 != nil }) { throw e! }
        return (Array(results), Array(bytes))
    }

    func writeFooter() throws(ParquetError) {
        if options.pageIndex {
            for g in 0..<rowGroups.count {
                for c in 0..<schema.count {
                    guard let ci = pageIndexes[g][c].0 else { continue }
                    var w = ThriftWriter()
                    w.write(ci)
                    rowGroups[g].columns[c].columnIndexOffset = Int64(offset)
                    rowGroups[g].columns[c].columnIndexLength = Int32(w.out.count)
                    try writeBytes(w.out)
                }
            }
            for g in 0..<rowGroups.count {
                for c in 0..<schema.count {
                    var w = ThriftWriter()
                    w.write(pageIndexes[g][c].1)
                    rowGroups[g].columns[c].offsetIndexOffset = Int64(offset)
                    rowGroups[g].columns[c].offsetIndexLength = Int32(w.out.count)
                    try writeBytes(w.out)
                }
            }
        }
        var meta = FileMetaData()
        meta.version = 2
        var root = SchemaElement()
        root.name = "schema"
        root.numChildren = Int32(schema.count)
        meta.schema = [root] + schema.map(Self.schemaElement)
        meta.numRows = Int64(totalRows)
        meta.rowGroups = rowGroups
        meta.createdBy = options.createdBy
        meta.keyValue = options.keyValueMetadata.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) }
        meta.columnOrders = Array(repeating: true, count: schema.count)
        var w = ThriftWriter()
        w.write(meta)
        let len = UInt32(w.out.count)
        w.out.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8 & 0xFF), UInt8(len >> 16 & 0xFF), UInt8(len >> 24), 0x50, 0x41, 0x52, 0x31])
        try writeBytes(w.out)
    }

    static func schemaElement(_ c: ColumnSchema) -> SchemaElement {
        var e = SchemaElement()
        e.name = c.name
        e.repetition = c.nullable ? 1 : 0
        switch c.type {
        case .varchar: e.type = .byteArray; e.convertedType = .utf8; e.logicalType = .string
        case .integer: e.type = .int32; e.convertedType = .int32; e.logicalType = .integer(bits: 32, signed: true)
        case .bigint: e.type = .int64; e.convertedType = .int64; e.logicalType = .integer(bits: 64, signed: true)
        case .double: e.type = .double
        case .boolean: e.type = .boolean
        case .date: e.type = .int32; e.convertedType = .date; e.logicalType = .date
        case .timestamp: e.type = .int64; e.convertedType = .timestampMicros; e.logicalType = .timestamp(utc: true, unit: .micros)
        }
        return e
    }

    func slice(_ c: Column, _ r: Range<Int>) -> Column { sliceColumn(c, r) }
}

/// Rows `r` of a column (its values and validity), sharing the string dictionary.
func sliceColumn(_ c: Column, _ r: Range<Int>) -> Column {
    let data: ColumnData
    switch c.data {
    case .int64(let v): data = .int64(Array(v[r]))
    case .double(let v): data = .double(Array(v[r]))
    case .bool(let v): data = .bool(Array(v[r]))
    case .string(let codes, let d): data = .string(codes: Array(codes[r]), dictionary: d)
    }
    return Column(data, validity: c.validity.map { Array($0[r]) })
}
