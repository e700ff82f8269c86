import StrataTestSupport
import Testing
@testable import StrataSQL

@Suite struct ErrorMessageTests {
    /// (sql, exact message, byte offset)
    static let cases: [(String, String, Int)] = [
        ("SELECT a FORM clicks", "expected FROM, found 'FORM'", 9),
        ("SELECT * FORM clicks", "expected FROM, found 'FORM'", 9),
        ("SELECT a FROM clicks WEHRE a = 1", "expected WHERE, found 'WEHRE'", 21),
        ("SELECT a FROM clicks GROPU BY a", "expected GROUP, found 'GROPU'", 21),
        ("SELECT a FROM clicks c ODER BY a", "expected ORDER, found 'ODER'", 23),
        ("SELECT a FROM clicks LIMT 5", "expected LIMIT, found 'LIMT'", 21),
        ("SELECT", "expected expression, found end of input", 6),
        ("SELECT 'abc", "unterminated string literal", 7),
        ("SELECT \"abc", "unterminated quoted identifier", 7),
        ("SELECT a FROM t)", "unexpected ')'", 15),
        ("CREATE TABLE t (a STRNG)",
         "expected a type name (TIMESTAMP, INTEGER, BIGINT, DOUBLE, BOOLEAN, VARCHAR, DATE), found 'STRNG'", 18),
        ("SELECT (1", "expected ')', found end of input", 9),
        ("SELECT * FROM t1, t2", "comma joins are not supported; write JOIN ... ON (or CROSS JOIN)", 16),
        ("SELECT * FROM t LEFT JOIN u", "expected ON or USING, found end of input", 27),
        ("SELECT * FROM t RIGHT JOIN u ON t.k = u.k", "RIGHT JOIN is not supported; swap the two tables and use LEFT JOIN", 16),
        ("SELECT * FROM t NATURAL JOIN u", "NATURAL JOIN is not supported; use [INNER] JOIN or LEFT JOIN", 16),
        ("SELECT * FROM t JOIN u USING ()", "expected column name, found ')'", 30),
        ("SELECT 1 INTERSECT BY NAME SELECT 2", "BY NAME applies to UNION only", 19),
        ("SELECT EXISTS (1)", "EXISTS needs a subquery: EXISTS (SELECT ...)", 7),
        ("SELECT a FROM t LIMIT 5, 10", "LIMIT with a comma is not supported; use LIMIT n OFFSET m", 23),
        ("SELECT a FROM t LIMIT x", "expected a non-negative integer after LIMIT, found 'x'", 22),
        ("SELECT a b c FROM t", "expected end of statement, found 'c'", 11),
        ("SELEC a", "expected a statement, found 'SELEC' (did you mean SELECT?)", 0),
        ("UPDATE t SET a = 1",
         "expected a statement (SELECT, WITH, CREATE, DROP, SHOW, DESCRIBE, SET, DELETE, EXPLAIN), found 'UPDATE'", 0),
        ("SELECT a FROM t ORDER a", "expected BY, found 'a'", 22),
        ("SELECT CASE END", "expected WHEN, found 'END'", 12),
        ("SELECT CASE WHEN a THEN 1", "expected WHEN, ELSE or END, found end of input", 25),
        ("SELECT CASE WHEN a THEN 1 ELSE 2 WHEN", "expected END, found 'WHEN'", 33),
        ("SELECT a = FROM t", "expected expression, found 'FROM'", 11),
        ("SELECT @a", "unexpected character '@'", 7),
        ("SELECT 1abc", "invalid numeric literal '1abc'", 7),
        ("SELECT a FROM t WHERE a IS 5", "expected NULL, TRUE or FALSE, found '5'", 27),
        ("SELECT \"\" FROM t", "zero-length quoted identifier", 7),
        ("SELECT /* x", "unterminated block comment", 7),
        ("SELECT 1e999", "numeric literal out of range", 7),
        ("SELECT INTERVAL '7' fortnight",
         "expected an interval unit (MICROSECOND, MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR), found 'fortnight'", 20),
        ("SELECT INTERVAL 'x' DAY", "invalid interval literal 'x'", 16),
        ("SELECT extract(foo FROM ts)",
         "expected a date part (YEAR, QUARTER, MONTH, WEEK, DAY, DOW, ISODOW, DOY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, EPOCH), found 'foo'", 15),
        ("CREATE TABLE t (a INT, a INT)", "duplicate column 'a'", 23),
        ("CREATE TABLE t (a INT) ORDER BY b", "unknown column 'b' in ORDER BY", 32),
        ("CREATE TABLE t (a INT) PARTITION BY day(b)", "unknown column 'b' in PARTITION BY", 40),
        ("CREATE TABLE t (a INT) PARTITION BY week(a)",
         "expected hour(column), day(column) or month(column), found 'week'", 36),
        ("CREATE TABLE t (a INT) WITH (x = 1, X = 2)", "duplicate option 'x'", 36),
        ("CREATE TABLE t (a VARCHAR(0))", "expected a positive VARCHAR length, found '0'", 26),
        ("SELECT f(a b)", "expected ')' or ',', found 'b'", 11),
        ("SELECT count(*) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW)", "frame start cannot be UNBOUNDED FOLLOWING", 35),
        ("SELECT count(*) OVER (ROWS 1 FOLLOWING)", "a frame without BETWEEN must start at a preceding or the current row", 27),
        ("SELECT count(*) OVER (ORDER BY x RANGE BETWEEN 1 PRECEDING)", "expected AND, found ')'", 58),
        ("SELECT count(*) OVER 1", "expected '(' or a window name after OVER, found '1'", 21),
        ("SELECT lag(x IGNORE NULLS) FROM t", "IGNORE NULLS needs a window function (OVER ...)", 7),
        ("SELECT 1; SELECT 2 x y", "expected end of statement, found 'y'", 21),
        ("SELECT 1 SELECT 2", "expected end of statement, found 'SELECT'", 9),
        ("DROP clicks", "expected TABLE, found 'clicks'", 5),
        ("SET x 1", "expected '=' or TO, found '1'", 6),
        ("SELECT * FROM main.clicks", "qualified table names are not supported", 18),
        ("WITH RECURSIVE x AS (SELECT 1) SELECT 1", "WITH RECURSIVE is not supported", 5),
        ("SELECT a FROM t ORDER BY a NULLS", "expected FIRST or LAST, found end of input", 32),
        ("SELECT 'x' || ", "expected expression, found end of input", 13),
        ("SELECT a FROM t WHERE a IN ()", "expected expression, found ')'", 28),
        ("SELECT a FROM WHERE a", "expected table name, found 'WHERE'", 14),
    ]

