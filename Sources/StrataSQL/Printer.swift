// Canonical SQL text for AST nodes. Printing then re-parsing yields an equal
// AST (ranges aside) for every tree the parser produces.

/// Quotes `s` as a SQL string literal (`'it''s'`).
func quoteString(_ s: String) -> String {
    var out = "'"
    for ch in s.unicodeScalars {
        if ch == "'" { out.append("''") } else { out.unicodeScalars.append(ch) }
    }
    out.append("'")
    return out
}

/// Returns `name` unchanged when it can be written as a bare identifier
/// (lower-case ASCII letters, digits, `_`, `$`, not starting with a digit or `$`,
/// not a reserved word); otherwise double-quoted with `""` escapes.
public func quoteIdentifier(_ name: String) -> String {
    // `interval` is not reserved, but `interval - 5` would re-parse as an interval literal.
    var simple = !name.isEmpty && !reservedWords.contains(name) && name != "interval"
    if simple {
        var first = true
        for b in name.utf8 {
            let ok: Bool
            if (b >= 0x61 && b <= 0x7A) || b == 0x5F {
                ok = true
            } else if (b >= 0x30 && b <= 0x39) || b == 0x24 {
                ok = !first
            } else {
                ok = false
            }
            if !ok { simple = false; break }
            first = false
        }
    }
    if simple { return name }
    var out = "\""
    for ch in name.unicodeScalars {
        if ch == "\"" { out.append("\"\"") } else { out.unicodeScalars.append(ch) }
    }
    out.append("\"")
    return out
}

/// Function names that the parser treats as special syntax when followed by `(`.
private let specialFunctionSyntax: Set<String> = ["cast", "try_cast", "extract", "exists"]

private func quoteFunctionName(_ name: String) -> String {
    specialFunctionSyntax.contains(name) ? "\"" + name + "\"" : quoteIdentifier(name)
}

extension TypeName: CustomStringConvertible {
    /// Canonical spelling: TIMESTAMP, INTEGER, BIGINT, DOUBLE, BOOLEAN, VARCHAR[(n)], DATE.
    public var sqlText: String {
        switch self {
        case .timestamp: return "TIMESTAMP"
        case .integer: return "INTEGER"
        case .bigint: return "BIGINT"
        case .double: return "DOUBLE"
        case .boolean: return "BOOLEAN"
        case .varchar(let n): return n.map { "VARCHAR(\($0))" } ?? "VARCHAR"
        case .date: return "DATE"
        case .interval: return "INTERVAL"
        }
    }

    public var description: String { sqlText }
}

extension Literal {
    /// Canonical SQL text: `NULL`, `TRUE`, `42`, `-1.5`, `'it''s'`,
    /// `TIMESTAMP '2024-05-01 00:00:00'`, `DATE '2024-05-01'`, `INTERVAL '7' DAY`.
    public var sqlText: String {
        switch self {
        case .null: return "NULL"
        case .boolean(let b): return b ? "TRUE" : "FALSE"
        case .integer(let v): return String(v)
        case .double(let d):
            if d.isNaN { return "CAST('nan' AS DOUBLE)" }
            if d.isInfinite { return d < 0 ? "CAST('-inf' AS DOUBLE)" : "CAST('inf' AS DOUBLE)" }
            return d.description
        case .string(let s): return quoteString(s)
        case .timestamp(let s): return "TIMESTAMP " + quoteString(s)
        case .date(let s): return "DATE " + quoteString(s)
        case .interval(let n, let unit): return "INTERVAL '\(n)' " + unit.rawValue.uppercased()
        }
    }

    /// True for numeric literals printed with a leading minus sign.
    var printsWithMinus: Bool {
        switch self {
        case .integer(let v): return v < 0
        case .double(let d): return d.sign == .minus && d.isFinite
        default: return false
        }
    }
}

extension Expr: CustomStringConvertible {
    /// Canonical SQL text, e.g. `sum(CASE WHEN event = 'view' THEN 1 ELSE 0 END)`.
    /// Used as the default output column name of unaliased select items.
    /// Keywords are upper-case, function and column names as stored (lower-case
    /// unless quoted), minimal parentheses.
    public var sqlText: String {
        var w = SQLWriter()
        w.expr(self, 0)
        return w.out
    }

