import Testing
@testable import StrataSQL

@Suite struct PrinterTests {
    /// (input, canonical sqlText)
    static let canonical: [(String, String)] = [
        ("COUNT(*)", "count(*)"),
        ("Count(Distinct Visitor_Id)", "count(DISTINCT visitor_id)"),
        ("sum(case when event='view' then 1 else 0 end)", "sum(CASE WHEN event = 'view' THEN 1 ELSE 0 END)"),
        ("a OR b AND NOT c = d", "a OR b AND NOT c = d"),
        ("(a OR b) AND c", "(a OR b) AND c"),
        ("NOT (a AND b)", "NOT (a AND b)"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("(a + b) * c", "(a + b) * c"),
        ("a * (b / c)", "a * (b / c)"),
        ("-(a + b)", "-(a + b)"),
        ("- -x", "-(-x)"),
        ("-(5)", "-(5)"),
        ("a - -5", "a - -5"),
        ("a==b", "a = b"),
        ("a != b", "a <> b"),
        ("x::date", "CAST(x AS DATE)"),
        ("try_cast(x AS varchar(3))", "TRY_CAST(x AS VARCHAR(3))"),
        ("extract(hour from ts)", "EXTRACT(HOUR FROM ts)"),
        ("date_trunc('hour', ts)", "date_trunc('hour', ts)"),
        ("toStartOfHour(ts)", "tostartofhour(ts)"),
        ("\"Mixed\"(x)", "\"Mixed\"(x)"),
        ("\"cast\"(x)", "\"cast\"(x)"),
        ("t.\"Col Name\"", "t.\"Col Name\""),
        ("\"select\"", "\"select\""),
        ("\"interval\" - 5", "\"interval\" - 5"),
        ("'it''s'", "'it''s'"),
        ("timestamp '2024-05-01 00:00:00'", "TIMESTAMP '2024-05-01 00:00:00'"),
        ("datetime '2024-05-01 00:00:00'", "TIMESTAMP '2024-05-01 00:00:00'"),
        ("date '2024-05-01'", "DATE '2024-05-01'"),
        ("INTERVAL '7 days'", "INTERVAL '7' DAY"),
        ("interval 1 hour", "INTERVAL '1' HOUR"),
        ("1.50", "1.5"),
        ("1e3", "1000.0"),
        ("true AND null", "TRUE AND NULL"),
        ("a is not null", "a IS NOT NULL"),
        ("a not in (1,2)", "a NOT IN (1, 2)"),
        ("a not between 1 and 2", "a NOT BETWEEN 1 AND 2"),
        ("a between (1 = 1) and 2", "a BETWEEN (1 = 1) AND 2"),
        ("u ilike 'x%'", "u ILIKE 'x%'"),
        ("(a = b) = c", "a = b = c"),
        ("a = (b = c)", "a = (b = c)"),
        ("(NOT a) IS NULL", "(NOT a) IS NULL"),
        ("a || 'x' || b", "a || 'x' || b"),
        ("case x when 1 then 'a' end", "CASE x WHEN 1 THEN 'a' END"),
        ("count(*) filter (where a > 1)", "count(*) FILTER (WHERE a > 1)"),
        ("rank() over (partition by a order by b desc nulls first)",
         "rank() OVER (PARTITION BY a ORDER BY b DESC NULLS FIRST)"),
        ("lag(x) over (order by ts)", "lag(x) OVER (ORDER BY ts)"),
        ("(select max(ts) from clicks)", "(SELECT max(ts) FROM clicks)"),
        ("x in (select y from t where z)", "x IN (SELECT y FROM t WHERE z)"),
    ]

    @Test func canonicalTextAndRoundTrip() throws {
        for (input, expected) in Self.canonical {
            let e = try parseExpression(input)
            #expect(e.sqlText == expected, "\(input)")
            #expect(try parseExpression(e.sqlText) == e, "\(input)")
        }
    }

    @Test func queryText() throws {
        let q = try query("""
            with a as (select * from t) select distinct x, y as "Y" from a as b final
            where x > 1 group by 1 having count(*) > 1 qualify rank() over (order by x) = 1
            union all (select 1, 2 order by 1 limit 1) order by 1 desc limit 3 offset 4
            """)
        #expect(q.sqlText == """
            WITH a AS (SELECT * FROM t) SELECT DISTINCT x, y AS "Y" FROM a AS b FINAL WHERE x > 1 GROUP BY 1 \
            HAVING count(*) > 1 QUALIFY rank() OVER (ORDER BY x) = 1 UNION ALL (SELECT 1, 2 ORDER BY 1 LIMIT 1) \
            ORDER BY 1 DESC LIMIT 3 OFFSET 4
            """)
        #expect(try query(q.sqlText) == q)
    }

    @Test func joinText() throws {
        let q = try query("""
            select * from a x inner join (select k from b) as y on x.k = y.k and y.v > 1
            left outer join c using (k, "D") cross join d
            """)
        #expect(q.sqlText == """
            SELECT * FROM a AS x JOIN (SELECT k FROM b) AS y ON x.k = y.k AND y.v > 1 \
            LEFT JOIN c USING (k, "D") CROSS JOIN d
            """)
        #expect(try query(q.sqlText) == q)
        guard case .select(let s) = q.body[0], case .join(let outer) = s.from?.kind, case .join(let mid) = outer.left.kind,
              case .join(let inner) = mid.left.kind else {
            Issue.record("joins should nest to the left")
            return
        }
        #expect(outer.kind == .cross && mid.kind == .left && inner.kind == .inner)
        #expect(mid.using == ["k", "D"] && inner.right.alias == "y")
    }

    @Test func synthesizedLiteralsPrintSafely() throws {
        #expect(Literal.double(.infinity).sqlText == "CAST('inf' AS DOUBLE)")
        #expect(Literal.double(-.infinity).sqlText == "CAST('-inf' AS DOUBLE)")
        #expect(Literal.double(.nan).sqlText == "CAST('nan' AS DOUBLE)")
        #expect(neg(int(-3)).sqlText == "-(-3)")
        #expect(try parseExpression(neg(int(-3)).sqlText) == neg(int(-3)))
        #expect(quoteIdentifier("a b") == "\"a b\"")
        #expect(quoteIdentifier("x\"y") == "\"x\"\"y\"")
        #expect(quoteIdentifier("_ok1$") == "_ok1$")
        #expect(quoteIdentifier("1a") == "\"1a\"")
        #expect(quoteIdentifier("") == "\"\"")
    }

    // MARK: Random expression round trips

    static let names = ["a", "b", "ts", "date", "day", "hour", "left", "Mixed", "select", "from", "interval",
                        "nulls", "final", "x y", "q\"t", "é", "_1", "true", "filter", "over", "timestamp"]
    static let functions = ["sum", "count", "date_trunc", "tostartofhour", "left", "date", "cast", "extract",
                            "Upper", "interval", "if", "filter", "coalesce"]

    struct Generator {
        var rng: SplitMix64

        mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

        mutating func literal() -> Literal {
            switch int(9) {
            case 0: return .null
            case 1: return .boolean(chance(50))
            case 2: return .integer(Int64(bitPattern: rng.next()) >> UInt64(int(64)))
            case 3:
                let d = Double(bitPattern: rng.next())
                return .double(d.isFinite ? d : Double(int(1000)) / 8)
            case 4: return .string(pick(["", "it's", "a''b", "é ü", "--x", "/*", "\"q\""]))
            case 5: return .timestamp("2024-05-0\(int(9) + 1) 12:00:00")
            case 6: return .date("2024-0\(int(9) + 1)-01")
            case 7: return .interval(Int64(int(100)) - 50, pick(IntervalUnit.allCases))
            default: return .double(Double(int(10_000)) / 100)
            }
        }

        mutating func expr(_ depth: Int) -> Expr {
            if depth <= 0 || chance(20) {
                return chance(50)
                    ? Expr(.column(table: chance(20) ? pick(PrinterTests.names) : nil, name: pick(PrinterTests.names)))
                    : Expr(.literal(literal()))
            }
            let d = depth - 1
            switch int(14) {
            case 0: return Expr(.unary(chance(50) ? .not : .negate, expr(d)))
            case 1, 2: return Expr(.binary(pick(BinaryOp.allCases), expr(d), expr(d)))
            case 3: return Expr(.isNull(expr(d), negated: chance(50)))
            case 4: return Expr(.isBoolean(expr(d), value: chance(50), negated: chance(50)))
            case 5: return Expr(.inList(expr(d), (0...int(3)).map { _ in expr(d) }, negated: chance(50)))
            case 6: return Expr(.between(expr(d), low: expr(d), high: expr(d), negated: chance(50)))
            case 7: return Expr(.like(expr(d), pattern: expr(d), caseInsensitive: chance(50), negated: chance(50)))
            case 8:
                let branches = (0...int(2)).map { _ in CaseBranch(condition: expr(d), result: expr(d)) }
                return Expr(.caseWhen(CaseExpr(operand: chance(40) ? expr(d) : nil, branches: branches,
                                               elseResult: chance(50) ? expr(d) : nil)))
            case 9:
                let types: [TypeName] = [.timestamp, .integer, .bigint, .double, .boolean, .varchar(length: nil),
                                         .varchar(length: 8), .date]
                return Expr(.cast(expr(d), pick(types), isTry: chance(30)))
            case 10: return Expr(.extract(pick(DateField.allCases), expr(d)))
            case 11:
                var f = FunctionCall(name: pick(PrinterTests.functions))
                if chance(15) {
                    f.isStar = true
                } else {
                    f.args = (0..<int(4)).map { _ in expr(d) }
                    f.distinct = !f.args.isEmpty && chance(20)
                }
                if chance(20) { f.filter = expr(d) }
                if chance(20) {
                    f.over = WindowSpec(partitionBy: (0..<int(3)).map { _ in expr(d) },
                                        orderBy: (0..<int(3)).map { _ in
                                            OrderItem(expr: expr(d), descending: chance(50),
                                                      nullsFirst: chance(50) ? chance(50) : nil)
                                        })
                }
                return Expr(.function(f))
            case 12:
                let s = Select(items: [.expr(expr(d), alias: chance(50) ? pick(PrinterTests.names) : nil)],
                               from: TableRef(kind: .table(name: pick(PrinterTests.names), final: chance(20))),
                               whereClause: chance(50) ? expr(d) : nil)
                let q = Query(select: s, limit: chance(30) ? Int64(int(10)) : nil)
                return chance(50) ? Expr(.subquery(q)) : Expr(.inSubquery(expr(d), q, negated: chance(50)))
            default:
                return Expr(.literal(literal()))
            }
        }
    }

    @Test func randomExpressionsRoundTrip() throws {
        for seed in UInt64(0)..<3000 {
            var g = Generator(rng: SplitMix64(seed: seed))
            let e = g.expr(5)
            let text = e.sqlText
            do {
                let reparsed = try parseExpression(text)
                #expect(reparsed == e, "seed \(seed): \(text)")
                #expect(reparsed.sqlText == text, "seed \(seed)")
            } catch {
                Issue.record("seed \(seed): \(text) failed: \(error)")
            }
        }
    }

    @Test func randomSelectStatementsRoundTrip() throws {
        for seed in UInt64(0)..<500 {
            var g = Generator(rng: SplitMix64(seed: seed &+ 1_000_000))
            var s = Select(distinct: g.chance(20), items: [])
            for _ in 0...g.int(3) {
                s.items.append(g.chance(10) ? .wildcard(table: g.chance(50) ? g.pick(Self.names) : nil)
                                            : .expr(g.expr(3), alias: g.chance(50) ? g.pick(Self.names) : nil))
            }
            if g.chance(80) {
                s.from = TableRef(kind: .table(name: g.pick(Self.names), final: g.chance(20)),
                                  alias: g.chance(30) ? g.pick(Self.names) : nil)
            }
            if g.chance(50) { s.whereClause = g.expr(3) }
            if g.chance(50) { s.groupBy = (0...g.int(2)).map { _ in g.expr(2) } }
            if g.chance(30) { s.having = g.expr(3) }
            if g.chance(20) { s.qualify = g.expr(3) }
            let q = Query(ctes: g.chance(30) ? [CommonTableExpression(name: g.pick(Self.names), query: Query(select: s))] : [],
                          body: g.chance(30) ? [.select(s), .select(s)] : [.select(s)],
                          orderBy: g.chance(50) ? [OrderItem(expr: g.expr(2), descending: g.chance(50))] : [],
                          limit: g.chance(40) ? Int64(g.int(100)) : nil,
                          offset: g.chance(20) ? Int64(g.int(100)) : nil)
            let statement = Statement.query(q)
            let text = statement.sqlText
            do {
                #expect(try parseStatement(text) == statement, "seed \(seed): \(text)")
            } catch {
                Issue.record("seed \(seed): \(text) failed: \(error)")
            }
        }
    }
}
