import Foundation
import Testing
import StrataFormat
import StrataSQL
import StrataStore
@testable import StrataQuery

// Statements the conformance files cannot reach: views persisted across reopening a store,
// view files that are damaged, one commit per INSERT, a CREATE TABLE ... AS whose rows cannot
// be written, and the statement a failing script names.

private func rows(_ engine: QueryEngine, _ sql: String) throws -> [[String]] {
    let r = try #require(try engine.execute(sql).last).result
    return (0..<r.rowCount).map { i in r.columns.map { SQLLogicRunner.cell($0[i]) } }
}

@Test func viewsPersistAndKeepTheirText() throws {
    let runner = try SQLLogicRunner()
    let e = runner.engine
    _ = try e.execute("CREATE TABLE t (ts TIMESTAMP, n INTEGER) PARTITION BY day(ts)")
    _ = try e.execute("INSERT INTO t VALUES ('2024-01-01 10:00:00', 1), ('2024-01-02 10:00:00', 2)")
    let text = "SELECT n * 10   AS big -- tens\nFROM t WHERE n > 1"
    _ = try e.execute("CREATE VIEW v (x) AS \(text);")
    // a new store object and engine over the same folder see the view
    let store = try Store(root: runner.store.root, create: false)
    let engine = try QueryEngine(store: store, threads: 1)
    #expect(try rows(engine, "SELECT x FROM v") == [["20"]])
    #expect(try store.view("v")?.sql == text)
    #expect(try store.view("v")?.columns == ["x"])
    #expect(store.viewNames() == ["v"])
    #expect(store.tableNames() == ["t"])
    #expect(try rows(engine, "SHOW TABLES") == [["t"], ["v"]])
    // the names are one namespace
    #expect(failure(engine, "CREATE TABLE v (a INTEGER)")?.message.contains("a view with that name exists") == true)
    #expect(failure(engine, "CREATE VIEW t AS SELECT 1 AS a")?.message.contains("a table with that name exists") == true)
}

@Test func aStoreWithoutViewsOpensAndADamagedViewIsNamed() throws {
    let runner = try SQLLogicRunner()
    let e = runner.engine
    #expect(runner.store.viewNames() == [])
    #expect(try rows(e, "SHOW TABLES") == [])
    _ = try e.execute("CREATE VIEW one AS SELECT 1 AS a")
    let path = runner.store.root + "/_views/one.view"
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[20] ^= 0x01
    unlink(path)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let err = try #require(failure(e, "SELECT * FROM one"))
    #expect(err.kind == .corrupt)
    #expect(err.message.contains("one.view: view file checksum mismatch"))
    // dropping it still works (the file is removed, not read)
    _ = try e.execute("DROP VIEW one")
    #expect(runner.store.viewNames() == [])
}

@Test func viewsThatReferToThemselvesAreRefused() throws {
    let runner = try SQLLogicRunner()
    let e = runner.engine
    _ = try e.execute("CREATE VIEW a AS SELECT 1 AS x")
    _ = try e.execute("CREATE VIEW b AS SELECT x FROM a")
    let err = try #require(failure(e, "CREATE OR REPLACE VIEW a AS SELECT x FROM b"))
    #expect(err.message.contains("refers to itself"))
    #expect(try rows(e, "SELECT x FROM b") == [["1"]])
}

