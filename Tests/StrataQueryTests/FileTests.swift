import Foundation
import StrataTestSupport
import Testing
import StrataIngest
import StrataGen
import StrataStore
import StrataParquet
@testable import StrataQuery

// Files in place (docs/files.md): read_csv / read_json / read_ndjson / FROM 'path' over small
// files in the scratch directory, COPY TO/FROM, and `strata export`'s library side.

private struct FileFixture {
    let runner: SQLLogicRunner
    let dir: String
    var engine: QueryEngine { runner.engine }

    init() throws {
        runner = try SQLLogicRunner()
        dir = runner.scratch
    }

    func write(_ rel: String, _ text: String) throws {
        let path = dir + "/" + rel
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func rows(_ sql: String) throws -> [[String]] {
        let r = try #require(try engine.execute(sql.replacingOccurrences(of: "$D", with: dir)).last).result
        return (0..<r.rowCount).map { i in r.columns.map { SQLLogicRunner.cell($0[i]) } }
    }

    func error(_ sql: String) -> String {
        failure(engine, sql.replacingOccurrences(of: "$D", with: dir))?.message ?? "no error"
    }

    func plan(_ sql: String) throws -> String {
        try rows("EXPLAIN " + sql).map { $0[0] }.joined(separator: "\n")
    }

    func files(_ rel: String) -> [String] {
        let root = dir + "/" + rel
        return ((try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []).filter { p in
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: root + "/" + p, isDirectory: &d) && !d.boolValue
        }.sorted()
    }
}

@Test func globsStarDoubleStarAndBraces() throws {
    let f = try FileFixture()
    try f.write("logs/a.csv", "n,s\n1,x\n")
    try f.write("logs/b.csv", "n,s\n2,y\n")
    try f.write("logs/c.txt", "not,csv\n")
    try f.write("logs/deep/er/d.csv", "n,s\n3,z\n")
    try f.write("logs/_SUCCESS", "")
    #expect(try f.rows("SELECT n, s FROM '$D/logs/*.csv' ORDER BY n") == [["1", "x"], ["2", "y"]])
    #expect(try f.rows("SELECT n FROM '$D/logs/**/*.csv' ORDER BY n") == [["1"], ["2"], ["3"]])
    #expect(try f.rows("SELECT n FROM read_csv('$D/logs/{a,deep/er/d}.csv') ORDER BY n") == [["1"], ["3"]])
    #expect(try f.rows("SELECT n FROM read_csv(['$D/logs/a.csv', '$D/logs/b.csv']) ORDER BY n") == [["1"], ["2"]])
    #expect(f.error("SELECT * FROM '$D/logs/*.parquet.none.csv'").contains("no files match"))
    #expect(f.error("SELECT * FROM '$D/logs/missing.csv'").contains("no such file"))
    #expect(f.error("SELECT * FROM '$D/logs/c.txt'").contains("cannot tell the format"))
    // a file that only looks like Parquet is named as corrupt, whichever way it is read
    try f.write("p/x.parquet", "PAR1")
    #expect(f.error("SELECT * FROM read_parquet('$D/p/*.parquet', hive_partitioning = true)").contains("x.parquet"))
    #expect(f.error("SELECT * FROM '$D/p/x.parquet'").contains("x.parquet"))
}

@Test func hivePartitionColumnsAreTypedAndPruneFiles() throws {
    let f = try FileFixture()
    try f.write("h/year=2024/day=2024-05-01/x.csv", "v\n1\n2\n")
    try f.write("h/year=2024/day=2024-05-02/x.csv", "v\n3\n")
    try f.write("h/year=2025/day=2025-01-01/x.csv", "v\n4\n")
    try f.write("m/month=2024-05/x.ndjson", "{\"v\": 1}\n")
    try f.write("m/month=2024-06/x.ndjson", "{\"v\": 2}\n")
    // integers → BIGINT, dates → DATE, else VARCHAR (DuckDB's inference)
    #expect(try f.rows("SELECT year + 1, day + 1, v FROM read_csv('$D/h/*/*/*.csv', hive_partitioning = true) ORDER BY v")
            == [["2025", "2024-05-02", "1"], ["2025", "2024-05-02", "2"], ["2025", "2024-05-03", "3"], ["2026", "2025-01-02", "4"]])
    #expect(try f.rows("SELECT month || '!', v FROM '$D/m/*/*.ndjson' ORDER BY v") == [["2024-05!", "1"], ["2024-06!", "2"]])
    // a filter on partition columns skips files before they are read
    let sql = "SELECT sum(v) FROM read_csv('$D/h/**/*.csv', hive_partitioning = true) WHERE year = 2024 AND day > DATE '2024-05-01'"
    #expect(try f.rows(sql) == [["3"]])
    let p = try f.plan(sql.replacingOccurrences(of: "$D", with: f.dir))
    #expect(p.contains("1 of 3 files (2 pruned)"), "\(p)")
    // hive_partitioning = false: no partition columns
    #expect(f.error("SELECT month FROM read_ndjson('$D/m/*/*.ndjson', hive_partitioning = false)").contains("month"))
}

