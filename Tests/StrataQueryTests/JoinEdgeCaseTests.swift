import Foundation
import Testing
import StrataCore
import StrataFormat
import StrataStore
import StrataText
@testable import StrataQuery
import StrataSQL

// Edge cases found by reviewing joins and packed group keys: each test failed before its fix
// and states the expected behaviour.

@Suite struct JoinEdgeCaseTests {
    /// A LEFT JOIN whose right side has no rows (here: emptied by the pushed ON conjunct
    /// `r.id > 100`, or an empty subquery) NULL-extends every left row with vectors whose
    /// value buffers were empty (`Vec.gatherOrNull` copied `ints`/`strs` only when the source
    /// had some). Any later predicate or join key over those columns then indexed past the
    /// end: the process trapped (Index out of range / UnsafeBufferPointer fatal error).
    /// Expected: the NULL-extended columns behave like any NULL column.
    /// Runs in a child process so that the crash does not take down the test run.
    @Test func leftJoinWithEmptyRightSideThenPredicateOnExtendedColumns() async {
        await #expect(processExitsWith: .success) {
            do {
                let r = try joinRunner([
                    ("l", "id BIGINT, s VARCHAR", ["1|a", "2|b", "3|NULL"]),
                    ("r", "id BIGINT, s VARCHAR", ["1|x", "5|y"]),
                    ("m", "id BIGINT, k BIGINT", ["1|10", "2|20"]),
                ])
                // string predicate on the NULL-extended VARCHAR column: no row is 'x'
                let a = try joinQuery(r, "SELECT l.id FROM l LEFT JOIN r ON l.id = r.id AND r.id > 100 WHERE r.s = 'x'")
                guard a.isEmpty else { exit(3) }
                // integer predicate on the NULL-extended BIGINT column
                let b = try joinQuery(r, "SELECT l.id FROM l LEFT JOIN r ON l.id = r.id AND r.id > 100 WHERE r.id BETWEEN 1 AND 2")
                guard b.isEmpty else { exit(4) }
                // empty subquery on the right, predicate with OR IS NULL keeps every left row
                let c = try joinQuery(r, "SELECT l.id FROM l LEFT JOIN (SELECT * FROM r WHERE id > 100) x ON l.id = x.id WHERE x.s = 'q' OR x.id IS NULL ORDER BY 1")
                guard c == ["1", "2", "3"] else { exit(5) }
                // the NULL-extended column used as the next join's key (packed-key path)
                let d = try joinQuery(r, "SELECT l.id, m.k FROM l LEFT JOIN r ON l.id = r.id AND r.id > 100 LEFT JOIN m ON r.id = m.id ORDER BY 1")
                guard d == ["1|NULL", "2|NULL", "3|NULL"] else { exit(6) }
            } catch {
                exit(2)
            }
        }
    }

    /// `FROM b JOIN b t2`: once a table has an alias only the alias names it, so `b.id` is the
    /// unaliased (left) instance. Both leaves used to answer to `b` (collectLeaves added the
    /// table name even when an alias was given) and the query was rejected with
    /// "column reference 'id' is ambiguous (b.id or t2.id)".
    @Test func aliasedTableNoLongerAnswersToItsTableName() throws {
        let r = try joinRunner([("b", "id BIGINT, y BIGINT", ["1|5", "2|6", "2|7"])])
        var got: [String] = []
        do {
            got = try joinQuery(r, "SELECT b.id, b.y, t2.y FROM b JOIN b t2 ON b.id = t2.id AND t2.y > b.y ORDER BY 1, 2, 3")
        } catch {
            Issue.record("query failed: \(error)")
        }
        #expect(got == ["2|6|7"])
    }

    /// USING with a column that is ambiguous on the left side (it exists on both inputs of the
    /// previous join): the error must say so. Join.swift used to turn every resolution error
    /// into "column 'id' named in USING is missing on the left side of the join", although
    /// the column is there twice.
    @Test func usingColumnAmbiguousOnTheLeftSaysAmbiguous() throws {
        let r = try joinRunner([
            ("a", "id BIGINT, x BIGINT", ["1|10"]),
            ("b", "id BIGINT, y BIGINT", ["1|5"]),
            ("c", "id BIGINT, z BIGINT", ["1|7"]),
        ])
        do {
            _ = try r.engine.execute("SELECT * FROM a JOIN b ON a.id = b.id JOIN c USING (id)")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("ambiguous"), "message was: \(error.description)")
            #expect(!error.description.contains("missing"), "message was: \(error.description)")
        }
    }

    /// `SELECT *` over a join yields two output columns named `x`; `ORDER BY x` names neither
    /// uniquely and must be rejected as ambiguous (PostgreSQL/DuckDB do), just as `x` in WHERE
    /// is. Binder.orderKey used to take the first output column with that name (a.x) silently.
    @Test func orderByDuplicateOutputNameIsAmbiguous() throws {
        let r = try joinRunner([
            ("a", "id BIGINT, x BIGINT", ["1|10", "2|20"]),
            ("b", "id BIGINT, x BIGINT", ["1|200", "2|100"]),
        ])
        do {
            let got = try joinQuery(r, "SELECT * FROM a JOIN b ON a.id = b.id ORDER BY x")
            Issue.record("expected an ambiguity error, got rows \(got)")
        } catch {
            #expect("\(error)".contains("ambiguous"), "message was: \(error)")
        }
    }

    /// GROUP BY CAST(t AS DATE) over a stored table packs the key from the footers' range with
    /// one day of margin. For timestamps within a day of the Int64 range, the session time
    /// zone's offset wraps (TimeZoneRules.toLocal uses &+), the day fell outside the margin and
    /// KeyPacking.pack reported the table as corrupt ("block statistics do not cover ...");
    /// such ranges now keep unpacked keys.
    /// Expected: the same answer as the unpacked path over a CTE of the same rows (never a
    /// corruption report for sound files).
    @Test func packedDateKeyNearTimestampRangeEdgeIsNotCorruption() throws {
        let r = try SQLLogicRunner()
        _ = try r.engine.execute("CREATE TABLE ev (t TIMESTAMP, n BIGINT)")
        let t = try r.store.table("ev")
        let def = try t.definition
        let cols = [Column(.int64([Int64.max - 1_000, 1_000]), validity: nil), Column(.int64([1, 2]), validity: nil)]
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: cols))
        _ = try r.engine.execute("SET timezone = 'Asia/Tokyo'")
        let viaCTE = try joinQuery(r, "WITH w AS (SELECT * FROM ev) SELECT CAST(t AS DATE) AS d, count(*) FROM w GROUP BY 1 ORDER BY 1")
        var stored: [String] = []
        do {
            stored = try joinQuery(r, "SELECT CAST(t AS DATE) AS d, count(*) FROM ev GROUP BY 1 ORDER BY 1")
        } catch {
            Issue.record("stored-table GROUP BY failed: \(error)")
        }
        #expect(stored == viaCTE)
    }
}

