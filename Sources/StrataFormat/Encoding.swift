/// Per-page value encodings (Format.md, "Encodings"). One id space for all types; id 6 is
/// reserved (never written: a footer naming it is refused as damaged).
public enum Encoding: UInt8, Sendable, CaseIterable {
    /// Every row holds the same value: one 8-byte value.
    case constant = 1
    /// Fixed-width little-endian values (8 bytes each for int64/double).
    case plain = 2
    /// Frame of reference: base, divisor and bit-packed `(v - base) / divisor`.
    case frameOfReference = 3
    /// First value, then bit-packed deltas (frame of reference on deltas) with exceptions.
    case delta = 4
    /// Run-length: bit-packed run values and run lengths.
    case runLength = 5
    /// Doubles that are exact decimals `k / 10^scale`: scale + an integer encoding of `k`.
    case decimal = 7
    /// Booleans as a bitmap.
    case bitmap = 8
    /// Every row is NULL: no payload.
    case allNull = 9

    public var name: String {
        switch self {
        case .constant: return "constant"
        case .plain: return "plain"
        case .frameOfReference: return "for"
        case .delta: return "delta"
        case .runLength: return "rle"
        case .decimal: return "decimal"
        case .bitmap: return "bitmap"
        case .allNull: return "null"
        }
    }
}

@inline(__always) func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var a = a, b = b
    while b != 0 { (a, b) = (b, a % b) }
    return a
}
