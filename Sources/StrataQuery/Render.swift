import Foundation
import StrataFormat
import StrataText

// Text output (csv, tsv, json, ndjson) rendered straight from a result's typed columns to
// bytes: no boxed `Value`s, no `String` per cell. The text is byte for byte what the
// Value-based rendering of the CLI (`Output`) produces: cells as `Evaluator.text`, NULL
// empty (delimited) or `null` (JSON), strings quoted as RFC 4180 fields or JSON strings,
// dictionary entries that are not valid UTF-8 repaired as `String(decoding:)` repairs them.

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

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
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
    /// Whether this result still has the engine's typed columns (then `renderText` applies).
    public var hasTypedColumns: Bool { relation != nil }

    /// The whole text of this result in `layout` (header or brackets included) as byte chunks
    /// to be written in order, or nil when the result has no typed columns. Results of at
    /// least `minParallelRows` rows are rendered in `threads` row ranges concurrently.
    public func renderText(_ layout: TextLayout, threads: Int = 2, minParallelRows: Int = 16_384) -> [ByteChunk]? {
        guard let rel = relation else { return nil }
        if case .delimited(let d) = layout { precondition(d < 0x80, "the delimiter must be ASCII") }
        let r = TextRenderer(rel, names: names, layout: layout)
        defer { r.release() }
        return r.render(threads: threads, minParallelRows: minParallelRows)
    }

    /// `renderText(.delimited(delimiter))` as one byte array.
    public func renderDelimited(delimiter: UInt8) -> [UInt8]? {
        renderText(.delimited(delimiter)).map { ByteChunk.joined($0).bytes }
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
    }

    func free() {
        keys.deallocate()
        lengths.deallocate()
        text.deallocate()
    }

    @inline(__always) func append(_ x: Double, scratch: inout [UInt8], to sink: inout ByteSink) {
        let bits = x.bitPattern
        let h = Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - DoubleCache.slotBits))
        let t = text + h * DoubleCache.slotBytes
        if lengths[h] != 0 && keys[h] == bits {
            sink.append(t, Int(lengths[h]))
            return
        }
        scratch.removeAll(keepingCapacity: true)
        Values.appendDouble(x, to: &scratch)
        scratch.withUnsafeBufferPointer { b in
            sink.append(b.baseAddress!, b.count)
            if b.count <= DoubleCache.slotBytes {
                t.update(from: b.baseAddress!, count: b.count)
                keys[h] = bits
                lengths[h] = UInt8(b.count)
            }
        }
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
        /// Per dictionary entry, when rendered ahead: `offset << 25 | length << 1 | flag`, flag 0
        /// for bytes that go out as they are at `dictBytes + offset` (inside quotes for JSON),
        /// 1 for the entry's rendered text at `escBytes + offset`.
        var entries: UnsafePointer<UInt64>?
        var escBytes: UnsafePointer<UInt8>?
        var hexWords: UnsafePointer<Int64>?
        /// Bytes before the cell: the delimiter (none for the first column), or the JSON key.
        var prefix: UnsafePointer<UInt8>?
        var prefixCount: Int
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
                         dictOffsets: nil, entries: nil, escBytes: nil, hexWords: nil,
                         prefix: pin(prefix), prefixCount: prefix.count)
            switch v.type {
            case .null: p.kind = .null
            case .bigint: p.kind = .int; p.ints = pin(v.ints)
            case .double: p.kind = .double; p.dbls = pin(v.dbls)
            case .boolean: p.kind = .bool; p.ints = pin(v.ints)
            case .date: p.kind = .date; p.ints = pin(v.ints)
            case .timestamp: p.kind = .timestamp; p.ints = pin(v.ints)
            case .interval: p.kind = .generic
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
                        // render each entry once when there are no more entries than cells
                        if dict.count <= (v.isConst ? 1 : count) { prerender(dict, into: &p) }
                    }
                } else {
                    p.kind = .swiftString
                }
            }
            plans.append(p)
        }
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

    /// Renders every entry of `dict` that cannot go out as it is (needs quoting or escaping,
    /// or is not valid UTF-8) once, into the plan's `escBytes`, and makes the plan's entry
    /// table. Leaves the plan as it is for dictionaries too large for the table's fields.
    private func prerender(_ dict: StringDictionary, into p: inout Plan) {
        guard dict.bytes.count < 1 << 38 else { return }
        var entries = [UInt64](repeating: 0, count: dict.count)
        var esc = ByteSink(capacity: 256)
        var fits = true
        dict.bytes.withUnsafeBufferPointer { bytes in
            dict.offsets.withUnsafeBufferPointer { offs in
                guard let base = bytes.baseAddress else { return }
                for e in 0..<dict.count {
                    let lo = Int(offs[e]), n = Int(offs[e + 1]) - lo
                    if n >= 1 << 23 { fits = false; return }
                    var flags: UInt8 = 0
                    for k in 0..<n { flags |= classes[Int(base[lo + k])] }
                    if flags == 0 || (flags == 2 && TextRenderer.isValidUTF8(base + lo, n)) {
                        entries[e] = UInt64(lo) << 25 | UInt64(n) << 1
                        continue
                    }
                    let at = esc.count
                    appendText(base + lo, n, to: &esc)
                    let m = esc.count - at
                    if m >= 1 << 24 || at >= 1 << 38 { fits = false; return }
                    entries[e] = UInt64(at) << 25 | UInt64(m) << 1 | 1
                }
            }
        }
        allocations.append(UnsafeMutableRawPointer(esc.base))
        guard fits else { return }
        p.escBytes = UnsafePointer(esc.base)
        p.entries = pin(entries)
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

    /// Formatted date or timestamp, quoted as the layout needs.
    @inline(__always) func appendTime(_ t: inout TimeText, to sink: inout ByteSink) {
        withUnsafeBytes(of: &t.words) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if json {
                sink.reserve(t.count + 2)
                sink.append(0x22); sink.append(p, t.count); sink.append(0x22)
            } else if quoteTimes {
                appendValidText(p, t.count, special: hasSpecial(p, t.count), to: &sink)
            } else {
                sink.append(p, t.count)
            }
        }
    }

    @inline(__always) func time(_ x: Int64, date: Bool, cache: inout TimeCache, to sink: inout ByteSink) {
        if cache.haveLast && cache.lastKey == x {
            appendTime(&cache.last, to: &sink)
            return
        }
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
        appendTime(&t, to: &sink)
    }

    // MARK: - rows

    func render(threads: Int, minParallelRows: Int) -> [ByteChunk] {
        let parts = count >= max(minParallelRows, 2) && threads > 1 ? min(threads, count) : 1
        if parts == 1 { return [renderRows(0, count)] }
        let out = UnsafeMutableBufferPointer<ByteChunk?>.allocate(capacity: parts)
        out.initialize(repeating: nil)
        defer { out.deinitialize(); out.deallocate() }
        let job = RenderJob(renderer: self, out: out, parts: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { job.run($0) }
        return out.map { $0! }
    }

    /// Rows `lo..<hi`, with the document's start when `lo` is 0 and its end when `hi` is the
    /// row count.
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
        plans.withUnsafeBufferPointer { plans in
        rowStart.withUnsafeBufferPointer { rowStart in
        rowEnd.withUnsafeBufferPointer { rowEnd in
        nullText.withUnsafeBufferPointer { nullText in
        for i in lo..<hi {
            if json {
                if i == 0 && layout == .json {
                    sink.append(rowStart.baseAddress! + 1, rowStart.count - 1)
                } else {
                    sink.append(rowStart.baseAddress!, rowStart.count)
                }
            }
            for c in 0..<plans.count {
                let pl = plans[c]
                if pl.prefixCount > 0 { sink.append(pl.prefix!, pl.prefixCount) }
                let j = pl.isConst ? 0 : i
                if pl.kind == .null || (pl.valid != nil && pl.valid![j] == 0) {
                    if nullText.count > 0 { sink.append(nullText.baseAddress!, nullText.count) }
                    continue
                }
                switch pl.kind {
                case .null:
                    break
                case .int:
                    sink.reserve(Values.maxInt64Length)
                    sink.count += Values.writeInt64(pl.ints![j], to: sink.base + sink.count)
                case .double:
                    let x = pl.dbls![j]
                    let quote = json && !x.isFinite
                    if quote { sink.append(0x22) }
                    doubles.append(x, scratch: &scratch, to: &sink)
                    if quote { sink.append(0x22) }
                case .bool:
                    let t = pl.ints![j] != 0 ? trueText : falseText
                    sink.append(t)
                case .date:
                    time(pl.ints![j], date: true, cache: &caches[c], to: &sink)
                case .timestamp:
                    time(pl.ints![j], date: false, cache: &caches[c], to: &sink)
                case .dictString:
                    let e = Int(pl.ints![j])
                    if let entries = pl.entries {
                        let w = entries[e]
                        let at = Int(w >> 25), n = Int(w >> 1) & (1 << 24 - 1)
                        if w & 1 != 0 {
                            sink.append(pl.escBytes! + at, n)
                        } else if json {
                            sink.reserve(n + 2)
                            sink.append(0x22); sink.append(pl.dictBytes! + at, n); sink.append(0x22)
                        } else {
                            sink.append(pl.dictBytes! + at, n)
                        }
                    } else {
                        let lo = Int(pl.dictOffsets![e]), n = Int(pl.dictOffsets![e + 1]) - lo
                        appendText(pl.dictBytes! + lo, n, to: &sink)
                    }
                case .hexString:
                    let w = UInt64(bitPattern: pl.hexWords![Int(pl.ints![j])])
                    var digits: (UInt64, UInt64) = (0, 0)
                    withUnsafeMutableBytes(of: &digits) { raw in
                        let d = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                        for k in 0..<16 { d[k] = hex[Int((w >> UInt64(60 - 4 * k)) & 15)] }
                        if json {
                            sink.reserve(18)
                            sink.append(0x22); sink.append(d, 16); sink.append(0x22)
                        } else if quoteHex {
                            appendValidText(d, 16, special: hasSpecial(d, 16), to: &sink)
                        } else {
                            sink.append(d, 16)
                        }
                    }
                case .swiftString:
                    var s = strs[c][j]
                    s.withUTF8 { u in appendValidText(u.baseAddress, u.count, special: hasSpecial(u.baseAddress, u.count), to: &sink) }
                case .generic:
                    appendText(Evaluator.text(vecs[c].value(i)), to: &sink)
                }
            }
            sink.append(rowEnd.baseAddress!, rowEnd.count)
        }
        }
        }
        }
        }
        if hi == count { sink.append(docSuffix) }
        return sink.finish()
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

/// Carries the renderer into `DispatchQueue.concurrentPerform`: part `t` renders its row range
/// into `out[t]` (each part writes only its own slot).
private final class RenderJob: @unchecked Sendable {
    let renderer: TextRenderer
    let out: UnsafeMutableBufferPointer<ByteChunk?>
    let parts: Int

    init(renderer: TextRenderer, out: UnsafeMutableBufferPointer<ByteChunk?>, parts: Int) {
        self.renderer = renderer
        self.out = out
        self.parts = parts
    }

    func run(_ t: Int) {
        let n = renderer.count
        out[t] = renderer.renderRows(n * t / parts, n * (t + 1) / parts)
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
