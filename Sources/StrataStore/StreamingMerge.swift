import Foundation
import StrataCore
import StrataFormat

extension Compactor {
    /// One merge with bounded buffers: the same output as `merge` (same rows, same order, the
    /// same segment bytes), streamed column block by column block.
    ///
    /// 1. The inputs are opened for this merge only (their mapped pages are released when it
    ///    ends, not kept for the whole compaction run).
    /// 2. The sort key (and dedup key) columns are read and the row order is computed as in
    ///    `merge` (`mergeOrder`: a stable merge of the sorted inputs, a full sort if one is
    ///    not sorted; superseded dedup versions dropped). What is kept is, per output row, its
    ///    input and its row there: 6 bytes a row.
    /// 3. Each output segment is written column by column, one column per core: for every
    ///    output block the rows are gathered from the inputs' decoded blocks (each input is
    ///    consumed in order, so each of its blocks is decoded once; an unsorted input is
    ///    decoded whole), then encoded as a page and appended. String columns get the union
    ///    of the inputs' sorted dictionaries (built from the dictionaries alone), codes
    ///    remapped per decoded block; when rows were dropped (dedup, several outputs) a first
    ///    pass finds the entries still used, as `SegmentWriter` keeps only those.
    ///    Finished columns go to the file in order, at most one window of columns ahead.
    ///
    /// Memory: the key columns while ordering, then 6 bytes per row plus, per core, one
    /// decoded block per input, one output block and one column's encoded pages, whatever
    /// the partition size.
    static func streamingMerge(_ task: MergeTask, snapshot: Snapshot, definition def: TableDefinition, policy: CompactionPolicy,
                               dedup: DedupSpec?) throws(StoreError) -> [Table.StagedSegment] {
        let inputs = task.inputs.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        guard inputs.count <= Int(UInt16.max) else {
            return try merge(task, snapshot: snapshot, definition: def, policy: policy, dedup: dedup)
        }
        var readers: [SegmentReader] = []
        for s in inputs {
            let path = snapshot.table.segmentPath(s)
            let r: SegmentReader
            do throws(FormatError) { r = try SegmentReader(path: path) } catch { throw StoreError(error) }
            guard r.rowCount == s.rows else {
                throw StoreError(.corrupt, "\(path): holds \(r.rowCount) rows, manifest says \(s.rows)", path: path)
            }
            guard r.footer.columns.count == def.columns.count,
                  zip(r.footer.columns, def.columns).allSatisfy({ $0.name == $1.name && $0.type == $1.type }) else {
                throw StoreError(.corrupt, "\(path): columns differ from the table schema; cannot compact it", path: path)
            }
            guard r.footer.partition == task.partition else {
                throw StoreError(.corrupt, "\(path): footer partition '\(r.footer.partition)' differs from '\(task.partition)'", path: path)
            }
            readers.append(r)
        }
        var bounds = [0]
        for r in readers { bounds.append(bounds.last! + r.rowCount) }
        let total = bounds.last!
        guard total > 0 else { return [] }

        // the row order, from the key columns only (dropped once the order is known)
        var order = try mergedOrder(readers: readers, bounds: bounds, definition: def, dedup: dedup).order
        // per output row: its input and its row there; whether every input is read in order
        let n = order.count
        var source = [UInt16](repeating: 0, count: n)
        var sequential = true
        do {
            var last = [Int](repeating: -1, count: readers.count)
            for i in 0..<n {
                let g = Int(order[i])
                var a = 0, b = bounds.count  // first bound above g
                while a < b {
                    let m = (a + b) / 2
                    if bounds[m] <= g { a = m + 1 } else { b = m }
                }
                let j = a - 1
                let local = g - bounds[j]
                if local <= last[j] { sequential = false }
                last[j] = local
                order[i] = Int32(local)
                source[i] = UInt16(j)
            }
        }
        let plan = MergeStream(readers: readers, rows: order, source: source, sequential: sequential, total: total,
                               definition: def)
        order = []
        source = []
        var staged: [Table.StagedSegment] = []
        var lo = 0
        while lo < n {
            let hi = min(lo + max(1, policy.targetRows), n)
            let range = lo..<hi
            staged.append(try snapshot.table.stageSegment(definition: def, partitionStart: task.partitionStart, level: task.outputLevel) {
                (path, options) throws(FormatError) in
                try plan.write(range, options: options, to: path)
            })
            lo = hi
        }
        return staged
    }
}

