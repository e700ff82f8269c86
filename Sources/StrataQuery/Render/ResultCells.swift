// Single cells of a result, for displays that show a few rows of a large result (the
// terminal table shows the first and last rows): only the cells asked for are boxed.

extension ResultSet {
    /// The value at `row` of `column`; a result with typed columns boxes this cell only.
    public func value(row: Int, column: Int) -> Value {
        if let r = relation { return r.columns[column].value(row) }
        return columns[column][row]
    }
}
