import Foundation
import StrataCore

/// Reusable per-thread decoding state: codec contexts and a decompression buffer.
public final class DecodeScratch {
    public let codec = CodecContext()
    var buffer: [UInt8] = []

    public init() {}
}

/// One decoded column block. Reused across blocks: arrays only grow; `count` says how many
/// leading values are valid. Integer types and string codes land in `ints`.
public final class BlockVector {
    public var count = 0
    public var ints: [Int64] = []
    public var doubles: [Double] = []
    public var bools: [UInt8] = []
    /// 1 = value present. Meaningful only when `hasNulls`.
    public var validity: [UInt8] = []
    public var hasNulls = false
    public var encoding: Encoding = .plain

    public init() {}

    /// At least `n` elements in `a`, with unspecified values: every caller overwrites the
    /// first `n` (the rows it decodes), so a new buffer is not zeroed first.
    @inline(__always) func ensure<T: Numeric & BitwiseCopyable>(_ a: inout [T], _ n: Int) {
        if a.count >= n { return }
        a = [T](unsafeUninitializedCapacity: n) { _, count in count = n }
    }
}

/// Reads a segment file: validates trailer, footer checksum and header on open, then decodes
/// any column block alone, checking the page's length and CRC-32C first.
public final class SegmentReader: @unchecked Sendable {
    public let path: String
    public let footer: SegmentFooter
    public let fileSize: Int
    let file: MappedFile
    private let lock = NSLock()
    private var dictionaries: [Int: StringDictionary] = [:]

    public init(path: String) throws(FormatError) {
        self.path = path
        do {
            file = try MappedFile(path: path)
            fileSize = file.bytes.count
            footer = try SegmentReader.validate(file.bytes)
        } catch {
            throw error.withPath(path)
        }
    }

    static func validate(_ b: UnsafeRawBufferPointer) throws(FormatError) -> SegmentFooter {
        guard b.count >= segmentHeaderSize + segmentTrailerSize else {
            throw FormatError(.truncated, "file is too short (\(b.count) bytes) to be a segment")
        }
        guard b.starts(with: segmentMagic) else { throw FormatError(.badMagic, "not a Strata segment (bad magic at start)") }
        let version = b.loadUnaligned(fromByteOffset: 8, as: UInt16.self).littleEndian
        let headerFlags = b.loadUnaligned(fromByteOffset: 10, as: UInt16.self)
        let headerReserved = b.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
        var t = ByteReader(b, offset: b.count - segmentTrailerSize)
        let footerOffset = try t.u64()
        let footerLength = try t.u32()
        let footerCRC = try t.u32()
        let tailVersion = try t.u16()
        let tailReserved16 = try t.u16()
        let tailReserved32 = try t.u32()
        guard Array(try t.bytes(8)) == segmentMagic else {
            throw FormatError(.truncated, "bad magic at end (file truncated or not a segment)")
        }
        // no flag is defined and the reserved fields are zero in every version so far: any
        // other value is a damaged header or trailer (these bytes are outside every checksum)
        guard headerFlags == 0, headerReserved == 0 else {
            throw FormatError.corrupt("header flags/reserved bytes are not zero (damaged header)")
        }
        guard tailReserved16 == 0, tailReserved32 == 0 else {
            throw FormatError.corrupt("trailer reserved bytes are not zero (damaged trailer)")
        }
        guard version == tailVersion else { throw FormatError.corrupt("header version \(version) differs from trailer version \(tailVersion)") }
        guard version == segmentFormatVersion else {
            throw FormatError(.unsupportedVersion, "segment format version \(version) is not supported (this build reads version \(segmentFormatVersion))")
        }
        let footerEnd = UInt64(b.count - segmentTrailerSize)
        guard footerOffset >= UInt64(segmentHeaderSize), footerOffset <= footerEnd,
              UInt64(footerLength) == footerEnd - footerOffset else {
            throw FormatError.corrupt("footer position/length out of range")
        }
        let fb = UnsafeRawBufferPointer(rebasing: b[Int(footerOffset)..<Int(footerEnd)])
        guard CRC32C.checksum(fb) == footerCRC else { throw FormatError.corrupt("footer checksum mismatch") }
        let footer = try SegmentFooter.parse(fb)
        // every page must lie between header and footer
        for c in footer.columns {
            var refs = c.blocks.map(\.page)
            if let d = c.dictionary { refs.append(d.page) }
            for r in refs {
                guard r.offset >= UInt64(segmentHeaderSize), r.offset <= footerOffset, UInt64(r.storedLength) <= footerOffset - r.offset else {
                    throw FormatError.corrupt("column '\(c.name)': page outside the data region")
                }
                if r.codec == .none && r.storedLength != r.rawLength {
                    throw FormatError.corrupt("column '\(c.name)': uncompressed page length mismatch")
                }
                // LZ4 expands at most 255-fold: a larger claim is damage, refused before
                // anything is allocated for it
                if r.codec == .lz4 && UInt64(r.rawLength) > UInt64(r.storedLength) * 255 + 64 {
                    throw FormatError.corrupt("column '\(c.name)': lz4 page of \(r.storedLength) bytes claims \(r.rawLength) raw bytes")
                }
                // a Zstandard block of 128 KiB is at least 3 bytes stored
                if r.codec == .zstd && UInt64(r.rawLength) > UInt64(r.storedLength) * 65_536 + 65_536 {
                    throw FormatError.corrupt("column '\(c.name)': zstd page of \(r.storedLength) bytes claims \(r.rawLength) raw bytes")
                }
            }
            for (k, b) in c.blocks.enumerated() where UInt64(b.page.rawLength) > maxBlockPageBytes(rows: footer.rows(inBlock: k)) {
                throw FormatError.corrupt("column '\(c.name)' block \(k): page claims \(b.page.rawLength) raw bytes for \(footer.rows(inBlock: k)) rows")
            }
        }
        return footer
    }

