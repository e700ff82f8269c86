import Dispatch
import Foundation
import Testing
import StrataCore
import StrataSQL
import StrataStore
import StrataTestSupport
@testable import StrataQuery

// Resource limits (Limits.swift): SET/RESET memory_limit and statement_timeout, the "out of
// memory" and "timed out" errors (and the engine working on afterwards), LIMIT stopping a
// join early, and WHERE conditions over both sides of a CROSS JOIN run as its condition.

@Suite struct LimitsTests {
    static func engine(threads: Int = 2) throws -> QueryEngine {
        let dir = TestScratch.root + "limits-\(UUID().uuidString)"
        return try QueryEngine(store: try Store(root: dir), threads: threads)
    }

    static func text(_ e: QueryEngine, _ sql: String) throws -> String {
        let r = try e.execute(sql)
        guard case .string(let s) = r.last!.result.columns[0][0] else { return "\(r.last!.result.columns[0][0])" }
        return s
    }

    static func error(_ e: QueryEngine, _ sql: String) -> EngineError? {
        do throws(EngineError) { _ = try e.execute(sql) } catch { return error }
        return nil
    }

    @Test func setAndResetMemoryLimit() throws {
        let e = try Self.engine()
        let def = MemoryTracker.format(EngineLimits.defaultMemoryLimit)
        #expect(try Self.text(e, "SELECT current_setting('memory_limit')") == def)
        _ = try e.execute("SET memory_limit = '4GB'")
        #expect(e.limits.memoryLimit == 4_000_000_000)
        #expect(try Self.text(e, "SELECT current_setting('memory_limit')") == "4.0 GB")
        _ = try e.execute("SET memory_limit TO '512MB'")
        #expect(try Self.text(e, "SELECT current_setting('memory_limit')") == "512.0 MB")
        _ = try e.execute("SET memory_limit = '1.5 GiB'")
        #expect(e.limits.memoryLimit == 1_610_612_736)
        _ = try e.execute("SET max_memory = '2gb'")
        #expect(try Self.text(e, "SELECT current_setting('max_memory')") == "2.0 GB")
        _ = try e.execute("SET memory_limit = '50%'")
        #expect(e.limits.memoryLimit == EngineLimits.physicalMemory / 2)
        _ = try e.execute("RESET memory_limit")
        #expect(e.limits.memoryLimit == EngineLimits.defaultMemoryLimit)
        _ = try e.execute("SET memory_limit = '1GB'; SET memory_limit TO DEFAULT")
        #expect(e.limits.memoryLimit == EngineLimits.defaultMemoryLimit)
        let bad = try #require(Self.error(e, "SET memory_limit = 'lots'"))
        #expect(bad.message == "error: invalid memory_limit 'lots' (use a size such as '4GB', '512MB', '1.5GiB' or a share of physical memory such as '80%')")
        #expect(Self.error(e, "SET memory_limit = '120%'") != nil)
        #expect(Self.error(e, "SET memory_limit = '0'") != nil)
    }

    @Test func setAndResetStatementTimeout() throws {
        let e = try Self.engine()
        #expect(try Self.text(e, "SELECT current_setting('statement_timeout')") == "0")
        _ = try e.execute("SET statement_timeout = '30s'")
        #expect(e.limits.statementTimeout == 30)
        #expect(try Self.text(e, "SELECT current_setting('statement_timeout')") == "30 s")
        _ = try e.execute("SET statement_timeout = 1500")  // a bare number: milliseconds, as PostgreSQL
        #expect(try Self.text(e, "SELECT current_setting('statement_timeout')") == "1.5 s")
        _ = try e.execute("SET statement_timeout = '2min'")
        #expect(try Self.text(e, "SELECT current_setting('statement_timeout')") == "2 min")
        _ = try e.execute("SET statement_timeout = '250ms'")
        #expect(try Self.text(e, "SELECT current_setting('statement_timeout')") == "250 ms")
        _ = try e.execute("RESET statement_timeout")
        #expect(e.limits.statementTimeout == nil)
        _ = try e.execute("SET statement_timeout = '5s'; SET statement_timeout = 0")
        #expect(e.limits.statementTimeout == nil)
        let bad = try #require(Self.error(e, "SET statement_timeout = 'soon'"))
        #expect(bad.message.hasPrefix("error: invalid statement_timeout 'soon'"))
    }

