import Testing
@testable import StrataSQL

@Suite struct ExpressionParsingTests {
    @Test func precedenceOrAndNotComparison() throws {
        #expect(try parseExpression("a OR b AND NOT c = d")
                == bin(.or, col("a"), bin(.and, col("b"), not(bin(.eq, col("c"), col("d"))))))
    }

    @Test func arithmeticPrecedenceAndAssociativity() throws {
        #expect(try parseExpression("1 + 2 * 3 - 4 / 5 % 6")
                == bin(.subtract, bin(.add, int(1), bin(.multiply, int(2), int(3))),
                       bin(.modulo, bin(.divide, int(4), int(5)), int(6))))
        #expect(try parseExpression("a - b - c") == bin(.subtract, bin(.subtract, col("a"), col("b")), col("c")))
        #expect(try parseExpression("a - (b - c)") == bin(.subtract, col("a"), bin(.subtract, col("b"), col("c"))))
    }

    @Test func concatBindsBetweenComparisonAndAdditive() throws {
        #expect(try parseExpression("a || b + 1 = c")
                == bin(.eq, bin(.concat, col("a"), bin(.add, col("b"), int(1))), col("c")))
    }

    @Test func unaryMinusAndCasts() throws {
        #expect(try parseExpression("-5") == int(-5))
        #expect(try parseExpression("-9223372036854775808") == int(Int64.min))
        #expect(try parseExpression("9223372036854775808") == dbl(9223372036854775808.0))
        #expect(try parseExpression("-x * 2") == bin(.multiply, neg(col("x")), int(2)))
        #expect(try parseExpression("- -x") == neg(neg(col("x"))))
        #expect(try parseExpression("-5::BIGINT") == neg(Expr(.cast(int(5), .bigint, isTry: false))))
        #expect(try parseExpression("x::date::varchar(10)")
                == Expr(.cast(Expr(.cast(col("x"), .date, isTry: false)), .varchar(length: 10), isTry: false)))
        #expect(try parseExpression("+x") == col("x"))
        #expect(try parseExpression("1.5e3") == dbl(1500))
        #expect(try parseExpression(".5") == dbl(0.5))
        #expect(try parseExpression("-2.5") == dbl(-2.5))
    }

    @Test func comparisonOperatorsNormalise() throws {
        #expect(try parseExpression("a == 1") == bin(.eq, col("a"), int(1)))
        #expect(try parseExpression("a != 1") == bin(.neq, col("a"), int(1)))
        #expect(try parseExpression("a <> 1") == bin(.neq, col("a"), int(1)))
        #expect(try parseExpression("a <= 1 AND b >= 2 AND c < 3 AND d > 4")
                == bin(.and, bin(.and, bin(.and, bin(.le, col("a"), int(1)), bin(.ge, col("b"), int(2))),
                                 bin(.lt, col("c"), int(3))), bin(.gt, col("d"), int(4))))
    }

    @Test func isInBetweenLike() throws {
        #expect(try parseExpression("a IS NULL") == Expr(.isNull(col("a"), negated: false)))
        #expect(try parseExpression("a IS NOT NULL AND b") == bin(.and, Expr(.isNull(col("a"), negated: true)), col("b")))
        #expect(try parseExpression("a IS NOT TRUE") == Expr(.isBoolean(col("a"), value: true, negated: true)))
        #expect(try parseExpression("a NOT IN (1, 'x')") == Expr(.inList(col("a"), [int(1), str("x")], negated: true)))
        #expect(try parseExpression("a BETWEEN 1 AND 2 AND b")
                == bin(.and, Expr(.between(col("a"), low: int(1), high: int(2), negated: false)), col("b")))
        #expect(try parseExpression("a NOT BETWEEN x + 1 AND y")
                == Expr(.between(col("a"), low: bin(.add, col("x"), int(1)), high: col("y"), negated: true)))
        #expect(try parseExpression("u NOT ILIKE '%A%'")
                == Expr(.like(col("u"), pattern: str("%A%"), caseInsensitive: true, negated: true)))
        #expect(try parseExpression("NOT a LIKE 'x'")
                == not(Expr(.like(col("a"), pattern: str("x"), caseInsensitive: false, negated: false))))
        let sub = try parseExpression("x IN (SELECT y FROM t)")
        guard case .inSubquery(let lhs, let q, false) = sub.kind else { Issue.record("not IN subquery"); return }
        #expect(lhs == col("x"))
        #expect(q.sqlText == "SELECT y FROM t")
    }

    @Test func literals() throws {
        #expect(try parseExpression("'it''s'") == str("it's"))
        #expect(try parseExpression("TRUE") == bool(true))
        #expect(try parseExpression("null") == Expr(.literal(.null)))
        #expect(try parseExpression("TIMESTAMP '2024-05-01 00:00:00'") == ts("2024-05-01 00:00:00"))
        #expect(try parseExpression("DATE '2024-05-01'") == Expr(.literal(.date("2024-05-01"))))
        for text in ["INTERVAL '7' DAY", "INTERVAL 7 DAY", "INTERVAL '7 days'", "interval '7 DAYS'", "INTERVAL '7day'"] {
            #expect(try parseExpression(text) == Expr(.literal(.interval(7, .day))), "\(text)")
        }
        #expect(try parseExpression("INTERVAL '-3' hours") == Expr(.literal(.interval(-3, .hour))))
        #expect(try parseExpression("INTERVAL -3 quarter") == Expr(.literal(.interval(-3, .quarter))))
        for unit in IntervalUnit.allCases {
            #expect(try parseExpression("INTERVAL 2 \(unit.rawValue)s") == Expr(.literal(.interval(2, unit))))
        }
        #expect(try parseExpression("ts - INTERVAL 1 HOUR")
                == bin(.subtract, col("ts"), Expr(.literal(.interval(1, .hour)))))
    }

    @Test func identifiersAreCaseInsensitiveUnlessQuoted() throws {
        #expect(try parseExpression("Link_ID") == col("link_id"))
        #expect(try parseExpression("\"Link_ID\"") == col("Link_ID"))
        #expect(try parseExpression("`My Col`") == col("My Col"))
        #expect(try parseExpression("\"a\"\"b\"") == col("a\"b"))
        #expect(try parseExpression("C.Ts") == col("ts", "c"))
        #expect(try parseExpression("COUNT(*)") == countStar())
        #expect(try parseExpression("toStartOfHour(ts)") == fn("tostartofhour", col("ts")))
    }

    @Test func keywordsAsFunctionAndColumnNames() throws {
        #expect(try parseExpression("left(s, 3)") == fn("left", col("s"), int(3)))
        #expect(try parseExpression("right(s, 3)") == fn("right", col("s"), int(3)))
        #expect(try parseExpression("date(ts)") == fn("date", col("ts")))
        #expect(try parseExpression("timestamp(x)") == fn("timestamp", col("x")))
        #expect(try parseExpression("month(ts) + day(ts) + hour(ts)")
                == bin(.add, bin(.add, fn("month", col("ts")), fn("day", col("ts"))), fn("hour", col("ts"))))
        #expect(try parseExpression("date = DATE '2024-01-01'") == bin(.eq, col("date"), Expr(.literal(.date("2024-01-01")))))
        #expect(try parseExpression("interval + 1") == bin(.add, col("interval"), int(1)))
        let s = try core("SELECT extract(hour FROM ts) AS hour, date, month FROM clicks")
        #expect(s.items == [.expr(Expr(.extract(.hour, col("ts"))), alias: "hour"),
                            .expr(col("date"), alias: nil), .expr(col("month"), alias: nil)])
        let s2 = try core("SELECT count(*) day FROM clicks GROUP BY date ORDER BY day")
        #expect(s2.items == [.expr(countStar(), alias: "day")])
        #expect(s2.groupBy == [col("date")])
    }

    @Test func caseCastExtract() throws {
        #expect(try parseExpression("CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' END")
                == Expr(.caseWhen(CaseExpr(operand: col("x"), branches: [
                    CaseBranch(condition: int(1), result: str("a")),
                    CaseBranch(condition: int(2), result: str("b")),
                ]))))
        #expect(try parseExpression("TRY_CAST(s AS BIGINT)") == Expr(.cast(col("s"), .bigint, isTry: true)))
        #expect(try parseExpression("cast(x as text)") == Expr(.cast(col("x"), .varchar(length: nil), isTry: false)))
        for field in DateField.allCases {
            #expect(try parseExpression("EXTRACT(\(field.rawValue.uppercased()) FROM ts)") == Expr(.extract(field, col("ts"))))
        }
        #expect(try parseExpression("extract('dow' from ts)") == Expr(.extract(.dow, col("ts"))))
    }

    @Test func typeSynonyms() throws {
        let cases: [(String, TypeName)] = [
            ("TIMESTAMP", .timestamp), ("DATETIME", .timestamp), ("INTEGER", .integer), ("INT", .integer),
            ("INT4", .integer), ("INT32", .integer), ("BIGINT", .bigint), ("INT8", .bigint), ("INT64", .bigint),
            ("DOUBLE", .double), ("DOUBLE PRECISION", .double), ("FLOAT8", .double), ("FLOAT", .double),
            ("REAL", .double), ("BOOLEAN", .boolean), ("BOOL", .boolean), ("VARCHAR", .varchar(length: nil)),
            ("VARCHAR(20)", .varchar(length: 20)), ("TEXT", .varchar(length: nil)), ("STRING", .varchar(length: nil)),
            ("DATE", .date),
        ]
        for (text, type) in cases {
            #expect(try parseExpression("CAST(x AS \(text))") == Expr(.cast(col("x"), type, isTry: false)), "\(text)")
            #expect(try parseExpression("x::\(text.lowercased())") == Expr(.cast(col("x"), type, isTry: false)), "\(text)")
        }
    }

    @Test func functionCallsAggregatesAndWindows() throws {
        let filtered = try parseExpression("count(*) FILTER (WHERE event = 'click')")
        #expect(filtered == Expr(.function(FunctionCall(name: "count", isStar: true,
                                                       filter: bin(.eq, col("event"), str("click"))))))
        #expect(try parseExpression("f()") == Expr(.function(FunctionCall(name: "f"))))
        let window = try parseExpression(
            "row_number() OVER (PARTITION BY profile_id, day ORDER BY events DESC NULLS LAST, link_id)")
        #expect(window == Expr(.function(FunctionCall(name: "row_number", over: WindowSpec(
            partitionBy: [col("profile_id"), col("day")],
            orderBy: [OrderItem(expr: col("events"), descending: true, nullsFirst: false),
                      OrderItem(expr: col("link_id"))])))))
        let both = try parseExpression("sum(x) FILTER (WHERE y) OVER ()")
        #expect(both == Expr(.function(FunctionCall(name: "sum", args: [col("x")], filter: col("y"), over: WindowSpec()))))
        #expect(try parseExpression("countIf(event = 'click')") == fn("countif", bin(.eq, col("event"), str("click"))))
    }

    @Test func scalarSubquery() throws {
        let e = try parseExpression("(SELECT max(ts) FROM clicks) - INTERVAL 1 DAY")
        guard case .binary(.subtract, let sub, _) = e.kind, case .subquery(let q) = sub.kind else {
            Issue.record("unexpected shape \(e)")
            return
        }
        #expect(q.sqlText == "SELECT max(ts) FROM clicks")
    }

    @Test func rangesAreUTF8ByteOffsets() throws {
        let sql = "SELECT 'é', a + b AS s FROM t"
        let s = try core(sql)
        guard case .expr(let e, _) = s.items[1] else { Issue.record("no expr"); return }
        #expect(e.range == SourceRange(start: 13, end: 18))
        let bytes = Array(sql.utf8)
        #expect(String(decoding: bytes[e.range.start..<e.range.end], as: UTF8.self) == "a + b")
        let p = try parseExpression("  (x)  ")
        #expect(p.range == SourceRange(start: 2, end: 5))
        let f = try parseExpression("sum(CASE WHEN a THEN 1 END) FILTER (WHERE b)")
        #expect(f.range == SourceRange(start: 0, end: 44))
        #expect(s.from?.range == SourceRange(start: 29, end: 30))
    }

    @Test func equalityIgnoresRanges() throws {
        #expect(try parseExpression("a+1") == parseExpression("  a  +  1"))
        #expect(try parseExpression("a+1").hashValue == parseExpression("  a  +  1").hashValue)
        #expect(try parseExpression("a+1") != parseExpression("a+2"))
    }
}