@Test func filenameColumnAndJoinsWithAStoredTable() throws {
    let f = try FileFixture()
    try f.write("j/a.ndjson", "{\"id\": 1, \"name\": \"one\"}\n{\"id\": 2, \"name\": \"two\"}\n")
    try f.write("j/b.json", "[{\"id\": 3, \"name\": \"three\"},\n {\"id\": 1, \"name\": \"uno\"}]\n")
    #expect(try f.rows("SELECT id, replace(filename, '$D/', '') FROM read_ndjson('$D/j/a.ndjson', filename = true) ORDER BY id")
            == [["1", "j/a.ndjson"], ["2", "j/a.ndjson"]])
    #expect(try f.rows("SELECT id, name FROM read_json('$D/j/b.json') ORDER BY id") == [["1", "uno"], ["3", "three"]])
    _ = try f.engine.execute("CREATE TABLE t (ts TIMESTAMP, id BIGINT) PARTITION BY day(ts)")
    _ = try f.engine.execute("INSERT INTO t VALUES ('2024-01-01 00:00:00', 1), ('2024-01-02 00:00:00', 2), ('2024-01-03 00:00:00', 1)")
    #expect(try f.rows("SELECT j.name, count(*) FROM t JOIN '$D/j/a.ndjson' j ON t.id = j.id GROUP BY j.name ORDER BY j.name")
            == [["one", "2"], ["two", "1"]])
    #expect(try f.rows("WITH x AS (SELECT * FROM '$D/j/*.{ndjson,json}') SELECT count(*), count(DISTINCT id) FROM x") == [["4", "3"]])
    // JSON keys are matched by name: the columns are those of all files' objects
    try f.write("k/1.ndjson", "{\"a\": 1}\n")
    try f.write("k/2.ndjson", "{\"b\": \"x\", \"a\": 2}\n")
    #expect(try f.rows("SELECT a, b FROM '$D/k/*.ndjson' ORDER BY a") == [["1", "NULL"], ["2", "x"]])
}

@Test func autoDetectAndExplicitColumnsAndTypes() throws {
    let f = try FileFixture()
    try f.write("d/typed.csv", "i,d,b,day,ts,s\n1,1.5,true,2024-05-01,2024-05-01 10:00:00,a\n2,,false,2024-05-02,2024-05-02 11:30:00,\"b,c\"\n")
    try f.write("d/noheader.csv", "1,a\n2,b\n")
    try f.write("d/semi.csv", "a;b\n1;2\n")
    #expect(try f.rows("SELECT i + 1, d * 2, NOT b, day + 1, ts + INTERVAL 1 HOUR, s FROM '$D/d/typed.csv' ORDER BY i")
            == [["2", "3.0", "false", "2024-05-02", "2024-05-01 11:00:00", "a"], ["3", "NULL", "true", "2024-05-03", "2024-05-02 12:30:00", "b,c"]])
    #expect(try f.rows("SELECT column0 * 10, column1 FROM '$D/d/noheader.csv' ORDER BY 1") == [["10", "a"], ["20", "b"]])
    #expect(try f.rows("SELECT a + b FROM '$D/d/semi.csv'") == [["3"]])
    #expect(try f.rows("SELECT x || '!', y FROM read_csv('$D/d/noheader.csv', columns = {'x': 'VARCHAR', 'y': 'VARCHAR'}) ORDER BY x") == [["1!", "a"], ["2!", "b"]])
    #expect(try f.rows("SELECT i || '' FROM read_csv('$D/d/typed.csv', types = {'i': 'VARCHAR'}) ORDER BY 1") == [["1"], ["2"]])
    #expect(try f.rows("SELECT count(*) FROM read_csv('$D/d/typed.csv', all_varchar = true) WHERE b = 'true'") == [["1"]])
    #expect(f.error("SELECT * FROM read_csv('$D/d/typed.csv', nope = 1)").contains("unknown option 'nope'"))
    #expect(f.error("SELECT * FROM read_csv('$D/d/typed.csv', columns = {'a': 'BLOB'})").contains("unknown type 'BLOB'"))
}

