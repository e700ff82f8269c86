import Foundation
import Testing
import StrataCore
import StrataFormat
import StrataStore
import StrataText
@testable import StrataQuery

/// Issue 14, items 5 and 8: arithmetic on user-supplied values never traps (a trap kills the
/// test process) and never wraps; out-of-range results are user errors (exit code 1).

/// Runs `sql`; returns the error's kind and message, or nil when it succeeded.
private func outcome(_ engine: QueryEngine, _ sql: String) -> (EngineError.Kind, String)? {
    do {
        _ = try engine.execute(sql)
        return nil
    } catch {
        return (error.kind, error.message)
    }
}

@Test func overflowErrorsAreUserErrors() throws {
    let runner = try SQLLogicRunner()
    for sql in [
        "SELECT abs(-9223372036854775808)",
        "SELECT -(-9223372036854775808)",
        "SELECT 9223372036854775807 + 1",
        "SELECT -9223372036854775808 - 1",
        "SELECT 4611686018427387904 * 2",
        "SELECT CAST(2147483648 AS INTEGER)",
        "SELECT CAST(1e300 AS BIGINT)",
        "SELECT INTERVAL '9999999999999' DAY + TIMESTAMP '2024-01-01'",
        "SELECT TIMESTAMP '2024-01-01' - INTERVAL '9223372036854775807' SECOND",
        "SELECT DATE '2024-01-01' + 9223372036854775000",
    ] {
        let r = outcome(runner.engine, sql)
        #expect(r?.0 == .user, "\(sql): \(String(describing: r))")
        #expect(r?.1.hasPrefix("error: ") == true && r?.1.contains("out of range") == true, "\(sql): \(String(describing: r))")
    }
}

/// Extreme literals in every position that does arithmetic: each statement either answers or
/// fails with a user error.
@Test func extremeLiteralsNeverTrap() throws {
    let runner = try SQLLogicRunner()
    _ = try runner.engine.execute("CREATE TABLE t (id BIGINT, x DOUBLE, d DATE, ts TIMESTAMP)")
    try runner.load("t", ["1|1.5|2024-01-31|2024-01-31 10:00:00", "NULL|NULL|NULL|NULL", "-5|-2.5|1970-01-01|1969-12-31 23:59:59"])
    let extremes = ["9223372036854775807", "-9223372036854775808", "2147483648", "-2147483649", "1e308", "-1e308", "0"]
    var exprs: [String] = []
    for v in extremes {
        let isInt = !v.contains("e")
        exprs += ["id + \(v)", "id - \(v)", "\(v) - id", "id * \(v)", "id / \(v)", "id % \(v)", "abs(\(v))", "-(\(v))",
                  "CAST(\(v) AS INTEGER)", "CAST(\(v) AS BIGINT)", "CAST(\(v) * id AS INTEGER)", "round(\(v), -2)", "round(\(v) + x, 3)"]
        if isInt {
            exprs += ["round(x, \(v))", "round(id, \(v))", "d + \(v)", "d - \(v)", "CAST(d + \(v) AS TIMESTAMP)",
                      "lag(id, \(v.hasPrefix("-") ? "1" : v)) OVER (ORDER BY id)", "lead(id, \(v.hasPrefix("-") ? "1" : v), 0) OVER (ORDER BY id)"]
            for unit in ["MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"] {
                exprs += ["ts + INTERVAL '\(v)' \(unit)", "ts - INTERVAL '\(v)' \(unit)", "d + INTERVAL '\(v)' \(unit)",
                          "INTERVAL '\(v)' \(unit) + ts", "date_trunc('year', ts - INTERVAL '\(v)' \(unit))",
                          "extract(year FROM d + INTERVAL '\(v)' \(unit))"]
            }
        }
    }
    var statements = exprs.map { "SELECT \($0) FROM t" }
    for v in ["0", "1", "2147483648", "9223372036854775806", "9223372036854775807"] {
        for w in ["0", "1", "9223372036854775807"] {
            statements += ["SELECT id FROM t LIMIT \(v) OFFSET \(w)", "SELECT id FROM t ORDER BY id LIMIT \(v) OFFSET \(w)",
                           "SELECT DISTINCT id FROM t ORDER BY id DESC LIMIT \(v) OFFSET \(w)",
                           "SELECT id, count(*) FROM t GROUP BY id ORDER BY 2 DESC LIMIT \(v) OFFSET \(w)"]
        }
    }
    for sql in statements {
        if let r = outcome(runner.engine, sql) { #expect(r.0 == .user, "\(sql): \(r.1)") }
    }
}

/// Timestamps stored near the `Int64` limits (e.g. epoch input) are out of the calendar
/// functions' range: an error, not a trap in day arithmetic.
@Test func storedExtremeTimestampsInCalendarFunctions() throws {
    let runner = try SQLLogicRunner()
    _ = try runner.engine.execute("CREATE TABLE e (ts TIMESTAMP)")
    let t = try runner.store.table("e")
    let def = try t.definition
    let col = Column(.int64([Int64.min + 1, 0, Int64.max]), validity: nil)
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: [col]))
    #expect(try runner.engine.execute("SELECT count(*) FROM e")[0].result.columns[0][0] == .int(3))
    for sql in ["SELECT date_trunc('year', ts) FROM e", "SELECT extract(year FROM ts) FROM e",
                "SELECT toStartOfWeek(ts) FROM e", "SELECT date_trunc('month', CAST(ts AS DATE)) FROM e",
                "SELECT ts + INTERVAL '1' DAY FROM e"] {
        let r = outcome(runner.engine, sql)
        #expect(r?.0 == .user && r?.1.contains("outside the supported range") == true, "\(sql): \(String(describing: r))")
    }
    #expect(try runner.engine.execute("SELECT date_trunc('year', ts) FROM e WHERE ts = TIMESTAMP '1970-01-01 00:00:00'")[0].result.columns[0][0] == .timestamp(0))
}

