import StrataCore
#if canImport(Glibc)
import Glibc
#endif

/// Settings for writing one segment.
public struct SegmentWriterOptions: Sendable {
    /// Rows per block (the unit of pruning, checksumming and decoding).
    public var blockRows: Int = 65_536
    /// Codec per column (defaults to `CodecSpec.default` for missing entries).
    public var codecs: [CodecSpec] = []
    /// Index of the table's time column, if any: its min/max become the segment's time range.
    public var timeColumn: Int?
    /// Column indexes of the sort key the rows are ordered by (recorded, not enforced).
    public var sortKey: [Int] = []
    /// Partition label, e.g. `month=2024-05`.
    public var partition: String = ""
    public var createdBy: String = "strata"
    /// Encode columns on several threads.
    public var parallel: Bool = true

    public init() {}
}

/// Writes immutable segment files (Format.md, "Segment file").
public enum SegmentWriter {
    /// Encodes `columns` (all of equal length, already in sort order) to the bytes of a
    /// segment file.
    public static func encode(schema: [ColumnSchema], columns: [Column],
                              options: SegmentWriterOptions) throws(FormatError) -> (bytes: [UInt8], footer: SegmentFooter) {
        let encoded = try encodeColumns(schema: schema, columns: columns, options: options)
        defer { encoded.deinitialize(); encoded.deallocate() }
        var out: [UInt8] = []
        out.reserveCapacity(segmentHeaderSize + encoded.reduce(0) { $0 + ($1?.bytes.count ?? 0) } + 4096)
        let footer = try assemble(columns: columns, options: options, encoded: encoded) { (part) throws(FormatError) in
            out.append(contentsOf: part)
        }
        return (out, footer)
    }

    /// Encodes and writes a segment to `path` (created exclusively), optionally fsyncing it.
    /// Each encoded column is written and released in turn, so the file's bytes are never all
    /// in memory at once.
    @discardableResult
    public static func write(schema: [ColumnSchema], columns: [Column], options: SegmentWriterOptions,
                             to path: String, sync: Bool = true) throws(FormatError) -> (footer: SegmentFooter, bytes: Int) {
        let encoded = try encodeColumns(schema: schema, columns: columns, options: options)
        defer { encoded.deinitialize(); encoded.deallocate() }
        let file = try NewFile(path)
        var size = 0
        let footer: SegmentFooter
        do throws(FormatError) {
            footer = try assemble(columns: columns, options: options, encoded: encoded) { (part) throws(FormatError) in
                try file.write(part)
                size += part.count
            }
            try file.finish(sync: sync)
        } catch {
            file.abandon()
            throw error
        }
        return (footer, size)
    }

    /// Validates the input and encodes every column (on several threads when allowed).
    static func encodeColumns(schema: [ColumnSchema], columns: [Column],
                              options: SegmentWriterOptions) throws(FormatError) -> UnsafeMutableBufferPointer<EncodedColumn?> {
        guard schema.count == columns.count, !schema.isEmpty else {
            throw FormatError(.invalidArgument, "segment needs one column per schema entry")
        }
        guard schema.count <= Int(UInt16.max) else { throw FormatError(.invalidArgument, "too many columns") }
        let rows = columns[0].count
        for (i, c) in columns.enumerated() {
            guard c.count == rows else { throw FormatError(.invalidArgument, "column '\(schema[i].name)' has \(c.count) rows, expected \(rows)") }
            guard c.data.physical == schema[i].type.physical else {
                throw FormatError(.invalidArgument, "column '\(schema[i].name)' data does not match type \(schema[i].type.sqlName)")
            }
        }
        guard options.blockRows > 0 && options.blockRows <= 1 << 24 else { throw FormatError(.invalidArgument, "block size out of range") }

        let n = schema.count
        let encoded = UnsafeMutableBufferPointer<EncodedColumn?>.allocate(capacity: n)
        encoded.initialize(repeating: nil)
        let work = { (i: Int) in
            let spec = i < options.codecs.count ? options.codecs[i] : CodecSpec.default
            encoded[i] = encodeColumn(columns[i], schema: schema[i], spec: spec, blockRows: options.blockRows)
        }
        ParallelWork.forEach(n, workers: options.parallel && rows > 4096 ? ParallelWork.cores : 1) { i, _ in work(i) }
        return encoded
    }

