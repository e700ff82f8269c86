import Foundation
import StrataCore
import StrataFormat
#if canImport(Glibc)
import Glibc
#endif

/// Settings of size-tiered compaction. Defaults can be overridden per table with options
/// (`WITH (...)`): `target_segment_rows`, `auto_compact` (`false` disables the automatic
/// trigger), `auto_compact_threshold`, `compact_size_ratio`, `compact_segment_cost`.
public struct CompactionPolicy: Sendable, Equatable {
    /// Rows per output segment; segments at or above it are never rewritten, and one merge
    /// never takes in more rows than this (which bounds its memory).
    public var targetRows: Int = 4_000_000
    /// Fewest segments one merge combines.
    public var minSegments: Int = 2
    /// A segment joins a run of smaller ones while its weight is at most `sizeRatio` times the
    /// run's accumulated weight.
    public var sizeRatio: Double = 4
    /// Fixed cost per segment, in rows, added to its row count to weigh it: tiny segments
    /// weigh about the same and merge together first.
    public var segmentCostRows: Int = 100_000
    /// Budget of input bytes per compaction run (`--max-bytes`); nil = unlimited.
    public var maxBytes: Int?
    /// Automatic compaction after an ingest starts when a partition holds more than this many
    /// segments.
    public var autoCompactThreshold: Int = 8
    /// Whether automatic compaction runs at all (`WITH (auto_compact = false)` turns it off).
    public var autoCompact: Bool = true

    public static let targetRowsOption = "target_segment_rows"
    public static let autoCompactOption = "auto_compact"
    public static let autoCompactThresholdOption = "auto_compact_threshold"
    public static let sizeRatioOption = "compact_size_ratio"
    public static let segmentCostOption = "compact_segment_cost"

    public init(targetRows: Int = 4_000_000, minSegments: Int = 2, sizeRatio: Double = 4, segmentCostRows: Int = 100_000,
                maxBytes: Int? = nil, autoCompactThreshold: Int = 8, autoCompact: Bool = true) {
        self.targetRows = targetRows
        self.minSegments = minSegments
        self.sizeRatio = sizeRatio
        self.segmentCostRows = segmentCostRows
        self.maxBytes = maxBytes
        self.autoCompactThreshold = autoCompactThreshold
        self.autoCompact = autoCompact
    }

    /// The defaults, overridden by the table's options; throws a user error naming a bad one.
    public init(definition def: TableDefinition) throws(StoreError) {
        self.init()
        func option(_ key: String) -> String? {
            guard let raw = def.options[key] else { return nil }
            return String(raw.unicodeScalars.filter { $0 != "'" && $0 != "\"" && $0 != " " }).lowercased()
        }
        func int(_ key: String, min lo: Int) throws(StoreError) -> Int? {
            guard let s = option(key) else { return nil }
            guard let v = Int(s.replacingOccurrences(of: "_", with: "")), v >= lo else {
                throw .user("table option \(key) = '\(def.options[key]!)' must be an integer of at least \(lo)")
            }
            return v
        }
        if let v = try int(Self.targetRowsOption, min: 1) { targetRows = v }
        if let v = try int(Self.autoCompactThresholdOption, min: 1) { autoCompactThreshold = v }
        if let v = try int(Self.segmentCostOption, min: 0) { segmentCostRows = v }
        if let s = option(Self.sizeRatioOption) {
            guard let v = Double(s), v >= 1 else { throw .user("table option \(Self.sizeRatioOption) must be a number of at least 1") }
            sizeRatio = v
        }
        if let s = option(Self.autoCompactOption) {
            switch s {
            case "true", "1", "on", "yes": autoCompact = true
            case "false", "0", "off", "no": autoCompact = false
            default: throw .user("table option auto_compact = '\(def.options[Self.autoCompactOption]!)' must be true or false")
            }
        }
    }

    /// Weight of a segment in the size tiers: its rows plus the fixed per-segment cost.
    public func weight(_ s: SegmentEntry) -> Int { s.rows + segmentCostRows }

