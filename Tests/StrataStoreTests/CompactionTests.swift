import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
@testable import StrataStore

// MARK: - helpers

/// Day-partitioned table with a nullable string leading the sort key, doubles and booleans.
let eventsDef = TableDefinition(
    name: "events",
    columns: [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "profile_id", type: .integer),
              ColumnSchema(name: "source", type: .varchar), ColumnSchema(name: "value", type: .double),
              ColumnSchema(name: "flag", type: .boolean)],
    timeColumn: "ts", granularity: .day, sortKey: ["source", "profile_id", "ts"], blockRows: 1024)

struct TestRNG {
    var s: UInt64
    init(_ seed: UInt64) { s = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return s >> 29
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

let jan1: Int64 = 1_704_067_200_000_000  // 2024-01-01T00:00:00Z

/// One random load of `n` rows over `days` days from Jan 1 2024: an insertion-ordered
/// dictionary drawn from a pool (so loads share some strings), ~10% NULL sources and values.
func eventColumns(_ n: Int, rng: inout TestRNG, days: Int = 4) -> [Column] {
    let pool = ["tiktok", "instagram", "direct", "email", "google", "x", "", "newsletter-2024", "ads:fb", "zz"]
    var dict = StringDictionary()
    var index: [String: UInt32] = [:]
    var ts: [Int64] = [], pid: [Int64] = [], codes: [UInt32] = [], sv: [UInt8] = [], val: [Double] = [], vv: [UInt8] = [], flag: [UInt8] = []
    for _ in 0..<n {
        ts.append(jan1 + Int64(rng.below(days * 86_400)) * 1_000_000)
        pid.append(Int64(rng.below(7)))
        let s = pool[rng.below(pool.count)] + (rng.below(4) == 0 ? "-\(rng.below(50))" : "")
        if let c = index[s] { codes.append(c) } else {
            index[s] = UInt32(dict.count)
            codes.append(UInt32(dict.count))
            dict.append(s)
        }
        sv.append(rng.below(10) == 0 ? 0 : 1)
        val.append(Double(rng.below(10_000)) / 4)
        vv.append(rng.below(10) == 0 ? 0 : 1)
        flag.append(UInt8(rng.below(2)))
    }
    return [Column(.int64(ts)), Column(.int64(pid)), Column(.string(codes: codes, dictionary: dict), validity: sv),
            Column(.double(val), validity: vv), Column(.bool(flag))]
}

/// Rows rendered as strings ("∅" for NULL), in row order.
func renderRows(_ columns: [Column]) -> [[String]] {
    let n = columns.first?.count ?? 0
    var rows = [[String]](repeating: [], count: n)
    for c in columns {
        for i in 0..<n {
            if c.isNull(i) { rows[i].append("∅"); continue }
            switch c.data {
            case .int64(let v): rows[i].append(String(v[i]))
            case .double(let v): rows[i].append(String(v[i]))
            case .bool(let v): rows[i].append(v[i] == 0 ? "false" : "true")
            case .string(let codes, let d): rows[i].append("'" + d[Int(codes[i])])
            }
        }
    }
    return rows
}

/// Every row of the current version (or of `snap`), per segment.
func segmentRows(_ snap: Snapshot) throws -> [(SegmentEntry, [[String]])] {
    try snap.segments.map { s in
        let r = try snap.reader(s)
        return (s, renderRows(try (0..<r.footer.columns.count).map { try r.readColumn($0) }))
    }
}

func tableRows(_ t: Table) throws -> [[String]] {
    let snap = try t.snapshot()
    defer { snap.close() }
    return try segmentRows(snap).flatMap(\.1)
}

func sortedRows(_ rows: [[String]]) -> [[String]] { rows.sorted { $0.lexicographicallyPrecedes($1) } }

func newStore() throws -> Store {
    try Store(root: TestScratch.root + "strata-compact-\(UInt64.random(in: 0...UInt64.max))")
}

/// Ingests `loads` random loads; returns every row ingested.
@discardableResult
func ingest(_ t: Table, _ def: TableDefinition, loads: Int, rows: ClosedRange<Int>, rng: inout TestRNG, days: Int = 4) throws -> [[String]] {
    var all: [[String]] = []
    for _ in 0..<loads {
        let cols = eventColumns(rows.lowerBound + rng.below(rows.count), rng: &rng, days: days)
        all += renderRows(cols)
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: cols))
    }
    return all
}

