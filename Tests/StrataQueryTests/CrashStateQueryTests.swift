import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataIngest
import StrataStore
@testable import StrataQuery

// Crash states (the ALICE method, docs/reliability-tooling.md "Crash states") of the
// operations that live above the store: a CSV ingest through the `Ingestor` and `DELETE`
// through the engine. The store-level operations are in StrataStoreTests/CrashStateTests.

struct SQLCrashCheckFailure: Error, CustomStringConvertible {
    var description: String
}

/// What a user sees: every table verified, its segment count (unless `segments` is false)
/// and its rows through SQL.
func observeStoreSQL(_ dir: String, recover: Bool = true, segments: Bool = true) throws -> String {
    let store = try Store(root: dir, create: false)
    let engine = try QueryEngine(store: store, threads: 1)
    var out = ""
    for name in store.tableNames() {
        let t = try store.table(name)
        let report = t.verify()
        guard report.isSound else { throw SQLCrashCheckFailure(description: "verify: \(report.problems)") }
        let r = try #require(try engine.execute("SELECT * FROM \(name) ORDER BY ts, visitor, n").last).result
        out += "table \(name): \(segments ? try t.currentManifest().segments.count : -1) segments, \(r.rowCount) rows\n"
        for i in 0..<r.rowCount { out += r.columns.map { SQLLogicRunner.cell($0[i]) }.joined(separator: ",") + "\n" }
        // the next write after recovery works
        guard recover else { continue }
        _ = t.collectGarbage(now: true)
        _ = try engine.execute("INSERT INTO \(name) VALUES ('2024-01-01 00:00:00', 'after-crash', -1)")
        guard t.verify().isSound else { throw SQLCrashCheckFailure(description: "the next insert into \(name) failed") }
    }
    return out
}

func checkCrashStatesSQL(_ label: String, root: String, segments: Bool = true, _ operation: () throws -> Void) throws {
    func live() throws -> String {
        let copy = TestScratch.root + "crash-live-\(UInt64.random(in: 0...UInt64.max))"
        try CrashStates.materialize(CrashStates.readTree(root), at: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        return try observeStoreSQL(copy, segments: segments)
    }
    let before = try live()
    let rec = try CrashStates.record(root: root, operation)
    let after = try live()
    let scratch = TestScratch.root + "crash-scratch-\(UInt64.random(in: 0...UInt64.max))"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let report = CrashStates.check(rec, scratch: scratch) { try observeStoreSQL($0, recover: $1, segments: segments) }
    print("crash states, \(label): \(report)")
    #expect(report.failures.isEmpty, "\(label): \(report.failures.joined(separator: "\n"))")
    #expect(report.before == before && report.after == after && before != after, "\(label)")
    #expect(report.sawBefore > 0 && report.sawAfter > 0, "\(label)")
}

/// A store with table `clicks (ts, visitor, n)` by month, loaded with one commit.
func crashSQLStore(options: String = "") throws -> (root: String, engine: QueryEngine) {
    let root = TestScratch.root + "crash-sql-\(UInt64.random(in: 0...UInt64.max))"
    let engine = try QueryEngine(store: try Store(root: root), threads: 1)
    _ = try engine.execute("CREATE TABLE clicks (ts TIMESTAMP, visitor VARCHAR, n INTEGER) PARTITION BY month(ts) ORDER BY (ts)" + options)
    for batch in 0..<1 {
        let values = (0..<30).map { i in "('2024-0\(1 + i % 3)-\(10 + i % 9) 1\(i % 10):00:00', 'v\((i + batch) % 7)', \(batch * 100 + i))" }
        _ = try engine.execute("INSERT INTO clicks VALUES " + values.joined(separator: ", "))
    }
    return (root, engine)
}

@Test(arguments: [false, true]) func crashStatesOfACSVIngest(autoCompact: Bool) throws {
    // with automatic compaction due (threshold 1), the ingest is two commits: the batch, then
    // the compaction of the partitions it crowded; a crash between them shows the batch
    // loaded, so the observation leaves out the segment count there
    let (root, engine) = try crashSQLStore(options: autoCompact ? " WITH (auto_compact_threshold = '1')" : "")
    let csv = TestScratch.root + "crash-ingest-\(UInt64.random(in: 0...UInt64.max)).csv"
    var text = "ts,visitor,n\n"
    for i in 0..<50 { text += "2024-0\(2 + i % 3)-0\(1 + i % 9) 0\(i % 10):30:00,w\(i % 5),\(1000 + i)\n" }
    try text.write(toFile: csv, atomically: false, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: csv) }
    var options = IngestOptions()
    options.createIfMissing = false
    try checkCrashStatesSQL(autoCompact ? "CSV ingest with automatic compaction" : "CSV ingest", root: root, segments: !autoCompact) {
        let s = try Ingestor.ingest(store: engine.store, table: "clicks", files: [csv], options: options)
        #expect(s.rowsLoaded == 50)
        #expect((s.compaction != nil) == autoCompact)
    }
}

@Test func crashStatesOfDeleteStatements() throws {
    let (root, engine) = try crashSQLStore()
    try checkCrashStatesSQL("DELETE", root: root) {
        _ = try engine.execute("DELETE FROM clicks WHERE n % 4 = 0")
    }
    try checkCrashStatesSQL("DELETE, erasure (purge now)", root: root) {
        let s = try engine.delete(table: "clicks", where: "visitor = 'v3'", purgeNow: true)
        #expect(s.rowsRemoved > 0)
    }
}
