import CZlib
import StrataCore
import StrataFormat
import StrataText

extension ParquetFile {
    /// Decodes column `column` (an index into `columns`) of row group `rowGroup` into a Strata
    /// column of `rowGroups[rowGroup].rowCount` rows. Strings come back as codes into a
    /// dictionary built from the chunk's dictionary page (no per-row string work when every
    /// page is dictionary-encoded). Safe to call concurrently for different chunks.
    public func readColumn(rowGroup: Int, column: Int) throws(ParquetError) -> Column {
        let c = try readableColumn(rowGroup: rowGroup, column: column)
        do throws(ParquetError) {
            return try readChunk(rowGroup, c)
        } catch {
            throw error.with(file: path, rowGroup: rowGroup, column: c.name)
        }
    }

    /// Column `column` of row group `rowGroup`, checked: both in range, and a flat column
    /// this reader decodes (else the error names the column and why).
    func readableColumn(rowGroup: Int, column: Int) throws(ParquetError) -> ParquetColumn {
        guard rowGroup >= 0, rowGroup < rowGroups.count else {
            throw ParquetError(.invalidArgument, "row group \(rowGroup) out of range (0..<\(rowGroups.count))", file: path)
        }
        guard column >= 0, column < columns.count else {
            throw ParquetError(.invalidArgument, "column \(column) out of range (0..<\(columns.count))", file: path, rowGroup: rowGroup)
        }
        let c = columns[column]
        guard c.type != nil, c.leaf >= 0 else {
            throw ParquetError(.unsupported, c.unsupportedReason ?? "unsupported column", file: path, rowGroup: rowGroup, column: c.name)
        }
        return c
    }

    /// Reads the column named `name` (see `columnIndex(named:)`).
    public func readColumn(rowGroup: Int, name: String) throws(ParquetError) -> Column {
        guard let i = columnIndex(named: name) else { throw ParquetError(.invalidArgument, "no column named '\(name)'", file: path, rowGroup: rowGroup) }
        return try readColumn(rowGroup: rowGroup, column: i)
    }

    /// Every page of the chunk (`readChunk(_:_:counts:want:)` in PageSelection.swift).
    func readChunk(_ g: Int, _ c: ParquetColumn) throws(ParquetError) -> Column {
        var counts = PageCounts()
        return try readChunk(g, c, counts: &counts, want: { _, _ in true })
    }
}

/// Decodes the pages of one column chunk into Strata arrays.
final class ChunkDecoder {
    let c: ParquetColumn
    let rows: Int
    let codec: Int32
    var rowsDone = 0
    let physical: ParquetPhysicalType

    // output (one of these is used)
    var ints: [Int64] = []
    var doubles: [Double] = []
    var bools: [UInt8] = []
    var codes: [UInt32] = []
    var validity: [UInt8]?

    // dictionary (converted values)
    var hasDictionary = false
    var dictInts: [Int64] = []
    var dictDoubles: [Double] = []
    var dictBools: [UInt8] = []
    var dictCodes: [UInt32] = []
    var dictCount = 0

    var interner = ByteInterner(capacity: 256)
    /// Hex mode (HexChunk.swift): string values as the 64-bit words of 16-hex-digit ids,
    /// one per row, instead of interned codes; `notHex` once a value is not such an id.
    var hexWords: [Int64]?
    var dictHex: [Int64] = []
    var notHex = false
    var scratch: [UInt8] = []       // decompressed page
    var indices: [UInt32] = []
    var rawInts: [Int64] = []
    var spanBytes: [UInt8] = []
    var starts: [Int] = []
    var lens: [Int] = []
    let divisor: Double
    let output: Output

    enum Output { case ints, doubles, bools, codes }

