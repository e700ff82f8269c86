import CStrataKernels
import Foundation
import StrataCore
import StrataFormat
import StrataText

// Text output (csv, tsv, json, ndjson) rendered straight from a result's typed columns to
// bytes: no boxed `Value`s, no `String` per cell. Cells are the text of `Evaluator.text`, NULL
// empty (delimited) or `null` (JSON), strings quoted as RFC 4180 fields or JSON strings,
// dictionary entries that are not valid UTF-8 repaired as `String(decoding:)` repairs them.
// A value-by-value oracle in the CLI tests (`ValueRenderingOracle`) checks it byte for byte.

/// Layouts of `ResultSet.renderText`.
public enum TextLayout: Sendable, Equatable {
    /// A header line of the names, then one line per row; fields separated by the delimiter
    /// (an ASCII byte) and quoted (`"`, quotes doubled) when they hold the delimiter, a quote, CR or LF.
    case delimited(UInt8)
    /// A JSON array with one object per row, one row per line.
    case json
    /// One JSON object per row and line.
    case ndjson
}

/// An owned, immutable block of bytes: one piece of rendered output.
public final class ByteChunk: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer?
    public let count: Int

    /// Takes ownership of `base` (from `malloc`/`realloc`).
    init(taking base: UnsafeMutableRawPointer?, count: Int) {
        self.base = base
        self.count = count
    }

    public convenience init(_ bytes: [UInt8]) {
        let p = malloc(max(bytes.count, 1))!
        bytes.withUnsafeBytes { if let src = $0.baseAddress { p.copyMemory(from: src, byteCount: $0.count) } }
        self.init(taking: p, count: bytes.count)
    }

    deinit { free(base) }

    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: count > 0 ? base : nil, count: count))
    }

    public var bytes: [UInt8] { withUnsafeBytes { [UInt8]($0) } }

    /// The chunks' bytes in order, as one chunk (one copy).
    public static func joined(_ chunks: [ByteChunk]) -> ByteChunk {
        if chunks.count == 1 { return chunks[0] }
        let total = chunks.reduce(0) { $0 + $1.count }
        let p = malloc(max(total, 1))!
        var at = 0
        for c in chunks {
            c.withUnsafeBytes { if let src = $0.baseAddress { (p + at).copyMemory(from: src, byteCount: $0.count) } }
            at += c.count
        }
        return ByteChunk(taking: p, count: total)
    }
}

extension ResultSet {
    /// Whether this result still has the engine's typed columns (else `renderText` first
    /// builds typed columns from the values).
    public var hasTypedColumns: Bool { relation != nil }

    /// The whole text of this result in `layout` (header or brackets included) as byte chunks
    /// to be written in order: the one renderer of csv, tsv, json and ndjson output. Results
    /// of at least `minParallelRows` rows are rendered in `threads` row ranges concurrently.
    public func renderText(_ layout: TextLayout, threads: Int = 2, minParallelRows: Int = 16_384) -> [ByteChunk] {
        if case .delimited(let d) = layout { precondition(d < 0x80, "the delimiter must be ASCII") }
        let r = TextRenderer(relation ?? Relation(self), names: names, layout: layout)
        defer { r.release() }
        return r.render(threads: threads, minParallelRows: minParallelRows)
    }
}

/// A growable malloc'ed byte buffer; `finish` hands it over as a `ByteChunk`.
struct ByteSink {
    var base: UnsafeMutablePointer<UInt8>
    var count = 0
    var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 256)
        base = malloc(self.capacity)!.assumingMemoryBound(to: UInt8.self)
    }

    @inline(__always) mutating func reserve(_ n: Int) {
        if _slowPath(count + n > capacity) { grow(count + n) }
    }

    @inline(never) mutating func grow(_ need: Int) {
        var c = capacity * 2
        while c < need { c *= 2 }
        base = realloc(base, c)!.assumingMemoryBound(to: UInt8.self)
        capacity = c
    }

    @inline(__always) mutating func append(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    @inline(__always) mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        if n <= 16 {
            for k in 0..<n { base[count + k] = p[k] }
        } else {
            (base + count).update(from: p, count: n)
        }
        count += n
    }

    mutating func append(_ a: [UInt8]) {
        a.withUnsafeBufferPointer { if let p = $0.baseAddress { append(p, $0.count) } }
    }

    func finish() -> ByteChunk { ByteChunk(taking: UnsafeMutableRawPointer(base), count: count) }
}

