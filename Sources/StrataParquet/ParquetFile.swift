#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StrataCore
import StrataFormat

/// A value from Parquet statistics, in Strata's in-memory representation (timestamps as
/// microseconds, dates as days, decimals and floats as Double, strings as UTF-8 bytes).
public enum ParquetValue: Sendable, Equatable {
    case int64(Int64)
    case double(Double)
    case bool(Bool)
    case string([UInt8])
}

/// Statistics of one column chunk (or page). `min`/`max` are nil when the file has none or
/// they cannot be trusted (legacy string statistics, NaN bounds, unsigned or INT96 columns).
public struct ParquetColumnStatistics: Sendable, Equatable {
    public var min: ParquetValue?
    public var max: ParquetValue?
    public var nullCount: Int?
}

/// One top-level column of a Parquet file as Strata sees it.
public struct ParquetColumn: Sendable {
    public let name: String
    /// The Strata type, or nil when the column cannot be read (see `unsupportedReason`).
    public let type: ColumnType?
    public let nullable: Bool
    /// Why the column cannot be read (nested column, type without a Strata mapping).
    public let unsupportedReason: String?
    /// The physical type of the leaf (nil for nested columns).
    public let physicalType: ParquetPhysicalType?
    let leaf: Int
    let conversion: Conversion
    let typeLength: Int
}

/// One row group: its row count and per-column statistics (indexed like `ParquetFile.columns`).
public struct ParquetRowGroup: Sendable {
    public let rowCount: Int
    public let statistics: [ParquetColumnStatistics?]
    /// Compressed bytes of the row group's column chunks.
    public let compressedSize: Int
}

/// How a leaf's physical values become Strata values.
enum Conversion: Sendable {
    case bool
    case int32            // INTEGER / DATE / smaller ints
    case uint32           // UINT_32 → BIGINT
    case int64
    case uint64           // checked: values past Int64.max are an error
    case scaled(mul: Int64, div: Int64)   // timestamps/times in another unit → µs
    case int96
    case float
    case double
    case decimal(scale: Int32)
    case string
    case none
}

/// A Parquet file opened for reading. Immutable after `init`; `readColumn` may be called from
/// several threads at once (reads use `pread`).
public final class ParquetFile: @unchecked Sendable {
    public let path: String
    public let columns: [ParquetColumn]
    public let rowGroups: [ParquetRowGroup]
    public let rowCount: Int
    public let createdBy: String?
    public let fileSize: Int
    let fd: Int32
    let meta: FileMetaData

