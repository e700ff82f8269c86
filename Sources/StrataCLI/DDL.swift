import StrataStore

extension TableDefinition {
    /// A CREATE TABLE statement the SQL parser accepts and that recreates this definition:
    /// columns, `PARTITION BY g(col)` only when the table has a time column, `ORDER BY` only
    /// with a sort key, and the codec, block size and other options in `WITH (…)`.
    var createStatement: String {
        func ident(_ s: String) -> String {
            let u = Array(s.utf8)
            let simple = !u.isEmpty && !(u[0] >= 0x30 && u[0] <= 0x39)
                && u.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F }
            return simple ? s : "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        var sql = "CREATE TABLE \(ident(name)) ("
        sql += columns.map { "\(ident($0.name)) \($0.type.sqlName)\($0.nullable ? "" : " NOT NULL")" }.joined(separator: ", ") + ")"
        if let t = timeColumn, granularity != .none { sql += " PARTITION BY \(granularity.rawValue)(\(ident(t)))" }
        if !sortKey.isEmpty { sql += " ORDER BY (\(sortKey.map(ident).joined(separator: ", ")))" }
        var with = ["codec = \(literal(codec.codec.name))"]
        if codec.codec == .zstd { with.append("level = \(codec.level)") }
        with.append("block_rows = \(blockRows)")
        for (k, v) in options.sorted(by: { $0.key < $1.key }) { with.append("\(k) = \(literal(v))") }
        sql += " WITH (" + with.joined(separator: ", ") + ")"
        return sql
    }
}
