import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
@testable import StrataStore

func tempStore() throws -> Store {
    let d = TestScratch.root + "strata-store-\(UInt64.random(in: 0...UInt64.max))"
    return try Store(root: d)
}

let clicksDef = TableDefinition(
    name: "clicks",
    columns: [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "profile_id", type: .integer),
              ColumnSchema(name: "source", type: .varchar)],
    timeColumn: "ts", granularity: .month, sortKey: ["profile_id", "ts"])

/// `n` rows spread over Jan–Mar 2024 (µs), profiles 1...5, sources from a small set.
func clickColumns(_ n: Int, seed: UInt64 = 1) -> [Column] {
    var s = seed
    func rnd() -> UInt64 { s = s &* 6364136223846793005 &+ 1442695040888963407; return s >> 33 }
    let jan1: Int64 = 1_704_067_200_000_000
    let ts = (0..<n).map { _ in jan1 + Int64(rnd() % (90 * 86_400)) * 1_000_000 }
    let dict = StringDictionary(["instagram", "tiktok", "direct"])
    return [Column(.int64(ts)), Column(.int64((0..<n).map { _ in Int64(1 + rnd() % 5) })),
            Column(.string(codes: (0..<n).map { _ in UInt32(rnd() % 3) }, dictionary: dict))]
}

func allRows(_ t: Table) throws -> [[String]] {
    let snap = try t.snapshot()
    var rows: [[String]] = []
    for s in snap.segments {
        let r = try snap.reader(s)
        let cols = try (0..<3).map { try r.readColumn($0) }
        for i in 0..<r.rowCount {
            rows.append(cols.map { c in
                switch c.data {
                case .int64(let v): return String(v[i])
                case .string(let codes, let d): return d[Int(codes[i])]
                default: return "?"
                }
            })
        }
    }
    return rows
}

@Test func namesAreValidated() throws {
    let store = try tempStore()
    for bad in ["../x", "/etc", "a/b", "a\0b", "", "1abc", "a.b", String(repeating: "x", count: 129)] {
        var def = clicksDef
        def.name = bad
        #expect(throws: StoreError.self) { try store.createTable(def) }
        #expect(throws: StoreError.self) { _ = try store.table(bad) }
    }
    try store.createTable(clicksDef)
    #expect(throws: StoreError.self) { try store.createTable(clicksDef) }
    #expect(try store.createTable(clicksDef, ifNotExists: true).name == "clicks")
    #expect(store.tableNames() == ["clicks"])
    do throws(StoreError) {
        _ = try store.table("click")
        Issue.record("missing table opened")
    } catch {
        #expect(error.message == "table 'click' does not exist (tables: clicks)")
    }
    var noTime = clicksDef
    noTime.name = "t2"
    noTime.timeColumn = "profile_id"
    #expect(throws: StoreError.self) { try store.createTable(noTime) }
}