    /// The merges for the live segments of ONE partition, each listed smallest first.
    ///
    /// Segments below `targetRows` are sorted by weight (then age); a run starts at the
    /// smallest and takes the next segment while its weight is at most `sizeRatio` × the
    /// run's accumulated weight and the run stays within `targetRows` rows; a run of at least
    /// `minSegments` segments is a merge, then the next run starts where it stopped. Many
    /// tiny segments therefore merge all together, a small segment never drags a much larger
    /// one into a rewrite, and a partition with a single segment is left alone.
    public func select(_ segments: [SegmentEntry]) -> [[SegmentEntry]] {
        let minimum = max(2, minSegments)
        guard segments.count >= minimum else { return [] }
        let candidates = segments.filter { $0.rows < targetRows }.sorted {
            (weight($0), $0.createdAt, $0.id) < (weight($1), $1.createdAt, $1.id)
        }
        var merges: [[SegmentEntry]] = []
        var i = 0
        while i < candidates.count {
            var run = [candidates[i]]
            var accumulated = weight(candidates[i]), rows = candidates[i].rows
            var j = i + 1
            while j < candidates.count {
                let c = candidates[j]
                guard Double(weight(c)) <= sizeRatio * Double(accumulated), rows + c.rows <= targetRows else { break }
                run.append(c)
                accumulated += weight(c)
                rows += c.rows
                j += 1
            }
            if run.count >= minimum { merges.append(run) }
            i = j
        }
        return merges
    }
}

/// One merge: input segments of one partition rewritten as sorted output segment(s).
public struct MergeTask: Sendable {
    public var partition: String
    public var partitionStart: Int64
    /// Inputs, smallest first (as selected).
    public var inputs: [SegmentEntry]
    /// Compaction generation of the outputs: max(input levels) + 1.
    public var outputLevel: Int
    /// Output segments expected: ceil(rows / targetRows) (fewer if deduplication drops rows).
    public var estimatedOutputs: Int

    public var inputIDs: [String] { inputs.map(\.id) }
    public var rows: Int { inputs.reduce(0) { $0 + $1.rows } }
    public var bytes: Int { inputs.reduce(0) { $0 + $1.bytes } }
}

/// The compaction work planned for one partition.
public struct PartitionPlan: Sendable {
    public var partition: String
    public var partitionStart: Int64
    /// Live segments / rows / bytes of the partition now.
    public var segments: Int
    public var rows: Int
    public var bytes: Int
    public var merges: [MergeTask]

    public var inputIDs: [String] { merges.flatMap(\.inputIDs) }
    public var inputSegments: Int { merges.reduce(0) { $0 + $1.inputs.count } }
    public var inputRows: Int { merges.reduce(0) { $0 + $1.rows } }
    public var inputBytes: Int { merges.reduce(0) { $0 + $1.bytes } }
    public var estimatedOutputs: Int { merges.reduce(0) { $0 + $1.estimatedOutputs } }
    /// Live segments of the partition once the plan ran.
    public var segmentsAfter: Int { segments - inputSegments + estimatedOutputs }
}

/// What a compaction would do (`strata compact --dry-run` prints `description`).
public struct CompactionPlan: Sendable, CustomStringConvertible {
    public var table: String
    public var policy: CompactionPolicy
    /// Manifest version the plan was made from.
    public var manifestVersion: UInt64
    /// Partitions looked at (after the `--partition` filter and retention).
    public var partitionsConsidered: Int
    /// Partitions with at least one merge, ascending by time.
    public var partitions: [PartitionPlan]

    public var isEmpty: Bool { partitions.isEmpty }
    public var inputSegments: Int { partitions.reduce(0) { $0 + $1.inputSegments } }
    public var inputRows: Int { partitions.reduce(0) { $0 + $1.inputRows } }
    public var inputBytes: Int { partitions.reduce(0) { $0 + $1.inputBytes } }
    public var estimatedOutputs: Int { partitions.reduce(0) { $0 + $1.estimatedOutputs } }
    public var inputIDs: [String] { partitions.flatMap(\.inputIDs) }

