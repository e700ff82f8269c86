// Scalar value parsing for ingestion hot loops.
//
// All parsers take a byte span (`UnsafePointer<UInt8>` + count, or an
// `UnsafeRawBufferPointer`) and never allocate on the common path, never use
// Foundation, and never tolerate surrounding whitespace: callers that want
// lenient behaviour call `Values.trimmingSpaces` first.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
/// A "C" LC_NUMERIC locale used by the `strtod` fallback (created once;
/// `locale_t` is an immutable handle, safe to share across threads).
nonisolated(unsafe) let numericCLocale: locale_t? = newlocale(Int32(1 << LC_NUMERIC), "C", nil)
#endif

/// Namespace for scalar (integer, double, boolean) parsing and formatting.
///
/// Parsing functions are strict: the whole span must match the grammar,
/// otherwise the result is `nil`. Formatting functions write ASCII bytes.
public enum Values {}

// MARK: - Whitespace

extension Values {
    /// Returns the sub-span of `start[0..<count]` without leading and
    /// trailing ASCII spaces (0x20) and horizontal tabs (0x09).
    @inlinable
    public static func trimmingSpaces(
        _ start: UnsafePointer<UInt8>, _ count: Int
    ) -> (start: UnsafePointer<UInt8>, count: Int) {
        var lo = 0
        var hi = count
        while lo < hi, start[lo] == 0x20 || start[lo] == 0x09 { lo += 1 }
        while hi > lo, start[hi - 1] == 0x20 || start[hi - 1] == 0x09 { hi -= 1 }
        return (start + lo, hi - lo)
    }

    /// Returns `bytes` without leading and trailing ASCII spaces and tabs.
    @inlinable
    public static func trimmingSpaces(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return bytes }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let t = trimmingSpaces(p, bytes.count)
        return UnsafeRawBufferPointer(start: UnsafeRawPointer(t.start), count: t.count)
    }
}

// MARK: - Integers

extension Values {
    /// Parses `[+-]?[0-9]+` into an `Int64`, overflow-checked.
    ///
    /// Rejects (returns `nil`): empty input, a lone sign, any whitespace,
    /// decimal points, exponents and values outside `Int64.min...Int64.max`.
    /// Leading zeros are allowed.
    @inlinable
    public static func parseInt64(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        if n <= 0 { return nil }
        var i = 0
        var negative = false
        let c0 = p[0]
        if c0 == 0x2D { negative = true; i = 1 } else if c0 == 0x2B { i = 1 }
        if i == n { return nil }
        var v: UInt64 = 0
        if n - i <= 18 {
            // At most 18 digits: cannot overflow UInt64 nor Int64.
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { return nil }
                v = v &* 10 &+ UInt64(d)
                i += 1
            }
            return negative ? -Int64(bitPattern: v) : Int64(bitPattern: v)
        }
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        if negative {
            if v > UInt64(1) << 63 { return nil }
            return Int64(bitPattern: 0 &- v)
        }
        if v > UInt64(Int64.max) { return nil }
        return Int64(v)
    }

    /// Buffer form of `parseInt64(_:_:)`.
    @inlinable
    public static func parseInt64(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        return parseInt64(base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Convenience for non-hot callers (literals, tests): parses a `String`.
    public static func parseInt64(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parseInt64(UnsafeRawBufferPointer($0)) }
    }
}

// MARK: - Booleans

