import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
@testable import StrataStore

// The streamed merge (bounded buffers) must write exactly what the in-memory merge wrote:
// same rows, same order, same dictionaries, same segment bytes.

/// The bytes of a staged segment file.
private func stagedBytes(_ s: Table.StagedSegment) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: s.tmpPath)))
}

/// Runs both merges of every input group of `t` (all segments of a partition, or the plan's
/// merges) and checks the staged files are byte-identical and sound.
private func expectSameMerges(_ t: Table, _ def: TableDefinition, policy: CompactionPolicy, allSegments: Bool,
                              note: String) throws {
    let snap = try t.snapshot()
    defer { snap.close() }
    let dedup = try DedupSpec(definition: def)
    var tasks: [MergeTask] = []
    if allSegments {
        for (label, segs) in Dictionary(grouping: snap.segments, by: \.partition) where segs.count >= 1 {
            tasks.append(MergeTask(partition: label, partitionStart: segs[0].partitionStart, inputs: segs, outputLevel: 1,
                                   estimatedOutputs: 1))
        }
    } else {
        let m = try t.currentManifest()
        tasks = try Compactor.makePlan(m, policy: policy, only: nil, excluding: []).partitions.flatMap(\.merges)
    }
    if allSegments { #expect(!tasks.isEmpty, "\(note)") }
    for task in tasks {
        let old = try Compactor.merge(task, snapshot: snap, definition: def, policy: policy, dedup: dedup)
        let new = try Compactor.streamingMerge(task, snapshot: snap, definition: def, policy: policy, dedup: dedup)
        #expect(old.count == new.count, "\(note) \(task.partition)")
        for (a, b) in zip(old, new) {
            #expect(a.entry.rows == b.entry.rows && a.entry.bytes == b.entry.bytes, "\(note) \(task.partition)")
            #expect(a.entry.minTime == b.entry.minTime && a.entry.maxTime == b.entry.maxTime && a.entry.level == b.entry.level)
            let ab = try stagedBytes(a), bb = try stagedBytes(b)
            #expect(ab == bb, "\(note) \(task.partition): segment bytes differ")
            try SegmentReader(path: b.tmpPath).verify()
        }
    }
}

/// Many seeds: random loads (NULLs in the leading string key, doubles, booleans), random block
/// sizes for inputs and output, output split at a small target, dedup on some seeds, and some
/// unsorted inputs (written without sorting) that force the full-sort order.
@Test(arguments: 1...24)
func streamedMergeWritesTheSameSegmentsAsInMemory(seed: Int) throws {
    var rng = TestRNG(UInt64(seed) &+ 1000)
    let store = try newStore()
    var def = eventsDef
    def.blockRows = [1024, 1500, 4096][rng.below(3)]
    if seed % 3 == 0 {
        def.options = ["dedup_key": "(profile_id, source)", "version": "value"]
    } else if seed % 5 == 0 {
        def.options = ["dedup_key": "profile_id"]
    }
    let t = try store.createTable(def)
    try ingest(t, def, loads: 2 + rng.below(6), rows: 1...4000, rng: &rng, days: 1 + rng.below(3))
    if seed % 4 == 1 {
        // an input whose rows are not in sort-key order
        let cols = eventColumns(500 + rng.below(2000), rng: &rng, days: 1)
        try t.commit(adding: [try t.stageSegment(definition: def, columns: cols, partitionStart: jan1)])
    }
    // the compaction's definition may differ in block size from the inputs'
    var out = def
    out.blockRows = [1024, 2048, 65_536][rng.below(3)]
    var policy = CompactionPolicy()
    policy.targetRows = [700, 3000, 4_000_000][rng.below(3)]
    try expectSameMerges(t, out, policy: policy, allSegments: true, note: "seed \(seed)")
    try expectSameMerges(t, out, policy: CompactionPolicy(segmentCostRows: 0), allSegments: false, note: "seed \(seed) plan")
}

/// Every physical type, all-NULL blocks and columns, strings used only by rows that dedup
/// drops (their entries must leave the dictionary), a single input (its own dictionary).
@Test(arguments: 1...10)
func streamedMergeHandlesNullsAndDroppedEntries(seed: Int) throws {
    var rng = TestRNG(UInt64(seed) &+ 5000)
    let def = TableDefinition(
        name: "m",
        columns: [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "k", type: .bigint),
                  ColumnSchema(name: "tag", type: .varchar), ColumnSchema(name: "gone", type: .varchar),
                  ColumnSchema(name: "d", type: .double), ColumnSchema(name: "b", type: .boolean),
                  ColumnSchema(name: "v", type: .bigint)],
        timeColumn: "ts", granularity: .month, sortKey: ["k", "ts"], blockRows: 1024,
        options: seed % 2 == 0 ? ["dedup_key": "k", "version": "v"] : [:])
    let store = try newStore()
    let t = try store.createTable(def)
    let loads = 1 + rng.below(4)
    for load in 0..<loads {
        let n = 1 + rng.below(3000)
        var dict = StringDictionary()
        for i in 0..<7 { dict.append("tag-\(load)-\(i)") }
        var gone = StringDictionary()
        gone.append("only-in-load-\(load)")
        var ts: [Int64] = [], k: [Int64] = [], codes: [UInt32] = [], tv: [UInt8] = [], gv: [UInt8] = []
        var d: [Double] = [], dv: [UInt8] = [], b: [UInt8] = [], bv: [UInt8] = [], v: [Int64] = []
        let allNullTags = rng.below(4) == 0
        for i in 0..<n {
            ts.append(jan1 + Int64(rng.below(20 * 86_400)) * 1_000_000)
            k.append(Int64(rng.below(300)))
            codes.append(UInt32(rng.below(7)))
            tv.append(allNullTags || (i / 700) % 3 == 1 || rng.below(8) == 0 ? 0 : 1)
            gv.append(k.last! < 5 ? 1 : 0)
            d.append(rng.below(5) == 0 ? .nan : Double(rng.below(1000)) - 500.5)
            dv.append(rng.below(6) == 0 ? 0 : 1)
            b.append(UInt8(rng.below(2)))
            bv.append(rng.below(3) == 0 ? 0 : 1)
            v.append(Int64(load))  // later loads win the dedup
        }
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: [
            Column(.int64(ts)), Column(.int64(k)), Column(.string(codes: codes, dictionary: dict), validity: tv),
            Column(.string(codes: [UInt32](repeating: 0, count: n), dictionary: gone), validity: gv),
            Column(.double(d), validity: dv), Column(.bool(b), validity: bv), Column(.int64(v))]))
    }
    var policy = CompactionPolicy()
    policy.targetRows = [900, 4_000_000][rng.below(2)]
    try expectSameMerges(t, def, policy: policy, allSegments: true, note: "seed \(seed)")
}

