import CZlib
import StrataCore

// Reading part of a column chunk: the query side decodes only the data pages that hold rows
// it still needs (pages pruned by the page index, pages without a row the filter selected).

/// Which pages of a chunk were decoded.
public struct PageCounts: Sendable, Equatable {
    public var decoded = 0
    public var total = 0
    public init() {}
}

extension ParquetFile {
    /// Decodes column `column` of row group `rowGroup` like `readColumn(rowGroup:column:)`, but
    /// only the data pages for which `want(firstRow, rowCount)` is true (rows within the row
    /// group); the rows of the other pages are left zero (code 0, NULL when the column is
    /// nullable) and must not be used. The column still has all `rowCount` rows; a dictionary
    /// page is always read. Adds the pages decoded and seen to `pages`.
    public func readColumn(rowGroup: Int, column: Int, pages counts: inout PageCounts,
                           want: (_ firstRow: Int, _ rows: Int) -> Bool) throws(ParquetError) -> Column {
        let c = try readableColumn(rowGroup: rowGroup, column: column)
        do throws(ParquetError) {
            return try readChunk(rowGroup, c, counts: &counts, want: want)
        } catch {
            throw error.with(file: path, rowGroup: rowGroup, column: c.name)
        }
    }

    func readChunk(_ g: Int, _ c: ParquetColumn, counts: inout PageCounts, want: (Int, Int) -> Bool) throws(ParquetError) -> Column {
        try decodeChunk(g, c, counts: &counts, want: want, hex: false).finish()
    }

    /// The decoder after reading the wanted pages of a chunk (`hex`: string values as hex words).
    func decodeChunk(_ g: Int, _ c: ParquetColumn, counts: inout PageCounts, want: (Int, Int) -> Bool, hex: Bool) throws(ParquetError) -> ChunkDecoder {
        let rg = meta.rowGroups[g]
        let chunk = rg.columns[c.leaf]
        guard chunk.filePath == nil else { throw .unsupported("column chunk stored in another file (\(chunk.filePath!))") }
        guard let md = chunk.metaData else { throw .unsupported("column metadata missing (encrypted column?)") }
        let rows = Int(rg.numRows)
        guard md.numValues == rg.numRows else { throw .corrupt("chunk holds \(md.numValues) values for \(rows) rows") }
        let start = Int(Self.chunkStart(md)), len = Int(md.totalCompressedSize)
        let buf = try Self.pread(fd, start, len, path, padding: 8)
        let dec = ChunkDecoder(column: c, rows: rows, codec: md.codec, hex: hex)
        var decoded = 0, total = 0
        try withBytes(buf) { (b) throws(ParquetError) in
            let base = b.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var pos = 0
            while dec.rowsDone < rows {
                guard pos < len else { throw .corrupt("column chunk ends after \(dec.rowsDone) of \(rows) rows") }
                var r = ThriftReader(UnsafeRawBufferPointer(start: base, count: len), at: pos)
                let h = try r.pageHeader()
                pos = r.pos
                let size = Int(h.compressedPageSize)
                guard size >= 0, size <= len - pos else { throw .corrupt("page of \(size) bytes at offset \(start + pos) runs past the column chunk") }
                // a data page whose rows are not wanted: skipped undecoded (its CRC unchecked)
                var pageRows = -1
                if h.type == PPageType.dataPage.rawValue, let d = h.dataPage { pageRows = Int(d.numValues) }
                if h.type == PPageType.dataPageV2.rawValue, let d = h.dataPageV2 { pageRows = Int(d.numRows) }
                if pageRows >= 0 {
                    guard pageRows <= rows - dec.rowsDone else { throw .corrupt("data page holds \(pageRows) values, \(rows - dec.rowsDone) rows left") }
                    total += 1
                    if !want(dec.rowsDone, pageRows) {
                        dec.skip(pageRows)
                        pos += size
                        continue
                    }
                    decoded += 1
                }
                if let crc = h.crc {
                    let actual = UInt32(truncatingIfNeeded: crc32(0, base + pos, UInt32(size)))
                    guard actual == UInt32(bitPattern: crc) else { throw .corrupt("page CRC mismatch at offset \(start + pos)") }
                }
                try dec.page(h, PageBytes(base: base + pos, count: size))
                pos += size
            }
        }
        counts.decoded += decoded
        counts.total += total
        return dec
    }
}
