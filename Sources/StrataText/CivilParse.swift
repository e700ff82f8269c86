// Timestamp and date parsing/formatting on byte spans.

/// How `Civil.parseTimestamp` interprets its input.
public enum TimeFormat: Sendable, Hashable {
    /// ISO-like text (see `Civil.parseTimestamp`) or, when the value consists
    /// only of an optional `-` sign, digits and at most one `.`, an epoch
    /// number whose unit is chosen by the count of integer-part digits as
    /// written (sign excluded, leading zeros included):
    /// 1...11 digits → seconds (fraction allowed, truncated to µs),
    /// 12...14 → milliseconds (fraction allowed, truncated to µs),
    /// 15...17 → microseconds (no fraction), more → invalid.
    case auto
    /// ISO-like text only.
    case iso
    /// `[-+]?digits[.digits]` seconds since the epoch; fraction truncated to µs.
    case epochSeconds
    /// `[-+]?digits[.digits]` milliseconds since the epoch; fraction truncated to µs.
    case epochMillis
    /// `[-+]?digits` microseconds since the epoch.
    case epochMicros
}

extension Civil {
    // MARK: Parsing

    @inlinable
    static func twoDigits(_ p: UnsafePointer<UInt8>) -> Int64? {
        let a = p[0] &- 0x30, b = p[1] &- 0x30
        if a > 9 || b > 9 { return nil }
        return Int64(a) * 10 + Int64(b)
    }

    /// Parses `YYYY-MM-DD` at `p` (exactly 10 bytes available) into days.
    @inlinable
    static func parseDatePrefix(_ p: UnsafePointer<UInt8>) -> Int64? {
        guard let y1 = twoDigits(p), let y2 = twoDigits(p + 2), p[4] == 0x2D,
              let month = twoDigits(p + 5), p[7] == 0x2D, let day = twoDigits(p + 8)
        else { return nil }
        let year = y1 * 100 + y2
        if month < 1 || month > 12 || day < 1 || day > daysInMonth(year: year, month: month) {
            return nil
        }
        return daysFromCivil(year, month, day)
    }

    /// Parses a DATE `YYYY-MM-DD` (4-digit year 0000...9999, validated month
    /// and day including leap years) into days since 1970-01-01.
    @inlinable
    public static func parseDate(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        if n != 10 { return nil }
        return parseDatePrefix(p)
    }

    /// Buffer form of `parseDate(_:_:)`.
    @inlinable
    public static func parseDate(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        return parseDate(base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Convenience for non-hot callers: parses a `String` date.
    public static func parseDate(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parseDate(UnsafeRawBufferPointer($0)) }
    }

    /// Parses a timestamp into µs since the epoch (UTC); `nil` when invalid.
    ///
    /// Text grammar (`.iso` and `.auto`):
    /// `YYYY-MM-DD` (midnight) or
    /// `YYYY-MM-DD(' '|'T'|'t')HH:MM[:SS[.f{1,9}]][' '?(Z|z|±HH|±HHMM|±HH:MM)]`.
    /// The fraction is **truncated** to microseconds (digits 7–9 are
    /// validated and dropped). Offsets are subtracted to yield UTC; without an
    /// offset the value is taken as UTC. Ranges: year 0000–9999, month 1–12,
    /// day within month (leap years), hour 0–23, minute 0–59, second 0–59
    /// (leap second 60 is rejected), offset hours 0–23, offset minutes 0–59.
    ///
    /// Epoch grammars: see `TimeFormat`. Overflowing values return `nil`.
    @inlinable
    public static func parseTimestamp(
        _ p: UnsafePointer<UInt8>, _ n: Int, format: TimeFormat = .auto
    ) -> Int64? {
        if n <= 0 { return nil }
        switch format {
        case .iso:
            return parseISOTimestamp(p, n)
        case .epochSeconds:
            return parseEpoch(p, n, scale: 1_000_000, allowFraction: true)
        case .epochMillis:
            return parseEpoch(p, n, scale: 1_000, allowFraction: true)
        case .epochMicros:
            return parseEpoch(p, n, scale: 1, allowFraction: false)
        case .auto:
            // Epoch numbers: optional '-', digits, at most one '.'.
            var i = p[0] == 0x2D ? 1 : 0
            var intDigits = 0
            var dots = 0
            var onlyNumeric = i < n
            while i < n {
                let c = p[i]
                if c &- 0x30 <= 9 {
                    if dots == 0 { intDigits += 1 }
                } else if c == 0x2E {
                    dots += 1
                } else {
                    onlyNumeric = false
                    break
                }
                i += 1
            }
            if !onlyNumeric { return parseISOTimestamp(p, n) }
            if dots > 1 || intDigits == 0 { return nil }
            if intDigits <= 11 { return parseEpoch(p, n, scale: 1_000_000, allowFraction: true) }
            if intDigits <= 14 { return parseEpoch(p, n, scale: 1_000, allowFraction: true) }
            if intDigits <= 17 { return parseEpoch(p, n, scale: 1, allowFraction: false) }
            return nil
        }
    }

    /// Buffer form of `parseTimestamp(_:_:format:)`.
    @inlinable
    public static func parseTimestamp(
        _ bytes: UnsafeRawBufferPointer, format: TimeFormat = .auto
    ) -> Int64? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        return parseTimestamp(base.assumingMemoryBound(to: UInt8.self), bytes.count, format: format)
    }

