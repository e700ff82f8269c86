/// Little-endian byte writer used for footers and encoded pages.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    @inlinable public mutating func u8(_ v: UInt8) { bytes.append(v) }

    @inlinable public mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    @inlinable public mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable public mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    @inlinable public mutating func f64(_ v: Double) { u64(v.bitPattern) }

    /// u32 length followed by the UTF-8 bytes.
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            u32(UInt32(buf.count))
            bytes.append(contentsOf: buf)
        }
    }

    public mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    public mutating func append(_ buf: UnsafeRawBufferPointer) { bytes.append(contentsOf: buf) }
}

/// Bounds-checked little-endian reader over borrowed bytes. Every read checks length and
/// throws `FormatError` (truncated) instead of trapping.
public struct ByteReader {
    public let base: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    public var remaining: Int { base.count - offset }

    @inline(__always) mutating func need(_ n: Int) throws(FormatError) {
        if n < 0 || n > base.count - offset {
            throw FormatError(.truncated, "unexpected end of data at byte \(offset) (need \(n) more bytes)")
        }
    }

    public mutating func u8() throws(FormatError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return base[offset]
    }

    public mutating func u16() throws(FormatError) -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    public mutating func u32() throws(FormatError) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    public mutating func u64() throws(FormatError) -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    public mutating func i64() throws(FormatError) -> Int64 { Int64(bitPattern: try u64()) }

    public mutating func f64() throws(FormatError) -> Double { Double(bitPattern: try u64()) }

    /// Borrow `n` bytes.
    public mutating func bytes(_ n: Int) throws(FormatError) -> UnsafeRawBufferPointer {
        try need(n)
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: base[offset..<(offset + n)])
    }

    public mutating func string(maxLength: Int = 1 << 20) throws(FormatError) -> String {
        let n = Int(try u32())
        if n > maxLength { throw FormatError.corrupt("string length \(n) exceeds limit \(maxLength)") }
        let b = try bytes(n)
        guard let s = String(validating: b, as: UTF8.self) else {
            throw FormatError.corrupt("invalid UTF-8 in string field")
        }
        return s
    }
}
