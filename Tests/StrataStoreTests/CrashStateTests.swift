import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
@testable import StrataStore

// Crash states beyond kill -9 (the ALICE method; model and bounds in
// docs/reliability-tooling.md, "Crash states"): each test records the file operations of one
// store operation, rebuilds every state a crash could leave on disk and checks that each one
// opens, verifies sound, survives garbage collection and the next commit, and shows exactly
// the rows of before or after the operation, never a mix.

struct CrashCheckFailure: Error, CustomStringConvertible {
    var description: String
}

/// A fresh store folder for one crash-state test.
func crashStateRoot() -> String {
    TestScratch.root + "crash-state-\(UInt64.random(in: 0...UInt64.max))"
}

/// What a user sees in the store at `dir`: its tables (each verified) and their rows, sorted.
/// With `recover`, then proves the store still works: garbage collection changes no row and
/// the next commit of every table succeeds.
func observeStore(_ dir: String, recover: Bool = true) throws -> String {
    let store = try Store(root: dir, create: false)
    var out = "tables: \(store.tableNames().joined(separator: ",")); views: \(store.viewNames().joined(separator: ","))\n"
    for v in store.viewNames() { out += "view \(v): \(try store.view(v)?.sql ?? "?")\n" }
    for name in store.tableNames() {
        let t = try store.table(name)
        let report = t.verify()
        guard report.isSound else { throw CrashCheckFailure(description: "verify: \(report.problems)") }
        let rows = try allRows(t).map { $0.joined(separator: ",") }.sorted()
        out += "table \(name): \(try t.currentManifest().segments.count) segments, \(rows.count) rows\n" + rows.joined(separator: "\n") + "\n"
        // recovery: gc removes leftovers without touching live rows, and the next writer works
        guard recover else { continue }
        let gc = t.collectGarbage(now: true)
        guard gc.problems.isEmpty else { throw CrashCheckFailure(description: "gc: \(gc.problems)") }
        guard try allRows(t).map({ $0.joined(separator: ",") }).sorted() == rows else {
            throw CrashCheckFailure(description: "gc changed the rows of \(name)")
        }
        let def = try t.definition
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: clickColumns(1, seed: 77)))
        guard try allRows(t).count == rows.count + 1, t.verify().isSound else {
            throw CrashCheckFailure(description: "the next commit to \(name) after recovery failed")
        }
    }
    return out
}

/// Records `operation` on the store at `root`, checks every crash state and expects the
/// observations of before and after to be `before` and `after` (the live store's).
@discardableResult
func checkCrashStates(_ label: String, root: String, _ operation: () throws -> Void) throws -> CrashStates.Report {
    let before = try observeLive(root)
    let rec = try CrashStates.record(root: root, operation)
    let after = try observeLive(root)
    let scratch = TestScratch.root + "crash-scratch-\(UInt64.random(in: 0...UInt64.max))"
    let report = CrashStates.check(rec, scratch: scratch, observe: observeStore)
    try? FileManager.default.removeItem(atPath: scratch)
    print("crash states, \(label): \(report)")
    #expect(report.failures.isEmpty, "\(label): \(report.failures.joined(separator: "\n"))")
    #expect(report.before == before, "\(label): the empty prefix does not show the state before")
    #expect(report.after == after, "\(label): the complete log does not show the state after")
    #expect(before != after, "\(label): the operation changed nothing")
    #expect(report.sawBefore > 0 && report.sawAfter > 0, "\(label)")
    return report
}

/// `observeStore` of a copy (it commits), so the live store stays as it is.
func observeLive(_ root: String) throws -> String {
    let copy = TestScratch.root + "crash-live-\(UInt64.random(in: 0...UInt64.max))"
    try CrashStates.materialize(CrashStates.readTree(root), at: copy)
    defer { try? FileManager.default.removeItem(atPath: copy) }
    return try observeStore(copy)
}