    public var description: String { sqlText }

    /// Binding strength used for parenthesisation (10 = atom).
    var printPrecedence: Int {
        switch kind {
        case .binary(let op, _, _): return op.precedence
        case .unary(.not, _): return 3
        case .unary(.negate, _): return 8
        case .isNull, .isBoolean, .inList, .inSubquery, .between, .like: return 4
        case .literal(let l): return l.printsWithMinus ? 8 : 10
        default: return 10
        }
    }
}

extension Query: CustomStringConvertible {
    /// Canonical SQL text of the query.
    public var sqlText: String {
        var w = SQLWriter()
        w.query(self)
        return w.out
    }

    public var description: String { sqlText }
}

extension Statement: CustomStringConvertible {
    /// Canonical SQL text of the statement (without a trailing `;`).
    public var sqlText: String {
        var w = SQLWriter()
        w.statement(self)
        return w.out
    }

    public var description: String { sqlText }
}

extension OptionValue {
    /// Canonical SQL text: `'s'`, `3`, `1.5`, `TRUE`, `zstd`, `(a, b)`.
    public var sqlText: String {
        switch self {
        case .string(let s): return quoteString(s)
        case .integer(let v): return String(v)
        case .double(let d): return Literal.double(d).sqlText
        case .boolean(let b): return b ? "TRUE" : "FALSE"
        case .identifier(let s): return quoteIdentifier(s)
        case .identifierList(let names): return "(" + names.map(quoteIdentifier).joined(separator: ", ") + ")"
        }
    }
}

struct SQLWriter {
    var out = ""

    mutating func list<T>(_ items: [T], _ body: (inout SQLWriter, T) -> Void) {
        var first = true
        for item in items {
            if !first { out += ", " }
            first = false
            body(&self, item)
        }
    }

    mutating func expr(_ e: Expr, _ minPrecedence: Int) {
        let parenthesise = e.printPrecedence < minPrecedence
        if parenthesise { out += "(" }
        switch e.kind {
        case .column(let table, let name):
            if let table { out += quoteIdentifier(table) + "." }
            out += quoteIdentifier(name)
        case .literal(let l):
            out += l.sqlText
        case .unary(.not, let x):
            out += "NOT "
            expr(x, 3)
        case .unary(.negate, let x):
            out += "-"
            // Avoid `--` (a comment) and re-folding `-(5)` into the literal -5.
            if case .literal(let l) = x.kind, l.printsWithMinus || l.isNumeric {
                out += "("
                expr(x, 0)
                out += ")"
            } else if case .unary(.negate, _) = x.kind {
                out += "("
                expr(x, 0)
                out += ")"
            } else {
                expr(x, 8)
            }
        case .binary(let op, let l, let r):
            let p = op.precedence
            expr(l, p)
            out += " " + op.rawValue + " "
            expr(r, p + 1)
        case .isNull(let x, let negated):
            expr(x, 4)
            out += negated ? " IS NOT NULL" : " IS NULL"
        case .isBoolean(let x, let value, let negated):
            expr(x, 4)
            out += negated ? " IS NOT " : " IS "
            out += value ? "TRUE" : "FALSE"
        case .inList(let x, let items, let negated):
            expr(x, 4)
            out += negated ? " NOT IN (" : " IN ("
            list(items) { $0.expr($1, 0) }
            out += ")"
        case .inSubquery(let x, let q, let negated):
            expr(x, 4)
            out += negated ? " NOT IN (" : " IN ("
            query(q)
            out += ")"
        case .between(let x, let low, let high, let negated):
            expr(x, 4)
            out += negated ? " NOT BETWEEN " : " BETWEEN "
            expr(low, 5)
            out += " AND "
            expr(high, 5)
        case .like(let x, let pattern, let insensitive, let negated):
            expr(x, 4)
            out += negated ? " NOT " : " "
            out += insensitive ? "ILIKE " : "LIKE "
            expr(pattern, 5)
        case .caseWhen(let c):
            out += "CASE"
            if let operand = c.operand {
                out += " "
                expr(operand, 0)
            }
            for b in c.branches {
                out += " WHEN "
                expr(b.condition, 0)
                out += " THEN "
                expr(b.result, 0)
            }
            if let e = c.elseResult {
                out += " ELSE "
                expr(e, 0)
            }
            out += " END"
        case .cast(let x, let type, let isTry):
            out += isTry ? "TRY_CAST(" : "CAST("
            expr(x, 0)
            out += " AS " + type.sqlText + ")"
        case .extract(let field, let x):
            out += "EXTRACT(" + field.rawValue.uppercased() + " FROM "
            expr(x, 0)
            out += ")"
        case .function(let f):
            function(f)
        case .subquery(let q):
            out += "("
            query(q)
            out += ")"
        case .exists(let q):
            out += "EXISTS ("
            query(q)
            out += ")"
        }
        if parenthesise { out += ")" }
    }

