import Foundation
import Testing
import StrataSQL
import StrataText
@testable import StrataQuery

/// The optimizer's rules, each alone on small bound plans (the text is EXPLAIN's), and
/// EXPLAIN / EXPLAIN ANALYZE behaviour. Plan shapes of whole statements are in
/// SQLTests/plans.test.
@Suite struct PlanTests {
    let runner: SQLLogicRunner

    init() throws {
        runner = try SQLLogicRunner()
        _ = try runner.engine.execute("""
            CREATE TABLE clicks (ts TIMESTAMP, link_id BIGINT, visitor VARCHAR, country VARCHAR) PARTITION BY day(ts);
            CREATE TABLE links (link_id BIGINT, title VARCHAR)
            """)
        try runner.load("clicks", ["2024-03-01 10:00:00|1|v1|DE", "2024-03-01 11:00:00|2|v2|FR", "2024-03-02 09:00:00|2|v1|US",
                                   "2024-03-03 09:00:00|3|v3|DE"])
        try runner.load("links", ["1|alpha", "2|beta", "3|gamma"])
    }

    /// The bound plan of `sql` (no rule applied), its binder kept alive with it.
    func bound(_ sql: String) throws -> (PlanNode, Binder, Evaluator) {
        guard case .query(let q) = try parseStatement(sql) else { throw QueryError("not a query") }
        let eval = Evaluator(timeZone: .utc)
        let binder = Binder(store: runner.engine.store, eval: eval)
        return (try binder.plan(q), binder, eval)
    }

    func text(_ n: PlanNode) -> String { PlanPrinter.text(n).joined(separator: "\n") }

