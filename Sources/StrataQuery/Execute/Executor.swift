import Dispatch
import Foundation
import StrataCore
import StrataFormat
import StrataStore
import StrataText

/// Where a SELECT reads from: a table snapshot or an in-memory relation (subquery, CTE).
enum Source {
    case table(Snapshot)
    case relation(Relation)
    /// Parquet files read in place, row group by row group (Files/ParquetScan.swift).
    case parquet(ParquetScanState)

    var types: [DataType] {
        switch self {
        case .table(let s): return s.definition.columns.map { DataType($0.type) }
        case .relation(let r): return r.types
        case .parquet(let p): return p.spec.types
        }
    }
}

struct OrderKey {
    var expr: BExpr
    var descending: Bool
    var nullsFirst: Bool
}

/// Per-column value range implied by the WHERE clause, for pruning segments and blocks.
struct PruneRange {
    var lo: Int64 = .min
    var hi: Int64 = .max
    var strings: Set<String>?
}

/// A bound SELECT core, ready to execute.
struct SelectPlan {
    var source: Source
    var slots: [Int]                  // source columns needed
    var filter: BExpr?
    var filterSlots: [Int]            // decoded before the filter
    var prune: [Int: PruneRange] = [:]
    var isAggregate: Bool
    var groups: [BExpr] = []
    var aggs: [AggSpec] = []
    // post stage: over [groups..., aggs...] for aggregates, else over source slots
    var having: BExpr?
    var windows: [WindowSpecBound] = []
    var windowBase = 0
    var qualify: BExpr?
    var outputs: [BExpr]
    var names: [String]
    var order: [OrderKey] = []
    var distinct = false
    var limit: Int?
    var offset: Int = 0
    /// Two-phase top-N (set by the optimizer's TopNRule).
    var twoPhase = false
    /// GROUP BY ROLLUP/CUBE/GROUPING SETS: indices into `groups` per set (Executor+GroupingSets).
    var groupingSets: [[Int]]? = nil
    /// EXPLAIN ANALYZE counters.
    var counters: PipelineCounters?
}

/// Runs plans: parallel block scan with late materialization, partial aggregation per
/// thread, merge, then the post stage (HAVING, projection, DISTINCT, ORDER BY, LIMIT).
final class Executor: @unchecked Sendable {
    let eval: Evaluator
    let threads: Int
    let interner = StringInterner()
    /// Blocks scanned, for a progress display (set by the engine).
    var progress: QueryProgress?

    init(eval: Evaluator, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.eval = eval
        self.threads = max(1, threads)
    }

    /// Work unit: one block of one segment (or one chunk of a relation).
    struct Unit {
        var segment: Int
        var block: Int
    }

    func run(_ plan: SelectPlan) throws(QueryError) -> Relation {
        if case .parquet(let p) = plan.source { return try runParquet(plan, p) }
        return try runOnce(plan)
    }

    func runOnce(_ plan: SelectPlan) throws(QueryError) -> Relation {
        if plan.isAggregate {
            if plan.twoPhase, let r = try runTwoPhaseTopN(plan) { return r }
            return try post(plan, try aggregate(plan))
        }
        return try post(plan, try project(plan))
    }

    // MARK: - scanning

    final class Worker {
        let scratch = DecodeScratch()
        var blocks: [Int: BlockVector] = [:]
        var table: GroupTable?
        var states: [any Accumulator] = []
        var parts: [[Vec]] = []    // projection outputs: per batch, one vector per slot
        var sawRows = false
        var rowsOut = 0
        var error: QueryError?
        /// Bytes of the statement's memory budget reserved for this worker's groups (Limits.swift).
        var charged = 0
    }

    /// Units surviving pruning.
    func units(_ plan: SelectPlan, _ snap: Snapshot) throws(QueryError) -> [Unit] {
        var out: [Unit] = []
        let def = snap.definition
        let tcol = def.timeColumnIndex
        for (si, s) in snap.segments.enumerated() where s.rows > 0 {
            if let t = tcol, let r = plan.prune[t], def.columns[t].type == .timestamp, s.maxTime < r.lo || s.minTime > r.hi { continue }
            let reader: SegmentReader
            do throws(StoreError) { reader = try snap.reader(s) } catch { throw QueryError(error) }
            // string equality: the value must be in the segment dictionary; prune by code range
            var codeRanges: [Int: (Int64, Int64)] = [:]
            var skip = false
            for (slot, r) in plan.prune {
                guard let set = r.strings, def.columns[slot].type == .varchar else { continue }
                let d: StringDictionary
                do throws(FormatError) { d = try reader.dictionary(column: slot) } catch { throw QueryError(error) }
                var lo = Int64.max, hi = Int64.min
                for s in set {
                    if let c = Executor.find(d, s) { lo = min(lo, Int64(c)); hi = max(hi, Int64(c)) }
                }
                if lo > hi { skip = true; break }
                codeRanges[slot] = (lo, hi)
            }
            if skip { continue }
            for b in 0..<reader.blockCount {
                var keep = true
                for (slot, r) in plan.prune {
                    let m = reader.footer.columns[slot].blocks[b]
                    if m.nullCount == UInt32(reader.footer.rows(inBlock: b)) { keep = false; break }
                    if let (lo, hi) = codeRanges[slot] {
                        if m.maxBits < lo || m.minBits > hi { keep = false; break }
                    } else if r.strings == nil && DataType(def.columns[slot].type).isIntLane {
                        if m.maxBits < r.lo || m.minBits > r.hi { keep = false; break }
                    }
                }
                if keep { out.append(Unit(segment: si, block: b)) }
            }
        }
        return out
    }

