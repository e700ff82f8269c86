/// Current segment format version. Bump when old readers would misread new files.
public let segmentFormatVersion: UInt16 = 1
/// 8 bytes at the start and the end of every segment file.
public let segmentMagic: [UInt8] = Array("STRATSEG".utf8)
public let segmentHeaderSize = 16
public let segmentTrailerSize = 32

/// Location, size and checksum of one stored page.
public struct PageRef: Sendable, Equatable {
    public var offset: UInt64
    public var storedLength: UInt32
    public var rawLength: UInt32
    public var codec: Codec
    public var crc32c: UInt32

    func write(_ w: inout ByteWriter) {
        w.u64(offset); w.u32(storedLength); w.u32(rawLength); w.u8(codec.rawValue); w.u32(crc32c)
    }

    static func read(_ r: inout ByteReader) throws(FormatError) -> PageRef {
        let offset = try r.u64(), stored = try r.u32(), raw = try r.u32()
        guard let codec = Codec(rawValue: try r.u8()) else { throw FormatError.corrupt("unknown codec id in page reference") }
        return PageRef(offset: offset, storedLength: stored, rawLength: raw, codec: codec, crc32c: try r.u32())
    }
}

/// Directory entry of one column block.
public struct BlockMeta: Sendable, Equatable {
    public var page: PageRef
    public var encoding: Encoding
    public var nullCount: UInt32
    /// Minimum / maximum of the non-NULL values: Int64 for integer types, dictionary codes
    /// for strings, 0/1 for booleans, `Double.bitPattern` for doubles (NaN excluded).
    public var minBits: Int64
    public var maxBits: Int64
}

/// How a string column's segment dictionary page is laid out.
public enum DictionaryLayout: UInt8, Sendable {
    /// Bit-packed entry lengths followed by the concatenated bytes.
    case variable = 0
    /// Every entry is lowercase hexadecimal of one even length: stored as raw bytes, half size.
    case hex = 1
}

public struct DictionaryMeta: Sendable, Equatable {
    public var page: PageRef
    public var entries: UInt32
    public var layout: DictionaryLayout
    /// For `.hex`: characters per entry.
    public var entryLength: UInt32
}

public struct ColumnMeta: Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    public var nullable: Bool
    public var codec: Codec
    /// Bytes of all pages of this column as stored (compressed) and raw (encoded, uncompressed).
    public var storedBytes: UInt64
    public var rawBytes: UInt64
    public var dictionary: DictionaryMeta?
    public var blocks: [BlockMeta]
}

/// Everything a reader needs to find and check any page: schema, counts, time range and the
/// block directory. Serialized as specified in Format.md ("Footer").
public struct SegmentFooter: Sendable, Equatable {
    public var rowCount: UInt64
    public var blockRows: UInt32
    public var timeColumn: Int32
    public var minTime: Int64
    public var maxTime: Int64
    public var partition: String
    public var sortKey: [UInt16]
    public var createdBy: String
    public var columns: [ColumnMeta]

    public var blockCount: Int { rowCount == 0 ? 0 : Int((rowCount + UInt64(blockRows) - 1) / UInt64(blockRows)) }

    public func rows(inBlock b: Int) -> Int {
        let start = UInt64(b) * UInt64(blockRows)
        return Int(min(UInt64(blockRows), rowCount - start))
    }

    public func columnIndex(_ name: String) -> Int? { columns.firstIndex { $0.name == name } }

    public func serialize() -> [UInt8] {
        var w = ByteWriter(capacity: 256 + columns.count * 64)
        w.u64(rowCount)
        w.u32(blockRows)
        w.u32(UInt32(blockCount))
        w.u32(UInt32(bitPattern: timeColumn))
        w.i64(minTime)
        w.i64(maxTime)
        w.string(partition)
        w.string(createdBy)
        w.u16(UInt16(sortKey.count))
        for k in sortKey { w.u16(k) }
        w.u16(UInt16(columns.count))
        for c in columns {
            w.string(c.name)
            w.u8(c.type.rawValue)
            w.u8(c.nullable ? 1 : 0)
            w.u8(c.codec.rawValue)
            w.u64(c.storedBytes)
            w.u64(c.rawBytes)
            if let d = c.dictionary {
                w.u8(1)
                d.page.write(&w)
                w.u32(d.entries)
                w.u8(d.layout.rawValue)
                w.u32(d.entryLength)
            } else {
                w.u8(0)
            }
            for b in c.blocks {
                b.page.write(&w)
                w.u8(b.encoding.rawValue)
                w.u32(b.nullCount)
                w.i64(b.minBits)
                w.i64(b.maxBits)
            }
        }
        return w.bytes
    }