    @Test func bindingAloneLeavesFiltersAboveScansAndReadsEveryColumn() throws {
        let (p, _, _) = try bound("SELECT visitor FROM clicks WHERE link_id = 2")
        #expect(text(p) == """
            Project visitor
              Filter link_id = 2
                Scan clicks
                    columns: ts, link_id, visitor, country
            """)
    }

    @Test func constantFoldingEvaluatesConstantsOnceAndDropsTrueFilters() throws {
        let (p, _, eval) = try bound("SELECT link_id + (2 * 3) AS x FROM clicks WHERE link_id = 1 + 1 AND 2 > 1")
        let folded = ConstantFolding.apply(p, eval)
        #expect(text(folded).hasPrefix("""
            Project link_id + 6 AS x
              Filter link_id = 2
            """))
        let (q, _, eval2) = try bound("SELECT visitor FROM clicks WHERE 1 = 1")
        #expect(!text(ConstantFolding.apply(q, eval2)).contains("Filter"))
        // a constant that fails to evaluate stays, to fail when it runs
        let (r, _, eval3) = try bound("SELECT 9223372036854775807 + link_id FROM clicks WHERE 9223372036854775807 + 1 > 0")
        #expect(text(ConstantFolding.apply(r, eval3)).contains("Filter (9223372036854775807 + 1) > 0"))
    }

    @Test func cteReferencedOnceIsInlinedAndTwiceRunsOnce() throws {
        let (once, _, _) = try bound("WITH d AS (SELECT * FROM clicks WHERE country = 'DE') SELECT count(*) FROM d")
        let a = CTEPlacement.apply(once)
        #expect(!text(a).contains("CTE"))
        let (twice, _, _) = try bound("WITH d AS (SELECT link_id FROM clicks) SELECT * FROM d x JOIN d y USING (link_id)")
        let b = CTEPlacement.apply(twice)
        #expect(text(b).contains("    CTE Scan d\n    CTE Scan d\nCTE d (runs once"))
        var defs: [CTEDefinition] = []
        Optimizer.forEachNode(b) { if case .cte(let d) = $0.op { defs.append(d) } }
        #expect(defs.count == 2 && defs[0] === defs[1] && defs[0].materialize)
    }

    @Test func predicatePushdownMovesFiltersIntoScansAndJoinSides() throws {
        let (p, _, _) = try bound("SELECT visitor FROM clicks WHERE link_id = 2 AND ts >= '2024-03-02'")
        let a = PredicatePushdown.apply(p)
        #expect(text(a) == """
            Project visitor
              Scan clicks
                  columns: ts, link_id, visitor, country
                  filter: (link_id = 2) AND (ts >= TIMESTAMP '2024-03-02 00:00:00')
                  prune: ts >= 2024-03-02 00:00:00
                  prune: link_id = 2
            """)
        // across a LEFT JOIN only the left side's conditions move; the right's stay above
        let (j, _, _) = try bound("SELECT c.visitor FROM clicks c LEFT JOIN links l USING (link_id) WHERE c.country = 'DE' AND l.title = 'beta'")
        let b = text(PredicatePushdown.apply(j))
        #expect(b.contains("  Filter l.title = 'beta'\n    Join LEFT"))
        #expect(b.contains("Scan clicks AS c\n          columns: ts, link_id, visitor, country\n          filter: c.country = 'DE'"))
        // an inner join sends both
        let (k, _, _) = try bound("SELECT c.visitor FROM clicks c JOIN links l USING (link_id) WHERE c.country = 'DE' AND l.title = 'beta'")
        let c = text(PredicatePushdown.apply(k))
        #expect(!c.contains("  Filter"))
        #expect(c.contains("filter: l.title = 'beta'"))
    }

    @Test func pruningRangesComeFromTheScanFilter() throws {
        let ts = BExpr.column(0, .timestamp), id = BExpr.column(1, .bigint), s = BExpr.column(2, .varchar)
        let f: BExpr = .and([
            .binary(.ge, ts, .literal(.timestamp(100), .timestamp), .boolean),
            .binary(.lt, .literal(.timestamp(50), .timestamp), ts, .boolean),  // 50 < ts: ts >= 51
            .binary(.lt, ts, .literal(.date(1), .date), .boolean),
            .inList(id, [.int(7), .int(3)], negated: false),
            .stringPredicate(s, .membership([Array("DE".utf8)])),
            .stringPredicate(.column(3, .varchar), .membership([Array("x".utf8)], negated: true)),
        ])
        let r = PruningRanges.ranges(f)
        #expect(r[0]?.lo == 100 && r[0]?.hi == 86_400_000_000 - 1)
        #expect(r[1]?.lo == 3 && r[1]?.hi == 7)
        #expect(r[2]?.strings == ["DE"])
        #expect(r[3] == nil, "NOT IN prunes nothing")
        #expect(PruningRanges.ranges(.or([.binary(.eq, id, .literal(.int(1), .bigint), .boolean)])).isEmpty)
    }

    @Test func dateTruncComparisonsBoundTheTimestampExactlyInUTCAndADayWiderElsewhere() throws {
        let day = 86_400_000_000 as Int64, x = 100 * day
        func trunc(_ u: Civil.Unit) -> BExpr { .call(.dateTrunc(u), [.column(0, .timestamp)], .timestamp) }
        func cmp(_ op: BOp, _ u: Civil.Unit, _ v: Int64) -> BExpr { .binary(op, trunc(u), .literal(.timestamp(v), .timestamp), .boolean) }
        let both: BExpr = .and([cmp(.ge, .day, x), cmp(.le, .day, x + 2 * day)])
        let utc = PruningRanges.ranges(both, utc: true)[0]
        #expect(utc?.lo == x && utc?.hi == x + 3 * day - 1)
        let zoned = PruningRanges.ranges(both)[0]
        #expect(zoned?.lo == x - day && zoned?.hi == x + 4 * day - 1)
        // a month is at most 31 days; equality bounds both sides; <> bounds nothing
        let m = PruningRanges.ranges(cmp(.eq, .month, x), utc: true)[0]
        #expect(m?.lo == x && m?.hi == x + 31 * day - 1)
        #expect(PruningRanges.ranges(cmp(.ne, .day, x), utc: true).isEmpty)
        // a constant on the left flips the operator: x > trunc(ts) bounds ts from above
        let flipped = PruningRanges.ranges(.binary(.gt, .literal(.timestamp(x), .timestamp), trunc(.hour), .boolean), utc: true)[0]
        #expect(flipped != nil && flipped!.lo == .min && flipped!.hi == x + 3_600_000_000 - 1)
        // no overflow at the ends of the range
        let top = PruningRanges.ranges(cmp(.le, .year, .max - 5))[0]
        #expect(top?.hi == .max)
    }

    @Test func seriesRangeNarrowsOnlyTheSideWhoseUnmatchedRowsAreDropped() throws {
        func filters(_ sql: String) throws -> String {
            let (p, _, _) = try bound(sql)
            return text(PredicatePushdown.apply(p, utc: true))
        }
        let series = "generate_series(TIMESTAMP '2024-03-02', TIMESTAMP '2024-03-03', INTERVAL 1 DAY) AS s(d)"
        let narrowed = "filter: (date_trunc[day](c.ts) >= TIMESTAMP '2024-03-02 00:00:00') AND (date_trunc[day](c.ts) <= TIMESTAMP '2024-03-03 00:00:00')"
        // series LEFT JOIN table: the table's unmatched rows are dropped
        let a = try filters("SELECT s.d, count(c.ts) FROM \(series) LEFT JOIN clicks c ON date_trunc('day', c.ts) = s.d GROUP BY s.d")
        #expect(a.contains(narrowed) && a.contains("prune: ts >= 2024-03-02 00:00:00 AND ts <= 2024-03-03 23:59:59.999999"))
        // table JOIN series: the same, from the right
        let b = try filters("SELECT c.ts FROM clicks c JOIN \(series) ON date_trunc('day', c.ts) = s.d")
        #expect(b.contains(narrowed))
        // table LEFT JOIN series: every table row is output, none is filtered
        let c = try filters("SELECT c.ts, s.d FROM clicks c LEFT JOIN \(series) ON date_trunc('day', c.ts) = s.d")
        #expect(!c.contains("filter:"), "\(c)")
        // a grouped subquery: the range reaches its scan through the group key
        let d = try filters("SELECT s.d, x.n FROM \(series) LEFT JOIN (SELECT date_trunc('day', ts) AS day, count(*) AS n FROM clicks GROUP BY 1) x ON x.day = s.d")
        #expect(d.contains("filter: (date_trunc[day](ts) >= TIMESTAMP '2024-03-02 00:00:00')"), "\(d)")
        // an integer series narrows an integer key (range's stop is excluded: a bound to spare)
        let e = try filters("SELECT * FROM range(1, 3) AS r(k) LEFT JOIN clicks c ON c.link_id = r.k")
        #expect(e.contains("filter: (c.link_id >= 1) AND (c.link_id <= 3)"), "\(e)")
    }

    @Test func filtersOnGroupKeysMoveBelowPlainAggregatesOnly() throws {
        let (p, _, _) = try bound("SELECT * FROM (SELECT link_id, count(*) AS n FROM clicks GROUP BY link_id) t WHERE link_id > 1 AND n > 1")
        let a = text(PredicatePushdown.apply(p))
        #expect(a.contains("Filter count_star() > 1\n") && a.contains("filter: link_id > 1\n") && a.contains("prune: link_id >= 2"), "\(a)")
        let (q, _, _) = try bound("SELECT * FROM (SELECT link_id, count(*) AS n FROM clicks GROUP BY ROLLUP (link_id)) t WHERE link_id IS NULL")
        let b = text(PredicatePushdown.apply(q))
        #expect(b.contains("Filter link_id IS NULL") && !b.contains("filter:"), "\(b)")
    }

    @Test func projectionPushdownReadsOnlyUsedColumns() throws {
        let (p, _, _) = try bound("SELECT count(*) FROM (SELECT * FROM clicks) t WHERE t.country = 'DE'")
        let a = text(ProjectionPushdown.apply(PredicatePushdown.apply(p)))
        #expect(a.contains("Project (no column used above)\n      Scan clicks\n          columns: country\n"))
        #expect(!a.contains("Filter"), "the WHERE over the subquery reaches its scan")
        let (j, _, _) = try bound("SELECT l.title FROM clicks c JOIN links l USING (link_id)")
        let b = ProjectionPushdown.apply(j)
        #expect(text(b).contains("Scan clicks AS c\n        columns: link_id\n    Scan links AS l\n        columns: link_id, title"))
        guard case .join(let spec) = b.input.op else { Issue.record("no join under the projection"); return }
        #expect(spec.needed == [5])
    }

    @Test func topNRuleFusesSortAndLimitAndMarksTwoPhase() throws {
        let (p, _, _) = try bound("SELECT link_id, count(*) AS n FROM clicks GROUP BY link_id ORDER BY n DESC LIMIT 2")
        let a = text(TopNRule.apply(p))
        #expect(a.hasPrefix("TopN 2 by n DESC NULLS LAST\n  Project"))
        #expect(!a.contains("two-phase"))
        let (q, _, _) = try bound("SELECT link_id, count(*) AS n, count(DISTINCT visitor) FROM clicks GROUP BY link_id ORDER BY n DESC LIMIT 2 OFFSET 1")
        let b = text(TopNRule.apply(q))
        #expect(b.hasPrefix("TopN 2 OFFSET 1 by n DESC NULLS LAST"))
        #expect(b.contains("(two-phase top-N)"))
        // ordered by the costly aggregate: one phase
        let (r, _, _) = try bound("SELECT link_id, count(DISTINCT visitor) AS u FROM clicks GROUP BY link_id ORDER BY u DESC LIMIT 2")
        #expect(!text(TopNRule.apply(r)).contains("two-phase"))
        // no LIMIT: a Sort stays
        let (s, _, _) = try bound("SELECT link_id FROM clicks ORDER BY link_id")
        #expect(text(TopNRule.apply(s)).hasPrefix("Sort link_id ASC NULLS LAST"))
    }

    @Test func joinChoicePicksTheAlgorithmFromKeyTypesAndUniqueness() throws {
        func spec(_ sql: String) throws -> JoinSpec? {
            let (p, _, _) = try bound(sql)
            var out: JoinSpec?
            Optimizer.forEachNode(JoinChoice.apply(p)) { if case .join(let j) = $0.op, out == nil { out = j } }
            return out
        }
        #expect(try spec("SELECT * FROM clicks JOIN links USING (link_id)")?.algorithm == .packedKeys)
        #expect(try spec("SELECT * FROM clicks a JOIN clicks b ON a.visitor = b.visitor")?.algorithm == .hashedKeys)
        #expect(try spec("SELECT * FROM clicks a CROSS JOIN links b")?.algorithm == .nestedLoop)
        #expect(try spec("SELECT * FROM clicks a JOIN links b ON a.link_id < b.link_id")?.algorithm == .nestedLoop)
        let unique = try spec("SELECT * FROM clicks c JOIN (SELECT visitor, count(*) AS n FROM clicks GROUP BY visitor) v USING (visitor)")
        #expect(unique?.uniqueRight == true)
        #expect(try spec("SELECT * FROM clicks c JOIN clicks d USING (visitor)")?.uniqueRight == false)
    }

    /// A small left side builds the hash table; the answer and its order (left rows in order,
    /// each one's partners in right-row order) are those of building on the right.
    @Test func aSmallLeftSideBuildsAndKeepsTheAnswerAndOrder() throws {
        _ = try runner.engine.execute("CREATE TABLE many (k BIGINT, v BIGINT)")
        let rows = (0..<3000).map { i in (k: Int64((i * 7) % 5), v: Int64(i)) }
        try runner.load("many", rows.map { "\($0.k)|\($0.v)" })
        let (p, _, _) = try bound("SELECT l.title, m.v FROM links l JOIN many m ON l.link_id = m.k")
        var spec: JoinSpec?
        Optimizer.forEachNode(JoinChoice.apply(p)) { if case .join(let j) = $0.op { spec = j } }
        #expect(spec?.buildLeft == true)
        let r = try runner.engine.execute("SELECT l.title, m.v FROM links l JOIN many m ON l.link_id = m.k")[0].result
        // the expected pairs: links in their order (1, 2, 3 over two segments), partners in row order
        var expected: [[Value]] = []
        for (id, title) in [(Int64(1), "alpha"), (2, "beta"), (3, "gamma")] {
            for m in rows where m.k == id { expected.append([.string(title), .int(m.v)]) }
        }
        #expect(r.rowCount == expected.count)
        #expect((0..<r.rowCount).map { i in [r.columns[0][i], r.columns[1][i]] } == expected)
        // a residual condition across the sides still applies
        let q = try runner.engine.execute("SELECT count(*) FROM links l JOIN many m ON l.link_id = m.k AND m.v < l.link_id * 100")[0].result
        #expect(q.columns[0][0] == .int(Int64(rows.filter { $0.k >= 1 && $0.k <= 3 && $0.v < $0.k * 100 }.count)))
    }

    /// EXPLAIN never runs the statement: a cross join whose result would have 10^12 rows
    /// explains at once (run, it would not finish).
    @Test func explainOfAnEnormousCrossJoinDoesNotRunIt() throws {
        _ = try runner.engine.execute("CREATE TABLE big (x BIGINT)")
        try runner.load("big", (0..<10_000).map(String.init))
        let plan = try runner.engine.execute("""
            EXPLAIN SELECT count(*) FROM (SELECT * FROM big a CROSS JOIN big b CROSS JOIN big c) t WHERE t.x > 0
            """)[0].result
        let lines = plan.columns[0].map { if case .string(let s) = $0 { return s } else { return "" } }
        #expect(lines.filter { $0.contains("Join CROSS") }.count == 2)
        #expect(lines.contains { $0.contains("filter: a.x > 0") })
    }

    /// EXPLAIN ANALYZE runs the statement: the top operator's rows are the result's, and each
    /// operator's count is the real one.
    @Test(arguments: [
        "SELECT link_id, count(*) AS n FROM clicks WHERE country <> 'FR' GROUP BY link_id HAVING count(*) >= 1 ORDER BY n DESC LIMIT 5",
        "SELECT c.visitor, l.title FROM clicks c LEFT JOIN links l ON c.link_id = l.link_id AND l.title <> 'beta'",
        "WITH d AS (SELECT link_id FROM clicks) SELECT * FROM d x JOIN d y USING (link_id)",
        "SELECT DISTINCT country FROM clicks",
        "SELECT visitor, ts FROM clicks QUALIFY row_number() OVER (PARTITION BY visitor ORDER BY ts) = 1",
        "SELECT country FROM clicks UNION ALL SELECT title FROM links ORDER BY 1 LIMIT 4",
        "SELECT count(*) FROM clicks",
        "SELECT 1 AS one",
    ])
    func explainAnalyzeCountsTheRealRows(_ sql: String) throws {
        let real = try runner.engine.execute(sql)[0].result.rowCount
        let r = try runner.engine.execute("EXPLAIN ANALYZE " + sql)[0].result
        let lines = r.columns[0].map { if case .string(let s) = $0 { return s } else { return "" } }
        #expect(lines.first?.contains("[rows=\(real) time=") == true, "\(lines.first ?? "")")
        #expect(lines.last?.hasPrefix("total: \(real) row") == true)
        // every operator line carries its counters
        for l in lines.dropLast() where !l.hasPrefix(" ") || l.trimmingCharacters(in: .whitespaces).first?.isUppercase == true {
            if l.contains("columns:") || l.contains("filter:") || l.contains("prune:") || l.contains("algorithm:") || l.contains("read ") { continue }
            if l.hasPrefix("CTE ") && !l.hasPrefix("CTE Scan") { continue }
            #expect(l.contains("[rows="), "\(l)")
        }
    }

    @Test func explainAnalyzeScanCountsRowsSegmentsAndBlocks() throws {
        let r = try runner.engine.execute("EXPLAIN ANALYZE SELECT visitor FROM clicks WHERE ts >= '2024-03-02' AND country = 'DE'")[0].result
        let lines = r.columns[0].map { if case .string(let s) = $0 { return s } else { return "" } }
        let scan = try #require(lines.firstIndex { $0.contains("Scan clicks") })
        #expect(lines[scan].contains("[rows=1 "))
        #expect(lines.contains { $0.contains("read 1 of 3 segments, 1 of 3 blocks") }, "\(lines)")
    }
}