/// End to end: compaction with the streamed merge keeps exactly the table's rows (as a
/// multiset, each output in sort-key order), for dedup tables exactly the surviving rows.
@Test(arguments: 1...8)
func streamedCompactionKeepsTableContents(seed: Int) throws {
    var rng = TestRNG(UInt64(seed) &+ 9000)
    let store = try newStore()
    var def = eventsDef
    if seed % 2 == 0 { def.options = ["dedup_key": "(profile_id, source)"] }
    let t = try store.createTable(def)
    try ingest(t, def, loads: 3 + rng.below(6), rows: 100...3000, rng: &rng, days: 2)
    let beforeSnap = try t.snapshot()
    var expected: [[String]] = []
    for s in beforeSnap.segments.sorted(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }) {
        let r = try beforeSnap.reader(s)
        let cols = try (0..<def.columns.count).map { try r.readColumn($0) }
        expected += renderRows(cols)
    }
    beforeSnap.close()
    if seed % 2 == 0 {
        // the rows that survive: the last written of each (profile_id, source)
        var last: [String: [String]] = [:]
        for row in expected { last["\(Int64(row[0])! / 86_400_000_000)|\(row[1])|\(row[2])"] = row }
        expected = Array(last.values)
    }
    // dedup applies within one merge: keep each partition's inputs together there
    let summary = try Compactor.compact(table: t, policy: CompactionPolicy(targetRows: seed % 2 == 0 ? 4_000_000 : 2500))
    #expect(summary.inputSegments > 0)
    #expect(sortedRows(try tableRows(t)) == sortedRows(expected), "seed \(seed)")
    let snap = try t.snapshot()
    defer { snap.close() }
    for (s, rows) in try segmentRows(snap) {
        for i in rows.indices.dropFirst() { #expect(keyPrecedesOrEqual(rows[i - 1], rows[i]), "seed \(seed) \(s.id) row \(i)") }
    }
    #expect(t.verify().isSound)
}
