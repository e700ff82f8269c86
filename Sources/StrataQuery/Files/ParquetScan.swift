import Dispatch
import Foundation
import StrataCore
import StrataParquet
import StrataText

// The query side of Parquet files (issue 17). A `read_parquet` / `FROM 'x.parquet'` source
// runs inside the fused pipeline like a stored table (`Source.parquet`): its units are the
// row groups of the kept files, pruned by the column statistics (min, max, null count)
// against the scan's pruning ranges and, where a file has a page index, narrowed to the pages
// whose statistics can match. Workers take row groups in turn, decode the filter's columns
// (only the pages still wanted), evaluate the filter, then decode only the pages of the other
// columns that hold a selected row. Batches stream row group by row group into the partial
// aggregates: memory is bounded by a row group per thread, not the file. Strings stay
// dictionary codes (one dictionary per column chunk), so filters run once per dictionary
// entry and group-by keys map per entry (DictionaryGroups).

/// One unit of a Parquet scan: a row group of a file and, when the page index pruned pages,
/// the rows that may match (sorted, disjoint ranges within the row group).
struct ParquetUnit {
    var file: Int
    var rowGroup: Int
    var ranges: [Range<Int>]?
}

/// The row groups (and pages) a scan keeps of the kept files' total.
struct ParquetPruning {
    var units: [ParquetUnit] = []
    var rowGroups = 0
    /// Pages of the pruned columns described by a page index, and those kept.
    var pages = 0, pagesKept = 0
    /// Rows in the kept units (after page pruning).
    var rows = 0

    var summary: String {
        var s = "row groups: \(units.count) of \(rowGroups)"
        if pages > 0 { s += ", pages: \(pagesKept) of \(pages)" }
        return s
    }
}

/// The Parquet files of one `FileScanSpec`, opened once per statement.
final class ParquetScanState: @unchecked Sendable {
    let spec: FileScanSpec
    private let lock = NSLock()
    private var opened: [Int: ParquetFile] = [:]
    /// VARCHAR columns read as hex-id words (ParquetHexScan.swift), decided once; columns a
    /// worker found a non-hex value in, taken out before the statement's plan runs again.
    var hexDecided: Set<Int>?
    var hexFailed: Set<Int> = []
    var hexRefused: Set<Int> = []
    let hexLock = NSLock()

    init(_ spec: FileScanSpec) { self.spec = spec }

    var kept: [Int] { spec.kept ?? Array(spec.files.indices) }

    /// File `i` of the spec, opened (and its schema checked against the first file's) once.
    func file(_ i: Int) throws(QueryError) -> ParquetFile {
        lock.lock()
        if let f = opened[i] { lock.unlock(); return f }
        lock.unlock()
        let path = spec.files[i]
        let f: ParquetFile
        do throws(ParquetError) { f = try ParquetFile(path: path) } catch { throw QueryError(error) }
        guard f.columns.count == spec.fileNames.count else {
            throw QueryError("\(path): has \(f.columns.count) columns where the first file has \(spec.fileNames.count) (\(spec.fileNames.joined(separator: ", ")))")
        }
        for (c, col) in f.columns.enumerated() {
            guard col.name == spec.fileNames[c], let t = col.type, DataType(t) == spec.fileTypes[c] else {
                let found = col.type.map { "\(DataType($0))" } ?? "unsupported"
                throw QueryError("\(path): column \(c + 1) is '\(col.name)' \(found) where the first file has '\(spec.fileNames[c])' \(spec.fileTypes[c])")
            }
        }
        lock.lock()
        defer { lock.unlock() }
        if let g = opened[i] { return g }
        opened[i] = f
        return f
    }

    /// Rows of the kept files (from their footers).
    func rowCount() throws(QueryError) -> Int {
        var n = 0
        for i in kept { n += try file(i).rowCount }
        return n
    }

