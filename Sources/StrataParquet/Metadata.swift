// The parquet.thrift structures Strata reads and writes, with their compact-protocol
// encoding and decoding. Field ids follow apache/parquet-format's parquet.thrift; fields
// Strata does not use are skipped on read and not written.

/// Physical types (parquet.thrift `Type`).
public enum ParquetPhysicalType: Int32, Sendable {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
}

/// Page and value encodings (parquet.thrift `Encoding`).
enum PEncoding: Int32 {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5
    case deltaLengthByteArray = 6, deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9
}

/// Compression codecs (parquet.thrift `CompressionCodec`).
enum PCodec: Int32 {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7
}

enum PPageType: Int32 { case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3 }

/// Converted (legacy) type annotations.
enum ConvertedType: Int32 {
    case utf8 = 0, map = 1, mapKeyValue = 2, list = 3, enumType = 4, decimal = 5, date = 6
    case timeMillis = 7, timeMicros = 8, timestampMillis = 9, timestampMicros = 10
    case uint8 = 11, uint16 = 12, uint32 = 13, uint64 = 14, int8 = 15, int16 = 16, int32 = 17, int64 = 18
    case json = 19, bson = 20, interval = 21
}

enum TimeUnit: Sendable { case millis, micros, nanos }

/// The `LogicalType` union (only the members Strata maps; others are `.other`).
enum LogicalType {
    case string, map, list, enumType, decimal(scale: Int32, precision: Int32), date
    case time(utc: Bool, unit: TimeUnit), timestamp(utc: Bool, unit: TimeUnit)
    case integer(bits: Int8, signed: Bool), unknown, json, bson, uuid, float16, other(Int16)
}

struct SchemaElement {
    var type: ParquetPhysicalType?
    var typeLength: Int32?
    var repetition: Int32?      // 0 required, 1 optional, 2 repeated
    var name: String = ""
    var numChildren: Int32?
    var convertedType: ConvertedType?
    var scale: Int32?
    var precision: Int32?
    var fieldID: Int32?
    var logicalType: LogicalType?
}

struct Statistics {
    var max: [UInt8]?
    var min: [UInt8]?
    var nullCount: Int64?
    var distinctCount: Int64?
    var maxValue: [UInt8]?
    var minValue: [UInt8]?
}

struct ColumnMetaData {
    var type: ParquetPhysicalType = .int32
    var encodings: [Int32] = []
    var path: [String] = []
    var codec: Int32 = 0
    var numValues: Int64 = 0
    var totalUncompressedSize: Int64 = 0
    var totalCompressedSize: Int64 = 0
    var dataPageOffset: Int64 = 0
    var indexPageOffset: Int64?
    var dictionaryPageOffset: Int64?
    var statistics: Statistics?
}

struct ColumnChunk {
    var filePath: String?
    var fileOffset: Int64 = 0
    var metaData: ColumnMetaData?
    var offsetIndexOffset: Int64?
    var offsetIndexLength: Int32?
    var columnIndexOffset: Int64?
    var columnIndexLength: Int32?
    var encrypted = false
}

struct RowGroup {
    var columns: [ColumnChunk] = []
    var totalByteSize: Int64 = 0
    var numRows: Int64 = 0
    var fileOffset: Int64?
    var totalCompressedSize: Int64?
    var ordinal: Int16?
}

struct KeyValue { var key: String; var value: String? }

struct FileMetaData {
    var version: Int32 = 1
    var schema: [SchemaElement] = []
    var numRows: Int64 = 0
    var rowGroups: [RowGroup] = []
    var keyValue: [KeyValue] = []
    var createdBy: String?
    /// One entry per leaf column: true = TYPE_ORDER (min/max are meaningful).
    var columnOrders: [Bool]?
    var encrypted = false
}

struct DataPageHeader {
    var numValues: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelEncoding: Int32 = 3
    var repetitionLevelEncoding: Int32 = 3
    var statistics: Statistics?
}