    @Test func otherSettingsAndTheirListing() throws {
        let e = try Self.engine()
        _ = try e.execute("SET threads = 1; SET timezone = 'Europe/Berlin'")
        #expect(try Self.text(e, "SELECT current_setting('threads')") == "1")
        #expect(try Self.text(e, "SELECT current_setting('TimeZone')") == "Europe/Berlin")
        _ = try e.execute("RESET threads; SET timezone TO DEFAULT")
        #expect(e.threads == ProcessInfo.processInfo.activeProcessorCount)
        #expect(try Self.text(e, "SELECT current_setting('timezone')") == "UTC")
        let r = try e.execute("SELECT name, value FROM duckdb_settings() ORDER BY name")[0].result
        #expect(r.columns[0] == ["memory_limit", "statement_timeout", "threads", "timezone"].map { Value.string($0) })
        let unknown = try #require(Self.error(e, "SELECT current_setting('work_mem')"))
        #expect(unknown.message == "error: unknown setting 'work_mem' (settings: memory_limit, statement_timeout, threads, timezone)")
        let unknownSet = try #require(Self.error(e, "SET work_mem = '1GB'"))
        #expect(unknownSet.message == "error: unknown setting 'work_mem' (settings: memory_limit, statement_timeout, threads, timezone)")
        #expect(Self.error(e, "RESET") != nil)
    }

    /// A cross join whose pairs would need far more than the limit fails at once with the
    /// limit and the operator named; the engine runs the next statement, nothing reserved.
    @Test func crossJoinOverTheLimitFails() throws {
        let e = try Self.engine()
        _ = try e.execute("SET memory_limit = '10MB'")
        let err = try #require(Self.error(e, "SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b"))
        #expect(err.kind == .limit)
        #expect(err.message == "error: out of memory: the query needed more than 10.0 MB (join of 100,000 × 100,000 rows: 10,000,000,000 row pairs); it would take at least 80.0 GB, more than this machine's \(MemoryTracker.format(EngineLimits.physicalMemory)) (add a join condition, a filter or a LIMIT)")
        #expect(e.limits.memory.reserved == 0)
        #expect(try e.execute("SELECT count(*) FROM range(1000) a CROSS JOIN range(100) b")[0].result.columns[0][0] == .int(100_000))
        // the same join through a view of a table, and a join whose result columns are too big
        _ = try e.execute("CREATE TABLE t (x BIGINT); INSERT INTO t SELECT range FROM range(3000)")
        let err2 = try #require(Self.error(e, "SELECT * FROM t a CROSS JOIN t b"))
        #expect(err2.message.hasPrefix("error: out of memory: the query needed more than 10.0 MB (join of 3,000 × 3,000 rows: 9,000,000 row pairs"), "\(err2.message)")
    }