/// A table with `commits` batches of 60 rows (three month partitions each).
func crashTable(_ root: String, commits: Int, name: String = "clicks") throws -> Table {
    let store = try Store(root: root)
    var def = clicksDef
    def.name = name
    let t = try store.createTable(def)
    for i in 0..<commits {
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: clickColumns(60, seed: UInt64(10 + i))))
    }
    return t
}

@Test func crashStatesOfAnIngestCommit() throws {
    let root = crashStateRoot()
    let t = try crashTable(root, commits: 1)
    try checkCrashStates("ingest commit", root: root) {
        // what the ingestor does: stage one segment per partition, commit them as one batch
        let staged = try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(40, seed: 5))
        try t.commit(adding: staged, batch: BatchRecord(id: "batch-1", rows: 40, committedAt: 1))
    }
}

@Test func crashStatesOfACommitIntoNewPartitions() throws {
    let root = crashStateRoot()
    let t = try crashTable(root, commits: 1)
    try checkCrashStates("commit creating partitions", root: root) {
        // April and May 2024: partition folders that do not exist yet
        var cols = clickColumns(20, seed: 6)
        if case .int64(let ts) = cols[0].data { cols[0] = Column(.int64(ts.map { $0 + 91 * 86_400_000_000 })) }
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: cols))
    }
}

@Test func crashStatesOfCompaction() throws {
    let root = crashStateRoot()
    let t = try crashTable(root, commits: 2)
    try checkCrashStates("compaction", root: root) {
        let s = try Compactor.compact(table: t)
        #expect(s.outputSegments > 0)
    }
}

@Test func crashStatesOfRetention() throws {
    let root = crashStateRoot()
    let t = try crashTable(root, commits: 2)
    try checkCrashStates("retention", root: root) {
        // 2024-03-01 + 30 days: January and February end before the cutoff
        let s = try Retention.apply(table: t, keep: RetentionPeriod(30, .days), now: Date(timeIntervalSince1970: 1_709_251_200 + 30 * 86_400))
        #expect(s.dropped.count == 2)
    }
}

@Test func crashStatesOfDeleteThroughTheStore() throws {
    // the store side of DELETE (StrataQuery's Delete.swift): rewrite the segments holding
    // deleted rows, swap them in one commit, purge the old files at once
    let root = crashStateRoot()
    let t = try crashTable(root, commits: 1)
    try checkCrashStates("delete (store level)", root: root) {
        let m = try t.currentManifest()
        var staged: [Table.StagedSegment] = []
        var removed: [String] = []
        for s in m.segments {
            let r = try Snapshot(table: t, manifest: m, lockFD: -1).reader(s)
            let cols = try (0..<3).map { try r.readColumn($0) }
            guard case .int64(let profiles) = cols[1].data else { continue }
            let keep = (0..<r.rowCount).filter { profiles[$0] != 2 }.map { Int32($0) }
            guard keep.count < r.rowCount else { continue }
            removed.append(s.id)
            if keep.isEmpty { continue }
            let kept = keep.withUnsafeBufferPointer { p in cols.map { $0.gathered(p) } }
            staged.append(try t.stageSegment(definition: clicksDef, columns: kept, partitionStart: s.partitionStart, level: s.level))
        }
        try t.commit(adding: staged, removing: removed)
        t.collectGarbage(now: true, retiredImmediately: true)
    }
}

@Test func crashStatesOfCreateAndDropTable() throws {
    let root = crashStateRoot()
    _ = try crashTable(root, commits: 1)
    let store = try Store(root: root)
    var def = clicksDef
    def.name = "visits"
    try checkCrashStates("create table", root: root) {
        try store.createTable(def)
    }
    try checkCrashStates("drop table", root: root) {
        try store.dropTable("clicks")
    }
}