    public init(path: String) throws(ParquetError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ParquetError(.io, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        var ok = false
        defer { if !ok { close(fd) } }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ParquetError(.io, "cannot stat: \(String(cString: strerror(errno)))", file: path) }
        let size = Int(st.st_size)
        guard size >= 12 else { throw ParquetError(.notParquet, "file is \(size) bytes, too short for Parquet", file: path) }
        let head = try Self.pread(fd, 0, 4, path)
        let tail = try Self.pread(fd, size - 8, 8, path)
        if tail[4...] == [0x50, 0x41, 0x52, 0x45] { throw ParquetError(.unsupported, "encrypted footer (PARE)", file: path) }
        guard head == [0x50, 0x41, 0x52, 0x31], tail[4...] == [0x50, 0x41, 0x52, 0x31] else {
            throw ParquetError(.notParquet, "missing PAR1 magic (truncated or not Parquet)", file: path)
        }
        let footerLen = Int(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
        guard footerLen > 0, footerLen <= size - 12 else { throw ParquetError(.corrupt, "footer length \(footerLen) does not fit the file (\(size) bytes)", file: path) }
        let footer = try Self.pread(fd, size - 8 - footerLen, footerLen, path)
        let meta: FileMetaData
        do throws(ParquetError) {
            meta = try withBytes(footer) { (b) throws(ParquetError) in
                var r = ThriftReader(b)
                return try r.fileMetaData()
            }
        } catch { throw error.with(file: path) }
        if meta.encrypted { throw ParquetError(.unsupported, "encrypted file", file: path) }
        let cols: [ParquetColumn]
        do throws(ParquetError) { cols = try Self.mapSchema(meta) } catch { throw error.with(file: path) }
        let leaves = cols.reduce(0) { max($0, $1.leaf + 1) }
        let leafCount = Self.leafCount(meta.schema)
        var groups: [ParquetRowGroup] = []
        var total = 0
        let dataEnd = size - 8 - footerLen
        for (g, rg) in meta.rowGroups.enumerated() {
            guard rg.numRows >= 0, rg.columns.count == leafCount, leaves <= leafCount else {
                throw ParquetError(.corrupt, "row group has \(rg.columns.count) column chunks for \(leafCount) leaf columns", file: path, rowGroup: g)
            }
            var stats: [ParquetColumnStatistics?] = []
            var compressed = 0
            for c in cols {
                guard c.leaf >= 0 else { stats.append(nil); continue }
                let chunk = rg.columns[c.leaf]
                if let md = chunk.metaData {
                    guard md.type == c.physicalType else {
                        throw ParquetError(.corrupt, "chunk type differs from the schema", file: path, rowGroup: g, column: c.name)
                    }
                    let start = Self.chunkStart(md)
                    guard start >= 4, md.totalCompressedSize >= 0, start <= Int64(dataEnd), md.totalCompressedSize <= Int64(dataEnd) - start else {
                        throw ParquetError(.corrupt, "column chunk [\(start), +\(md.totalCompressedSize)) lies outside the data area", file: path, rowGroup: g, column: c.name)
                    }
                    compressed += Int(md.totalCompressedSize)
                    let trusted = meta.columnOrders.map { c.leaf < $0.count && $0[c.leaf] } ?? false
                    stats.append(md.statistics.map { Self.decodeStats($0, c, trusted: trusted) })
                } else { stats.append(nil) }
            }
            let (sum, overflow) = total.addingReportingOverflow(Int(rg.numRows))
            guard !overflow else { throw ParquetError(.corrupt, "row count overflows", file: path) }
            total = sum
            groups.append(ParquetRowGroup(rowCount: Int(rg.numRows), statistics: stats, compressedSize: compressed))
        }
        self.fd = fd
        self.meta = meta
        self.columns = cols
        self.rowGroups = groups
        self.rowCount = total
        self.createdBy = meta.createdBy
        self.fileSize = size
        ok = true
    }

    deinit { close(fd) }

    /// The file's columns as a Strata schema; throws (naming the column) if one cannot be read.
    public func strataSchema() throws(ParquetError) -> [ColumnSchema] {
        var out: [ColumnSchema] = []
        for c in columns {
            guard let t = c.type else { throw ParquetError(.unsupported, c.unsupportedReason ?? "unsupported column", file: path, column: c.name) }
            out.append(ColumnSchema(name: c.name, type: t, nullable: c.nullable))
        }
        return out
    }

    /// Index of the column named `name` (exact match first, then case-insensitive).
    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name == name } ?? columns.firstIndex { $0.name.lowercased() == name.lowercased() }
    }

    static func chunkStart(_ md: ColumnMetaData) -> Int64 {
        if let d = md.dictionaryPageOffset, d > 0, d < md.dataPageOffset { return d }
        return md.dataPageOffset
    }

    static func pread(_ fd: Int32, _ offset: Int, _ count: Int, _ path: String, padding: Int = 0) throws(ParquetError) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: count + padding)
        var done = 0
        while done < count {
            let n = buf.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetError(.io, "read failed: \(String(cString: strerror(errno)))", file: path)
            }
            if n == 0 { throw ParquetError(.corrupt, "file ends early (truncated while open?)", file: path) }
            done += n
        }
        return buf
    }

    static func leafCount(_ schema: [SchemaElement]) -> Int {
        schema.reduce(0) { $0 + (($1.numChildren ?? 0) == 0 && $1.type != nil ? 1 : 0) }
    }

    // MARK: schema mapping

    static func mapSchema(_ meta: FileMetaData) throws(ParquetError) -> [ParquetColumn] {
        let schema = meta.schema
        guard let root = schema.first else { throw .corrupt("empty schema") }
        let rootChildren = Int(root.numChildren ?? 0)
        guard rootChildren >= 0, rootChildren < schema.count else { throw .corrupt("schema root has \(rootChildren) children for \(schema.count - 1) elements") }
        var cols: [ParquetColumn] = []
        var i = 1
        var leaf = 0
        // subtree size (elements) and leaf count starting at i
        func subtree(_ at: Int, _ depth: Int) throws(ParquetError) -> (Int, Int) {
            guard at < schema.count else { throw .corrupt("schema ends inside a group") }
            guard depth < 100 else { throw .corrupt("schema nested too deeply") }
            let n = Int(schema[at].numChildren ?? 0)
            guard n >= 0 else { throw .corrupt("negative child count in schema") }
            if n == 0 {
                guard schema[at].type != nil else { throw .corrupt("schema leaf '\(schema[at].name)' has no type") }
                return (1, 1)
            }
            var size = 1, leaves = 0
            for _ in 0..<n {
                let (s, l) = try subtree(at + size, depth + 1)
                size += s; leaves += l
            }
            return (size, leaves)
        }
        for _ in 0..<rootChildren {
            guard i < schema.count else { throw .corrupt("schema ends early") }
            let e = schema[i]
            let (size, leaves) = try subtree(i, 0)
            if size > 1 || e.repetition == 2 {
                let kind: String
                if case .list? = e.logicalType { kind = "list" } else if case .map? = e.logicalType { kind = "map" }
                else if e.convertedType == .list { kind = "list" } else if e.convertedType == .map || e.convertedType == .mapKeyValue { kind = "map" }
                else if e.repetition == 2 { kind = "repeated" } else { kind = "struct" }
                cols.append(ParquetColumn(name: e.name, type: nil, nullable: true,
                                          unsupportedReason: "nested column '\(e.name)' (\(kind)) is not supported; only flat columns are read",
                                          physicalType: nil, leaf: -1, conversion: .none, typeLength: 0))
            } else {
                let (type, conv, reason) = mapLeaf(e)
                cols.append(ParquetColumn(name: e.name, type: type, nullable: e.repetition != 0, unsupportedReason: reason,
                                          physicalType: e.type, leaf: leaf, conversion: conv, typeLength: Int(e.typeLength ?? 0)))
            }
            leaf += leaves
            i += size
        }
        guard i == schema.count else { throw .corrupt("schema has \(schema.count - i) elements outside the root") }
        return cols
    }

    static func mapLeaf(_ e: SchemaElement) -> (ColumnType?, Conversion, String?) {
        func unsupported(_ what: String) -> (ColumnType?, Conversion, String?) {
            (nil, .none, "column '\(e.name)': \(what) has no Strata type")
        }
        let scale: Int32? = {
            if case .decimal(let s, _)? = e.logicalType { return s }
            if e.convertedType == .decimal { return e.scale ?? 0 }
            return nil
        }()
        guard let physical = e.type else { return unsupported("untyped leaf") }
        switch physical {
        case .boolean: return (.boolean, .bool, nil)
        case .int32:
            if let s = scale { return (.double, .decimal(scale: s), nil) }
            switch e.logicalType {
            case .date?: return (.date, .int32, nil)
            case .integer(let bits, let signed)?:
                return signed || bits < 32 ? (.integer, .int32, nil) : (.bigint, .uint32, nil)
            case .time(_, let unit)?: return (.bigint, unit == .millis ? .scaled(mul: 1000, div: 1) : .int32, nil)
            case nil, .unknown?: break
            default: return unsupported("INT32 with this annotation")
            }
            switch e.convertedType {
            case .date?: return (.date, .int32, nil)
            case .uint32?: return (.bigint, .uint32, nil)
            case .timeMillis?: return (.bigint, .scaled(mul: 1000, div: 1), nil)
            default: return (.integer, .int32, nil)
            }
        case .int64:
            if let s = scale { return (.double, .decimal(scale: s), nil) }
            func unitConv(_ u: TimeUnit) -> Conversion {
                switch u { case .millis: return .scaled(mul: 1000, div: 1); case .micros: return .int64; case .nanos: return .scaled(mul: 1, div: 1000) }
            }
            switch e.logicalType {
            case .timestamp(_, let unit)?: return (.timestamp, unitConv(unit), nil)
            case .time(_, let unit)?: return (.bigint, unitConv(unit), nil)
            case .integer(let bits, let signed)?: return (.bigint, signed || bits < 64 ? .int64 : .uint64, nil)
            case nil, .unknown?: break
            default: return unsupported("INT64 with this annotation")
            }
            switch e.convertedType {
            case .timestampMillis?: return (.timestamp, .scaled(mul: 1000, div: 1), nil)
            case .timestampMicros?: return (.timestamp, .int64, nil)
            case .timeMicros?: return (.bigint, .int64, nil)
            case .uint64?: return (.bigint, .uint64, nil)
            default: return (.bigint, .int64, nil)
            }
        case .int96: return (.timestamp, .int96, nil)
        case .float: return (.double, .float, nil)
        case .double: return (.double, .double, nil)
        case .byteArray:
            if let s = scale { return (.double, .decimal(scale: s), nil) }
            return (.varchar, .string, nil)
        case .fixedLenByteArray:
            if let s = scale, let n = e.typeLength, n > 0, n <= 32 { return (.double, .decimal(scale: s), nil) }
            return unsupported("FIXED_LEN_BYTE_ARRAY without DECIMAL annotation")
        }
    }

    // MARK: statistics

    static func decodeStats(_ s: Statistics, _ c: ParquetColumn, trusted: Bool) -> ParquetColumnStatistics {
        var out = ParquetColumnStatistics(min: nil, max: nil, nullCount: s.nullCount.flatMap { $0 >= 0 ? Int($0) : nil })
        var lo = s.minValue, hi = s.maxValue
        if lo == nil || hi == nil {
            // legacy min/max: signed comparison, only meaningful for signed numbers and booleans
            switch c.conversion {
            case .bool, .int32, .int64, .float, .double, .scaled: lo = s.min; hi = s.max
            default: lo = nil; hi = nil
            }
        } else if !trusted {
            // min_value/max_value without a column order: fine for numbers, not for strings
            if case .string = c.conversion { lo = nil; hi = nil }
        }
        guard let lo, let hi else { return out }
        out.min = decodeStatValue(lo, c, roundUp: false)
        out.max = decodeStatValue(hi, c, roundUp: true)
        if out.min == nil || out.max == nil { out.min = nil; out.max = nil }
        return out
    }

    static func decodeStatValue(_ b: [UInt8], _ c: ParquetColumn, roundUp: Bool) -> ParquetValue? {
        func le(_ n: Int) -> UInt64? {
            guard b.count == n else { return nil }
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(b[i]) << UInt64(8 * i) }
            return v
        }
        switch c.conversion {
        case .bool: return b.count == 1 ? .bool(b[0] != 0) : nil
        case .int32: return le(4).map { .int64(Int64(Int32(truncatingIfNeeded: $0))) }
        case .uint32: return le(4).map { .int64(Int64(UInt32(truncatingIfNeeded: $0))) }
        case .int64: return le(8).map { .int64(Int64(bitPattern: $0)) }
        case .uint64: return nil
        case .scaled(let mul, let div):
            guard let raw = c.physicalType == .int32 ? le(4).map({ Int64(Int32(truncatingIfNeeded: $0)) }) : le(8).map({ Int64(bitPattern: $0) }) else { return nil }
            let (m, o) = raw.multipliedReportingOverflow(by: mul)
            if o { return nil }
            var q = m / div
            if roundUp { if q * div < m { q += 1 } } else if q * div > m { q -= 1 }
            return .int64(q)
        case .float:
            guard let v = le(4) else { return nil }
            let f = Double(Float(bitPattern: UInt32(truncatingIfNeeded: v)))
            return f.isNaN ? nil : .double(f)
        case .double:
            guard let v = le(8) else { return nil }
            let d = Double(bitPattern: v)
            return d.isNaN ? nil : .double(d)
        case .decimal(let scale):
            switch c.physicalType {
            case .int32?: return le(4).map { .double(Double(Int32(truncatingIfNeeded: $0)) / pow10(scale)) }
            case .int64?: return le(8).map { .double(Double(Int64(bitPattern: $0)) / pow10(scale)) }
            default:
                guard !b.isEmpty, b.count <= 32 else { return nil }
                return b.withUnsafeBufferPointer { .double(decimalBE($0.baseAddress!, $0.count, scale)) }
            }
        case .string: return .string(b)
        case .int96, .none: return nil
        }
    }
}

// MARK: - numeric helpers

@inline(__always) func pow10(_ scale: Int32) -> Double {
    var r = 1.0
    if scale >= 0 { for _ in 0..<min(Int(scale), 400) { r *= 10 } } else { for _ in 0..<min(Int(-scale), 400) { r /= 10 } }
    return r
}

/// A big-endian two's-complement unscaled decimal of `n` bytes as Double / 10^scale.
@inline(__always) func decimalBE(_ p: UnsafePointer<UInt8>, _ n: Int, _ scale: Int32) -> Double {
    if n <= 16 {
        var v: Int128 = (p[0] & 0x80) != 0 ? -1 : 0
        for i in 0..<n { v = v << 8 | Int128(p[i]) }
        return Double(v) / pow10(scale)
    }
    let negative = (p[0] & 0x80) != 0
    var d = 0.0
    for i in 0..<n { d = d * 256 + Double(negative ? ~p[i] : p[i]) }
    if negative { d = -(d + 1) }
    return d / pow10(scale)
}
