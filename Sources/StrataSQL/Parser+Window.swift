// Window syntax (issue 16, "Windows"): OVER specs with frames, named windows, IGNORE NULLS.

private let windowSpecWords: Set<String> = ["partition", "order", "rows", "range", "groups"]

extension Parser {
    /// After `OVER`: `(spec)` or a window name.
    mutating func parseOver(ignoreNulls: Bool) throws(SQLError) -> WindowSpec {
        var spec: WindowSpec
        if acceptSymbol(.lparen) {
            spec = try parseWindowSpecBody()
            try expectSymbol(.rparen, ")")
        } else {
            spec = WindowSpec()
            spec.base = try parseIdentifier("'(' or a window name after OVER")
            spec.parenthesized = false
        }
        spec.ignoreNulls = ignoreNulls
        return spec
    }

    /// `[name] [PARTITION BY ...] [ORDER BY ...] [frame]` (inside the parentheses).
    mutating func parseWindowSpecBody() throws(SQLError) -> WindowSpec {
        var spec = WindowSpec()
        if isIdentifierStart(current), !(current.kind == .word && windowSpecWords.contains(current.text)) {
            spec.base = try parseIdentifier("window name")
        }
        if acceptWord("partition") {
            try expectWord("by")
            repeat {
                spec.partitionBy.append(try parseExpr())
            } while acceptSymbol(.comma)
        }
        if acceptWord("order") {
            try expectWord("by")
            spec.orderBy = try parseOrderItems()
        }
        if isWord("rows") || isWord("range") || isWord("groups") {
            spec.frame = try parseFrame()
        }
        return spec
    }

    /// `ROWS|RANGE|GROUPS BETWEEN a AND b [EXCLUDE ...]` or the short `ROWS a`.
    mutating func parseFrame() throws(SQLError) -> WindowFrame {
        let t = advance()
        let unit: FrameUnit = t.text == "rows" ? .rows : t.text == "range" ? .range : .groups
        var frame: WindowFrame
        let between = acceptWord("between")
        let startToken = current
        if between {
            let s = try parseFrameBound()
            try expectWord("and")
            let endToken = current
            let e = try parseFrameBound()
            frame = WindowFrame(unit: unit, start: s, end: e)
            if case .unboundedFollowing = s { throw error("frame start cannot be UNBOUNDED FOLLOWING", at: startToken) }
            if case .unboundedPreceding = e { throw error("frame end cannot be UNBOUNDED PRECEDING", at: endToken) }
            switch (s, e) {
            case (.currentRow, .preceding):
                throw error("a frame starting at the current row cannot end at a preceding row", at: endToken)
            case (.following, .preceding), (.following, .currentRow):
                throw error("a frame starting at a following row cannot end at a preceding or the current row", at: endToken)
            default: break
            }
        } else {
            let s = try parseFrameBound()
            switch s {
            case .unboundedFollowing, .following:
                throw error("a frame without BETWEEN must start at a preceding or the current row", at: startToken)
            default: break
            }
            frame = WindowFrame(unit: unit, start: s, end: .currentRow)
        }
        if acceptWord("exclude") {
            if acceptWord("current") {
                try expectWord("row"); frame.exclude = .currentRow
            } else if acceptWord("group") {
                frame.exclude = .group
            } else if acceptWord("ties") {
                frame.exclude = .ties
            } else if acceptWord("no") {
                try expectWord("others"); frame.exclude = .noOthers
            } else {
                throw expected("CURRENT ROW, GROUP, TIES or NO OTHERS after EXCLUDE")
            }
        }
        return frame
    }

    mutating func parseFrameBound() throws(SQLError) -> FrameBound {
        if acceptWord("unbounded") {
            if acceptWord("preceding") { return .unboundedPreceding }
            if acceptWord("following") { return .unboundedFollowing }
            throw expected("PRECEDING or FOLLOWING after UNBOUNDED")
        }
        if isWord("current") && isWord("row", 1) {
            _ = advance(); _ = advance()
            return .currentRow
        }
        let e = try parseExpr()
        if acceptWord("preceding") { return .preceding(e) }
        if acceptWord("following") { return .following(e) }
        throw expected("PRECEDING or FOLLOWING")
    }

    /// After `WINDOW`: `name AS (spec), ...`.
    mutating func parseWindowClause() throws(SQLError) -> [NamedWindow] {
        var out: [NamedWindow] = []
        repeat {
            let t = current
            let name = try parseIdentifier("window name")
            if out.contains(where: { $0.name == name }) { throw error("window '\(name)' is defined twice", at: t) }
            try expectWord("as")
            try expectSymbol(.lparen, "(")
            let spec = try parseWindowSpecBody()
            try expectSymbol(.rparen, ")")
            out.append(NamedWindow(name: name, spec: spec))
        } while acceptSymbol(.comma)
        return out
    }

    /// `IGNORE NULLS` / `RESPECT NULLS` before the closing parenthesis of a call.
    mutating func parseNullTreatment() throws(SQLError) -> Bool {
        guard (isWord("ignore") || isWord("respect")) && isWord("nulls", 1) else { return false }
        let ignore = advance().text == "ignore"
        _ = advance()
        return ignore
    }
}