    /// Blocks of every non-empty segment of `snap` (from their footers).
    static func blockCount(_ snap: Snapshot) -> Int {
        var blocks = 0
        for s in snap.segments where s.rows > 0 { blocks += (try? snap.reader(s).blockCount) ?? 0 }
        return blocks
    }

    static func find(_ d: StringDictionary, _ s: String) -> Int? {
        var s = s
        return s.withUTF8 { key -> Int? in
            var lo = 0, hi = d.count - 1
            while lo <= hi {
                let mid = (lo + hi) / 2
                let c = d.withEntry(mid) { compareBytes($0, key) }
                if c == 0 { return mid }
                if c < 0 { lo = mid + 1 } else { hi = mid - 1 }
            }
            return nil
        }
    }

    /// Hands the units `0..<count` (blocks, row groups) out to `workers` one at a time (on this
    /// thread alone with one worker or fewer than two units); `unit(worker, index)` reads one.
    /// The statement's interrupt is checked before each unit. The first error stops the handing
    /// out and is thrown once every worker has stopped.
    func forEachUnit(_ count: Int, _ workers: [Worker], _ unit: @escaping (Worker, Int) throws(QueryError) -> Void) throws(QueryError) {
        let lock = NSLock()
        var next = 0
        let work: (Int) -> Void = { wi in
            let w = workers[wi]
            while true {
                lock.lock()
                if next >= count || workers.contains(where: { $0.error != nil }) { lock.unlock(); return }
                let i = next
                next += 1
                lock.unlock()
                do throws(QueryError) {
                    try self.eval.checkInterrupt()
                    try unit(w, i)
                } catch {
                    lock.lock()
                    w.error = error
                    lock.unlock()
                    return
                }
            }
        }
        if workers.count == 1 || count < 2 {
            work(0)
        } else {
            ParallelWork.forEach(workers.count, workers: workers.count) { w, _ in work(w) }
        }
        if let e = workers.first(where: { $0.error != nil })?.error { throw e }
    }

    /// Calls `body` on each surviving batch (filtered, only needed slots loaded), spread over
    /// threads. `body` gets the worker's private state.
    func scan(_ plan: SelectPlan, _ workers: [Worker], _ body: @escaping (Worker, Batch) throws(QueryError) -> Void) throws(QueryError) {
        switch plan.source {
        case .parquet(let p):
            try scanParquet(plan, p, workers, body)
        case .relation(let rel):
            if workers.count > 1 && rel.count >= RelationChunks.minRows {
                // a large relation under an order-insensitive aggregate: chunks on every worker
                try RelationChunks.scan(self, plan, rel, workers, body)
                break
            }
            // one batch over the whole (already materialized) relation: no copies
            try eval.checkInterrupt()
            let w = workers[0]
            var cols = [Vec?](repeating: nil, count: rel.columns.count)
            for s in plan.slots { cols[s] = rel.columns[s] }
            for s in plan.filterSlots { cols[s] = rel.columns[s] }
            let b = Batch(columns: cols, count: rel.count)
            if let f = plan.filter {
                let sel = try eval.select(f, b)
                w.rowsOut += sel.count
                if sel.count < b.count {
                    var out = [Vec?](repeating: nil, count: rel.columns.count)
                    for s in plan.slots { out[s] = cols[s]!.gather(sel) }
                    try body(w, Batch(columns: out, count: sel.count))
                } else {
                    try body(w, b)
                }
            } else {
                w.rowsOut += b.count
                try body(w, b)
            }
        case .table(let snap):
            let units = try self.units(plan, snap)
            progress?.add(blocks: units.count)
            let readers: [SegmentReader]
            do throws(StoreError) { readers = try snap.segments.map { (s) throws(StoreError) in try snap.reader(s) } } catch {
                throw QueryError(error)
            }
            let typeOf = snap.definition.columns.map { DataType($0.type) }
            let hex = hexSlots(snap)
            let restSlots = plan.slots.filter { !plan.filterSlots.contains($0) }
            let stages = plan.filter.map { FilterStages($0).stages } ?? []
            try forEachUnit(units.count, workers) { (w, i) throws(QueryError) in
                let u = units[i]
                let r = readers[u.segment]
                let n = r.footer.rows(inBlock: u.block)
                self.progress?.blockRead(rows: n)
                var cols = [Vec?](repeating: nil, count: typeOf.count)
                var loaded: [(BlockVector, Vec)] = []
                // decoded buffers go back to their block vectors for the next block
                defer {
                    for (bv, v) in loaded {
                        if v.type == .double { if bv.doubles.isEmpty { bv.doubles = v.dbls } }
                        else if v.type != .boolean, bv.ints.isEmpty { bv.ints = v.ints }
                        v.ints = []; v.dbls = []
                    }
                }
                /// Decodes a column of the block, or only the rows of `rows` (compacted).
                func load(_ slot: Int, rows: [Int32]? = nil) throws(QueryError) {
                    let bv = w.blocks[slot] ?? BlockVector()
                    w.blocks[slot] = bv
                    do throws(FormatError) {
                        if let rows {
                            try rows.withUnsafeBufferPointer { (p) throws(FormatError) in
                                try r.decode(column: slot, block: u.block, rows: p, into: bv, scratch: w.scratch)
                            }
                        } else {
                            try r.decode(column: slot, block: u.block, into: bv, scratch: w.scratch)
                        }
                    } catch {
                        throw QueryError(error)
                    }
                    let n = bv.count
                    let v = Vec(type: typeOf[slot], count: n)
                    switch typeOf[slot] {
                    case .double:
                        v.dbls = bv.doubles; bv.doubles = []
                        if v.dbls.count > n { v.dbls.removeLast(v.dbls.count - n) }
                    case .boolean:
                        v.ints = bv.bools.prefix(n).map { Int64($0) }
                    default:
                        v.ints = bv.ints; bv.ints = []
                        if v.ints.count > n { v.ints.removeLast(v.ints.count - n) }
                    }
                    loaded.append((bv, v))
                    if typeOf[slot] == .varchar {
                        do throws(FormatError) { v.dict = try self.dictRef(r, slot, hex: hex.contains(slot)) } catch { throw QueryError(error) }
                    }
                    if bv.hasNulls { v.valid = Array(bv.validity.prefix(n)) }
                    cols[slot] = v
                }
                var sel: [Int32]? = nil
                var staged = StagedBlock(n: n)
                if stages.count > 1 {
                    // conjunct stages: each on the rows still selected (FilterStages.swift)
                    var none = false
                    for st in stages {
                        let cur = sel
                        let sparseNow = cur.map { $0.count <= n / 3 } ?? false
                        for s in st.slots where cols[s] == nil {
                            if sparseNow { try load(s, rows: cur); staged.basis[s] = cur } else { try load(s) }
                        }
                        let s: [Int32]
                        if let cur {
                            var bc = [Vec?](repeating: nil, count: cols.count)
                            for x in st.slots { bc[x] = staged.at(cols[x]!, slot: x, cur) }
                            s = FilterStages.compose(try self.eval.select(st.expr, Batch(columns: bc, count: cur.count)), cur)
                        } else {
                            s = try self.eval.select(st.expr, Batch(columns: cols, count: n))
                        }
                        if s.isEmpty { none = true; break }
                        sel = s.count < n ? s : nil
                    }
                    if none { return }
                } else {
                    for s in plan.filterSlots { try load(s) }
                    if let f = plan.filter {
                        let s = try self.eval.select(f, Batch(columns: cols, count: n))
                        if s.isEmpty { return }
                        if s.count < n { sel = s }
                    }
                }
                // few rows selected: decode just those of the other columns
                let sparse = sel.map { $0.count <= n / 3 } ?? false
                for s in restSlots {
                    try load(s, rows: sparse ? sel : nil)
                    if sparse { staged.basis[s] = sel }
                }
                if let sel {
                    for s in plan.slots { cols[s] = staged.at(cols[s]!, slot: s, sel) }
                    w.rowsOut += sel.count
                    try body(w, Batch(columns: cols, count: sel.count))
                } else {
                    w.rowsOut += n
                    try body(w, Batch(columns: cols, count: n))
                }
            }
            if let c = plan.counters {
                c.segments = snap.segments.count
                c.segmentsRead = Set(units.map(\.segment)).count
                c.blocksRead = units.count
                c.blocks = Executor.blockCount(snap)
            }
        }
        if let c = plan.counters {
            c.scanRows += workers.reduce(0) { $0 + $1.rowsOut }
            c.phases += 1
            c.scanDone = DispatchTime.now().uptimeNanoseconds
        }
    }