struct DataPageHeaderV2 {
    var numValues: Int32 = 0
    var numNulls: Int32 = 0
    var numRows: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelsByteLength: Int32 = 0
    var repetitionLevelsByteLength: Int32 = 0
    var isCompressed = true
    var statistics: Statistics?
}

struct DictionaryPageHeader {
    var numValues: Int32 = 0
    var encoding: Int32 = 0
    var isSorted: Bool?
}

struct PageHeader {
    var type: Int32 = 0
    var uncompressedPageSize: Int32 = 0
    var compressedPageSize: Int32 = 0
    var crc: Int32?
    var dataPage: DataPageHeader?
    var dictionaryPage: DictionaryPageHeader?
    var dataPageV2: DataPageHeaderV2?
}

struct PageLocation { var offset: Int64; var compressedPageSize: Int32; var firstRowIndex: Int64 }

struct OffsetIndex { var pageLocations: [PageLocation] = [] }

struct ColumnIndex {
    var nullPages: [Bool] = []
    var minValues: [[UInt8]] = []
    var maxValues: [[UInt8]] = []
    var boundaryOrder: Int32 = 0
    var nullCounts: [Int64]?
}

// MARK: - Decoding

extension ThriftReader {
    mutating func enumValue<E: RawRepresentable>(_: E.Type) throws(ParquetError) -> E? where E.RawValue == Int32 {
        E(rawValue: try i32())
    }

    mutating func timeUnit() throws(ParquetError) -> TimeUnit {
        var unit = TimeUnit.micros
        try structBegin()
        while let (id, t) = try field() {
            switch id {
            case 1: unit = .millis; try skip(t)
            case 2: unit = .micros; try skip(t)
            case 3: unit = .nanos; try skip(t)
            default: try skip(t)
            }
        }
        structEnd()
        return unit
    }