/// Formatted text of a date or timestamp (at most `Civil.maxFormattedLength` = 40 bytes).
struct TimeText {
    var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
    var count = 0
}

/// Per-column memo of formatted dates or timestamps: the last value, then a table.
struct TimeCache {
    var lastKey: Int64 = 0
    var last = TimeText()
    var haveLast = false
    var table: [Int64: TimeText] = [:]
    var limit: Int
}

/// Recently formatted doubles (`Values.appendDouble`), direct-mapped by bit pattern: measures
/// such as rates repeat a lot. One per row range, shared by its columns.
struct DoubleCache {
    static let slotBits = 12
    static let slotBytes = 32
    let keys: UnsafeMutablePointer<UInt64>
    /// Text length per slot; 0 = empty.
    let lengths: UnsafeMutablePointer<UInt8>
    let text: UnsafeMutablePointer<UInt8>

    init() {
        keys = .allocate(capacity: 1 << DoubleCache.slotBits)
        lengths = .allocate(capacity: 1 << DoubleCache.slotBits)
        lengths.initialize(repeating: 0, count: 1 << DoubleCache.slotBits)
        text = .allocate(capacity: DoubleCache.slotBytes << DoubleCache.slotBits)
        text.initialize(repeating: 0, count: DoubleCache.slotBytes << DoubleCache.slotBits)
    }

    func free() {
        keys.deallocate()
        lengths.deallocate()
        text.deallocate()
    }

    /// Writes the text of `x` (`Values.appendDouble`) at `out` and moves `out` past it: at most
    /// 24 bytes, but up to 32 are stored, so `out` needs room for 32. Cached text is copied as
    /// whole words; other values are formatted through `scratch` and cached.
    @inline(__always) func write(_ x: Double, scratch: inout [UInt8], to out: inout UnsafeMutablePointer<UInt8>) {
        let bits = x.bitPattern
        let h = Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - DoubleCache.slotBits))
        let slot = text + h * DoubleCache.slotBytes
        if lengths[h] == 0 || keys[h] != bits {
            scratch.removeAll(keepingCapacity: true)
            Values.appendDouble(x, to: &scratch)
            // the shortest round-trip form: "-" digits "." "e-" exponent, within a slot
            precondition(scratch.count <= DoubleCache.slotBytes, "formatted double longer than a cache slot")
            scratch.withUnsafeBufferPointer { b in slot.update(from: b.baseAddress!, count: b.count) }
            keys[h] = bits
            lengths[h] = UInt8(scratch.count)
        }
        let src = UnsafeRawPointer(slot), dst = UnsafeMutableRawPointer(out)
        for k in 0..<4 { dst.storeBytes(of: src.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self), toByteOffset: 8 * k, as: UInt64.self) }
        out += Int(lengths[h])
    }
}

final class TextRenderer {
    enum Kind: UInt8 { case null, int, double, bool, date, timestamp, dictString, hexString, swiftString, generic }

    /// Raw pointers only, so the row loop does no reference counting; the buffers they point
    /// into are held by `keep`.
    struct Plan {
        var kind: Kind
        var isConst: Bool
        var valid: UnsafePointer<UInt8>?
        var ints: UnsafePointer<Int64>?
        var dbls: UnsafePointer<Double>?
        var dictBytes: UnsafePointer<UInt8>?
        var dictOffsets: UnsafePointer<UInt32>?
        /// Per rendered dictionary entry (`codes` index it): `offset << 24 | length` of the
        /// entry's text at `escBytes + offset`.
        var entries: UnsafePointer<UInt64>?
        var codes: UnsafePointer<UInt32>?
        var escBytes: UnsafePointer<UInt8>?
        var hexWords: UnsafePointer<Int64>?
        /// Bytes before the cell: the delimiter (none for the first column), or the JSON key.
        var prefix: UnsafePointer<UInt8>?
        var prefixCount: Int
        /// Most bytes a cell of this column takes after its prefix (NULL included), or -1 when
        /// unbounded (such cells reserve room for themselves).
        var bound: Int = -1
    }

