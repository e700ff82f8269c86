import CZlib
import StrataCore
import StrataFormat

/// Encodes one column chunk (dictionary page, data pages, statistics, page index entries).
struct ChunkEncoder {
    let schema: ColumnSchema
    let options: ParquetWriteOptions
    let fileOffset: Int
    let path: String

    enum Values {
        case ints([Int64])
        case doubles([Double])
        case bools([UInt8])
        case strings(codes: [UInt32], dictionary: StringDictionary)
    }

    init(schema: ColumnSchema, options: ParquetWriteOptions, fileOffset: Int, path: String) {
        self.schema = schema
        self.options = options
        self.fileOffset = fileOffset
        self.path = path
    }

    func fail(_ message: String) -> ParquetError { ParquetError(.invalidArgument, message, file: path, column: schema.name) }

    // MARK: gathering the row group's values

    /// The parts' validity as one array (nil = no NULLs).
    func combinedValidity(_ parts: [Column], _ n: Int) -> [UInt8]? {
        guard parts.contains(where: { $0.validity?.contains(0) ?? false }) else { return nil }
        var v: [UInt8] = []
        v.reserveCapacity(n)
        for p in parts { if let pv = p.validity { v.append(contentsOf: pv) } else { v.append(contentsOf: repeatElement(1, count: p.count)) } }
        return v
    }

    /// The parts' values as one array; strings are re-coded into one byte-wise sorted
    /// dictionary of the entries this row group uses (work per distinct entry, integer work per row).
    func combinedValues(_ parts: [Column], _ n: Int, _ validity: [UInt8]?) throws(ParquetError) -> Values {
        switch schema.type.physical {
        case .int64:
            var a: [Int64] = []
            a.reserveCapacity(n)
            for p in parts { if case .int64(let v) = p.data { a.append(contentsOf: v) } }
            return .ints(a)
        case .double:
            var a: [Double] = []
            a.reserveCapacity(n)
            for p in parts { if case .double(let v) = p.data { a.append(contentsOf: v) } }
            return .doubles(a)
        case .bool:
            var a: [UInt8] = []
            a.reserveCapacity(n)
            for p in parts { if case .bool(let v) = p.data { a.append(contentsOf: v) } }
            return .bools(a)
        case .string:
            var interner = ByteInterner(capacity: 1024)
            var codes = [UInt32](repeating: 0, count: n)
            var at = 0
            for p in parts {
                guard case .string(let src, let dict) = p.data else { continue }
                let dc = dict.count
                var map = [UInt32](repeating: UInt32.max, count: dc)
                let valid = p.validity
                var bad = -1
                codes.withUnsafeMutableBufferPointer { out in
                    src.withUnsafeBufferPointer { s in
                        dict.bytes.withUnsafeBufferPointer { db in
                            dict.offsets.withUnsafeBufferPointer { off in
                                for i in 0..<s.count {
                                    if let valid, valid[i] == 0 { out[at + i] = 0; continue }
                                    let c = Int(s[i])
                                    guard c < dc else { bad = c; return }
                                    var m = map[c]
                                    if m == UInt32.max {
                                        let lo = Int(off[c]), hi = Int(off[c + 1])
                                        m = interner.intern(db.baseAddress.map { $0 + lo }, hi - lo)
                                        map[c] = m
                                    }
                                    out[at + i] = m
                                }
                            }
                        }
                    }
                }
                if bad >= 0 { throw fail("string code \(bad) outside its dictionary of \(dc)") }
                at += p.count
            }
            let used = interner.dictionary()
            let (sorted, remaps) = StringDictionary.union([used])
            let remap = remaps[0]
            if remap.enumerated().contains(where: { $0.offset != Int($0.element) }) {
                codes.withUnsafeMutableBufferPointer { out in
                    remap.withUnsafeBufferPointer { m in
                        for i in 0..<out.count where m.count > 0 { out[i] = m[Int(out[i])] }
                    }
                }
            }
            return .strings(codes: codes, dictionary: sorted)
        }
    }

    // MARK: encoding