@Suite struct QueryParsingTests {
    @Test func selectClauses() throws {
        let q = try query("""
            SELECT DISTINCT c.*, a AS x, b y, * FROM clicks AS c
            WHERE a > 1 GROUP BY 1, a HAVING count(*) > 2 QUALIFY row_number() OVER (ORDER BY a) = 1
            ORDER BY 2 DESC NULLS FIRST, x ASC LIMIT 10 OFFSET 20;
            """)
        guard case .select(let s) = q.body[0] else { Issue.record("no select"); return }
        #expect(s.distinct)
        #expect(s.items == [.wildcard(table: "c"), .expr(col("a"), alias: "x"), .expr(col("b"), alias: "y"), .wildcard(table: nil)])
        #expect(s.from == TableRef(kind: .table(name: "clicks", final: false), alias: "c"))
        #expect(s.whereClause == bin(.gt, col("a"), int(1)))
        #expect(s.groupBy == [int(1), col("a")])
        #expect(s.having == bin(.gt, countStar(), int(2)))
        #expect(s.qualify != nil)
        #expect(q.orderBy == [OrderItem(expr: int(2), descending: true, nullsFirst: true), OrderItem(expr: col("x"))])
        #expect(q.limit == 10)
        #expect(q.offset == 20)
    }

    @Test func selectWithoutFromAndFinal() throws {
        #expect(try core("SELECT 1 + 1") == Select(items: [.expr(bin(.add, int(1), int(1)), alias: nil)]))
        #expect(try core("SELECT * FROM clicks FINAL").from == TableRef(kind: .table(name: "clicks", final: true)))
        #expect(try core("SELECT * FROM clicks AS c FINAL").from == TableRef(kind: .table(name: "clicks", final: true), alias: "c"))
        #expect(try core("SELECT * FROM clicks c").from == TableRef(kind: .table(name: "clicks", final: false), alias: "c"))
    }

