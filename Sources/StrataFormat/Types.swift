import StrataCore

/// Logical column types of a Strata table. Storage is 64-bit for every integer-like type;
/// encodings narrow it per block.
public enum ColumnType: UInt8, Sendable, CaseIterable, Codable {
    /// Microseconds since 1970-01-01 00:00:00 UTC, stored as Int64.
    case timestamp = 1
    /// Declared INTEGER: Int64 storage, values must fit Int32 at ingest.
    case integer = 2
    /// BIGINT: Int64.
    case bigint = 3
    /// IEEE-754 binary64.
    case double = 4
    /// Stored as one byte (0/1) in memory, one bit on disk.
    case boolean = 5
    /// UTF-8 text, dictionary-encoded per segment.
    case varchar = 6
    /// Days since 1970-01-01, stored as Int64.
    case date = 7

    /// How values of this type are held in memory and on disk.
    public var physical: PhysicalType {
        switch self {
        case .timestamp, .integer, .bigint, .date: return .int64
        case .double: return .double
        case .boolean: return .bool
        case .varchar: return .string
        }
    }

    /// SQL spelling used by DESCRIBE and the manifest.
    public var sqlName: String {
        switch self {
        case .timestamp: return "TIMESTAMP"
        case .integer: return "INTEGER"
        case .bigint: return "BIGINT"
        case .double: return "DOUBLE"
        case .boolean: return "BOOLEAN"
        case .varchar: return "VARCHAR"
        case .date: return "DATE"
        }
    }

    /// Parses a SQL type name (case-insensitive), including common aliases.
    public init?(sqlName: String) {
        switch sqlName.uppercased() {
        case "TIMESTAMP", "DATETIME": self = .timestamp
        case "INTEGER", "INT", "INT4", "INT32": self = .integer
        case "BIGINT", "INT8", "INT64", "LONG": self = .bigint
        case "DOUBLE", "FLOAT8", "FLOAT", "REAL", "FLOAT64": self = .double
        case "BOOLEAN", "BOOL": self = .boolean
        case "VARCHAR", "TEXT", "STRING": self = .varchar
        case "DATE": self = .date
        default: return nil
        }
    }
}

/// One column of a schema.
public struct ColumnSchema: Sendable, Equatable, Codable {
    public var name: String
    public var type: ColumnType
    public var nullable: Bool

    public init(name: String, type: ColumnType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// General-purpose compression applied on top of a page's encoding.
public enum Codec: UInt8, Sendable, Codable, CaseIterable {
    case none = 0
    case lz4 = 1
    case zstd = 2

    public var name: String {
        switch self {
        case .none: return "none"
        case .lz4: return "lz4"
        case .zstd: return "zstd"
        }
    }

    public init?(name: String) {
        switch name.lowercased() {
        case "none", "uncompressed": self = .none
        case "lz4": self = .lz4
        case "zstd", "zstandard": self = .zstd
        default: return nil
        }
    }
}

/// Codec choice for a column: codec plus level (zstd 1...22; ignored otherwise).
public struct CodecSpec: Sendable, Equatable, Codable {
    public var codec: Codec
    public var level: Int32

    public init(_ codec: Codec, level: Int32 = 3) {
        self.codec = codec
        self.level = level
    }

    /// LZ4: on the click-log benchmark it decodes enough faster than ZSTD to make scans
    /// 10-50% quicker for about 12% more bytes (Benchmarks/results); ZSTD is an option.
    public static let `default` = CodecSpec(.lz4, level: 3)
}