    /// Convenience for non-hot callers: parses a `String` timestamp.
    public static func parseTimestamp(_ s: String, format: TimeFormat = .auto) -> Int64? {
        var s = s
        return s.withUTF8 { parseTimestamp(UnsafeRawBufferPointer($0), format: format) }
    }

    @inlinable
    static func parseISOTimestamp(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        if n < 10 { return nil }
        guard let days = parseDatePrefix(p) else { return nil }
        if n == 10 { return days * microsPerDay }
        let sep = p[10]
        if sep != 0x20 && sep != 0x54 && sep != 0x74 { return nil }
        if n < 16 { return nil }
        guard let hour = twoDigits(p + 11), p[13] == 0x3A, let minute = twoDigits(p + 14),
              hour <= 23, minute <= 59 else { return nil }
        var i = 16
        var second: Int64 = 0
        var fraction: Int64 = 0
        if i < n && p[i] == 0x3A {
            guard i + 3 <= n, let s = twoDigits(p + i + 1), s <= 59 else { return nil }
            second = s
            i += 3
            if i < n && p[i] == 0x2E {
                i += 1
                var digits = 0
                while i < n {
                    let d = p[i] &- 0x30
                    if d > 9 { break }
                    if digits < 6 { fraction = fraction * 10 + Int64(d) }
                    digits += 1
                    i += 1
                }
                if digits == 0 || digits > 9 { return nil }
                var k = digits
                while k < 6 { fraction *= 10; k += 1 }
            }
        }
        var offsetSeconds: Int64 = 0
        if i < n {
            if p[i] == 0x20 {
                i += 1
                if i == n { return nil }
            }
            let c = p[i]
            if c == 0x5A || c == 0x7A {
                i += 1
            } else if c == 0x2B || c == 0x2D {
                i += 1
                guard i + 2 <= n, let oh = twoDigits(p + i), oh <= 23 else { return nil }
                i += 2
                var om: Int64 = 0
                if i < n {
                    if p[i] == 0x3A { i += 1 }
                    guard i + 2 <= n, let m = twoDigits(p + i), m <= 59 else { return nil }
                    om = m
                    i += 2
                }
                offsetSeconds = oh * 3600 + om * 60
                if c == 0x2D { offsetSeconds = -offsetSeconds }
            } else {
                return nil
            }
        }
        if i != n { return nil }
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return secs * microsPerSecond + fraction
    }