/// Byte-wise comparison of sort-key tuples (source NULL first, profile_id, ts).
func keyPrecedesOrEqual(_ a: [String], _ b: [String]) -> Bool {
    func src(_ s: String) -> [UInt8]? { s == "∅" ? nil : Array(s.utf8) }
    let sa = src(a[2]), sb = src(b[2])
    if (sa == nil) != (sb == nil) { return sa == nil }
    if let sa, let sb, sa != sb { return sa.lexicographicallyPrecedes(sb) }
    if Int64(a[1])! != Int64(b[1])! { return Int64(a[1])! < Int64(b[1])! }
    return Int64(a[0])! <= Int64(b[0])!
}

func seg(_ id: String, _ rows: Int, bytes: Int? = nil, level: Int = 0, age: Double = 0) -> SegmentEntry {
    SegmentEntry(id: id, partition: "day=2024-01-01", partitionStart: jan1, rows: rows, bytes: bytes ?? rows * 10,
                 minTime: jan1, maxTime: jan1, level: level, createdAt: age)
}

// MARK: - policy

@Test func policyPicksSizeTiers() {
    let p = CompactionPolicy()
    func ids(_ groups: [[SegmentEntry]]) -> [[String]] { groups.map { $0.map(\.id) } }
    // a lone segment below target, or nothing at all: left alone
    #expect(p.select([seg("a", 3_900_000)]).isEmpty)
    #expect(p.select([]).isEmpty)
    // a tiny segment never drags a big one into a rewrite
    #expect(p.select([seg("big", 3_900_000), seg("tiny", 10_000)]).isEmpty)
    // many tiny segments merge all together (smallest first, ties by age)
    let tiny = (0..<20).map { seg("t\($0)", 1000 + ($0 % 3), age: Double($0)) }
    let all = p.select(tiny.shuffled())
    #expect(all.count == 1 && all[0].count == 20)
    #expect(all[0].map(\.rows) == all[0].map(\.rows).sorted())
    // the ratio splits tiers: two small ones merge, the 3M one stays
    #expect(ids(p.select([seg("s1", 10_000), seg("m", 3_000_000), seg("s2", 12_000)])) == [["s1", "s2"]])
    // small runs can grow into the next tier when it is within ratio of what is accumulated
    #expect(ids(p.select([seg("a", 1000), seg("b", 1000), seg("c", 250_000), seg("d", 2_000_000)]))
            == [["a", "b", "c", "d"]])
    // segments at or above the target are never inputs
    #expect(ids(p.select([seg("x", 4_000_000), seg("y", 5_000_000), seg("z", 100), seg("w", 200)])) == [["z", "w"]])
    // one merge stays within targetRows: 10 × 1M rows become runs of 4, 4 and 2
    let millions = (0..<10).map { seg("m\($0)", 1_000_000, age: Double($0)) }
    #expect(p.select(millions).map(\.count) == [4, 4, 2])
    // the fixed cost is what makes tiny segments of different sizes merge
    var noCost = p
    noCost.segmentCostRows = 0
    #expect(noCost.select([seg("one", 1), seg("hundred", 100)]).isEmpty)
    #expect(p.select([seg("one", 1), seg("hundred", 100)]).count == 1)
    // minSegments
    var three = p
    three.minSegments = 3
    #expect(three.select([seg("a", 10), seg("b", 10)]).isEmpty)
    #expect(three.select([seg("a", 10), seg("b", 10), seg("c", 10)]).count == 1)
    // ratio 1 with no cost: only equal sizes... 10 and 10 merge (10 <= 1 × 10), 30 does not join (30 > 20)
    var strict = noCost
    strict.sizeRatio = 1
    #expect(ids(strict.select([seg("a", 10), seg("b", 10), seg("c", 30)])) == [["a", "b"]])
}