    /// Encodes the chunk into `out`; returns its metadata and page index entries.
    func encode(_ parts: [Column], rows n: Int, into out: inout [UInt8]) throws(ParquetError) -> (ColumnMetaData, ColumnIndex?, OffsetIndex) {
        let validity = combinedValidity(parts, n)
        if validity != nil && !schema.nullable { throw fail("NULL in a column declared NOT NULL") }
        let values = try combinedValues(parts, n, validity)
        let physical = ParquetWriter.schemaElement(schema).type!
        if schema.type == .integer || schema.type == .date, case .ints(let v) = values {
            let range = Int64(Int32.min)...Int64(Int32.max)
            for i in 0..<v.count where !range.contains(v[i]) && validity.map({ $0[i] != 0 }) ?? true {
                throw fail("value \(v[i]) does not fit \(schema.type.sqlName) (32-bit)")
            }
        }

        var meta = ColumnMetaData()
        meta.type = physical
        meta.path = [schema.name]
        meta.codec = options.compression.codec.rawValue
        meta.numValues = Int64(n)
        var uncompressedTotal = 0
        let start = out.count
        var useDictionary = false
        var dictionaryBitWidth = 0
        var bytesPerRow = 8
        var encodings: [Int32] = [PEncoding.plain.rawValue, PEncoding.rle.rawValue]

        switch values {
        case .ints: bytesPerRow = physical == .int32 ? 4 : 8
        case .doubles: bytesPerRow = 8
        case .bools: bytesPerRow = 1
        case .strings(_, let dict):
            let dictBytes = dict.bytes.count + 4 * dict.count
            useDictionary = options.dictionary && dictBytes <= options.dictionaryPageSizeLimit
            if useDictionary {
                dictionaryBitWidth = max(1, BitPack.width(ofMax: UInt64(max(dict.count, 1) - 1)))
                bytesPerRow = (dictionaryBitWidth + 7) / 8 + 1
                encodings.append(PEncoding.rleDictionary.rawValue)
                // dictionary page: PLAIN entries
                var raw: [UInt8] = []
                raw.reserveCapacity(dictBytes)
                for i in 0..<dict.count {
                    let len = UInt32(dict.length(i))
                    withUnsafeBytes(of: len.littleEndian) { raw.append(contentsOf: $0) }
                    dict.withEntry(i) { raw.append(contentsOf: $0) }
                }
                var h = PageHeader()
                h.type = PPageType.dictionaryPage.rawValue
                h.dictionaryPage = DictionaryPageHeader(numValues: Int32(dict.count), encoding: PEncoding.plain.rawValue, isSorted: true)
                meta.dictionaryPageOffset = Int64(fileOffset + out.count)
                uncompressedTotal += try appendPage(&h, levels: [], values: raw, into: &out, v2: false)
            } else {
                bytesPerRow = dict.count > 0 ? dict.bytes.count / dict.count + 4 : 4
            }
        }
        if case .ints = values, options.integerEncoding == .deltaBinaryPacked { encodings.append(PEncoding.deltaBinaryPacked.rawValue) }
        meta.encodings = encodings
        let rowsPerPage = max(1, min(options.pageRowLimit, options.pageSizeLimit / max(1, bytesPerRow)))

        var chunkStats = PageStats()
        var columnIndex = ColumnIndex()
        var offsetIndex = OffsetIndex()
        var indexUsable = true
        var levels: [UInt8] = []
        var raw: [UInt8] = []
        var r0 = 0
        var firstDataPage = true
        while r0 < n {
            let r1 = min(n, r0 + rowsPerPage)
            // definition levels and the page's non-NULL rows
            var rowsValid: [Int] = []     // dense row indices, only when the page has NULLs
            var k = r1 - r0
            levels.removeAll(keepingCapacity: true)
            if schema.nullable {
                if let v = validity {
                    k = 0
                    for i in r0..<r1 where v[i] != 0 { k += 1 }
                    if k < r1 - r0 { rowsValid.reserveCapacity(k); for i in r0..<r1 where v[i] != 0 { rowsValid.append(i) } }
                    v.withUnsafeBufferPointer { Hybrid.encode(UnsafeBufferPointer(rebasing: $0[r0..<r1]), width: 1, into: &levels) }
                } else {
                    let ones = [UInt8](repeating: 1, count: r1 - r0)
                    ones.withUnsafeBufferPointer { Hybrid.encode($0, width: 1, into: &levels) }
                }
            }
            let dense = k < r1 - r0
            raw.removeAll(keepingCapacity: true)
            var stats = PageStats()
            switch values {
            case .ints(let v):
                let gathered: [Int64] = dense ? rowsValid.map { v[$0] } : []
                func emit(_ p: UnsafeBufferPointer<Int64>) {
                    if options.integerEncoding == .deltaBinaryPacked {
                        DeltaBinary.encode(p, int32: physical == .int32, into: &raw)
                    } else if physical == .int32 {
                        let at = raw.count
                        raw.append(contentsOf: repeatElement(0, count: 4 * p.count))
                        raw.withUnsafeMutableBytes { r in
                            for i in 0..<p.count { r.storeBytes(of: Int32(truncatingIfNeeded: p[i]).littleEndian, toByteOffset: at + 4 * i, as: Int32.self) }
                        }
                    } else {
                        raw.append(contentsOf: UnsafeRawBufferPointer(p))
                    }
                    stats.addInts(p)
                }
                if dense { gathered.withUnsafeBufferPointer(emit) } else { v.withUnsafeBufferPointer { emit(UnsafeBufferPointer(rebasing: $0[r0..<r1])) } }
            case .doubles(let v):
                let gathered: [Double] = dense ? rowsValid.map { v[$0] } : []
                func emit(_ p: UnsafeBufferPointer<Double>) {
                    raw.append(contentsOf: UnsafeRawBufferPointer(p))
                    stats.addDoubles(p)
                }
                if dense { gathered.withUnsafeBufferPointer(emit) } else { v.withUnsafeBufferPointer { emit(UnsafeBufferPointer(rebasing: $0[r0..<r1])) } }
            case .bools(let v):
                let page: [UInt8] = dense ? rowsValid.map { v[$0] } : Array(v[r0..<r1])
                page.withUnsafeBufferPointer { p in
                    var bits = [UInt8](repeating: 0, count: (p.count + 7) / 8)
                    for i in 0..<p.count where p[i] != 0 { bits[i >> 3] |= 1 << UInt8(i & 7) }
                    raw.append(contentsOf: bits)
                    if !p.isEmpty {
                        var lo: Int64 = 1, hi: Int64 = 0
                        for x in p { let b: Int64 = x != 0 ? 1 : 0; lo = min(lo, b); hi = max(hi, b) }
                        stats.minI = lo; stats.maxI = hi; stats.has = true
                    }
                }
            case .strings(let codes, let dict):
                let page: [UInt32] = dense ? rowsValid.map { codes[$0] } : Array(codes[r0..<r1])
                page.withUnsafeBufferPointer { p in
                    stats.addCodes(p)
                    if useDictionary {
                        raw.append(UInt8(dictionaryBitWidth))
                        Hybrid.encode(p, width: dictionaryBitWidth, into: &raw)
                    } else {
                        for c in p {
                            let len = UInt32(dict.length(Int(c)))
                            withUnsafeBytes(of: len.littleEndian) { raw.append(contentsOf: $0) }
                            dict.withEntry(Int(c)) { raw.append(contentsOf: $0) }
                        }
                    }
                }
            }
            stats.nulls = (r1 - r0) - k
            let (minB, maxB) = statBytes(stats, values, physical)
            var st: Statistics?
            if options.statistics {
                st = Statistics(nullCount: Int64(stats.nulls))
                st!.minValue = minB
                st!.maxValue = maxB
            }
            var h = PageHeader()
            var encoding = useDictionary ? PEncoding.rleDictionary.rawValue : PEncoding.plain.rawValue
            if case .ints = values, options.integerEncoding == .deltaBinaryPacked { encoding = PEncoding.deltaBinaryPacked.rawValue }
            let v2 = options.pageVersion == .v2
            if v2 {
                h.type = PPageType.dataPageV2.rawValue
                h.dataPageV2 = DataPageHeaderV2(numValues: Int32(r1 - r0), numNulls: Int32(stats.nulls), numRows: Int32(r1 - r0), encoding: encoding,
                                                definitionLevelsByteLength: Int32(levels.count), repetitionLevelsByteLength: 0,
                                                isCompressed: options.compression != .uncompressed, statistics: st)
            } else {
                h.type = PPageType.dataPage.rawValue
                h.dataPage = DataPageHeader(numValues: Int32(r1 - r0), encoding: encoding, definitionLevelEncoding: PEncoding.rle.rawValue,
                                            repetitionLevelEncoding: PEncoding.rle.rawValue, statistics: st)
            }
            let pageStart = out.count
            if firstDataPage { meta.dataPageOffset = Int64(fileOffset + pageStart); firstDataPage = false }
            uncompressedTotal += try appendPage(&h, levels: levels, values: raw, into: &out, v2: v2)
            offsetIndex.pageLocations.append(PageLocation(offset: Int64(fileOffset + pageStart), compressedPageSize: Int32(out.count - pageStart), firstRowIndex: Int64(r0)))
            columnIndex.nullPages.append(k == 0)
            columnIndex.nullCounts = (columnIndex.nullCounts ?? []) + [Int64(stats.nulls)]
            if k > 0 && minB == nil { indexUsable = false }
            columnIndex.minValues.append(minB ?? [])
            columnIndex.maxValues.append(maxB ?? [])
            chunkStats.merge(stats)
            r0 = r1
        }
        meta.totalCompressedSize = Int64(out.count - start)
        meta.totalUncompressedSize = Int64(uncompressedTotal)
        if options.statistics {
            let (minB, maxB) = statBytes(chunkStats, values, physical)
            var s = Statistics(nullCount: Int64(chunkStats.nulls))
            s.minValue = minB
            s.maxValue = maxB
            meta.statistics = s
        }
        columnIndex.boundaryOrder = chunkStats.boundaryOrder(columnIndex)
        let ci = options.pageIndex && options.statistics && indexUsable ? columnIndex : nil
        return (meta, ci, offsetIndex)
    }

