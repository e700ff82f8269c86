/// Maximum recursion depth of the parser (parentheses, subqueries, NOT / unary minus chains).
let maxParseDepth = 128
/// Maximum height of an expression tree (long operator chains nest too).
let maxExpressionHeight = 1_000

/// Words that cannot be used as bare column names, implicit aliases or table names.
let reservedWords: Set<String> = [
    "all", "and", "as", "asc", "between", "by", "case", "cast", "create", "cross", "desc",
    "distinct", "drop", "else", "end", "except", "exists", "false", "fetch", "for", "from",
    "full", "group", "having", "ilike", "in", "inner", "intersect", "into", "is", "join",
    "like", "limit", "natural", "not", "null", "offset", "on", "or", "order", "outer", "over",
    "qualify", "select", "then", "true", "union", "using", "when", "where", "window", "with",
]

/// Words that may not be used as an implicit (AS-less) table alias.
private let tableAliasStopWords: Set<String> = ["final", "left", "right", "semi", "anti", "sample", "prewhere"]

/// Clause keywords used to diagnose misspellings such as `FORM` for `FROM`.
private let clauseKeywords = ["from", "where", "group", "order", "having", "limit", "qualify", "union", "offset"]

/// Recursive-descent parser over a token array.
struct Parser {
    private let tokens: [Token]
    /// The SQL text, used to quote tokens as written (words keep their original case).
    let sourceBytes: [UInt8]
    private var index = 0
    private var depth = 0

    init(sql: String) throws(SQLError) {
        let bytes = Array(sql.utf8)
        self.tokens = try Lexer.tokenize(bytes)
        self.sourceBytes = bytes
    }

    // MARK: Token helpers

    var current: Token { tokens[min(index, tokens.count - 1)] }

    func token(at ahead: Int) -> Token {
        tokens[min(index + ahead, tokens.count - 1)]
    }

    var previousEnd: Int {
        index > 0 ? tokens[min(index - 1, tokens.count - 1)].end : 0
    }

    var atEnd: Bool { current.kind == .endOfInput }