    public var description: String {
        var s = "compaction plan for \(table) (manifest version \(manifestVersion); target \(policy.targetRows) rows per segment, size ratio \(Compactor.formatNumber(policy.sizeRatio)), segment cost \(policy.segmentCostRows) rows"
        if let b = policy.maxBytes { s += ", budget \(Compactor.formatBytes(b))" }
        s += "):"
        if partitions.isEmpty {
            return s + "\n  nothing to compact in \(partitionsConsidered) partition\(partitionsConsidered == 1 ? "" : "s")"
        }
        for p in partitions {
            s += "\n  \(p.partition): \(p.segments) segments, \(p.rows) rows, \(Compactor.formatBytes(p.bytes)) -> \(p.segmentsAfter) segment\(p.segmentsAfter == 1 ? "" : "s")"
            for m in p.merges {
                s += "\n    merge \(m.inputs.count) segments (\(m.rows) rows, \(Compactor.formatBytes(m.bytes))) into \(m.estimatedOutputs) at level \(m.outputLevel): \(m.inputIDs.joined(separator: " "))"
            }
        }
        s += "\n  total: \(inputSegments) segments, \(inputRows) rows, \(Compactor.formatBytes(inputBytes)) in \(partitions.count) of \(partitionsConsidered) partitions -> \(estimatedOutputs) segment\(estimatedOutputs == 1 ? "" : "s")"
        return s
    }
}

/// The outcome of a compaction run.
public struct CompactionSummary: Sendable, CustomStringConvertible {
    public var table: String
    public var dryRun: Bool
    /// The plan that ran (or would run).
    public var plan: CompactionPlan
    /// Retention applied from the table option `retention` first (nil if unset).
    public var retention: RetentionSummary?
    /// Partitions rewritten.
    public var partitions: Int
    /// Live segments / rows / bytes of the whole table before and after (after includes
    /// commits that raced with the compaction).
    public var segmentsBefore: Int
    public var segmentsAfter: Int
    public var rowsBefore: Int
    public var rowsAfter: Int
    public var bytesBefore: Int
    public var bytesAfter: Int
    /// Segments / rows / bytes read and written by the merges.
    public var inputSegments: Int
    public var outputSegments: Int
    public var rowsRead: Int
    public var rowsWritten: Int
    public var bytesRead: Int
    public var bytesWritten: Int
    /// Rows dropped as older versions of a dedup key.
    public var duplicatesRemoved: Int { rowsRead - rowsWritten }
    /// Wall-clock seconds of the whole run (retention, merges, commit, GC).
    public var seconds: Double
    /// Merge throughput: rows read per second.
    public var rowsPerSecond: Double { seconds > 0 ? Double(rowsRead) / seconds : 0 }
    /// Manifest version committed (nil if nothing was committed).
    public var manifestVersion: UInt64?
    /// Plans made: 2 when a concurrent commit forced one retry.
    public var attempts: Int
    /// Files removed by the garbage collection that followed.
    public var filesDeleted: Int

    public var description: String {
        var lines: [String] = []
        if let r = retention, !r.dropped.isEmpty || dryRun { lines.append(r.description) }
        if dryRun {
            lines.append(plan.description)
        } else if inputSegments == 0 {
            lines.append("compaction of \(table): nothing to compact (\(segmentsBefore) segment\(segmentsBefore == 1 ? "" : "s") in \(plan.partitionsConsidered) partition\(plan.partitionsConsidered == 1 ? "" : "s"))")
        } else {
            var s = "compacted \(table): \(partitions) partition\(partitions == 1 ? "" : "s"), segments \(segmentsBefore) -> \(segmentsAfter) (\(inputSegments) merged into \(outputSegments)), \(rowsRead) rows"
            if duplicatesRemoved > 0 { s += " (\(duplicatesRemoved) duplicates removed)" }
            s += ", bytes \(Compactor.formatBytes(bytesBefore)) -> \(Compactor.formatBytes(bytesAfter)), \(Compactor.formatNumber(seconds, digits: 2)) s, \(Int(rowsPerSecond.rounded())) rows/s"
            if attempts > 1 { s += " (re-planned once after a concurrent commit)" }
            lines.append(s)
        }
        return lines.joined(separator: "\n")
    }
}

