import StrataCore
import Foundation
import StrataFormat
import StrataSQL
import StrataStore
import StrataText

/// A user-facing query failure with the statement and a caret under the position when known.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// `cancelled`: the statement was stopped by `QueryEngine.interrupt()` (message "cancelled").
    /// `limit`: stopped by `memory_limit` (out of memory) or `statement_timeout` (exit 1).
    public enum Kind: Sendable { case user, corrupt, `internal`, cancelled, limit }
    public var kind: Kind
    /// One line: what went wrong.
    public var message: String
    /// Statement excerpt with a caret (may be empty).
    public var detail: String
    /// UTF-8 byte offset of the error in the SQL text, when known.
    public var offset: Int? = nil
    /// The error this one came from (`QueryError`, `SQLError`, `StoreError`), if any.
    public var cause: (any Error)? = nil

    public var description: String { detail.isEmpty ? message : message + "\n" + detail }

    static func caret(_ sql: String, _ offset: Int?) -> String {
        guard let offset else { return "" }
        let bytes = Array(sql.utf8)
        let off = max(0, min(offset, bytes.count))
        var lineStart = off
        while lineStart > 0 && bytes[lineStart - 1] != 10 { lineStart -= 1 }
        var lineEnd = off
        while lineEnd < bytes.count && bytes[lineEnd] != 10 { lineEnd += 1 }
        let line = String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self)
        let col = String(decoding: bytes[lineStart..<off], as: UTF8.self).count
        let lineNo = bytes[0..<lineStart].filter { $0 == 10 }.count + 1
        return "  at line \(lineNo), column \(col + 1):\n  \(line)\n  \(String(repeating: " ", count: col))^"
    }
}

/// Result of one statement.
public struct StatementResult: Sendable {
    public var result: ResultSet
    public var seconds: Double
    /// True for statements that produce rows to print (queries, SHOW, DESCRIBE, EXPLAIN).
    public var isQuery: Bool
}

/// Runs SQL (queries, DDL, SET) against a store.
public final class QueryEngine: @unchecked Sendable {
    public let store: Store
    public private(set) var timeZone: TimeZoneRules
    public var threads: Int
    /// Raised by `interrupt()`; the executor checks it between batches.
    public let interruption = Interruption()

    /// Asks the running statement to stop (Ctrl-C in the shell, a timeout): thread-safe.
    public func interrupt() { interruption.raise() }
    /// Blocks scanned of the blocks to scan by the running statement (for a progress display).
    public let progress = QueryProgress()
    /// memory_limit, statement_timeout and the running statement's memory budget (Limits.swift).
    public let limits = EngineLimits()

