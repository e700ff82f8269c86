import Dispatch
import Foundation
import StrataCore
import StrataSQL

// Resource limits (issue 19): `SET memory_limit`, `SET statement_timeout`, `RESET`,
// `current_setting()` and `duckdb_settings()`.
//
// Memory: each statement gets the engine's `MemoryTracker`, reset and set to the limit when
// the statement starts. The engine's large allocations reserve their bytes there before they
// are made, once per buffer or batch (join pairs and results, hash tables, group tables,
// sort buffers, materialized intermediates); a reservation over the limit stops the
// statement with an "out of memory" error naming the limit and the operator (kind `.limit`,
// exit 1). The buffers already made are freed as the error unwinds, and the next statement
// starts from zero.
//
// Time: a statement timeout raises the statement's `Interruption` as a timeout; the executor
// stops at its next per-batch check (the check Ctrl-C uses) with "statement timed out".

/// The resource-limit settings of a `QueryEngine` and the running statement's memory tracker.
public final class EngineLimits: @unchecked Sendable {
    /// The running statement's reservations.
    public let memory = MemoryTracker()
    /// The memory limit in bytes (default: 80% of physical memory, as DuckDB).
    public internal(set) var memoryLimit: Int = EngineLimits.defaultMemoryLimit
    /// The statement timeout in seconds (nil: none).
    public internal(set) var statementTimeout: Double?

    private let lock = NSCondition()
    private var generation = 0
    private var running = false

    /// 80% of the machine's physical memory.
    public static var defaultMemoryLimit: Int { Int(Double(physicalMemory) * 0.8) }
    public static var physicalMemory: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory) }

    /// Sets the memory limit from text such as `4GB`, `512MB`, `1.5GiB`, `80%`.
    public func setMemoryLimit(_ text: String) throws(QueryError) {
        guard let bytes = MemoryTracker.parseSize(text, physical: EngineLimits.physicalMemory), bytes > 0 else {
            throw QueryError("invalid memory_limit '\(text)' (use a size such as '4GB', '512MB', '1.5GiB' or a share of physical memory such as '80%')")
        }
        memoryLimit = bytes
    }

    /// Sets the statement timeout from text such as `30s`, `500ms`, `2min`, `1h`; a bare
    /// number is `unit` (seconds from the CLI, milliseconds in SQL as PostgreSQL); 0: none.
    public func setStatementTimeout(_ text: String, bareUnit: Double = 1) throws(QueryError) {
        guard let s = EngineLimits.parseDuration(text, bareUnit: bareUnit) else {
            throw QueryError("invalid statement_timeout '\(text)' (use a duration such as '30s', '500ms', '5min' or '1h'; '0' for none)")
        }
        statementTimeout = s > 0 ? s : nil
    }

    public func resetMemoryLimit() { memoryLimit = EngineLimits.defaultMemoryLimit }
    public func resetStatementTimeout() { statementTimeout = nil }

    static func parseDuration(_ text: String, bareUnit: Double) -> Double? {
        let s = text.lowercased().filter { !$0.isWhitespace }
        var digits = ""
        var rest = Substring(s)
        while let c = rest.first, c.isNumber || c == "." { digits.append(c); rest = rest.dropFirst() }
        guard let v = Double(digits), v >= 0, v.isFinite else { return nil }
        let unit: Double
        switch rest {
        case "": unit = bareUnit
        case "us", "microsecond", "microseconds": unit = 1e-6
        case "ms", "millisecond", "milliseconds": unit = 1e-3
        case "s", "sec", "second", "seconds": unit = 1
        case "m", "min", "minute", "minutes": unit = 60
        case "h", "hour", "hours": unit = 3600
        case "d", "day", "days": unit = 86400
        default: return nil
        }
        let seconds = v * unit
        return seconds < 1e9 ? seconds : nil
    }

    /// A duration as people write it: "1 s", "1.5 s", "500 ms", "2 min".
    static func formatDuration(_ s: Double) -> String {
        func num(_ x: Double) -> String {
            x == x.rounded() ? String(Int(x)) : String(format: "%.3g", x)
        }
        if s < 1 { return "\(num(s * 1000)) ms" }
        if s >= 60 && (s / 60) == (s / 60).rounded() { return "\(num(s / 60)) min" }
        return "\(num(s)) s"
    }

    /// Starts a statement: nothing reserved, the limit in force, the timeout's timer armed.
    func begin(_ flag: Interruption) {
        memory.reset()
        memory.limit = memoryLimit
        lock.lock()
        generation &+= 1
        running = true
        let g = generation
        lock.unlock()
        guard let t = statementTimeout else { return }
        // a thread of its own: the dispatch pool may be busy with the statement's workers;
        // it sleeps until the deadline or until the statement ends
        let deadline = Date(timeIntervalSinceNow: t)
        let watcher = Thread { [self] in
            lock.lock()
            while running && generation == g && Date() < deadline { _ = lock.wait(until: deadline) }
            if running && generation == g { flag.raiseTimeout() }
            lock.unlock()
        }
        watcher.stackSize = 64 << 10
        watcher.start()
    }

    /// Ends a statement: the timer disarmed, a timeout flag cleared (a Ctrl-C stays), the
    /// reservations dropped (the buffers are gone with the statement).
    func end(_ flag: Interruption) {
        lock.lock()
        running = false
        generation &+= 1
        if flag.isTimeout { flag.reset() }
        lock.broadcast()
        lock.unlock()
        memory.reset()
    }

    /// A timeout error with the configured time in its message.
    func explain(_ e: QueryError) -> QueryError {
        guard e.kind == .limit, e.message == QueryError.timedOutMessage, let t = statementTimeout else { return e }
        var x = e
        x.message = "statement timed out after \(EngineLimits.formatDuration(t)) (statement_timeout; raise it with SET statement_timeout = '…' or --timeout)"
        return x
    }
}

