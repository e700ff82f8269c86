import Testing
@testable import StrataSQL

@Suite struct BenchmarkQueryTests {
    @Test(arguments: benchmarkQueries.map(\.name))
    func benchmarkQueryParsesAndRoundTrips(name: String) throws {
        let sql = try #require(benchmarkQueries.first { $0.name == name }).sql
        let q = try query(sql)
        #expect(q.body.count == 1)
        #expect(q.ctes.isEmpty)
        guard case .select(let s) = q.body[0] else {
            Issue.record("expected a select core")
            return
        }
        #expect(s.from == TableRef(kind: .table(name: "clicks", final: false)))
        #expect(!q.orderBy.isEmpty)
        // Canonical text re-parses to the same tree.
        let printed = q.sqlText
        #expect(try query(printed) == q)
        // Printing is a fixed point.
        #expect(try query(printed).sqlText == printed)
    }

    @Test func allEighteenArePresent() {
        #expect(benchmarkQueries.count == 18)
        #expect(Set(benchmarkQueries.map(\.name)).count == 18)
    }

    @Test func q01Structure() throws {
        let q = try query(benchmarkQueries[0].sql)
        #expect(q == Query(select: Select(items: [.expr(countStar(), alias: "events")],
                                          from: TableRef(kind: .table(name: "clicks", final: false))),
                           orderBy: [OrderItem(expr: col("events"))]))
    }

    @Test func q03Structure() throws {
        let s = try core(benchmarkQueries[2].sql)
        #expect(s.items[0] == .expr(Expr(.cast(col("ts"), .date, isTry: false)), alias: "event_date"))
        let expectedWhere = bin(.and,
                                bin(.and,
                                    bin(.and, bin(.eq, col("profile_id"), int(654)), bin(.eq, col("event"), str("click"))),
                                    bin(.ge, col("ts"), ts("2024-03-01 00:00:00"))),
                                bin(.lt, col("ts"), ts("2024-04-01 00:00:00")))
        #expect(s.whereClause == expectedWhere)
        #expect(s.groupBy == [col("event_date"), col("link_id")])
    }

    @Test func q05Structure() throws {
        let q = try query(benchmarkQueries[4].sql)
        guard case .select(let s) = q.body[0] else { Issue.record("no select"); return }
        let views = fn("sum", Expr(.caseWhen(CaseExpr(
            branches: [CaseBranch(condition: bin(.eq, col("event"), str("view")), result: int(1))],
            elseResult: int(0)))))
        #expect(s.items[1] == .expr(views, alias: "views"))
        #expect(s.having == bin(.ge, views, int(1000)))
        #expect(q.orderBy == [OrderItem(expr: col("ctr"), descending: true), OrderItem(expr: col("profile_id"))])
        #expect(q.limit == 50)
        #expect(q.offset == nil)
        #expect(views.sqlText == "sum(CASE WHEN event = 'view' THEN 1 ELSE 0 END)")
    }

    @Test func q04DistinctCount() throws {
        let s = try core(benchmarkQueries[3].sql)
        #expect(s.items[3] == .expr(fn("count", col("visitor_id"), distinct: true), alias: "visitors"))
    }

    @Test func q11ExtractAndQ17InList() throws {
        let s11 = try core(benchmarkQueries[10].sql)
        #expect(s11.items[0] == .expr(Expr(.extract(.hour, col("ts"))), alias: "hour_of_day"))
        let s17 = try core(benchmarkQueries[16].sql)
        #expect(s17.whereClause == Expr(.inList(col("profile_id"), [int(654), int(1723), int(1992)], negated: false)))
        #expect(s17.items[0] == .expr(fn("date_trunc", str("week"), col("ts")), alias: "event_week"))
    }

    @Test func q14LikeAndQ16Parenthesised() throws {
        let s14 = try core(benchmarkQueries[13].sql)
        #expect(s14.whereClause == bin(.and, bin(.eq, col("event"), str("click")),
                                       Expr(.like(col("link_url"), pattern: str("%spotify%"),
                                                  caseInsensitive: false, negated: false))))
        let s16 = try core(benchmarkQueries[15].sql)
        guard case .expr(let growth, let alias) = s16.items[3] else { Issue.record("no item"); return }
        #expect(alias == "growth")
        guard case .binary(.divide, let numerator, _) = growth.kind else { Issue.record("not a division"); return }
        guard case .binary(.subtract, _, _) = numerator.kind else { Issue.record("not a subtraction"); return }
    }
}