    /// Row groups (and pages) that can hold rows passing the pruning ranges `prune` (keyed by
    /// output column; file-level columns were pruned with the files).
    func prune(_ prune: [Int: PruneRange]) throws(QueryError) -> ParquetPruning {
        var out = ParquetPruning()
        let slots = prune.keys.filter { $0 < spec.fileNames.count }.sorted()
        for fi in kept {
            let f = try file(fi)
            for (g, rg) in f.rowGroups.enumerated() {
                out.rowGroups += 1
                guard rg.rowCount > 0 else { continue }
                var keep = true
                for s in slots where !ParquetScanState.mayMatch(rg.statistics[s], rows: rg.rowCount, prune[s]!, spec.fileTypes[s]) {
                    keep = false
                    break
                }
                guard keep else { continue }
                // pages: each pruned column's kept pages give row ranges; the unit keeps their intersection
                var ranges: [Range<Int>] = [0..<rg.rowCount]
                for s in slots {
                    let pages: [ParquetPage]?
                    do throws(ParquetError) { pages = try f.pageIndex(rowGroup: g, column: s) } catch { throw QueryError(error) }
                    guard let pages, pages.contains(where: { $0.statistics != nil }) else { continue }
                    out.pages += pages.count
                    var rs: [Range<Int>] = []
                    for p in pages where p.rowCount > 0 {
                        guard ParquetScanState.mayMatch(p.statistics, rows: p.rowCount, prune[s]!, spec.fileTypes[s]) else { continue }
                        out.pagesKept += 1
                        let r = p.firstRow..<(p.firstRow + p.rowCount)
                        if let last = rs.last, last.upperBound == r.lowerBound { rs[rs.count - 1] = last.lowerBound..<r.upperBound } else { rs.append(r) }
                    }
                    ranges = ParquetScanState.intersect(ranges, rs)
                    if ranges.isEmpty { break }
                }
                let rows = ranges.reduce(0) { $0 + $1.count }
                guard rows > 0 else { continue }
                out.rows += rows
                out.units.append(ParquetUnit(file: fi, rowGroup: g, ranges: rows == rg.rowCount ? nil : ranges))
            }
        }
        return out
    }

    /// Whether a chunk or page with statistics `s` of `rows` rows can hold a value in `r`.
    static func mayMatch(_ s: ParquetColumnStatistics?, rows: Int, _ r: PruneRange, _ t: DataType) -> Bool {
        guard let s else { return true }
        // every value NULL: no range or membership predicate holds
        if let nulls = s.nullCount, nulls >= rows { return false }
        guard let mn = s.min, let mx = s.max else { return true }
        if let set = r.strings {
            guard t == .varchar, case .string(let lo) = mn, case .string(let hi) = mx else { return true }
            for v in set {
                let b = Array(v.utf8)
                if !b.lexicographicallyPrecedes(lo) && !hi.lexicographicallyPrecedes(b) { return true }
            }
            return false
        }
        guard t.isIntLane else { return true }
        let lo: Int64, hi: Int64
        switch (mn, mx) {
        case (.int64(let a), .int64(let b)): lo = a; hi = b
        case (.bool(let a), .bool(let b)): lo = a ? 1 : 0; hi = b ? 1 : 0
        default: return true
        }
        return hi >= r.lo && lo <= r.hi
    }

    /// The intersection of two sorted lists of disjoint ranges.
    static func intersect(_ a: [Range<Int>], _ b: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0, j = 0
        while i < a.count && j < b.count {
            let lo = max(a[i].lowerBound, b[j].lowerBound), hi = min(a[i].upperBound, b[j].upperBound)
            if lo < hi { out.append(lo..<hi) }
            if a[i].upperBound < b[j].upperBound { i += 1 } else { j += 1 }
        }
        return out
    }

    /// The smallest and largest non-NULL value of an integer-lane file column over the kept
    /// files, from the row groups' statistics (nil when a row group with values has none).
    func columnRange(_ slot: Int) -> (Int64, Int64)? {
        guard slot < spec.fileNames.count, spec.fileTypes[slot].isIntLane else { return nil }
        var l = Int64.max, h = Int64.min
        for fi in kept {
            guard let f = try? file(fi) else { return nil }
            for rg in f.rowGroups where rg.rowCount > 0 {
                guard let s = rg.statistics[slot] else { return nil }
                if let nulls = s.nullCount, nulls >= rg.rowCount { continue }
                guard case .int64(let a)? = s.min, case .int64(let b)? = s.max else { return nil }
                l = min(l, a)
                h = max(h, b)
            }
        }
        return l <= h ? (l, h) : nil
    }

