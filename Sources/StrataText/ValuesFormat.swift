// Scalar value formatting (integers and doubles) into byte buffers.

extension Values {
    /// Maximum number of bytes `writeInt64` produces (`-9223372036854775808`).
    public static let maxInt64Length = 20

    /// Writes the decimal form of `value` at `out` and returns the byte count
    /// (1...20). `out` must have room for `maxInt64Length` bytes.
    @inlinable
    public static func writeInt64(_ value: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var magnitude = value.magnitude
        var pos = 0
        if value < 0 { out[0] = 0x2D; pos = 1 }
        // Count digits, then fill from the back.
        var digits = 1
        var probe = magnitude
        while probe >= 10 { probe /= 10; digits += 1 }
        var k = pos + digits - 1
        repeat {
            out[k] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30
            magnitude /= 10
            k -= 1
        } while magnitude != 0
        return pos + digits
    }

    /// Appends the decimal form of `value` (e.g. `-42`) to `bytes`.
    @inlinable
    public static func appendInt64(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxInt64Length) { buf in
            let n = writeInt64(value, to: buf.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress!, count: n))
        }
    }

    /// Shortest round-trip text of a double, in the style DuckDB/Python print:
    /// `1.5`, `0.1`, `3.0`, `100.0`, `0.3333333333333333`, `1e-05`, `1e+16`,
    /// `1.7976931348623157e+308`, `-0.0`, `inf`, `-inf`, `nan`.
    ///
    /// Rules (identical to Swift's `Double.description`, which produces the
    /// shortest digit string that parses back to the same bits):
    /// - decimal notation when 1e-4 ≤ |x| < 2^53 (integral values get `.0`);
    /// - otherwise exponent notation `d[.ddd]e±XX` with at least two exponent
    ///   digits;
    /// - every NaN (any sign or payload, quiet or signalling) prints as `nan`
    ///   (Swift would print `-nan`/`snan`).
    public static func formatDouble(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        return value.description
    }

    /// Appends `formatDouble(value)` as bytes without allocating.
    @inlinable
    public static func appendDouble(_ value: Double, to bytes: inout [UInt8]) {
        if value.isNaN {
            bytes.append(0x6E); bytes.append(0x61); bytes.append(0x6E)
            return
        }
        var sink = ByteAppendingStream(bytes: bytes)
        bytes = []
        value.write(to: &sink)
        bytes = sink.bytes
    }
}

/// Adapter that lets `Double.write(to:)` append its ASCII digits straight
/// into a byte array; the standard library routes numeric output through the
/// `_writeASCII` hook, so no intermediate `String` is created.
@usableFromInline
struct ByteAppendingStream: TextOutputStream {
    @usableFromInline var bytes: [UInt8]

    @inlinable
    init(bytes: [UInt8]) { self.bytes = bytes }

    @inlinable
    mutating func write(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    @inlinable
    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }
}