    @Test(arguments: [
        ("SELECT range % 3000000 AS k, count(*) FROM range(3000000) GROUP BY k", "GROUP BY table of"),
        ("SELECT range FROM range(3000000) ORDER BY range DESC", "ORDER BY of 3,000,000 rows"),
        ("SELECT DISTINCT range FROM range(3000000)", "DISTINCT over 3,000,000 rows"),
        ("SELECT range, row_number() OVER (ORDER BY range DESC) FROM range(3000000)", "window functions over 3,000,000 rows"),
        ("SELECT * FROM range(2000000) a JOIN range(2000000) b ON a.range = b.range", "hash join build of 2,000,000 rows"),
    ])
    func largeOperatorsOverTheLimitFail(sql: String, what: String) throws {
        let e = try Self.engine()
        // room for the input rows (27 MB), not for the operator
        _ = try e.execute("SET memory_limit = '40MB'")
        let err = try #require(Self.error(e, sql))
        #expect(err.kind == .limit)
        #expect(err.message.hasPrefix("error: out of memory: the query needed more than 40.0 MB ("), "\(err.message)")
        #expect(err.message.contains("; raise it with SET memory_limit = '") && err.message.hasSuffix("' (or --memory-limit)"), "\(err.message)")
        #expect(err.message.contains(what), "\(err.message)")
        #expect(e.limits.memory.reserved == 0)
        _ = try e.execute("RESET memory_limit")
        #expect(Self.error(e, sql) == nil)
    }

    /// A statement timeout stops a long statement through the cancellation check, with an
    /// error of its own kind; the next statement runs in full; Ctrl-C stays "cancelled".
    @Test func statementTimeoutStopsALongQuery() throws {
        let e = try Self.engine()
        _ = try e.execute("SET statement_timeout = '1s'")
        let t0 = DispatchTime.now().uptimeNanoseconds
        let err = try #require(Self.error(e, "SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b WHERE a.range + b.range < 0"))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        #expect(err.kind == .limit)
        #expect(err.message == "error: statement timed out after 1 s (statement_timeout; raise it with SET statement_timeout = '…' or --timeout)")
        #expect(seconds >= 0.9 && seconds < 5, "stopped after \(seconds) s")
        #expect(!e.interruption.isRaised)
        // a short statement is not touched, and a later one is not stopped by an old timer
        #expect(try e.execute("SELECT count(*) FROM range(1000)")[0].result.columns[0][0] == .int(1000))
        _ = try e.execute("SET statement_timeout = '60s'")
        Thread.sleep(forTimeInterval: 1.2)
        #expect(try e.execute("SELECT count(*) FROM range(1000) a CROSS JOIN range(1000) b WHERE a.range < b.range")[0].result.columns[0][0] == .int(499_500))
        // Ctrl-C before the timeout: cancelled
        _ = try e.execute("SET statement_timeout = '30s'")
        let (c, _) = CancellationTests.interrupted(e, "SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b WHERE a.range + b.range < 0")
        #expect(c?.kind == .cancelled && c?.message == "cancelled")
    }

    /// LIMIT right over a join (no ORDER BY or aggregate between): the probe stops once
    /// enough pairs came out, so a cross join of 10^10 pairs answers within a 10 MB limit.
    @Test func limitStopsAJoinEarly() throws {
        let e = try Self.engine()
        _ = try e.execute("SET memory_limit = '10MB'")
        let r = try e.execute("SELECT a.range AS x, b.range AS y FROM range(100000) a CROSS JOIN range(100000) b LIMIT 3 OFFSET 2")[0].result
        #expect(r.columns[0] == [.int(0), .int(0), .int(0)])
        #expect(r.columns[1] == [.int(2), .int(3), .int(4)])
        let plan = try e.execute("EXPLAIN ANALYZE SELECT * FROM range(100000) a CROSS JOIN range(100000) b LIMIT 5")[0].result
        let text = plan.columns[0].map { "\($0)" }.joined(separator: "\n")
        #expect(text.contains("stopped after 5 rows (LIMIT): probed 1 of 100000 left rows"), "\(text)")
        // a keyed join with a residual: the same first rows as without the LIMIT
        _ = try e.execute("RESET memory_limit")
        _ = try e.execute("CREATE TABLE t (x BIGINT, y BIGINT); INSERT INTO t SELECT range % 100, range FROM range(5000)")
        let sql = "SELECT a.y, b.y FROM t a JOIN t b ON a.x = b.x AND a.y < b.y"
        let all = try e.execute(sql)[0].result
        for n in [1, 7, 100, 5000] {
            let some = try e.execute(sql + " LIMIT \(n)")[0].result
            #expect(some.columns[0] == Array(all.columns[0].prefix(n)) && some.columns[1] == Array(all.columns[1].prefix(n)))
        }
        let left = try e.execute("SELECT a.y, b.y FROM t a LEFT JOIN t b ON a.x = b.x AND b.y > 4990 LIMIT 4")[0].result
        let leftAll = try e.execute("SELECT a.y, b.y FROM t a LEFT JOIN t b ON a.x = b.x AND b.y > 4990")[0].result
        #expect(left.columns[0] == Array(leftAll.columns[0].prefix(4)) && left.columns[1] == Array(leftAll.columns[1].prefix(4)))
    }