    mutating func function(_ f: FunctionCall) {
        out += quoteFunctionName(f.name) + "("
        if let params = f.params {
            list(params) { $0.expr($1, 0) }
            out += ")("
        }
        if f.isStar {
            out += "*"
        } else {
            if f.distinct { out += "DISTINCT " }
            if f.rowArgs { out += "(" }
            list(f.args) { $0.expr($1, 0) }
            if f.rowArgs { out += ")" }
            if !f.orderBy.isEmpty {
                out += " ORDER BY "
                orderItems(f.orderBy)
            }
        }
        if f.over?.ignoreNulls == true { out += " IGNORE NULLS" }
        out += ")"
        if let filter = f.filter {
            out += " FILTER (WHERE "
            expr(filter, 0)
            out += ")"
        }
        if let w = f.over { out += " OVER " + w.sqlText }  // AST+Window.swift
    }

    mutating func orderItems(_ items: [OrderItem]) {
        list(items) { w, item in
            w.expr(item.expr, 0)
            if item.descending { w.out += " DESC" }
            if let nf = item.nullsFirst { w.out += nf ? " NULLS FIRST" : " NULLS LAST" }
        }
    }

    mutating func query(_ q: Query) {
        if !q.ctes.isEmpty {
            out += "WITH "
            list(q.ctes) { w, cte in
                w.out += quoteIdentifier(cte.name) + " AS ("
                w.query(cte.query)
                w.out += ")"
            }
            out += " "
        }
        var first = true
        for term in q.body {
            if !first { out += " UNION ALL " }
            // a later UNION / EXCEPT operand of the UNION ALL chain keeps its parentheses
            if !first, case .setOperation(let op) = term, op.precedence == 1 {
                out += "("
                queryTerm(term)
                out += ")"
            } else {
                queryTerm(term)
            }
            first = false
        }
        if !q.orderBy.isEmpty {
            out += " ORDER BY "
            orderItems(q.orderBy)
        }
        if let limit = q.limit { out += " LIMIT \(limit)" }
        if let offset = q.offset { out += " OFFSET \(offset)" }
    }

    mutating func queryTerm(_ term: QueryTerm) {
        switch term {
        case .select(let s):
            select(s)
        case .query(let inner):
            out += "("
            query(inner)
            out += ")"
        case .values(let rows):
            values(rows)
        case .setOperation(let op):
            // nested set operations are always parenthesised
            for (i, side) in [op.left, op.right].enumerated() {
                if i == 1 { out += " " + op.keywords + " " }
                if case .setOperation = side {
                    out += "("
                    queryTerm(side)
                    out += ")"
                } else {
                    queryTerm(side)
                }
            }
        }
    }