@Test func badFilesNameFileLineAndColumn() throws {
    let f = try FileFixture()
    var text = "id,price\n"
    for i in 0..<30 { text += "\(i),\(i)\n" }
    text += "30,abc\n"
    try f.write("bad/price.csv", text)
    try f.write("bad/width.csv", "a,b\n1,2\n3,4,5\n")
    try f.write("bad/quote.csv", "a,b\n1,\"x\n")
    try f.write("bad/json.ndjson", "{\"a\": 1}\n{\"a\": 2,}\n")
    let e1 = f.error("SELECT sum(price) FROM read_csv('$D/bad/price.csv', sample_size = 10)")
    #expect(e1.contains("bad/price.csv:32: column 2 'price': cannot read 'abc' as BIGINT"), "\(e1)")
    let e2 = f.error("SELECT * FROM '$D/bad/width.csv'")
    #expect(e2.contains("bad/width.csv:3: expected 2 fields (a, b), found 3"), "\(e2)")
    let e3 = f.error("SELECT * FROM '$D/bad/quote.csv'")
    #expect(e3.contains("bad/quote.csv:2") && e3.contains("quote"), "\(e3)")
    let e4 = f.error("SELECT * FROM '$D/bad/json.ndjson'")
    #expect(e4.contains("bad/json.ndjson:2:"), "\(e4)")
    // a later file with other columns is refused, not read shifted
    try f.write("bad/two/a.csv", "a,b\n1,2\n")
    try f.write("bad/two/b.csv", "b,a\n3,4\n")
    let e5 = f.error("SELECT * FROM '$D/bad/two/*.csv'")
    #expect(e5.contains("bad/two/b.csv:1: the header (b, a) differs from the first file's (a, b)"), "\(e5)")
    // with every row sampled the column is text, not an error
    #expect(try f.rows("SELECT count(*) FROM read_csv('$D/bad/price.csv', sample_size = -1) WHERE price = 'abc'") == [["1"]])
}