@Test func policyReadsTableOptions() throws {
    var def = eventsDef
    def.options = ["target_segment_rows": "1_000", "auto_compact": "false", "auto_compact_threshold": "3",
                   "compact_size_ratio": "2", "compact_segment_cost": "'50'"]
    let p = try CompactionPolicy(definition: def)
    #expect(p.targetRows == 1000 && !p.autoCompact && p.autoCompactThreshold == 3 && p.sizeRatio == 2 && p.segmentCostRows == 50)
    #expect(try CompactionPolicy(definition: eventsDef) == CompactionPolicy())
    def.options = ["target_segment_rows": "lots"]
    #expect(throws: StoreError.self) { _ = try CompactionPolicy(definition: def) }
    def.options = ["auto_compact": "maybe"]
    #expect(throws: StoreError.self) { _ = try CompactionPolicy(definition: def) }
}

@Test func planHonoursByteBudgetAndPartitionFilter() throws {
    func s(_ id: String, _ day: Int64, _ rows: Int, _ bytes: Int) -> SegmentEntry {
        let start = jan1 + day * 86_400_000_000
        return SegmentEntry(id: id, partition: Granularity.day.label(start), partitionStart: start, rows: rows, bytes: bytes,
                            minTime: start, maxTime: start, createdAt: 0)
    }
    let m = Manifest(version: 7, table: eventsDef, segments: [
        s("a1", 0, 100, 1000), s("a2", 0, 100, 1000), s("a3", 0, 100, 1000),
        s("b1", 1, 100, 1000), s("b2", 1, 100, 1000),
        s("c1", 2, 5_000_000, 10_000),
    ])
    let full = try Compactor.makePlan(m, policy: CompactionPolicy(), only: nil, excluding: [])
    #expect(full.partitions.map(\.partition) == ["day=2024-01-01", "day=2024-01-02"])
    #expect(full.partitionsConsidered == 3)
    #expect(full.inputIDs == ["a1", "a2", "a3", "b1", "b2"])
    #expect(full.partitions[0].segmentsAfter == 1 && full.estimatedOutputs == 2)
    #expect(full.description.contains("merge 3 segments (300 rows, 2.9 KiB) into 1 at level 1: a1 a2 a3"))
    // a 2500-byte budget takes two of day 1's inputs and nothing of day 2 (one would not merge)
    var budget = CompactionPolicy()
    budget.maxBytes = 2500
    let small = try Compactor.makePlan(m, policy: budget, only: nil, excluding: [])
    #expect(small.inputIDs == ["a1", "a2"])
    budget.maxBytes = 5000
    #expect(try Compactor.makePlan(m, policy: budget, only: nil, excluding: []).inputIDs == ["a1", "a2", "a3", "b1", "b2"])
    budget.maxBytes = 4500
    #expect(try Compactor.makePlan(m, policy: budget, only: nil, excluding: []).inputIDs == ["a1", "a2", "a3"])
    // partition filter by label or by value
    #expect(try Compactor.resolvePartitions("2024-01-02", m) == ["day=2024-01-02"])
    #expect(try Compactor.resolvePartitions("day=2024-01-01", m) == ["day=2024-01-01"])
    #expect(throws: StoreError.self) { _ = try Compactor.resolvePartitions("2023-12-31", m) }
    let one = try Compactor.makePlan(m, policy: CompactionPolicy(), only: ["day=2024-01-02"], excluding: [])
    #expect(one.inputIDs == ["b1", "b2"] && one.partitionsConsidered == 1)
}

// MARK: - merging