@Test func commitsArePartitionedSortedAndIdempotent() throws {
    let store = try tempStore()
    let t = try store.createTable(clicksDef)
    let cols = clickColumns(5000)
    let staged = try PartitionWriter.stage(table: t, definition: clicksDef, columns: cols)
    #expect(staged.count == 3)  // Jan, Feb, Mar
    let m = try #require(try t.commit(adding: staged, batch: BatchRecord(id: "b1", rows: 5000, committedAt: 0)))
    #expect(m.version == 2)
    #expect(m.rowCount == 5000)
    #expect(Set(m.segments.map(\.partition)) == ["month=2024-01", "month=2024-02", "month=2024-03"])
    // same batch again: skipped, nothing new visible, staged files removed
    let again = try PartitionWriter.stage(table: t, definition: clicksDef, columns: cols)
    #expect(try t.commit(adding: again, batch: BatchRecord(id: "b1", rows: 5000, committedAt: 0)) == nil)
    #expect(try t.currentManifest().version == 2)
    #expect(try FileManager.default.contentsOfDirectory(atPath: t.dir + "/_tmp").isEmpty)
    // every segment sorted by (profile_id, ts) and inside its partition
    let snap = try t.snapshot()
    for s in snap.segments {
        let r = try snap.reader(s)
        guard case .int64(let ts) = try r.readColumn(0).data, case .int64(let p) = try r.readColumn(1).data else { return }
        for i in 1..<ts.count { #expect((p[i - 1], ts[i - 1]) <= (p[i], ts[i])) }
        #expect(ts.allSatisfy { $0 >= s.partitionStart && $0 < Granularity.month.partitionEnd(s.partitionStart) })
    }
    // the multiset of rows is preserved
    var expected: [[String]] = []
    guard case .int64(let ts) = cols[0].data, case .int64(let p) = cols[1].data, case .string(let c, let d) = cols[2].data else { return }
    for i in 0..<5000 { expected.append([String(ts[i]), String(p[i]), d[Int(c[i])]]) }
    #expect(try allRows(t).sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) })
    #expect(t.verify().isSound)
    let st = try t.stats()
    #expect(st.rows == 5000 && st.partitions == 3 && st.segments == 3)
}

/// A crash at any step of a commit leaves the previous version (or, after the manifest rename,
/// the next one) readable and verify clean of problems.
@Test func crashAtEveryCommitStep() throws {
    for point in ["rename", "sync-dirs", "write-manifest", "rename-manifest", "sync-manifest-dir"] {
        let store = try tempStore()
        let t = try store.createTable(clicksDef)
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(300)))
        let before = try allRows(t).count
        let staged = try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(200, seed: 9))
        Table.crashPoint = { $0 == point }
        #expect(throws: StoreError.self) { try t.commit(adding: staged) }
        Table.crashPoint = nil
        let after = try allRows(t).count
        if point == "sync-manifest-dir" {
            #expect(after == before + 200, "\(point)")  // the manifest rename already happened
        } else {
            #expect(after == before, "\(point)")
        }
        #expect(t.verify().isSound, "\(point)")
        // leftovers disappear with garbage collection and the next commit works
        t.collectGarbage(now: true)
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(10, seed: 3)))
        #expect(try allRows(t).count == after + 10)
        #expect(t.verify().notes.isEmpty || point == "sync-manifest-dir")
    }
}

@Test func corruptFilesAreNamedByVerify() throws {
    let store = try tempStore()
    let t = try store.createTable(clicksDef)
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(2000)))
    let seg = try t.currentManifest().segments[1]
    let path = t.segmentPath(seg)
    var bytes = try StoreFS.readFile(path)
    bytes[bytes.count / 3] ^= 0x40
    try FileManager.default.removeItem(atPath: path)
    try StoreFS.writeNewFile(path, bytes, sync: false)
    let report = t.verify()
    #expect(!report.isSound)
    #expect(report.problems.count == 1)
    #expect(report.problems[0].hasPrefix(path))
    // a corrupt newest manifest: verify names it; readers refuse the table (never fall back
    // to the previous version: SafetyTests)
    let mpath = t.manifestPath(2)
    var mb = try StoreFS.readFile(mpath)
    mb[20] ^= 1
    try FileManager.default.removeItem(atPath: mpath)
    try StoreFS.writeNewFile(mpath, mb, sync: false)
    #expect(t.verify().problems.contains { $0.hasPrefix(mpath) && $0.contains("checksum") })
    do throws(StoreError) {
        _ = try t.currentManifest()
        Issue.record("an older manifest was used")
    } catch {
        #expect(error.kind == .corrupt && error.message.hasPrefix(mpath))
    }
    // truncated manifests at many offsets never crash the decoder
    for cut in stride(from: 0, to: mb.count, by: 7) {
        #expect(throws: StoreError.self) { _ = try Manifest.decode(Array(mb[0..<cut]), path: "m") }
    }
}

