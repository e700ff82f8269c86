import Foundation
import Testing
import StrataSQL
@testable import StrataQuery

/// Issue 16's grouping sets and aggregates where the conformance files cannot reach: parser
/// expansion and printing, EXPLAIN, the parallel path over several segments, and accumulators
/// alone (merge stability, the funnel's chain rule).
@Suite struct GroupingAggregateTests {
    func select(_ sql: String) throws -> Select {
        guard case .query(let q) = try parseStatement(sql), case .select(let s) = q.body[0] else { throw QueryError("not a select") }
        return s
    }

    @Test func rollupCubeAndPlainKeysMultiplyTheirSets() throws {
        let s = try select("SELECT 1 FROM t GROUP BY a, ROLLUP (b, c)")
        #expect(s.groupBy.map(\.sqlText) == ["a", "b", "c"])
        #expect(s.groupingSets == [[0, 1, 2], [0, 1], [0]])
        let c = try select("SELECT 1 FROM t GROUP BY CUBE (a, b)")
        #expect(c.groupingSets == [[0, 1], [0], [1], []])
        let g = try select("SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), b, ())")
        #expect(g.groupingSets == [[0, 1], [1], []])
        let p = try select("SELECT 1 FROM t GROUP BY a, b")
        #expect(p.groupingSets == nil)
        #expect(try select("SELECT a FROM t GROUP BY ALL").groupByAll)
    }

    @Test(arguments: [
        "SELECT a, count(*) FROM t GROUP BY GROUPING SETS ((a, b), (a), ())",
        "SELECT a FROM t GROUP BY ALL",
        "SELECT topK(3)(x), windowFunnel(60)(ts, e = 'a', e = 'b') FROM t",
        "SELECT string_agg(DISTINCT x, ',' ORDER BY x DESC NULLS FIRST) FROM t",
        "SELECT count(DISTINCT (a, b)) FROM t",
    ])
    func newSyntaxRoundTrips(_ sql: String) throws {
        let q = try parseQuery(sql)
        #expect(try parseQuery(q.sqlText) == q)
    }

    @Test func explainShowsTheGroupingSets() throws {
        let runner = try SQLLogicRunner()
        _ = try runner.engine.execute("CREATE TABLE s (ts TIMESTAMP, country VARCHAR, source VARCHAR) PARTITION BY day(ts)")
        let plan = try runner.engine.execute("EXPLAIN SELECT country, source, grouping(country, source), count(*) FROM s GROUP BY ROLLUP (country, source)")[0].result
        let lines = plan.columns[0].map { if case .string(let s) = $0 { return s } else { return "" } }
        #expect(lines.contains { $0.contains("Aggregate by grouping sets (country, source), (country), (): grouping(country, source), count_star()") })
    }

    /// Several segments and two threads: each set's partials merge across workers; the result
    /// equals the union of plain GROUP BYs of each set. With count(DISTINCT) every set is fed
    /// from the rows; without, the coarser sets are re-aggregated from the finest.
    @Test(arguments: [
        "count(*), sum(x), count(DISTINCT b), stddev(x), quantile_disc(x, 0.5), string_agg(DISTINCT b, ',' ORDER BY b)",
        "count(*), sum(x), avg(x), min(b), max(x), stddev(x), corr(x, x * x), quantile_disc(x, 0.5), median(x), bool_or(x > 7), string_agg(DISTINCT b, ',' ORDER BY b), approx_count_distinct(b)",
    ])
    func groupingSetsOverSegmentsEqualTheUnionOfPlainGroupBys(_ aggs: String) throws {
        let runner = try SQLLogicRunner()
        _ = try runner.engine.execute("CREATE TABLE s (ts TIMESTAMP, a BIGINT, b VARCHAR, x DOUBLE) PARTITION BY day(ts)")
        for seg in 0..<3 {
            try runner.load("s", (0..<500).map { i in
                let k = seg * 500 + i
                return "2024-03-0\(seg + 1) 10:00:00|\(k % 7 == 0 ? "NULL" : String(k % 5))|\(["p", "q", "r", "NULL"][k % 4])|\(Double(k % 13) - 4.5)"
            })
        }
        func rows(_ sql: String) throws -> [String] {
            let r = try runner.engine.execute(sql)[0].result
            return (0..<r.rowCount).map { i in r.columns.map { SQLLogicRunner.cell($0[i]) }.joined(separator: "|") }.sorted()
        }
        let rolled = try rows("SELECT a, b, \(aggs) FROM s GROUP BY ROLLUP (a, b)")
        let union = try rows("SELECT a, b, \(aggs) FROM s GROUP BY a, b")
            + rows("SELECT a, NULL, \(aggs) FROM s GROUP BY a")
            + rows("SELECT NULL, NULL, \(aggs) FROM s")
        #expect(rolled == union.sorted())
        #expect(rolled.count == 6 * 4 + 6 + 1)
    }

    /// Welford updates and Chan merges keep the variance of values near 1e9 exact where the
    /// naive sum of squares loses every digit.
    @Test func momentsStayStableForLargeOffsetsAcrossMerges() throws {
        let spec = AggSpec(kind: .moment(.varSamp), args: [.column(0, .double)], filter: nil, type: .double)
        let keys = KeyEncoder(interner: StringInterner())
        func acc(_ xs: [Double]) -> any Accumulator {
            let a = makeAccumulator(spec, singleGroup: true)
            a.grow(1)
            let v = Vec(type: .double, count: xs.count)
            v.dbls = xs
            a.update([Int32](repeating: 0, count: xs.count), [v], nil, keys)
            return a
        }
        let a = acc([1e9 + 4, 1e9 + 7]), b = acc([1e9 + 13, 1e9 + 16])
        a.merge(b, [0])
        let r = try a.finish(1, emptyInput: false, interner: keys.interner, threads: 1)
        #expect(r.value(0) == .double(30))  // values 4, 7, 13, 16: mean 10, squares 36+9+9+36 = 90, /3
    }

    @Test func windowFunnelFollowsTheChainOfTheLatestStart() {
        func level(_ ev: [(Int64, Int64)], window: Int64 = 10) -> Int64 {
            WindowFunnelAccumulator.level(ev.flatMap { [$0.0, $0.1] }, steps: 3, window: window)
        }
        #expect(level([]) == 0)
        #expect(level([(5, 1), (6, 2)]) == 0)             // no first step
        #expect(level([(0, 0), (5, 1), (12, 2)]) == 2)     // third step out of the window
        #expect(level([(0, 0), (8, 0), (12, 1), (15, 2)]) == 3)  // the later start reaches
        #expect(level([(3, 0), (3, 1), (3, 2)]) == 3)      // one instant, steps in order
        #expect(level([(5, 1), (5, 0)]) == 2)              // same time: sorted by step
        #expect(level([(0, 0), (10, 1), (10, 2)]) == 3)    // the window is inclusive
    }

    @Test func quantileDiscRankIsDuckDBs() {
        #expect(QuantileDiscAccumulator.rank(0.5, 4) == 1)
        #expect(QuantileDiscAccumulator.rank(0.5, 3) == 1)
        #expect(QuantileDiscAccumulator.rank(0.0, 5) == 0)
        #expect(QuantileDiscAccumulator.rank(1.0, 5) == 4)
        #expect(QuantileDiscAccumulator.rank(0.25, 8) == 1)
    }
}