/// Random loads over many seeds: compaction keeps the exact multiset of rows, every output is
/// sorted by the key with a sorted dictionary, verify is sound, and the segment counts match
/// the plan.
@Test(arguments: 1...12)
func mergePreservesRowsAcrossSeeds(seed: Int) throws {
    var rng = TestRNG(UInt64(seed))
    let store = try newStore()
    let t = try store.createTable(eventsDef)
    let loads = 2 + rng.below(10)
    let ingested = try ingest(t, eventsDef, loads: loads, rows: 1...900, rng: &rng)
    let plan = try Compactor.plan(table: t)
    let before = try t.currentManifest()
    let summary = try Compactor.compact(table: t)
    let after = try t.currentManifest()
    #expect(summary.rowsRead == summary.rowsWritten)
    #expect(summary.inputSegments == plan.inputSegments)
    #expect(summary.segmentsBefore == before.segments.count)
    #expect(summary.segmentsAfter == after.segments.count)
    #expect(after.segments.count == before.segments.count - plan.inputSegments + plan.estimatedOutputs)
    #expect(after.rowCount == ingested.count && summary.rowsAfter == ingested.count)
    // every partition with more than one segment is now one segment (all inputs are tiny)
    #expect(Set(after.segments.map(\.partition)).count == after.segments.count)
    #expect(sortedRows(try tableRows(t)) == sortedRows(ingested))
    let snap = try t.snapshot()
    defer { snap.close() }
    for (s, rows) in try segmentRows(snap) {
        for i in rows.indices.dropFirst() { #expect(keyPrecedesOrEqual(rows[i - 1], rows[i]), "seed \(seed) \(s.id) row \(i)") }
        let wasInput = plan.inputIDs.contains(s.id)
        #expect(!wasInput)
        if !before.segments.contains(where: { $0.id == s.id }) { #expect(s.level == 1) }
    }
    let report = t.verify()
    #expect(report.isSound, "\(report.problems)")
    // a second run finds nothing to do
    let again = try Compactor.compact(table: t)
    #expect(again.inputSegments == 0 && again.manifestVersion == nil)
    #expect(again.description.hasPrefix("compaction of events: nothing to compact"))
}

@Test func compactionLevelsAndTargetFromOptions() throws {
    var def = eventsDef
    def.granularity = .none
    def.timeColumn = nil
    def.options = ["target_segment_rows": "1000"]
    let store = try newStore()
    let t = try store.createTable(def)
    var rng = TestRNG(99)
    let rows = try ingest(t, def, loads: 6, rows: 150...150, rng: &rng)  // 900 rows in 6 segments
    let s1 = try Compactor.compact(table: t)
    #expect(s1.inputSegments == 6 && s1.outputSegments == 1)
    #expect(try t.currentManifest().segments.map(\.level) == [1])
    try ingest(t, def, loads: 1, rows: 50...50, rng: &rng)
    // 900 + 50 = 950 rows <= 1000: level 1 and level 0 merge into level 2
    let s2 = try Compactor.compact(table: t)
    #expect(s2.inputSegments == 2)
    #expect(try t.currentManifest().segments.map(\.level) == [2])
    try ingest(t, def, loads: 1, rows: 100...100, rng: &rng)
    // 950 + 100 > 1000: nothing merges
    #expect(try Compactor.compact(table: t).inputSegments == 0)
    #expect(try t.currentManifest().segments.count == 2)
    #expect(try tableRows(t).count == rows.count + 150)
}

// MARK: - readers, crashes, races

@Test func readerKeepsItsSnapshotDuringCompaction() throws {
    let store = try newStore()
    let t = try store.createTable(eventsDef)
    var rng = TestRNG(5)
    let ingested = try ingest(t, eventsDef, loads: 6, rows: 200...400, rng: &rng)
    let reader = try t.snapshot()
    let old = reader.segments
    let summary = try Compactor.compact(table: t)
    #expect(summary.inputSegments == old.count)
    // the snapshot still reads every row exactly once, from the old files
    #expect(sortedRows(try segmentRows(reader).flatMap(\.1)) == sortedRows(ingested))
    #expect(old.allSatisfy { FileManager.default.fileExists(atPath: t.segmentPath($0)) })
    #expect(t.collectGarbage(now: true).skippedBecauseReaders)
    reader.close()
    // the old files stay while a kept manifest version references them ...
    t.collectGarbage(now: true)
    #expect(old.allSatisfy { FileManager.default.fileExists(atPath: t.segmentPath($0)) })
    // ... and go once those versions fall out of the kept window
    for _ in 0..<Table.manifestsKept { try t.commit(adding: []) }
    let gc = t.collectGarbage(now: true)
    #expect(old.allSatisfy { !FileManager.default.fileExists(atPath: t.segmentPath($0)) })
    #expect(gc.deletedFiles.filter { $0.hasSuffix(".seg") }.count == old.count)
    #expect(sortedRows(try tableRows(t)) == sortedRows(ingested))
    #expect(t.verify().isSound && t.verify().notes.isEmpty)
}

@Test func crashAtEveryCommitStepOfCompaction() throws {
    for point in ["rename", "sync-dirs", "write-manifest", "rename-manifest", "sync-manifest-dir"] {
        let store = try newStore()
        let t = try store.createTable(eventsDef)
        var rng = TestRNG(11)
        let ingested = try ingest(t, eventsDef, loads: 5, rows: 100...300, rng: &rng)
        let before = try t.currentManifest()
        let planned = try Compactor.plan(table: t).inputSegments
        #expect(planned == before.segments.count)
        Table.crashPoint = { $0 == point }
        #expect(throws: StoreError.self) { try Compactor.compact(table: t) }
        Table.crashPoint = nil
        let now = try t.currentManifest()
        if point == "sync-manifest-dir" {
            #expect(now.version == before.version + 1, "\(point)")
            #expect(Set(now.segments.map(\.partition)).count == now.segments.count, "\(point)")
        } else {
            #expect(now == before, "\(point)")
        }
        #expect(sortedRows(try tableRows(t)) == sortedRows(ingested), "\(point)")
        #expect(t.verify().isSound, "\(point)")
        // the next compaction completes, GC leaves nothing unreferenced behind
        let next = try Compactor.compact(table: t)
        #expect(next.inputSegments == (point == "sync-manifest-dir" ? 0 : planned), "\(point)")
        let final = try t.currentManifest()
        #expect(Set(final.segments.map(\.partition)).count == final.segments.count, "\(point)")
        for _ in 0..<Table.manifestsKept { try t.commit(adding: []) }
        t.collectGarbage(graceSeconds: -1, now: true)
        #expect(t.verify().isSound && t.verify().notes.isEmpty, "\(point)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.dir + "/_tmp").isEmpty, "\(point)")
        #expect(sortedRows(try tableRows(t)) == sortedRows(ingested), "\(point)")
    }
}

@Test func conflictRetriesWithBackoffThenGivesUp() throws {
    let store = try newStore()
    let t = try store.createTable(eventsDef)
    var rng = TestRNG(3)
    let ingested = try ingest(t, eventsDef, loads: 4, rows: 100...200, rng: &rng, days: 1)
    // a rival compaction commits between our planning and our commit: we re-plan once and
    // then find the rival's output plus a new segment to merge
    Compactor.beforeCommit = { attempt in
        guard attempt == 1 else { return }
        Compactor.beforeCommit = nil
        _ = try? Compactor.compact(table: t)
        _ = try? ingest(t, eventsDef, loads: 1, rows: 10...10, rng: &rng, days: 1)
        Compactor.beforeCommit = { _ in }
    }
    let s = try Compactor.compact(table: t)
    Compactor.beforeCommit = nil
    #expect(s.attempts == 2)
    #expect(s.inputSegments == 2 && s.outputSegments == 1)
    #expect(try t.currentManifest().segments.count == 1)
    #expect(try tableRows(t).count == ingested.count + 10)
    // a rival that wins every time: the run retries with growing pauses until its time is up,
    // then gives up with a conflict and leaves no staged files
    var rng2 = TestRNG(4)
    try ingest(t, eventsDef, loads: 3, rows: 10...20, rng: &rng2, days: 1)
    nonisolated(unsafe) var rivals = 0
    Compactor.beforeCommit = { _ in
        let hook = Compactor.beforeCommit
        Compactor.beforeCommit = nil
        rivals += 1
        // merge away our inputs, then add segments so the re-plan has work (and loses again)
        _ = try? Compactor.compact(table: t)
        _ = try? ingest(t, eventsDef, loads: 2, rows: 5...5, rng: &rng2, days: 1)
        Compactor.beforeCommit = hook
    }
    let started = Date()
    do throws(StoreError) {
        try Compactor.compact(table: t, retryFor: 0.6)
        Issue.record("expected a conflict")
    } catch {
        #expect(error.kind == .conflict)
        #expect(error.message.contains("gave up after \(rivals) attempts"), "\(error.message)")
    }
    Compactor.beforeCommit = nil
    #expect(rivals >= 3)
    #expect(Date().timeIntervalSince(started) >= 0.6)
    #expect(try FileManager.default.contentsOfDirectory(atPath: t.dir + "/_tmp").isEmpty)
    #expect(t.verify().isSound)
}

@Test func ingestRacingCompactionNeverLosesRows() throws {
    let store = try newStore()
    let t = try store.createTable(eventsDef)
    var rng = TestRNG(21)
    var expected = try ingest(t, eventsDef, loads: 8, rows: 50...300, rng: &rng)
    let done = DispatchSemaphore(value: 0)
    final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var stop = false, compactions = 0, failures: [String] = []
        var stopped: Bool { lock.lock(); defer { lock.unlock() }; return stop }
    }
    let shared = Shared()
    Thread.detachNewThread {
        while !shared.stopped {
            do {
                let s = try Compactor.compact(table: t)
                shared.lock.lock()
                if s.inputSegments > 0 { shared.compactions += 1 }
                shared.lock.unlock()
            } catch {
                shared.lock.lock()
                shared.failures.append("\(error)")
                shared.lock.unlock()
            }
        }
        done.signal()
    }
    for _ in 0..<25 {
        let cols = eventColumns(20 + rng.below(200), rng: &rng)
        expected += renderRows(cols)
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: eventsDef, columns: cols))
    }
    shared.lock.lock()
    shared.stop = true
    shared.lock.unlock()
    done.wait()
    #expect(shared.failures.isEmpty, "\(shared.failures)")
    #expect(shared.compactions >= 1)
    try Compactor.compact(table: t)
    #expect(sortedRows(try tableRows(t)) == sortedRows(expected))
    #expect(t.verify().isSound)
}

