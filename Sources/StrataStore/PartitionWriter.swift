import Foundation
import StrataCore
import StrataFormat

/// Turns a batch of rows in arbitrary order into staged segments: rows are split by time
/// partition, each partition is sorted by the table's sort key, then encoded.
public enum PartitionWriter {
    /// Partition start (µs) of each row, and the distinct partitions in ascending order.
    /// Throws a user error naming the row if the time column is NULL.
    public static func partitionRows(_ def: TableDefinition, _ columns: [Column]) throws(StoreError) -> [(start: Int64, rows: [Int32])] {
        let n = columns.first?.count ?? 0
        guard let t = def.timeColumnIndex, def.granularity != .none else {
            return n == 0 ? [] : [(start: Int64(0), rows: Array(0..<Int32(n)))]
        }
        guard case .int64(var times) = columns[t].data else { throw .user("time column is not a timestamp") }
        if let v = columns[t].validity, let bad = v.firstIndex(of: 0) {
            throw .user("row \(bad + 1): time column '\(def.columns[t].name)' is NULL")
        }
        if def.columns[t].type == .date { times = times.map { $0 * 86_400_000_000 } }
        let g = def.granularity
        var starts: [Int64] = []
        var index: [Int64: Int] = [:]
        var pid = [Int32](repeating: 0, count: n)
        var lo = Int64.max, hi = Int64.min, cur = 0
        times.withUnsafeBufferPointer { tp in
            for i in 0..<n {
                let x = tp[i]
                if x < lo || x >= hi {
                    let s = g.partitionStart(x)
                    lo = s
                    hi = g.partitionEnd(s)
                    if let k = index[s] { cur = k } else {
                        cur = starts.count
                        index[s] = cur
                        starts.append(s)
                    }
                }
                pid[i] = Int32(cur)
            }
        }
        var counts = [Int](repeating: 0, count: starts.count)
        for p in pid { counts[Int(p)] += 1 }
        var rows = counts.map { c -> [Int32] in
            var a: [Int32] = []
            a.reserveCapacity(c)
            return a
        }
        for i in 0..<n { rows[Int(pid[i])].append(Int32(i)) }
        return zip(starts, rows).map { ($0, $1) }.sorted { $0.0 < $1.0 }
    }

    /// Sorts `rows` (indices into `columns`) by the table's sort key; NULLs first, strings
    /// byte-wise, ties keep input order.
    public static func sortRows(_ rows: inout [Int32], _ def: TableDefinition, _ columns: [Column]) {
        let keys = def.sortKey.compactMap { def.columnIndex($0) }
        guard !keys.isEmpty, rows.count > 1 else { return }
        let keyValues = keys.map { columns[$0].orderWords() }
        let keyValid = keys.map { columns[$0].validity }
        if keys.count == 2 && keyValid.allSatisfy({ $0 == nil }) {
            // common case (profile_id, ts): sort packed tuples
            let a = keyValues[0], b = keyValues[1]
            if radixSortPairs(&rows, a, b) { return }
            var tuples = rows.map { (a[Int($0)], b[Int($0)], $0) }
            tuples.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
            for i in 0..<rows.count { rows[i] = tuples[i].2 }
            return
        }
        rows.sort { x, y in
            for k in 0..<keyValues.count {
                let vx = keyValid[k].map { $0[Int(x)] != 0 } ?? true
                let vy = keyValid[k].map { $0[Int(y)] != 0 } ?? true
                if vx != vy { return !vx }
                if !vx { continue }
                let a = keyValues[k][Int(x)], b = keyValues[k][Int(y)]
                if a != b { return a < b }
            }
            return x < y
        }
    }

    /// Sorts ascending `rows` by `(a[row], b[row], row)` with one packed 64-bit key and a
    /// stable radix sort, when both key ranges fit in 64 bits together; false (rows untouched)
    /// otherwise.
    static func radixSortPairs(_ rows: inout [Int32], _ a: [Int64], _ b: [Int64]) -> Bool {
        let n = rows.count
        var minA = Int64.max, maxA = Int64.min, minB = Int64.max, maxB = Int64.min
        var ascending = true
        rows.withUnsafeBufferPointer { r in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    var prev: Int32 = -1
                    for i in 0..<n {
                        let row = r[i]
                        if row <= prev { ascending = false }
                        prev = row
                        let x = ap[Int(row)], y = bp[Int(row)]
                        minA = min(minA, x); maxA = max(maxA, x)
                        minB = min(minB, y); maxB = max(maxB, y)
                    }
                }
            }
        }
        // stability gives ties in input order, which equals row order only for ascending input
        guard ascending else { return false }
        let rangeA = UInt64(bitPattern: maxA &- minA), rangeB = UInt64(bitPattern: maxB &- minB)
        let widthB = 64 - rangeB.leadingZeroBitCount
        guard (64 - rangeA.leadingZeroBitCount) + widthB <= 64 else { return false }
        var keys = [UInt64](repeating: 0, count: n)
        var tags = [UInt32](repeating: 0, count: n)
        rows.withUnsafeBufferPointer { r in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    keys.withUnsafeMutableBufferPointer { k in
                        tags.withUnsafeMutableBufferPointer { t in
                            for i in 0..<n {
                                let row = Int(r[i])
                                let hi = UInt64(bitPattern: ap[row] &- minA)
                                let lo = UInt64(bitPattern: bp[row] &- minB)
                                k[i] = widthB == 64 ? lo : (hi << UInt64(widthB)) | lo
                                t[i] = UInt32(truncatingIfNeeded: row)
                            }
                        }
                    }
                }
            }
        }
        RadixSort.sort(&keys, &tags)
        for i in 0..<n { rows[i] = Int32(truncatingIfNeeded: tags[i]) }
        return true
    }

    /// Splits, sorts and stages `columns` as segments of `table` (at most `maxRows` rows each).
    public static func stage(table: Table, definition def: TableDefinition, columns: [Column],
                             maxRows: Int = 8_000_000) throws(StoreError) -> [Table.StagedSegment] {
        var out: [Table.StagedSegment] = []
        for (start, var rows) in try partitionRows(def, columns) {
            sortRows(&rows, def, columns)
            var lo = 0
            while lo < rows.count {
                let hi = min(lo + maxRows, rows.count)
                let part: [Column] = rows[lo..<hi].withUnsafeBufferPointer { p in columns.map { $0.gathered(p) } }
                out.append(try table.stageSegment(definition: def, columns: part, partitionStart: start))
                lo = hi
            }
        }
        return out
    }
}
