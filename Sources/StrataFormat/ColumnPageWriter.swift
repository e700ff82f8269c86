import StrataCore

/// Encodes the pages of ONE column block by block (Format.md, "Column data"): a string
/// column's dictionary page first, then one page per block in row order. `SegmentWriter`
/// encodes whole in-memory columns with it; compaction feeds it one merged block at a time
/// (`SegmentStreamWriter`), so a column is never held decoded in full.
///
/// Per block: NULL slots take the previous valid value (so they do not widen ranges or break
/// runs), the integer / double / boolean codec picks the smallest encoding, and the page is
/// compressed when that pays. Values at NULL positions are ignored.
public final class ColumnPageWriter {
    let ctx = CodecContext()
    let spec: CodecSpec
    let physical: PhysicalType
    var bytes: [UInt8] = []
    var meta: ColumnMeta
    /// Rows appended so far.
    public private(set) var rows = 0
    private var page: [UInt8] = []
    private var scratchI: [Int64] = []
    private var scratchD: [Double] = []
    private var scratchB: [UInt8] = []

    public init(schema: ColumnSchema, spec: CodecSpec) {
        self.spec = spec
        physical = schema.type.physical
        meta = ColumnMeta(name: schema.name, type: schema.type, nullable: schema.nullable, codec: spec.codec,
                          storedBytes: 0, rawBytes: 0, dictionary: nil, blocks: [])
    }

    /// Encoded bytes so far (pages, compressed).
    public var encodedBytes: Int { bytes.count }

    func addPage(_ raw: [UInt8]) -> PageRef {
        let offset = UInt64(bytes.count)
        let compressed = raw.withUnsafeBytes { ctx.compress($0, spec) }
        let stored = compressed ?? raw
        let codec: Codec = compressed == nil ? .none : spec.codec
        bytes.append(contentsOf: stored)
        meta.storedBytes += UInt64(stored.count)
        meta.rawBytes += UInt64(raw.count)
        return PageRef(offset: offset, storedLength: UInt32(stored.count), rawLength: UInt32(raw.count),
                       codec: codec, crc32c: CRC32C.checksum(stored))
    }

    /// The dictionary page of a string column: `sorted` must be byte-wise ascending without
    /// duplicates, and the codes of the blocks index it. Called once, before any block.
    public func addDictionary(_ sorted: StringDictionary) {
        precondition(physical == .string && meta.dictionary == nil && meta.blocks.isEmpty)
        let (page, layout, entryLength) = SegmentWriter.encodeDictionary(sorted)
        let ref = addPage(page)
        meta.dictionary = DictionaryMeta(page: ref, entries: UInt32(sorted.count), layout: layout, entryLength: entryLength)
    }

    static func nullCount(_ validity: UnsafeBufferPointer<UInt8>?) -> Int {
        guard let validity else { return 0 }
        var nulls = 0
        for v in validity where v == 0 { nulls += 1 }
        return nulls
    }

    /// Copies `v` into `scratch`; where `validity` says NULL, the previous present value (the
    /// first present one before any) stands in, so NULL slots cost nothing in the encodings.
    @inline(__always)
    static func copyCarryingForward<T: Numeric>(_ v: UnsafeBufferPointer<T>, validity: UnsafeBufferPointer<UInt8>?, into scratch: inout [T]) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: v)
        guard let valid = validity else { return }
        var last: T = 0
        if let f = (0..<v.count).first(where: { valid[$0] != 0 }) { last = v[f] }
        for i in 0..<v.count {
            if valid[i] == 0 { scratch[i] = last } else { last = scratch[i] }
        }
    }

    func finishBlock(count: Int, nulls: Int, encoding: Encoding, lo: Int64, hi: Int64) {
        let ref = addPage(page)
        meta.blocks.append(BlockMeta(page: ref, encoding: encoding, nullCount: UInt32(nulls), minBits: lo, maxBits: hi))
        rows += count
    }

    /// The frame every block shares: the NULL count, the validity bitmap ahead of the values,
    /// the all-NULL block, the page and its metadata. `encode` writes the present values to the
    /// page and returns their encoding and min/max bits.
    @inline(__always)
    func addBlock(count: Int, validity: UnsafeBufferPointer<UInt8>?,
                  _ encode: (_ nulls: Int, _ page: inout [UInt8]) -> (Encoding, lo: Int64, hi: Int64)) {
        let nulls = Self.nullCount(validity)
        page.removeAll(keepingCapacity: true)
        var enc: Encoding = .allNull
        var lo: Int64 = 0, hi: Int64 = 0
        if nulls < count {
            if nulls > 0 { BoolCodec.appendBitmap(validity!, into: &page) }
            (enc, lo, hi) = encode(nulls, &page)
        }
        finishBlock(count: count, nulls: nulls, encoding: enc, lo: lo, hi: hi)
    }

    /// One block of an INTEGER-like column, or of a string column's codes (into the
    /// dictionary page). `validity` (1 = present) nil means no NULLs.
    public func addBlock(ints v: UnsafeBufferPointer<Int64>, validity: UnsafeBufferPointer<UInt8>?) {
        precondition(physical == .int64 || physical == .string)
        addBlock(count: v.count, validity: validity) { nulls, page in
            Self.copyCarryingForward(v, validity: nulls > 0 ? validity : nil, into: &scratchI)
            var lo = Int64.max, hi = Int64.min
            for x in scratchI { lo = min(lo, x); hi = max(hi, x) }
            return (scratchI.withUnsafeBufferPointer { IntCodec.encode($0, into: &page) }, lo, hi)
        }
    }

    /// One block of a DOUBLE column.
    public func addBlock(doubles v: UnsafeBufferPointer<Double>, validity: UnsafeBufferPointer<UInt8>?) {
        precondition(physical == .double)
        addBlock(count: v.count, validity: validity) { nulls, page in
            Self.copyCarryingForward(v, validity: nulls > 0 ? validity : nil, into: &scratchD)
            var dlo = Double.infinity, dhi = -Double.infinity
            for x in scratchD where !x.isNaN { dlo = min(dlo, x); dhi = max(dhi, x) }
            let enc = scratchD.withUnsafeBufferPointer { DoubleCodec.encode($0, into: &page) }
            return (enc, Int64(bitPattern: dlo.bitPattern), Int64(bitPattern: dhi.bitPattern))
        }
    }

    /// One block of a BOOLEAN column (0 = false, anything else = true).
    public func addBlock(bools v: UnsafeBufferPointer<UInt8>, validity: UnsafeBufferPointer<UInt8>?) {
        precondition(physical == .bool)
        addBlock(count: v.count, validity: validity) { nulls, page in
            scratchB.removeAll(keepingCapacity: true)
            scratchB.append(contentsOf: v)
            if nulls > 0 { for i in 0..<v.count where validity![i] == 0 { scratchB[i] = 0 } }
            var lo: Int64 = 1, hi: Int64 = 0
            for i in 0..<v.count where nulls == 0 || validity![i] != 0 {
                let b: Int64 = scratchB[i] != 0 ? 1 : 0
                lo = min(lo, b); hi = max(hi, b)
            }
            return (scratchB.withUnsafeBufferPointer { BoolCodec.encode($0, into: &page) }, lo, hi)
        }
    }

    /// The column's bytes and metadata (page offsets relative to the column's first byte).
    func finish() -> SegmentWriter.EncodedColumn {
        let out = SegmentWriter.EncodedColumn(bytes: bytes, meta: meta)
        bytes = []
        return out
    }
}