    let layout: TextLayout
    let count: Int
    let json: Bool
    let delimiter: UInt8
    var plans: [Plan] = []
    var vecs: [Vec] = []
    /// Buffers the plans point into.
    var keep: [Any] = []
    var allocations: [UnsafeMutableRawPointer] = []
    /// Byte classes: bit 0 = must be quoted (delimited) or escaped (JSON), bit 1 = not ASCII.
    let classes: UnsafeMutablePointer<UInt8>
    /// Delimited output quotes dates, timestamps or hex ids when the delimiter can occur in them.
    let quoteTimes: Bool
    let quoteHex: Bool
    var trueText: [UInt8] = []
    var falseText: [UInt8] = []
    /// Room one row needs in the output, bounded cells and row delimiters (cells of unbounded
    /// columns reserve their own).
    var rowBound = 0
    var nullText: [UInt8] = []
    var docPrefix: [UInt8] = []
    var docSuffix: [UInt8] = []

    init(_ rel: Relation, names: [String], layout: TextLayout) {
        self.layout = layout
        let cols = rel.columns
        switch layout {
        case .delimited(let d): json = false; delimiter = d
        case .json, .ndjson: json = true; delimiter = 0
        }
        classes = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        classes.initialize(repeating: 0, count: 256)
        for b in 0x80..<256 { classes[b] = 2 }
        if json {
            for b in 0..<0x20 { classes[b] = 1 }
            classes[0x22] = 1; classes[0x5C] = 1
        } else {
            classes[Int(delimiter)] |= 1; classes[0x22] = 1; classes[0x0A] = 1; classes[0x0D] = 1
        }
        quoteTimes = !json && Array("0123456789-: .".utf8).contains(delimiter)
        quoteHex = !json && Array("0123456789abcdef".utf8).contains(delimiter)
        // JSON pairs zip names with columns; delimited rows have every column
        let ncols = json ? min(names.count, cols.count) : cols.count
        count = cols.isEmpty ? 0 : rel.count

        var t = ByteSink(capacity: 16), f = ByteSink(capacity: 16)
        if json {
            t.append(Array("true".utf8)); f.append(Array("false".utf8))
            nullText = Array("null".utf8)
        } else {
            appendText("true", to: &t); appendText("false", to: &f)
        }
        trueText = [UInt8](UnsafeBufferPointer(start: t.base, count: t.count))
        falseText = [UInt8](UnsafeBufferPointer(start: f.base, count: f.count))
        free(t.base); free(f.base)

        switch layout {
        case .delimited(let d):
            let sep = Character(UnicodeScalar(d))
            docPrefix = Array((names.map { CSVText.field($0, delimiter: sep) }.joined(separator: String(sep)) + "\n").utf8)
        case .json:
            docPrefix = Array("[".utf8)
            docSuffix = Array((count == 0 ? "]\n" : "\n]\n").utf8)
        case .ndjson:
            break
        }

        // dictionary columns by dictionary: their entries are rendered once (`prerender`)
        var shared: [ObjectIdentifier: (DictRef, [Int])] = [:]
        for c in 0..<ncols {
            let v = cols[c]
            vecs.append(v)
            var prefix: [UInt8] = []
            if json {
                var k = ByteSink(capacity: 64)
                if c > 0 { k.append(0x2C); k.append(0x20) }
                appendText(names[c], to: &k)
                k.append(0x3A); k.append(0x20)
                prefix = [UInt8](UnsafeBufferPointer(start: k.base, count: k.count))
                free(k.base)
            } else if c > 0 {
                prefix = [delimiter]
            }
            var p = Plan(kind: .generic, isConst: v.isConst, valid: pin(v.valid), ints: nil, dbls: nil, dictBytes: nil,
                         dictOffsets: nil, entries: nil, codes: nil, escBytes: nil, hexWords: nil,
                         prefix: pin(prefix), prefixCount: prefix.count)
            switch v.type {
            case .null: p.kind = .null
            case .bigint: p.kind = .int; p.ints = pin(v.ints)
            case .double: p.kind = .double; p.dbls = pin(v.dbls)
            case .boolean: p.kind = .bool; p.ints = pin(v.ints)
            case .date: p.kind = .date; p.ints = pin(v.ints)
            case .timestamp: p.kind = .timestamp; p.ints = pin(v.ints)
            case .interval, .list: p.kind = .generic
            case .varchar:
                if let d = v.dict {
                    p.ints = pin(v.ints)
                    if let hw = d.hexWords {
                        p.kind = .hexString
                        p.hexWords = pin(hw)
                    } else {
                        p.kind = .dictString
                        let dict = d.dict
                        p.dictBytes = pin(dict.bytes)
                        p.dictOffsets = pin(dict.offsets)
                        shared[ObjectIdentifier(d), default: (d, [])].1.append(c)
                    }
                } else {
                    p.kind = .swiftString
                }
            }
            plans.append(p)
        }
        for (d, columns) in shared.values.sorted(by: { $0.1[0] < $1.1[0] }) {
            // worth it while the dictionary is not much larger than the cells that use it
            let cells = columns.reduce(0) { $0 + (vecs[$1].isConst ? 1 : count) }
            if d.count <= 4 * cells + 4096 { prerender(d.dict, columns: columns) }
        }
        for c in plans.indices {
            var p = plans[c]
            switch p.kind {
            case .null: p.bound = 0
            case .int: p.bound = Values.maxInt64Length
            case .double: p.bound = DoubleCache.slotBytes + 2
            case .bool: p.bound = max(trueText.count, falseText.count)
            case .date, .timestamp: p.bound = 2 * Civil.maxFormattedLength + 2
            case .hexString: p.bound = 2 * 16 + 2
            case .dictString, .swiftString, .generic: break
            }
            if p.bound >= 0 { p.bound = max(p.bound, nullText.count) }
            plans[c] = p
        }
        // row start and end (at most 5 bytes), and slack for whole-word copies
        rowBound = plans.reduce(64) { $0 + $1.prefixCount + max($1.bound, 0) + 16 }
    }