    /// Emits the file in order (header, column pages, footer, trailer), releasing each encoded
    /// column once emitted.
    static func assemble(columns: [Column], options: SegmentWriterOptions, encoded: UnsafeMutableBufferPointer<EncodedColumn?>,
                         emit: ([UInt8]) throws(FormatError) -> Void) throws(FormatError) -> SegmentFooter {
        let n = encoded.count
        let rows = columns[0].count
        let header = headerBytes()
        var offset = UInt64(header.count)
        try emit(header)
        var metas: [ColumnMeta] = []
        for i in 0..<n {
            var col = encoded[i]!
            encoded[i] = nil
            col.meta.dictionary?.page.offset += offset
            for b in col.meta.blocks.indices { col.meta.blocks[b].page.offset += offset }
            try emit(col.bytes)
            offset += UInt64(col.bytes.count)
            metas.append(col.meta)
        }
        var minTime = Int64.max, maxTime = Int64.min
        if let t = options.timeColumn, t < n, case .int64(let v) = columns[t].data {
            let valid = columns[t].validity
            for i in 0..<rows where valid == nil || valid![i] != 0 {
                minTime = min(minTime, v[i])
                maxTime = max(maxTime, v[i])
            }
        }
        if minTime > maxTime { minTime = 0; maxTime = -1 }  // empty range
        let footer = SegmentFooter(rowCount: UInt64(rows), blockRows: UInt32(options.blockRows),
                                   timeColumn: Int32(options.timeColumn ?? -1), minTime: minTime, maxTime: maxTime,
                                   partition: options.partition, sortKey: options.sortKey.map { UInt16($0) },
                                   createdBy: options.createdBy, columns: metas)
        try emit(tailBytes(footer, footerOffset: offset))
        return footer
    }

    /// The segment header: magic, format version, flags and reserved bytes.
    static func headerBytes() -> [UInt8] {
        var header: [UInt8] = []
        header.append(contentsOf: segmentMagic)
        withUnsafeBytes(of: segmentFormatVersion.littleEndian) { header.append(contentsOf: $0) }
        header.append(contentsOf: [0, 0, 0, 0, 0, 0])  // flags u16 + reserved u32
        return header
    }

    /// The serialized footer followed by the trailer, for a footer starting at `footerOffset`.
    static func tailBytes(_ footer: SegmentFooter, footerOffset offset: UInt64) -> [UInt8] {
        var tail = footer.serialize()
        let footerLength = tail.count
        var t = ByteWriter(capacity: segmentTrailerSize)
        t.u64(offset)
        t.u32(UInt32(footerLength))
        t.u32(CRC32C.checksum(tail))
        t.u16(segmentFormatVersion)
        t.u16(0)
        t.u32(0)
        t.append(segmentMagic)
        tail.append(contentsOf: t.bytes)
        return tail
    }

    // MARK: - column encoding

    struct EncodedColumn {
        var bytes: [UInt8]
        var meta: ColumnMeta
    }

    static func encodeColumn(_ column: Column, schema: ColumnSchema, spec: CodecSpec, blockRows: Int) -> EncodedColumn {
        let writer = ColumnPageWriter(schema: schema, spec: spec)
        let rows = column.count
        let validity = column.validity
        // Strings: build the segment's sorted dictionary and remap codes into it.
        var ints: [Int64] = []
        switch column.data {
        case .string(let codes, let dict):
            let (sorted, remap) = sortedDictionary(codes: codes, validity: validity, dictionary: dict)
            writer.addDictionary(sorted)
            ints = [Int64](repeating: 0, count: rows)
            for i in 0..<rows where validity == nil || validity![i] != 0 { ints[i] = Int64(remap[Int(codes[i])]) }
        case .int64(let v):
            ints = v
        default:
            break
        }
        var start = 0
        while start < rows {
            let end = min(start + blockRows, rows)
            func block<T>(_ v: [T], _ body: (UnsafeBufferPointer<T>, UnsafeBufferPointer<UInt8>?) -> Void) {
                v.withUnsafeBufferPointer { vp in
                    let values = UnsafeBufferPointer(rebasing: vp[start..<end])
                    if let validity {
                        validity.withUnsafeBufferPointer { body(values, UnsafeBufferPointer(rebasing: $0[start..<end])) }
                    } else {
                        body(values, nil)
                    }
                }
            }
            switch column.data {
            case .int64, .string: block(ints) { writer.addBlock(ints: $0, validity: $1) }
            case .double(let v): block(v) { writer.addBlock(doubles: $0, validity: $1) }
            case .bool(let v): block(v) { writer.addBlock(bools: $0, validity: $1) }
            }
            start = end
        }
        return writer.finish()
    }

    /// NULL slots take the previous valid value (or the first valid one) so they do not widen
    /// frame-of-reference ranges or break runs.
    static func fillNulls(_ v: inout [Int64], _ validity: [UInt8], _ start: Int) {
        var last: Int64 = 0
        if let f = v.indices.first(where: { validity[start + $0] != 0 }) { last = v[f] }
        for i in v.indices {
            if validity[start + i] == 0 { v[i] = last } else { last = v[i] }
        }
    }

