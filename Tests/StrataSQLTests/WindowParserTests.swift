import Testing
@testable import StrataSQL

/// Window frames, named windows and IGNORE NULLS: parsed shape and printed round trip.
struct WindowParserTests {
    private func over(_ sql: String) throws -> WindowSpec {
        guard case .function(let f) = try parseExpression(sql).kind, let w = f.over else {
            Issue.record("no window in \(sql)")
            return WindowSpec()
        }
        return w
    }

    @Test func frames() throws {
        let rows = try over("sum(x) OVER (ORDER BY d ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)")
        #expect(rows.frame == WindowFrame(unit: .rows, start: .preceding(Expr(.literal(.integer(6)))), end: .currentRow))
        let short = try over("sum(x) OVER (ORDER BY d ROWS UNBOUNDED PRECEDING)")
        #expect(short.frame == WindowFrame(unit: .rows, start: .unboundedPreceding, end: .currentRow))
        let range = try over("sum(x) OVER (ORDER BY ts RANGE BETWEEN INTERVAL 6 DAY PRECEDING AND INTERVAL '1' HOUR FOLLOWING EXCLUDE TIES)")
        #expect(range.frame?.unit == .range)
        #expect(range.frame?.start == .preceding(Expr(.literal(.interval(6, .day)))))
        #expect(range.frame?.exclude == .ties)
        let groups = try over("count(*) OVER (ORDER BY x GROUPS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW)")
        #expect(groups.frame == WindowFrame(unit: .groups, start: .currentRow, end: .unboundedFollowing, exclude: .currentRow))
    }

    @Test func namedWindowsAndNullTreatment() throws {
        let s = try core("SELECT sum(x) OVER w, lag(x IGNORE NULLS) OVER (w ROWS 2 PRECEDING) FROM t WINDOW w AS (PARTITION BY g ORDER BY d), v AS (w)")
        #expect(s.windows.map(\.name) == ["w", "v"])
        #expect(s.windows[1].spec.base == "w")
        guard case .expr(let a, _) = s.items[0], case .function(let f) = a.kind,
              case .expr(let b, _) = s.items[1], case .function(let g) = b.kind else { Issue.record("shape"); return }
        #expect(f.over?.base == "w" && f.over?.parenthesized == false)
        #expect(g.over?.base == "w" && g.over?.ignoreNulls == true && g.over?.frame?.unit == .rows)
    }

    @Test func printedTextParsesBack() throws {
        for sql in [
            "SELECT sum(x) OVER (PARTITION BY g ORDER BY d DESC NULLS LAST ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING EXCLUDE GROUP) FROM t",
            "SELECT nth_value(x, 2 IGNORE NULLS) OVER w FROM t WINDOW w AS (ORDER BY d RANGE BETWEEN INTERVAL 6 DAY PRECEDING AND CURRENT ROW) QUALIFY rn = 1",
            "SELECT count(*) OVER (w ORDER BY d GROUPS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM t WINDOW w AS (PARTITION BY g)",
        ] {
            let q = try parseQuery(sql)
            #expect(try parseQuery(q.sqlText) == q, "\(q.sqlText)")
        }
    }
}