    /// Whether the GROUP BY key `e` is a column no row of `source` leaves NULL (the footers
    /// count none in any block; a relation's column has no validity).
    func keyNeverNull(_ e: BExpr, _ source: Source) -> Bool {
        guard case .column(let slot, _) = e else { return false }
        switch source {
        case .table(let snap):
            for seg in snap.segments where seg.rows > 0 {
                guard let r = try? snap.reader(seg), slot < r.footer.columns.count,
                      r.footer.columns[slot].blocks.allSatisfy({ $0.nullCount == 0 }) else { return false }
            }
            return true
        case .relation(let rel):
            return slot < rel.columns.count && rel.columns[slot].valid == nil && rel.columns[slot].type != .null
        default:
            return false
        }
    }

    /// Which GROUP BY keys are VARCHAR columns of 16-hex-digit ids (exact 64-bit keys).
    func hexGroupKeys(_ plan: SelectPlan) -> [Bool] {
        var hexKey = [Bool](repeating: false, count: plan.groups.count)
        if case .table(let snap) = plan.source {
            let hs = hexSlots(snap)
            for (k, g) in plan.groups.enumerated() { if case .column(let s, .varchar) = g, hs.contains(s) { hexKey[k] = true } }
        } else if case .relation(let rel) = plan.source {
            for (k, g) in plan.groups.enumerated() {
                if case .column(let s, .varchar) = g, rel.columns[s].dict?.hexWords != nil { hexKey[k] = true }
            }
        } else if case .parquet(let p) = plan.source {
            let hs = p.hexSlots
            for (k, g) in plan.groups.enumerated() { if case .column(let s, .varchar) = g, hs.contains(s) { hexKey[k] = true } }
        }
        return hexKey
    }