    init(column: ParquetColumn, rows: Int, codec: Int32, hex: Bool = false) {
        c = column
        self.rows = rows
        self.codec = codec
        physical = column.physicalType!
        switch column.conversion {
        case .bool: output = .bools; bools = [UInt8](repeating: 0, count: rows)
        case .float, .double, .decimal: output = .doubles; doubles = [Double](repeating: 0, count: rows)
        case .string where hex: output = .codes; hexWords = [Int64](repeating: 0, count: rows)
        case .string: output = .codes; codes = [UInt32](repeating: 0, count: rows)
        default: output = .ints; ints = [Int64](repeating: 0, count: rows)
        }
        if case .decimal(let s) = column.conversion { divisor = pow10(s) } else { divisor = 1 }
        // (a nullable column's validity is made on its first NULL or skipped page: levelsSeen)
    }

    func finish() -> Column {
        let data: ColumnData
        switch output {
        case .ints: data = .int64(ints)
        case .doubles: data = .double(doubles)
        case .bools: data = .bool(bools)
        case .codes: data = .string(codes: codes, dictionary: interner.dictionary())
        }
        var v = validity
        if let vv = v, !vv.contains(0) { v = nil }
        return Column(data, validity: v)
    }

    /// The page's bytes after decompression (into `scratch`, padded) or `body` itself.
    func decompressed(_ body: PageBytes, size: Int32, codec: Int32) throws(ParquetError) -> PageBytes {
        let n = Int(size)
        guard n >= 0 else { throw .corrupt("negative page size") }
        if codec == PCodec.uncompressed.rawValue {
            guard n == body.count else { throw .corrupt("uncompressed page of \(body.count) bytes, header says \(n)") }
            return body
        }
        // bound the allocation a corrupt size can cause: past 256 MiB, a page must be within
        // zstd's largest expansion (a 3-byte RLE block per 128 KiB) of its compressed size
        guard n <= 1 << 28 || n / 40_000 <= body.count else { throw .corrupt("page claims \(n) bytes from \(body.count) compressed") }
        if scratch.count < n + 8 { scratch = [UInt8](repeating: 0, count: n + 8) }
        try withMutableBytes(&scratch) { (s) throws(ParquetError) in
            try PageCodec.decompress(UnsafeRawBufferPointer(start: body.base, count: body.count), codec: codec,
                                     into: UnsafeMutableRawBufferPointer(rebasing: s[0..<n]))
            s.storeBytes(of: 0, toByteOffset: n, as: UInt64.self)
        }
        return scratch.withUnsafeBufferPointer { PageBytes(base: $0.baseAddress!, count: n) }
    }

    func page(_ h: PageHeader, _ body: PageBytes) throws(ParquetError) {
        switch PPageType(rawValue: h.type) {
        case .dictionaryPage?:
            guard let d = h.dictionaryPage else { throw .corrupt("dictionary page without its header") }
            guard !hasDictionary else { throw .corrupt("second dictionary page in a column chunk") }
            guard d.encoding == PEncoding.plain.rawValue || d.encoding == PEncoding.plainDictionary.rawValue else {
                throw .unsupported("dictionary page encoding \(d.encoding)")
            }
            guard d.numValues >= 0 else { throw .corrupt("negative dictionary size") }
            let data = try decompressed(body, size: h.uncompressedPageSize, codec: codec)
            try loadDictionary(data, Int(d.numValues))
        case .dataPage?:
            guard let d = h.dataPage else { throw .corrupt("data page without its header") }
            let n = Int(d.numValues)
            guard n >= 0, n <= rows - rowsDone else { throw .corrupt("data page holds \(d.numValues) values, \(rows - rowsDone) rows left") }
            let data = try decompressed(body, size: h.uncompressedPageSize, codec: codec)
            var cur = ByteCursor(data)
            var nonNull = n
            if c.nullable {
                guard d.definitionLevelEncoding == PEncoding.rle.rawValue else { throw .unsupported("definition level encoding \(d.definitionLevelEncoding)") }
                let len = Int(try cur.u32le())
                let at = try cur.take(len)
                var lc = ByteCursor(data, from: at, to: at + len)
                nonNull = try levels(&lc, n)
            }
            try values(d.encoding, &cur, data, count: nonNull, rows: n)
            rowsDone += n
        case .dataPageV2?:
            guard let d = h.dataPageV2 else { throw .corrupt("data page v2 without its header") }
            let n = Int(d.numValues)
            guard n >= 0, n <= rows - rowsDone, d.numRows == d.numValues, d.numNulls >= 0, d.numNulls <= d.numValues else {
                throw .corrupt("data page v2 counts (\(d.numValues) values, \(d.numRows) rows, \(d.numNulls) nulls) do not fit")
            }
            let rl = Int(d.repetitionLevelsByteLength), dl = Int(d.definitionLevelsByteLength)
            guard rl == 0, dl >= 0, dl <= body.count else { throw .corrupt("data page v2 level lengths do not fit the page") }
            var nonNull = n
            if c.nullable {
                var lc = ByteCursor(body, from: 0, to: dl)
                nonNull = try levels(&lc, n)
                guard nonNull == n - Int(d.numNulls) else { throw .corrupt("data page v2 null count differs from its levels") }
            } else if d.numNulls != 0 { throw .corrupt("NULLs in a required column") }
            let valuesBody = PageBytes(base: body.base + dl, count: body.count - dl)
            let data = try decompressed(valuesBody, size: h.uncompressedPageSize - Int32(dl), codec: d.isCompressed ? codec : PCodec.uncompressed.rawValue)
            var cur = ByteCursor(data)
            try values(d.encoding, &cur, data, count: nonNull, rows: n)
            rowsDone += n
        case .indexPage?:
            break
        case nil:
            throw .corrupt("unknown page type \(h.type)")
        }
    }

