import Foundation
import StrataTestSupport
import Testing
import StrataIngest
import StrataStore
@testable import StrataQuery

// COPY t FROM 'x.parquet' (issue 17): Parquet is ingested as one atomic, idempotent batch,
// alone, by glob, mixed with CSV, and a corrupt file is named with nothing committed.

private struct Fixture {
    let runner: SQLLogicRunner
    var dir: String { runner.scratch }
    init() throws { runner = try SQLLogicRunner() }

    func rows(_ sql: String) throws -> [[String]] {
        let r = try #require(try runner.engine.execute(sql.replacingOccurrences(of: "$D", with: dir)).last).result
        return (0..<r.rowCount).map { i in r.columns.map { SQLLogicRunner.cell($0[i]) } }
    }

    func error(_ sql: String) -> String {
        failure(runner.engine, sql.replacingOccurrences(of: "$D", with: dir))?.message ?? "no error"
    }
}

@Test func copyFromParquetIsAnIngest() throws {
    let f = try Fixture()
    _ = try f.rows("CREATE TABLE src (ts TIMESTAMP, n BIGINT, i INTEGER, x DOUBLE, b BOOLEAN, s VARCHAR, d DATE) PARTITION BY day(ts)")
    _ = try f.rows("""
        INSERT INTO src VALUES (TIMESTAMP '2024-05-01 10:00:00.123456', 9223372036854775807, -5, 1.5, true, 'Zürich 東京', DATE '2024-05-01'),
          (TIMESTAMP '2024-06-02 00:00:00', NULL, 7, NULL, false, NULL, NULL),
          (TIMESTAMP '2024-06-03 23:59:59', -9223372036854775807, NULL, -0.25, NULL, '', DATE '1970-01-01')
        """)
    _ = try f.rows("COPY src TO '$D/pq/a.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2)")
    _ = try f.rows("COPY (SELECT * FROM src WHERE n IS NULL) TO '$D/pq/b.parquet' (FORMAT parquet)")
    // columns in another order, and one fewer: mapped by name, the missing one NULL
    _ = try f.rows("COPY (SELECT s, ts, n FROM src) TO '$D/other/c.data' (FORMAT parquet)")
    _ = try f.rows("CREATE TABLE dst (ts TIMESTAMP, n BIGINT, i INTEGER, x DOUBLE, b BOOLEAN, s VARCHAR, d DATE) PARTITION BY month(ts)")
    #expect(try f.rows("COPY dst FROM '$D/pq/*.parquet'") == [["copied 4 rows into dst"]])
    #expect(try f.rows("SELECT * FROM dst WHERE n IS NOT NULL ORDER BY ts") == (try f.rows("SELECT * FROM src WHERE n IS NOT NULL ORDER BY ts")))
    #expect(try f.rows("SELECT count(*), count(n) FROM dst") == [["4", "2"]])
    // the same files again: one batch already loaded
    #expect(try f.rows("COPY dst FROM '$D/pq/*.parquet'")[0][0].contains("loaded before"))
    // FORMAT parquet for a name without the extension
    #expect(try f.rows("COPY dst FROM '$D/other/c.data' (FORMAT parquet)") == [["copied 3 rows into dst"]])
    #expect(try f.rows("SELECT count(*), count(i) FROM dst") == [["7", "3"]])
    // a corrupt file is named, nothing of the batch is loaded
    let good = try Data(contentsOf: URL(fileURLWithPath: f.dir + "/pq/a.parquet"))
    try Data(good.prefix(good.count - 3)).write(to: URL(fileURLWithPath: f.dir + "/bad/x.parquet".replacingOccurrences(of: "/bad/", with: "/pq/bad-")))
    let e = f.error("COPY dst FROM '$D/pq/*.parquet' (FORCE)")
    #expect(e.contains("bad-x.parquet: not a Parquet file"), "\(e)")
    #expect(try f.rows("SELECT count(*) FROM dst") == [["7"]])
}