    /// The words of key slot `slot` of `count` groups stored `width` words a group, the last
    /// word the null bits (unless `nullWord` is false: no key is NULL); the validity is nil
    /// when no group's key is NULL.
    static func keyWords(_ keyStore: UnsafeBufferPointer<Int64>, width: Int, slot: Int, count ng: Int,
                         nullWord: Bool = true) -> ([Int64], [UInt8]?) {
        if !nullWord {
            return ([Int64](unsafeUninitializedCapacity: ng) { o, c in
                for g in 0..<ng { o[g] = keyStore[g * width + slot] }
                c = ng
            }, nil)
        }
        var words = [Int64](repeating: 0, count: ng)
        var flags = [UInt8](repeating: 1, count: ng)
        var anyNull = false
        for g in 0..<ng {
            if keyStore[g * width + width - 1] & (1 << Int64(slot)) != 0 { flags[g] = 0; anyNull = true } else { words[g] = keyStore[g * width + slot] }
        }
        return (words, anyNull ? flags : nil)
    }

    /// A group key column of `type` from its key words (hex keys become a hex dictionary).
    func groupKeyColumn(_ type: DataType, _ words: [Int64], _ valid: [UInt8]?, hex: Bool, count ng: Int) -> Vec {
        let v = Vec(type: type, count: ng)
        var valid = valid
        switch type {
        case .double: v.dbls = OrderWord.doubleValues(words)
        case .varchar:
            if hex {
                v.dict = DictRef(hexWords: words.isEmpty ? [0] : words)
                v.ints = (0..<Int64(ng)).map { $0 }
            } else {
                v.dict = interner.dictRef()
                v.ints = words
            }
        case .null:
            v.ints = words
            valid = ng > 0 ? [UInt8](repeating: 0, count: ng) : nil
        default: v.ints = words
        }
        v.valid = valid
        return v
    }

    private let dictLock = NSLock()
    private var dicts: [ObjectIdentifier: [Int: DictRef]] = [:]
    private var hexCache: [ObjectIdentifier: Set<Int>] = [:]

    /// VARCHAR columns whose dictionaries are 16-hex-digit ids in every segment of `snap`:
    /// their values serve as exact 64-bit keys.
    func hexSlots(_ snap: Snapshot) -> Set<Int> {
        let key = ObjectIdentifier(snap)
        dictLock.lock()
        if let s = hexCache[key] { dictLock.unlock(); return s }
        dictLock.unlock()
        var out = Set<Int>()
        let def = snap.definition
        for (i, c) in def.columns.enumerated() where c.type == .varchar {
            var all = true
            for seg in snap.segments where seg.rows > 0 {
                guard let r = try? snap.reader(seg), let d = r.footer.columns[i].dictionary, d.layout == .hex, d.entryLength == 16 else {
                    all = false
                    break
                }
            }
            if all { out.insert(i) }
        }
        dictLock.lock()
        hexCache[key] = out
        dictLock.unlock()
        return out
    }

    /// One DictRef per (segment, column) so caches keyed by dictionary identity work.
    func dictRef(_ r: SegmentReader, _ column: Int, hex: Bool) throws(FormatError) -> DictRef {
        let key = ObjectIdentifier(r)
        dictLock.lock()
        if let d = dicts[key]?[column] { dictLock.unlock(); return d }
        dictLock.unlock()
        let d: DictRef
        if hex, let words = try r.hexDictionaryValues(column: column), !words.isEmpty {
            d = DictRef(hexWords: words)
        } else {
            var dict = try r.dictionary(column: column)
            // a column that is NULL in every row of the segment has an empty dictionary; NULL
            // rows still carry code 0, so give them an entry to point at
            if dict.count == 0 { dict = StringDictionary([""]) }
            d = DictRef(dict)
        }
        dictLock.lock()
        defer { dictLock.unlock() }
        if let existing = dicts[key]?[column] { return existing }
        dicts[key, default: [:]][column] = d
        return d
    }

    // MARK: - aggregation

    func aggregate(_ plan: SelectPlan) throws(QueryError) -> Relation {
        var groupCount = 0
        return try aggregate(plan, groupCount: &groupCount)
    }