    /// Appends header + (compressed) page; returns the uncompressed size (header included).
    func appendPage(_ h: inout PageHeader, levels: [UInt8], values: [UInt8], into out: inout [UInt8], v2: Bool) throws(ParquetError) -> Int {
        var body: [UInt8] = []
        let uncompressed: Int
        if v2 {
            body.reserveCapacity(levels.count + values.count / 2)
            body.append(contentsOf: levels)
            try withBytes(values) { (v) throws(ParquetError) in try PageCodec.compress(v, options.compression, into: &body) }
            uncompressed = levels.count + values.count
        } else {
            var raw: [UInt8] = []
            if !levels.isEmpty || schema.nullable && h.type == PPageType.dataPage.rawValue {
                raw.reserveCapacity(4 + levels.count + values.count)
                withUnsafeBytes(of: UInt32(levels.count).littleEndian) { raw.append(contentsOf: $0) }
                raw.append(contentsOf: levels)
                raw.append(contentsOf: values)
            } else { raw = values }
            try withBytes(raw) { (v) throws(ParquetError) in try PageCodec.compress(v, options.compression, into: &body) }
            uncompressed = raw.count
        }
        guard uncompressed <= Int(Int32.max), body.count <= Int(Int32.max) else { throw fail("page larger than 2 GiB") }
        h.uncompressedPageSize = Int32(uncompressed)
        h.compressedPageSize = Int32(body.count)
        if options.pageChecksums {
            h.crc = Int32(bitPattern: UInt32(truncatingIfNeeded: body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }))
        }
        var w = ThriftWriter()
        w.write(h)
        out.append(contentsOf: w.out)
        out.append(contentsOf: body)
        return w.out.count + uncompressed
    }

    func statBytes(_ s: PageStats, _ values: Values, _ physical: ParquetPhysicalType) -> ([UInt8]?, [UInt8]?) {
        guard s.has else { return (nil, nil) }
        switch values {
        case .ints:
            switch physical {
            case .int32: return (le(Int32(truncatingIfNeeded: s.minI)), le(Int32(truncatingIfNeeded: s.maxI)))
            case .boolean: return ([UInt8(s.minI)], [UInt8(s.maxI)])
            default: return (le(s.minI), le(s.maxI))
            }
        case .bools: return ([UInt8(s.minI)], [UInt8(s.maxI)])
        case .doubles:
            let lo = s.minD == 0 ? -0.0 : s.minD, hi = s.maxD == 0 ? 0.0 : s.maxD
            return (le(lo.bitPattern), le(hi.bitPattern))
        case .strings(_, let dict):
            return (dict.withEntry(Int(s.minI)) { Array($0) }, dict.withEntry(Int(s.maxI)) { Array($0) })
        }
    }

    func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