    mutating func advance() -> Token {
        let t = current
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func isWord(_ word: String, _ ahead: Int = 0) -> Bool {
        let t = token(at: ahead)
        return t.kind == .word && t.text == word
    }

    func isSymbol(_ symbol: Symbol, _ ahead: Int = 0) -> Bool {
        token(at: ahead).kind == .symbol(symbol)
    }

    mutating func acceptWord(_ word: String) -> Bool {
        if isWord(word) {
            _ = advance()
            return true
        }
        return false
    }

    mutating func acceptSymbol(_ symbol: Symbol) -> Bool {
        if isSymbol(symbol) {
            _ = advance()
            return true
        }
        return false
    }

    mutating func expectWord(_ word: String) throws(SQLError) {
        guard acceptWord(word) else { throw expected(word.uppercased()) }
    }

    mutating func expectSymbol(_ symbol: Symbol, _ display: String) throws(SQLError) {
        guard acceptSymbol(symbol) else { throw expected("'\(display)'") }
    }

    /// Describes a token for "found ..." in error messages.
    static func describe(_ t: Token, sourceText: String? = nil) -> String {
        switch t.kind {
        case .endOfInput:
            return "end of input"
        case .string:
            return "string " + quoteString(truncate(t.text))
        case .quotedIdentifier:
            return "'\"" + truncate(t.text) + "\"'"
        default:
            return "'" + truncate(sourceText ?? t.text) + "'"
        }
    }

    private static func truncate(_ s: String) -> String {
        s.count > 40 ? String(s.prefix(40)) + "..." : s
    }

    func found(_ t: Token) -> String {
        if t.kind == .word || t.kind == .integer || t.kind == .number {
            let lo = max(0, min(t.start, sourceBytes.count))
            let hi = max(lo, min(t.end, sourceBytes.count))
            return Parser.describe(t, sourceText: String(decoding: sourceBytes[lo..<hi], as: UTF8.self))
        }
        return Parser.describe(t)
    }

    func expected(_ what: String) -> SQLError {
        SQLError("expected \(what), found \(found(current))", offset: current.start)
    }

    func error(_ message: String, at t: Token) -> SQLError {
        SQLError(message, offset: t.start)
    }

    private mutating func enter() throws(SQLError) {
        depth += 1
        if depth > maxParseDepth {
            throw SQLError("expression nested too deeply", offset: current.start)
        }
    }

    private mutating func leave() { depth -= 1 }

    func make(_ kind: ExprKind, from start: Int) throws(SQLError) -> Expr {
        let e = Expr(kind, range: SourceRange(start: start, end: max(start, previousEnd)))
        if e.height > maxExpressionHeight {
            throw SQLError("expression nested too deeply", offset: start)
        }
        return e
    }

    // MARK: Identifiers

    /// Accepts an identifier: a non-reserved word or a quoted identifier.
    mutating func parseIdentifier(_ what: String) throws(SQLError) -> String {
        let t = current
        switch t.kind {
        case .word where !reservedWords.contains(t.text):
            _ = advance()
            return t.text
        case .quotedIdentifier:
            _ = advance()
            return t.text
        default:
            throw expected(what)
        }
    }

    func isIdentifierStart(_ t: Token) -> Bool {
        (t.kind == .word && !reservedWords.contains(t.text)) || t.kind == .quotedIdentifier
    }

    /// After an implicit alias, another identifier or literal cannot follow. If the alias
    /// looks like a misspelled clause keyword, report that keyword as expected.
    func checkMisspelledKeyword(alias: Token) throws(SQLError) {
        guard alias.kind == .word else { return }
        let next = current
        let suspicious: Bool
        switch next.kind {
        case .word: suspicious = !reservedWords.contains(next.text) || next.text == "by"
        case .quotedIdentifier, .string, .integer, .number: suspicious = true
        default: suspicious = false
        }
        guard suspicious, let keyword = nearKeyword(alias.text) else { return }
        throw SQLError("expected \(keyword.uppercased()), found \(found(alias))", offset: alias.start)
    }

    private func nearKeyword(_ word: String) -> String? {
        let w = Array(word.utf8)
        guard w.count >= 4 else { return nil }
        for keyword in clauseKeywords where editDistanceAtMostOne(w, Array(keyword.utf8)) {
            return keyword
        }
        return nil
    }

    // MARK: Statements

    mutating func parseScript() throws(SQLError) -> [LocatedStatement] {
        var result: [LocatedStatement] = []
        while true {
            while acceptSymbol(.semicolon) {}
            if atEnd { break }
            let start = current.start
            let statement = try parseStatement()
            result.append(LocatedStatement(statement: statement, range: SourceRange(start: start, end: previousEnd)))
            if atEnd { break }
            if !acceptSymbol(.semicolon) {
                throw unexpectedAfterStatement()
            }
        }
        return result
    }

    mutating func parseSingleStatement() throws(SQLError) -> Statement {
        while acceptSymbol(.semicolon) {}
        if atEnd { throw expected("a statement") }
        let statement = try parseStatement()
        if !atEnd && !isSymbol(.semicolon) { throw unexpectedAfterStatement() }
        while acceptSymbol(.semicolon) {}
        if !atEnd {
            throw SQLError("expected a single statement, found another statement starting with \(found(current))",
                           offset: current.start)
        }
        return statement
    }

    mutating func parseStandaloneExpression() throws(SQLError) -> Expr {
        let e = try parseExpr()
        if !atEnd { throw unexpectedAfterStatement(what: "end of expression") }
        return e
    }

    private func unexpectedAfterStatement(what: String = "end of statement") -> SQLError {
        if isSymbol(.rparen) { return error("unexpected ')'", at: current) }
        if current.kind == .word, let keyword = nearKeyword(current.text), keyword != current.text {
            return SQLError("expected \(keyword.uppercased()), found \(found(current))", offset: current.start)
        }
        return SQLError("expected \(what), found \(found(current))", offset: current.start)
    }

    private mutating func parseStatement() throws(SQLError) -> Statement {
        let t = current
        if t.kind == .symbol(.lparen) { return .query(try parseQuery()) }
        guard t.kind == .word else {
            throw expected("a statement (SELECT, WITH, CREATE, DROP, SHOW, DESCRIBE, SET, DELETE, EXPLAIN)")
        }
        switch t.text {
        case "select", "with":
            return .query(try parseQuery())
        case "create":
            _ = advance()
            if !isWord("table") { return try parseCreateOther() }
            return .createTable(try parseCreateTable())
        case "insert":
            return .insert(try parseInsert())
        case "copy":
            return .copy(try parseCopy())
        case "values":
            return .query(try parseQuery())
        case "drop":
            _ = advance()
            if isWord("view") { return try parseDropView() }
            try expectWord("table")
            var ifExists = false
            if acceptWord("if") {
                try expectWord("exists")
                ifExists = true
            }
            let name = try parseTableName()
            return .dropTable(name: name, ifExists: ifExists)
        case "show":
            _ = advance()
            try expectWord("tables")
            return .showTables
        case "describe", "desc":
            _ = advance()
            if isWord("table") && isIdentifierStart(token(at: 1)) { _ = advance() }
            return .describe(table: try parseTableName())
        case "set":
            _ = advance()
            let name = try parseIdentifier("setting name")
            if !acceptSymbol(.eq) && !acceptWord("to") { throw expected("'=' or TO") }
            return .set(name: name, value: try parseOptionValue())
        case "reset":
            // `RESET name`: `SET name TO DEFAULT`
            _ = advance()
            return .set(name: try parseIdentifier("setting name"), value: .identifier("default"))
        case "delete":
            _ = advance()
            try expectWord("from")
            let name = try parseTableName()
            var predicate: Expr?
            if acceptWord("where") { predicate = try parseExpr() }
            return .delete(table: name, predicate: predicate)
        case "explain":
            _ = advance()
            if acceptWord("analyze") || acceptWord("analyse") {
                guard isWord("select") || isWord("with") || isSymbol(.lparen) else {
                    throw expected("a query after EXPLAIN ANALYZE")
                }
                return .explainAnalyze(try parseQuery())
            }
            guard isWord("select") || isWord("with") || isSymbol(.lparen) else {
                throw expected("a query after EXPLAIN")
            }
            return .explain(try parseQuery())
        default:
            let statementKeywords = ["select", "create", "drop", "show", "describe", "delete", "explain"]
            let word = Array(t.text.utf8)
            if word.count >= 4,
               let suggestion = statementKeywords.first(where: { editDistanceAtMostOne(word, Array($0.utf8)) }) {
                throw SQLError("expected a statement, found \(found(t)) (did you mean \(suggestion.uppercased())?)",
                               offset: t.start)
            }
            throw expected("a statement (SELECT, WITH, CREATE, DROP, SHOW, DESCRIBE, SET, DELETE, EXPLAIN)")
        }
    }

    mutating func parseTableName() throws(SQLError) -> String {
        let name = try parseIdentifier("table name")
        if isSymbol(.dot) {
            throw error("qualified table names are not supported", at: current)
        }
        return name
    }

    // MARK: CREATE TABLE

    private mutating func parseCreateTable() throws(SQLError) -> CreateTable {
        try expectWord("table")
        var ifNotExists = false
        if acceptWord("if") {
            try expectWord("not")
            try expectWord("exists")
            ifNotExists = true
        }
        let name = try parseTableName()
        if !isSymbol(.lparen) { return try parseCreateTableAs(name: name, ifNotExists: ifNotExists) }
        try expectSymbol(.lparen, "(")
        var columns: [ColumnDefinition] = []
        var seen = Set<String>()
        repeat {
            let nameToken = current
            let column = try parseIdentifier("column name")
            if !seen.insert(column).inserted {
                throw error("duplicate column '\(column)'", at: nameToken)
            }
            let type = try parseType()
            var notNull = false
            if acceptWord("not") {
                try expectWord("null")
                notNull = true
            } else if acceptWord("null") {
                notNull = false
            }
            columns.append(ColumnDefinition(name: column, type: type, notNull: notNull))
        } while acceptSymbol(.comma)
        try expectSymbol(.rparen, ")")

        var table = CreateTable(name: name, ifNotExists: ifNotExists, columns: columns)
        while try parseTableClause(into: &table, columns: seen) {}
        return table
    }

    /// One `PARTITION BY g(col)`, `ORDER BY (cols)` or `WITH (key = value, ...)` clause of a
    /// CREATE TABLE into `table`; false when none follows. With `columns`, the clause's column
    /// names must be among them (CREATE TABLE AS checks them when the query's columns are known).
    mutating func parseTableClause(into table: inout CreateTable, columns: Set<String>?) throws(SQLError) -> Bool {
        let clause = current
        if acceptWord("partition") {
            if table.partitionBy != nil { throw error("duplicate PARTITION BY clause", at: clause) }
            try expectWord("by")
            let g = current
            guard g.kind == .word, let granularity = PartitionGranularity(rawValue: g.text),
                  isSymbol(.lparen, 1) else {
                throw expected("hour(column), day(column) or month(column)")
            }
            _ = advance()
            _ = advance()
            let colToken = current
            let column = try parseIdentifier("column name")
            if let columns, !columns.contains(column) { throw error("unknown column '\(column)' in PARTITION BY", at: colToken) }
            try expectSymbol(.rparen, ")")
            table.partitionBy = PartitionSpec(granularity: granularity, column: column)
        } else if acceptWord("order") {
            if !table.orderBy.isEmpty { throw error("duplicate ORDER BY clause", at: clause) }
            try expectWord("by")
            let parenthesised = acceptSymbol(.lparen)
            repeat {
                let colToken = current
                let column = try parseIdentifier("column name")
                if let columns, !columns.contains(column) { throw error("unknown column '\(column)' in ORDER BY", at: colToken) }
                table.orderBy.append(column)
            } while parenthesised && acceptSymbol(.comma)
            if parenthesised { try expectSymbol(.rparen, ")") }
        } else if acceptWord("with") {
            if !table.options.isEmpty { throw error("duplicate WITH clause", at: clause) }
            try expectSymbol(.lparen, "(")
            var keys = Set<String>()
            repeat {
                let keyToken = current
                guard keyToken.kind == .word || keyToken.kind == .quotedIdentifier else { throw expected("option name") }
                _ = advance()
                if !keys.insert(keyToken.text).inserted {
                    throw error("duplicate option '\(keyToken.text)'", at: keyToken)
                }
                try expectSymbol(.eq, "=")
                table.options.append(TableOption(key: keyToken.text, value: try parseOptionValue()))
            } while acceptSymbol(.comma)
            try expectSymbol(.rparen, ")")
        } else {
            return false
        }
        return true
    }

    mutating func parseType() throws(SQLError) -> TypeName {
        let t = current
        let list = "a type name (TIMESTAMP, INTEGER, BIGINT, DOUBLE, BOOLEAN, VARCHAR, DATE)"
        guard t.kind == .word else { throw expected(list) }
        let type: TypeName
        switch t.text {
        case "timestamp", "datetime": type = .timestamp
        case "integer", "int", "int4", "int32": type = .integer
        case "bigint", "int8", "int64": type = .bigint
        case "double", "float8", "float", "real": type = .double
        case "boolean", "bool": type = .boolean
        case "varchar", "text", "string": type = .varchar(length: nil)
        case "date": type = .date
        case "interval": type = .interval
        default: throw expected(list)
        }
        _ = advance()
        if type == .double && t.text == "double" { _ = acceptWord("precision") }
        if t.text == "varchar" && acceptSymbol(.lparen) {
            let n = current
            guard n.kind == .integer, let length = Int(n.text), length > 0 else {
                throw expected("a positive VARCHAR length")
            }
            _ = advance()
            try expectSymbol(.rparen, ")")
            return .varchar(length: length)
        }
        return type
    }

    mutating func parseOptionValue() throws(SQLError) -> OptionValue {
        let t = current
        switch t.kind {
        case .string:
            _ = advance()
            return .string(t.text)
        case .integer, .number:
            _ = advance()
            return try optionNumber(t, negative: false)
        case .symbol(.minus), .symbol(.plus):
            let n = token(at: 1)
            guard n.kind == .integer || n.kind == .number else { break }
            _ = advance()
            _ = advance()
            return try optionNumber(n, negative: t.kind == .symbol(.minus))
        case .word:
            _ = advance()
            if t.text == "true" { return .boolean(true) }
            if t.text == "false" { return .boolean(false) }
            return .identifier(t.text)
        case .quotedIdentifier:
            _ = advance()
            return .identifier(t.text)
        case .symbol(.lparen):
            _ = advance()
            var names: [String] = []
            repeat {
                let n = current
                guard n.kind == .word || n.kind == .quotedIdentifier else { throw expected("identifier") }
                _ = advance()
                names.append(n.text)
            } while acceptSymbol(.comma)
            try expectSymbol(.rparen, ")")
            return .identifierList(names)
        default:
            break
        }
        throw expected("a value (string, number, identifier, TRUE, FALSE or identifier list)")
    }

    private func optionNumber(_ t: Token, negative: Bool) throws(SQLError) -> OptionValue {
        let text = negative ? "-" + t.text : t.text
        if t.kind == .integer, let v = Int64(text) { return .integer(v) }
        guard let d = Double(text), d.isFinite else { throw error("numeric literal out of range", at: t) }
        return .double(d)
    }

    // MARK: Queries

    mutating func parseQuery() throws(SQLError) -> Query {
        try enter()
        defer { leave() }
        var ctes: [CommonTableExpression] = []
        if acceptWord("with") {
            if isWord("recursive") { throw error("WITH RECURSIVE is not supported", at: current) }
            repeat {
                let name = try parseIdentifier("CTE name")
                try expectWord("as")
                try expectSymbol(.lparen, "(")
                let q = try parseQuery()
                try expectSymbol(.rparen, ")")
                ctes.append(CommonTableExpression(name: name, query: q))
            } while acceptSymbol(.comma)
        }
        let body = try parseSetOperations()
        var query = Query(ctes: ctes, body: body)
        if acceptWord("order") {
            try expectWord("by")
            query.orderBy = try parseOrderItems()
        }
        if acceptWord("limit") {
            query.limit = try parseCount("LIMIT")
            if isSymbol(.comma) {
                throw error("LIMIT with a comma is not supported; use LIMIT n OFFSET m", at: current)
            }
        }
        if acceptWord("offset") {
            query.offset = try parseCount("OFFSET")
            _ = acceptWord("rows") || acceptWord("row")
        }
        // `(query)` with nothing around it is the inner query itself.
        if query.ctes.isEmpty, query.orderBy.isEmpty, query.limit == nil, query.offset == nil,
           query.body.count == 1, case .query(let inner) = query.body[0] {
            return inner
        }
        return query
    }

    private mutating func parseCount(_ clause: String) throws(SQLError) -> Int64 {
        let t = current
        guard t.kind == .integer else { throw expected("a non-negative integer after \(clause)") }
        guard let v = Int64(t.text) else { throw error("\(clause) value out of range", at: t) }
        _ = advance()
        return v
    }

    private mutating func parseQueryTerm() throws(SQLError) -> QueryTerm {
        if isSymbol(.lparen) {
            _ = advance()
            let q = try parseQuery()
            try expectSymbol(.rparen, ")")
            if q.ctes.isEmpty, q.orderBy.isEmpty, q.limit == nil, q.offset == nil, q.body.count == 1 {
                return q.body[0]  // a plain select core or one set operation
            }
            return .query(q)
        }
        if isWord("values") { return .values(try parseValuesRows()) }
        guard isWord("select") else { throw expected("SELECT") }
        return .select(try parseSelect())
    }

    /// Query terms joined by set operations: INTERSECT binds tighter than UNION and EXCEPT,
    /// all left-associative. The top-level chain of plain UNION ALLs is the returned list.
    private mutating func parseSetOperations() throws(SQLError) -> [QueryTerm] {
        var tree = try parseIntersections()
        while isWord("union") || isWord("except") {
            let kind: SetOperation.Kind = advance().text == "union" ? .union : .except
            let (all, byName) = try parseSetQuantifier(kind)
            let right = try parseIntersections()
            tree = .setOperation(SetOperation(kind: kind, all: all, byName: byName, left: tree, right: right))
        }
        return Parser.unionAllChain(tree)
    }

    /// A set-operation tree as a list of UNION ALL operands (the left spine of plain UNION
    /// ALLs), each operand with its own inner UNION ALL chains made `.query` terms (so that a
    /// parenthesised chain and an unparenthesised one are the same tree).
    static func unionAllChain(_ tree: QueryTerm) -> [QueryTerm] {
        func isChain(_ op: SetOperation) -> Bool { op.kind == .union && op.all && !op.byName }
        func operand(_ t: QueryTerm) -> QueryTerm {
            guard case .setOperation(var op) = t else { return t }
            if isChain(op) { return .query(Query(body: unionAllChain(t))) }
            op.left = operand(op.left)
            op.right = operand(op.right)
            return .setOperation(op)
        }
        var body: [QueryTerm] = []
        var t = tree
        while case .setOperation(let op) = t, isChain(op) {
            body.append(operand(op.right))
            t = op.left
        }
        body.append(operand(t))
        return body.reversed()
    }

    private mutating func parseIntersections() throws(SQLError) -> QueryTerm {
        var tree = try parseQueryTerm()
        while acceptWord("intersect") {
            let (all, byName) = try parseSetQuantifier(.intersect)
            let right = try parseQueryTerm()
            tree = .setOperation(SetOperation(kind: .intersect, all: all, byName: byName, left: tree, right: right))
        }
        return tree
    }

    /// `[ALL | DISTINCT] [BY NAME]` after a set operator.
    private mutating func parseSetQuantifier(_ kind: SetOperation.Kind) throws(SQLError) -> (all: Bool, byName: Bool) {
        let all = acceptWord("all")
        if !all { _ = acceptWord("distinct") }
        if isWord("by") && isWord("name", 1) {
            let t = current
            guard kind == .union else { throw error("BY NAME applies to UNION only", at: t) }
            _ = advance()
            _ = advance()
            return (all, true)
        }
        return (all, false)
    }

    private mutating func parseSelect() throws(SQLError) -> Select {
        try expectWord("select")
        var select = Select(items: [])
        if acceptWord("distinct") {
            select.distinct = true
        } else {
            _ = acceptWord("all")
        }
        repeat {
            select.items.append(try parseSelectItem())
        } while acceptSymbol(.comma)
        if acceptWord("from") {
            select.from = try parseFromClause()
        }
        if acceptWord("where") { select.whereClause = try parseExpr() }
        if acceptWord("group") {
            try expectWord("by")
            try parseGroupBy(&select)
        }
        if acceptWord("having") { select.having = try parseExpr() }
        if acceptWord("window") { select.windows = try parseWindowClause() }  // Parser+Window.swift
        if acceptWord("qualify") { select.qualify = try parseExpr() }
        return select
    }

    /// GROUP BY items: `ALL`, expressions, `ROLLUP (...)`, `CUBE (...)`, `GROUPING SETS (...)`;
    /// several items multiply their sets (`a, ROLLUP (b, c)`).
    private mutating func parseGroupBy(_ select: inout Select) throws(SQLError) {
        if acceptWord("all") { select.groupByAll = true; return }
        var items: [[[Expr]]] = []
        var plain = true
        func list(_ p: inout Parser) throws(SQLError) -> [Expr] {
            try p.expectSymbol(.lparen, "(")
            var es: [Expr] = []
            if !p.isSymbol(.rparen) { repeat { es.append(try p.parseExpr()) } while p.acceptSymbol(.comma) }
            try p.expectSymbol(.rparen, ")")
            return es
        }
        repeat {
            if (isWord("rollup") || isWord("cube")) && isSymbol(.lparen, 1) {
                let cube = advance().text == "cube"
                let at = current
                let es = try list(&self)
                if cube && es.count > 12 { throw error("CUBE takes at most 12 keys (4096 grouping sets)", at: at) }
                items.append(cube ? GroupingSets.cube(es) : GroupingSets.rollup(es))
                plain = false
            } else if isWord("grouping") && isWord("sets", 1) {
                _ = advance(); _ = advance()
                try expectSymbol(.lparen, "(")
                var sets: [[Expr]] = []
                repeat {
                    if isSymbol(.lparen) { sets.append(try list(&self)) } else { sets.append([try parseExpr()]) }
                } while acceptSymbol(.comma)
                try expectSymbol(.rparen, ")")
                items.append(sets)
                plain = false
            } else {
                items.append([[try parseExpr()]])
            }
        } while acceptSymbol(.comma)
        // CUBE doubles the sets per key: DuckDB's limit is 12 keys (4096 sets)
        var product = 1
        for item in items { product = min(product * item.count, 1 << 20) }
        if product > 4096 || items.reduce(0, { $0 + ($1.map(\.count).max() ?? 0) }) > 62 {
            throw error("too many grouping sets (at most 4096 sets of at most 62 keys)", at: current)
        }
        let (exprs, sets) = GroupingSets.combine(items)
        select.groupBy = exprs
        if !plain { select.groupingSets = sets }
    }

    private mutating func parseSelectItem() throws(SQLError) -> SelectItem {
        if acceptSymbol(.star) { return .wildcard(table: nil) }
        let t = current
        if isIdentifierStart(t), isSymbol(.dot, 1), isSymbol(.star, 2) {
            _ = advance(); _ = advance(); _ = advance()
            return .wildcard(table: t.text)
        }
        let e = try parseExpr()
        if acceptWord("as") {
            return .expr(e, alias: try parseIdentifier("alias"))
        }
        let a = current
        if isIdentifierStart(a) {
            _ = advance()
            try checkMisspelledKeyword(alias: a)
            return .expr(e, alias: a.text)
        }
        return .expr(e, alias: nil)
    }

    /// A table reference followed by any number of joins (left-deep).
    private mutating func parseFromClause() throws(SQLError) -> TableRef {
        let start = current.start
        var ref = try parseTableRef()
        while true {
            if isSymbol(.comma) {
                throw error("comma joins are not supported; write JOIN ... ON (or CROSS JOIN)", at: current)
            }
            if isWord("right") || isWord("full") || isWord("natural") {
                let t = current
                if t.text == "right" {
                    throw error("RIGHT JOIN is not supported; swap the two tables and use LEFT JOIN", at: t)
                }
                throw error("\(t.text.uppercased()) JOIN is not supported; use [INNER] JOIN or LEFT JOIN", at: t)
            }
            let kind: Join.Kind
            if acceptWord("join") {
                kind = .inner
            } else if acceptWord("inner") {
                try expectWord("join")
                kind = .inner
            } else if acceptWord("left") {
                _ = acceptWord("outer")
                try expectWord("join")
                kind = .left
            } else if acceptWord("cross") {
                try expectWord("join")
                kind = .cross
            } else {
                return ref
            }
            let right = try parseTableRef()
            var join = Join(kind: kind, left: ref, right: right)
            if kind != .cross {
                if acceptWord("on") {
                    join.on = try parseExpr()
                } else if acceptWord("using") {
                    try expectSymbol(.lparen, "(")
                    repeat {
                        join.using.append(try parseIdentifier("column name"))
                    } while acceptSymbol(.comma)
                    try expectSymbol(.rparen, ")")
                } else {
                    throw expected("ON or USING")
                }
            }
            ref = TableRef(kind: .join(join), range: SourceRange(start: start, end: previousEnd))
        }
    }

    private mutating func parseTableRef() throws(SQLError) -> TableRef {
        let start = current.start
        var ref: TableRef
        if acceptSymbol(.lparen) {
            let q = try parseQuery()
            try expectSymbol(.rparen, ")")
            ref = TableRef(kind: .subquery(q))
        } else if isWord("values") && isSymbol(.lparen, 1) {
            ref = TableRef(kind: .subquery(Query(body: [.values(try parseValuesRows())])))
        } else if current.kind == .word, isSymbol(.lparen, 1) {
            // a table function: name(arg, ...)
            let name = advance().text
            _ = advance()
            var args: [Expr] = []
            if !isSymbol(.rparen) {
                repeat { args.append(try parseExpr()) } while acceptSymbol(.comma)
            }
            try expectSymbol(.rparen, ")")
            ref = TableRef(kind: .tableFunction(name: name, args: args))
        } else if current.kind == .string {
            ref = try parseQuotedPathSource()  // FROM 'logs/*.csv' (Parser+Files.swift)
        } else {
            ref = TableRef(kind: .table(name: try parseTableName(), final: false))
        }
        var final = acceptWord("final")
        if acceptWord("as") {
            ref.alias = try parseIdentifier("alias")
        } else if isIdentifierStart(current), !(current.kind == .word && tableAliasStopWords.contains(current.text)) {
            let a = advance()
            try checkMisspelledKeyword(alias: a)
            ref.alias = a.text
        }
        if ref.alias != nil && isSymbol(.lparen) { ref.columnAliases = try parseColumnAliases() }
        if !final { final = acceptWord("final") }
        if final {
            guard case .table(let name, _) = ref.kind else {
                throw SQLError("FINAL applies to tables only", offset: start)
            }
            ref.kind = .table(name: name, final: true)
        }
        ref.range = SourceRange(start: start, end: previousEnd)
        return ref
    }

    mutating func parseOrderItems() throws(SQLError) -> [OrderItem] {
        var items: [OrderItem] = []
        repeat {
            let e = try parseExpr()
            var item = OrderItem(expr: e)
            if acceptWord("desc") {
                item.descending = true
            } else {
                _ = acceptWord("asc")
            }
            if acceptWord("nulls") {
                if acceptWord("first") {
                    item.nullsFirst = true
                } else if acceptWord("last") {
                    item.nullsFirst = false
                } else {
                    throw expected("FIRST or LAST")
                }
            }
            items.append(item)
        } while acceptSymbol(.comma)
        return items
    }

    // MARK: Expressions

    mutating func parseExpr() throws(SQLError) -> Expr {
        try enter()
        defer { leave() }
        return try parseOr()
    }

    private mutating func parseOr() throws(SQLError) -> Expr {
        var left = try parseAnd()
        while acceptWord("or") {
            let right = try parseAnd()
            left = try make(.binary(.or, left, right), from: left.range.start)
        }
        return left
    }

    private mutating func parseAnd() throws(SQLError) -> Expr {
        var left = try parseNot()
        while acceptWord("and") {
            let right = try parseNot()
            left = try make(.binary(.and, left, right), from: left.range.start)
        }
        return left
    }

    private mutating func parseNot() throws(SQLError) -> Expr {
        let t = current
        if acceptWord("not") {
            try enter()
            defer { leave() }
            let operand = try parseNot()
            return try make(.unary(.not, operand), from: t.start)
        }
        return try parseComparison()
    }

    private func comparisonOp(_ t: Token) -> BinaryOp? {
        switch t.kind {
        case .symbol(.eq), .symbol(.eqeq): return .eq
        case .symbol(.neq), .symbol(.ltgt): return .neq
        case .symbol(.lt): return .lt
        case .symbol(.le): return .le
        case .symbol(.gt): return .gt
        case .symbol(.ge): return .ge
        default: return nil
        }
    }

    private mutating func parseComparison() throws(SQLError) -> Expr {
        var left = try parseConcat()
        while true {
            let start = left.range.start
            if let op = comparisonOp(current) {
                _ = advance()
                let right = try parseConcat()
                left = try make(.binary(op, left, right), from: start)
                continue
            }
            if acceptWord("is") {
                let negated = acceptWord("not")
                if acceptWord("distinct") {
                    try expectWord("from")
                    let right = try parseConcat()
                    left = try make(.binary(negated ? .isNotDistinctFrom : .isDistinctFrom, left, right), from: start)
                } else if acceptWord("null") {
                    left = try make(.isNull(left, negated: negated), from: start)
                } else if acceptWord("true") {
                    left = try make(.isBoolean(left, value: true, negated: negated), from: start)
                } else if acceptWord("false") {
                    left = try make(.isBoolean(left, value: false, negated: negated), from: start)
                } else {
                    throw expected("NULL, TRUE or FALSE")
                }
                continue
            }
            var negated = false
            if isWord("not") && (isWord("in", 1) || isWord("between", 1) || isWord("like", 1) || isWord("ilike", 1)) {
                _ = advance()
                negated = true
            }
            if acceptWord("in") {
                try expectSymbol(.lparen, "(")
                if isWord("select") || isWord("with") {
                    let q = try parseQuery()
                    try expectSymbol(.rparen, ")")
                    left = try make(.inSubquery(left, q, negated: negated), from: start)
                    continue
                }
                var list: [Expr] = []
                repeat {
                    list.append(try parseExpr())
                } while acceptSymbol(.comma)
                try expectSymbol(.rparen, ")")
                left = try make(.inList(left, list, negated: negated), from: start)
                continue
            }
            if acceptWord("between") {
                let low = try parseConcat()
                try expectWord("and")
                let high = try parseConcat()
                left = try make(.between(left, low: low, high: high, negated: negated), from: start)
                continue
            }
            if isWord("like") || isWord("ilike") {
                let insensitive = advance().text == "ilike"
                let pattern = try parseConcat()
                left = try make(.like(left, pattern: pattern, caseInsensitive: insensitive, negated: negated), from: start)
                continue
            }
            return left
        }
    }

    private mutating func parseConcat() throws(SQLError) -> Expr {
        var left = try parseAdditive()
        while acceptSymbol(.concat) {
            let right = try parseAdditive()
            left = try make(.binary(.concat, left, right), from: left.range.start)
        }
        return left
    }

    private mutating func parseAdditive() throws(SQLError) -> Expr {
        var left = try parseMultiplicative()
        while true {
            let op: BinaryOp
            if acceptSymbol(.plus) { op = .add } else if acceptSymbol(.minus) { op = .subtract } else { return left }
            let right = try parseMultiplicative()
            left = try make(.binary(op, left, right), from: left.range.start)
        }
    }

    private mutating func parseMultiplicative() throws(SQLError) -> Expr {
        var left = try parseUnary()
        while true {
            let op: BinaryOp
            if acceptSymbol(.star) { op = .multiply }
            else if acceptSymbol(.slash) { op = .divide }
            else if acceptSymbol(.slashslash) { op = .integerDivide }
            else if acceptSymbol(.percent) { op = .modulo }
            else { return left }
            let right = try parseUnary()
            left = try make(.binary(op, left, right), from: left.range.start)
        }
    }

    private mutating func parseUnary() throws(SQLError) -> Expr {
        let t = current
        if t.kind == .symbol(.minus) || t.kind == .symbol(.plus) {
            let n = token(at: 1)
            if t.kind == .symbol(.minus), n.kind == .integer || n.kind == .number, !isSymbol(.coloncolon, 2) {
                _ = advance()
                _ = advance()
                return try make(.literal(try numericLiteral(n, negative: true)), from: t.start)
            }
            _ = advance()
            try enter()
            defer { leave() }
            let operand = try parseUnary()
            if t.kind == .symbol(.plus) {
                return Expr(operand.kind, range: SourceRange(start: t.start, end: operand.range.end))
            }
            return try make(.unary(.negate, operand), from: t.start)
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws(SQLError) -> Expr {
        var e = try parsePrimary()
        while true {
            if acceptSymbol(.coloncolon) {
                let type = try parseType()
                e = try make(.cast(e, type, isTry: false), from: e.range.start)
            } else if isSymbol(.lbracket) {
                e = try parseSubscript(e)
            } else {
                return e
            }
        }
    }

    private func numericLiteral(_ t: Token, negative: Bool) throws(SQLError) -> Literal {
        let text = negative ? "-" + t.text : t.text
        if t.kind == .integer, let v = Int64(text) { return .integer(v) }
        guard let d = Double(text), d.isFinite else {
            throw error("numeric literal out of range", at: t)
        }
        return .double(d)
    }

    private mutating func parsePrimary() throws(SQLError) -> Expr {
        let t = current
        switch t.kind {
        case .integer, .number:
            _ = advance()
            return try make(.literal(try numericLiteral(t, negative: false)), from: t.start)
        case .string:
            _ = advance()
            return try make(.literal(.string(t.text)), from: t.start)
        case .symbol(.lparen):
            _ = advance()
            if isWord("select") || isWord("with") {
                let q = try parseQuery()
                try expectSymbol(.rparen, ")")
                return try make(.subquery(q), from: t.start)
            }
            let inner = try parseExpr()
            try expectSymbol(.rparen, ")")
            return Expr(inner.kind, range: SourceRange(start: t.start, end: previousEnd))
        case .quotedIdentifier:
            return try parseNameExpression()
        case .symbol(.lbracket):
            return try parseListLiteral()
        case .symbol(.lbrace):
            return try parseStructLiteral()
        case .word:
            break
        default:
            throw expected("expression")
        }
        let next = token(at: 1)
        let callLike = next.kind == .symbol(.lparen)
        switch t.text {
        case "null":
            _ = advance()
            return try make(.literal(.null), from: t.start)
        case "true", "false":
            _ = advance()
            return try make(.literal(.boolean(t.text == "true")), from: t.start)
        case "case":
            return try parseCase()
        case "cast" where callLike, "try_cast" where callLike:
            _ = advance()
            _ = advance()
            let value = try parseExpr()
            try expectWord("as")
            let type = try parseType()
            try expectSymbol(.rparen, ")")
            return try make(.cast(value, type, isTry: t.text == "try_cast"), from: t.start)
        case "extract" where callLike && token(at: 3).kind == .word && token(at: 3).text == "from":
            _ = advance()
            _ = advance()
            let f = current
            let parts = "a date part (YEAR, QUARTER, MONTH, WEEK, DAY, DOW, ISODOW, DOY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, EPOCH)"
            guard f.kind == .word || f.kind == .string else { throw expected(parts) }
            let fieldName = f.kind == .string ? f.text.lowercased() : f.text
            guard let field = DateField(rawValue: fieldName) ?? DateField.alias(fieldName) else {
                throw expected(parts)
            }
            _ = advance()
            try expectWord("from")
            let value = try parseExpr()
            try expectSymbol(.rparen, ")")
            return try make(.extract(field, value), from: t.start)
        case "timestamp" where next.kind == .string, "datetime" where next.kind == .string,
             "date" where next.kind == .string:
            _ = advance()
            _ = advance()
            return try make(.literal(t.text == "date" ? .date(next.text) : .timestamp(next.text)), from: t.start)
        case "interval" where next.kind == .string || next.kind == .integer || next.kind == .symbol(.lparen)
            || (next.kind == .symbol(.minus) && token(at: 2).kind == .integer):
            return try parseInterval()
        case "current_date" where !callLike:
            // a niladic keyword, as current_date()
            _ = advance()
            return try make(.function(FunctionCall(name: "current_date")), from: t.start)
        case "exists" where callLike && (isWord("select", 2) || isWord("with", 2) || isSymbol(.lparen, 2)):
            _ = advance()
            _ = advance()
            let q = try parseQuery()
            try expectSymbol(.rparen, ")")
            return try make(.exists(q), from: t.start)
        case "exists" where callLike:
            throw error("EXISTS needs a subquery: EXISTS (SELECT ...)", at: t)
        case "substring" where callLike, "position" where callLike, "trim" where callLike:
            if let e = try parseStringCallSyntax() { return e }
            return try parseNameExpression()
        default:
            if reservedWords.contains(t.text) {
                throw expected("expression")
            }
            return try parseNameExpression()
        }
    }

    /// Column reference `name` / `t.name` or function call `name(...)`.
    private mutating func parseNameExpression() throws(SQLError) -> Expr {
        let t = advance()
        if isSymbol(.lparen) {
            return try parseFunctionCall(name: t.text, start: t.start)
        }
        if acceptSymbol(.dot) {
            let c = current
            guard c.kind == .word || c.kind == .quotedIdentifier else {
                throw expected("column name after '.'")
            }
            _ = advance()
            return try make(.column(table: t.text, name: c.text), from: t.start)
        }
        return try make(.column(table: nil, name: t.text), from: t.start)
    }

    private mutating func parseFunctionCall(name: String, start: Int) throws(SQLError) -> Expr {
        try expectSymbol(.lparen, "(")
        var call = FunctionCall(name: name)
        if isSymbol(.star) && isSymbol(.rparen, 1) {
            _ = advance()
            call.isStar = true
        } else if !isSymbol(.rparen) {
            if acceptWord("distinct") {
                call.distinct = true
            } else {
                _ = acceptWord("all")
            }
            if call.distinct && isSymbol(.lparen) && !isWord("select", 1) && !isWord("with", 1) {
                // count(DISTINCT (a, b)): a row value
                let save = index
                _ = advance()
                let first = try parseExpr()
                if acceptSymbol(.comma) {
                    call.args = [first]
                    repeat { call.args.append(try parseExpr()) } while acceptSymbol(.comma)
                    try expectSymbol(.rparen, ")")
                    call.rowArgs = true
                } else {
                    index = save
                }
            }
            if !call.rowArgs {
                repeat {
                    call.args.append(try parseExpr())
                } while acceptSymbol(.comma)
            }
            if acceptWord("order") {
                try expectWord("by")
                call.orderBy = try parseOrderItems()
            }
        }
        let ignoreNulls = try parseNullTreatment()  // Parser+Window.swift
        if !acceptSymbol(.rparen) {
            throw expected(call.isStar || call.args.isEmpty ? "')'" : "')' or ','")
        }
        if call.params == nil && !call.isStar && !call.distinct && call.orderBy.isEmpty && isSymbol(.lparen) {
            // ClickHouse parametric aggregate: name(params)(args)
            let inner = try parseFunctionCall(name: name, start: start)
            guard case .function(var f) = inner.kind else { return inner }
            f.params = call.args
            return try make(.function(f), from: start)
        }
        if isWord("filter") && isSymbol(.lparen, 1) {
            _ = advance()
            _ = advance()
            try expectWord("where")
            call.filter = try parseExpr()
            try expectSymbol(.rparen, ")")
        }
        if acceptWord("over") { call.over = try parseOver(ignoreNulls: ignoreNulls) }  // Parser+Window.swift
        else if ignoreNulls { throw SQLError("IGNORE NULLS needs a window function (OVER ...)", offset: start) }
        return try make(.function(call), from: start)
    }

    private mutating func parseCase() throws(SQLError) -> Expr {
        let start = advance().start
        var c = CaseExpr(branches: [])
        if isWord("end") { throw expected("WHEN") }
        if !isWord("when") { c.operand = try parseExpr() }
        while acceptWord("when") {
            let condition = try parseExpr()
            try expectWord("then")
            let result = try parseExpr()
            c.branches.append(CaseBranch(condition: condition, result: result))
        }
        if c.branches.isEmpty { throw expected("WHEN") }
        if acceptWord("else") { c.elseResult = try parseExpr() }
        if !acceptWord("end") {
            throw expected(c.elseResult == nil ? "WHEN, ELSE or END" : "END")
        }
        return try make(.caseWhen(c), from: start)
    }

    private mutating func parseInterval() throws(SQLError) -> Expr {
        let start = advance().start
        let v = current
        let unitList = "an interval unit (MICROSECOND, MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR)"
        let count: Int64
        var unit: IntervalUnit?
        if v.kind == .symbol(.lparen) {
            // INTERVAL (expr) UNIT: DuckDB's to_<unit>s(expr)
            _ = advance()
            let e = try parseExpr()
            try expectSymbol(.rparen, ")")
            guard current.kind == .word, let u = IntervalUnit.parse(current.text) else { throw expected(unitList) }
            _ = advance()
            return try make(.function(FunctionCall(name: "to_" + u.rawValue + "s", args: [e])), from: start)
        }
        if v.kind == .string, splitIntervalText(v.text).number == nil, let terms = IntervalText.terms(v.text) {
            // '1 day 2 hours', '01:30:00', '1 month 1 day 00:00:00.5': a sum of single-unit
            // literals (the binder folds it to one interval)
            _ = advance()
            var sum: Expr? = nil
            for (n, u) in terms {
                let lit = try make(.literal(.interval(n, u)), from: start)
                sum = try sum.map { (l) throws(SQLError) -> Expr in try make(.binary(.add, l, lit), from: start) } ?? lit
            }
            return sum!
        }
        if v.kind == .string {
            _ = advance()
            // '7', '-7', '7 days', '7 DAY'
            let parts = splitIntervalText(v.text)
            guard let number = parts.number, let n = Int64(number) else {
                throw error("invalid interval literal '\(v.text)'", at: v)
            }
            count = n
            if let u = parts.unit {
                guard let parsed = IntervalUnit.parse(u) else {
                    throw error("invalid interval unit '\(u)'", at: v)
                }
                unit = parsed
            }
        } else {
            let negative = acceptSymbol(.minus)
            let n = current
            guard n.kind == .integer, let value = Int64((negative ? "-" : "") + n.text) else {
                throw error("interval value out of range", at: n)
            }
            _ = advance()
            count = value
        }
        if unit == nil {
            guard current.kind == .word, let parsed = IntervalUnit.parse(current.text) else {
                throw expected(unitList)
            }
            _ = advance()
            unit = parsed
        }
        guard let resolved = unit else { throw expected(unitList) }
        return try make(.literal(.interval(count, resolved)), from: start)
    }

    private func splitIntervalText(_ text: String) -> (number: String?, unit: String?) {
        var number = ""
        var unit = ""
        var seenDigit = false
        var inUnit = false
        for ch in text {
            if inUnit {
                if ch == " " || ch == "\t" {
                    if !unit.isEmpty { return (nil, nil) }
                    continue
                }
                unit.append(ch)
            } else if ch == " " || ch == "\t" {
                if seenDigit { inUnit = true }
            } else if ch.isASCII && ch.isNumber {
                number.append(ch)
                seenDigit = true
            } else if (ch == "-" || ch == "+") && number.isEmpty {
                number.append(ch)
            } else if seenDigit && ch.isLetter {
                inUnit = true
                unit.append(ch)
            } else {
                return (nil, nil)
            }
        }
        guard seenDigit else { return (nil, nil) }
        return (number, unit.isEmpty ? nil : unit.lowercased())
    }
}

extension DateField {
    /// Alternative spellings accepted by EXTRACT.
    static func alias(_ name: String) -> DateField? {
        switch name {
        case "dayofweek", "weekday": return .dow
        case "dayofyear": return .doy
        case "dayofmonth": return .day
        case "ms", "msec", "msecs": return .millisecond
        case "us", "usec", "usecs": return .microsecond
        default:
            // plurals, as DuckDB: EXTRACT(seconds FROM …)
            if name.hasSuffix("s"), let f = DateField(rawValue: String(name.dropLast())) { return f }
            return nil
        }
    }
}

extension IntervalUnit {
    /// Parses a unit name, singular or plural, lower-case.
    static func parse(_ text: String) -> IntervalUnit? {
        if let u = IntervalUnit(rawValue: text) { return u }
        if text.hasSuffix("s"), let u = IntervalUnit(rawValue: String(text.dropLast())) { return u }
        return nil
    }
}

/// True when `a` and `b` differ by at most one insertion, deletion, substitution
/// or adjacent transposition (ASCII case-insensitive).
func editDistanceAtMostOne(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 0x20 : c }
    let x = a.map(lower), y = b.map(lower)
    if x == y { return true }
    if x.count == y.count {
        var diffs: [Int] = []
        for i in 0..<x.count where x[i] != y[i] {
            diffs.append(i)
            if diffs.count > 2 { return false }
        }
        if diffs.count == 1 { return true }
        if diffs.count == 2, diffs[1] == diffs[0] + 1,
           x[diffs[0]] == y[diffs[1]], x[diffs[1]] == y[diffs[0]] {
            return true
        }
        return false
    }
    let (short, long) = x.count < y.count ? (x, y) : (y, x)
    guard long.count - short.count == 1 else { return false }
    var i = 0, j = 0, skipped = false
    while i < short.count && j < long.count {
        if short[i] == long[j] {
            i += 1
            j += 1
        } else {
            if skipped { return false }
            skipped = true
            j += 1
        }
    }
    return true
}

// MARK: - SQL-standard string call syntax

extension Parser {
    /// `SUBSTRING(x FROM a [FOR b])`, `POSITION(needle IN haystack)`,
    /// `TRIM([BOTH | LEADING | TRAILING] [chars] FROM x)`, desugared to the plain calls
    /// `substring(x, a[, b])`, `strpos(haystack, needle)`, `trim`/`ltrim`/`rtrim(x[, chars])`.
    /// Returns nil (nothing consumed) when the call uses the ordinary comma syntax.
    fileprivate mutating func parseStringCallSyntax() throws(SQLError) -> Expr? {
        let save = index
        let t = advance()
        _ = advance()  // (
        func call(_ name: String, _ args: [Expr]) throws(SQLError) -> Expr {
            try expectSymbol(.rparen, ")")
            return try make(.function(FunctionCall(name: name, args: args)), from: t.start)
        }
        switch t.text {
        case "substring":
            let x = try parseExpr()
            if acceptWord("from") {
                let a = try parseExpr()
                if acceptWord("for") { return try call("substring", [x, a, try parseExpr()]) }
                return try call("substring", [x, a])
            }
            if acceptWord("for") {
                let one = Expr(.literal(.integer(1)), range: SourceRange(start: x.range.end, end: x.range.end))
                return try call("substring", [x, one, try parseExpr()])
            }
        case "position":
            let needle = try parseConcat()
            if acceptWord("in") { return try call("strpos", [try parseExpr(), needle]) }
        default:  // trim
            var name = "trim"
            var side = false
            if acceptWord("both") { side = true } else if acceptWord("leading") { name = "ltrim"; side = true } else if acceptWord("trailing") { name = "rtrim"; side = true }
            if acceptWord("from") { return try call(name, [try parseExpr()]) }
            let first = try parseExpr()
            if acceptWord("from") { return try call(name, [try parseExpr(), first]) }
            if side { return try call(name, [first]) }
        }
        index = save
        return nil
    }
}

// MARK: - list literals and subscripts

extension Parser {
    /// `[a, b, …]`, desugared to `list_value(a, b, …)`.
    fileprivate mutating func parseListLiteral() throws(SQLError) -> Expr {
        let t = advance()  // [
        var args: [Expr] = []
        if !isSymbol(.rbracket) {
            repeat { args.append(try parseExpr()) } while acceptSymbol(.comma)
        }
        try expectSymbol(.rbracket, "]")
        return try make(.function(FunctionCall(name: "list_value", args: args)), from: t.start)
    }

    /// `x[i]`, desugared to `list_extract(x, i)`.
    fileprivate mutating func parseSubscript(_ e: Expr) throws(SQLError) -> Expr {
        _ = advance()  // [
        let i = try parseExpr()
        try expectSymbol(.rbracket, "]")
        return try make(.function(FunctionCall(name: "list_extract", args: [e, i])), from: e.range.start)
    }
}