    @Test func cteSubqueryUnionAll() throws {
        let q = try query("""
            WITH daily AS (SELECT CAST(ts AS DATE) AS d, count(*) AS n FROM clicks GROUP BY d),
                 top AS (SELECT * FROM daily ORDER BY n DESC LIMIT 3)
            SELECT d, n FROM top
            UNION ALL
            SELECT d, n FROM (SELECT d, n FROM daily WHERE n > 0) AS s
            UNION ALL
            (SELECT NULL, 0 ORDER BY 1 LIMIT 1)
            UNION ALL (SELECT 1, 2)
            ORDER BY 1 LIMIT 5
            """)
        #expect(q.ctes.map(\.name) == ["daily", "top"])
        #expect(q.ctes[1].query.limit == 3)
        #expect(q.body.count == 4)
        guard case .select(let second) = q.body[1], case .subquery(let sub) = second.from?.kind else {
            Issue.record("second term should select from a subquery")
            return
        }
        #expect(second.from?.alias == "s")
        #expect(sub.sqlText == "SELECT d, n FROM daily WHERE n > 0")
        guard case .query(let third) = q.body[2] else { Issue.record("third term should be a nested query"); return }
        #expect(third.limit == 1)
        guard case .select = q.body[3] else { Issue.record("a plain parenthesised select is flattened"); return }
        #expect(q.limit == 5)
        #expect(try query(q.sqlText) == q)
    }