@Test func copyToCSVRoundTripsAndPartitionLayout() throws {
    let f = try FileFixture()
    _ = try f.engine.execute("CREATE TABLE c (ts TIMESTAMP, k BIGINT, s VARCHAR, x DOUBLE, b BOOLEAN) PARTITION BY month(ts)")
    var values: [String] = []
    for i in 0..<200 {
        let s = i % 7 == 0 ? "NULL" : "'s\(i % 5), \"q\"'"
        let x = i % 11 == 0 ? "NULL" : String(Double(i) / 4 - 20)
        values.append("('2024-0\(1 + i % 3)-\(10 + i % 9) 0\(i % 10):00:00', \(i * 1_000_003 - 70_000_000), \(s), \(x), \(i % 2 == 0))")
    }
    _ = try f.engine.execute("INSERT INTO c VALUES " + values.joined(separator: ", "))
    let all = "SELECT ts, k, s, x, b FROM c ORDER BY k"
    for (name, opts) in [("c.csv", ""), ("c.csv.gz", ""), ("c.tsv.zst", ""), ("c2.csv", " (HEADER false, DELIMITER '|')"), ("c.ndjson", ""), ("c.json", " (FORMAT json, ARRAY true)")] {
        _ = try f.rows("COPY c TO '$D/out/\(name)'\(opts)")
        var read = "'$D/out/\(name)'"
        if name == "c2.csv" { read = "read_csv('$D/out/c2.csv', header = false, delim = '|', columns = {'ts': 'TIMESTAMP', 'k': 'BIGINT', 's': 'VARCHAR', 'x': 'DOUBLE', 'b': 'BOOLEAN'})" }
        #expect(try f.rows("SELECT ts, k, s, x, b FROM \(read) ORDER BY k") == (try f.rows(all)), "\(name)")
    }
    // PARTITION_BY: Hive directories, the partition columns left out of the files
    _ = try f.rows("COPY (SELECT k, s, b, strftime(ts, '%Y-%m') AS month FROM c) TO '$D/parts' (FORMAT csv, PARTITION_BY (month, b))")
    #expect(f.files("parts") == ["month=2024-01/b=false/data_0.csv", "month=2024-01/b=true/data_0.csv", "month=2024-02/b=false/data_0.csv",
                                 "month=2024-02/b=true/data_0.csv", "month=2024-03/b=false/data_0.csv", "month=2024-03/b=true/data_0.csv"])
    let head = try String(contentsOfFile: f.dir + "/parts/month=2024-01/b=true/data_0.csv", encoding: .utf8).split(separator: "\n")[0]
    #expect(head == "k,s")
    #expect(try f.rows("SELECT month, b, count(*), sum(k) FROM '$D/parts/*/*/*.csv' GROUP BY ALL ORDER BY 1, 2")
            == (try f.rows("SELECT strftime(ts, '%Y-%m'), b, count(*), sum(k) FROM c GROUP BY ALL ORDER BY 1, 2")))
    // an existing non-empty target needs OVERWRITE (replaced) or OVERWRITE_OR_IGNORE (written into)
    #expect(f.error("COPY (SELECT 1 AS v, 'x' AS p) TO '$D/parts' (FORMAT csv, PARTITION_BY (p))").contains("not empty; add OVERWRITE"))
    _ = try f.rows("COPY (SELECT 1 AS v, 'x' AS p) TO '$D/parts' (FORMAT csv, PARTITION_BY (p), OVERWRITE_OR_IGNORE)")
    #expect(f.files("parts").count == 7)
    _ = try f.rows("COPY (SELECT 1 AS v, 'y' AS p) TO '$D/parts' (FORMAT csv, PARTITION_BY (p), OVERWRITE)")
    #expect(f.files("parts") == ["p=y/data_0.csv"])
    // no temporary files are left behind
    #expect(!f.files("out").contains { $0.hasPrefix(".") })
    #expect(f.error("COPY c TO '$D/out/c.parquet' (COMPRESSION xz)").contains("unknown Parquet compression"))
    #expect(f.error("COPY c TO '$D/out/x.csv' (FORMAT xml)").contains("unknown FORMAT"))
}

@Test func copyFromIsAnIngest() throws {
    let f = try FileFixture()
    try f.write("in/a.csv", "ts,link_id,country\n2024-05-01 10:00:00,1,DE\n2024-05-02 10:00:00,2,US\n")
    try f.write("in/b.csv", "ts,link_id,country\n2024-06-01 10:00:00,3,FR\n")
    _ = try f.engine.execute("CREATE TABLE a (ts TIMESTAMP, link_id BIGINT, country VARCHAR) PARTITION BY day(ts)")
    _ = try f.engine.execute("CREATE TABLE b (ts TIMESTAMP, link_id BIGINT, country VARCHAR) PARTITION BY day(ts)")
    #expect(try f.rows("COPY a FROM '$D/in/*.csv' (FORMAT csv, HEADER)") == [["copied 3 rows into a"]])
    var o = IngestOptions()
    o.createIfMissing = false
    o.threads = 2
    _ = try Ingestor.ingest(store: f.runner.store, table: "b", files: [f.dir + "/in/a.csv", f.dir + "/in/b.csv"], options: o)
    #expect(try f.rows("SELECT * FROM a ORDER BY ts") == (try f.rows("SELECT * FROM b ORDER BY ts")))
    // one batch: the same content again is skipped, as ingest does
    #expect(try f.rows("COPY a FROM '$D/in/*.csv'")[0][0].contains("loaded before"))
    #expect(try f.rows("SELECT count(*) FROM a") == [["3"]])
    #expect(f.error("COPY nope FROM '$D/in/a.csv'").contains("does not exist"))
}