    mutating func select(_ s: Select) {
        out += s.distinct ? "SELECT DISTINCT " : "SELECT "
        list(s.items) { w, item in
            switch item {
            case .wildcard(let table):
                if let table { w.out += quoteIdentifier(table) + "." }
                w.out += "*"
            case .expr(let e, let alias):
                w.expr(e, 0)
                if let alias { w.out += " AS " + quoteIdentifier(alias) }
            }
        }
        if let from = s.from {
            out += " FROM "
            tableRef(from)
        }
        if let w = s.whereClause {
            out += " WHERE "
            expr(w, 0)
        }
        if s.groupByAll {
            out += " GROUP BY ALL"
        } else if let sets = s.groupingSets {
            out += " GROUP BY GROUPING SETS ("
            list(sets) { w, set in
                w.out += "("
                w.list(set.map { s.groupBy[$0] }) { $0.expr($1, 0) }
                w.out += ")"
            }
            out += ")"
        } else if !s.groupBy.isEmpty {
            out += " GROUP BY "
            list(s.groupBy) { $0.expr($1, 0) }
        }
        if let h = s.having {
            out += " HAVING "
            expr(h, 0)
        }
        if !s.windows.isEmpty { out += " WINDOW " + s.windows.map { $0.name + " AS " + $0.spec.sqlText }.joined(separator: ", ") }
        if let q = s.qualify {
            out += " QUALIFY "
            expr(q, 0)
        }
    }

    mutating func tableRef(_ from: TableRef) {
        switch from.kind {
        case .table(let name, _):
            out += quoteIdentifier(name)
        case .subquery(let q):
            out += "("
            query(q)
            out += ")"
        case .join(let j):
            tableRef(j.left)
            switch j.kind {
            case .inner: out += " JOIN "
            case .left: out += " LEFT JOIN "
            case .cross: out += " CROSS JOIN "
            }
            tableRef(j.right)
            if let on = j.on {
                out += " ON "
                expr(on, 0)
            } else if !j.using.isEmpty {
                out += " USING (" + j.using.map(quoteIdentifier).joined(separator: ", ") + ")"
            }
        case .tableFunction(let name, let args) where name.isEmpty && args.count == 1:
            expr(args[0], 0)  // FROM 'path'
        case .tableFunction(let name, let args):
            out += quoteIdentifier(name) + "("
            for (i, a) in args.enumerated() {
                if i > 0 { out += ", " }
                expr(a, 0)
            }
            out += ")"
        }
        if let alias = from.alias { out += " AS " + quoteIdentifier(alias) }
        columnAliases(from.columnAliases)
        if case .table(_, true) = from.kind { out += " FINAL" }
    }

    mutating func statement(_ s: Statement) {
        switch s {
        case .query(let q):
            query(q)
        case .createTable(let t):
            out += "CREATE TABLE "
            if t.ifNotExists { out += "IF NOT EXISTS " }
            out += quoteIdentifier(t.name)
            if t.asQuery == nil {
                out += " ("
                list(t.columns) { w, c in
                    w.out += quoteIdentifier(c.name) + " " + c.type.sqlText
                    if c.notNull { w.out += " NOT NULL" }
                }
                out += ")"
            }
            if let p = t.partitionBy {
                out += " PARTITION BY " + p.granularity.rawValue + "(" + quoteIdentifier(p.column) + ")"
            }
            if !t.orderBy.isEmpty {
                out += " ORDER BY (" + t.orderBy.map(quoteIdentifier).joined(separator: ", ") + ")"
            }
            if !t.options.isEmpty {
                out += " WITH ("
                list(t.options) { w, o in
                    w.out += quoteIdentifier(o.key) + " = " + o.value.sqlText
                }
                out += ")"
            }
            if let q = t.asQuery {
                out += " AS "
                query(q)
            }
        case .dropTable(let name, let ifExists):
            out += ifExists ? "DROP TABLE IF EXISTS " : "DROP TABLE "
            out += quoteIdentifier(name)
        case .showTables:
            out += "SHOW TABLES"
        case .describe(let table):
            out += "DESCRIBE " + quoteIdentifier(table)
        case .set(let name, let value):
            out += "SET " + quoteIdentifier(name) + " = " + value.sqlText
        case .delete(let table, let predicate):
            out += "DELETE FROM " + quoteIdentifier(table)
            if let p = predicate {
                out += " WHERE "
                expr(p, 0)
            }
        case .explain(let q):
            out += "EXPLAIN "
            query(q)
        case .explainAnalyze(let q):
            out += "EXPLAIN ANALYZE "
            query(q)
        case .insert, .createView, .dropView:
            statementOfStatementsArea(s)
        case .copy(let c):
            copyStatement(c)
        }
    }
}

extension Literal {
    var isNumeric: Bool {
        switch self {
        case .integer, .double: return true
        default: return false
        }
    }
}