    /// Partial aggregation per thread, merge, then one row per group; `groupCount` receives the
    /// number of groups (rows may be fewer: see `preselectTopGroups`).
    func aggregate(_ plan: SelectPlan, groupCount: inout Int) throws(QueryError) -> Relation {
        if let sets = plan.groupingSets { return try aggregateGroupingSets(plan, sets, groupCount: &groupCount) }
        let groupTypes = plan.groups.map(\.type)
        let names = groupTypes.indices.map { "g\($0)" } + plan.aggs.indices.map { "a\($0)" }
        let types = groupTypes + plan.aggs.map(\.type)
        // count(*) with no filter and no groups: answered from the manifest
        if case .table(let snap) = plan.source, plan.filter == nil, plan.groups.isEmpty,
           !plan.aggs.isEmpty, plan.aggs.allSatisfy({ $0.kind == .countStar && $0.filter == nil }) {
            let n = Int64(snap.manifest.rowCount)
            if let c = plan.counters {
                c.segments = snap.segments.count
                c.scanRows = Int(n)
                c.groups = 1; c.preselected = 1
                c.scanDone = DispatchTime.now().uptimeNanoseconds
                c.aggregateDone = c.scanDone
                c.phases += 1
            }
            return Relation(ResultSet(names: names, types: types, columns: plan.aggs.map { _ in [.int(n)] }))
        }
        if let r = try parquetCountStar(plan, names: names, types: types) { return r }
        var packing: KeyPacking? = nil
        if case .table(let snap) = plan.source { packing = KeyPacking(plan.groups, snap) }
        if case .parquet(let p) = plan.source { packing = p.keyPacking(plan.groups) }
        let hexKey = hexGroupKeys(plan)
        // one 16-hex-digit id key that no row leaves NULL: its word alone is the key (no NULL word)
        let nullWord = !(packing == nil && hexKey == [true] && keyNeverNull(plan.groups[0], plan.source))
        let width = packing == nil ? plan.groups.count + (nullWord ? 1 : 0) : 1
        let nWorkers: Int
        if case .relation = plan.source { nWorkers = RelationChunks.workers(plan, threads) } else { nWorkers = threads }
        let workers = (0..<nWorkers).map { _ -> Worker in
            let w = Worker()
            w.table = packing?.directBits.map { GroupTable(directBits: $0) } ?? GroupTable(width: width)
            w.states = plan.aggs.map { makeAccumulator($0, singleGroup: plan.groups.isEmpty) }
            return w
        }
        let keys = KeyEncoder(interner: interner)
        let groupBytes = (width + 3) * 8 + plan.aggs.count * 16
        try scan(plan, workers) { (w, b) throws(QueryError) in
            let n = b.count
            if n == 0 { return }
            let table = w.table!
            var gids = [Int32](repeating: 0, count: n)
            w.sawRows = true
            if plan.groups.isEmpty {
                // one group: no hashing
                if table.count == 0 {
                    var zero = [Int64](repeating: 0, count: width)
                    _ = zero.withUnsafeMutableBufferPointer { table.insert($0.baseAddress!) }
                }
            } else if let packing {
                var rowKeys = [Int64](repeating: 0, count: n)
                for (k, g) in plan.groups.enumerated() {
                    try packing.pack(try self.eval.eval(g, b), k, n, into: &rowKeys)
                }
                rowKeys.withUnsafeBufferPointer { kp in gids.withUnsafeMutableBufferPointer { gp in
                    _ = table.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
                } }
            } else {
                let vs = try plan.groups.map { (g) throws(QueryError) -> Vec in try self.eval.eval(g, b) }
                let done = gids.withUnsafeMutableBufferPointer { gp in
                    DictionaryGroups.groupIds(vs, n: n, table: table, width: width, keys: keys, into: gp.baseAddress!)
                }
                if !done {
                    // every word is written below: no zero fill
                    var rowKeys = [Int64](unsafeUninitializedCapacity: n * width) { _, c in c = n * width }
                    var nulls = [Int64](repeating: 0, count: n)
                    for (k, v) in vs.enumerated() {
                        keys.encode(v, n: n, into: &rowKeys, stride: width, k: k, nullMask: &nulls, bit: 1 << Int64(k))
                    }
                    if nullWord { rowKeys.withUnsafeMutableBufferPointer { kp in nulls.withUnsafeBufferPointer { np in
                        for r in 0..<n { kp[r * width + width - 1] = np[r] }
                    } } }
                    rowKeys.withUnsafeBufferPointer { kp in gids.withUnsafeMutableBufferPointer { gp in
                        _ = table.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
                    } }
                }
            }
            for s in w.states {
                s.grow(table.count)
                let args = try s.spec.args.map { (a) throws(QueryError) -> Vec in try self.eval.eval(a, b) }
                let mask = try s.spec.filter.map { (f) throws(QueryError) -> Vec in try self.eval.eval(f, b) }
                s.update(gids, args, mask, keys)
            }
            // the groups' keys, slots and states, reserved as the table grows (once a batch)
            let need = table.count * groupBytes
            if need > w.charged {
                try self.eval.reserve(need - w.charged, "GROUP BY table of \(Evaluator.grouped(table.count)) groups in one thread")
                w.charged = need
            }
        }
        // merge partials: many groups in several hashed tables merge by hash partitions on every
        // thread (PartitionedMerge.swift); otherwise into worker 0's table
        var states = workers[0].states
        let table = workers[0].table!
        var merged: MergedGroups? = nil
        let partials = workers.filter { $0.table!.count > 0 }
        if partials.count > 1, threads > 1, !table.isDirect, !plan.groups.isEmpty,
           partials.reduce(0, { $0 + $1.table!.count }) >= 1 << 16 {
            try eval.checkInterrupt()
            let m = MergedGroups(partials.map { $0.table! }, width: width, threads: threads)
            let fresh = plan.aggs.map { makeAccumulator($0, singleGroup: false) }
            ParallelWork.forEach(fresh.count, workers: threads) { i, _ in
                fresh[i].grow(m.count)
                for (w, map) in zip(partials, m.maps) {
                    w.states[i].grow(w.table!.count)
                    fresh[i].merge(w.states[i], map)
                }
            }
            states = fresh
            merged = m
        } else {
            let final = workers[0]
            for w in workers.dropFirst() {
                try eval.checkInterrupt()
                let other = w.table!
                guard other.count > 0 else { continue }
                let map = table.absorbGroups(of: other)
                // the aggregates merge independently: one per thread when there are many groups
                let pairs = Array(zip(final.states, w.states)), total = table.count
                ParallelWork.forEach(pairs.count, workers: other.count >= 1 << 15 ? threads : 1) { i, _ in
                    let (s, o) = pairs[i]
                    s.grow(total)
                    o.grow(other.count)
                    s.merge(o, map)
                }
            }
            if plan.groups.isEmpty && table.count == 0 {
                var zero = [Int64](repeating: 0, count: width)
                _ = zero.withUnsafeMutableBufferPointer { table.insert($0.baseAddress!) }
            }
        }
        let emptyInput = plan.groups.isEmpty && !workers.contains { $0.sawRows }
        let ng = merged?.count ?? table.count
        for s in states { s.grow(ng) }
        // the group key columns and the aggregates' results: a column per thread when there are many groups
        let columns = try finishColumns(plan, packing: packing, width: width, nullWord: nullWord, hexKey: hexKey, ng: ng,
                                        keys: merged?.keys, table: table, states: states, emptyInput: emptyInput)
        groupCount = ng
        if let c = plan.counters {
            c.groups = ng
            c.preselected = ng
            c.aggregateDone = DispatchTime.now().uptimeNanoseconds
        }
        if let chosen = preselectTopGroups(plan, columns: columns, count: ng) {
            let sel = chosen.map { Int32($0) }
            plan.counters?.preselected = sel.count
            return Relation(names: names, types: types, columns: columns.map { $0.gather(sel) }, count: sel.count)
        }
        return Relation(names: names, types: types, columns: columns, count: ng)
    }