/// Every reference to a table in one statement (CTEs, subqueries, both sides of a self-join)
/// reads one snapshot: a commit between them cannot make them disagree.
@Test func oneSnapshotPerTablePerStatement() throws {
    let r = try joinRunner([
        ("t", "k INTEGER, v VARCHAR", ["1|a", "2|b", "3|c"]),
        ("u", "k INTEGER", ["1", "3"]),
    ])
    let q = try parseQuery("""
        WITH a AS (SELECT k, v FROM t WHERE k > 1), b AS (SELECT count(*) AS n FROM t)
        SELECT a.k, x.v, b.n, s.m FROM a JOIN t AS x ON x.k = a.k CROSS JOIN b
        CROSS JOIN (SELECT max(k) AS m FROM t) AS s JOIN u ON u.k = a.k ORDER BY a.k
        """)
    let ex = Executor(eval: Evaluator(timeZone: .utc))
    let binder = Binder(store: r.engine.store, eval: ex.eval)
    let rows = try PlanExecutor(executor: ex).run(Optimizer.optimize(try binder.plan(q), ex.eval)).resultSet
    #expect(rows.columns == [[.int(3)], [.string("c")], [.int(3)], [.int(3)]], "\(rows.columns)")
    #expect(binder.snapshots.count == 2, "one snapshot of t and one of u")
}