/// Running min/max (integers, string codes of a sorted dictionary, or doubles without NaN).
struct PageStats {
    var has = false
    var minI = Int64.max, maxI = Int64.min
    var minD = Double.infinity, maxD = -Double.infinity
    var nulls = 0
    // page bounds in order, for the column index's boundary order
    var pageMins: [Double] = []
    var pageMaxs: [Double] = []
    var pageIntMins: [Int64] = []
    var pageIntMaxs: [Int64] = []
    var isDouble = false

    mutating func addInts(_ p: UnsafeBufferPointer<Int64>) {
        guard !p.isEmpty else { return }
        var lo = minI, hi = maxI
        for x in p { lo = min(lo, x); hi = max(hi, x) }
        minI = lo; maxI = hi; has = true
    }

    mutating func addCodes(_ p: UnsafeBufferPointer<UInt32>) {
        guard !p.isEmpty else { return }
        var lo = UInt32.max, hi: UInt32 = 0
        for x in p { lo = min(lo, x); hi = max(hi, x) }
        minI = min(minI, Int64(lo)); maxI = max(maxI, Int64(hi)); has = true
    }

    mutating func addDoubles(_ p: UnsafeBufferPointer<Double>) {
        isDouble = true
        var lo = minD, hi = maxD, any = false
        for x in p where !x.isNaN { lo = min(lo, x); hi = max(hi, x); any = true }
        if any { minD = lo; maxD = hi; has = true }
    }