@Test func garbageCollectionRespectsReaders() throws {
    let store = try tempStore()
    let t = try store.createTable(clicksDef)
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(100)))
    let old = try t.currentManifest().segments
    let reader = try t.snapshot()
    // replace every segment (as compaction would)
    let staged = try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(100))
    for _ in 0..<Table.manifestsKept { try t.commit(adding: []) }
    try t.commit(adding: staged, removing: old.map(\.id))
    #expect(t.collectGarbage(now: true).skippedBecauseReaders)
    #expect(try reader.reader(old[0]).rowCount == old[0].rows)  // still readable
    reader.close()
    for _ in 0..<Table.manifestsKept { try t.commit(adding: []) }
    let report = t.collectGarbage(now: true)
    #expect(!report.skippedBecauseReaders)
    #expect(old.allSatisfy { !FileManager.default.fileExists(atPath: t.segmentPath($0)) })
    #expect(t.verify().isSound && t.verify().notes.isEmpty)
    // removing a segment that is not live is a conflict
    #expect(throws: StoreError.self) { try t.commit(adding: [], removing: [old[0].id]) }
}

@Test func writerLockTimesOut() throws {
    let store = try tempStore()
    let t = try store.createTable(clicksDef)
    try t.withWriterLock { () throws(StoreError) in
        // flock locks are per open file description: a second open in this process conflicts
        do throws(StoreError) {
            try t.withWriterLock(timeout: 0.1) { () throws(StoreError) in Issue.record("second writer got the lock") }
        } catch {
            #expect(error.kind == .locked)
            #expect(error.message.contains("locked by another process (pid \(getpid())"), "\(error.message)")
        }
    }
}

@Test func dropTable() throws {
    let store = try tempStore()
    try store.createTable(clicksDef)
    try store.dropTable("clicks")
    #expect(store.tableNames().isEmpty)
    #expect(throws: StoreError.self) { try store.dropTable("clicks") }
    try store.dropTable("clicks", ifExists: true)
}

@Test func partitionLabels() {
    let t: Int64 = 1_715_000_000_000_000  // 2024-05-06 12:53:20 UTC
    #expect(Granularity.month.label(Granularity.month.partitionStart(t)) == "month=2024-05")
    #expect(Granularity.day.label(Granularity.day.partitionStart(t)) == "day=2024-05-06")
    #expect(Granularity.hour.label(Granularity.hour.partitionStart(t)) == "hour=2024-05-06T12")
    #expect(Granularity.month.label(Granularity.month.partitionStart(-1)) == "month=1969-12")
    #expect(Granularity.month.partitionEnd(Granularity.month.partitionStart(t)) == 1_717_200_000_000_000)
}

@Test func dateTimeColumnsKeepMicrosecondRanges() throws {
    let store = try tempStore()
    let def = TableDefinition(name: "daily", columns: [ColumnSchema(name: "d", type: .date), ColumnSchema(name: "n", type: .bigint)],
                              timeColumn: "d", granularity: .month)
    let t = try store.createTable(def)
    // 2024-01-31 and 2024-02-01 as days since the epoch
    let cols = [Column(.int64([19753, 19754])), Column(.int64([1, 2]))]
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: cols))
    let segs = try t.currentManifest().segments
    #expect(segs.map(\.partition) == ["month=2024-01", "month=2024-02"])
    #expect(segs[0].minTime == 19753 * 86_400_000_000 && segs[0].maxTime == 19754 * 86_400_000_000 - 1)
    #expect(t.verify().isSound)
}