    mutating func timeLike() throws(ParquetError) -> (Bool, TimeUnit) {
        var utc = false, unit = TimeUnit.micros
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .boolTrue), (1, .boolFalse): utc = try bool()
            case (2, .structure): unit = try timeUnit()
            default: try skip(t)
            }
        }
        structEnd()
        return (utc, unit)
    }

    mutating func logicalType() throws(ParquetError) -> LogicalType {
        var result = LogicalType.other(0)
        try structBegin()
        while let (id, t) = try field() {
            guard t == .structure else { try skip(t); continue }
            switch id {
            case 1: result = .string; try skip(t)
            case 2: result = .map; try skip(t)
            case 3: result = .list; try skip(t)
            case 4: result = .enumType; try skip(t)
            case 5:
                var scale: Int32 = 0, precision: Int32 = 0
                try structBegin()
                while let (fid, ft) = try field() {
                    if fid == 1 && ft == .i32 { scale = try i32() } else if fid == 2 && ft == .i32 { precision = try i32() } else { try skip(ft) }
                }
                structEnd()
                result = .decimal(scale: scale, precision: precision)
            case 6: result = .date; try skip(t)
            case 7: let (u, unit) = try timeLike(); result = .time(utc: u, unit: unit)
            case 8: let (u, unit) = try timeLike(); result = .timestamp(utc: u, unit: unit)
            case 10:
                var bits: Int8 = 64, signed = true
                try structBegin()
                while let (fid, ft) = try field() {
                    if fid == 1 && ft == .byte { bits = Int8(bitPattern: try byte()) } else if fid == 2 && (ft == .boolTrue || ft == .boolFalse) { signed = try bool() } else { try skip(ft) }
                }
                structEnd()
                result = .integer(bits: bits, signed: signed)
            case 11: result = .unknown; try skip(t)
            case 12: result = .json; try skip(t)
            case 13: result = .bson; try skip(t)
            case 14: result = .uuid; try skip(t)
            case 15: result = .float16; try skip(t)
            default: result = .other(id); try skip(t)
            }
        }
        structEnd()
        return result
    }

    mutating func schemaElement() throws(ParquetError) -> SchemaElement {
        var e = SchemaElement()
        var sawName = false
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .i32): e.type = try enumValue(ParquetPhysicalType.self)
                if e.type == nil { throw .corrupt("unknown physical type in schema") }
            case (2, .i32): e.typeLength = try i32()
            case (3, .i32): e.repetition = try i32()
            case (4, .binary): e.name = try string(); sawName = true
            case (5, .i32): e.numChildren = try i32()
            case (6, .i32): e.convertedType = try enumValue(ConvertedType.self)
            case (7, .i32): e.scale = try i32()
            case (8, .i32): e.precision = try i32()
            case (9, .i32): e.fieldID = try i32()
            case (10, .structure): e.logicalType = try logicalType()
            default: try skip(t)
            }
        }
        structEnd()
        guard sawName else { throw .corrupt("schema element without a name") }
        return e
    }

    mutating func statistics() throws(ParquetError) -> Statistics {
        var s = Statistics()
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .binary): s.max = try binary()
            case (2, .binary): s.min = try binary()
            case (3, .i64): s.nullCount = try i64()
            case (4, .i64): s.distinctCount = try i64()
            case (5, .binary): s.maxValue = try binary()
            case (6, .binary): s.minValue = try binary()
            default: try skip(t)
            }
        }
        structEnd()
        return s
    }

    mutating func columnMetaData() throws(ParquetError) -> ColumnMetaData {
        var m = ColumnMetaData()
        var sawType = false
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .i32):
                guard let ty = try enumValue(ParquetPhysicalType.self) else { throw .corrupt("unknown physical type in column metadata") }
                m.type = ty; sawType = true
            case (2, .list): m.encodings = try list { (r) throws(ParquetError) in try r.i32() }
            case (3, .list): m.path = try list { (r) throws(ParquetError) in try r.string() }
            case (4, .i32): m.codec = try i32()
            case (5, .i64): m.numValues = try i64()
            case (6, .i64): m.totalUncompressedSize = try i64()
            case (7, .i64): m.totalCompressedSize = try i64()
            case (9, .i64): m.dataPageOffset = try i64()
            case (10, .i64): m.indexPageOffset = try i64()
            case (11, .i64): m.dictionaryPageOffset = try i64()
            case (12, .structure): m.statistics = try statistics()
            default: try skip(t)
            }
        }
        structEnd()
        guard sawType else { throw .corrupt("column metadata without a type") }
        return m
    }

    mutating func columnChunk() throws(ParquetError) -> ColumnChunk {
        var c = ColumnChunk()
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .binary): c.filePath = try string()
            case (2, .i64): c.fileOffset = try i64()
            case (3, .structure): c.metaData = try columnMetaData()
            case (4, .i64): c.offsetIndexOffset = try i64()
            case (5, .i32): c.offsetIndexLength = try i32()
            case (6, .i64): c.columnIndexOffset = try i64()
            case (7, .i32): c.columnIndexLength = try i32()
            case (8, _), (9, _): c.encrypted = true; try skip(t)
            default: try skip(t)
            }
        }
        structEnd()
        return c
    }

    mutating func rowGroup() throws(ParquetError) -> RowGroup {
        var g = RowGroup()
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .list): g.columns = try list { (r) throws(ParquetError) in try r.columnChunk() }
            case (2, .i64): g.totalByteSize = try i64()
            case (3, .i64): g.numRows = try i64()
            case (5, .i64): g.fileOffset = try i64()
            case (6, .i64): g.totalCompressedSize = try i64()
            case (7, .i16): g.ordinal = try i16()
            default: try skip(t)
            }
        }
        structEnd()
        return g
    }

    mutating func keyValue() throws(ParquetError) -> KeyValue {
        var kv = KeyValue(key: "", value: nil)
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .binary): kv.key = try string()
            case (2, .binary): kv.value = try string()
            default: try skip(t)
            }
        }
        structEnd()
        return kv
    }

    mutating func columnOrder() throws(ParquetError) -> Bool {
        var typeOrder = false
        try structBegin()
        while let (id, t) = try field() {
            if id == 1 && t == .structure { typeOrder = true }
            try skip(t)
        }
        structEnd()
        return typeOrder
    }

    mutating func fileMetaData() throws(ParquetError) -> FileMetaData {
        var f = FileMetaData()
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .i32): f.version = try i32()
            case (2, .list): f.schema = try list { (r) throws(ParquetError) in try r.schemaElement() }
            case (3, .i64): f.numRows = try i64()
            case (4, .list): f.rowGroups = try list { (r) throws(ParquetError) in try r.rowGroup() }
            case (5, .list): f.keyValue = try list { (r) throws(ParquetError) in try r.keyValue() }
            case (6, .binary): f.createdBy = try string()
            case (7, .list): f.columnOrders = try list { (r) throws(ParquetError) in try r.columnOrder() }
            case (8, _): f.encrypted = true; try skip(t)
            default: try skip(t)
            }
        }
        structEnd()
        return f
    }

    mutating func dataPageHeader() throws(ParquetError) -> DataPageHeader {
        var h = DataPageHeader()
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .i32): h.numValues = try i32()
            case (2, .i32): h.encoding = try i32()
            case (3, .i32): h.definitionLevelEncoding = try i32()
            case (4, .i32): h.repetitionLevelEncoding = try i32()
            case (5, .structure): h.statistics = try statistics()
            default: try skip(t)
            }
        }
        structEnd()
        return h
    }

    mutating func dataPageHeaderV2() throws(ParquetError) -> DataPageHeaderV2 {
        var h = DataPageHeaderV2()
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .i32): h.numValues = try i32()
            case (2, .i32): h.numNulls = try i32()
            case (3, .i32): h.numRows = try i32()
            case (4, .i32): h.encoding = try i32()
            case (5, .i32): h.definitionLevelsByteLength = try i32()
            case (6, .i32): h.repetitionLevelsByteLength = try i32()
            case (7, .boolTrue), (7, .boolFalse): h.isCompressed = try bool()
            case (8, .structure): h.statistics = try statistics()
            default: try skip(t)
            }
        }
        structEnd()
        return h
    }

    mutating func dictionaryPageHeader() throws(ParquetError) -> DictionaryPageHeader {
        var h = DictionaryPageHeader()
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .i32): h.numValues = try i32()
            case (2, .i32): h.encoding = try i32()
            case (3, .boolTrue), (3, .boolFalse): h.isSorted = try bool()
            default: try skip(t)
            }
        }
        structEnd()
        return h
    }

    mutating func pageHeader() throws(ParquetError) -> PageHeader {
        var h = PageHeader()
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .i32): h.type = try i32()
            case (2, .i32): h.uncompressedPageSize = try i32()
            case (3, .i32): h.compressedPageSize = try i32()
            case (4, .i32): h.crc = try i32()
            case (5, .structure): h.dataPage = try dataPageHeader()
            case (7, .structure): h.dictionaryPage = try dictionaryPageHeader()
            case (8, .structure): h.dataPageV2 = try dataPageHeaderV2()
            default: try skip(t)
            }
        }
        structEnd()
        guard h.uncompressedPageSize >= 0, h.compressedPageSize >= 0 else { throw .corrupt("negative page size") }
        return h
    }

    mutating func offsetIndex() throws(ParquetError) -> OffsetIndex {
        var o = OffsetIndex()
        try structBegin()
        while let (id, t) = try field() {
            if id == 1 && t == .list {
                o.pageLocations = try list { (r) throws(ParquetError) in
                    var loc = PageLocation(offset: 0, compressedPageSize: 0, firstRowIndex: 0)
                    try r.structBegin()
                    while let (fid, ft) = try r.field() {
                        switch (fid, ft) {
                        case (1, .i64): loc.offset = try r.i64()
                        case (2, .i32): loc.compressedPageSize = try r.i32()
                        case (3, .i64): loc.firstRowIndex = try r.i64()
                        default: try r.skip(ft)
                        }
                    }
                    r.structEnd()
                    return loc
                }
            } else { try skip(t) }
        }
        structEnd()
        return o
    }

    mutating func columnIndex() throws(ParquetError) -> ColumnIndex {
        var c = ColumnIndex()
        try structBegin()
        while let (id, t) = try field() {
            switch (id, t) {
            case (1, .list): c.nullPages = try list { (r) throws(ParquetError) in try r.bool() }
            case (2, .list): c.minValues = try list { (r) throws(ParquetError) in try r.binary() }
            case (3, .list): c.maxValues = try list { (r) throws(ParquetError) in try r.binary() }
            case (4, .i32): c.boundaryOrder = try i32()
            case (5, .list): c.nullCounts = try list { (r) throws(ParquetError) in try r.i64() }
            default: try skip(t)
            }
        }
        structEnd()
        return c
    }
}