@Test func autoCompactionTriggersAboveThreshold() throws {
    let store = try newStore()
    var def = eventsDef
    def.options = ["auto_compact_threshold": "3"]
    let t = try store.createTable(def)
    var rng = TestRNG(8)
    var rows: [[String]] = []
    for load in 1...3 {
        rows += try ingest(t, def, loads: 1, rows: 50...50, rng: &rng, days: 1)
        #expect(try Compactor.autoCompactIfNeeded(table: t) == nil, "load \(load)")
    }
    rows += try ingest(t, def, loads: 1, rows: 50...50, rng: &rng, days: 1)
    let s = try #require(try Compactor.autoCompactIfNeeded(table: t))
    #expect(s.inputSegments == 4 && s.outputSegments == 1)
    #expect(try t.currentManifest().segments.count == 1)
    #expect(sortedRows(try tableRows(t)) == sortedRows(rows))
    // many small loads stay bounded
    for _ in 0..<20 {
        rows += try ingest(t, def, loads: 1, rows: 5...40, rng: &rng, days: 1)
        try Compactor.autoCompactIfNeeded(table: t)
        #expect(try t.currentManifest().segments.count <= 4)
    }
    #expect(sortedRows(try tableRows(t)) == sortedRows(rows))
    // turned off
    try t.alter { $0.options["auto_compact"] = "false" }
    try ingest(t, def, loads: 6, rows: 5...5, rng: &rng, days: 1)
    #expect(try Compactor.autoCompactIfNeeded(table: t) == nil)
    #expect(try t.currentManifest().segments.count >= 6)
}