    /// Folds a page's statistics into the chunk's.
    mutating func merge(_ page: PageStats) {
        nulls += page.nulls
        isDouble = isDouble || page.isDouble
        guard page.has else { pageIntMins.append(0); pageIntMaxs.append(0); pageMins.append(.nan); pageMaxs.append(.nan); return }
        has = true
        minI = min(minI, page.minI); maxI = max(maxI, page.maxI)
        minD = min(minD, page.minD); maxD = max(maxD, page.maxD)
        pageIntMins.append(page.minI); pageIntMaxs.append(page.maxI)
        pageMins.append(page.minD); pageMaxs.append(page.maxD)
    }

    /// ASCENDING (1) / DESCENDING (2) when the non-null pages' bounds are ordered, else UNORDERED (0).
    func boundaryOrder(_ ci: ColumnIndex) -> Int32 {
        var asc = true, desc = true
        var prev: Int? = nil
        for p in 0..<ci.nullPages.count where !ci.nullPages[p] {
            if let q = prev {
                if isDouble {
                    if !(pageMins[p] >= pageMins[q] && pageMaxs[p] >= pageMaxs[q]) { asc = false }
                    if !(pageMins[p] <= pageMins[q] && pageMaxs[p] <= pageMaxs[q]) { desc = false }
                } else {
                    if !(pageIntMins[p] >= pageIntMins[q] && pageIntMaxs[p] >= pageIntMaxs[q]) { asc = false }
                    if !(pageIntMins[p] <= pageIntMins[q] && pageIntMaxs[p] <= pageIntMaxs[q]) { desc = false }
                }
            }
            prev = p
        }
        return asc ? 1 : desc ? 2 : 0
    }
}