@Test func exportWritesHiveLayoutSuccessLastAndRerunsReplace() throws {
    let f = try FileFixture()
    _ = try f.engine.execute("CREATE TABLE ev (ts TIMESTAMP, n BIGINT, s VARCHAR) PARTITION BY month(ts)")
    _ = try f.engine.execute("INSERT INTO ev VALUES ('2024-04-30 23:00:00', 1, 'a'), ('2024-05-01 00:00:00', 2, 'b'), ('2024-05-31 12:00:00', 3, NULL), ('2024-07-02 00:00:00', 4, 'd')")
    var r = ExportRequest(table: "ev", directory: f.dir + "/lake", options: FileWriteOptions(format: .csv))
    var s = try Export.run(engine: f.engine, r)
    #expect(s.rows == 4)
    #expect(f.files("lake") == ["ev/_SUCCESS", "ev/month=2024-04/part-00000.csv", "ev/month=2024-05/part-00000.csv", "ev/month=2024-07/part-00000.csv"])
    #expect(try f.rows("SELECT month, n, s FROM '$D/lake/ev/*/*.csv' ORDER BY n")
            == [["2024-04", "1", "a"], ["2024-05", "2", "b"], ["2024-05", "3", "NULL"], ["2024-07", "4", "d"]])
    // a rerun replaces the table's files: other partitions and formats do not pile up
    r.options = FileWriteOptions(format: .ndjson)
    r.from = 1_714_521_600_000_000  // 2024-05-01
    r.whereSQL = "n <> 3"
    s = try Export.run(engine: f.engine, r)
    #expect(s.rows == 2 && s.removed == 3)
    #expect(f.files("lake") == ["ev/_SUCCESS", "ev/month=2024-05/part-00000.ndjson", "ev/month=2024-07/part-00000.ndjson"])
    #expect(try f.rows("SELECT n FROM '$D/lake/ev/**/*.ndjson' ORDER BY n") == [["2"], ["4"]])
    // Parquet (the default of `strata export`): the same layout, read back through the files
    r.options = FileWriteOptions(format: .parquet)
    s = try Export.run(engine: f.engine, r)
    #expect(s.rows == 2)
    #expect(f.files("lake") == ["ev/_SUCCESS", "ev/month=2024-05/part-00000.parquet", "ev/month=2024-07/part-00000.parquet"])
    #expect(try f.rows("SELECT n FROM read_parquet('$D/lake/ev/**/*.parquet', hive_partitioning = true) ORDER BY n") == [["2"], ["4"]])
}

@Test func largeCSVAcrossBlocksAndThreadsEqualsTheIngestedTable() throws {
    let f = try FileFixture()
    TextFileReader.blockSize = 64 << 10  // many blocks, each split into pieces parsed on both threads
    defer { TextFileReader.blockSize = 16 << 20 }
    let path = f.dir + "/gen.csv"
    var bytes: [UInt8] = []
    try ClickGenerator(options: .init(rows: 20_000, seed: 7)).write { bytes.append(contentsOf: $0) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    #expect(bytes.count > 20 * (64 << 10))
    var o = IngestOptions()
    o.threads = 2
    _ = try Ingestor.ingest(store: f.runner.store, table: "clicks", files: [path], options: o)
    let q = "SELECT count(*), count(link_id), sum(link_id), count(DISTINCT visitor_id), min(ts), max(ts), sum(revenue), sum(CASE WHEN referrer IS NULL OR referrer = '' THEN 0 ELSE 1 END) FROM "
    // (an empty field is NULL in a file scan, as in DuckDB; ingest keeps it as '' unless --empty-as-null)
    #expect(try f.rows(q + "'$D/gen.csv'") == (try f.rows(q + "clicks")))
    #expect(try f.rows("SELECT country, count(*) FROM '$D/gen.csv' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5")
            == (try f.rows("SELECT country, count(*) FROM clicks GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5")))
}