    /// Frees what the renderer allocated (the chunks it returned stay valid).
    func release() {
        classes.deallocate()
        for a in allocations { free(a) }
        allocations.removeAll()
        keep.removeAll()
    }

    /// A pointer to `a`'s elements, valid while the renderer holds `a` (in `keep`).
    private func pin<T>(_ a: [T]?) -> UnsafePointer<T>? {
        guard let a else { return nil }
        keep.append(a)
        return a.withUnsafeBufferPointer { $0.baseAddress }
    }

    /// Renders the entries of `dict` that cells of `columns` use, once each and as they go
    /// out (quoted, escaped, repaired), into one buffer (followed by 16 spare bytes, so cells
    /// copy whole words), in entry order; the columns' codes are renumbered to index the
    /// rendered entries, which keeps the table the row loop reads as small as the entries in
    /// use. Leaves the plans as they are for entries too large for the table's fields.
    private func prerender(_ dict: StringDictionary, columns: [Int]) {
        let n = dict.count
        var renumbered = [UInt32](repeating: UInt32.max, count: n)
        for c in columns {
            let v = vecs[c], rows = v.isConst ? min(count, 1) : count, valid = v.valid
            v.ints.withUnsafeBufferPointer { codes in
                for i in 0..<rows where valid == nil || valid![i] != 0 { renumbered[Int(codes[i])] = 0 }
            }
        }
        var entries: [UInt64] = []
        var esc = ByteSink(capacity: 4096)
        var longest = 0
        dict.bytes.withUnsafeBufferPointer { bytes in
            dict.offsets.withUnsafeBufferPointer { offs in
                for e in 0..<n where renumbered[e] == 0 {
                    let lo = Int(offs[e]), len = Int(offs[e + 1]) - lo
                    renumbered[e] = UInt32(entries.count)
                    let at = esc.count
                    appendText(bytes.baseAddress! + lo, len, to: &esc)
                    let m = esc.count - at
                    entries.append(UInt64(at) << 24 | UInt64(m))
                    longest = max(longest, m)
                }
            }
        }
        esc.reserve(16)
        allocations.append(UnsafeMutableRawPointer(esc.base))
        guard longest < 1 << 24 && esc.count < 1 << 40 else { return }
        let table = pin(entries), text = UnsafePointer(esc.base)
        for c in columns {
            let v = vecs[c], rows = v.isConst ? min(count, 1) : count, valid = v.valid
            var codes = [UInt32](repeating: 0, count: rows)
            v.ints.withUnsafeBufferPointer { src in
                for i in 0..<rows where valid == nil || valid![i] != 0 { codes[i] = renumbered[Int(src[i])] }
            }
            plans[c].codes = pin(codes)
            plans[c].entries = table
            plans[c].escBytes = text
            plans[c].bound = longest
        }
    }

    // MARK: - text

    /// `s` (valid UTF-8) as a field or JSON string.
    func appendText(_ s: String, to sink: inout ByteSink) {
        var s = s
        s.withUTF8 { u in appendValidText(u.baseAddress, u.count, special: hasSpecial(u.baseAddress, u.count), to: &sink) }
    }