@Test func dryRunChangesNothing() throws {
    let store = try newStore()
    let t = try store.createTable(eventsDef)
    var rng = TestRNG(2)
    try ingest(t, eventsDef, loads: 3, rows: 100...100, rng: &rng, days: 2)
    let before = try t.currentManifest()
    let s = try Compactor.compact(table: t, dryRun: true)
    #expect(try t.currentManifest() == before)
    #expect(s.dryRun && s.plan.inputSegments == 6 && s.plan.estimatedOutputs == 2)
    let day1 = s.plan.partitions[0]
    #expect(day1.rows + s.plan.partitions[1].rows == 300 && s.plan.inputRows == 300)
    #expect(s.description.contains("day=2024-01-01: 3 segments, \(day1.rows) rows"))
    #expect(s.description.contains("-> 1 segment"))
    let only = try Compactor.compact(table: t, partition: "2024-01-02")
    #expect(only.inputSegments == 3 && only.partitions == 1)
    #expect(try t.currentManifest().segments.count == 4)
}

// MARK: - dedup

@Test func dedupKeepsGreatestVersionLastWrittenOnTies() throws {
    var def = TableDefinition(name: "metrics",
                              columns: [ColumnSchema(name: "day", type: .timestamp), ColumnSchema(name: "campaign", type: .varchar),
                                        ColumnSchema(name: "clicks", type: .bigint), ColumnSchema(name: "exported", type: .bigint)],
                              timeColumn: "day", granularity: .month, sortKey: ["campaign", "day"],
                              options: ["dedup_key": "(day, campaign)", "version": "exported"])
    // rows: (day, campaign, clicks, exported); dictionary repeats "a" to check byte equality
    let dict = StringDictionary(["a", "b", "a"])
    let cols = [Column(.int64([1, 1, 1, 1, 2, 1, 1, 3, 3])),
                Column(.string(codes: [0, 2, 1, 0, 0, 1, 1, 0, 0], dictionary: dict), validity: [1, 1, 1, 1, 1, 1, 1, 0, 0]),
                Column(.int64([10, 11, 20, 12, 30, 21, 22, 40, 41])),
                Column(.int64([5, 7, 1, 7, 1, 0, 1, 0, 0]), validity: [1, 1, 1, 1, 1, 1, 0, 1, 1])]
    // (1,a): rows 0,1,3 versions 5,7,7 -> tie between 1 and 3, the later (3) wins
    // (1,b): rows 2,5,6 versions 1,0,NULL -> row 2; (2,a): row 4; (3,NULL): rows 7,8 tie -> 8
    #expect(Compactor.dedupRows(columns: cols, definition: def) == [2, 3, 4, 8])
    var noVersion = def
    noVersion.options["version"] = nil
    #expect(Compactor.dedupRows(columns: cols, definition: noVersion) == [3, 4, 6, 8])
    var plain = def
    plain.options = [:]
    #expect(Compactor.dedupRows(columns: cols, definition: plain) == Array(0..<9))
    var bad = def
    bad.options["dedup_key"] = "nope"
    #expect(throws: StoreError.self) { _ = try DedupSpec(definition: bad) }

    // at compaction: three re-exports of daily metrics, only the newest survive
    let store = try newStore()
    def.options["dedup_key"] = "day,campaign"
    let t = try store.createTable(def)
    var model: [String: (Int64, Int64)] = [:]   // key -> (clicks, exported)
    var rng = TestRNG(77)
    let campaigns = StringDictionary(["tiktok-q1", "email-jan", "ig-story", "search"])
    for export in 1...3 {
        var day: [Int64] = [], camp: [UInt32] = [], clicks: [Int64] = [], exported: [Int64] = []
        for d in 19_723..<19_753 {  // Jan 1-30, 2024
            for c in 0..<4 where rng.below(3) != 0 {
                day.append(Int64(d) * 86_400_000_000)
                camp.append(UInt32(c))
                clicks.append(Int64(rng.below(1000)))
                exported.append(Int64(export * 10 - rng.below(2)))
                model["\(Int64(d) * 86_400_000_000)|\(c)"] = model["\(Int64(d) * 86_400_000_000)|\(c)"].map { $0.1 <= exported.last! ? (clicks.last!, exported.last!) : $0 }
                    ?? (clicks.last!, exported.last!)
            }
        }
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: [
            Column(.int64(day)), Column(.string(codes: camp, dictionary: campaigns)), Column(.int64(clicks)), Column(.int64(exported))]))
    }
    let s = try Compactor.compact(table: t)
    #expect(s.rowsWritten == model.count)
    #expect(s.duplicatesRemoved == s.rowsRead - model.count && s.duplicatesRemoved > 0)
    let snap = try t.snapshot()
    defer { snap.close() }
    var got: [String: (Int64, Int64)] = [:]
    for sg in snap.segments {
        let r = try snap.reader(sg)
        guard case .int64(let d) = try r.readColumn(0).data, case .string(let c, let cd) = try r.readColumn(1).data,
              case .int64(let k) = try r.readColumn(2).data, case .int64(let e) = try r.readColumn(3).data else { return }
        for i in 0..<r.rowCount {
            let code = campaigns.strings.firstIndex(of: cd[Int(c[i])])!
            #expect(got["\(d[i])|\(code)"] == nil)
            got["\(d[i])|\(code)"] = (k[i], e[i])
        }
    }
    #expect(got.count == model.count)
    for (key, v) in model { #expect(got[key].map { $0 == v } == true, "\(key)") }
    #expect(t.verify().isSound)
}

