import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
import StrataParquet
@testable import StrataQuery

/// `strata export` and `COPY table TO` write a table's columns with its own types, so Spark,
/// Trino and ClickHouse see what `strata describe` shows (found by Benchmarks/export_interop.py:
/// the harness table's INTEGER profile_id/link_id came out as INT64).
@Suite struct ExportTypesTests {
    static func setup() throws -> SQLLogicRunner {
        let r = try SQLLogicRunner()
        _ = try r.engine.execute("CREATE TABLE ev (ts TIMESTAMP, i INTEGER, n BIGINT, d DATE, x DOUBLE, b BOOLEAN, s VARCHAR) PARTITION BY month(ts)")
        _ = try r.engine.execute("""
            INSERT INTO ev VALUES ('2024-04-30 23:00:00.123456', 2147483647, 9007199254740993, '2024-04-30', 0.5, true, 'a'),
            ('2024-05-01 00:00:00', -2147483648, -1, '1900-01-01', NULL, NULL, 'ü'), ('2024-05-31 12:00:00', NULL, NULL, NULL, -0.0, false, NULL)
            """)
        return r
    }

    static func parquetTypes(_ path: String) throws -> [String] {
        let f = try ParquetFile(path: path)
        return f.columns.map { c in "\(c.name) \(c.type?.sqlName ?? "?")" }
    }

    static let tableTypes = ["ts TIMESTAMP", "i INTEGER", "n BIGINT", "d DATE", "x DOUBLE", "b BOOLEAN", "s VARCHAR"]

    @Test func exportKeepsIntegerColumnsInt32() throws {
        let r = try Self.setup()
        let s = try Export.run(engine: r.engine, ExportRequest(table: "ev", directory: r.scratch + "/lake", options: FileWriteOptions(format: .parquet)))
        #expect(s.files == ["month=2024-04/part-00000.parquet", "month=2024-05/part-00000.parquet"])
        for file in s.files {
            #expect(try Self.parquetTypes(r.scratch + "/lake/ev/" + file) == Self.tableTypes, "\(file)")
        }
        // the values are the table's, read back through the files
        let q = "SELECT month, ts, i, n, d, x, b, s FROM read_parquet('\(r.scratch)/lake/ev/*/*.parquet', hive_partitioning = true) ORDER BY ts"
        let res = try #require(try r.engine.execute(q).last?.result)
        let rows = (0..<res.rowCount).map { i in res.columns.map { SQLLogicRunner.cell($0[i]) } }
        #expect(rows == [["2024-04", "2024-04-30 23:00:00.123456", "2147483647", "9007199254740993", "2024-04-30", "0.5", "true", "a"],
                         ["2024-05", "2024-05-01 00:00:00", "-2147483648", "-1", "1900-01-01", "NULL", "NULL", "ü"],
                         ["2024-05", "2024-05-31 12:00:00", "NULL", "NULL", "NULL", "-0.0", "false", "NULL"]])
    }

    @Test func copyTableKeepsIntegerColumnsWhileCopyQueryIsBigint() throws {
        let r = try Self.setup()
        _ = try r.engine.execute("COPY ev TO '\(r.scratch)/t.parquet'")
        #expect(try Self.parquetTypes(r.scratch + "/t.parquet") == Self.tableTypes)
        _ = try r.engine.execute("COPY ev (s, i) TO '\(r.scratch)/cols.parquet'")
        #expect(try Self.parquetTypes(r.scratch + "/cols.parquet") == ["s VARCHAR", "i INTEGER"])
        _ = try r.engine.execute("COPY ev TO '\(r.scratch)/part' (FORMAT parquet, PARTITION_BY (b))")
        #expect(try Self.parquetTypes(r.scratch + "/part/b=true/data_0.parquet") == Self.tableTypes.filter { $0 != "b BOOLEAN" })
        // a query's integers are the engine's BIGINT (an expression may leave the 32-bit range)
        _ = try r.engine.execute("COPY (SELECT i, i * 2 AS j FROM ev) TO '\(r.scratch)/q.parquet'")
        #expect(try Self.parquetTypes(r.scratch + "/q.parquet") == ["i BIGINT", "j BIGINT"])
    }

    @Test func narrowingKeepsBigintWhenAValueDoesNotFit() {
        let a = Column(.int64([1, 1 << 31]), validity: nil)
        let b = Column(.int64([5, 1 << 40]), validity: [1, 0])
        let c = Column(.int64([0, 0]), validity: [0, 0])
        let types: [ColumnType] = [.bigint, .bigint, .bigint]
        var input = ColumnarWriteInput(names: ["a", "b", "c"], types: types, columns: [a, b, c], rows: 2, options: [:])
        FileWriter.narrowToStoredTypes(&input, ["a": .integer, "b": .integer, "c": .integer])
        #expect(input.types == [ColumnType.bigint, .integer, .integer])
        FileWriter.narrowToStoredTypes(&input, ["a": .bigint])
        #expect(input.types == [ColumnType.bigint, .integer, .integer])
    }
}
