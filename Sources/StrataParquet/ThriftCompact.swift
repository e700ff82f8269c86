// The Thrift compact protocol, as far as parquet.thrift needs it: structs, lists, binary,
// booleans, 8/16/32/64-bit integers (zigzag varints), doubles. Every read is bounds-checked
// and nesting is limited, so corrupt metadata throws instead of crashing.

/// Compact-protocol wire types.
enum TType: UInt8 {
    case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
    case binary = 8, list = 9, set = 10, map = 11, structure = 12
}

/// Reads compact-protocol values from a byte range that outlives the reader.
struct ThriftReader {
    let base: UnsafePointer<UInt8>?
    let end: Int
    var pos: Int
    var depth = 0
    /// Field-id tracking per open struct (compact field headers are deltas).
    var lastField: [Int16] = []
    /// Value of a boolean field, carried in its header.
    var pendingBool: Bool?

    init(_ buf: UnsafeRawBufferPointer, at pos: Int = 0) {
        base = buf.baseAddress?.assumingMemoryBound(to: UInt8.self)
        end = buf.count
        self.pos = pos
    }

    @inline(__always) mutating func byte() throws(ParquetError) -> UInt8 {
        guard pos < end, let base else { throw .corrupt("metadata ends early") }
        let b = base[pos]
        pos += 1
        return b
    }

    mutating func varint() throws(ParquetError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .corrupt("varint too long in metadata") }
        }
    }

    mutating func zigzag() throws(ParquetError) -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func i32() throws(ParquetError) -> Int32 {
        let v = try zigzag()
        guard let r = Int32(exactly: v) else { throw .corrupt("32-bit metadata value out of range") }
        return r
    }

    mutating func i64() throws(ParquetError) -> Int64 { try zigzag() }

    mutating func i16() throws(ParquetError) -> Int16 {
        let v = try zigzag()
        guard let r = Int16(exactly: v) else { throw .corrupt("16-bit metadata value out of range") }
        return r
    }

    mutating func double() throws(ParquetError) -> Double {
        guard pos + 8 <= end, let base else { throw .corrupt("metadata ends early") }
        let v = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
        pos += 8
        return Double(bitPattern: UInt64(littleEndian: v))
    }

    mutating func binary() throws(ParquetError) -> [UInt8] {
        let n = try varint()
        guard n <= UInt64(end - pos), let base else {
            if n == 0 { return [] }
            throw .corrupt("metadata string length \(n) exceeds the footer")
        }
        let r = [UInt8](UnsafeBufferPointer(start: base + pos, count: Int(n)))
        pos += Int(n)
        return r
    }

    mutating func string() throws(ParquetError) -> String {
        String(decoding: try binary(), as: UTF8.self)
    }

    /// A boolean field value (from the field header) or list element (one byte).
    mutating func bool() throws(ParquetError) -> Bool {
        if let b = pendingBool { pendingBool = nil; return b }
        return try byte() == 1
    }

    mutating func structBegin() throws(ParquetError) {
        depth += 1
        guard depth <= 64 else { throw .corrupt("metadata nested too deeply") }
        lastField.append(0)
    }

    mutating func structEnd() { depth -= 1; lastField.removeLast() }

    /// The next field's id and type, or nil at the struct's end.
    mutating func field() throws(ParquetError) -> (Int16, TType)? {
        let b = try byte()
        if b == 0 { return nil }
        guard let t = TType(rawValue: b & 0x0F) else { throw .corrupt("unknown metadata field type \(b & 0x0F)") }
        let delta = Int16(b >> 4)
        let id: Int16
        if delta == 0 { id = try i16() } else { id = lastField[lastField.count - 1] &+ delta }
        lastField[lastField.count - 1] = id
        if t == .boolTrue { pendingBool = true } else if t == .boolFalse { pendingBool = false } else { pendingBool = nil }
        return (id, t)
    }

    /// A list header: element type and count (bounded by the remaining bytes).
    mutating func listBegin() throws(ParquetError) -> (TType, Int) {
        let b = try byte()
        var n = Int(b >> 4)
        if n == 15 {
            let v = try varint()
            guard v <= UInt64(end - pos) else { throw .corrupt("metadata list length \(v) exceeds the footer") }
            n = Int(v)
        }
        guard let t = TType(rawValue: b & 0x0F) else { throw .corrupt("unknown metadata list element type") }
        return (t, n)
    }

    /// Skips a value of type `t`.
    mutating func skip(_ t: TType) throws(ParquetError) {
        switch t {
        case .stop: throw .corrupt("unexpected stop in metadata")
        case .boolTrue, .boolFalse:
            if pendingBool != nil { pendingBool = nil } else { _ = try byte() }
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double:
            guard pos + 8 <= end else { throw .corrupt("metadata ends early") }
            pos += 8
        case .binary:
            let n = try varint()
            guard n <= UInt64(end - pos) else { throw .corrupt("metadata string length exceeds the footer") }
            pos += Int(n)
        case .list, .set:
            let (et, n) = try listBegin()
            depth += 1
            guard depth <= 64 else { throw .corrupt("metadata nested too deeply") }
            for _ in 0..<n { try skip(et == .boolTrue || et == .boolFalse ? .byte : et) }
            depth -= 1
        case .map:
            let n = try varint()
            guard n <= UInt64(end - pos) else { throw .corrupt("metadata map length exceeds the footer") }
            if n > 0 {
                let kv = try byte()
                guard let kt = TType(rawValue: kv >> 4), let vt = TType(rawValue: kv & 0x0F) else { throw .corrupt("bad metadata map types") }
                depth += 1
                guard depth <= 64 else { throw .corrupt("metadata nested too deeply") }
                for _ in 0..<Int(n) {
                    try skip(kt == .boolTrue || kt == .boolFalse ? .byte : kt)
                    try skip(vt == .boolTrue || vt == .boolFalse ? .byte : vt)
                }
                depth -= 1
            }
        case .structure:
            try structBegin()
            while let (_, ft) = try field() { try skip(ft) }
            structEnd()
        }
    }

    /// Reads a list of elements with `element`.
    mutating func list<T>(_ element: (inout ThriftReader) throws(ParquetError) -> T) throws(ParquetError) -> [T] {
        let (_, n) = try listBegin()
        var out: [T] = []
        out.reserveCapacity(min(n, 1 << 16))
        for _ in 0..<n { out.append(try element(&self)) }
        return out
    }
}