/// The rows of one merge in output order, and the writing of output segments from them.
final class MergeStream: @unchecked Sendable {
    let readers: [SegmentReader]
    /// Per output row: its row in its input, and the input.
    let rows: [Int32]
    let source: [UInt16]
    /// Every input's rows appear in ascending order (a merge of sorted inputs): each input is
    /// decoded block by block. Otherwise each input column is decoded whole.
    let sequential: Bool
    let total: Int
    let def: TableDefinition

    init(readers: [SegmentReader], rows: [Int32], source: [UInt16], sequential: Bool, total: Int, definition: TableDefinition) {
        self.readers = readers
        self.rows = rows
        self.source = source
        self.sequential = sequential
        self.total = total
        self.def = definition
    }

    /// Writes output rows `range` as one segment file at `path`.
    func write(_ range: Range<Int>, options: SegmentWriterOptions, to path: String) throws(FormatError) -> (footer: SegmentFooter, bytes: Int) {
        let writer = try SegmentStreamWriter(schema: def.columns, options: options, to: path)
        do throws(FormatError) {
            let workers = range.count > 65_536 ? min(ParallelWork.cores, def.columns.count) : 1
            let states = (0..<workers).map { _ in GatherState(self) }
            let emitter = ColumnEmitter(writer, window: workers + 1)
            ParallelWork.forEach(def.columns.count, workers: workers) { c, w in
                guard emitter.waitTurn(c) else { return }
                do throws(FormatError) {
                    emitter.done(c, try self.column(c, range, options: options, state: states[w]))
                } catch {
                    emitter.fail(error)
                }
            }
            if let failure = emitter.failure { throw failure }
            return try writer.finish(sync: true)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Column `c` of output rows `range`, encoded.
    func column(_ c: Int, _ range: Range<Int>, options: SegmentWriterOptions, state: GatherState) throws(FormatError) -> ColumnPageWriter {
        let schema = def.columns[c]
        let spec = c < options.codecs.count ? options.codecs[c] : CodecSpec.default
        guard schema.type.physical == .string else {
            let out = ColumnPageWriter(schema: schema, spec: spec)
            try state.gather(c, range, maps: [], used: nil, into: out, blockRows: options.blockRows)
            return out
        }
        var dictionaries: [StringDictionary] = []
        for r in readers { dictionaries.append(try r.uncachedDictionary(column: c)) }
        let (union, maps) = StringDictionary.union(dictionaries)
        dictionaries = []
        var used = [UInt8](repeating: 0, count: union.count)
        if range.count == total {
            // every input row goes out: the union is the used entries (inputs keep only theirs)
            let out = ColumnPageWriter(schema: schema, spec: spec)
            out.addDictionary(union)
            try used.withUnsafeMutableBufferPointer { (u) throws(FormatError) in
                try state.gather(c, range, maps: maps, used: u.baseAddress, into: out, blockRows: options.blockRows)
            }
            if !used.contains(0) { return out }
        } else {
            try used.withUnsafeMutableBufferPointer { (u) throws(FormatError) in
                try state.gather(c, range, maps: maps, used: u.baseAddress, into: nil, blockRows: options.blockRows)
            }
        }
        // only the entries the rows use, as `SegmentWriter` keeps them
        var exact = StringDictionary()
        var remap = [UInt32](repeating: 0, count: union.count)
        for e in 0..<union.count where used[e] != 0 {
            remap[e] = UInt32(exact.count)
            union.withEntry(e) { exact.append($0) }
        }
        let exactMaps = maps.map { m in m.map { remap[Int($0)] } }
        let out = ColumnPageWriter(schema: schema, spec: spec)
        out.addDictionary(exact)
        try state.gather(c, range, maps: exactMaps, used: nil, into: out, blockRows: options.blockRows)
        return out
    }
}

/// One worker's buffers: per input the decoded block it is at (values as 64-bit words:
/// integers, string codes already remapped, double bit patterns, booleans 0/1; validity),
/// and one output block.
final class GatherState {
    let stream: MergeStream
    let inputs: Int
    let values: UnsafeMutablePointer<UnsafeMutablePointer<Int64>>
    let validity: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>>
    /// Rows `lo[j]..<hi[j]` of input j are in its buffers.
    let lo: UnsafeMutablePointer<Int>
    let hi: UnsafeMutablePointer<Int>
    var outValues: UnsafeMutablePointer<Int64>
    var outValidity: UnsafeMutablePointer<UInt8>
    var outBools: UnsafeMutablePointer<UInt8>
    var outCapacity = 0
    let block = BlockVector()
    let scratch = DecodeScratch()

    init(_ stream: MergeStream) {
        self.stream = stream
        inputs = stream.readers.count
        values = .allocate(capacity: inputs)
        validity = .allocate(capacity: inputs)
        lo = .allocate(capacity: inputs)
        hi = .allocate(capacity: inputs)
        for (j, r) in stream.readers.enumerated() {
            let capacity = max(1, stream.sequential ? min(r.rowCount, Int(r.footer.blockRows)) : r.rowCount)
            values[j] = .allocate(capacity: capacity)
            validity[j] = .allocate(capacity: capacity)
        }
        outValues = .allocate(capacity: 1)
        outValidity = .allocate(capacity: 1)
        outBools = .allocate(capacity: 1)
    }

    deinit {
        for j in 0..<inputs {
            values[j].deallocate()
            validity[j].deallocate()
        }
        values.deallocate()
        validity.deallocate()
        lo.deallocate()
        hi.deallocate()
        outValues.deallocate()
        outValidity.deallocate()
        outBools.deallocate()
    }

    /// Loads the block of input `j` holding its row `row` (the whole column when the inputs
    /// are not read in order).
    func load(_ j: Int, row: Int, column c: Int, maps: [[UInt32]], nulls: Bool) throws(FormatError) {
        let r = stream.readers[j]
        let blockRows = Int(r.footer.blockRows)
        let blocks = stream.sequential ? (row / blockRows)..<(row / blockRows + 1) : 0..<r.blockCount
        let physical = stream.def.columns[c].type.physical
        var at = 0
        for b in blocks {
            try r.decode(column: c, block: b, into: block, scratch: scratch)
            let count = block.count
            let dst = values[j] + at
            switch physical {
            case .int64:
                block.ints.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: count) }
            case .string:
                let map = maps[j]
                map.withUnsafeBufferPointer { m in
                    block.ints.withUnsafeBufferPointer { s in
                        for i in 0..<count {
                            let code = Int(s[i])
                            dst[i] = code < m.count ? Int64(m[code]) : 0  // NULL rows may hold any filler
                        }
                    }
                }
            case .double:
                block.doubles.withUnsafeBufferPointer { s in
                    for i in 0..<count { dst[i] = Int64(bitPattern: s[i].bitPattern) }
                }
            case .bool:
                block.bools.withUnsafeBufferPointer { s in
                    for i in 0..<count { dst[i] = Int64(s[i]) }
                }
            }
            if nulls {
                if block.hasNulls {
                    block.validity.withUnsafeBufferPointer { (validity[j] + at).update(from: $0.baseAddress!, count: count) }
                } else {
                    (validity[j] + at).update(repeating: 1, count: count)
                }
            }
            at += count
        }
        lo[j] = stream.sequential ? blocks.lowerBound * blockRows : 0
        hi[j] = lo[j] + at
    }