// MARK: - Encoding

extension ThriftWriter {
    mutating func write(_ s: Statistics) {
        structValue { w in
            if let v = s.max { w.binary(1, v) }
            if let v = s.min { w.binary(2, v) }
            if let v = s.nullCount { w.i64(3, v) }
            if let v = s.distinctCount { w.i64(4, v) }
            if let v = s.maxValue { w.binary(5, v) }
            if let v = s.minValue { w.binary(6, v) }
        }
    }

    mutating func write(_ l: LogicalType) {
        func unit(_ w: inout ThriftWriter, _ u: TimeUnit) {
            w.structField(2) { w in
                switch u {
                case .millis: w.structField(1) { _ in }
                case .micros: w.structField(2) { _ in }
                case .nanos: w.structField(3) { _ in }
                }
            }
        }
        structValue { w in
            switch l {
            case .string: w.structField(1) { _ in }
            case .date: w.structField(6) { _ in }
            case .timestamp(let utc, let u): w.structField(8) { w in w.bool(1, utc); unit(&w, u) }
            case .integer(let bits, let signed): w.structField(10) { w in w.i8(1, bits); w.bool(2, signed) }
            case .decimal(let scale, let precision): w.structField(5) { w in w.i32(1, scale); w.i32(2, precision) }
            default: break
            }
        }
    }