/// Progress of a compaction run: partitions done of the plan's, input rows merged of the plan's.
public typealias CompactionProgress = (_ partitionsDone: Int, _ partitions: Int, _ rowsDone: Int, _ rows: Int) -> Void

/// Size-tiered compaction: merges small segments of a partition into large sorted ones and
/// swaps them in with one atomic commit. Readers keep their snapshots (old files go only
/// through garbage collection: after the grace period and never under an open snapshot);
/// ingest may commit concurrently (it only adds segments, so it never conflicts).
public enum Compactor {
    /// The compaction `policy` (nil: the table's own, `CompactionPolicy(definition:)`) would
    /// run now, for one partition (label like `month=2024-05`, or just `2024-05`) or all.
    public static func plan(table: Table, policy: CompactionPolicy? = nil, partition: String? = nil) throws(StoreError) -> CompactionPlan {
        let m = try table.currentManifest()
        let pol: CompactionPolicy
        if let policy { pol = policy } else { pol = try CompactionPolicy(definition: m.table) }
        return try makePlan(m, policy: pol, only: try resolvePartitions(partition, m), excluding: [])
    }

    /// Runs compaction: applies the table option `retention` (if set), plans, merges each
    /// selected run (one partition at a time: read inputs, merge dictionaries, merge the
    /// sorted inputs by the sort key, deduplicate for dedup tables, write outputs split at
    /// `targetRows`), then
    /// commits every output and removes every input in ONE manifest version. If a concurrent
    /// commit removed an input (another compaction, retention, delete), the run re-plans
    /// after a randomized, growing pause (50 ms doubling to 2 s) for up to `retryFor` seconds,
    /// then fails with a `.conflict` error naming how often it tried; either way its staged
    /// files are removed.
    /// Finishes with `collectGarbage()` (grace period, readers respected).
    ///
    /// Memory: one merge takes in at most `targetRows` rows and is streamed
    /// (`streamingMerge`): its key columns while ordering, then 6 bytes a row plus, per core,
    /// one decoded block per input, one output block and one column's encoded pages.
    @discardableResult
    ///
    /// `interruption`: checked before each merge and before the commit; once raised, the run
    /// stops with a `.cancelled` error and its staged files are removed (nothing committed).
    /// `progress`: called after each merge with the input rows and segments done of the plan's.
    public static func compact(table: Table, policy: CompactionPolicy? = nil, partition: String? = nil,
                               dryRun: Bool = false, now: Date = Date(), retryFor: Double = 120,
                               interruption: Interruption? = nil, progress: CompactionProgress? = nil) throws(StoreError) -> CompactionSummary {
        let m = try table.currentManifest()
        let only = try resolvePartitions(partition, m)
        return try run(table: table, policy: policy, only: only, dryRun: dryRun, now: now, retryFor: retryFor,
                       interruption: interruption, progress: progress)
    }

    /// After an ingest: when automatic compaction is on for the table and some partition
    /// holds more than `autoCompactThreshold` segments, compacts those partitions (applying
    /// the table's retention too). Returns nil when nothing was due or another writer's
    /// compaction got there first (conflict); other errors are thrown.
    @discardableResult
    public static func autoCompactIfNeeded(table: Table, now: Date = Date(), interruption: Interruption? = nil) throws(StoreError) -> CompactionSummary? {
        let m = try table.currentManifest()
        let policy = try CompactionPolicy(definition: m.table)
        guard policy.autoCompact else { return nil }
        var counts: [String: Int] = [:]
        for s in m.segments { counts[s.partition, default: 0] += 1 }
        let crowded = Set(counts.filter { $0.value > policy.autoCompactThreshold }.keys)
        guard !crowded.isEmpty else { return nil }
        do throws(StoreError) {
            // another writer's compaction of the same partitions is as good as this one
            let s = try run(table: table, policy: policy, only: crowded, dryRun: false, now: now, retryFor: 0, interruption: interruption)
            return s.inputSegments == 0 && (s.retention?.dropped.isEmpty ?? true) ? nil : s
        } catch where error.kind == .conflict {
            return nil
        }
    }

