import Foundation
import StrataQuery

/// Tab completion in the shell: dot commands and their arguments at the start of a line;
/// SQL keywords, function names, table and view names and column names elsewhere (only
/// tables and views after FROM, JOIN, INTO, TABLE, DESCRIBE; only columns after `name.`).
final class ShellCompleter {
    /// What Tab does: replace the last `erase` characters before the cursor with `insert`,
    /// and/or list the candidates when they share nothing more.
    struct Completion: Equatable {
        var erase = 0
        var insert: String? = nil
        var list: [String] = []
    }

    /// The tables and views, and the columns of each (lowercased name -> columns).
    struct Catalog {
        var relations: [String] = []
        var columns: [String: [String]] = [:]
    }

    static let keywords = [
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "HAVING", "LIMIT", "OFFSET", "QUALIFY", "WINDOW",
        "WITH", "AS", "DISTINCT", "ALL", "UNION", "INTERSECT", "EXCEPT", "JOIN", "INNER", "LEFT", "RIGHT",
        "FULL", "OUTER", "CROSS", "ON", "USING", "AND", "OR", "NOT", "IN", "EXISTS", "BETWEEN", "LIKE",
        "ILIKE", "IS", "NULL", "TRUE", "FALSE", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "TRY_CAST",
        "ASC", "DESC", "NULLS", "FIRST", "LAST", "OVER", "PARTITION", "ROWS", "RANGE", "GROUPS",
        "PRECEDING", "FOLLOWING", "UNBOUNDED", "CURRENT", "ROW", "FILTER", "ROLLUP", "CUBE", "GROUPING",
        "SETS", "INTERVAL", "CREATE", "TABLE", "VIEW", "DROP", "IF", "INSERT", "INTO", "VALUES", "DELETE",
        "SHOW", "TABLES", "DESCRIBE", "EXPLAIN", "ANALYZE", "SET", "TIMESTAMP", "DATE", "VARCHAR",
        "BIGINT", "INTEGER", "DOUBLE", "BOOLEAN", "REPLACE", "EXCLUDE", "TIMEZONE", "THREADS",
    ]

    static let functions = [
        "count", "sum", "avg", "min", "max", "count_if", "countIf", "approx_count_distinct", "uniq",
        "median", "quantile", "quantile_cont", "quantile_disc", "mode", "string_agg", "list", "arg_max",
        "arg_min", "stddev", "variance", "topK", "windowFunnel", "retention", "first", "last", "any_value",
        "row_number", "rank", "dense_rank", "lag", "lead", "ntile", "first_value", "last_value",
        "date_trunc", "date_part", "extract", "strftime", "strptime", "epoch", "epoch_ms", "now",
        "current_date", "make_date", "toStartOfDay", "toStartOfHour", "date_diff", "date_add",
        "lower", "upper", "length", "substr", "substring", "concat", "trim", "split_part", "replace",
        "regexp_matches", "regexp_extract", "regexp_replace", "contains", "starts_with", "ends_with",
        "domain", "url_host", "coalesce", "ifnull", "nullif", "greatest", "least", "round", "floor",
        "ceil", "abs", "ln", "log10", "sqrt", "power", "generate_series", "range", "unnest",
    ]

    static let dotCommands = [
        ".exit", ".headers", ".help", ".maxrows", ".maxwidth", ".mode", ".nullvalue", ".once", ".output",
        ".quit", ".read", ".schema", ".tables", ".timer",
    ]

    /// Keywords after which only a table or view name fits.
    static let relationContext: Set<String> = ["from", "join", "into", "table", "describe", "view", "exists"]

    /// Where names come from (the shell's engine); read again after `invalidate()`.
    let loadCatalog: () -> Catalog
    private var cached: Catalog?

    init(loadCatalog: @escaping () -> Catalog) {
        self.loadCatalog = loadCatalog
    }

    /// A completer over `engine`'s store: tables and views with their columns (`DESCRIBE`).
    convenience init(engine: QueryEngine) {
        self.init {
            var c = Catalog()
            c.relations = (engine.store.tableNames() + engine.store.viewNames()).sorted()
            for name in c.relations {
                do throws(EngineError) {
                    let d = try engine.describeTable(name)
                    c.columns[name.lowercased()] = d.columns.first?.compactMap { if case .string(let s) = $0 { return s } else { return nil } } ?? []
                } catch {
                    continue
                }
            }
            return c
        }
    }