    public var rowCount: Int { Int(footer.rowCount) }

    /// The most raw bytes a block's page of `rows` rows can hold (Format.md, Pages): the
    /// validity bitmap plus values no wider than 8 bytes, with room to spare for every
    /// encoding's header; three times that, so no writer's choice ever comes near it.
    static func maxBlockPageBytes(rows: Int) -> UInt64 { 3 * (UInt64(rows) * 8 + UInt64(rows + 7) / 8) + 4096 }
    public var blockCount: Int { footer.blockCount }

    /// Stored bytes of a page after length and checksum checks.
    func stored(_ ref: PageRef, what: @autoclosure () -> String) throws(FormatError) -> UnsafeRawBufferPointer {
        let lo = Int(ref.offset), hi = lo + Int(ref.storedLength)
        let s = UnsafeRawBufferPointer(rebasing: file.bytes[lo..<hi])
        guard CRC32C.checksum(s) == ref.crc32c else {
            throw FormatError(.corrupt, "checksum mismatch in \(what())", path: path)
        }
        return s
    }

    /// Raw (decompressed) page bytes; valid until the next use of `scratch`.
    func raw(_ ref: PageRef, scratch: DecodeScratch, what: @autoclosure () -> String) throws(FormatError) -> UnsafeRawBufferPointer {
        let s = try stored(ref, what: what())
        if ref.codec == .none { return s }
        let n = Int(ref.rawLength)
        if ref.codec == .zstd {
            // the frame records its content size (Strata's writers always do): check it before
            // allocating for it
            guard CodecContext.zstdFrameMayHold(s, bytes: n) else {
                throw FormatError(.corrupt, "\(what()): zstd frame does not hold the page's recorded \(n) bytes", path: path)
            }
        }
        if scratch.buffer.count < n {
            // uninitialized: the codec writes all n bytes or the page is refused
            let m = max(n, 1 << 16)
            scratch.buffer = [UInt8](unsafeUninitializedCapacity: m) { _, count in count = m }
        }
        var failure: FormatError?
        scratch.buffer.withUnsafeMutableBytes { dst in
            do throws(FormatError) {
                try scratch.codec.decompress(s, codec: ref.codec, into: UnsafeMutableRawBufferPointer(rebasing: dst[0..<n]))
            } catch {
                failure = error
            }
        }
        if let failure { throw FormatError(.corrupt, "\(what()): \(failure.message)", path: path, cause: failure) }
        return scratch.buffer.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[0..<n]) }
    }

    /// Decodes block `block` of column `column` into `out`.
    public func decode(column: Int, block: Int, into out: BlockVector, scratch: DecodeScratch) throws(FormatError) {
        let c = footer.columns[column]
        let meta = c.blocks[block]
        let count = footer.rows(inBlock: block)
        out.count = count
        out.encoding = meta.encoding
        out.hasNulls = meta.nullCount > 0
        let what = "column '\(c.name)' block \(block)"
        guard Int(meta.nullCount) <= count else { throw FormatError(.corrupt, "\(what): null count exceeds rows", path: path) }
        if out.hasNulls { out.ensure(&out.validity, count) }
        if meta.encoding == .allNull {
            guard Int(meta.nullCount) == count else { throw FormatError(.corrupt, "\(what): all-null page with values", path: path) }
            out.validity.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: count) }
            switch c.type.physical {
            case .int64, .string: out.ensure(&out.ints, count); out.ints.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: count) }
            case .double: out.ensure(&out.doubles, count); out.doubles.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: count) }
            case .bool: out.ensure(&out.bools, count); out.bools.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: count) }
            }
            return
        }
        var payload = try raw(meta.page, scratch: scratch, what: what)
        do throws(FormatError) {
            if meta.nullCount > 0 {
                let nb = (count + 7) / 8
                guard payload.count >= nb else { throw FormatError(.truncated, "validity bitmap truncated") }
                try out.validity.withUnsafeMutableBufferPointer { (v) throws(FormatError) in
                    try BoolCodec.expandBitmap(UnsafeRawBufferPointer(rebasing: payload[0..<nb]), count: count, into: v.baseAddress!)
                }
                payload = UnsafeRawBufferPointer(rebasing: payload[nb...])
            }
            switch c.type.physical {
            case .int64, .string:
                out.ensure(&out.ints, count)
                try out.ints.withUnsafeMutableBufferPointer { (o) throws(FormatError) in
                    try IntCodec.decode(meta.encoding, payload, count: count, into: o.baseAddress!)
                }
                if c.type.physical == .string, let d = c.dictionary {
                    // every code must index the dictionary (NULL rows may hold any filler)
                    let limit = Int64(d.entries)
                    var lo = Int64.max, hi = Int64.min
                    out.ints.withUnsafeBufferPointer { v in
                        for i in 0..<count { lo = min(lo, v[i]); hi = max(hi, v[i]) }
                    }
                    if lo < 0 || hi >= limit {
                        for i in 0..<count where out.ints[i] < 0 || out.ints[i] >= limit {
                            if out.hasNulls && out.validity[i] == 0 { out.ints[i] = 0; continue }
                            throw FormatError(.corrupt, "dictionary code out of range")
                        }
                    }
                }
            case .double:
                out.ensure(&out.doubles, count)
                try out.doubles.withUnsafeMutableBufferPointer { (o) throws(FormatError) in
                    try DoubleCodec.decode(meta.encoding, payload, count: count, into: o.baseAddress!)
                }
            case .bool:
                out.ensure(&out.bools, count)
                try out.bools.withUnsafeMutableBufferPointer { (o) throws(FormatError) in
                    try BoolCodec.decode(meta.encoding, payload, count: count, into: o.baseAddress!)
                }
            }
        } catch {
            throw FormatError(error.kind, "\(what): \(error.message)", path: path, cause: error)
        }
    }

    /// Decodes only the rows at `rows` (ascending positions in the block): afterwards
    /// `out.count == rows.count` and values and validity are compacted. Integer and string
    /// columns with random-access encodings skip the other rows; the others decode the block
    /// and keep the selected rows.
    public func decode(column: Int, block: Int, rows: UnsafeBufferPointer<Int32>, into out: BlockVector,
                       scratch: DecodeScratch) throws(FormatError) {
        let c = footer.columns[column]
        let meta = c.blocks[block]
        let count = footer.rows(inBlock: block)
        let m = rows.count
        guard m == 0 || Int(rows[m - 1]) < count else { throw FormatError(.invalidArgument, "row selection beyond the block", path: path) }
        let phys = c.type.physical
        if phys == .int64 || phys == .string, IntCodec.hasRandomAccess(meta.encoding) {
            let what = "column '\(c.name)' block \(block)"
            guard Int(meta.nullCount) <= count else { throw FormatError(.corrupt, "\(what): null count exceeds rows", path: path) }
            var payload = try raw(meta.page, scratch: scratch, what: what)
            out.encoding = meta.encoding
            out.hasNulls = meta.nullCount > 0
            do throws(FormatError) {
                if out.hasNulls {
                    let nb = (count + 7) / 8
                    guard payload.count >= nb else { throw FormatError(.truncated, "validity bitmap truncated") }
                    out.ensure(&out.validity, count)
                    try out.validity.withUnsafeMutableBufferPointer { (v) throws(FormatError) in
                        try BoolCodec.expandBitmap(UnsafeRawBufferPointer(rebasing: payload[0..<nb]), count: count, into: v.baseAddress!)
                        for k in 0..<m { v[k] = v[Int(rows[k])] }
                    }
                    payload = UnsafeRawBufferPointer(rebasing: payload[nb...])
                }
                out.ensure(&out.ints, max(m, 1))
                try out.ints.withUnsafeMutableBufferPointer { (o) throws(FormatError) in
                    try IntCodec.decodeSelected(meta.encoding, payload, count: count, rows: rows, into: o.baseAddress!)
                }
                if phys == .string, let d = c.dictionary {
                    let limit = Int64(d.entries)
                    for k in 0..<m where out.ints[k] < 0 || out.ints[k] >= limit {
                        if out.hasNulls && out.validity[k] == 0 { out.ints[k] = 0; continue }
                        throw FormatError(.corrupt, "dictionary code out of range")
                    }
                }
            } catch {
                throw FormatError(error.kind, "\(what): \(error.message)", path: path, cause: error)
            }
            out.count = m
            return
        }
        try decode(column: column, block: block, into: out, scratch: scratch)
        // rows are ascending, so rows[k] >= k: compacting in place is safe
        func keep<T>(_ a: inout [T]) {
            a.withUnsafeMutableBufferPointer { p in for k in 0..<m { p[k] = p[Int(rows[k])] } }
        }
        if out.hasNulls { keep(&out.validity) }
        switch phys {
        case .int64, .string: keep(&out.ints)
        case .double: keep(&out.doubles)
        case .bool: keep(&out.bools)
        }
        out.count = m
    }

    /// The sorted dictionary of a string column (decoded once, then cached).
    public func dictionary(column: Int) throws(FormatError) -> StringDictionary {
        lock.lock()
        if let d = dictionaries[column] { lock.unlock(); return d }
        lock.unlock()
        let d = try loadDictionary(column: column, scratch: DecodeScratch())
        lock.lock()
        dictionaries[column] = d
        lock.unlock()
        return d
    }

    func loadDictionary(column: Int, scratch: DecodeScratch) throws(FormatError) -> StringDictionary {
        let c = footer.columns[column]
        guard let meta = c.dictionary else { return StringDictionary() }
        let what = "column '\(c.name)' dictionary"
        let page = try raw(meta.page, scratch: scratch, what: what)
        let n = Int(meta.entries)
        switch meta.layout {
        case .hex:
            let len = Int(meta.entryLength)
            guard len >= 2, len % 2 == 0, page.count == n * len / 2 else {
                throw FormatError(.corrupt, "\(what): size does not match \(n) hex entries", path: path)
            }
            let digits: [UInt8] = Array("0123456789abcdef".utf8)
            var bytes = [UInt8](repeating: 0, count: n * len)
            bytes.withUnsafeMutableBufferPointer { dst in
                for j in 0..<page.count {
                    let b = page[j]
                    dst[2 * j] = digits[Int(b >> 4)]
                    dst[2 * j + 1] = digits[Int(b & 15)]
                }
            }
            var offsets = [UInt32](repeating: 0, count: n + 1)
            for i in 0...n { offsets[i] = UInt32(i * len) }
            return StringDictionary(bytes: bytes, offsets: offsets)
        case .variable:
            guard page.count >= 1 else { throw FormatError(.corrupt, "\(what): empty page", path: path) }
            let width = Int(page[0])
            let packedBytes = BitPacking.byteCount(count: n, width: width)
            guard width <= 32, page.count >= 1 + packedBytes else { throw FormatError(.corrupt, "\(what): bad header", path: path) }
            // lengths of width 0 take no bytes: bound the count by the page before allocating
            // (entries are distinct, so at most one is empty; any real page holds its count)
            guard n <= 8 * page.count + 1 else {
                throw FormatError(.corrupt, "\(what): \(n) entries cannot fit its \(page.count) bytes", path: path)
            }
            var lengths = [UInt64](repeating: 0, count: n)
            lengths.withUnsafeMutableBufferPointer {
                BitPacking.unpack(UnsafeRawBufferPointer(rebasing: page[1..<(1 + packedBytes)]), count: n, width: width, into: $0.baseAddress!)
            }
            var offsets = [UInt32](repeating: 0, count: n + 1)
            var total: UInt64 = 0
            for i in 0..<n {
                total += lengths[i]
                offsets[i + 1] = UInt32(truncatingIfNeeded: total)
            }
            let body = UnsafeRawBufferPointer(rebasing: page[(1 + packedBytes)...])
            guard total == UInt64(body.count) else { throw FormatError(.corrupt, "\(what): entry lengths do not match its size", path: path) }
            return StringDictionary(bytes: Array(body), offsets: offsets)
        }
    }

    /// For a dictionary stored in the hex layout with 16-digit entries: each entry's value as
    /// an Int64 (big-endian bytes), without expanding to text. Nil for other layouts.
    public func hexDictionaryValues(column: Int) throws(FormatError) -> [Int64]? {
        let c = footer.columns[column]
        guard let meta = c.dictionary, meta.layout == .hex, meta.entryLength == 16 else { return nil }
        let scratch = DecodeScratch()
        let page = try raw(meta.page, scratch: scratch, what: "column '\(c.name)' dictionary")
        let n = Int(meta.entries)
        guard page.count == n * 8 else { throw FormatError(.corrupt, "column '\(c.name)' dictionary: size does not match \(n) hex entries", path: path) }
        return [Int64](unsafeUninitializedCapacity: n) { out, count in
            for i in 0..<n { out[i] = Int64(bitPattern: UInt64(bigEndian: page.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
            count = n
        }
    }

    /// Reads and checks every page (checksums, decompression, decoding). Throws the first problem.
    public func verify() throws(FormatError) {
        let scratch = DecodeScratch()
        let v = BlockVector()
        for (ci, c) in footer.columns.enumerated() {
            if c.dictionary != nil {
                let d = try loadDictionary(column: ci, scratch: scratch)
                for i in 1..<max(d.count, 1) where d.compare(i - 1, i) >= 0 {
                    throw FormatError(.corrupt, "column '\(c.name)' dictionary is not sorted", path: path)
                }
            }
            for b in 0..<c.blocks.count { try decode(column: ci, block: b, into: v, scratch: scratch) }
        }
    }

    /// Decodes a whole column (all blocks) — convenient for tests, compaction and small reads.
    /// With `cacheDictionary` false a string column's dictionary is not kept by the reader
    /// (one-pass readers such as compaction hold each dictionary only as long as the column).
    public func readColumn(_ column: Int, cacheDictionary: Bool = true) throws(FormatError) -> Column {
        let c = footer.columns[column]
        let n = rowCount
        let scratch = DecodeScratch()
        let v = BlockVector()
        var validity: [UInt8]? = nil
        var ints: [Int64] = [], doubles: [Double] = [], bools: [UInt8] = []
        for b in 0..<blockCount {
            try decode(column: column, block: b, into: v, scratch: scratch)
            if v.hasNulls {
                if validity == nil { validity = [UInt8](repeating: 1, count: n) }
                let start = b * Int(footer.blockRows)
                for i in 0..<v.count { validity![start + i] = v.validity[i] }
            }
            switch c.type.physical {
            case .int64, .string: ints.append(contentsOf: v.ints[0..<v.count])
            case .double: doubles.append(contentsOf: v.doubles[0..<v.count])
            case .bool: bools.append(contentsOf: v.bools[0..<v.count])
            }
        }
        switch c.type.physical {
        case .int64: return Column(.int64(ints), validity: validity)
        case .double: return Column(.double(doubles), validity: validity)
        case .bool: return Column(.bool(bools), validity: validity)
        case .string:
            let d: StringDictionary
            if cacheDictionary {
                d = try dictionary(column: column)
            } else {
                lock.lock()
                let cached = dictionaries[column]
                lock.unlock()
                if let cached { d = cached } else { d = try loadDictionary(column: column, scratch: scratch) }
            }
            return Column(.string(codes: ints.map { UInt32(truncatingIfNeeded: $0) }, dictionary: d), validity: validity)
        }
    }
}