    public init(store: Store, timeZone: String? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws(EngineError) {
        self.store = store
        self.threads = threads
        self.timeZone = .utc
        if let timeZone { try setTimeZone(timeZone) }
    }

    public func setTimeZone(_ name: String) throws(EngineError) {
        guard let tz = TimeZoneRules(identifier: name) else {
            throw EngineError(kind: .user, message: QueryEngine.unknownTimeZone(name), detail: "")
        }
        timeZone = tz
    }

    static func unknownTimeZone(_ name: String) -> String {
        "unknown time zone '\(name)' (use an IANA name such as Europe/Berlin, UTC, or an offset such as +02:00)"
    }

    /// Parses and runs every statement of `sql` in order.
    public func execute(_ sql: String) throws(EngineError) -> [StatementResult] {
        var out: [StatementResult] = []
        try execute(sql) { out.append($0) }
        return out
    }

    /// Runs one parsed statement (`sql` is used for error carets).
    public func run(_ statement: Statement, sql: String) throws(EngineError) -> StatementResult {
        let start = DispatchTime.now().uptimeNanoseconds
        interruption.reset()
        progress.reset()
        limits.begin(interruption)
        defer { limits.end(interruption) }
        func done(_ r: ResultSet, query: Bool) -> StatementResult {
            StatementResult(result: r, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, isQuery: query)
        }
        do throws(QueryError) {
            switch statement {
            case .query(let q):
                let (plan, binder, ex) = try planQuery(q)
                defer { withExtendedLifetime(binder) {} }
                return done(try PlanExecutor(executor: ex).run(plan).resultSet, query: true)
            case .explain(let q):
                let (plan, binder, ex) = try planQuery(q)
                defer { withExtendedLifetime(binder) {} }
                return done(.message("plan", PlanPrinter.text(plan, executor: ex)), query: true)
            case .explainAnalyze(let q):
                let (plan, binder, ex) = try planQuery(q)
                defer { withExtendedLifetime(binder) {} }
                let runner = PlanExecutor(executor: ex, analyze: true)
                let t0 = DispatchTime.now().uptimeNanoseconds
                let rows = try runner.run(plan)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                var lines = PlanPrinter.text(plan, stats: runner.stats)
                lines.append("total: \(rows.count) row\(rows.count == 1 ? "" : "s") in \(PlanPrinter.ms(seconds)) (time per operator: from the start of its inputs until its output was complete)")
                return done(.message("plan", lines), query: true)
            case .createTable(let c):
                if let q = c.asQuery {
                    let n = try createTableAs(c, q)
                    return done(.message("result", ["created table \(c.name) (\(n) row\(n == 1 ? "" : "s"))"]), query: false)
                }
                try createTable(c)
                return done(.message("result", ["created table \(c.name)"]), query: false)
            case .dropTable(let name, let ifExists):
                do throws(StoreError) { try store.dropTable(name, ifExists: ifExists) } catch { throw QueryError(error) }
                return done(.message("result", ["dropped table \(name)"]), query: false)
            case .showTables:
                return done(ResultSet(names: ["name"], types: [.varchar], columns: [catalogNames().map { .string($0) }]), query: true)
            case .describe(let name):
                return done(try describe(name), query: true)
            case .set(let name, let value):
                if try applySetting(name, value) { return done(.message("result", ["set \(name)"]), query: false) }
                switch (name.lowercased(), value) {
                case ("timezone", .string(let tz)), ("time_zone", .string(let tz)), ("timezone", .identifier(let tz)):
                    guard let zone = TimeZoneRules(identifier: tz) else { throw QueryError(QueryEngine.unknownTimeZone(tz)) }
                    timeZone = zone
                case ("threads", .integer(let n)) where n >= 1 && n <= 256:
                    threads = Int(n)
                default:
                    throw QueryError("unknown setting '\(name)' (settings: \(QueryEngine.settingNames))")
                }
                return done(.message("result", ["set \(name)"]), query: false)
            case .delete(let table, let predicate):
                let s = try delete(table: table, predicate: predicate, purgeNow: false)
                return done(.message("result", [s.description]), query: false)
            case .insert(let i):
                let n = try insert(i)
                return done(.message("result", ["inserted \(n) row\(n == 1 ? "" : "s") into \(i.table)"]), query: false)
            case .createView(let v):
                try createView(v)
                return done(.message("result", ["created view \(v.name)"]), query: false)
            case .dropView(let name, let ifExists):
                do throws(StoreError) { try store.dropView(name, ifExists: ifExists) } catch { throw QueryError(error) }
                return done(.message("result", ["dropped view \(name)"]), query: false)
            case .copy(let c):
                return done(.message("result", [try copy(c)]), query: false)
            }
        } catch {
            throw EngineError(limits.explain(error), sql: sql)
        }
    }

    func createTable(_ c: CreateTable) throws(QueryError) {
        var cols: [ColumnSchema] = []
        for col in c.columns {
            let t: ColumnType
            switch col.type {
            case .timestamp: t = .timestamp
            case .integer: t = .integer
            case .bigint: t = .bigint
            case .double: t = .double
            case .boolean: t = .boolean
            case .varchar: t = .varchar
            case .date: t = .date
            case .interval: throw QueryError("INTERVAL columns are not supported in tables (store a BIGINT of microseconds or seconds)")
            }
            cols.append(ColumnSchema(name: col.name, type: t, nullable: !col.notNull))
        }
        var def = TableDefinition(name: c.name, columns: cols, timeColumn: c.partitionBy?.column,
                                  granularity: c.partitionBy.map { Granularity(rawValue: $0.granularity.rawValue)! } ?? .none,
                                  sortKey: c.orderBy)
        for o in c.options {
            let text: String
            switch o.value {
            case .string(let s): text = s
            case .integer(let i): text = String(i)
            case .double(let d): text = Values.formatDouble(d)
            case .boolean(let b): text = b ? "true" : "false"
            case .identifier(let s): text = s
            case .identifierList(let l): text = l.joined(separator: ",")
            }
            switch o.key.lowercased() {
            case "codec", "compression":
                guard let codec = Codec(name: text) else { throw QueryError("unknown codec '\(text)' (use zstd, lz4 or none)") }
                def.codec.codec = codec
            case "level", "compression_level":
                guard let l = Int32(text), (1...22).contains(l) else { throw QueryError("level must be an integer between 1 and 22") }
                def.codec.level = l
            case "block_rows":
                guard let n = Int(text) else { throw QueryError("block_rows must be an integer") }
                def.blockRows = n
            default:
                def.options[o.key.lowercased()] = text
            }
        }
        do throws(StoreError) { try store.createTable(def, ifNotExists: c.ifNotExists) } catch { throw QueryError(error) }
    }

    /// `DESCRIBE name` for callers that hold a table name, not SQL (the CLI's `describe` and
    /// the shell's `.schema`): the name goes to the catalog, never into a statement.
    public func describeTable(_ name: String) throws(EngineError) -> ResultSet {
        do throws(QueryError) { return try describe(name) } catch {
            throw EngineError(error)
        }
    }

    func describe(_ name: String) throws(QueryError) -> ResultSet {
        if let view = try describeView(name) { return view }
        let def: TableDefinition
        do throws(StoreError) { def = try store.table(name).definition } catch { throw QueryError(error) }
        let keys = Set(def.sortKey.map { $0.lowercased() })
        var rows: [[Value]] = []
        for c in def.columns {
            var extra: [String] = []
            if c.name.lowercased() == def.timeColumn?.lowercased() { extra.append("partition \(def.granularity.rawValue)") }
            if keys.contains(c.name.lowercased()) { extra.append("sort key") }
            rows.append([.string(c.name), .string(c.type.sqlName), .string(c.nullable ? "YES" : "NO"), .string(extra.joined(separator: ", "))])
        }
        return ResultSet(names: ["column_name", "column_type", "null", "extra"], types: [.varchar, .varchar, .varchar, .varchar],
                         columns: (0..<4).map { i in rows.map { $0[i] } })
    }

    /// Binds and optimizes a query: the plan, the binder that holds the statement's
    /// snapshots (they must outlive the run), and the executor to run it with.
    func planQuery(_ q: Query) throws(QueryError) -> (PlanNode, Binder, Executor) {
        var eval = Evaluator(timeZone: timeZone)
        eval.interruption = interruption
        eval.memory = limits.memory
        eval.session = settingsSnapshot()
        let ex = Executor(eval: eval, threads: threads)
        ex.progress = progress
        let binder = Binder(store: store, eval: ex.eval)
        let plan = Optimizer.optimize(try binder.plan(q), ex.eval)
        return (plan, binder, ex)
    }
}
