import Foundation
import StrataFormat

/// A table's schema and settings. Stored in every manifest version.
public struct TableDefinition: Sendable, Codable, Equatable {
    public var name: String
    public var columns: [ColumnSchema]
    /// Name of the TIMESTAMP column partitions are cut on (nil for `Granularity.none`).
    public var timeColumn: String?
    public var granularity: Granularity
    public var sortKey: [String]
    public var codec: CodecSpec
    public var blockRows: Int
    /// Free-form table options from `WITH (...)` (auto_compact, retention, enrich, ...).
    public var options: [String: String]

    public init(name: String, columns: [ColumnSchema], timeColumn: String?, granularity: Granularity,
                sortKey: [String] = [], codec: CodecSpec = .default, blockRows: Int = 65_536,
                options: [String: String] = [:]) {
        self.name = name
        self.columns = columns
        self.timeColumn = timeColumn
        self.granularity = granularity
        self.sortKey = sortKey
        self.codec = codec
        self.blockRows = blockRows
        self.options = options
    }

    public func columnIndex(_ name: String) -> Int? {
        if let i = columns.firstIndex(where: { $0.name == name }) { return i }
        let lower = name.lowercased()
        return columns.firstIndex { $0.name.lowercased() == lower }
    }

    public var timeColumnIndex: Int? { timeColumn.flatMap(columnIndex) }

    /// Checks names, types and references; throws a user error describing the first problem.
    public func validate() throws(StoreError) {
        try Store.checkName(name, what: "table")
        guard !columns.isEmpty else { throw .user("table '\(name)' needs at least one column") }
        guard columns.count <= 4096 else { throw .user("table '\(name)' has too many columns (max 4096)") }
        var seen = Set<String>()
        for c in columns {
            try Store.checkName(c.name, what: "column")
            guard seen.insert(c.name.lowercased()).inserted else { throw .user("duplicate column name '\(c.name)'") }
        }
        if let t = timeColumn {
            guard let i = columnIndex(t) else { throw .user("partition column '\(t)' is not a column of '\(name)'") }
            guard columns[i].type == .timestamp || columns[i].type == .date else {
                throw .user("partition column '\(t)' must be TIMESTAMP or DATE, not \(columns[i].type.sqlName)")
            }
        } else if granularity != .none {
            throw .user("partitioning by \(granularity.rawValue) needs a time column")
        }
        for k in sortKey where columnIndex(k) == nil { throw .user("sort key column '\(k)' is not a column of '\(name)'") }
        guard blockRows >= 1024 && blockRows <= 1 << 20 else { throw .user("block_rows must be between 1024 and 1048576") }
        if codec.codec == .zstd && !(1...22).contains(codec.level) { throw .user("zstd level must be between 1 and 22") }
    }
}

/// One live segment of a table.
public struct SegmentEntry: Sendable, Codable, Equatable {
    /// Unique id; the file is `<partition>/<id>.seg` under the table directory.
    public var id: String
    public var partition: String
    public var partitionStart: Int64
    public var rows: Int
    public var bytes: Int
    public var minTime: Int64
    public var maxTime: Int64
    /// Compaction generation: 0 for ingested segments, merged outputs get max(inputs) + 1.
    public var level: Int
    public var createdAt: Double

    public init(id: String, partition: String, partitionStart: Int64, rows: Int, bytes: Int,
                minTime: Int64, maxTime: Int64, level: Int = 0, createdAt: Double) {
        self.id = id
        self.partition = partition
        self.partitionStart = partitionStart
        self.rows = rows
        self.bytes = bytes
        self.minTime = minTime
        self.maxTime = maxTime
        self.level = level
        self.createdAt = createdAt
    }

    public var relativePath: String { "\(partition)/\(id).seg" }
}

/// An applied ingest batch (idempotency ledger entry).
public struct BatchRecord: Sendable, Codable, Equatable {
    public var id: String
    public var rows: Int
    public var committedAt: Double

    public init(id: String, rows: Int, committedAt: Double) {
        self.id = id
        self.rows = rows
        self.committedAt = committedAt
    }
}

/// One version of a table's state (Format.md, "Manifest file").
public struct Manifest: Sendable, Codable, Equatable {
    public static let formatVersion: UInt16 = 1
    public static let magic: [UInt8] = Array("STRATMAN".utf8)
    /// Batches remembered for idempotency.
    public static let ledgerWindow = 10_000

    public var version: UInt64
    public var table: TableDefinition
    public var segments: [SegmentEntry]
    public var batches: [BatchRecord]
    public var committedAt: Double

    public init(version: UInt64, table: TableDefinition, segments: [SegmentEntry] = [], batches: [BatchRecord] = [],
                committedAt: Double = Date().timeIntervalSince1970) {
        self.version = version
        self.table = table
        self.segments = segments
        self.batches = batches
        self.committedAt = committedAt
    }

    public var rowCount: Int { segments.reduce(0) { $0 + $1.rows } }

    /// The file's framing (`FramedFile`, shared with the view files).
    static let framing = FramedFile(magic: magic, version: formatVersion, noun: "manifest", format: "manifest")

    /// `magic | u16 version | u16 0 | u32 payloadLength | payload (JSON) | u32 crc32c | magic`.
    public func encode() throws(StoreError) -> [UInt8] { try Manifest.framing.encode(self) }

    public static func decode(_ bytes: [UInt8], path: String) throws(StoreError) -> Manifest {
        try framing.decode(Manifest.self, bytes, path: path)
    }
}