    mutating func write(_ e: SchemaElement) {
        structValue { w in
            if let t = e.type { w.i32(1, t.rawValue) }
            if let v = e.typeLength { w.i32(2, v) }
            if let v = e.repetition { w.i32(3, v) }
            w.string(4, e.name)
            if let v = e.numChildren { w.i32(5, v) }
            if let v = e.convertedType { w.i32(6, v.rawValue) }
            if let v = e.scale { w.i32(7, v) }
            if let v = e.precision { w.i32(8, v) }
            if let l = e.logicalType { w.fieldHeader(10, .structure); w.write(l) }
        }
    }

    mutating func write(_ m: ColumnMetaData) {
        structValue { w in
            w.i32(1, m.type.rawValue)
            w.listHeader(2, .i32, m.encodings.count)
            for e in m.encodings { w.zigzag(Int64(e)) }
            w.listHeader(3, .binary, m.path.count)
            for p in m.path { w.rawBinary(Array(p.utf8)) }
            w.i32(4, m.codec)
            w.i64(5, m.numValues)
            w.i64(6, m.totalUncompressedSize)
            w.i64(7, m.totalCompressedSize)
            w.i64(9, m.dataPageOffset)
            if let v = m.dictionaryPageOffset { w.i64(11, v) }
            if let s = m.statistics { w.fieldHeader(12, .structure); w.write(s) }
        }
    }