    @Test func exactMessagesAndOffsets() {
        for (sql, message, offset) in Self.cases {
            let error = sqlError { _ = try parseScript(sql) }
            #expect(error == SQLError(message, offset: offset), "\(sql)")
        }
    }

    @Test func parseStatementRejectsSeveralStatements() {
        #expect(sqlError { _ = try parseStatement("SELECT 1; SELECT 2") }
                == SQLError("expected a single statement, found another statement starting with 'SELECT'", offset: 10))
        #expect(sqlError { _ = try parseStatement(" ;; ") } == SQLError("expected a statement, found end of input", offset: 3))
    }

    @Test func renderedWithLineAndCaret() throws {
        let sql = "SELECT a\nFROM clicks FORM x"
        let error = try #require(sqlError { _ = try parseStatement(sql) })
        #expect(error.rendered(sql: sql) == """
            syntax error at line 2, column 13: expected FROM, found 'FORM'
              FROM clicks FORM x
                          ^
            """)
        #expect(error.location(in: sql) == (2, 13) ? true : false)
    }

    @Test func renderedAtEndOfInputPointsAfterLastToken() throws {
        let sql = "SELECT a\nFROM clicks\nWHERE\n\n"
        let error = try #require(sqlError { _ = try parseStatement(sql) })
        #expect(error.rendered(sql: sql) == """
            syntax error at line 3, column 6: expected expression, found end of input
              WHERE
                   ^
            """)
    }

    @Test func renderedKeepsTabsAndCountsCharactersNotBytes() throws {
        let sql = "SELECT\tx,\r\n\té, FROM t"
        let error = try #require(sqlError { _ = try parseStatement(sql) })
        #expect(error == SQLError("expected expression, found 'FROM'", offset: 16))
        #expect(error.rendered(sql: sql) == "syntax error at line 2, column 5: expected expression, found 'FROM'\n  \té, FROM t\n  \t   ^")
    }

    @Test func renderedClampsOutOfRangeOffsets() {
        #expect(SQLError("m", offset: 99).rendered(sql: "ab") == "syntax error at line 1, column 3: m\n  ab\n    ^")
        #expect(SQLError("m", offset: -4).rendered(sql: "ab") == "syntax error at line 1, column 1: m\n  ab\n  ^")
    }

    @Test func deepNestingIsRejectedNotCrashing() throws {
        let depthMessage = "expression nested too deeply"
        for sql in [
            "SELECT " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000),
            "SELECT " + String(repeating: "NOT ", count: 5000) + "TRUE",
            "SELECT " + String(repeating: "- ", count: 5000) + "x",
            "SELECT " + String(repeating: "f(", count: 5000) + "1" + String(repeating: ")", count: 5000),
            String(repeating: "SELECT * FROM (", count: 3000) + "SELECT 1" + String(repeating: ")", count: 3000),
            "SELECT " + Array(repeating: "x", count: 5000).joined(separator: " + "),
            "SELECT " + Array(repeating: "x = 1", count: 3000).joined(separator: " OR "),
        ] {
            #expect(sqlError { _ = try parseStatement(sql) }?.message == depthMessage)
        }
        // Moderate nesting is fine.
        let fine = "SELECT " + String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        #expect(try parseStatement(fine) == parseStatement("SELECT 1"))
        // The longest accepted operator chain survives printing, equality, hashing and re-parsing
        // (on a stack like the binary's: see onLargeStack).
        let longOr = "SELECT " + Array(repeating: "x = 1", count: 998).joined(separator: " OR ")
        let (equal, sameHash) = onLargeStack { () -> (Bool, Bool) in
            guard let st = try? parseStatement(longOr), let again = try? parseStatement(st.sqlText) else { return (false, false) }
            return (again == st, again.hashValue == st.hashValue)
        }
        #expect(equal && sameHash)
        let tooLong = "SELECT " + Array(repeating: "x = 1", count: 1000).joined(separator: " OR ")
        #expect(sqlError { _ = try parseStatement(tooLong) } == SQLError(depthMessage, offset: 7))
        let casts = "SELECT x" + String(repeating: "::int", count: 1200)
        #expect(sqlError { _ = try parseStatement(casts) } == SQLError(depthMessage, offset: 7))
    }
}
