import Dispatch
import Foundation
import Testing
import StrataCore
import StrataSQL
import StrataStore
import Synchronization
import StrataTestSupport
@testable import StrataQuery

// QueryEngine.interrupt(): long statements stop between batches with a "cancelled" error;
// the flag is reset when the next statement starts.

@Suite struct CancellationTests {
    static func engine(threads: Int = 2) throws -> QueryEngine {
        let dir = TestScratch.root + "cancel-\(UUID().uuidString)"
        return try QueryEngine(store: try Store(root: dir), threads: threads)
    }

    /// Runs `sql` while another thread interrupts it after `delay` seconds; returns the error
    /// thrown (nil when the statement finished first) and the seconds the call took.
    static func interrupted(_ e: QueryEngine, _ sql: String, after delay: Double = 0.2) -> (EngineError?, Double) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        // a thread of its own: the dispatch pool may be busy with the query's workers
        let t = Thread { Thread.sleep(forTimeInterval: delay); e.interrupt() }
        t.start()
        var caught: EngineError? = nil
        do throws(EngineError) { _ = try e.execute(sql) } catch { caught = error }
        return (caught, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }

    /// Statements that would run for many seconds (billions of candidate pairs, a window
    /// over millions of partitions): each stops with "cancelled" soon after the interrupt.
    @Test(arguments: [
        // a cross join: 10^10 pairs, filtered in chunks (never materialized)
        "SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b WHERE a.range + b.range < 0",
        // a non-equi join
        "SELECT count(*) FROM range(100000) a JOIN range(100000) b ON a.range * 3 = b.range * 7 + a.range % 5 - 1000000000",
    ])
    func longQueryIsCancelled(sql: String) throws {
        let e = try Self.engine()
        let (error, seconds) = Self.interrupted(e, sql)
        let err = try #require(error, "the statement should have been cancelled")
        #expect(err.kind == .cancelled)
        #expect(err.message == "cancelled")
        #expect(err.description == "cancelled")
        #expect(seconds < 5, "cancelled after \(seconds) s")
        // the engine keeps working: the next statement runs normally
        let r = try e.execute("SELECT count(*) FROM range(1000) a CROSS JOIN range(1000) b WHERE a.range < b.range")
        #expect(r[0].result.columns[0][0] == .int(499_500))
    }

    /// A statement over a stored table (100 blocks, joined with a non-equi condition that
    /// keeps nothing, so nothing accumulates) stops, and the table is intact afterwards.
    @Test func tableScanIsCancelled() throws {
        let e = try Self.engine()
        _ = try e.execute("CREATE TABLE big (x BIGINT) WITH (block_rows = 4096)")
        _ = try e.execute("INSERT INTO big SELECT range FROM range(400000)")
        // 100 blocks read, each joined with 20000 rows: a long scan-and-join
        let sql = "SELECT count(*) FROM big JOIN range(20000) r ON big.x + r.range < 0"
        let (error, seconds) = Self.interrupted(e, sql, after: 0.1)
        let err = try #require(error)
        #expect(err.kind == .cancelled && err.message == "cancelled")
        #expect(seconds < 5)
        #expect(try e.execute("SELECT count(*) FROM big")[0].result.columns[0][0] == .int(400_000))
    }

    /// A flag raised before (or after) a statement does not cancel the next one: it is
    /// reset when a statement starts.
    @Test func flagRaisedBeforeTheStatementIsReset() throws {
        let e = try Self.engine()
        e.interrupt()
        let r = try e.execute("SELECT sum(range) FROM range(100000)")
        #expect(r[0].result.columns[0][0] == .int(4_999_950_000))
        e.interrupt()
        _ = try e.execute("CREATE TABLE t (x BIGINT)")
        e.interrupt()
        _ = try e.execute("INSERT INTO t SELECT range FROM range(10)")
        e.interrupt()
        #expect(try e.execute("SELECT count(*) FROM t")[0].result.columns[0][0] == .int(10))
    }

    /// With the flag raised while the plan runs, every operator shape stops with "cancelled"
    /// (the plan is run directly, without the reset at the start of a statement).
    @Test(arguments: [
        "SELECT count(*) FROM t",
        "SELECT x, count(*) FROM t GROUP BY x",
        "SELECT x FROM t ORDER BY x DESC",
        "SELECT x, row_number() OVER (PARTITION BY x % 7 ORDER BY x) FROM t",
        "SELECT * FROM t a JOIN t b ON a.x = b.x",
        "SELECT x FROM t UNION SELECT x + 1 FROM t",
        "SELECT * FROM range(10)",
        "SELECT * FROM generate_series(TIMESTAMP '2024-01-01', TIMESTAMP '2024-03-01', INTERVAL 1 MONTH)",
    ])
    func raisedFlagStopsEveryPlanShape(sql: String) throws {
        let e = try Self.engine()
        _ = try e.execute("CREATE TABLE t (x BIGINT)")
        _ = try e.execute("INSERT INTO t SELECT range FROM range(1000)")
        let q = try parseQuery(sql)
        let (plan, binder, ex) = try e.planQuery(q)
        defer { withExtendedLifetime(binder) {} }
        e.interrupt()
        var caught: QueryError? = nil
        do throws(QueryError) { _ = try PlanExecutor(executor: ex).run(plan) } catch { caught = error }
        #expect(caught?.kind == .cancelled)
        #expect(caught?.message == "cancelled")
    }

    /// ParallelWork.forEach: once the flag is raised, no worker takes another item.
    @Test func parallelWorkersStopTakingItems() {
        let stop = Interruption()
        let taken = Mutex(0)
        ParallelWork.forEach(10_000, workers: 2, stop: stop) { i, _ in
            taken.withLock { $0 += 1 }
            if i == 10 { stop.raise() }
        }
        // the two workers may each have started one more item after the raise
        #expect(taken.withLock { $0 } <= 14)
        let all = Mutex(0)
        ParallelWork.forEach(1000, workers: 2, stop: Interruption()) { _, _ in all.withLock { $0 += 1 } }
        #expect(all.withLock { $0 } == 1000)
    }
}