    /// The group key columns then one column per aggregate of `ng` groups whose keys are in
    /// `keys` (row-major) or else `table`: on every thread, one column an item, when the groups
    /// are many.
    func finishColumns(_ plan: SelectPlan, packing: KeyPacking?, width: Int, nullWord: Bool, hexKey: [Bool], ng: Int, keys: [Int64]?,
                       table: GroupTable, states: [any Accumulator], emptyInput: Bool) throws(QueryError) -> [Vec] {
        let groupTypes = plan.groups.map(\.type)
        let nk = plan.groups.count
        func column(_ i: Int, threads: Int) throws(QueryError) -> Vec {
            if i >= nk { return try states[i - nk].finish(ng, emptyInput: emptyInput, interner: interner, threads: threads) }
            func from(_ keyStore: UnsafeBufferPointer<Int64>) -> Vec {
                let (words, valid) = packing?.unpack(keyStore, i)
                    ?? Executor.keyWords(keyStore, width: width, slot: i, count: ng, nullWord: nullWord)
                return groupKeyColumn(groupTypes[i], words, valid, hex: hexKey[i], count: ng)
            }
            if let keys { return keys.withUnsafeBufferPointer { from($0) } }
            return from(table.keys)
        }
        let items = nk + states.count
        guard ng >= 1 << 16, threads > 1, items > 1 else { return try (0..<items).map { (i) throws(QueryError) in try column(i, threads: threads) } }
        let out = UnsafeMutableBufferPointer<Vec?>.allocate(capacity: items)
        out.initialize(repeating: nil)
        defer { out.deinitialize(); out.deallocate() }
        let box = UncheckedBox(out)
        let failure = FirstError<QueryError>()
        ParallelWork.forEach(items, workers: threads) { i, _ in
            do throws(QueryError) { box.value[i] = try column(i, threads: 1) } catch { failure.set(error) }
        }
        if let e = failure.error { throw e }
        return out.map { $0! }
    }

    // MARK: - projection

    func project(_ plan: SelectPlan) throws(QueryError) -> Relation {
        let nWorkers: Int
        if case .relation = plan.source { nWorkers = 1 } else { nWorkers = threads }
        let workers = (0..<nWorkers).map { _ in Worker() }
        let types = plan.source.types
        // without ORDER BY / DISTINCT a LIMIT bounds how many rows are worth collecting
        let cap = plan.order.isEmpty && !plan.distinct ? plan.limit.map { $0 + plan.offset } : nil
        var counts = [Int](repeating: 0, count: workers.count)
        try scan(plan, workers) { (w, b) throws(QueryError) in
            if let cap, w.parts.reduce(0, { $0 + ($1.first?.count ?? 0) }) >= cap { return }
            // the rows kept in memory (a materialized intermediate), reserved once a batch
            try self.eval.reserve(b.count * plan.slots.count * 9, "\(Evaluator.grouped(b.count)) rows × \(plan.slots.count) columns read into memory")
            w.parts.append(plan.slots.map { b.columns[$0]!.detached() })
        }
        for (i, w) in workers.enumerated() { counts[i] = w.parts.reduce(0) { $0 + ($1.first?.count ?? 0) } }
        var n = counts.reduce(0, +)
        if plan.slots.isEmpty {
            // e.g. SELECT 1 FROM t: one row per source row
            n = 0
            if case .table(let snap) = plan.source {
                if plan.filter == nil { n = snap.manifest.rowCount }
            } else if case .relation(let r) = plan.source { n = r.count }
            else if case .parquet(let p) = plan.source, plan.filter == nil { n = try p.rowCount() }
            // a filter over no columns (WHERE false, a constant subquery test): the rows it kept
            if plan.filter != nil { n = workers.reduce(0) { $0 + $1.rowsOut } }
        }
        let allParts = workers.flatMap(\.parts)
        // columns not read are never looked at: constant NULL placeholders, not allocated
        var columns = types.map { Vec.constant(.null, type: $0, count: n) }
        for (k, s) in plan.slots.enumerated() {
            let ps = allParts.map { $0[k] }
            columns[s] = ps.count == 1 ? ps[0] : Vec.concat(ps, type: types[s], interner: interner)
        }
        return Relation(names: types.indices.map { "c\($0)" }, types: types, columns: columns, count: n)
    }

    // MARK: - post stage