    @inline(__always) func hasSpecial(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
        var flags: UInt8 = 0
        for k in 0..<n { flags |= classes[Int(p![k])] }
        return flags & 1 != 0
    }

    /// Bytes of a string as a field or JSON string; bytes that are not valid UTF-8 are
    /// repaired first (each maximal invalid sequence becomes U+FFFD, as `String(decoding:)`).
    func appendText(_ p: UnsafePointer<UInt8>?, _ n: Int, to sink: inout ByteSink) {
        var flags: UInt8 = 0
        for k in 0..<n { flags |= classes[Int(p![k])] }
        if flags & 2 != 0 && !TextRenderer.isValidUTF8(p!, n) {
            appendText(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self), to: &sink)
            return
        }
        appendValidText(p, n, special: flags & 1 != 0, to: &sink)
    }

    func appendValidText(_ p: UnsafePointer<UInt8>?, _ n: Int, special: Bool, to sink: inout ByteSink) {
        if json {
            sink.append(0x22)
            if !special {
                if n > 0 { sink.append(p!, n) }
            } else {
                sink.reserve(n + 16)
                for k in 0..<n {
                    let b = p![k]
                    switch b {
                    case 0x22: sink.append(0x5C); sink.append(0x22)
                    case 0x5C: sink.append(0x5C); sink.append(0x5C)
                    case 0x0A: sink.append(0x5C); sink.append(0x6E)
                    case 0x0D: sink.append(0x5C); sink.append(0x72)
                    case 0x09: sink.append(0x5C); sink.append(0x74)
                    case 0..<0x20:
                        let hex: [UInt8] = Array("0123456789abcdef".utf8)
                        for x in [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]] as [UInt8] { sink.append(x) }
                    default: sink.append(b)
                    }
                }
            }
            sink.append(0x22)
        } else if !special {
            if n > 0 { sink.append(p!, n) }
        } else {
            sink.reserve(n + 2)
            sink.append(0x22)
            for k in 0..<n {
                let b = p![k]
                if b == 0x22 { sink.append(0x22) }
                sink.append(b)
            }
            sink.append(0x22)
        }
    }

    /// Formatted date or timestamp at `out` (the 40 bytes of its words are stored, then `out`
    /// moves past the text and any quotes).
    @inline(__always) func time(_ x: Int64, date: Bool, cache: inout TimeCache, to out: inout UnsafeMutablePointer<UInt8>) {
        if !(cache.haveLast && cache.lastKey == x) {
            var t: TimeText
            if let hit = cache.table[x] {
                t = hit
            } else {
                t = TimeText()
                t.count = withUnsafeMutableBytes(of: &t.words) { raw in
                    let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    return date ? Civil.writeDate(x, to: p) : Civil.writeTimestamp(x, to: p)
                }
                if cache.table.count < cache.limit { cache.table[x] = t }
            }
            cache.lastKey = x
            cache.last = t
            cache.haveLast = true
        }
        let n = cache.last.count
        // the text holds no quote: quoting just wraps it
        let quote = json || (quoteTimes && withUnsafeBytes(of: &cache.last.words) { hasSpecial($0.baseAddress!.assumingMemoryBound(to: UInt8.self), n) })
        if quote { out[0] = 0x22; out += 1 }
        let w = cache.last.words, dst = UnsafeMutableRawPointer(out)
        dst.storeBytes(of: w.0, toByteOffset: 0, as: UInt64.self)
        dst.storeBytes(of: w.1, toByteOffset: 8, as: UInt64.self)
        dst.storeBytes(of: w.2, toByteOffset: 16, as: UInt64.self)
        dst.storeBytes(of: w.3, toByteOffset: 24, as: UInt64.self)
        dst.storeBytes(of: w.4, toByteOffset: 32, as: UInt64.self)
        out += n
        if quote { out[0] = 0x22; out += 1 }
    }

    // MARK: - rows

    func render(threads: Int, minParallelRows: Int) -> [ByteChunk] {
        let parts = count >= max(minParallelRows, 2) && threads > 1 ? min(threads, count) : 1
        if parts == 1 { return [renderRows(0, count)] }
        let out = UnsafeMutableBufferPointer<ByteChunk?>.allocate(capacity: parts)
        out.initialize(repeating: nil)
        defer { out.deinitialize(); out.deallocate() }
        let n = count
        ParallelWork.forEach(parts, workers: parts) { t, _ in out[t] = self.renderRows(n * t / parts, n * (t + 1) / parts) }
        return out.map { $0! }
    }

    /// Rows `lo..<hi`, with the document's start when `lo` is 0 and its end when `hi` is the
    /// row count. The row loop writes through a local cursor (`base`, `pos`) after reserving
    /// `rowBound` bytes per row; only cells of unbounded columns go through the sink.
    func renderRows(_ lo: Int, _ hi: Int) -> ByteChunk {
        var sink = ByteSink(capacity: max(4096, (hi - lo) * max(plans.count, 1) * 12))
        if lo == 0 { sink.append(docPrefix) }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(32)
        var caches = plans.map { TimeCache(limit: $0.kind == .timestamp ? 1 << 16 : Int.max) }
        let doubles = DoubleCache()
        defer { doubles.free() }
        let rowStart: [UInt8] = layout == .ndjson ? [0x7B] : Array(",\n  {".utf8)
        let rowEnd: [UInt8] = layout == .ndjson ? [0x7D, 0x0A] : (json ? [0x7D] : [0x0A])
        let hex = Array("0123456789abcdef".utf8)
        let strs = vecs.map { $0.type == .varchar && $0.dict == nil ? $0.strs : [] }
        let rowBound = self.rowBound
        plans.withUnsafeBufferPointer { plans in
        rowStart.withUnsafeBufferPointer { rowStart in
        rowEnd.withUnsafeBufferPointer { rowEnd in
        nullText.withUnsafeBufferPointer { nullText in
        hex.withUnsafeBufferPointer { hex in
        var base = sink.base, pos = sink.count, capacity = sink.capacity
        for i in lo..<hi {
            if _slowPath(pos + rowBound > capacity) {
                sink.count = pos
                sink.grow(pos + rowBound)
                base = sink.base; capacity = sink.capacity
            }
            if i & 7 == 0 && i + 64 < hi {
                // the columns are read row by row, a stream each: fetch them ahead
                for c in 0..<plans.count where !plans[c].isConst {
                    let pl = plans[c]
                    if let p = pl.codes { strata_prefetch(p + i + 64) }
                    if let p = pl.ints { strata_prefetch(p + i + 64) }
                    if let p = pl.dbls { strata_prefetch(p + i + 64) }
                }
            }
            var out = base + pos
            if json {
                if i == 0 && layout == .json {
                    TextRenderer.put(rowStart.baseAddress! + 1, rowStart.count - 1, &out)
                } else {
                    TextRenderer.put(rowStart.baseAddress!, rowStart.count, &out)
                }
            }
            for c in 0..<plans.count {
                let pl = plans[c]
                if pl.prefixCount > 0 { TextRenderer.put(pl.prefix!, pl.prefixCount, &out) }
                let j = pl.isConst ? 0 : i
                if pl.kind == .null || (pl.valid != nil && pl.valid![j] == 0) {
                    if nullText.count > 0 { TextRenderer.put(nullText.baseAddress!, nullText.count, &out) }
                    continue
                }
                switch pl.kind {
                case .int:
                    out += Values.writeInt64(pl.ints![j], to: out)
                case .dictString where pl.entries != nil:
                    let w = pl.entries![Int(pl.codes![j])]
                    TextRenderer.copyWords(pl.escBytes! + Int(w >> 24), Int(w & (1 << 24 - 1)), &out)
                case .double:
                    let x = pl.dbls![j]
                    let quote = json && !x.isFinite
                    if quote { out[0] = 0x22; out += 1 }
                    doubles.write(x, scratch: &scratch, to: &out)
                    if quote { out[0] = 0x22; out += 1 }
                case .date:
                    time(pl.ints![j], date: true, cache: &caches[c], to: &out)
                case .timestamp:
                    time(pl.ints![j], date: false, cache: &caches[c], to: &out)
                case .hexString:
                    let w = UInt64(bitPattern: pl.hexWords![Int(pl.ints![j])])
                    var digits: (UInt64, UInt64) = (0, 0)
                    withUnsafeMutableBytes(of: &digits) { raw in
                        let d = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                        for k in 0..<16 { d[k] = hex[Int((w >> UInt64(60 - 4 * k)) & 15)] }
                        if json || (quoteHex && hasSpecial(d, 16)) {
                            // hex digits hold no quote: quoting just wraps them
                            out[0] = 0x22
                            TextRenderer.put(d, 16, &out, at: 1)
                            out[0] = 0x22
                            out += 1
                        } else {
                            TextRenderer.put(d, 16, &out)
                        }
                    }
                case .bool:
                    let t = pl.ints![j] != 0 ? trueText : falseText
                    t.withUnsafeBufferPointer { TextRenderer.put($0.baseAddress!, $0.count, &out) }
                case .null:
                    break
                case .dictString, .swiftString, .generic:
                    // unbounded: through the sink, which may move the buffer
                    sink.count = out - base
                    switch pl.kind {
                    case .dictString:
                        let e = Int(pl.ints![j])
                        let lo = Int(pl.dictOffsets![e]), n = Int(pl.dictOffsets![e + 1]) - lo
                        appendText(pl.dictBytes! + lo, n, to: &sink)
                    case .swiftString:
                        var s = strs[c][j]
                        s.withUTF8 { u in appendValidText(u.baseAddress, u.count, special: hasSpecial(u.baseAddress, u.count), to: &sink) }
                    default:
                        appendText(Evaluator.text(vecs[c].value(i)), to: &sink)
                    }
                    sink.reserve(rowBound)
                    base = sink.base; capacity = sink.capacity
                    out = base + sink.count
                }
            }
            TextRenderer.put(rowEnd.baseAddress!, rowEnd.count, &out)
            pos = out - base
        }
        sink.count = pos
        }
        }
        }
        }
        }
        if hi == count { sink.append(docSuffix) }
        return sink.finish()
    }

    /// Copies `n` bytes to `out` in 16-byte steps and moves `out` past them: up to 15 bytes
    /// past the end are read (the source has spare bytes) and written (the next cell or the
    /// row's slack).
    @inline(__always) static func copyWords(_ p: UnsafePointer<UInt8>, _ n: Int, _ out: inout UnsafeMutablePointer<UInt8>) {
        let s = UnsafeRawPointer(p), d = UnsafeMutableRawPointer(out)
        var k = 0
        repeat {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: k, as: UInt64.self), toByteOffset: k, as: UInt64.self)
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: k + 8, as: UInt64.self), toByteOffset: k + 8, as: UInt64.self)
            k += 16
        } while k < n
        out += n
    }

    /// Copies `n` bytes to `out + at` and moves `out` past them (`at` bytes already written).
    @inline(__always) static func put(_ p: UnsafePointer<UInt8>, _ n: Int, _ out: inout UnsafeMutablePointer<UInt8>, at: Int = 0) {
        let d = out + at
        if n <= 16 {
            for k in 0..<n { d[k] = p[k] }
        } else {
            d.update(from: p, count: n)
        }
        out = d + n
    }

    // MARK: - helpers

    /// Whether `p[0..<n]` is well-formed UTF-8 (shortest forms, no surrogates, at most U+10FFFF).
    static func isValidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            if b < 0xC2 { return false }
            if b < 0xE0 {
                guard i + 1 < n, p[i + 1] & 0xC0 == 0x80 else { return false }
                i += 2
            } else if b < 0xF0 {
                guard i + 2 < n else { return false }
                let b1 = p[i + 1], b2 = p[i + 2]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return false }
                if b == 0xE0 && b1 < 0xA0 { return false }
                if b == 0xED && b1 > 0x9F { return false }
                i += 3
            } else if b < 0xF5 {
                guard i + 3 < n else { return false }
                let b1 = p[i + 1], b2 = p[i + 2], b3 = p[i + 3]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 else { return false }
                if b == 0xF0 && b1 < 0x90 { return false }
                if b == 0xF4 && b1 > 0x8F { return false }
                i += 4
            } else {
                return false
            }
        }
        return true
    }

}

/// CSV/TSV text of one field.
public enum CSVText {
    /// `s` quoted when it holds the delimiter, a quote, CR or LF; quotes doubled (character by
    /// character).
    public static func field(_ s: String, delimiter: Character) -> String {
        let d = delimiter.asciiValue ?? 44
        var needsQuotes = false
        for b in s.utf8 where b == d || b == 34 || b == 10 || b == 13 {
            needsQuotes = true
            break
        }
        guard needsQuotes else { return s }
        var out = "\""
        for ch in s {
            if ch == "\"" { out += "\"\"" } else { out.append(ch) }
        }
        return out + "\""
    }
}