    /// The entries of `dictionary` used by valid rows, sorted byte-wise, and a map from old
    /// code to new code.
    static func sortedDictionary(codes: [UInt32], validity: [UInt8]?, dictionary: StringDictionary) -> (StringDictionary, [UInt32]) {
        var used = [Bool](repeating: false, count: dictionary.count)
        for i in codes.indices where validity == nil || validity![i] != 0 { used[Int(codes[i])] = true }
        var entries: [Int32] = []
        entries.reserveCapacity(dictionary.count)
        for i in used.indices where used[i] { entries.append(Int32(i)) }
        // sort by an 8-byte big-endian prefix first, then full comparison for ties
        dictionary.bytes.withUnsafeBufferPointer { bp in
            let off = dictionary.offsets
            func prefix(_ e: Int32) -> UInt64 {
                let lo = Int(off[Int(e)]), hi = Int(off[Int(e) + 1])
                var k: UInt64 = 0
                for j in 0..<8 { k = k << 8 | (lo + j < hi ? UInt64(bp[lo + j]) : 0) }
                return k
            }
            var keyed = entries.map { (prefix($0), $0) }
            func less(_ a: (UInt64, Int32), _ b: (UInt64, Int32)) -> Bool {
                if a.0 != b.0 { return a.0 < b.0 }
                return dictionary.compare(Int(a.1), Int(b.1)) < 0
            }
            // dictionaries built in sorted order (hex ids at ingest) need no sort
            var sortedAlready = true
            for i in keyed.indices.dropFirst() where !less(keyed[i - 1], keyed[i]) {
                sortedAlready = false
                break
            }
            if !sortedAlready {
                keyed.sort(by: less)
                entries = keyed.map { $0.1 }
            }
        }
        var sorted = StringDictionary()
        sorted.bytes.reserveCapacity(dictionary.bytes.count)
        sorted.offsets.reserveCapacity(entries.count + 1)
        var remap = [UInt32](repeating: 0, count: dictionary.count)
        for (newCode, old) in entries.enumerated() {
            dictionary.withEntry(Int(old)) { sorted.append($0) }
            remap[Int(old)] = UInt32(newCode)
        }
        return (sorted, remap)
    }

    static func isLowerHex(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 97 && b <= 102) }

    static func hexValue(_ b: UInt8) -> UInt8 { b <= 57 ? b - 48 : b - 87 }

    /// The bytes of the even-length lowercase hex text `text` (two digits per byte), or nil if
    /// any byte is not `0-9` / `a-f`. Eight characters at a time (SWAR range checks).
    static func decodeLowerHex(_ text: [UInt8]) -> [UInt8]? {
        let n = text.count
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: n / 2) { dst, count in
            text.withUnsafeBufferPointer { src in
                let raw = UnsafeRawPointer(src.baseAddress!)
                let ones: UInt64 = 0x0101_0101_0101_0101
                let high: UInt64 = 0x8080_8080_8080_8080
                @inline(__always) func atLeast(_ w: UInt64, _ lo: UInt64) -> UInt64 { (w &+ (0x80 - lo) &* ones) & high }
                var i = 0
                var bad: UInt64 = 0
                while i + 8 <= n {
                    let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let digit = atLeast(w, 0x30) & ~atLeast(w, 0x3A)
                    let letter = atLeast(w, 0x61) & ~atLeast(w, 0x67)
                    bad |= (w & high) | ((digit | letter) ^ high)
                    let nib = (w & 0x0F0F_0F0F_0F0F_0F0F) &+ (letter >> 7) &* 9
                    // byte pairs (first character = high nibble) to one byte per 16-bit lane
                    let pairs = ((nib & 0x00FF_00FF_00FF_00FF) << 4) | ((nib >> 8) & 0x00FF_00FF_00FF_00FF)
                    let o = dst.baseAddress! + i / 2
                    o[0] = UInt8(truncatingIfNeeded: pairs)
                    o[1] = UInt8(truncatingIfNeeded: pairs >> 16)
                    o[2] = UInt8(truncatingIfNeeded: pairs >> 32)
                    o[3] = UInt8(truncatingIfNeeded: pairs >> 48)
                    i += 8
                }
                while i + 2 <= n {
                    let a = src[i], b = src[i + 1]
                    if isLowerHex(a) && isLowerHex(b) { dst[i / 2] = hexValue(a) << 4 | hexValue(b) } else { dst[i / 2] = 0; bad = 1 }
                    i += 2
                }
                ok = bad == 0 && i == n
            }
            count = n / 2
        }
        return ok ? out : nil
    }

    /// Dictionary page bytes and layout (Format.md, "Dictionary pages").
    static func encodeDictionary(_ d: StringDictionary) -> ([UInt8], DictionaryLayout, UInt32) {
        let n = d.count
        if n > 0 {
            let len = d.length(0)
            var hex = len >= 2 && len <= 128 && len % 2 == 0
            if hex {
                for i in 0..<n where d.length(i) != len { hex = false; break }
            }
            if hex, let out = decodeLowerHex(d.bytes) {
                return (out, .hex, UInt32(len))
            }
        }
        var out: [UInt8] = []
        var maxLen = 0
        for i in 0..<n { maxLen = max(maxLen, d.length(i)) }
        let width = BitPacking.width(UInt64(maxLen))
        out.append(UInt8(width))
        BitPacking.pack(count: n, width: width, into: &out) { UInt64(d.length($0)) }
        out.append(contentsOf: d.bytes)
        return (out, .variable, 0)
    }
}