    func post(_ plan: SelectPlan, _ input: Relation) throws(QueryError) -> Relation {
        var cols = input.columns.map { $0 as Vec? }
        var b = Batch(columns: cols, count: input.count)
        let counters = plan.counters
        func mark(_ t: inout UInt64) { if counters != nil { t = DispatchTime.now().uptimeNanoseconds } }
        /// Keeps the rows where `f` holds (HAVING, QUALIFY).
        func keep(_ f: BExpr?) throws(QueryError) {
            guard let f else { return }
            let sel = try eval.select(f, b)
            cols = cols.map { $0?.gather(sel) }
            b = Batch(columns: cols, count: sel.count)
        }
        try keep(plan.having)
        counters?.afterHaving = b.count
        if let c = counters { mark(&c.havingDone) }
        try eval.checkInterrupt()
        if !plan.windows.isEmpty {
            try eval.reserve(b.count * (plan.windows.count * 9 + 16), "window functions over \(Evaluator.grouped(b.count)) rows")
            let wv = try evaluateWindows(plan.windows, b)
            while cols.count < plan.windowBase { cols.append(nil) }
            cols = Array(cols.prefix(plan.windowBase)) + wv.map { $0 as Vec? }
            b = Batch(columns: cols, count: b.count)
        }
        if let c = counters { mark(&c.windowDone) }
        // a large batch above windows: QUALIFY and the projection chunk by chunk (WindowPostChunks)
        let chunked = try qualifyAndProjectInChunks(plan, b)
        if let (kept, _) = chunked { b = kept; cols = kept.columns } else { try keep(plan.qualify) }
        counters?.afterQualify = b.count
        if let c = counters { mark(&c.qualifyDone) }
        let n = b.count
        let outVecs: [Vec]
        if let (_, o) = chunked { outVecs = o } else { outVecs = try evalOutputs(plan.outputs, b) }
        if let c = counters { mark(&c.projectDone) }
        var rows: [Int32] = (0..<Int32(n)).map { $0 }
        if plan.distinct {
            let distinctBytes = n * (outVecs.count + 5) * 8
            try eval.reserve(distinctBytes, "DISTINCT over \(Evaluator.grouped(n)) rows")
            defer { eval.release(distinctBytes) }
            let keys = KeyEncoder(interner: interner)
            var rowKeys = [Int64](repeating: 0, count: n * (outVecs.count + 1))
            var nulls = [Int64](repeating: 0, count: n)
            for (k, v) in outVecs.enumerated() {
                keys.encode(v, n: n, into: &rowKeys, stride: outVecs.count + 1, k: k, nullMask: &nulls, bit: 1 << Int64(k))
            }
            for r in 0..<n { rowKeys[r * (outVecs.count + 1) + outVecs.count] = nulls[r] }
            var gids = [Int32](repeating: 0, count: n)
            let table = GroupTable(width: outVecs.count + 1, capacity: max(16, n))
            rowKeys.withUnsafeBufferPointer { kp in gids.withUnsafeMutableBufferPointer { gp in
                _ = table.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
            } }
            // first row of each distinct output row, in row order
            var firstSeen = 0
            rows = []
            for r in 0..<n where Int(gids[r]) == firstSeen { rows.append(Int32(r)); firstSeen += 1 }
        }
        counters?.afterDistinct = rows.count
        if let c = counters { mark(&c.distinctDone) }
        try eval.checkInterrupt()
        if !plan.order.isEmpty {
            let keyVecs = try plan.order.map { (o) throws(QueryError) -> Vec in try eval.eval(o.expr, b).flattened() }
            let sk = SortKeys(keyVecs, descending: plan.order.map(\.descending), nullsFirst: plan.order.map(\.nullsFirst))
            if let l = plan.limit, l + plan.offset < rows.count / 8 {
                // top-N: keep the best `l + offset` rows in a sorted buffer
                let k = l + plan.offset
                var best: [Int32] = []
                best.reserveCapacity(k + 1)
                for r in rows {
                    if best.count == k, let worst = best.last, !sk.less(r, worst) { continue }
                    var lo = 0, hi = best.count
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if sk.less(best[mid], r) { lo = mid + 1 } else { hi = mid }
                    }
                    best.insert(r, at: lo)
                    if best.count > k { best.removeLast() }
                }
                rows = best
            } else {
                let sortBytes = rows.count * (plan.order.count * 8 + 12)
                try eval.reserve(sortBytes, "ORDER BY of \(Evaluator.grouped(rows.count)) rows")
                defer { eval.release(sortBytes) }
                sk.sort(&rows)
            }
        }
        try eval.checkInterrupt()
        if let c = counters { mark(&c.sortDone) }
        if plan.offset > 0 { rows = Array(rows.dropFirst(plan.offset)) }
        if let l = plan.limit, rows.count > l { rows = Array(rows.prefix(l)) }
        // input already in order (or no reordering): the columns as they are
        let identity = rows.count == n && (plan.order.isEmpty && !plan.distinct || rows.elementsEqual(0..<Int32(n)))
        let columns = identity ? outVecs : gatherColumns(outVecs, rows)
        return Relation(names: plan.names, types: plan.outputs.map(\.type), columns: columns, count: rows.count)
    }
}

extension Executor {
    /// `vecs` gathered at `rows` (with `orNull`, row -1 gives NULL), a column per thread when
    /// there are many rows.
    func gatherColumns(_ vecs: [Vec], _ rows: [Int32], orNull: Bool = false) -> [Vec] {
        let gather = { (v: Vec) -> Vec in orNull ? v.gatherOrNull(rows) : v.gather(rows) }
        guard threads > 1 && vecs.count > 1 && rows.count >= 1 << 16 else { return vecs.map(gather) }
        let out = UnsafeMutableBufferPointer<Vec?>.allocate(capacity: vecs.count)
        out.initialize(repeating: nil)
        defer { out.deinitialize(); out.deallocate() }
        let box = UncheckedBox(out)
        ParallelWork.forEach(vecs.count, workers: threads) { c, _ in box.value[c] = gather(vecs[c]) }
        return out.map { $0! }
    }
}

