// Statements of issue 16's "Statements" area: CREATE TABLE ... AS, INSERT, CREATE/DROP VIEW,
// and the VALUES lists they (and FROM) use.

extension Parser {
    /// After `CREATE` when the next word is not TABLE: `[OR REPLACE] VIEW ...`.
    mutating func parseCreateOther() throws(SQLError) -> Statement {
        var orReplace = false
        if acceptWord("or") {
            try expectWord("replace")
            orReplace = true
        }
        if isWord("table") {
            throw error("CREATE OR REPLACE TABLE is not supported; DROP TABLE first", at: current)
        }
        guard acceptWord("view") else { throw expected(orReplace ? "VIEW" : "TABLE or VIEW") }
        var ifNotExists = false
        if acceptWord("if") {
            try expectWord("not")
            try expectWord("exists")
            ifNotExists = true
        }
        if orReplace && ifNotExists {
            throw error("CREATE OR REPLACE VIEW cannot have IF NOT EXISTS", at: current)
        }
        let name = try parseTableName()
        var columns: [String] = []
        if isSymbol(.lparen) { columns = try parseColumnAliases() }
        try expectWord("as")
        let start = current.start
        let query = try parseQuery()
        let lo = max(0, min(start, sourceBytes.count))
        let hi = max(lo, min(previousEnd, sourceBytes.count))
        let text = String(decoding: sourceBytes[lo..<hi], as: UTF8.self)
        return .createView(CreateView(name: name, orReplace: orReplace, ifNotExists: ifNotExists, columns: columns,
                                      query: query, queryText: text))
    }

    /// After `DROP` at `VIEW`: `VIEW [IF EXISTS] name`.
    mutating func parseDropView() throws(SQLError) -> Statement {
        try expectWord("view")
        var ifExists = false
        if acceptWord("if") {
            try expectWord("exists")
            ifExists = true
        }
        return .dropView(name: try parseTableName(), ifExists: ifExists)
    }

    /// `INSERT INTO name [(c1, c2, ...)] query | VALUES ...`.
    mutating func parseInsert() throws(SQLError) -> Insert {
        try expectWord("insert")
        try expectWord("into")
        let name = try parseTableName()
        var columns: [String] = []
        if isSymbol(.lparen) && !(isWord("select", 1) || isWord("with", 1) || isWord("values", 1) || isSymbol(.lparen, 1)) {
            columns = try parseColumnAliases(what: "column name")
        }
        guard isWord("select") || isWord("with") || isWord("values") || isSymbol(.lparen) else {
            throw expected("SELECT, VALUES or a column list")
        }
        return Insert(table: name, columns: columns, query: try parseQuery())
    }

    /// `(a, b, ...)`: distinct names (column aliases of a FROM item, a view's or INSERT's columns).
    mutating func parseColumnAliases(what: String = "column alias") throws(SQLError) -> [String] {
        try expectSymbol(.lparen, "(")
        var names: [String] = []
        var seen = Set<String>()
        repeat {
            let t = current
            let n = try parseIdentifier(what)
            if !seen.insert(n.lowercased()).inserted { throw error("duplicate \(what) '\(n)'", at: t) }
            names.append(n)
        } while acceptSymbol(.comma)
        try expectSymbol(.rparen, ")")
        return names
    }

    /// `VALUES (e, ...), (e, ...)`: every row has the same number of expressions.
    mutating func parseValuesRows() throws(SQLError) -> [[Expr]] {
        try expectWord("values")
        var rows: [[Expr]] = []
        repeat {
            let t = current
            try expectSymbol(.lparen, "(")
            var row: [Expr] = []
            repeat {
                row.append(try parseExpr())
            } while acceptSymbol(.comma)
            try expectSymbol(.rparen, ")")
            if let first = rows.first, first.count != row.count {
                throw error("VALUES lists must all be the same length (row 1 has \(first.count) values, row \(rows.count + 1) has \(row.count))", at: t)
            }
            rows.append(row)
        } while acceptSymbol(.comma)
        return rows
    }

    /// `CREATE TABLE [IF NOT EXISTS] name [PARTITION BY g(col)] [ORDER BY (cols)] [WITH (...)] AS query`
    /// (after the name). The columns come from the query, so the clauses' column names are
    /// checked when the table is created.
    mutating func parseCreateTableAs(name: String, ifNotExists: Bool) throws(SQLError) -> CreateTable {
        var table = CreateTable(name: name, ifNotExists: ifNotExists, columns: [])
        while !isWord("as") {
            guard try parseTableClause(into: &table, columns: nil) else {
                throw expected("a column list, AS, PARTITION BY, ORDER BY or WITH")
            }
        }
        try expectWord("as")
        guard isWord("select") || isWord("with") || isWord("values") || isSymbol(.lparen) else { throw expected("a query after AS") }
        table.asQuery = try parseQuery()
        return table
    }
}

// MARK: - printing

extension SQLWriter {
    mutating func values(_ rows: [[Expr]]) {
        out += "VALUES "
        list(rows) { w, row in
            w.out += "("
            w.list(row) { $0.expr($1, 0) }
            w.out += ")"
        }
    }

    mutating func columnAliases(_ names: [String]) {
        if !names.isEmpty { out += "(" + names.map(quoteIdentifier).joined(separator: ", ") + ")" }
    }

    /// INSERT, CREATE VIEW and DROP VIEW.
    mutating func statementOfStatementsArea(_ s: Statement) {
        switch s {
        case .insert(let i):
            out += "INSERT INTO " + quoteIdentifier(i.table)
            if !i.columns.isEmpty { out += " "; columnAliases(i.columns) }
            out += " "
            query(i.query)
        case .createView(let v):
            out += v.orReplace ? "CREATE OR REPLACE VIEW " : "CREATE VIEW "
            if v.ifNotExists { out += "IF NOT EXISTS " }
            out += quoteIdentifier(v.name)
            if !v.columns.isEmpty { out += " "; columnAliases(v.columns) }
            out += " AS "
            query(v.query)
        case .dropView(let name, let ifExists):
            out += (ifExists ? "DROP VIEW IF EXISTS " : "DROP VIEW ") + quoteIdentifier(name)
        default:
            break
        }
    }
}

// MARK: - scripts

/// Where `offset` lies in a script: the 1-based ordinal of the statement it falls in and the
/// number of statements (empty statements between `;`s are not counted). Nil when the script
/// cannot be split into tokens.
public func statementOrdinal(in sql: String, at offset: Int) -> (ordinal: Int, count: Int)? {
    guard let tokens = try? Lexer.tokenize(Array(sql.utf8)) else { return nil }
    var ordinal = 0, count = 0
    var inStatement = false
    for t in tokens {
        if t.kind == .endOfInput { break }
        if t.kind == .symbol(.semicolon) {
            inStatement = false
            continue
        }
        if !inStatement {
            inStatement = true
            count += 1
        }
        if t.start <= offset { ordinal = count }
    }
    return (max(ordinal, 1), count)
}