/// The packed-key radix path of `sortRows` orders rows exactly like sorting by
/// `(profile, ts, row)`, and declines (leaving rows untouched) when keys need more than 64
/// bits together or the rows are not ascending.
@Test func radixSortPairsMatchesTupleSort() {
    var state: UInt64 = 12345
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    for seed in 0..<40 {
        let n = Int(next() % 3000)
        let wide = seed % 8 == 7
        let a: [Int64] = (0..<n).map { _ in wide ? Int64(bitPattern: next()) : Int64(next() % 50) - 25 }
        let b: [Int64] = (0..<n).map { _ in
            switch wide ? 0 : seed % 4 {
            case 0: return 1_704_067_200_000_000 + Int64(next() % 2_700_000_000_000)
            case 1: return Int64(next() % 5)
            case 2: return -Int64(next() % 1_000_000)
            default: return 42
            }
        }
        var rows = (0..<Int32(n)).filter { _ in next() % 4 != 0 }
        let want = rows.sorted { (a[Int($0)], b[Int($0)], $0) < (a[Int($1)], b[Int($1)], $1) }
        let before = rows
        let used = PartitionWriter.radixSortPairs(&rows, a, b)
        if used { #expect(rows == want, "seed \(seed)") } else { #expect(rows == before) }
        #expect(used == !(wide && n > 1) || n <= 1, "seed \(seed)")
        if n > 2 {
            var desc = Array(before.reversed())
            #expect(!PartitionWriter.radixSortPairs(&desc, a, b), "descending input is declined")
        }
    }
}

/// The in-process manifest cache never serves a manifest whose file changed: a table dropped
/// and created again under the same name restarts at version 1 with another schema.
@Test func manifestCacheFollowsRecreatedTables() throws {
    let store = try tempStore()
    defer { try? FileManager.default.removeItem(atPath: store.root) }
    try store.createTable(eventsDef)
    #expect(try store.table("events").currentManifest().table.columns.count == 5)
    #expect(try store.table("events").currentManifest().version == 1)
    try store.dropTable("events")
    var narrow = eventsDef
    narrow.columns = Array(eventsDef.columns.prefix(3))
    narrow.sortKey = ["source", "ts"]
    try store.createTable(narrow)
    let m = try store.table("events").currentManifest()
    #expect(m.version == 1)
    #expect(m.table.columns.map(\.name) == ["ts", "profile_id", "source"])
}

/// Snapshots of one store share a segment's reader while its file is unchanged; a file
/// replaced under the same name is read afresh (here: named, for its row count), and the
/// segments a newer manifest no longer lists leave the cache.
@Test func segmentReadersAreSharedAcrossSnapshotsWhileTheFileIsUnchanged() throws {
    let store = try tempStore()
    let t = try store.createTable(clicksDef)
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(3000)))
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(500, seed: 7)))
    let a = try t.snapshot(), b = try t.snapshot()
    #expect(a.segments.count == 6)
    for s in a.segments { #expect(try a.reader(s) === b.reader(s)) }
    #expect(store.segmentReaders.paths == Set(a.segments.map(t.segmentPath)))
    // a copy with one byte flipped in the first data page, renamed over the file (same size,
    // new inode): read afresh, and the damage named, never the cached reader's old bytes
    let victim = a.segments.max { $0.rows < $1.rows }!
    let path = t.segmentPath(victim), saved = path + ".saved", copy = path + ".copy"
    try FileManager.default.copyItem(atPath: path, toPath: saved)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[64] ^= 0xFF
    try Data(bytes).write(to: URL(fileURLWithPath: copy))
    #expect(rename(copy, path) == 0)
    let c = try t.snapshot()
    do {
        let r = try c.reader(victim)
        for col in 0..<3 { _ = try r.readColumn(col) }
        Issue.record("the replaced file was served from the cache")
    } catch {
        #expect("\(error)".contains(path), "\(error)")
    }
    // the original back (another new inode): read afresh, the same rows as before
    #expect(rename(saved, path) == 0)
    let d = try t.snapshot()
    let back = try d.reader(victim)
    #expect(back !== (try a.reader(victim)))
    guard case .int64(let before) = try a.reader(victim).readColumn(0).data, case .int64(let after) = try back.readColumn(0).data else {
        Issue.record("ts is not an int64 column")
        return
    }
    #expect(back.rowCount == victim.rows && before == after)
    // compaction rewrites every partition: the old segments leave the cache with the next snapshot
    _ = try Compactor.compact(table: t)
    let e = try t.snapshot()
    #expect(e.segments.count == 3)
    for s in e.segments { _ = try e.reader(s) }
    #expect(store.segmentReaders.paths == Set(e.segments.map(t.segmentPath)))
}