/// The session's settings as the binder sees them (`current_setting`, `duckdb_settings()`).
final class SessionSettings: @unchecked Sendable {
    struct Entry {
        var name: String
        var value: String
        var description: String
        var inputType: String
    }
    let entries: [Entry]
    init(_ entries: [Entry]) { self.entries = entries }

    func value(_ name: String) -> String? {
        let n = name.lowercased()
        let canonical = n == "time_zone" ? "timezone" : n == "max_memory" ? "memory_limit" : n
        return entries.first { $0.name == canonical }?.value
    }
}

extension QueryEngine {
    /// The settings `SET` knows, with their current values.
    func settingsSnapshot() -> SessionSettings {
        SessionSettings([
            .init(name: "memory_limit", value: MemoryTracker.format(limits.memoryLimit),
                  description: "The most memory a statement may use (its hash tables, join results, sort buffers, intermediates)",
                  inputType: "VARCHAR"),
            .init(name: "statement_timeout", value: limits.statementTimeout.map(EngineLimits.formatDuration) ?? "0",
                  description: "Stop a statement running longer than this (0: no limit)", inputType: "VARCHAR"),
            .init(name: "threads", value: String(threads), description: "The number of threads a statement uses", inputType: "BIGINT"),
            .init(name: "timezone", value: timeZone.identifier, description: "The session time zone", inputType: "VARCHAR"),
        ])
    }

    /// `SET`/`RESET` of the resource limits, and `SET … TO DEFAULT` / `RESET` of every
    /// setting. False: a setting the engine's own switch handles.
    func applySetting(_ name: String, _ value: OptionValue) throws(QueryError) -> Bool {
        let n = name.lowercased()
        var isDefault = false
        if case .identifier(let w) = value, w.lowercased() == "default" { isDefault = true }
        func text() -> String? {
            switch value {
            case .string(let s): return s
            case .integer(let i): return String(i)
            case .double(let d): return String(d)
            case .identifier(let s): return s
            default: return nil
            }
        }
        switch n {
        case "memory_limit", "max_memory":
            if isDefault { limits.resetMemoryLimit(); return true }
            guard let t = text() else { throw QueryError("invalid memory_limit (use a size such as '4GB')") }
            try limits.setMemoryLimit(t)
            return true
        case "statement_timeout":
            if isDefault { limits.resetStatementTimeout(); return true }
            guard let t = text() else { throw QueryError("invalid statement_timeout (use a duration such as '30s')") }
            // a bare number is milliseconds, as in PostgreSQL
            try limits.setStatementTimeout(t, bareUnit: 1e-3)
            return true
        case "threads" where isDefault:
            threads = ProcessInfo.processInfo.activeProcessorCount
            return true
        case "timezone", "time_zone":
            guard isDefault else { return false }
            do throws(EngineError) { try setTimeZone("UTC") } catch { throw QueryError(error.message) }
            return true
        default:
            return false
        }
    }