    /// Forgets the names read (a statement may have created or dropped something).
    func invalidate() { cached = nil }

    var catalog: Catalog {
        if let c = cached { return c }
        let c = loadCatalog()
        cached = c
        return c
    }

    /// What Tab does with `line`, the text before the cursor.
    func complete(_ line: String) -> Completion {
        let (word, candidates, suffix) = candidates(line)
        let matches = Self.matching(word, candidates)
        if matches.isEmpty { return Completion() }
        if matches.count == 1 { return Completion(erase: word.count, insert: matches[0] + suffix) }
        let common = Self.commonPrefix(matches)
        if common.count > word.count { return Completion(erase: word.count, insert: common) }
        return Completion(list: matches)
    }

    /// The word being typed, what could complete it, and what follows a unique completion.
    func candidates(_ line: String) -> (word: String, candidates: [String], suffix: String) {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.hasPrefix(".") {
            let words = trimmed.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let endsInBlank = trimmed.last == " " || trimmed.last == "\t"
            if words.count <= 1 && !endsInBlank { return (String(trimmed), Self.dotCommands, " ") }
            let word = endsInBlank ? "" : words.last ?? ""
            let argument = endsInBlank ? words.count : words.count - 1
            guard argument == 1 else { return (word, [], "") }
            switch words[0] {
            case ".mode": return (word, OutputFormat.allCases.map(\.rawValue).sorted(), "")
            case ".timer", ".headers": return (word, ["off", "on"], "")
            case ".schema": return (word, catalog.relations, "")
            default: return (word, [], "")
            }
        }
        // the identifier before the cursor
        var word = ""
        for ch in line.reversed() {
            guard ch.isLetter || ch.isNumber || ch == "_" else { break }
            word.insert(ch, at: word.startIndex)
        }
        let before = line.dropLast(word.count)
        if before.last == "." {
            // qualified: the columns of that table (or of every table when it is an alias)
            var qualifier = ""
            for ch in before.dropLast().reversed() {
                guard ch.isLetter || ch.isNumber || ch == "_" else { break }
                qualifier.insert(ch, at: qualifier.startIndex)
            }
            if let cols = catalog.columns[qualifier.lowercased()] { return (word, cols, "") }
            return (word, allColumns(), "")
        }
        let previous = before.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "," || $0 == "(" }).last.map { $0.lowercased() }
        if let previous, Self.relationContext.contains(previous) { return (word, catalog.relations, " ") }
        if word.isEmpty { return (word, [], "") }
        let upper = word.contains { $0.isUppercase }
        let keywords = Self.keywords.map { upper ? $0 : $0.lowercased() }
        return (word, keywords + catalog.relations + allColumns() + Self.functions, " ")
    }

    func allColumns() -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for r in catalog.relations {
            for c in catalog.columns[r.lowercased()] ?? [] where seen.insert(c.lowercased()).inserted { out.append(c) }
        }
        return out
    }

    /// Candidates starting with `word` (ignoring case), each spelling once, in order.
    static func matching(_ word: String, _ candidates: [String]) -> [String] {
        let w = word.lowercased()
        var seen = Set<String>()
        var out: [String] = []
        for c in candidates where c.lowercased().hasPrefix(w) && seen.insert(c.lowercased()).inserted { out.append(c) }
        return out.sorted { $0.lowercased() < $1.lowercased() }
    }

    /// The longest prefix all of `words` share, ignoring case (spelled as the first word).
    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first.map(Array.init) else { return "" }
        for w in words.dropFirst() {
            let chars = Array(w)
            var n = 0
            while n < prefix.count && n < chars.count && prefix[n].lowercased() == chars[n].lowercased() { n += 1 }
            prefix.removeSubrange(n...)
        }
        return String(prefix)
    }

    /// The candidates as lines of columns at most `width` cells wide.
    static func listing(_ words: [String], width: Int = 80) -> String {
        let cell = (words.map { DisplayWidth.of($0) }.max() ?? 0) + 2
        let perLine = max(1, width / max(cell, 1))
        var lines: [String] = []
        var k = 0
        while k < words.count {
            let row = words[k..<min(k + perLine, words.count)]
            lines.append(row.map { $0 + String(repeating: " ", count: cell - DisplayWidth.of($0)) }.joined().trimmingCharacters(in: .whitespaces))
            k += perLine
        }
        return lines.joined(separator: "\n")
    }
}