/// COPY … TO Parquet (every codec, row groups, Hive partitions) read back with read_parquet
/// and a quoted path gives the rows of the table, with NULLs, unicode and every type.
@Test func parquetRoundTripsThroughCopyAndReadParquet() throws {
    let f = try FileFixture()
    _ = try f.rows("CREATE TABLE t (ts TIMESTAMP, d DATE, n BIGINT, i INTEGER, x DOUBLE, b BOOLEAN, s VARCHAR)")
    _ = try f.rows("""
        INSERT INTO t VALUES (TIMESTAMP '2024-05-01 10:00:00.123456', DATE '2024-05-01', 9223372036854775807, -5, 1.5, true, 'Zürich 東京'),
          (TIMESTAMP '2024-06-02 00:00:00', NULL, NULL, 7, NULL, false, NULL),
          (TIMESTAMP '2024-06-03 23:59:59', DATE '1970-01-01', -9223372036854775807, NULL, -0.25, NULL, '')
        """)
    let want = try f.rows("SELECT * FROM t ORDER BY ts")
    for codec in ["zstd", "snappy", "gzip", "lz4", "brotli", "uncompressed"] {
        _ = try f.rows("COPY t TO '$D/pq/\(codec).parquet' (FORMAT parquet, COMPRESSION \(codec), ROW_GROUP_SIZE 2)")
        #expect(try f.rows("SELECT * FROM read_parquet('$D/pq/\(codec).parquet') ORDER BY ts") == want, "\(codec)")
    }
    #expect(try f.rows("SELECT count(*), count(s), sum(i) FROM '$D/pq/*.parquet'") == [["18", "12", "12"]])
    _ = try f.rows("COPY (SELECT *, strftime(ts, '%Y-%m') AS month FROM t) TO '$D/hive' (FORMAT parquet, PARTITION_BY (month))")
    #expect(try f.rows("SELECT month, count(*) FROM read_parquet('$D/hive/**/*.parquet', hive_partitioning = true) GROUP BY month ORDER BY month")
        == [["2024-05", "1"], ["2024-06", "2"]])
    // files join stored tables
    #expect(try f.rows("SELECT count(*) FROM t JOIN '$D/pq/zstd.parquet' AS p ON t.ts = p.ts AND p.s IS NOT DISTINCT FROM t.s") == [["3"]])
}

/// `COPY table TO 'x.parquet'` reads a time-partitioned table one partition at a time and
/// appends each to the writer: the file holds the table's rows and types, row groups cut at
/// ROW_GROUP_SIZE across partition boundaries, and no temporary file remains.
@Test func copyOfAPartitionedTableStreamsPartitions() throws {
    let f = try FileFixture()
    _ = try f.rows("CREATE TABLE ev (ts TIMESTAMP, k INTEGER, s VARCHAR, x DOUBLE) PARTITION BY day(ts) ORDER BY (k, ts)")
    var values: [String] = []
    for i in 0..<700 {
        let day = 1 + (i * 7) % 9
        let s = i % 11 == 0 ? "NULL" : "'v\(i % 37)'"
        let x = i % 13 == 0 ? "NULL" : "\(Double(i) / 4)"
        values.append("(TIMESTAMP '2024-03-0\(day) \(String(format: "%02d", i % 24)):\(String(format: "%02d", i % 60)):00', \(i % 50 - 25), \(s), \(x))")
    }
    _ = try f.rows("INSERT INTO ev VALUES " + values.joined(separator: ", "))
    let want = try f.rows("SELECT * FROM ev ORDER BY ts, k, s, x")
    #expect(want.count == 700)
    _ = try f.rows("COPY ev TO '$D/ev.parquet' (FORMAT parquet, ROW_GROUP_SIZE 64)")
    #expect(try f.rows("SELECT * FROM '$D/ev.parquet' ORDER BY ts, k, s, x") == want)
    let meta = try ParquetFile(path: f.dir + "/ev.parquet")
    #expect(meta.rowGroups.map(\.rowCount) == Array(repeating: 64, count: 10) + [60])
    // each partition's rows stay together, partitions in time order (read on one thread: the
    // file's order; two threads hand out row groups in any order)
    _ = try f.rows("SET threads = 1")
    let days = try f.rows("SELECT CAST(ts AS DATE) FROM '$D/ev.parquet'").map { $0[0] }
    _ = try f.rows("SET threads = 2")
    #expect(days == days.sorted())
    // a column list, and a rerun replaces the file
    _ = try f.rows("COPY ev (s, ts) TO '$D/ev.parquet' (FORMAT parquet)")
    #expect(try f.rows("SELECT count(*), count(s), min(ts) FROM '$D/ev.parquet'") == [["700", "636", "2024-03-01 00:00:00"]])
    #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir).filter { $0.contains(".tmp") }.isEmpty)
}