    /// `[-+]?digits[.digits]` scaled by `scale` µs per unit.
    @inlinable
    static func parseEpoch(
        _ p: UnsafePointer<UInt8>, _ n: Int, scale: Int64, allowFraction: Bool
    ) -> Int64? {
        var i = 0
        var negative = false
        if p[0] == 0x2D { negative = true; i = 1 } else if p[0] == 0x2B { i = 1 }
        var whole: Int64 = 0
        var digits = 0
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { break }
            let (m, o1) = whole.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            whole = a
            digits += 1
            i += 1
        }
        if digits == 0 { return nil }
        var fractionMicros: Int64 = 0
        if i < n && p[i] == 0x2E {
            if !allowFraction { return nil }
            i += 1
            // Fraction of one unit, in µs: first k digits where 10^k == scale.
            var place = scale
            var fracDigits = 0
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { return nil }
                place /= 10
                fractionMicros += Int64(d) * place
                fracDigits += 1
                i += 1
            }
            if fracDigits == 0 { return nil }
        }
        if i != n { return nil }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: scale)
        if overflow { return nil }
        let (total, o2) = scaled.addingReportingOverflow(fractionMicros)
        if o2 { return nil }
        return negative ? -total : total
    }

    // MARK: Formatting

    /// Maximum bytes written by `writeTimestamp` / `writeDate`.
    public static let maxFormattedLength = 40

    @inlinable
    static func write2(_ v: Int64, _ out: UnsafeMutablePointer<UInt8>) {
        out[0] = UInt8(truncatingIfNeeded: v / 10) &+ 0x30
        out[1] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
    }

    /// Writes `YYYY-MM-DD` for `days` since the epoch; returns the byte count.
    /// Years outside 0...9999 are written with at least four digits and a
    /// leading `-` when negative (e.g. `-0001-12-31`, `10000-01-01`).
    /// `out` must have room for `maxFormattedLength` bytes.
    @inlinable
    public static func writeDate(_ days: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let c = civilFromDays(days)
        var pos = 0
        var year = c.year
        if year < 0 { out[0] = 0x2D; pos = 1; year = -year }
        if year < 10_000 {
            write2(year / 100, out + pos)
            write2(year % 100, out + pos + 2)
            pos += 4
        } else {
            pos += Values.writeInt64(year, to: out + pos)
        }
        out[pos] = 0x2D
        write2(c.month, out + pos + 1)
        out[pos + 3] = 0x2D
        write2(c.day, out + pos + 4)
        return pos + 6
    }

    /// Writes `YYYY-MM-DD HH:MM:SS[.ffffff]` for a µs timestamp; the fraction
    /// is present only when non-zero and trailing zeros are trimmed
    /// (`…12:00:00.123`, `…12:00:00.000001`). Returns the byte count.
    /// `out` must have room for `maxFormattedLength` bytes.
    @inlinable
    public static func writeTimestamp(_ micros: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let days = floorDiv(micros, microsPerDay)
        let inDay = floorMod(micros, microsPerDay)
        var pos = writeDate(days, to: out)
        let secs = inDay / microsPerSecond
        var frac = inDay % microsPerSecond
        out[pos] = 0x20
        write2(secs / 3600, out + pos + 1)
        out[pos + 3] = 0x3A
        write2((secs / 60) % 60, out + pos + 4)
        out[pos + 6] = 0x3A
        write2(secs % 60, out + pos + 7)
        pos += 9
        if frac != 0 {
            out[pos] = 0x2E
            var digits = 6
            while frac % 10 == 0 { frac /= 10; digits -= 1 }
            var k = digits
            while k > 0 {
                out[pos + k] = UInt8(truncatingIfNeeded: frac % 10) &+ 0x30
                frac /= 10
                k -= 1
            }
            pos += digits + 1
        }
        return pos
    }

    /// Appends `writeDate` output to `bytes`.
    @inlinable
    public static func appendDate(_ days: Int64, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxFormattedLength) { buf in
            let n = writeDate(days, to: buf.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress!, count: n))
        }
    }

    /// Appends `writeTimestamp` output to `bytes`.
    @inlinable
    public static func appendTimestamp(_ micros: Int64, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxFormattedLength) { buf in
            let n = writeTimestamp(micros, to: buf.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress!, count: n))
        }
    }

    /// `YYYY-MM-DD` for `days` since the epoch (see `writeDate`).
    public static func formatDate(_ days: Int64) -> String {
        String(unsafeUninitializedCapacity: maxFormattedLength) { buf in
            writeDate(days, to: buf.baseAddress!)
        }
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` for a µs timestamp (see `writeTimestamp`).
    public static func formatTimestamp(_ micros: Int64) -> String {
        String(unsafeUninitializedCapacity: maxFormattedLength) { buf in
            writeTimestamp(micros, to: buf.baseAddress!)
        }
    }
}