    /// Group keys packed from the row groups' statistics (see KeyPacking).
    func keyPacking(_ groups: [BExpr]) -> KeyPacking? {
        guard !groups.isEmpty else { return nil }
        var ranges: [(Int64, Int64)] = []
        for g in groups {
            switch g {
            case .column(let slot, let t) where t == .bigint || t == .date || t == .timestamp:
                guard let r = columnRange(slot) else { return nil }
                ranges.append(r)
            case .cast(.column(let slot, .timestamp), .date):
                guard let (l, h) = columnRange(slot), l > Int64.min + 2 * Civil.microsPerDay, h < Int64.max - 2 * Civil.microsPerDay else { return nil }
                ranges.append((Civil.floorDiv(l, Civil.microsPerDay) - 1, Civil.floorDiv(h, Civil.microsPerDay) + 1))
            default:
                return nil
            }
        }
        return KeyPacking(ranges: ranges)
    }
}

extension FileScanSpec {
    /// The Parquet state of this scan (opened files), made on first use.
    var parquetState: ParquetScanState {
        if let s = parquet { return s }
        let s = ParquetScanState(self)
        parquet = s
        return s
    }

    /// EXPLAIN's row groups (and pages) kept of the total, for the filter over the scan.
    var parquetPruningText: String? {
        guard format == .parquet else { return nil }
        guard let p = try? parquetState.prune(PruningRanges.ranges(scanFilter)) else { return nil }
        return p.summary
    }
}

extension Executor {
    /// The Parquet scan: row groups in turn on every worker (see the top of this file).
    func scanParquet(_ plan: SelectPlan, _ state: ParquetScanState, _ workers: [Worker],
                     _ body: @escaping (Worker, Batch) throws(QueryError) -> Void) throws(QueryError) {
        let pruning = try state.prune(plan.prune)
        let units = pruning.units
        progress?.add(blocks: units.count)
        let spec = state.spec
        let fileCount = spec.fileNames.count
        let types = spec.types
        let restSlots = plan.slots.filter { !plan.filterSlots.contains($0) }
        let hex = state.hexSlots
        // the files in unit order, opened before the workers start
        var files: [Int: ParquetFile] = [:]
        for u in units where files[u.file] == nil { files[u.file] = try state.file(u.file) }
        var pages = PageCounts()
        let pagesLock = NSLock()
        try forEachUnit(units.count, workers) { (w, i) throws(QueryError) in
            let u = units[i]
            var myPages = PageCounts()
            defer { pagesLock.lock(); pages.decoded += myPages.decoded; pages.total += myPages.total; pagesLock.unlock() }
            let f = files[u.file]!
            let n = f.rowGroups[u.rowGroup].rowCount
            self.progress?.blockRead(rows: n)
            /// The column at `slot` over all `n` rows of the row group; with `rows`, only
            /// the pages holding one of those rows are decoded.
            func load(_ slot: Int, rows: [Int32]?) throws(QueryError) -> Vec {
                guard slot < fileCount else {
                    return FileScanSpec.repeated(spec.fileLevelValue(slot, file: u.file), types[slot], n)
                }
                if hex.contains(slot) { return try state.hexVector(f, u.rowGroup, slot, n, rows: rows, pages: &myPages) }
                let col: Column
                do throws(ParquetError) {
                    if let rows {
                        col = try f.readColumn(rowGroup: u.rowGroup, column: slot, pages: &myPages) { first, count in
                            ParquetScanState.holdsRow(rows, first, count)
                        }
                    } else {
                        col = try f.readColumn(rowGroup: u.rowGroup, column: slot, pages: &myPages) { _, _ in true }
                    }
                } catch { throw QueryError(error) }
                return FileScanSpec.vector(col, types[slot], n)
            }
            var cols = [Vec?](repeating: nil, count: types.count)
            // the rows the page index left (nil: all)
            let candidates: [Int32]? = u.ranges.map { rs in rs.flatMap { $0.map { Int32($0) } } }
            for s in plan.filterSlots {
                let v = try load(s, rows: candidates)
                cols[s] = candidates.map { v.gather($0) } ?? v
            }
            let m = candidates?.count ?? n
            // rows of the row group selected (nil: all), and positions among the candidates
            var sel: [Int32]? = candidates
            var local: [Int32]? = nil
            if let filter = plan.filter {
                let s = try self.eval.select(filter, Batch(columns: cols, count: m))
                if s.isEmpty { return }
                if s.count < m {
                    local = s
                    sel = candidates.map { c in s.map { c[Int($0)] } } ?? s
                }
            }
            let count = sel?.count ?? n
            if let local {
                for s in plan.filterSlots where plan.slots.contains(s) { cols[s] = cols[s]!.gather(local) }
            }
            for s in restSlots {
                let v = try load(s, rows: sel)
                cols[s] = sel.map { v.gather($0) } ?? v
            }
            w.rowsOut += count
            try body(w, Batch(columns: cols, count: count))
        }
        if let c = plan.counters {
            c.segments = state.kept.count
            c.segmentsRead = Set(units.map(\.file)).count
            c.blocks = pruning.rowGroups
            c.blocksRead = units.count
            c.notes.append("read \(units.count) of \(pruning.rowGroups) row groups" + (pruning.pages > 0 ? " (page index kept \(pruning.pagesKept) of \(pruning.pages) pages)" : "")
                           + ", decoded \(pages.decoded) of \(pages.total) data pages")
            let hexUsed = plan.slots.filter { hex.contains($0) }
            if !hexUsed.isEmpty { c.notes.append("hex ids read as words: " + hexUsed.map { spec.fileNames[$0] }.joined(separator: ", ")) }
        }
    }
}