    mutating func write(_ f: FileMetaData) {
        structValue { w in
            w.i32(1, f.version)
            w.listHeader(2, .structure, f.schema.count)
            for e in f.schema { w.write(e) }
            w.i64(3, f.numRows)
            w.listHeader(4, .structure, f.rowGroups.count)
            for g in f.rowGroups {
                w.structValue { w in
                    w.listHeader(1, .structure, g.columns.count)
                    for c in g.columns {
                        w.structValue { w in
                            w.i64(2, c.fileOffset)
                            if let m = c.metaData { w.fieldHeader(3, .structure); w.write(m) }
                            if let v = c.offsetIndexOffset { w.i64(4, v) }
                            if let v = c.offsetIndexLength { w.i32(5, v) }
                            if let v = c.columnIndexOffset { w.i64(6, v) }
                            if let v = c.columnIndexLength { w.i32(7, v) }
                        }
                    }
                    w.i64(2, g.totalByteSize)
                    w.i64(3, g.numRows)
                    if let v = g.fileOffset { w.i64(5, v) }
                    if let v = g.totalCompressedSize { w.i64(6, v) }
                    if let v = g.ordinal { w.fieldHeader(7, .i16); w.zigzag(Int64(v)) }
                }
            }
            if !f.keyValue.isEmpty {
                w.listHeader(5, .structure, f.keyValue.count)
                for kv in f.keyValue {
                    w.structValue { w in
                        w.string(1, kv.key)
                        if let v = kv.value { w.string(2, v) }
                    }
                }
            }
            if let c = f.createdBy { w.string(6, c) }
            if let orders = f.columnOrders {
                w.listHeader(7, .structure, orders.count)
                for _ in orders { w.structValue { w in w.structField(1) { _ in } } }
            }
        }
    }

    mutating func write(_ h: PageHeader) {
        structValue { w in
            w.i32(1, h.type)
            w.i32(2, h.uncompressedPageSize)
            w.i32(3, h.compressedPageSize)
            if let v = h.crc { w.i32(4, v) }
            if let d = h.dataPage {
                w.structField(5) { w in
                    w.i32(1, d.numValues)
                    w.i32(2, d.encoding)
                    w.i32(3, d.definitionLevelEncoding)
                    w.i32(4, d.repetitionLevelEncoding)
                    if let s = d.statistics { w.fieldHeader(5, .structure); w.write(s) }
                }
            }
            if let d = h.dictionaryPage {
                w.structField(7) { w in
                    w.i32(1, d.numValues)
                    w.i32(2, d.encoding)
                    if let s = d.isSorted { w.bool(3, s) }
                }
            }
            if let d = h.dataPageV2 {
                w.structField(8) { w in
                    w.i32(1, d.numValues)
                    w.i32(2, d.numNulls)
                    w.i32(3, d.numRows)
                    w.i32(4, d.encoding)
                    w.i32(5, d.definitionLevelsByteLength)
                    w.i32(6, d.repetitionLevelsByteLength)
                    w.bool(7, d.isCompressed)
                    if let s = d.statistics { w.fieldHeader(8, .structure); w.write(s) }
                }
            }
        }
    }

    mutating func write(_ o: OffsetIndex) {
        structValue { w in
            w.listHeader(1, .structure, o.pageLocations.count)
            for p in o.pageLocations {
                w.structValue { w in
                    w.i64(1, p.offset)
                    w.i32(2, p.compressedPageSize)
                    w.i64(3, p.firstRowIndex)
                }
            }
        }
    }

    mutating func write(_ c: ColumnIndex) {
        structValue { w in
            w.listHeader(1, .boolTrue, c.nullPages.count)
            for b in c.nullPages { w.out.append(b ? 1 : 2) }
            w.listHeader(2, .binary, c.minValues.count)
            for v in c.minValues { w.rawBinary(v) }
            w.listHeader(3, .binary, c.maxValues.count)
            for v in c.maxValues { w.rawBinary(v) }
            w.i32(4, c.boundaryOrder)
            if let n = c.nullCounts {
                w.listHeader(5, .i64, n.count)
                for v in n { w.zigzag(v) }
            }
        }
    }
}