    /// WHERE over both sides of a CROSS JOIN: an equality becomes the join key (a hash join,
    /// within a 10 MB limit), other conditions filter the pairs as they are produced.
    @Test func whereOverACrossJoinIsItsCondition() throws {
        let e = try Self.engine()
        _ = try e.execute("SET memory_limit = '10MB'")
        let n = try e.execute("SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b WHERE a.range = b.range + 1 AND a.range % 2 = 0")
        #expect(n[0].result.columns[0][0] == .int(49_999))
        let swapped = try e.execute("SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b WHERE b.range = a.range")
        #expect(swapped[0].result.columns[0][0] == .int(100_000))
        let plan = try e.execute("EXPLAIN SELECT count(*) FROM range(1000) a CROSS JOIN range(1000) b WHERE a.range = b.range AND a.range < b.range * 2")[0].result
        let text = plan.columns[0].map { "\($0)" }.joined(separator: "\n")
        #expect(text.contains("packed integer keys") || text.contains("hashed keys"), "\(text)")
        #expect(!text.contains("nested loop"), "\(text)")
        // non-equality conditions: filtered pairs, same answers as the formula
        let lt = try e.execute("SELECT count(*) FROM range(1000) a CROSS JOIN range(1000) b WHERE a.range < b.range")
        #expect(lt[0].result.columns[0][0] == .int(499_500))
        // a condition over no column stays a filter; a LEFT JOIN's WHERE stays above it
        let c = try e.execute("SELECT count(*) FROM range(10) a CROSS JOIN range(10) b WHERE 1 = 1 AND a.range + b.range = 9")
        #expect(c[0].result.columns[0][0] == .int(10))
        let l = try e.execute("SELECT count(*) FROM range(10) a LEFT JOIN range(5) b ON a.range = b.range WHERE b.range IS NULL OR a.range = b.range")
        #expect(l[0].result.columns[0][0] == .int(10))
    }

    @Test func sizesParseAndFormat() {
        #expect(MemoryTracker.parseSize("4GB", physical: 0) == 4_000_000_000)
        #expect(MemoryTracker.parseSize(" 512 mb ", physical: 0) == 512_000_000)
        #expect(MemoryTracker.parseSize("2GiB", physical: 0) == 2 << 30)
        #expect(MemoryTracker.parseSize("80%", physical: 1000) == 800)
        #expect(MemoryTracker.parseSize("1000", physical: 0) == 1000)
        #expect(MemoryTracker.parseSize("GB", physical: 0) == nil)
        #expect(MemoryTracker.parseSize("4 parsecs", physical: 0) == nil)
        #expect(MemoryTracker.format(4_000_000_000) == "4.0 GB")
        #expect(MemoryTracker.format(1_610_612_736) == "1.6 GB")
        #expect(MemoryTracker.format(999) == "999 B")
        let m = MemoryTracker(limit: 100)
        #expect(m.reserve(60) && !m.reserve(41) && m.reserve(40))
        m.release(50)
        #expect(m.reserved == 50 && m.peak == 100)
        #expect(!m.reserve(.max))
    }
}