/// EXPLAIN binds without running: a statement whose execution fails (sum overflow) explains,
/// one that does not bind reports the binder's error and caret.
@Test func explainBindsWithoutRunning() throws {
    let runner = try SQLLogicRunner()
    _ = try runner.engine.execute("CREATE TABLE t (id BIGINT, ts TIMESTAMP) PARTITION BY day(ts)")
    try runner.load("t", ["9223372036854775807|2024-01-01 00:00:00", "1|2024-01-02 00:00:00"])
    #expect(outcome(runner.engine, "SELECT sum(id) FROM t")?.1.contains("integer overflow in sum()") == true)
    let plan = try runner.engine.execute("EXPLAIN SELECT sum(id) FROM t WHERE ts >= '2024-01-02'")[0].result
    #expect(plan.columns[0].contains { if case .string(let s) = $0 { return s.contains("blocks to scan after pruning") } else { return false } })
    do {
        _ = try runner.engine.execute("EXPLAIN SELECT * FROM t WHERE nosuchcol >= 1")
        Issue.record("EXPLAIN of an unknown column succeeded")
    } catch {
        #expect(error.kind == .user)
        #expect(error.message == "error: unknown column 'nosuchcol'")
        #expect(error.detail.contains("column 31"))
    }
}

/// The compare report's previous window (`from - (to - from)`) is checked arithmetic.
@Test func compareReportWindowOutOfRange() throws {
    do {
        _ = try Reports.sql(for: .compare, request: ReportRequest(table: "clicks", from: Int64.min + 10, to: Int64.max - 10))
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .user)
        #expect(error.message.contains("window is out of range"))
    }
    #expect(try Reports.sql(for: .compare, request: ReportRequest(table: "clicks", from: 1_000_000, to: 2_000_000)).contains("clicks_previous"))
}
