import Foundation
import Testing
import StrataFormat
import StrataSQL
import StrataStore
@testable import StrataQuery

// An engine error keeps the SQL position and the chain of errors it came from: the query
// layer's, the store's, the format's.

/// The error `sql` fails with (nil: it ran); ErrorTests and StatementsTests use it.
func failure(_ engine: QueryEngine, _ sql: String) -> EngineError? {
    do {
        _ = try engine.execute(sql)
        return nil
    } catch {
        return error
    }
}

@Test func syntaxAndBindErrorsKeepTheirOffset() throws {
    let runner = try SQLLogicRunner()
    _ = try runner.engine.execute("CREATE TABLE t (ts TIMESTAMP, n INTEGER)")
    let syntax = try #require(failure(runner.engine, "SELECT n FORM t"))
    let parse = try #require(syntax.cause as? SQLError)
    #expect(syntax.offset == parse.offset && parse.offset == 9)
    #expect(syntax.kind == .user)

    let bind = try #require(failure(runner.engine, "SELECT nope FROM t"))
    let query = try #require(bind.cause as? QueryError)
    #expect(bind.offset == 7 && query.offset == 7)
    #expect(bind.message == "error: " + query.message)
}

@Test func aCorruptSegmentKeepsTheWholeChain() throws {
    let runner = try SQLLogicRunner()
    _ = try runner.engine.execute("CREATE TABLE t (ts TIMESTAMP, n INTEGER) PARTITION BY day(ts) ORDER BY (ts)")
    try runner.load("t", (0..<100).map { "2024-01-01 10:00:\(String(format: "%02d", $0 % 60))|\($0)" })
    let table = try runner.store.table("t")
    let path = table.segmentPath(try table.currentManifest().segments[0])
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[0] ^= 0xFF
    unlink(path)
    try Data(bytes).write(to: URL(fileURLWithPath: path))

    let e = try #require(failure(runner.engine, "SELECT sum(n) FROM t"))
    #expect(e.kind == .corrupt)
    #expect(e.message == "corrupt data: \(path): not a Strata segment (bad magic at start)")
    let query = try #require(e.cause as? QueryError)
    #expect(query.kind == .corrupt)
    let store = try #require(query.cause as? StoreError)
    #expect(store.kind == .corrupt && store.path == path)
    let format = try #require(store.cause as? FormatError)
    #expect(format.kind == .badMagic && format.path == path)

    // DELETE as a statement reports it once, with its prefix once
    let d = try #require(failure(runner.engine, "DELETE FROM t WHERE n = 1"))
    #expect(d.kind == .corrupt)
    #expect(d.message == "corrupt data: \(path): not a Strata segment (bad magic at start)")
}