    /// Gathers column `c` of output rows `range` block by block: marks the (remapped) string
    /// codes of non-NULL rows in `used`, and appends each block to `out`.
    func gather(_ c: Int, _ range: Range<Int>, maps: [[UInt32]], used: UnsafeMutablePointer<UInt8>?,
                into out: ColumnPageWriter?, blockRows: Int) throws(FormatError) {
        if outCapacity < blockRows {
            outValues.deallocate(); outValidity.deallocate(); outBools.deallocate()
            outValues = .allocate(capacity: blockRows)
            outValidity = .allocate(capacity: blockRows)
            outBools = .allocate(capacity: blockRows)
            outCapacity = blockRows
        }
        for j in 0..<inputs { lo[j] = 0; hi[j] = 0 }
        let nulls = stream.readers.contains { $0.footer.columns[c].blocks.contains { $0.nullCount > 0 } }
        let physical = stream.def.columns[c].type.physical
        let values = self.values, validity = self.validity, lo = self.lo, hi = self.hi
        let outValues = self.outValues, outValidity = self.outValidity
        try stream.rows.withUnsafeBufferPointer { (rows) throws(FormatError) in
            try stream.source.withUnsafeBufferPointer { (source) throws(FormatError) in
                var start = range.lowerBound
                while start < range.upperBound {
                    let count = min(blockRows, range.upperBound - start)
                    for i in 0..<count {
                        let j = Int(source[start + i]), r = Int(rows[start + i])
                        if r < lo[j] || r >= hi[j] { try load(j, row: r, column: c, maps: maps, nulls: nulls) }
                        let p = r - lo[j]
                        outValues[i] = values[j][p]
                        if nulls { outValidity[i] = validity[j][p] }
                    }
                    if let used {
                        for i in 0..<count where !nulls || outValidity[i] != 0 { used[Int(outValues[i])] = 1 }
                    }
                    if let out {
                        let valid: UnsafeBufferPointer<UInt8>? = nulls ? UnsafeBufferPointer(start: outValidity, count: count) : nil
                        switch physical {
                        case .int64, .string:
                            out.addBlock(ints: UnsafeBufferPointer(start: outValues, count: count), validity: valid)
                        case .double:
                            outValues.withMemoryRebound(to: Double.self, capacity: count) {
                                out.addBlock(doubles: UnsafeBufferPointer(start: $0, count: count), validity: valid)
                            }
                        case .bool:
                            for i in 0..<count { outBools[i] = UInt8(truncatingIfNeeded: outValues[i]) }
                            out.addBlock(bools: UnsafeBufferPointer(start: outBools, count: count), validity: valid)
                        }
                    }
                    start += count
                }
            }
        }
    }
}

/// Hands finished columns to the segment writer in schema order; a column may start only
/// while it is less than `window` columns ahead of the next one to write, so at most about
/// `window` encoded columns wait in memory.
final class ColumnEmitter: @unchecked Sendable {
    let condition = NSCondition()
    let writer: SegmentStreamWriter
    let window: Int
    var next = 0
    var pending: [Int: ColumnPageWriter] = [:]
    var failure: FormatError?

    init(_ writer: SegmentStreamWriter, window: Int) {
        self.writer = writer
        self.window = max(1, window)
    }

    /// Waits until column `c` may start; false once some column failed.
    func waitTurn(_ c: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && c >= next + window { condition.wait() }
        return failure == nil
    }

    func done(_ c: Int, _ column: ColumnPageWriter) {
        condition.lock()
        defer { condition.unlock() }
        pending[c] = column
        while failure == nil, let p = pending.removeValue(forKey: next) {
            do throws(FormatError) { try writer.append(p) } catch { failure = error }
            next += 1
        }
        condition.broadcast()
    }

    func fail(_ error: FormatError) {
        condition.lock()
        defer { condition.unlock() }
        if failure == nil { failure = error }
        pending = [:]
        condition.broadcast()
    }
}
