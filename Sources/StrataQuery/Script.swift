import StrataSQL

// A script runs its statements in order; the first failing statement stops it. Statements
// before it completed (and what they wrote stays committed: each statement commits on its
// own); the error names the failing statement by its ordinal and line.
extension QueryEngine {
    /// Parses every statement of `sql` (a syntax error anywhere runs nothing), then runs them
    /// in order, handing each result to `each` as soon as it is complete.
    public func execute(_ sql: String, each: (StatementResult) -> Void) throws(EngineError) {
        let stmts: [LocatedStatement]
        do throws(SQLError) { stmts = try parseScriptLocated(sql) } catch {
            var e = EngineError(error, sql: sql)
            if let (k, n) = statementOrdinal(in: sql, at: error.offset), n > 1 {
                e.message = "statement \(k) of \(n): " + e.message
                e.detail += "\n  (nothing was run: the script is parsed before its first statement runs)"
            }
            throw e
        }
        for (k, s) in stmts.enumerated() {
            do throws(EngineError) { each(try run(s.statement, sql: sql)) } catch {
                guard stmts.count > 1 else { throw error }
                var e = error
                e.message = "statement \(k + 1) of \(stmts.count) (line \(QueryEngine.line(sql, s.range.start))): " + e.message
                let done = k == 0 ? "no statement before it ran" :
                    (k == 1 ? "statement 1 ran and what it wrote stays committed" : "statements 1-\(k) ran and what they wrote stays committed")
                let rest = k + 1 == stmts.count ? "" : (k + 2 == stmts.count ? "; statement \(k + 2) was not run" : "; statements \(k + 2)-\(stmts.count) were not run")
                e.detail += (e.detail.isEmpty ? "  (" : "\n  (") + done + rest + ")"
                throw e
            }
        }
    }

    /// 1-based line of byte `offset` in `sql`.
    static func line(_ sql: String, _ offset: Int) -> Int {
        var line = 1
        for (i, b) in sql.utf8.enumerated() {
            if i >= offset { break }
            if b == 10 { line += 1 }
        }
        return line
    }
}
