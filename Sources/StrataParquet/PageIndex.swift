/// One data page of a column chunk, from the file's page index.
public struct ParquetPage: Sendable, Equatable {
    /// First row of the page within its row group.
    public let firstRow: Int
    public let rowCount: Int
    /// min/max/null count of the page (nil without a ColumnIndex; min/max nil for all-NULL pages).
    public let statistics: ParquetColumnStatistics?
}

extension ParquetFile {
    /// The pages of a column chunk as the page index (OffsetIndex + ColumnIndex) describes
    /// them, for page-level pruning; nil when the file has no page index for the chunk.
    public func pageIndex(rowGroup: Int, column: Int) throws(ParquetError) -> [ParquetPage]? {
        guard rowGroup >= 0, rowGroup < rowGroups.count, column >= 0, column < columns.count else {
            throw ParquetError(.invalidArgument, "row group \(rowGroup) / column \(column) out of range", file: path)
        }
        let c = columns[column]
        guard c.leaf >= 0 else { return nil }
        let chunk = meta.rowGroups[rowGroup].columns[c.leaf]
        guard let oo = chunk.offsetIndexOffset, let ol = chunk.offsetIndexLength else { return nil }
        do throws(ParquetError) {
            let oi = try readStruct(oo, ol) { (r) throws(ParquetError) in try r.offsetIndex() }
            var ci: ColumnIndex?
            if let co = chunk.columnIndexOffset, let cl = chunk.columnIndexLength {
                ci = try readStruct(co, cl) { (r) throws(ParquetError) in try r.columnIndex() }
            }
            let rows = rowGroups[rowGroup].rowCount
            let locs = oi.pageLocations
            var pages: [ParquetPage] = []
            for (p, loc) in locs.enumerated() {
                let first = Int(loc.firstRowIndex)
                let next = p + 1 < locs.count ? Int(locs[p + 1].firstRowIndex) : rows
                guard first >= 0, next >= first, next <= rows, p > 0 || first == 0 else { throw ParquetError.corrupt("page index rows out of order") }
                var stats: ParquetColumnStatistics?
                if let ci, ci.nullPages.count == locs.count, ci.minValues.count == locs.count, ci.maxValues.count == locs.count {
                    var s = ParquetColumnStatistics(min: nil, max: nil, nullCount: ci.nullCounts.flatMap { $0.count == locs.count ? Int($0[p]) : nil })
                    if !ci.nullPages[p] {
                        s.min = Self.decodeStatValue(ci.minValues[p], c, roundUp: false)
                        s.max = Self.decodeStatValue(ci.maxValues[p], c, roundUp: true)
                        if s.min == nil || s.max == nil { s.min = nil; s.max = nil }
                    }
                    stats = s
                }
                pages.append(ParquetPage(firstRow: first, rowCount: next - first, statistics: stats))
            }
            return pages
        } catch {
            throw error.with(file: path, rowGroup: rowGroup, column: c.name)
        }
    }

    func readStruct<T>(_ offset: Int64, _ length: Int32, _ body: (inout ThriftReader) throws(ParquetError) -> T) throws(ParquetError) -> T {
        guard offset >= 4, length > 0, Int(length) <= fileSize, offset <= Int64(fileSize - Int(length)) else {
            throw ParquetError.corrupt("page index at [\(offset), +\(length)) lies outside the file")
        }
        let bytes = try Self.pread(fd, Int(offset), Int(length), path)
        return try withBytes(bytes) { (b) throws(ParquetError) in
            var r = ThriftReader(b)
            return try body(&r)
        }
    }
}