/// Writes compact-protocol values.
struct ThriftWriter {
    var out: [UInt8] = []
    var lastField: [Int16] = [0]

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func fieldHeader(_ id: Int16, _ t: TType) {
        let last = lastField[lastField.count - 1]
        let delta = id - last
        if delta > 0 && delta <= 15 {
            out.append(UInt8(delta) << 4 | t.rawValue)
        } else {
            out.append(t.rawValue)
            zigzag(Int64(id))
        }
        lastField[lastField.count - 1] = id
    }

    mutating func i32(_ id: Int16, _ v: Int32) { fieldHeader(id, .i32); zigzag(Int64(v)) }
    mutating func i64(_ id: Int16, _ v: Int64) { fieldHeader(id, .i64); zigzag(v) }
    mutating func i8(_ id: Int16, _ v: Int8) { fieldHeader(id, .byte); out.append(UInt8(bitPattern: v)) }
    mutating func bool(_ id: Int16, _ v: Bool) { fieldHeader(id, v ? .boolTrue : .boolFalse) }
    mutating func binary(_ id: Int16, _ v: [UInt8]) { fieldHeader(id, .binary); rawBinary(v) }
    mutating func string(_ id: Int16, _ v: String) { binary(id, Array(v.utf8)) }
    mutating func rawBinary(_ v: [UInt8]) { varint(UInt64(v.count)); out.append(contentsOf: v) }

    mutating func structField(_ id: Int16, _ body: (inout ThriftWriter) -> Void) {
        fieldHeader(id, .structure)
        structValue(body)
    }

    mutating func structValue(_ body: (inout ThriftWriter) -> Void) {
        lastField.append(0)
        body(&self)
        out.append(0)
        lastField.removeLast()
    }

    mutating func listHeader(_ id: Int16, _ element: TType, _ count: Int) {
        fieldHeader(id, .list)
        listHeaderValue(element, count)
    }

    mutating func listHeaderValue(_ element: TType, _ count: Int) {
        if count < 15 { out.append(UInt8(count) << 4 | element.rawValue) } else {
            out.append(0xF0 | element.rawValue)
            varint(UInt64(count))
        }
    }

    mutating func stop() { out.append(0) }
}