extension ParquetScanState {
    /// Whether the sorted rows `rows` include one in `first ..< first + count`.
    @inline(__always) static func holdsRow(_ rows: [Int32], _ first: Int, _ count: Int) -> Bool {
        var lo = 0, hi = rows.count
        let f = Int32(truncatingIfNeeded: first)
        while lo < hi {
            let mid = (lo + hi) / 2
            if rows[mid] < f { lo = mid + 1 } else { hi = mid }
        }
        return lo < rows.count && Int(rows[lo]) < first + count
    }
}

extension FileScanSpec {
    /// The value of file-level output column `slot` (filename or a partition column) for file `f`.
    func fileLevelValue(_ slot: Int, file f: Int) -> Value {
        var at = fileNames.count
        if filenameColumn {
            if slot == at { return .string(files[f]) }
            at += 1
        }
        return partitions[f][slot - at]
    }
}

extension Executor {
    /// `count(*)` of Parquet files with no filter and no groups: the footers' row counts.
    func parquetCountStar(_ plan: SelectPlan, names: [String], types: [DataType]) throws(QueryError) -> Relation? {
        guard case .parquet(let p) = plan.source, plan.filter == nil, plan.groups.isEmpty, plan.groupingSets == nil, !plan.aggs.isEmpty,
              plan.aggs.allSatisfy({ $0.kind == .countStar && $0.filter == nil }) else { return nil }
        let n = Int64(try p.rowCount())
        if let c = plan.counters {
            c.segments = p.kept.count
            c.scanRows = Int(n)
            c.groups = 1; c.preselected = 1
            c.scanDone = DispatchTime.now().uptimeNanoseconds
            c.aggregateDone = c.scanDone
            c.phases += 1
            c.notes.append("answered from the files' footers (\(p.kept.count) file\(p.kept.count == 1 ? "" : "s"))")
        }
        return Relation(ResultSet(names: names, types: types, columns: plan.aggs.map { _ in [.int(n)] }))
    }
}