    static let settingNames = "memory_limit, statement_timeout, threads, timezone"
}

extension QueryError {
    static let timedOutMessage = "statement timed out"
    /// The statement's time ran out (`statement_timeout`); the engine puts the time in.
    static var timedOut: QueryError { QueryError(timedOutMessage, kind: .limit) }
}

extension Evaluator {
    /// Reserves `bytes` of the statement's memory budget for `what` (an operator and its
    /// sizes, built only on failure): call once per large buffer, never per value.
    @inline(__always) func reserve(_ bytes: Int, _ what: @autoclosure () -> String) throws(QueryError) {
        guard let m = memory, !m.reserve(bytes) else { return }
        throw Evaluator.outOfMemory(m, bytes, what())
    }

    /// Gives back bytes reserved by `reserve` once the buffer is gone.
    @inline(__always) func release(_ bytes: Int) { memory?.release(bytes) }

    static func outOfMemory(_ m: MemoryTracker, _ bytes: Int, _ what: String) -> QueryError {
        let limit = m.limit
        let (need, overflow) = m.reserved.addingReportingOverflow(bytes)
        let physical = EngineLimits.physicalMemory
        let head = "out of memory: the query needed more than \(MemoryTracker.format(limit)) (\(what))"
        if overflow || bytes == .max || need > physical {
            // no limit would do: say so rather than suggest one
            let amount = overflow || bytes == .max ? "far more" : "at least \(MemoryTracker.format(need)),"
            return QueryError("\(head); it would take \(amount) more than this machine's \(MemoryTracker.format(physical)) (add a join condition, a filter or a LIMIT)",
                              kind: .limit)
        }
        let suggestion = MemoryTracker.format(min(physical, max(limit, need) * 2)).replacingOccurrences(of: " ", with: "")
            .replacingOccurrences(of: ".0", with: "")
        return QueryError("\(head); raise it with SET memory_limit = '\(suggestion)' (or --memory-limit)", kind: .limit)
    }

    /// "1,234,567" for sizes in messages.
    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return out
    }
}

extension Binder {
    /// `current_setting('name')`: the setting's value as text, a constant of the statement.
    func settingFunction(_ name: String, _ args: [BExpr], _ at: Int) throws(QueryError) -> BExpr? {
        guard name == "current_setting" else { return nil }
        guard args.count == 1, case .literal(.string(let s), _) = args[0] else {
            throw QueryError("current_setting() takes the name of a setting as a string", offset: at)
        }
        guard let v = eval.session?.value(s) else {
            throw QueryError("unknown setting '\(s)' (settings: \(QueryEngine.settingNames))", offset: at)
        }
        return .literal(.string(v), .varchar)
    }

    /// `duckdb_settings()`: name, value, description, input_type of every setting.
    func settingsSource(_ from: TableRef) throws(QueryError) -> (PlanNode, Scope) {
        let entries = eval.session?.entries ?? []
        let names = ["name", "value", "description", "input_type"]
        let types: [DataType] = [.varchar, .varchar, .varchar, .varchar]
        let rs = ResultSet(names: names, types: types, columns: [
            entries.map { .string($0.name) }, entries.map { .string($0.value) },
            entries.map { .string($0.description) }, entries.map { .string($0.inputType) },
        ])
        let node = PlanNode(.values(Relation(rs)), [], names: names, types: types)
        return (node, Scope(tableName: nil, alias: from.alias, names: names, types: types))
    }
}
