import StrataCore

/// Writes a segment file column by column (Format.md, "Segment file"): the header at once,
/// each column's pages as soon as its `ColumnPageWriter` is complete (columns in schema
/// order), the footer and trailer at the end. The bytes are the ones `SegmentWriter.write`
/// produces for the same values; only one column's encoded pages need to be in memory at a
/// time. The file is created exclusively and removed again unless `finish` succeeds.
public final class SegmentStreamWriter {
    let schema: [ColumnSchema]
    let options: SegmentWriterOptions
    let file: NewFile
    var offset: UInt64
    var metas: [ColumnMeta] = []
    var rows: Int?

    public init(schema: [ColumnSchema], options: SegmentWriterOptions, to path: String) throws(FormatError) {
        guard !schema.isEmpty else { throw FormatError(.invalidArgument, "segment needs one column per schema entry") }
        guard schema.count <= Int(UInt16.max) else { throw FormatError(.invalidArgument, "too many columns") }
        guard options.blockRows > 0 && options.blockRows <= 1 << 24 else { throw FormatError(.invalidArgument, "block size out of range") }
        self.schema = schema
        self.options = options
        file = try NewFile(path)
        let header = SegmentWriter.headerBytes()
        try file.write(header)
        offset = UInt64(header.count)
    }

    /// Columns written so far (the next one is `schema[columnsWritten]`).
    public var columnsWritten: Int { metas.count }

    /// Writes the next column's pages. Its blocks must hold `options.blockRows` rows each
    /// (the last one fewer) and as many rows as the columns before it.
    public func append(_ column: ColumnPageWriter) throws(FormatError) {
        let i = metas.count
        guard i < schema.count else { throw FormatError(.invalidArgument, "segment has only \(schema.count) columns") }
        guard column.physical == schema[i].type.physical, column.meta.name == schema[i].name else {
            throw FormatError(.invalidArgument, "column '\(column.meta.name)' does not match '\(schema[i].name)' of type \(schema[i].type.sqlName)")
        }
        if let rows, column.rows != rows {
            throw FormatError(.invalidArgument, "column '\(schema[i].name)' has \(column.rows) rows, expected \(rows)")
        }
        rows = column.rows
        var col = column.finish()
        col.meta.dictionary?.page.offset += offset
        for b in col.meta.blocks.indices { col.meta.blocks[b].page.offset += offset }
        try file.write(col.bytes)
        offset += UInt64(col.bytes.count)
        metas.append(col.meta)
    }

    /// Writes footer and trailer after the last column, fsyncs (when asked) and closes the
    /// file. The time range comes from the time column's block minimums and maximums (the
    /// extremes of its non-NULL values).
    public func finish(sync: Bool = true) throws(FormatError) -> (footer: SegmentFooter, bytes: Int) {
        guard metas.count == schema.count else {
            file.abandon()
            throw FormatError(.invalidArgument, "segment has \(metas.count) of \(schema.count) columns")
        }
        var minTime = Int64.max, maxTime = Int64.min
        if let t = options.timeColumn, t < metas.count, schema[t].type.physical == .int64 {
            for b in metas[t].blocks where b.encoding != .allNull {
                minTime = min(minTime, b.minBits)
                maxTime = max(maxTime, b.maxBits)
            }
        }
        if minTime > maxTime { minTime = 0; maxTime = -1 }  // empty range
        let footer = SegmentFooter(rowCount: UInt64(rows ?? 0), blockRows: UInt32(options.blockRows),
                                   timeColumn: Int32(options.timeColumn ?? -1), minTime: minTime, maxTime: maxTime,
                                   partition: options.partition, sortKey: options.sortKey.map { UInt16($0) },
                                   createdBy: options.createdBy, columns: metas)
        let tail = SegmentWriter.tailBytes(footer, footerOffset: offset)
        try file.write(tail)
        try file.finish(sync: sync)
        return (footer, Int(offset) + tail.count)
    }

    /// Closes and removes the unfinished file.
    public func abandon() { file.abandon() }
}

extension SegmentReader {
    /// The sorted dictionary of a string column, decoded afresh and not kept by the reader
    /// (one-pass readers such as compaction hold it only while they need it).
    public func uncachedDictionary(column: Int) throws(FormatError) -> StringDictionary {
        try loadDictionary(column: column, scratch: DecodeScratch())
    }
}