    /// Decodes `n` definition levels (max 1) into `validity[rowsDone...]`; returns the non-NULL count.
    /// While every row so far is present, `validity` stays nil (no array filled per row).
    func levels(_ cur: inout ByteCursor, _ n: Int) throws(ParquetError) -> Int {
        // one RLE run of 1s over the page (no NULL): nothing to decode
        var peek = cur
        if n > 0, let h = try? peek.uleb(), h & 1 == 0, h >> 1 >= UInt64(n), peek.pos < peek.end, peek.base[peek.pos] == 1 {
            if validity != nil { validity!.withUnsafeMutableBufferPointer { v in (v.baseAddress! + rowsDone).update(repeating: 1, count: n) } }
            return n
        }
        if indices.count < n { indices = [UInt32](repeating: 0, count: n) }
        try indices.withUnsafeMutableBufferPointer { (ix) throws(ParquetError) in try Hybrid.decode(&cur, width: 1, count: n, into: ix.baseAddress!) }
        if validity == nil {
            var ones = 0
            indices.withUnsafeBufferPointer { ix in for i in 0..<n { ones += Int(ix[i] & 1) } }
            if ones == n { return n }
            materializeValidity()
        }
        var count = 0
        let o = rowsDone
        indices.withUnsafeBufferPointer { ix in
            validity!.withUnsafeMutableBufferPointer { v in
                for i in 0..<n {
                    let x = UInt8(truncatingIfNeeded: ix[i])
                    v[o + i] = x
                    count += Int(x)
                }
            }
        }
        return count
    }