@Test func crashStatesOfCreateAndDropView() throws {
    let root = crashStateRoot()
    _ = try crashTable(root, commits: 1)
    let store = try Store(root: root)
    try checkCrashStates("create view", root: root) {
        try store.createView(ViewDefinition(name: "v", sql: "SELECT 1 AS a", createdAt: 1))
    }
    try checkCrashStates("replace view", root: root) {
        try store.createView(ViewDefinition(name: "v", sql: "SELECT 2 AS a", createdAt: 2), orReplace: true)
    }
    try checkCrashStates("drop view", root: root) {
        try store.dropView("v")
    }
}

/// The checker itself: a missing fsync is caught. A commit whose manifest is published
/// without its data synced loses the table in some crash state.
@Test func crashStateCheckerFindsAMissingFsync() throws {
    let root = crashStateRoot()
    let t = try crashTable(root, commits: 1)
    let before = try observeLive(root)
    let rec = try CrashStates.record(root: root) {
        // a careless commit: the next manifest written in place of a temporary, never synced
        var next = try t.currentManifest()
        next.version += 1
        try StoreFS.writeNewFile(t.manifestPath(next.version), try next.encode(), sync: false)
    }
    let scratch = TestScratch.root + "crash-scratch-\(UInt64.random(in: 0...UInt64.max))"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let report = CrashStates.check(rec, scratch: scratch, durable: false, observe: observeStore)
    #expect(report.before == before)
    #expect(report.failureCount > 0)
    #expect(report.failures.contains { $0.contains("error:") && $0.contains("manifest") }, "\(report.failures)")
}

/// `strata repair --apply` after a damaged newest manifest: every crash state either still
/// refuses the table (before) or shows the newest readable version with the damaged manifest
/// and the orphan segments all kept under `_damaged/` (after): nothing the repair moves aside
/// is ever lost, nor left where garbage collection would delete it.
@Test func crashStatesOfRepair() throws {
    let root = crashStateRoot()
    let t = try crashTable(root, commits: 2)
    let newest = t.manifestPath(try t.currentManifest().version)
    var bytes = try StoreFS.readFile(newest)
    bytes[bytes.count / 2] ^= 0x55
    try FileManager.default.removeItem(atPath: newest)
    try StoreFS.writeNewFile(newest, bytes, sync: false)
    /// The table refused, or its rows; and the names of the files kept under `_damaged`.
    func observeRepair(_ dir: String, _ recover: Bool) throws -> String {
        var kept: [String] = []
        let damaged = dir + "/clicks/_damaged"
        for stamp in (try? FileManager.default.contentsOfDirectory(atPath: damaged)) ?? [] {
            let files = FileManager.default.enumerator(atPath: damaged + "/" + stamp)?.compactMap { $0 as? String } ?? []
            kept += files.map { "\($0) \(FileManager.default.contents(atPath: damaged + "/" + stamp + "/" + $0)?.count ?? -1)" }
        }
        var refusal: String?
        do throws(StoreError) {
            _ = try Store(root: dir, create: false).table("clicks").currentManifest()
        } catch {
            refusal = error.message
        }
        if let refusal {
            guard refusal.contains("newest manifest") else { throw CrashCheckFailure(description: refusal) }
            return "refused"  // (rerunning the repair finishes it)
        }
        return "damaged: \(kept.sorted())\n" + (try observeStore(dir, recover: recover))
    }
    let before = try observeRepair(root, false)
    #expect(before == "refused")
    let rec = try CrashStates.record(root: root) {
        let r = try t.repair(apply: true)
        #expect(r.applied)
    }
    let scratch = TestScratch.root + "crash-scratch-\(UInt64.random(in: 0...UInt64.max))"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let report = CrashStates.check(rec, scratch: scratch, observe: observeRepair)
    print("crash states, repair: \(report)")
    #expect(report.failures.isEmpty, "repair: \(report.failures.joined(separator: "\n"))")
    #expect(report.before == before && report.after != before && !report.after.contains("refused"))
    #expect(report.sawBefore > 0 && report.sawAfter > 0)
}
