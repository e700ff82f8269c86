// Files in place and COPY (issue 17): `COPY ... TO/FROM 'path' (options)`, `FROM 'path'`, and
// struct literals `{'a': 'INT'}` for read_csv's `columns`/`types`.

/// `COPY (query) TO 'path' [(options)]`, `COPY table [(columns)] TO 'path' [(options)]`, or
/// `COPY table FROM 'path' [(options)]`. Options are DuckDB's (`FORMAT csv`, `HEADER`,
/// `DELIMITER ','`, `COMPRESSION zstd`, `PARTITION_BY (a, b)`, `OVERWRITE`, ...): keys
/// lower-cased, a bare flag is `.boolean(true)`.
public struct CopyStatement: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case table(name: String, columns: [String])
        case query(Query)
    }

    public var source: Source
    /// true: `TO 'path'` (write); false: `FROM 'path'` (load into the table).
    public var to: Bool
    public var path: String
    public var options: [TableOption]

    public init(source: Source, to: Bool, path: String, options: [TableOption] = []) {
        self.source = source
        self.to = to
        self.path = path
        self.options = options
    }

    /// The value of option `key` (lower-case), if present.
    public func option(_ key: String) -> OptionValue? {
        options.first { $0.key == key }?.value
    }
}

extension SQLWriter {
    mutating func copyStatement(_ c: CopyStatement) {
        out += "COPY "
        switch c.source {
        case .table(let name, let columns):
            out += quoteIdentifier(name)
            columnAliases(columns)
        case .query(let q):
            out += "("
            query(q)
            out += ")"
        }
        out += c.to ? " TO " : " FROM "
        out += quoteString(c.path)
        if !c.options.isEmpty {
            out += " ("
            list(c.options) { w, o in
                w.out += o.key.uppercased()
                if o.value != .boolean(true) { w.out += " " + o.value.sqlText }
            }
            out += ")"
        }
    }
}
