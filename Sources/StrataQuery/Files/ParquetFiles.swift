import Foundation
import StrataCore
import StrataFormat
import StrataParquet

// Parquet through the file-format seam (FileFormat.swift): `read_parquet`, `FROM 'x.parquet'`,
// `COPY … (FORMAT parquet)`, `--out x.parquet`, reports and `strata export`. The format itself
// is StrataParquet's (docs/parquet.md).

extension QueryError {
    /// A Parquet failure: corrupt files are `.corrupt` (named, with row group and column),
    /// I/O failures internal, the rest the user's.
    init(_ e: ParquetError) {
        let kind: QueryError.Kind
        switch e.kind {
        case .corrupt, .notParquet: kind = .corrupt
        case .io: kind = .internal
        case .unsupported, .invalidArgument: kind = .user
        }
        self.init(e.description, kind: kind, cause: e)
    }
}

/// Reads Parquet files: the footer once for the schema, then the needed columns of every row
/// group, the (row group, column) chunks decoded in parallel and concatenated in order
/// (dictionary strings stay codes; the row groups' dictionaries are united once).
struct ParquetColumnarReader: ColumnarFileReader {
    func schema(path: String) throws(QueryError) -> [(name: String, type: ColumnType)] {
        do throws(ParquetError) {
            let f = try ParquetFile(path: path)
            return try f.strataSchema().map { ($0.name, $0.type) }
        } catch { throw QueryError(error) }
    }

    func read(path: String, columns: [Int]) throws(QueryError) -> (columns: [Column], rows: Int) {
        let f: ParquetFile
        let types: [ColumnType]
        do throws(ParquetError) {
            f = try ParquetFile(path: path)
            types = try f.strataSchema().map(\.type)
        } catch { throw QueryError(error) }
        let groups = f.rowGroups.count
        let chunks = groups * columns.count
        let out = UnsafeMutableBufferPointer<Column?>.allocate(capacity: max(chunks, 1))
        out.initialize(repeating: nil)
        defer { out.deinitialize(); out.deallocate() }
        let box = UncheckedBox(out)
        let failure = FirstError<ParquetError>()
        ParallelWork.forEach(chunks) { i, _ in
            guard !failure.isSet else { return }
            let g = i / columns.count, c = columns[i % columns.count]
            do throws(ParquetError) {
                box.value[i] = try f.readColumn(rowGroup: g, column: c)
            } catch { failure.set(error) }
        }
        if let e = failure.error { throw QueryError(e) }
        var result: [Column] = []
        for (k, c) in columns.enumerated() {
            let parts = (0..<groups).map { out[$0 * columns.count + k]! }
            if parts.count == 1 {
                result.append(parts[0])
            } else {
                result.append(Column.concatenated(parts, physical: types[c].physical, total: f.rowCount))
            }
        }
        if groups == 0 {
            result = columns.map { c in
                switch types[c].physical {
                case .int64: return Column(.int64([]))
                case .double: return Column(.double([]))
                case .bool: return Column(.bool([]))
                case .string: return Column(.string(codes: [], dictionary: StringDictionary([])))
                }
            }
        }
        return (result, f.rowCount)
    }
}

/// Writes Parquet files (options: `compression` zstd|snappy|gzip|lz4|brotli|uncompressed,
/// `compression_level`, `row_group_size` in rows).
struct ParquetColumnarWriter: ColumnarFileWriter {
    static func options(_ o: [String: String]) throws(QueryError) -> ParquetWriteOptions {
        var p = ParquetWriteOptions()
        if let c = o["compression"] {
            guard var codec = ParquetCompression(name: c) else {
                throw QueryError("unknown Parquet compression '\(c)' (use zstd, snappy, gzip, lz4, brotli or uncompressed)")
            }
            if let l = o["compression_level"] {
                guard let level = Int32(l) else { throw QueryError("COMPRESSION_LEVEL must be an integer, got '\(l)'") }
                switch codec {
                case .zstd: codec = .zstd(level: level)
                case .gzip: codec = .gzip(level: level)
                case .brotli: codec = .brotli(quality: level)
                default: break
                }
            }
            p.compression = codec
        }
        if let r = o["row_group_size"] {
            guard let n = Int(r), n > 0 else { throw QueryError("ROW_GROUP_SIZE must be a positive number of rows, got '\(r)'") }
            p.rowGroupSize = n
        }
        return p
    }

    /// A writer of `input`'s schema at `path` (written under a temporary name until closed).
    static func open(_ path: String, _ input: ColumnarWriteInput, _ options: ParquetWriteOptions) throws(QueryError) -> ParquetWriter {
        let schema = zip(input.names, input.types).map { ColumnSchema(name: $0.0, type: $0.1) }
        do throws(ParquetError) { return try ParquetWriter(path: path, schema: schema, options: options) } catch { throw QueryError(error) }
    }

    func write(_ input: ColumnarWriteInput, to path: String) throws(QueryError) {
        let w = try ParquetColumnarWriter.open(path, input, try ParquetColumnarWriter.options(input.options))
        do throws(ParquetError) {
            try w.write(input.columns)
            try w.close()
        } catch {
            w.abort()
            throw QueryError(error)
        }
    }
}
