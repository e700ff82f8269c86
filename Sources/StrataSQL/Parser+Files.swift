// Files in place and COPY (issue 17); see AST+Files.swift.

extension Parser {
    /// `FROM 'path'`: a table function with an empty name and the path as its one argument;
    /// the binder picks the reader from the extension.
    mutating func parseQuotedPathSource() throws(SQLError) -> TableRef {
        let t = advance()
        let lit = Expr(.literal(.string(t.text)), range: SourceRange(start: t.start, end: t.end))
        return TableRef(kind: .tableFunction(name: "", args: [lit]))
    }

    /// `{key: value, ...}` (keys are strings or identifiers), desugared to
    /// `struct_pack('key', value, ...)`; read_csv's `columns` and `types` take one.
    mutating func parseStructLiteral() throws(SQLError) -> Expr {
        let t = advance()  // {
        var args: [Expr] = []
        if !isSymbol(.rbrace) {
            repeat {
                let k = current
                guard k.kind == .string || k.kind == .word || k.kind == .quotedIdentifier else { throw expected("a key") }
                _ = advance()
                args.append(Expr(.literal(.string(k.text)), range: SourceRange(start: k.start, end: k.end)))
                try expectSymbol(.colon, ":")
                args.append(try parseExpr())
            } while acceptSymbol(.comma)
        }
        try expectSymbol(.rbrace, "}")
        return try make(.function(FunctionCall(name: "struct_pack", args: args)), from: t.start)
    }

    /// `COPY (query) | table [(columns)] TO | FROM 'path' [WITH] [(option [value], ...)]`.
    mutating func parseCopy() throws(SQLError) -> CopyStatement {
        try expectWord("copy")
        let source: CopyStatement.Source
        if acceptSymbol(.lparen) {
            let q = try parseQuery()
            try expectSymbol(.rparen, ")")
            source = .query(q)
        } else {
            let name = try parseTableName()
            var columns: [String] = []
            if isSymbol(.lparen) { columns = try parseColumnAliases(what: "column name") }
            source = .table(name: name, columns: columns)
        }
        let to: Bool
        if acceptWord("to") { to = true } else if acceptWord("from") { to = false } else { throw expected("TO or FROM") }
        if case .query = source, !to { throw error("COPY (query) FROM is not possible; COPY a table FROM a file", at: current) }
        let p = current
        guard p.kind == .string else { throw expected("a file path in quotes") }
        _ = advance()
        var options: [TableOption] = []
        _ = acceptWord("with")
        if acceptSymbol(.lparen) {
            if !isSymbol(.rparen) {
                repeat {
                    let k = current
                    guard k.kind == .word || k.kind == .quotedIdentifier else { throw expected("a COPY option") }
                    _ = advance()
                    let key = k.text.lowercased()
                    _ = acceptSymbol(.eq)
                    let value: OptionValue
                    if isSymbol(.comma) || isSymbol(.rparen) {
                        value = .boolean(true)
                    } else {
                        value = try parseOptionValue()
                    }
                    if options.contains(where: { $0.key == key }) { throw error("COPY option \(key.uppercased()) given twice", at: k) }
                    options.append(TableOption(key: key, value: value))
                } while acceptSymbol(.comma)
            }
            try expectSymbol(.rparen, ")")
        }
        return CopyStatement(source: source, to: to, path: p.text, options: options)
    }
}