/// Typed sort keys: each key column as order-preserving words plus NULL flags; ties fall back
/// to the row index (a stable order).
struct SortKeys {
    var words: [[Int64]]
    var valid: [[UInt8]?]
    var descending: [Bool]
    var nullsFirst: [Bool]

    init(_ vecs: [Vec], descending: [Bool], nullsFirst: [Bool]) {
        words = vecs.map { $0.orderWords() }
        valid = vecs.map { $0.type == .null ? [UInt8](repeating: 0, count: $0.count) : $0.valid }
        self.descending = descending
        self.nullsFirst = nullsFirst
    }

    /// -1, 0, 1: order of rows x and y by the keys alone.
    @inline(__always) func compare(_ x: Int32, _ y: Int32) -> Int {
        let i = Int(x), j = Int(y)
        for k in 0..<words.count {
            if let v = valid[k] {
                let nx = v[i] == 0, ny = v[j] == 0
                if nx || ny {
                    if nx && ny { continue }
                    return nx == nullsFirst[k] ? -1 : 1
                }
            }
            let a = words[k][i], b = words[k][j]
            if a != b { return (a < b) != descending[k] ? -1 : 1 }
        }
        return 0
    }

    @inline(__always) func less(_ x: Int32, _ y: Int32) -> Bool {
        let c = compare(x, y)
        return c != 0 ? c < 0 : x < y
    }

    /// Each row's keys packed into one order-preserving 64-bit word (every key mapped to its
    /// rank above the smallest value, NULLs at their end), or nil when the ranges need more
    /// than 64 bits.
    func packedKeys(_ rows: [Int32]) -> [UInt64]? {
        var fields: [(lo: Int64, range: UInt64, bits: Int, hasNull: Bool)] = []
        var total = 0
        let m = rows.count
        for k in 0..<words.count {
            var lo = Int64.max, hi = Int64.min, hasNull = false
            words[k].withUnsafeBufferPointer { w in
                rows.withUnsafeBufferPointer { rp in
                    if let valid = valid[k] {
                        valid.withUnsafeBufferPointer { v in
                            for j in 0..<m {
                                let i = Int(rp[j])
                                if v[i] == 0 { hasNull = true; continue }
                                lo = min(lo, w[i]); hi = max(hi, w[i])
                            }
                        }
                    } else {
                        for j in 0..<m { let x = w[Int(rp[j])]; lo = min(lo, x); hi = max(hi, x) }
                    }
                }
            }
            if lo > hi { lo = 0; hi = 0 }  // only NULLs
            let range = UInt64(bitPattern: hi) &- UInt64(bitPattern: lo)
            if range >= 1 << 62 { return nil }
            let slots = range + (hasNull ? 2 : 1)
            let bits = slots <= 1 ? 0 : 64 - (slots - 1).leadingZeroBitCount
            total += bits
            if total > 64 { return nil }
            fields.append((lo, range, bits, hasNull))
        }
        var out = [UInt64](repeating: 0, count: m)
        out.withUnsafeMutableBufferPointer { o in
            rows.withUnsafeBufferPointer { rp in
                for k in 0..<words.count {
                    let f = fields[k]
                    if f.bits == 0 { continue }
                    let desc = descending[k], nullsFirst = self.nullsFirst[k]
                    let shift = UInt64(f.bits), lo = UInt64(bitPattern: f.lo)
                    let bump: UInt64 = f.hasNull && nullsFirst ? 1 : 0
                    let nullValue = nullsFirst ? 0 : f.range + 1
                    words[k].withUnsafeBufferPointer { w in
                        if let valid = valid[k] {
                            valid.withUnsafeBufferPointer { v in
                                for j in 0..<m {
                                    let i = Int(rp[j])
                                    let rank = UInt64(bitPattern: w[i]) &- lo
                                    let x = v[i] == 0 ? nullValue : (desc ? f.range - rank : rank) + bump
                                    o[j] = o[j] << shift | x
                                }
                            }
                        } else if desc {
                            for j in 0..<m { o[j] = o[j] << shift | (f.range - (UInt64(bitPattern: w[Int(rp[j])]) &- lo)) }
                        } else {
                            for j in 0..<m { o[j] = o[j] << shift | (UInt64(bitPattern: w[Int(rp[j])]) &- lo) }
                        }
                    }
                }
            }
        }
        return out
    }

    func sort(_ rows: inout [Int32]) {
        if rows.count >= 64 && !(words.count == 1 && valid[0] == nil), var keys = packedKeys(rows) {
            var ascending = true
            for i in 1..<rows.count where rows[i - 1] >= rows[i] { ascending = false; break }
            if ascending && rows.count >= 1024 {
                // stable radix sort: ties keep row order
                var tags = rows.map { UInt32(bitPattern: $0) }
                RadixSort.sort(&keys, &tags)
                rows = tags.map { Int32(bitPattern: $0) }
            } else {
                var pairs = zip(keys, rows).map { ($0, $1) }
                pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                rows = pairs.map(\.1)
            }
            return
        }
        if words.count == 1 && valid[0] == nil {
            // one key without NULLs: sort (word, row) pairs directly
            let w = words[0], desc = descending[0]
            var pairs = rows.map { (desc ? ~w[Int($0)] : w[Int($0)], $0) }
            pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            rows = pairs.map(\.1)
            return
        }
        rows.sort { less($0, $1) }
    }
}