/// The merge of sorted runs gives exactly the order of a stable sort of their concatenation
/// (NULL sources first, strings byte-wise, ties in input order), also when a run is unsorted.
@Test(arguments: 1...20)
func mergeOrderMatchesStableSort(seed: Int) {
    var rng = TestRNG(UInt64(seed) &+ 1000)
    let n = 1 + rng.below(3000)
    let raw = eventColumns(n, rng: &rng, days: 1 + rng.below(3))
    // cut into runs and sort each run on its own
    var bounds = [0]
    while bounds.last! < n { bounds.append(min(n, bounds.last! + rng.below(400))) }
    if seed % 5 == 0 { bounds.insert(bounds[1], at: 1) }  // an empty run
    var runOrder: [Int32] = []
    for r in 0..<(bounds.count - 1) {
        var rows = Array(Int32(bounds[r])..<Int32(bounds[r + 1]))
        PartitionWriter.sortRows(&rows, eventsDef, raw)
        runOrder += rows
    }
    let concatenated = runOrder.withUnsafeBufferPointer { p in raw.map { $0.gathered(p) } }
    var expected = Array(0..<Int32(n))
    PartitionWriter.sortRows(&expected, eventsDef, concatenated)
    let keys = eventsDef.sortKey.map { concatenated[eventsDef.columnIndex($0)!] }
    #expect(Compactor.mergeOrder(keys: keys, runs: bounds) == expected)
    // unsorted input (the raw rows as one run) falls back to sorting
    var rawExpected = Array(0..<Int32(n))
    PartitionWriter.sortRows(&rawExpected, eventsDef, raw)
    #expect(Compactor.mergeOrder(keys: eventsDef.sortKey.map { raw[eventsDef.columnIndex($0)!] }, runs: [0, n]) == rawExpected)
}

/// A merge large enough to decode and gather columns in parallel keeps every row and order.
@Test func largeMergeKeepsRowsAndOrder() throws {
    let store = try newStore()
    let t = try store.createTable(eventsDef)
    var rng = TestRNG(404)
    let ingested = try ingest(t, eventsDef, loads: 10, rows: 7000...7000, rng: &rng, days: 1)
    let s = try Compactor.compact(table: t)
    #expect(s.rowsRead == 70_000 && s.inputSegments == 10 && s.outputSegments == 1)
    let snap = try t.snapshot()
    defer { snap.close() }
    let segs = try segmentRows(snap)
    #expect(segs.count == 1)
    let rows = segs[0].1
    for i in rows.indices.dropFirst() where !keyPrecedesOrEqual(rows[i - 1], rows[i]) {
        Issue.record("row \(i) out of order")
        break
    }
    #expect(sortedRows(rows) == sortedRows(ingested))
    #expect(t.verify().isSound)
}