    /// The validity array, made when the first NULL (or skipped page) shows up: the rows
    /// decoded before were all present.
    func materializeValidity() {
        guard validity == nil else { return }
        var v = [UInt8](repeating: 0, count: rows)
        if rowsDone > 0 { v.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 1, count: rowsDone) } }
        validity = v
    }

    /// Passes over `n` rows left undecoded (zero, and NULL in a nullable column).
    func skip(_ n: Int) {
        if c.nullable { materializeValidity() }
        rowsDone += n
    }

    // MARK: values

    func values(_ encoding: Int32, _ cur: inout ByteCursor, _ data: PageBytes, count k: Int, rows n: Int) throws(ParquetError) {
        let o = rowsDone
        guard let enc = PEncoding(rawValue: encoding) else { throw .unsupported("unknown encoding \(encoding)") }
        if enc == .plainDictionary || enc == .rleDictionary {
            guard hasDictionary else { throw .corrupt("dictionary-encoded page without a dictionary page") }
            let width = Int(try cur.byte())
            guard width <= 32 else { throw .corrupt("dictionary index bit width \(width)") }
            if indices.count < k { indices = [UInt32](repeating: 0, count: k) }
            let dc = UInt32(truncatingIfNeeded: dictCount)
            try indices.withUnsafeMutableBufferPointer { (ix) throws(ParquetError) in
                try Hybrid.decode(&cur, width: width, count: k, into: ix.baseAddress!)
                var mx: UInt32 = 0
                for i in 0..<k { mx = max(mx, ix[i]) }
                if k > 0 && mx >= dc { throw .corrupt("dictionary index \(mx) out of range (dictionary of \(dictCount))") }
            }
            switch output {
            case .ints: gather(dictInts, into: &ints, at: o, k)
            case .doubles: gather(dictDoubles, into: &doubles, at: o, k)
            case .bools: gather(dictBools, into: &bools, at: o, k)
            case .codes where hexWords != nil: gather(dictHex, into: &hexWords!, at: o, k)
            case .codes: gather(dictCodes, into: &codes, at: o, k)
            }
        } else {
            switch output {
            case .ints:
                try ints.withUnsafeMutableBufferPointer { (p) throws(ParquetError) in try decodeInts(enc, &cur, k, into: p.baseAddress! + o) }
            case .doubles:
                try doubles.withUnsafeMutableBufferPointer { (p) throws(ParquetError) in try decodeDoubles(enc, &cur, k, into: p.baseAddress! + o) }
            case .bools:
                try bools.withUnsafeMutableBufferPointer { (p) throws(ParquetError) in try decodeBools(enc, &cur, k, into: p.baseAddress! + o) }
            case .codes where hexWords != nil:
                try hexValues(enc, &cur, k, at: o)
            case .codes:
                try spans(enc, &cur, k) { (base, st, ln) throws(ParquetError) in
                    var bad = -1
                    codes.withUnsafeMutableBufferPointer { p in
                        for i in 0..<k {
                            // validation runs once per distinct string
                            guard let code = interner.intern(base + st[i], ln[i], admit: { UTF8Validation.isValid($0, $1) }) else { bad = i; return }
                            p[o + i] = code
                        }
                    }
                    if bad >= 0 { throw .corrupt("invalid UTF-8 in a string value of the page starting at row \(rowsDone) (Strata strings are UTF-8)") }
                }
            }
        }
        if k < n {
            switch output {
            case .ints: expand(&ints, at: o, n, k, zero: 0)
            case .doubles: expand(&doubles, at: o, n, k, zero: 0)
            case .bools: expand(&bools, at: o, n, k, zero: 0)
            case .codes where hexWords != nil: expand(&hexWords!, at: o, n, k, zero: 0)
            case .codes: expand(&codes, at: o, n, k, zero: 0)
            }
        }
    }

    func gather<T>(_ dict: [T], into out: inout [T], at o: Int, _ k: Int) {
        dict.withUnsafeBufferPointer { d in
            indices.withUnsafeBufferPointer { ix in
                out.withUnsafeMutableBufferPointer { p in
                    for i in 0..<k { p[o + i] = d[Int(ix[i])] }
                }
            }
        }
    }

    /// Spreads `k` dense values at `o` over the `n` rows at `o` following `validity`.
    func expand<T>(_ a: inout [T], at o: Int, _ n: Int, _ k: Int, zero: T) {
        validity!.withUnsafeBufferPointer { v in
            a.withUnsafeMutableBufferPointer { p in
                var j = o + k - 1
                var i = o + n - 1
                while i >= o {
                    if v[i] != 0 { p[i] = p[j]; j -= 1 } else { p[i] = zero }
                    i -= 1
                }
            }
        }
    }

    func loadDictionary(_ data: PageBytes, _ n: Int) throws(ParquetError) {
        var cur = ByteCursor(data)
        hasDictionary = true
        dictCount = n
        switch output {
        case .ints:
            dictInts = [Int64](repeating: 0, count: n)
            try dictInts.withUnsafeMutableBufferPointer { (p) throws(ParquetError) in try decodeInts(.plain, &cur, n, into: p.baseAddress!) }
        case .doubles:
            dictDoubles = [Double](repeating: 0, count: n)
            try dictDoubles.withUnsafeMutableBufferPointer { (p) throws(ParquetError) in try decodeDoubles(.plain, &cur, n, into: p.baseAddress!) }
        case .bools:
            dictBools = [UInt8](repeating: 0, count: n)
            try dictBools.withUnsafeMutableBufferPointer { (p) throws(ParquetError) in try decodeBools(.plain, &cur, n, into: p.baseAddress!) }
        case .codes where hexWords != nil:
            dictHex = [Int64](repeating: 0, count: n)
            try spans(.plain, &cur, n) { (base, st, ln) throws(ParquetError) in
                for i in 0..<n {
                    guard ln[i] == 16, let w = HexWord.parse16(base + st[i]) else { throw notHexError() }
                    dictHex[i] = Int64(bitPattern: w)
                }
            }
        case .codes:
            dictCodes = [UInt32](repeating: 0, count: n)
            try spans(.plain, &cur, n) { (base, st, ln) throws(ParquetError) in
                for i in 0..<n {
                    guard let code = interner.intern(base + st[i], ln[i], admit: { UTF8Validation.isValid($0, $1) }) else {
                        throw .corrupt("invalid UTF-8 in dictionary entry \(i) (Strata strings are UTF-8)")
                    }
                    dictCodes[i] = code
                }
            }
        }
    }

    // MARK: typed decoders (dense, `k` values)

    func decodeInts(_ enc: PEncoding, _ cur: inout ByteCursor, _ k: Int, into dst: UnsafeMutablePointer<Int64>) throws(ParquetError) {
        switch (enc, physical) {
        case (.plain, .int32):
            let at = try cur.take(k * 4)
            let raw = UnsafeRawPointer(cur.base + at)
            for i in 0..<k { dst[i] = Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
        case (.plain, .int64):
            let at = try cur.take(k * 8)
            if k > 0 { UnsafeMutableRawPointer(dst).copyMemory(from: cur.base + at, byteCount: k * 8) }
        case (.plain, .int96):
            let at = try cur.take(k * 12)
            let raw = UnsafeRawPointer(cur.base + at)
            var overflow = false
            for i in 0..<k {
                let nanos = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 12 * i, as: Int64.self))
                let julian = Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 12 * i + 8, as: Int32.self)))
                let (days, o1) = (julian - 2_440_588).multipliedReportingOverflow(by: 86_400_000_000)
                let (v, o2) = days.addingReportingOverflow(nanos / 1000)
                overflow = overflow || o1 || o2
                dst[i] = v
            }
            if overflow { throw .corrupt("INT96 timestamp out of range") }
            return
        case (.deltaBinaryPacked, .int32), (.deltaBinaryPacked, .int64):
            let v = try DeltaBinary.decode(&cur, expect: k)
            if physical == .int32 {
                for i in 0..<k { dst[i] = Int64(Int32(truncatingIfNeeded: v[i])) }
            } else {
                v.withUnsafeBufferPointer { s in if k > 0 { dst.update(from: s.baseAddress!, count: k) } }
            }
        case (.byteStreamSplit, .int32):
            let at = try cur.take(k * 4)
            let p = cur.base + at
            for i in 0..<k {
                let u = UInt32(p[i]) | UInt32(p[k + i]) << 8 | UInt32(p[2 * k + i]) << 16 | UInt32(p[3 * k + i]) << 24
                dst[i] = Int64(Int32(bitPattern: u))
            }
        case (.byteStreamSplit, .int64):
            let at = try cur.take(k * 8)
            let p = cur.base + at
            for i in 0..<k {
                var u: UInt64 = 0
                for b in 0..<8 { u |= UInt64(p[b * k + i]) << UInt64(8 * b) }
                dst[i] = Int64(bitPattern: u)
            }
        default:
            throw .unsupported("encoding \(enc) for \(physical) values")
        }
        try convertInts(dst, k)
    }

    func convertInts(_ dst: UnsafeMutablePointer<Int64>, _ k: Int) throws(ParquetError) {
        switch c.conversion {
        case .uint32:
            for i in 0..<k { dst[i] &= 0xFFFF_FFFF }
        case .uint64:
            var neg = false
            for i in 0..<k { neg = neg || dst[i] < 0 }
            if neg { throw .unsupported("UINT64 value above the BIGINT range") }
        case .scaled(let mul, let div):
            if mul != 1 {
                var overflow = false
                for i in 0..<k {
                    let (m, o) = dst[i].multipliedReportingOverflow(by: mul)
                    dst[i] = m
                    overflow = overflow || o
                }
                if overflow { throw .unsupported("timestamp out of the microsecond range") }
            }
            if div != 1 {
                for i in 0..<k {
                    let v = dst[i]
                    let q = v / div
                    dst[i] = (v % div != 0 && v < 0) ? q - 1 : q
                }
            }
        default: break
        }
    }

    func decodeDoubles(_ enc: PEncoding, _ cur: inout ByteCursor, _ k: Int, into dst: UnsafeMutablePointer<Double>) throws(ParquetError) {
        if case .decimal = c.conversion {
            switch physical {
            case .int32, .int64:
                if rawInts.count < k { rawInts = [Int64](repeating: 0, count: k) }
                try rawInts.withUnsafeMutableBufferPointer { (r) throws(ParquetError) in
                    try decodeInts(enc, &cur, k, into: r.baseAddress!)
                    for i in 0..<k { dst[i] = Double(r[i]) / divisor }
                }
            default:
                let d = divisor
                try spans(enc, &cur, k) { (base, st, ln) throws(ParquetError) in
                    for i in 0..<k {
                        guard ln[i] > 0, ln[i] <= 64 else { throw .corrupt("decimal of \(ln[i]) bytes") }
                        dst[i] = decimalBE(base + st[i], ln[i], 0) / d
                    }
                }
            }
            return
        }
        switch (enc, physical) {
        case (.plain, .double):
            let at = try cur.take(k * 8)
            if k > 0 { UnsafeMutableRawPointer(dst).copyMemory(from: cur.base + at, byteCount: k * 8) }
        case (.plain, .float):
            let at = try cur.take(k * 4)
            let raw = UnsafeRawPointer(cur.base + at)
            for i in 0..<k { dst[i] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
        case (.byteStreamSplit, .float):
            let at = try cur.take(k * 4)
            let p = cur.base + at
            for i in 0..<k {
                let u = UInt32(p[i]) | UInt32(p[k + i]) << 8 | UInt32(p[2 * k + i]) << 16 | UInt32(p[3 * k + i]) << 24
                dst[i] = Double(Float(bitPattern: u))
            }
        case (.byteStreamSplit, .double):
            let at = try cur.take(k * 8)
            let p = cur.base + at
            for i in 0..<k {
                var u: UInt64 = 0
                for b in 0..<8 { u |= UInt64(p[b * k + i]) << UInt64(8 * b) }
                dst[i] = Double(bitPattern: u)
            }
        default:
            throw .unsupported("encoding \(enc) for \(physical) values")
        }
    }

    func decodeBools(_ enc: PEncoding, _ cur: inout ByteCursor, _ k: Int, into dst: UnsafeMutablePointer<UInt8>) throws(ParquetError) {
        switch enc {
        case .plain:
            let at = try cur.take((k + 7) / 8)
            let p = cur.base + at
            for i in 0..<k { dst[i] = (p[i >> 3] >> UInt8(i & 7)) & 1 }
        case .rle:
            let len = Int(try cur.u32le())
            let at = try cur.take(len)
            var rc = ByteCursor(PageBytes(base: cur.base, count: cur.end), from: at, to: at + len)
            if indices.count < k { indices = [UInt32](repeating: 0, count: k) }
            try indices.withUnsafeMutableBufferPointer { (ix) throws(ParquetError) in
                try Hybrid.decode(&rc, width: 1, count: k, into: ix.baseAddress!)
                for i in 0..<k { dst[i] = UInt8(truncatingIfNeeded: ix[i]) }
            }
        default:
            throw .unsupported("encoding \(enc) for BOOLEAN values")
        }
    }

    /// Locates `k` byte-array values (BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY) and calls `body`
    /// once with their base, starts and lengths.
    func spans(_ enc: PEncoding, _ cur: inout ByteCursor, _ k: Int,
               _ body: (UnsafePointer<UInt8>, [Int], [Int]) throws(ParquetError) -> Void) throws(ParquetError) {
        starts.removeAll(keepingCapacity: true)
        lens.removeAll(keepingCapacity: true)
        starts.reserveCapacity(k)
        lens.reserveCapacity(k)
        let fixed = physical == .fixedLenByteArray ? c.typeLength : -1
        switch enc {
        case .plain:
            if fixed >= 0 {
                let at = try cur.take(k * fixed)
                for i in 0..<k { starts.append(at + i * fixed); lens.append(fixed) }
            } else {
                guard k <= cur.remaining / 4 else { throw .corrupt("page too short for \(k) strings") }
                let base = cur.base
                var pos = cur.pos
                let end = cur.end
                for _ in 0..<k {
                    guard end - pos >= 4 else { throw .corrupt("string length beyond the page") }
                    let n = Int(UInt32(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt32.self)))
                    pos += 4
                    guard n <= end - pos else { throw .corrupt("string of \(n) bytes beyond the page") }
                    starts.append(pos); lens.append(n)
                    pos += n
                }
                cur.pos = pos
            }
            try body(cur.base, starts, lens)
        case .deltaLengthByteArray:
            guard fixed < 0 else { throw .unsupported("DELTA_LENGTH_BYTE_ARRAY for fixed-length values") }
            let ls = try DeltaBinary.decode(&cur, expect: k)
            var pos = cur.pos
            for i in 0..<k {
                let n = ls[i]
                guard n >= 0, n <= Int64(cur.end - pos) else { throw .corrupt("string of \(n) bytes beyond the page") }
                starts.append(pos); lens.append(Int(n))
                pos += Int(n)
            }
            cur.pos = pos
            try body(cur.base, starts, lens)
        case .deltaByteArray:
            let prefixes = try DeltaBinary.decode(&cur, expect: k)
            let suffixes = try DeltaBinary.decode(&cur, expect: k)
            spanBytes.removeAll(keepingCapacity: true)
            var pos = cur.pos
            var prevStart = 0, prevLen = 0
            for i in 0..<k {
                let p = prefixes[i], s = suffixes[i]
                guard p >= 0, p <= Int64(prevLen), s >= 0, s <= Int64(cur.end - pos) else { throw .corrupt("DELTA_BYTE_ARRAY prefix/suffix out of range") }
                let start = spanBytes.count
                if p > 0 { spanBytes.append(contentsOf: spanBytes[prevStart..<(prevStart + Int(p))]) }
                spanBytes.append(contentsOf: UnsafeBufferPointer(start: cur.base + pos, count: Int(s)))
                pos += Int(s)
                prevStart = start
                prevLen = Int(p + s)
                if fixed >= 0 && prevLen != fixed { throw .corrupt("fixed-length value of \(prevLen) bytes") }
                starts.append(start); lens.append(prevLen)
            }
            cur.pos = pos
            spanBytes.append(contentsOf: repeatElement(0, count: 8))
            try spanBytes.withUnsafeBufferPointer { (b) throws(ParquetError) in try body(b.baseAddress!, starts, lens) }
        case .byteStreamSplit:
            guard fixed > 0 else { throw .unsupported("BYTE_STREAM_SPLIT for variable-length values") }
            let at = try cur.take(k * fixed)
            spanBytes = [UInt8](repeating: 0, count: k * fixed + 8)
            for i in 0..<k { for b in 0..<fixed { spanBytes[i * fixed + b] = cur.base[at + b * k + i] } }
            for i in 0..<k { starts.append(i * fixed); lens.append(fixed) }
            try spanBytes.withUnsafeBufferPointer { (b) throws(ParquetError) in try body(b.baseAddress!, starts, lens) }
        default:
            throw .unsupported("encoding \(enc) for byte-array values")
        }
    }
}