    /// Rows of `columns` (one per column of `definition`) that survive deduplication, in
    /// ascending order; every row when the table has no (valid) `dedup_key` option. The query
    /// engine applies this to a table's rows for `FINAL`-like answers. See `DedupSpec`.
    public static func dedupRows(columns: [Column], definition: TableDefinition) -> [Int32] {
        let n = columns.first?.count ?? 0
        guard let spec = (try? DedupSpec(definition: definition)) ?? nil else { return Array(0..<Int32(n)) }
        return spec.survivingRows(columns)
    }

    /// Test hook: called with the attempt number (1, 2) right before the commit of a run,
    /// for runs on the thread that installed it.
    public static var beforeCommit: ((Int) -> Void)? {
        get { beforeCommitHooks.current }
        set { beforeCommitHooks.current = newValue }
    }
    static let beforeCommitHooks = ThreadHooks<(Int) -> Void>()

    // MARK: - internals

    static func resolvePartitions(_ partition: String?, _ m: Manifest) throws(StoreError) -> Set<String>? {
        guard let p = partition else { return nil }
        let labels = Set(m.segments.map(\.partition))
        if labels.contains(p) { return [p] }
        let matches = labels.filter { $0.split(separator: "=", maxSplits: 1).last.map(String.init) == p }
        if matches.count == 1 { return matches }
        let known = labels.sorted()
        let shown = known.count > 8 ? known.prefix(8).joined(separator: ", ") + ", ..." : known.joined(separator: ", ")
        throw .user("table '\(m.table.name)' has no partition '\(p)'" + (known.isEmpty ? " (it has no segments)" : " (partitions: \(shown))"))
    }

