import StrataCore
import Foundation
import StrataFormat
import StrataSQL
import StrataStore
import StrataText

/// Names visible to expressions of one SELECT core: the source's columns.
struct Scope {
    var tableName: String?
    var alias: String?
    var names: [String]
    var types: [DataType]
    /// Joins: the lower-cased qualifiers (table name, alias, "#k" for the k-th table of the
    /// FROM clause) each column answers to; nil for a single table.
    var qualifiers: [[String]]? = nil
    /// Joins: columns left out of `*` and of unqualified lookup (right-side USING columns).
    var hidden: Set<Int> = []
    /// Joins: every column name of the joined tables (for "did you mean" hints).
    var hintNames: [String]? = nil
    /// A correlated subquery's FROM joined with its outer values: names not found here are
    /// looked up in the outer query (Bind/SubqueryUnnest.swift).
    var correlation: Correlation? = nil

    init(tableName: String?, alias: String?, names: [String], types: [DataType]) {
        self.tableName = tableName
        self.alias = alias
        self.names = names
        self.types = types
    }

    func resolve(_ table: String?, _ name: String, _ range: SourceRange) throws(QueryError) -> (Int, DataType) {
        if let corr = correlation {
            var own = self
            own.correlation = nil
            do throws(QueryError) { return try own.resolve(table, name, range) } catch {
                if let r = corr.resolve(table, name, range) { return r }
                throw error
            }
        }
        if let quals = qualifiers { return try resolveJoined(table, name, range, quals) }
        if let table, table != tableName?.lowercased(), table != alias?.lowercased(), table != tableName, table != alias {
            throw QueryError("unknown table or alias '\(table)'", offset: range.start)
        }
        if let i = names.firstIndex(of: name) ?? names.firstIndex(where: { $0.lowercased() == name.lowercased() }) {
            return (i, types[i])
        }
        let hint = Binder.closest(name, names).map { " (did you mean '\($0)'?)" } ?? ""
        throw QueryError("unknown column '\(name)'\(hint)", offset: range.start)
    }

    private func resolveJoined(_ table: String?, _ name: String, _ range: SourceRange, _ quals: [[String]]) throws(QueryError) -> (Int, DataType) {
        let t = table?.lowercased()
        if let t, !quals.contains(where: { $0.contains(t) }) {
            throw QueryError("unknown table or alias '\(table!)'", offset: range.start)
        }
        let n = name.lowercased()
        let hits = names.indices.filter { i in
            names[i].lowercased() == n && (t.map { quals[i].contains($0) } ?? !hidden.contains(i))
        }
        if hits.count == 1 { return (hits[0], types[hits[0]]) }
        if hits.count > 1 {
            let spelled = hits.map { i in (quals[i].first { !$0.hasPrefix("#") } ?? quals[i].last!) + "." + names[i] }
            throw QueryError("column reference '\(name)' is ambiguous (\(spelled.joined(separator: " or ")))", offset: range.start)
        }
        let hint = Binder.closest(name, hintNames ?? names).map { " (did you mean '\($0)'?)" } ?? ""
        throw QueryError("unknown column '\(name)'\(hint)", offset: range.start)
    }
}