extension Values {
    /// Parses a boolean: `true/false/t/f/yes/no/y/n` (ASCII case-insensitive)
    /// or `1/0`. Anything else (including surrounding spaces) is `nil`.
    @inlinable
    public static func parseBool(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool? {
        switch n {
        case 1:
            let c = p[0]
            if c == 0x31 { return true }
            if c == 0x30 { return false }
            switch c | 0x20 {
            case 0x74, 0x79: return true   // t y
            case 0x66, 0x6E: return false  // f n
            default: return nil
            }
        case 2:
            return (p[0] | 0x20) == 0x6E && (p[1] | 0x20) == 0x6F ? false : nil // no
        case 3:
            return (p[0] | 0x20) == 0x79 && (p[1] | 0x20) == 0x65 && (p[2] | 0x20) == 0x73 ? true : nil // yes
        case 4:
            return (p[0] | 0x20) == 0x74 && (p[1] | 0x20) == 0x72 && (p[2] | 0x20) == 0x75
                && (p[3] | 0x20) == 0x65 ? true : nil // true
        case 5:
            return (p[0] | 0x20) == 0x66 && (p[1] | 0x20) == 0x61 && (p[2] | 0x20) == 0x6C
                && (p[3] | 0x20) == 0x73 && (p[4] | 0x20) == 0x65 ? false : nil // false
        default:
            return nil
        }
    }

    /// Buffer form of `parseBool(_:_:)`.
    @inlinable
    public static func parseBool(_ bytes: UnsafeRawBufferPointer) -> Bool? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        return parseBool(base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Convenience for non-hot callers: parses a `String`.
    public static func parseBool(_ s: String) -> Bool? {
        var s = s
        return s.withUTF8 { parseBool(UnsafeRawBufferPointer($0)) }
    }
}

// MARK: - Doubles

extension Values {
    /// Exact powers of ten 10^0 ... 10^22 (all exactly representable).
    @inlinable
    static func exactPow10(_ e: Int) -> Double {
        switch e {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// Parses a decimal floating-point number with the same result as C
    /// `strtod` (round-to-nearest-even) for every accepted input.
    ///
    /// Grammar: `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`,
    /// or `[+-]? (inf | infinity | nan)` case-insensitively. Hex floats,
    /// whitespace, empty input and trailing garbage are rejected (`nil`).
    /// Out-of-range magnitudes follow `strtod`: overflow gives ±infinity,
    /// underflow gives ±0 or a subnormal.
    ///
    /// Fast path (Clinger): at most 19 significant digits, mantissa ≤ 2^53 and
    /// decimal exponent in -22...22 (extended to 37 when the mantissa can be
    /// scaled exactly) are computed with one exactly rounded IEEE operation.
    /// Other inputs with ≤ 19 significant digits use the Eisel-Lemire
    /// algorithm (128-bit product with a tabulated power of five). Only the
    /// rare leftovers (more than 19 significant non-zero digits, subnormal or
    /// overflowing results, ~0.2% ambiguous products) fall back to `strtod`
    /// on a NUL-terminated stack copy, with LC_NUMERIC pinned to "C".
    @inlinable
    public static func parseDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        if n <= 0 { return nil }
        var i = 0
        var negative = false
        let c0 = p[0]
        if c0 == 0x2D { negative = true; i = 1 } else if c0 == 0x2B { i = 1 }
        if i == n { return nil }
        let lead = p[i] | 0x20
        if lead == 0x69 || lead == 0x6E { // 'i' or 'n'
            return parseSpecialDouble(p + i, n - i, negative: negative)
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exp10 = 0
        var sawDigit = false
        var truncatedNonZero = false
        // Integer part.
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { break }
            sawDigit = true
            if significant < 19 {
                if mantissa != 0 || d != 0 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant += 1
                }
            } else {
                exp10 += 1
                if d != 0 { truncatedNonZero = true }
            }
            i += 1
        }
        // Fraction.
        if i < n && p[i] == 0x2E {
            i += 1
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { break }
                sawDigit = true
                if significant < 19 {
                    if mantissa != 0 || d != 0 {
                        mantissa = mantissa &* 10 &+ UInt64(d)
                        significant += 1
                    }
                    exp10 -= 1
                } else if d != 0 {
                    truncatedNonZero = true
                }
                i += 1
            }
        }
        if !sawDigit { return nil }
        // Exponent.
        if i < n && (p[i] | 0x20) == 0x65 {
            i += 1
            if i == n { return nil }
            var expNegative = false
            if p[i] == 0x2D { expNegative = true; i += 1 } else if p[i] == 0x2B { i += 1 }
            if i == n { return nil }
            var e = 0
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { return nil }
                if e < 1_000_000 { e = e &* 10 &+ Int(d) }
                i += 1
            }
            exp10 += expNegative ? -e : e
        }
        if i != n { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if !truncatedNonZero && mantissa <= (UInt64(1) << 53) {
            if exp10 >= -22 && exp10 <= 22 {
                let m = Double(mantissa)
                let v = exp10 < 0 ? m / exactPow10(-exp10) : m * exactPow10(exp10)
                return negative ? -v : v
            }
            if exp10 > 22 && exp10 <= 22 + 15 {
                // Move part of the exponent into the mantissa if it stays exact.
                let (scaled, overflow) = mantissa.multipliedReportingOverflow(
                    by: UInt64(exactPow10(exp10 - 22)))
                if !overflow && scaled <= (UInt64(1) << 53) {
                    let v = Double(scaled) * 1e22
                    return negative ? -v : v
                }
            }
        }
        if !truncatedNonZero, let v = parseDoubleEiselLemire(mantissa, exp10, negative: negative) {
            return v
        }
        return parseDoubleSlow(p, n)
    }

    /// Whether `p[0..<n]`, text that `parseDouble` accepted, spells an infinity (`inf` or
    /// `infinity` after an optional sign) rather than a finite number, which `parseDouble`
    /// turns into ±infinity only when it overflows (`1e400`).
    @inlinable
    public static func isInfinityText(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        if i < n && (p[i] == 0x2D || p[i] == 0x2B) { i += 1 }
        return i < n && p[i] | 0x20 == 0x69
    }

    /// Eisel-Lemire: converts `w × 10^q` (w exact, ≤ 19 digits, non-zero) to
    /// the correctly rounded double using one 64×64→128-bit product with a
    /// truncated power of five, following fast_float's `compute_float`.
    /// Returns `nil` (caller falls back to `strtod`) whenever the result
    /// could depend on bits beyond the product (low 9 bits all ones), and
    /// for subnormal, overflowing or out-of-table results.
    @usableFromInline
    @inline(never)
    static func parseDoubleEiselLemire(_ w: UInt64, _ q: Int, negative: Bool) -> Double? {
        guard w != 0, q >= -342, q <= 308 else { return nil }
        let lz = w.leadingZeroBitCount
        let normalized = w << UInt64(lz)
        let (hi, lo) = normalized.multipliedFullWidth(by: powersOfFiveHigh[q + 342])
        if hi & 0x1FF == 0x1FF { return nil }
        let upperBit = Int(hi >> 63)
        let shift = UInt64(upperBit + 9)
        var mantissa = hi >> shift
        // floor(log2(10^q)) + 63, then bias.
        var power2 = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - lz + 1023
        if power2 <= 0 { return nil }
        // Exact halfway between two doubles: round half to even.
        if lo <= 1 && q >= -4 && q <= 23 && (mantissa & 3) == 1 && (mantissa << shift) == hi {
            mantissa &= ~UInt64(1)
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= (UInt64(2) << 52) {
            mantissa = UInt64(1) << 52
            power2 += 1
        }
        mantissa &= ~(UInt64(1) << 52)
        if power2 >= 0x7FF { return nil }
        let bits = UInt64(power2) << 52 | mantissa | (negative ? UInt64(1) << 63 : 0)
        return Double(bitPattern: bits)
    }

    /// `inf`, `infinity`, `nan` (case-insensitive) after an optional sign.
    @inlinable
    static func parseSpecialDouble(_ p: UnsafePointer<UInt8>, _ n: Int, negative: Bool) -> Double? {
        @inline(__always) func lower(_ k: Int) -> UInt8 { p[k] | 0x20 }
        if n == 3 {
            if lower(0) == 0x69 && lower(1) == 0x6E && lower(2) == 0x66 {
                return negative ? -Double.infinity : Double.infinity
            }
            if lower(0) == 0x6E && lower(1) == 0x61 && lower(2) == 0x6E {
                return Double.nan
            }
            return nil
        }
        if n == 8 {
            // "infinity"
            if lower(0) == 0x69 && lower(1) == 0x6E && lower(2) == 0x66 && lower(3) == 0x69
                && lower(4) == 0x6E && lower(5) == 0x69 && lower(6) == 0x74 && lower(7) == 0x79 {
                return negative ? -Double.infinity : Double.infinity
            }
        }
        return nil
    }

    /// Cold path: `strtod` on a NUL-terminated copy. The span has already
    /// been validated against the decimal grammar, so `strtod` consumes it all.
    @usableFromInline
    @inline(never)
    static func parseDoubleSlow(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Double? in
            let dst = buf.baseAddress!
            UnsafeMutableRawPointer(dst).copyMemory(from: p, byteCount: n)
            dst[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            #if canImport(Glibc)
            // Pin LC_NUMERIC to "C" for this thread so a host process that
            // called setlocale() (e.g. de_DE, decimal comma) cannot change results.
            let previous = numericCLocale.map { uselocale($0) }
            let v = strtod(dst, &end)
            if let previous { _ = uselocale(previous) }
            #else
            let v = strtod(dst, &end)
            #endif
            guard let end, end == dst + n else { return nil }
            return v
        }
    }

    /// Buffer form of `parseDouble(_:_:)`.
    @inlinable
    public static func parseDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        return parseDouble(base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Convenience for non-hot callers: parses a `String`.
    public static func parseDouble(_ s: String) -> Double? {
        var s = s
        return s.withUTF8 { parseDouble(UnsafeRawBufferPointer($0)) }
    }
}
