import StrataCore
import StrataFormat
import StrataStore

/// A table's own column types for its files (`strata export`, `COPY table TO`). The engine
/// computes on 64-bit integers, so an INTEGER column reaches a writer as BIGINT; a Parquet file
/// of the table keeps it INT32 (as the table declares it, and as DuckDB writes it), so Spark,
/// Trino and ClickHouse see the same types as `strata describe`.
extension FileWriter {
    /// Stored types by column name of `table`, to put into `FileWriteOptions.storedTypes`.
    static func storedTypes(_ def: TableDefinition) -> [String: ColumnType] {
        var out: [String: ColumnType] = [:]
        for c in def.columns { out[c.name] = c.type }
        return out
    }

    /// BIGINT columns whose stored type is INTEGER become INTEGER when every value fits 32 bits
    /// (a value that does not fit keeps the column BIGINT rather than fail or wrap).
    static func narrowToStoredTypes(_ input: inout ColumnarWriteInput, _ stored: [String: ColumnType]) {
        if stored.isEmpty { return }
        for i in input.types.indices where input.types[i] == .bigint && stored[input.names[i]] == .integer {
            let c = input.columns[i]
            guard case .int64(let a) = c.data else { continue }
            var fits = true
            a.withUnsafeBufferPointer { p in
                var lo = Int64.max, hi = Int64.min
                if let v = c.validity {
                    for j in 0..<p.count where v[j] != 0 { lo = min(lo, p[j]); hi = max(hi, p[j]) }
                } else {
                    for x in p { lo = min(lo, x); hi = max(hi, x) }
                }
                fits = lo >= Int64(Int32.min) && hi <= Int64(Int32.max)
            }
            if fits { input.types[i] = .integer }
        }
    }
}