@Test func insertCommitsOnceAcrossPartitions() throws {
    let runner = try SQLLogicRunner()
    let e = runner.engine
    _ = try e.execute("CREATE TABLE t (ts TIMESTAMP, n INTEGER NOT NULL) PARTITION BY day(ts)")
    let before = try runner.store.table("t").currentManifest().version
    _ = try e.execute("INSERT INTO t VALUES ('2024-01-01 10:00:00', 1), ('2024-01-05 10:00:00', 2), ('2024-02-01 00:00:00', 3)")
    let m = try runner.store.table("t").currentManifest()
    #expect(m.version == before + 1)
    #expect(Set(m.segments.map(\.partition)).count == 3)
    // a failing INSERT commits nothing: a NULL time column, a NULL in a NOT NULL column
    #expect(failure(e, "INSERT INTO t VALUES ('2024-01-01 11:00:00', 4), (NULL, 5)")?.message.contains("time column 'ts' is NULL") == true)
    #expect(failure(e, "INSERT INTO t (ts) VALUES ('2024-01-01 11:00:00')")?.message.contains("NOT NULL constraint failed: t.n") == true)
    #expect(try runner.store.table("t").currentManifest().version == m.version)
    #expect(try rows(e, "SELECT count(*) FROM t") == [["3"]])
}

@Test func createTableAsThatCannotWriteLeavesNoTable() throws {
    let runner = try SQLLogicRunner()
    let e = runner.engine
    let err = try #require(failure(e, "CREATE TABLE p PARTITION BY day(ts) AS SELECT * FROM (VALUES (TIMESTAMP '2024-01-01 00:00:00'), (NULL)) v(ts)"))
    #expect(err.message.contains("time column 'ts' is NULL"))
    #expect(!runner.store.tableExists("p"))
    let bad = try #require(failure(e, "CREATE TABLE q PARTITION BY day(n) AS SELECT 1 AS n"))
    #expect(bad.message.contains("must be TIMESTAMP or DATE"))
    #expect(!runner.store.tableExists("q"))
}

@Test func aFailingScriptNamesItsStatement() throws {
    let runner = try SQLLogicRunner()
    let e = runner.engine
    _ = try e.execute("CREATE TABLE log (id INTEGER)")
    let script = "INSERT INTO log VALUES (1);\n\nINSERT INTO log\n  VALUES ('x');\nINSERT INTO log VALUES (3)"
    let err = try #require(failure(e, script))
    #expect(err.message.hasPrefix("statement 2 of 3 (line 3): error: column 'id' (INTEGER): "))
    #expect(err.detail.contains("statement 1 ran and what it wrote stays committed; statement 3 was not run"))
    #expect(try rows(e, "SELECT id FROM log") == [["1"]])
    // a syntax error anywhere runs nothing
    let syntax = try #require(failure(e, "INSERT INTO log VALUES (7); SELEC 1"))
    #expect(syntax.message.hasPrefix("statement 2 of 2: syntax error at line 1"))
    #expect(try rows(e, "SELECT id FROM log") == [["1"]])
    // a single statement's error is unchanged
    #expect(failure(e, "INSERT INTO nope VALUES (1)")?.message.hasPrefix("error: table 'nope' does not exist") == true)
    // results of the statements before the error were handed out
    var seen = 0
    do throws(EngineError) { try e.execute("SELECT 1; SELECT 2; SELECT nope") { _ in seen += 1 } } catch {}
    #expect(seen == 2)
}

@Test func newStatementsPrintAndParseBack() throws {
    for sql in [
        "INSERT INTO t (a, b) VALUES (1, 'x'), (2, NULL)",
        "INSERT INTO t SELECT * FROM u WHERE a IS NOT DISTINCT FROM b",
        "CREATE OR REPLACE VIEW v (a) AS SELECT x FROM (VALUES (1), (2)) AS w(x)",
        "CREATE VIEW IF NOT EXISTS v AS SELECT 1",
        "DROP VIEW IF EXISTS v",
        "CREATE TABLE c PARTITION BY day(ts) ORDER BY (ts) WITH (codec = 'lz4') AS SELECT ts FROM t",
        "VALUES (1, 2), (3, 4)",
        "SELECT a IS DISTINCT FROM b, NOT a IS NOT DISTINCT FROM NULL FROM t",
    ] {
        let s = try parseStatement(sql)
        #expect(try parseStatement(s.sqlText) == s, "\(sql) -> \(s.sqlText)")
    }
}
