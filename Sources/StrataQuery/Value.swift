import StrataCore
import Foundation
import StrataFormat

/// SQL data types of expressions and results.
public enum DataType: Sendable, Equatable, CustomStringConvertible {
    case null
    case boolean
    case bigint
    case double
    case varchar
    case timestamp
    case date
    case interval
    /// A list of values of the element type (Functions/Lists.swift).
    indirect case list(DataType)

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .boolean: return "BOOLEAN"
        case .bigint: return "BIGINT"
        case .double: return "DOUBLE"
        case .varchar: return "VARCHAR"
        case .timestamp: return "TIMESTAMP"
        case .date: return "DATE"
        case .interval: return "INTERVAL"
        case .list(let e): return e.description + "[]"
        }
    }

    public var isNumeric: Bool { self == .bigint || self == .double }
    /// Types stored in the `ints` lane of a vector.
    var isIntLane: Bool { self == .bigint || self == .timestamp || self == .date || self == .boolean || self == .interval }

    public init(_ c: ColumnType) {
        switch c {
        case .timestamp: self = .timestamp
        case .integer, .bigint: self = .bigint
        case .double: self = .double
        case .boolean: self = .boolean
        case .varchar: self = .varchar
        case .date: self = .date
        }
    }
}

/// One scalar value (results, literals, group keys).
public enum Value: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case timestamp(Int64)
    case date(Int64)
    /// months, days, micros (DuckDB's interval: a month is not a fixed number of days, nor a
    /// day of hours across a DST change); see IntervalParts
    case interval(Int64, Int64, Int64)
    /// A LIST value (NULL elements allowed; Functions/Lists.swift).
    case list(ListValue)

    public var isNull: Bool { if case .null = self { return true } else { return false } }
}

/// A materialized query result: named, typed columns of equal length.
///
/// Results of queries keep the engine's typed columns (`Relation`); the boxed `columns` are
/// built from them only when asked for, so text output can render straight from the typed
/// columns (`renderText`). Results built from values, and results whose `columns` were
/// assigned, carry values only.
public struct ResultSet: Sendable {
    public var names: [String]
    public var types: [DataType]
    private var storage: ResultStorage

    public init(names: [String], types: [DataType], columns: [[Value]]) {
        self.names = names
        self.types = types
        storage = ResultStorage(values: columns)
    }

    /// A result over the typed columns of `relation` (a snapshot: the vectors are copied
    /// shallowly, their buffers shared).
    init(_ relation: Relation) {
        names = relation.names
        types = relation.types
        storage = ResultStorage(relation: Relation(names: relation.names, types: relation.types,
                                                   columns: relation.columns.map { $0.snapshot() }, count: relation.count))
    }

    /// The values, column by column (boxed from the typed columns on first use).
    public var columns: [[Value]] {
        get { storage.values }
        set { storage = ResultStorage(values: newValue) }
    }

    /// The typed columns, when this result still has them.
    var relation: Relation? { storage.relation }

    public var rowCount: Int { storage.rowCount }

    public func row(_ i: Int) -> [Value] { columns.map { $0[i] } }

    /// A single-column message result (DDL, SHOW TABLES).
    public static func message(_ name: String, _ lines: [String]) -> ResultSet {
        ResultSet(names: [name], types: [.varchar], columns: [lines.map { .string($0) }])
    }
}

/// A result's columns: typed vectors, boxed values, or both (values boxed lazily from the
/// vectors, once). Never mutated after the boxing.
final class ResultStorage: @unchecked Sendable {
    let relation: Relation?
    private let lock = NSLock()
    private var boxed: [[Value]]?

    init(values: [[Value]]) {
        relation = nil
        boxed = values
    }

    init(relation: Relation) {
        self.relation = relation
    }

    var values: [[Value]] {
        lock.lock()
        defer { lock.unlock() }
        if let b = boxed { return b }
        let r = relation!
        let b = r.columns.map { $0.values(r.count) }
        boxed = b
        return b
    }

    var rowCount: Int {
        if let r = relation { return r.columns.isEmpty ? 0 : r.count }
        return values.first?.count ?? 0
    }
}

/// Errors raised while binding or executing a query: message plus the byte offset in the SQL
/// text when known (for a caret), and the lower-layer error (`StoreError`, `FormatError`) it
/// came from, if any.
public struct QueryError: Error, Sendable, CustomStringConvertible {
    /// `limit`: a resource limit stopped the statement (memory_limit, statement_timeout).
    public enum Kind: Sendable { case user, corrupt, `internal`, cancelled, limit }
    public var kind: Kind
    public var message: String
    public var offset: Int?
    public var cause: (any Error)?

    public init(_ message: String, offset: Int? = nil, kind: Kind = .user, cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.cause = cause
    }

    public var description: String { message }
}

/// An in-memory relation (CTE, subquery, UNION ALL term, intermediate result): one flat,
/// typed vector per column, all of `count` rows. Relations feed the same vectorized filter,
/// group-by, window and sort paths as table scans; values are only boxed as `Value` when the
/// final result is handed out as a `ResultSet`.
struct Relation {
    var names: [String]
    var types: [DataType]
    var columns: [Vec]
    var count: Int

    init(names: [String], types: [DataType], columns: [Vec], count: Int) {
        self.names = names
        self.types = types
        self.columns = columns
        self.count = count
    }

    init(_ r: ResultSet) {
        names = r.names
        types = r.types
        count = r.rowCount
        columns = r.columns.indices.map { Vec.from(r.columns[$0][...], type: r.types[$0]) }
    }

    var resultSet: ResultSet { ResultSet(self) }
}