    static func makePlan(_ m: Manifest, policy: CompactionPolicy, only: Set<String>?, excluding: Set<String>) throws(StoreError) -> CompactionPlan {
        var byPartition: [String: [SegmentEntry]] = [:]
        for s in m.segments where (only?.contains(s.partition) ?? true) && !excluding.contains(s.partition) {
            byPartition[s.partition, default: []].append(s)
        }
        let ordered = byPartition.values.map { ($0[0].partitionStart, $0[0].partition, $0) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var budget = policy.maxBytes ?? Int.max
        var partitions: [PartitionPlan] = []
        for (start, label, segs) in ordered {
            var merges: [MergeTask] = []
            for run in policy.select(segs) where budget > 0 {
                var inputs = run
                var bytes = inputs.reduce(0) { $0 + $1.bytes }
                if bytes > budget {
                    // take the smallest inputs that fit the remaining budget
                    inputs = []
                    bytes = 0
                    for s in run where bytes + s.bytes <= budget {
                        inputs.append(s)
                        bytes += s.bytes
                    }
                    guard inputs.count >= max(2, policy.minSegments) else { continue }
                }
                budget -= bytes
                let rows = inputs.reduce(0) { $0 + $1.rows }
                merges.append(MergeTask(partition: label, partitionStart: start, inputs: inputs,
                                        outputLevel: (inputs.map(\.level).max() ?? 0) + 1,
                                        estimatedOutputs: rows == 0 ? 0 : (rows + policy.targetRows - 1) / policy.targetRows))
            }
            if !merges.isEmpty {
                partitions.append(PartitionPlan(partition: label, partitionStart: start, segments: segs.count,
                                                rows: segs.reduce(0) { $0 + $1.rows }, bytes: segs.reduce(0) { $0 + $1.bytes },
                                                merges: merges))
            }
        }
        return CompactionPlan(table: m.table.name, policy: policy, manifestVersion: m.version,
                              partitionsConsidered: ordered.count, partitions: partitions)
    }

    static func run(table: Table, policy: CompactionPolicy?, only: Set<String>?, dryRun: Bool, now: Date,
                    retryFor: Double, interruption: Interruption? = nil, progress: CompactionProgress? = nil) throws(StoreError) -> CompactionSummary {
        func checkInterrupt() throws(StoreError) {
            if let interruption, interruption.isRaised { throw StoreError(.cancelled, "cancelled: nothing was committed") }
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let deadline = Date().addingTimeInterval(retryFor)
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        let initial = try table.currentManifest()
        let pol: CompactionPolicy
        if let policy { pol = policy } else { pol = try CompactionPolicy(definition: initial.table) }
        _ = try DedupSpec(definition: initial.table)  // reject bad dedup options before doing any work
        var retention: RetentionSummary?
        if let text = initial.table.options[Retention.optionName], !text.isEmpty {
            retention = try Retention.apply(table: table, keep: try Retention.parseDuration(text), now: now, dryRun: dryRun)
        }
        let expired = dryRun ? Set(retention?.dropped.map(\.partition) ?? []) : []
        var attempts = 0
        while true {
            attempts += 1
            let snap = try table.snapshot()
            let before = snap.manifest
            let plan = try makePlan(before, policy: pol, only: only, excluding: expired)
            var summary = CompactionSummary(
                table: table.name, dryRun: dryRun, plan: plan, retention: retention, partitions: 0,
                segmentsBefore: before.segments.count, segmentsAfter: before.segments.count,
                rowsBefore: before.rowCount, rowsAfter: before.rowCount,
                bytesBefore: before.segments.reduce(0) { $0 + $1.bytes }, bytesAfter: before.segments.reduce(0) { $0 + $1.bytes },
                inputSegments: 0, outputSegments: 0, rowsRead: 0, rowsWritten: 0, bytesRead: 0, bytesWritten: 0,
                seconds: 0, manifestVersion: nil, attempts: attempts, filesDeleted: 0)
            if dryRun || plan.isEmpty {
                snap.close()
                summary.seconds = elapsed()
                return summary
            }
            var staged: [Table.StagedSegment] = []
            do throws(StoreError) {
                let dedup = try DedupSpec(definition: before.table)
                for (pi, p) in plan.partitions.enumerated() {
                    for task in p.merges {
                        try checkInterrupt()
                        let out = try streamingMerge(task, snapshot: snap, definition: before.table, policy: pol, dedup: dedup)
                        staged += out
                        summary.rowsRead += task.rows
                        summary.bytesRead += task.bytes
                        summary.inputSegments += task.inputs.count
                        progress?(pi + (task.inputIDs == p.merges.last?.inputIDs ? 1 : 0), plan.partitions.count,
                                  summary.rowsRead, plan.inputRows)
                    }
                }
                try checkInterrupt()
            } catch {
                snap.close()
                throw error
            }
            snap.close()
            summary.rowsWritten = staged.reduce(0) { $0 + $1.entry.rows }
            summary.bytesWritten = staged.reduce(0) { $0 + $1.entry.bytes }
            summary.outputSegments = staged.count
            summary.partitions = plan.partitions.count
            Compactor.beforeCommit?(attempts)
            let after: Manifest?
            do throws(StoreError) {
                after = try table.commit(adding: staged, removing: plan.inputIDs)
            } catch where error.kind == .conflict && (attempts < 2 || Date() < deadline) {
                staged = []  // removes this attempt's files before the pause
                if attempts >= 2 {
                    let pause = min(2.0, 0.05 * Double(1 << min(attempts - 2, 6))) * Double.random(in: 0.5...1.5)
                    usleep(UInt32(pause * 1e6))
                }
                continue
            } catch where error.kind == .conflict {
                throw StoreError(.conflict, "compaction of '\(table.name)' gave up after \(attempts) attempts in \(Int(elapsed())) s, each overtaken by a concurrent commit (\(error.message)); run it again when fewer writers are active", cause: error)
            }
            if let after {
                summary.manifestVersion = after.version
                summary.segmentsAfter = after.segments.count
                summary.rowsAfter = after.rowCount
                summary.bytesAfter = after.segments.reduce(0) { $0 + $1.bytes }
            }
            summary.filesDeleted = table.collectGarbage(retiredImmediately: true).deletedFiles.count
            summary.seconds = elapsed()
            return summary
        }
    }

    /// Column `column` of every input, concatenated in input order.
    static func readConcatenated(_ column: Int, of readers: [SegmentReader], definition def: TableDefinition,
                                 total: Int) throws(StoreError) -> Column {
        var parts: [Column] = []
        parts.reserveCapacity(readers.count)
        do throws(FormatError) {
            for r in readers { parts.append(try r.readColumn(column, cacheDictionary: false)) }
        } catch {
            throw StoreError(error)
        }
        return Column.concatenated(parts, physical: def.columns[column].type.physical, total: total)
    }

    /// The merged row order of the inputs (row numbers over the inputs concatenated; input `j`
    /// holds rows `bounds[j]..<bounds[j+1]`) by the sort key, without the rows a dedup table's
    /// newer versions supersede; and the key columns read for it, by column index.
    static func mergedOrder(readers: [SegmentReader], bounds: [Int], definition def: TableDefinition,
                            dedup: DedupSpec?) throws(StoreError) -> (order: [Int32], keys: [Int: Column]) {
        let total = bounds.last!
        let sortKey = def.sortKey.compactMap { def.columnIndex($0) }
        var kept: [Int: Column] = [:]
        for c in sortKey + (dedup?.keyColumns ?? []) + (dedup?.versionColumn.map { [$0] } ?? []) where kept[c] == nil {
            kept[c] = try readConcatenated(c, of: readers, definition: def, total: total)
        }
        var order = mergeOrder(keys: sortKey.map { kept[$0]! }, runs: bounds)
        if let dedup {
            let survivors = DedupSpec.survivingRows(keys: dedup.keyColumns.map { kept[$0]! },
                                                    version: dedup.versionColumn.map { kept[$0]! })
            if survivors.count < total {
                var keep = [Bool](repeating: false, count: total)
                for r in survivors { keep[Int(r)] = true }
                order = order.filter { keep[Int($0)] }
            }
        }
        return (order, kept)
    }

    /// Reads the inputs of `task` (oldest first), merges their dictionaries, orders the rows
    /// by the sort key with a stable merge of the already-sorted inputs (a full sort if some
    /// input is not sorted), drops superseded versions for dedup tables and stages the rows
    /// as segment(s) of at most `targetRows` rows at the task's output level. Columns are
    /// decoded one per core at a time (sort/dedup key columns are kept throughout), so memory
    /// is about the output plus one input column per core. Compaction runs `streamingMerge`,
    /// which writes the same bytes in bounded memory; this one is the tests' reference and the
    /// path for merges of more than 65,535 inputs.
    static func merge(_ task: MergeTask, snapshot: Snapshot, definition def: TableDefinition, policy: CompactionPolicy,
                      dedup: DedupSpec?) throws(StoreError) -> [Table.StagedSegment] {
        let inputs = task.inputs.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        var readers: [SegmentReader] = []
        for s in inputs {
            let r = try snapshot.reader(s)
            guard r.footer.columns.count == def.columns.count,
                  zip(r.footer.columns, def.columns).allSatisfy({ $0.name == $1.name && $0.type == $1.type }) else {
                throw StoreError(.corrupt, "\(snapshot.table.segmentPath(s)): columns differ from the table schema; cannot compact it", path: snapshot.table.segmentPath(s))
            }
            guard r.footer.partition == task.partition else {
                throw StoreError(.corrupt, "\(snapshot.table.segmentPath(s)): footer partition '\(r.footer.partition)' differs from '\(task.partition)'", path: snapshot.table.segmentPath(s))
            }
            readers.append(r)
        }
        var bounds = [0]
        for r in readers { bounds.append(bounds.last! + r.rowCount) }
        let total = bounds.last!
        guard total > 0 else { return [] }
        func read(_ column: Int) throws(StoreError) -> Column {
            try readConcatenated(column, of: readers, definition: def, total: total)
        }
        let (order, keyColumns) = try mergedOrder(readers: readers, bounds: bounds, definition: def, dedup: dedup)
        // output chunks of at most targetRows rows, gathered column by column
        var chunks: [Range<Int>] = []
        var lo = 0
        while lo < order.count {
            let hi = min(lo + max(1, policy.targetRows), order.count)
            chunks.append(lo..<hi)
            lo = hi
        }
        // decode, concatenate and gather the columns on all cores (one column per worker)
        let columnCount = def.columns.count
        let gathered = UnsafeMutableBufferPointer<[Column]>.allocate(capacity: columnCount)
        gathered.initialize(repeating: [])
        let failures = UnsafeMutableBufferPointer<StoreError?>.allocate(capacity: columnCount)
        failures.initialize(repeating: nil)
        defer {
            gathered.deinitialize()
            gathered.deallocate()
            failures.deinitialize()
            failures.deallocate()
        }
        let work = { (c: Int) in
            do throws(StoreError) {
                let column: Column
                if let k = keyColumns[c] { column = k } else { column = try read(c) }
                gathered[c] = order.withUnsafeBufferPointer { o in
                    chunks.map { column.gathered(UnsafeBufferPointer(rebasing: o[$0])) }
                }
            } catch {
                failures[c] = error
            }
        }
        ParallelWork.forEach(columnCount, workers: total > 65_536 ? ParallelWork.cores : 1) { c, _ in work(c) }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        var outputs = [[Column]](repeating: [], count: chunks.count)
        for c in 0..<columnCount {
            for k in chunks.indices { outputs[k].append(gathered[c][k]) }
            gathered[c] = []
        }
        // on an error, the segments staged so far are removed with `staged`
        var staged: [Table.StagedSegment] = []
        for k in outputs.indices {
            let columns = outputs[k]
            outputs[k] = []
            staged.append(try snapshot.table.stageSegment(definition: def, columns: columns, partitionStart: task.partitionStart,
                                                          level: task.outputLevel))
        }
        return staged
    }

    /// Row order by the sort key `keys` of the concatenation of sorted runs (`runs` holds the
    /// run boundaries, first 0, last the row count): NULLs first, ties in concatenation order
    /// (the order a stable sort gives). Runs are merged pairwise; if some run turns out not
    /// to be sorted, the rows are sorted instead.
    static func mergeOrder(keys: [Column], runs: [Int]) -> [Int32] {
        let total = runs.last ?? 0
        var order = Array(0..<Int32(total))
        guard !keys.isEmpty, total > 1 else { return order }
        // row-major matrix of comparable Int64s: per key column an optional validity slot
        // (0 NULL, 1 value) and the value (0 for NULL)
        var slots: [(values: [Int64], validity: [UInt8]?)] = keys.map { ($0.orderWords(), $0.validity) }
        let width = slots.reduce(0) { $0 + ($1.validity == nil ? 1 : 2) }
        var matrix = [Int64](repeating: 0, count: total * width)
        var at = 0
        for s in slots {
            if let v = s.validity {
                for i in 0..<total { matrix[i * width + at] = Int64(v[i] != 0 ? 1 : 0) }
                for i in 0..<total where v[i] != 0 { matrix[i * width + at + 1] = s.values[i] }
                at += 2
            } else {
                for i in 0..<total { matrix[i * width + at] = s.values[i] }
                at += 1
            }
        }
        slots.removeAll()
        matrix.withUnsafeBufferPointer { m in
            let base = m.baseAddress!
            @inline(__always) func less(_ a: Int32, _ b: Int32) -> Bool {
                let pa = base + Int(a) * width, pb = base + Int(b) * width
                for j in 0..<width where pa[j] != pb[j] { return pa[j] < pb[j] }
                return false
            }
            var sorted = true
            for r in 0..<(runs.count - 1) where sorted {
                var i = runs[r] + 1
                while i < runs[r + 1] {
                    if less(Int32(i), Int32(i - 1)) { sorted = false; break }
                    i += 1
                }
            }
            guard sorted else {
                order.sort { less($0, $1) || (!less($1, $0) && $0 < $1) }
                return
            }
            SortedRuns.merge(&order, runs: runs, less)
        }
        return order
    }

    static func formatBytes(_ b: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(b), u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(b) B" : "\(formatNumber(v, digits: 1)) \(units[u])"
    }

    static func formatNumber(_ v: Double, digits: Int = 1) -> String {
        if v == v.rounded() && digits <= 1 && abs(v) < 1e15 { return String(Int(v)) }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (v * scale).rounded() / scale
        let whole = Int(r.rounded(.towardZero))
        var frac = String(Int((abs(r - Double(whole)) * scale).rounded()))
        while frac.count < digits { frac = "0" + frac }
        return "\(r < 0 && whole == 0 ? "-" : "")\(whole).\(frac)"
    }
}
