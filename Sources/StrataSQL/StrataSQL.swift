// StrataSQL: lexer, parser and AST for Strata's SQL dialect (the portable
// analytic subset shared with DuckDB and ClickHouse).

/// Parses a script of statements separated by `;`. Empty statements and a
/// trailing `;` are ignored. Throws the first `SQLError` encountered.
public func parseScript(_ sql: String) throws(SQLError) -> [Statement] {
    try parseScriptLocated(sql).map(\.statement)
}

/// Like `parseScript(_:)`, but also returns each statement's source range.
public func parseScriptLocated(_ sql: String) throws(SQLError) -> [LocatedStatement] {
    var parser = try Parser(sql: sql)
    return try parser.parseScript()
}

/// Parses exactly one statement (surrounding `;` allowed). Throws if the text is
/// empty or contains more than one statement.
public func parseStatement(_ sql: String) throws(SQLError) -> Statement {
    var parser = try Parser(sql: sql)
    return try parser.parseSingleStatement()
}

/// Parses a standalone query (SELECT / WITH / parenthesised query).
public func parseQuery(_ sql: String) throws(SQLError) -> Query {
    switch try parseStatement(sql) {
    case .query(let q):
        return q
    default:
        throw SQLError("expected a query", offset: 0)
    }
}

/// Parses a standalone expression such as `a + 1 > b` (the whole text must be consumed).
public func parseExpression(_ sql: String) throws(SQLError) -> Expr {
    var parser = try Parser(sql: sql)
    return try parser.parseStandaloneExpression()
}