    public static func parse(_ buf: UnsafeRawBufferPointer) throws(FormatError) -> SegmentFooter {
        var r = ByteReader(buf)
        let rowCount = try r.u64()
        let blockRows = try r.u32()
        let blockCount = Int(try r.u32())
        let timeColumn = Int32(bitPattern: try r.u32())
        let minTime = try r.i64(), maxTime = try r.i64()
        let partition = try r.string(maxLength: 4096)
        let createdBy = try r.string(maxLength: 4096)
        guard blockRows > 0 else { throw FormatError.corrupt("footer: block size is zero") }
        let expectedBlocks = rowCount / UInt64(blockRows) + (rowCount % UInt64(blockRows) == 0 ? 0 : 1)  // no overflow near 2^64
        guard UInt64(blockCount) == expectedBlocks else {
            throw FormatError.corrupt("footer: \(blockCount) blocks do not match \(rowCount) rows of \(blockRows)")
        }
        let nKeys = Int(try r.u16())
        var sortKey: [UInt16] = []
        for _ in 0..<nKeys { sortKey.append(try r.u16()) }
        let nCols = Int(try r.u16())
        // each block entry is 42 bytes (page reference 21, encoding 1, nulls 4, min 8, max 8):
        // refuse counts the footer cannot hold before allocating
        guard blockCount <= r.remaining / 42 + 1 else { throw FormatError.corrupt("footer: block count exceeds footer size") }
        var columns: [ColumnMeta] = []
        for _ in 0..<nCols {
            let name = try r.string(maxLength: 4096)
            guard let type = ColumnType(rawValue: try r.u8()) else { throw FormatError.corrupt("footer: unknown column type for '\(name)'") }
            let nullable = try r.u8() != 0
            guard let codec = Codec(rawValue: try r.u8()) else { throw FormatError.corrupt("footer: unknown codec for '\(name)'") }
            let stored = try r.u64(), raw = try r.u64()
            var dict: DictionaryMeta?
            let hasDictionary = try r.u8()
            guard hasDictionary <= 1 else { throw FormatError.corrupt("footer: dictionary flag \(hasDictionary) of column '\(name)' is not 0 or 1") }
            if hasDictionary == 1 {
                guard type.physical == .string else { throw FormatError.corrupt("footer: column '\(name)' of type \(type.sqlName) has a dictionary") }
                let page = try PageRef.read(&r)
                let entries = try r.u32()
                guard let layout = DictionaryLayout(rawValue: try r.u8()) else { throw FormatError.corrupt("footer: unknown dictionary layout") }
                dict = DictionaryMeta(page: page, entries: entries, layout: layout, entryLength: try r.u32())
            }
            if type.physical == .string && dict == nil && rowCount > 0 {
                throw FormatError.corrupt("footer: string column '\(name)' has no dictionary")
            }
            var blocks: [BlockMeta] = []
            blocks.reserveCapacity(blockCount)
            for _ in 0..<blockCount {
                let page = try PageRef.read(&r)
                guard let enc = Encoding(rawValue: try r.u8()) else { throw FormatError.corrupt("footer: unknown encoding id in column '\(name)'") }
                blocks.append(BlockMeta(page: page, encoding: enc, nullCount: try r.u32(), minBits: try r.i64(), maxBits: try r.i64()))
            }
            columns.append(ColumnMeta(name: name, type: type, nullable: nullable, codec: codec, storedBytes: stored,
                                      rawBytes: raw, dictionary: dict, blocks: blocks))
        }
        guard r.remaining == 0 else { throw FormatError.corrupt("footer: \(r.remaining) trailing bytes") }
        for k in sortKey where Int(k) >= columns.count { throw FormatError.corrupt("footer: sort key column out of range") }
        guard timeColumn < Int32(columns.count), timeColumn >= -1 else { throw FormatError.corrupt("footer: time column out of range") }
        return SegmentFooter(rowCount: rowCount, blockRows: blockRows, timeColumn: timeColumn, minTime: minTime,
                             maxTime: maxTime, partition: partition, sortKey: sortKey, createdBy: createdBy, columns: columns)
    }
}
