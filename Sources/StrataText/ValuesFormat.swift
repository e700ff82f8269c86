// Scalar value formatting (integers and doubles) into byte buffers.

extension Values {
    /// Maximum number of bytes `writeInt64` produces (`-9223372036854775808`).
    public static let maxInt64Length = 20

    /// Writes the decimal form of `value` at `out` and returns the byte count
    /// (1...20). `out` must have room for `maxInt64Length` bytes.
    @inlinable
    public static func writeInt64(_ value: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var m = value.magnitude
        var pos = 0
        if value < 0 { out[0] = 0x2D; pos = 1 }
        if m < 10 {
            out[pos] = UInt8(truncatingIfNeeded: m) &+ 0x30
            return pos + 1
        }
        // count digits with multiplications, then fill from the back two digits at a time
        var digits = 1
        var p: UInt64 = 10
        while digits < 20 && m >= p {
            digits += 1
            if digits < 20 { p &*= 10 }
        }
        let pairs = Values.digitPairs.utf8Start
        var k = pos + digits
        while m >= 100 {
            let q = m / 100
            let r = Int(truncatingIfNeeded: m &- q &* 100) &* 2
            k -= 2
            out[k] = pairs[r]
            out[k + 1] = pairs[r + 1]
            m = q
        }
        if m >= 10 {
            let r = Int(truncatingIfNeeded: m) &* 2
            out[k - 2] = pairs[r]
            out[k - 1] = pairs[r + 1]
        } else {
            out[k - 1] = UInt8(truncatingIfNeeded: m) &+ 0x30
        }
        return pos + digits
    }

    /// "00", "01", ... "99" back to back.
    @usableFromInline static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

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
    /// - decimal notation when 1e-4 ≤ |x| < 1e16 (integral values get `.0`);
    /// - otherwise exponent notation `d[.ddd]e±XX` with at least two exponent
    ///   digits;
    /// - every NaN (any sign or payload, quiet or signalling) prints as `nan`.
    ///
    /// Differences from Swift's `description` (which this wraps): NaNs never
    /// print as `-nan`/`snan`, and values in (2^53, 1e16) print in decimal
    /// (`9500000000000000.0`, as Python and DuckDB do) where Swift would
    /// switch to `9.5e+15`.
    public static func formatDouble(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if isLargeIntegral(value) {
            return String(unsafeUninitializedCapacity: maxInt64Length + 2) { buf in
                let n = writeInt64(Int64(value), to: buf.baseAddress!)
                buf[n] = 0x2E
                buf[n + 1] = 0x30
                return n + 2
            }
        }
        return value.description
    }

    /// |x| in (2^53, 1e16): Swift's `description` uses exponent notation
    /// there, Python/DuckDB decimal. Every such double is an even integer and
    /// its shortest round-trip digits are exactly its integer digits.
    @inlinable
    static func isLargeIntegral(_ value: Double) -> Bool {
        let m = value.magnitude
        return m > 9_007_199_254_740_992.0 && m < 1e16
    }

    /// Appends `formatDouble(value)` as bytes without allocating.
    @inlinable
    public static func appendDouble(_ value: Double, to bytes: inout [UInt8]) {
        if value.isNaN {
            bytes.append(0x6E); bytes.append(0x61); bytes.append(0x6E)
            return
        }
        if isLargeIntegral(value) {
            appendInt64(Int64(value), to: &bytes)
            bytes.append(0x2E); bytes.append(0x30)
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