    @Test func parenthesisedTopLevelQuery() throws {
        #expect(try query("((SELECT 1))") == query("SELECT 1"))
        let q = try query("(SELECT a FROM t) ORDER BY a")
        #expect(q.body == [.select(Select(items: [.expr(col("a"), alias: nil)],
                                          from: TableRef(kind: .table(name: "t", final: false))))])
        #expect(q.orderBy == [OrderItem(expr: col("a"))])
    }

    @Test func commentsAndWhitespace() throws {
        let q = try query("/* head */ SELECT -- trailing\n a /* mid */ FROM t -- end")
        #expect(q.sqlText == "SELECT a FROM t")
    }
}

@Suite struct StatementParsingTests {
    @Test func createTableFull() throws {
        let st = try parseStatement("""
            CREATE TABLE IF NOT EXISTS clicks (
                ts TIMESTAMP NOT NULL,
                profile_id BIGINT NOT NULL,
                link_id INT,
                event VARCHAR(16) NOT NULL,
                revenue DOUBLE,
                is_bot BOOLEAN,
                day DATE,
                "Title" TEXT NULL
            )
            PARTITION BY day(ts)
            ORDER BY (profile_id, ts)
            WITH (compression = 'zstd', level = 3, ratio = 0.5, offset = -2, dedup = true, codec = lz4,
                  dedup_key = (visitor_id, ts))
            """)
        let expected = CreateTable(
            name: "clicks", ifNotExists: true,
            columns: [
                ColumnDefinition(name: "ts", type: .timestamp, notNull: true),
                ColumnDefinition(name: "profile_id", type: .bigint, notNull: true),
                ColumnDefinition(name: "link_id", type: .integer),
                ColumnDefinition(name: "event", type: .varchar(length: 16), notNull: true),
                ColumnDefinition(name: "revenue", type: .double),
                ColumnDefinition(name: "is_bot", type: .boolean),
                ColumnDefinition(name: "day", type: .date),
                ColumnDefinition(name: "Title", type: .varchar(length: nil)),
            ],
            partitionBy: PartitionSpec(granularity: .day, column: "ts"),
            orderBy: ["profile_id", "ts"],
            options: [
                TableOption(key: "compression", value: .string("zstd")),
                TableOption(key: "level", value: .integer(3)),
                TableOption(key: "ratio", value: .double(0.5)),
                TableOption(key: "offset", value: .integer(-2)),
                TableOption(key: "dedup", value: .boolean(true)),
                TableOption(key: "codec", value: .identifier("lz4")),
                TableOption(key: "dedup_key", value: .identifierList(["visitor_id", "ts"])),
            ])
        #expect(st == .createTable(expected))
        #expect(expected.option("level") == .integer(3))
        #expect(expected.option("missing") == nil)
        #expect(try parseStatement(st.sqlText) == st)
        #expect(st.sqlText == """
            CREATE TABLE IF NOT EXISTS clicks (ts TIMESTAMP NOT NULL, profile_id BIGINT NOT NULL, link_id INTEGER, \
            event VARCHAR(16) NOT NULL, revenue DOUBLE, is_bot BOOLEAN, day DATE, "Title" VARCHAR) \
            PARTITION BY day(ts) ORDER BY (profile_id, ts) WITH (compression = 'zstd', level = 3, ratio = 0.5, \
            "offset" = -2, dedup = TRUE, codec = lz4, dedup_key = (visitor_id, ts))
            """)
    }

    @Test func createTableMinimalAndSingleOrderColumn() throws {
        let st = try parseStatement("create table t (a int, b string) order by a partition by hour(a)")
        #expect(st == .createTable(CreateTable(
            name: "t", columns: [ColumnDefinition(name: "a", type: .integer), ColumnDefinition(name: "b", type: .varchar(length: nil))],
            partitionBy: PartitionSpec(granularity: .hour, column: "a"), orderBy: ["a"])))
        #expect(try parseStatement("CREATE TABLE m (ts DATETIME) PARTITION BY month(ts)")
                == .createTable(CreateTable(name: "m", columns: [ColumnDefinition(name: "ts", type: .timestamp)],
                                            partitionBy: PartitionSpec(granularity: .month, column: "ts"))))
    }

    @Test func otherStatements() throws {
        #expect(try parseStatement("DROP TABLE clicks") == .dropTable(name: "clicks", ifExists: false))
        #expect(try parseStatement("drop table if exists Clicks;") == .dropTable(name: "clicks", ifExists: true))
        #expect(try parseStatement("SHOW TABLES") == .showTables)
        #expect(try parseStatement("DESCRIBE clicks") == .describe(table: "clicks"))
        #expect(try parseStatement("DESC clicks") == .describe(table: "clicks"))
        #expect(try parseStatement("DESCRIBE TABLE clicks") == .describe(table: "clicks"))
        #expect(try parseStatement("SET timezone = 'Europe/Berlin'") == .set(name: "timezone", value: .string("Europe/Berlin")))
        #expect(try parseStatement("SET threads TO 4") == .set(name: "threads", value: .integer(4)))
        #expect(try parseStatement("set x = off") == .set(name: "x", value: .identifier("off")))
        #expect(try parseStatement("DELETE FROM clicks") == .delete(table: "clicks", predicate: nil))
        #expect(try parseStatement("DELETE FROM clicks WHERE ts < TIMESTAMP '2024-01-01 00:00:00'")
                == .delete(table: "clicks", predicate: bin(.lt, col("ts"), ts("2024-01-01 00:00:00"))))
        let explain = try parseStatement("EXPLAIN SELECT count(*) FROM clicks")
        #expect(explain == .explain(try query("SELECT count(*) FROM clicks")))
        for st in [explain, .showTables, .describe(table: "clicks"), .dropTable(name: "x", ifExists: true),
                   .set(name: "timezone", value: .string("UTC")), .delete(table: "t", predicate: bin(.eq, col("a"), int(1)))] {
            #expect(try parseStatement(st.sqlText) == st, "\(st.sqlText)")
        }
    }

    @Test func scripts() throws {
        let script = try parseScript("""
            CREATE TABLE t (a INT);;
            -- comment only statement follows
            ;
            SELECT a FROM t; SHOW TABLES
            """)
        #expect(script.count == 3)
        #expect(script[1] == .query(try query("SELECT a FROM t")))
        #expect(script[2] == .showTables)
        #expect(try parseScript("") == [])
        #expect(try parseScript(" ; -- nothing\n ;") == [])
        let located = try parseScriptLocated("SELECT 1;  SHOW TABLES ;")
        #expect(located.map(\.range) == [SourceRange(start: 0, end: 8), SourceRange(start: 11, end: 22)])
        #expect(try parseStatement(";SELECT 1;;") == .query(try query("SELECT 1")))
    }
}
