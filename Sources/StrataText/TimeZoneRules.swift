// IANA time zones from TZif files (RFC 8536), plus fixed offsets.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// UTC-offset rules of one time zone, for converting µs timestamps between
/// UTC and local wall-clock time.
///
/// Built from an IANA identifier by reading `/usr/share/zoneinfo/<name>`
/// (TZif v1, or the 64-bit section of v2+ files) and extending the
/// transition table with the file's POSIX TZ footer rule up to year 2200;
/// later instants evaluate the footer rule directly. Immutable and
/// thread-safe; create once per query, not per value.
public final class TimeZoneRules: Sendable {
    /// The identifier the rules were created from (e.g. `Europe/Berlin`, `+02:00`).
    public let identifier: String
    /// Transition instants (µs since epoch, UTC), ascending.
    @usableFromInline let transitions: [Int64]
    /// `offsets[i]` is the UTC offset (seconds east) from `transitions[i]` on.
    @usableFromInline let offsets: [Int32]
    /// Offset before the first transition (or always, for fixed zones).
    @usableFromInline let initialOffset: Int32
    /// Instants at or after this use `rule` instead of the table.
    @usableFromInline let tableEnd: Int64
    @usableFromInline let rule: PosixTZRule?

    /// The UTC zone.
    public static let utc = TimeZoneRules(fixedOffsetSeconds: 0, identifier: "UTC")

    /// Whether the zone has a single constant offset.
    public var isFixedOffset: Bool { transitions.isEmpty && rule == nil }

    init(identifier: String, transitions: [Int64], offsets: [Int32], initialOffset: Int32,
         tableEnd: Int64, rule: PosixTZRule?) {
        self.identifier = identifier
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = initialOffset
        self.tableEnd = tableEnd
        self.rule = rule
    }

    /// A zone with the constant offset `seconds` east of UTC.
    public convenience init(fixedOffsetSeconds seconds: Int32, identifier: String? = nil) {
        self.init(identifier: identifier ?? TimeZoneRules.describeOffset(seconds),
                  transitions: [], offsets: [], initialOffset: seconds,
                  tableEnd: .max, rule: nil)
    }

    /// Creates rules for `identifier`, or returns `nil` when it is neither a
    /// fixed offset nor a readable, valid TZif zone.
    ///
    /// Accepted forms:
    /// - `UTC`, `GMT`, `Z`, `Etc/UTC` (case-insensitive for these three
    ///   spellings): offset 0, no file needed;
    /// - fixed offsets `±H`, `±HH`, `±HHMM`, `±HH:MM`, optionally prefixed by
    ///   `UTC` or `GMT` (e.g. `+02:00`, `-0530`, `UTC+2`, `GMT-03:30`); the
    ///   sign is ISO-8601's (east positive), unlike POSIX `Etc/GMT+2`;
    /// - IANA names resolved under `zoneinfoDirectory` (default
    ///   `/usr/share/zoneinfo`); names containing `..`, starting with `/` or
    ///   containing NUL are rejected.
    public convenience init?(identifier: String,
                             zoneinfoDirectory: String = "/usr/share/zoneinfo") {
        let upper = identifier.uppercased()
        if upper == "UTC" || upper == "GMT" || upper == "Z" || upper == "ETC/UTC" {
            self.init(fixedOffsetSeconds: 0, identifier: identifier)
            return
        }
        if let seconds = TimeZoneRules.parseFixedOffset(identifier) {
            self.init(fixedOffsetSeconds: seconds, identifier: identifier)
            return
        }
        if identifier.isEmpty || identifier.hasPrefix("/") || identifier.contains("..")
            || identifier.utf8.contains(0) {
            return nil
        }
        guard let bytes = TimeZoneRules.readFile(zoneinfoDirectory + "/" + identifier),
              let parsed = TZifParser.parse(bytes) else { return nil }
        self.init(identifier: identifier, transitions: parsed.transitions,
                  offsets: parsed.offsets, initialOffset: parsed.initialOffset,
                  tableEnd: parsed.tableEnd, rule: parsed.rule)
    }

    /// UTC offset in seconds (east positive) in effect at the UTC instant
    /// `micros`. O(log n) binary search over the transition table.
    @inlinable
    public func offsetSeconds(atUTC micros: Int64) -> Int32 {
        if micros >= tableEnd, let rule {
            return rule.offset(atUTCSeconds: Civil.floorDiv(micros, Civil.microsPerSecond))
        }
        return transitions.withUnsafeBufferPointer { t -> Int32 in
            let n = t.count
            if n == 0 || micros < t[0] { return initialOffset }
            // Largest i with t[i] <= micros.
            var lo = 0
            var hi = n
            while hi - lo > 1 {
                let mid = (lo &+ hi) >> 1
                if t[mid] <= micros { lo = mid } else { hi = mid }
            }
            return offsets[lo]
        }
    }

    /// Local wall-clock µs for the UTC instant `micros` (micros + offset).
    @inlinable
    public func toLocal(_ micros: Int64) -> Int64 {
        micros &+ Int64(offsetSeconds(atUTC: micros)) &* Civil.microsPerSecond
    }

    /// UTC instant for the local wall-clock time `localMicros`.
    ///
    /// Around transitions the offset in effect *before* the transition wins:
    /// an ambiguous time (fall back, e.g. Berlin 2024-10-27 02:30) resolves
    /// to the earlier instant (the DST reading, 00:30Z); a nonexistent time
    /// (spring forward, e.g. Berlin 2024-03-31 02:30) is interpreted with the
    /// pre-transition offset (01:30Z, which reads 03:30 local).
    @inlinable
    public func toUTC(localMicros: Int64) -> Int64 {
        if isFixedOffset { return localMicros &- Int64(initialOffset) &* Civil.microsPerSecond }
        let before = offsetSeconds(atUTC: localMicros &- Civil.microsPerDay)
        let after = offsetSeconds(atUTC: localMicros &+ Civil.microsPerDay)
        let utcBefore = localMicros &- Int64(before) &* Civil.microsPerSecond
        if before == after { return utcBefore }
        let utcAfter = localMicros &- Int64(after) &* Civil.microsPerSecond
        let beforeValid = offsetSeconds(atUTC: utcBefore) == before
        let afterValid = offsetSeconds(atUTC: utcAfter) == after
        if beforeValid && afterValid { return min(utcBefore, utcAfter) }
        if afterValid && !beforeValid { return utcAfter }
        return utcBefore
    }

    // MARK: Helpers

    static func describeOffset(_ seconds: Int32) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let a = Int(seconds.magnitude)
        let h = a / 3600, m = (a / 60) % 60
        return sign + (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
    }

    /// `[UTC|GMT]? [+-] H{1,2} ([:]? MM)?` → seconds east, hours ≤ 23, minutes ≤ 59.
    static func parseFixedOffset(_ s: String) -> Int32? {
        var b = Array(s.utf8)
        if b.count >= 3 {
            let prefix = String(decoding: b[0..<3], as: UTF8.self).uppercased()
            if prefix == "UTC" || prefix == "GMT" { b.removeFirst(3) }
        }
        guard b.count >= 2, b[0] == 0x2B || b[0] == 0x2D else { return nil }
        let negative = b[0] == 0x2D
        var i = 1
        func digit(_ k: Int) -> Int32? {
            guard k < b.count, b[k] &- 0x30 <= 9 else { return nil }
            return Int32(b[k] &- 0x30)
        }
        guard var hours = digit(i) else { return nil }
        i += 1
        if let d = digit(i) { hours = hours * 10 + d; i += 1 }
        var minutes: Int32 = 0
        if i < b.count {
            if b[i] == 0x3A { i += 1 }
            guard let m1 = digit(i), let m2 = digit(i + 1) else { return nil }
            minutes = m1 * 10 + m2
            i += 2
        }
        guard i == b.count, hours <= 23, minutes <= 59 else { return nil }
        let total = hours * 3600 + minutes * 60
        return negative ? -total : total
    }

    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        if fd < 0 { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while result.count < 4 << 20 {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 { return nil }
            if got == 0 { break }
            result.append(contentsOf: chunk[0..<got])
        }
        return result
    }
}

// MARK: - POSIX TZ rule (TZif footer)

/// A POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3` (offsets stored
/// east-positive, i.e. the negation of the POSIX sign).
@usableFromInline
struct PosixTZRule: Sendable, Equatable {
    @usableFromInline
    enum DateRule: Sendable, Equatable {
        /// `Jn`: day 1...365, February 29 never counted.
        case julianNoLeap(Int64)
        /// `n`: zero-based day 0...365, counting February 29.
        case zeroBased(Int64)
        /// `Mm.w.d`: day d (0 = Sunday) of week w (5 = last) of month m.
        case monthWeekDay(month: Int64, week: Int64, weekday: Int64)
    }

    @usableFromInline let stdOffset: Int32
    @usableFromInline let dstOffset: Int32
    @usableFromInline let hasDST: Bool
    @usableFromInline let start: DateRule
    @usableFromInline let startTime: Int64
    @usableFromInline let end: DateRule
    @usableFromInline let endTime: Int64

    /// Day (since epoch) selected by `rule` in `year`.
    static func day(_ rule: DateRule, year: Int64) -> Int64 {
        let jan1 = Civil.daysFromCivil(year, 1, 1)
        switch rule {
        case .julianNoLeap(let n):
            var d = n - 1
            if Civil.isLeapYear(year) && n >= 60 { d += 1 }
            return jan1 + d
        case .zeroBased(let n):
            return jan1 + n
        case .monthWeekDay(let month, let week, let weekday):
            let first = Civil.daysFromCivil(year, month, 1)
            let firstWeekday = Civil.floorMod(first + 4, 7)   // 0 = Sunday
            var d = first + Civil.floorMod(weekday - firstWeekday, 7) + (week - 1) * 7
            let limit = first + Civil.daysInMonth(year: year, month: month)
            while d >= limit { d -= 7 }
            return d
        }
    }

    /// UTC seconds of DST start and end in `year`.
    func transitions(year: Int64) -> (start: Int64, end: Int64) {
        let s = PosixTZRule.day(start, year: year) * 86_400 + startTime - Int64(stdOffset)
        let e = PosixTZRule.day(end, year: year) * 86_400 + endTime - Int64(dstOffset)
        return (s, e)
    }

    /// Offset at the UTC instant `seconds`.
    @usableFromInline
    @inline(never)
    func offset(atUTCSeconds seconds: Int64) -> Int32 {
        if !hasDST { return stdOffset }
        let year = Civil.civilFromDays(Civil.floorDiv(seconds + Int64(stdOffset), 86_400)).year
        let t = transitions(year: year)
        let inDST = t.start < t.end
            ? (seconds >= t.start && seconds < t.end)
            : !(seconds >= t.end && seconds < t.start)
        return inDST ? dstOffset : stdOffset
    }

    /// Parses a POSIX TZ string; `nil` when malformed.
    static func parse(_ s: [UInt8]) -> PosixTZRule? {
        var i = 0
        let n = s.count

        func name() -> Bool {
            if i < n && s[i] == 0x3C {  // <...>
                guard let close = s[i...].firstIndex(of: 0x3E) else { return false }
                i = close + 1
                return true
            }
            let begin = i
            while i < n, (s[i] | 0x20) >= 0x61 && (s[i] | 0x20) <= 0x7A { i += 1 }
            return i - begin >= 3
        }
        func number(maxDigits: Int) -> Int64? {
            var v: Int64 = 0
            var k = 0
            while i < n, s[i] &- 0x30 <= 9, k < maxDigits {
                v = v * 10 + Int64(s[i] &- 0x30); i += 1; k += 1
            }
            return k == 0 ? nil : v
        }
        /// `[+-]?hh[:mm[:ss]]` in seconds (sign as written).
        func time() -> Int64? {
            var negative = false
            if i < n && (s[i] == 0x2B || s[i] == 0x2D) { negative = s[i] == 0x2D; i += 1 }
            guard let h = number(maxDigits: 3) else { return nil }
            var total = h * 3600
            if i < n && s[i] == 0x3A {
                i += 1
                guard let m = number(maxDigits: 2) else { return nil }
                total += m * 60
                if i < n && s[i] == 0x3A {
                    i += 1
                    guard let sec = number(maxDigits: 2) else { return nil }
                    total += sec
                }
            }
            return negative ? -total : total
        }
        func dateRule() -> DateRule? {
            guard i < n else { return nil }
            if s[i] == 0x4A {  // J
                i += 1
                guard let d = number(maxDigits: 3), d >= 1, d <= 365 else { return nil }
                return .julianNoLeap(d)
            }
            if s[i] == 0x4D {  // M
                i += 1
                guard let m = number(maxDigits: 2), m >= 1, m <= 12, i < n, s[i] == 0x2E else { return nil }
                i += 1
                guard let w = number(maxDigits: 1), w >= 1, w <= 5, i < n, s[i] == 0x2E else { return nil }
                i += 1
                guard let d = number(maxDigits: 1), d <= 6 else { return nil }
                return .monthWeekDay(month: m, week: w, weekday: d)
            }
            guard let d = number(maxDigits: 3), d <= 365 else { return nil }
            return .zeroBased(d)
        }

        guard name(), let stdPosix = time() else { return nil }
        let stdOffset = Int32(-stdPosix)
        if i == n {
            return PosixTZRule(stdOffset: stdOffset, dstOffset: stdOffset, hasDST: false,
                               start: .zeroBased(0), startTime: 0, end: .zeroBased(0), endTime: 0)
        }
        guard name() else { return nil }
        var dstOffset = stdOffset + 3600
        if i < n && s[i] != 0x2C {
            guard let dstPosix = time() else { return nil }
            dstOffset = Int32(-dstPosix)
        }
        var start = DateRule.monthWeekDay(month: 3, week: 2, weekday: 0)
        var end = DateRule.monthWeekDay(month: 11, week: 1, weekday: 0)
        var startTime: Int64 = 7200
        var endTime: Int64 = 7200
        if i < n {
            guard s[i] == 0x2C else { return nil }
            i += 1
            guard let sr = dateRule() else { return nil }
            start = sr
            if i < n && s[i] == 0x2F { i += 1; guard let t = time() else { return nil }; startTime = t }
            guard i < n, s[i] == 0x2C else { return nil }
            i += 1
            guard let er = dateRule() else { return nil }
            end = er
            if i < n && s[i] == 0x2F { i += 1; guard let t = time() else { return nil }; endTime = t }
        }
        guard i == n else { return nil }
        return PosixTZRule(stdOffset: stdOffset, dstOffset: dstOffset, hasDST: true,
                           start: start, startTime: startTime, end: end, endTime: endTime)
    }
}

// MARK: - TZif parsing

enum TZifParser {
    struct Result {
        var transitions: [Int64]
        var offsets: [Int32]
        var initialOffset: Int32
        var tableEnd: Int64
        var rule: PosixTZRule?
    }

    /// Last year covered by the precomputed transition table.
    static let lastTableYear: Int64 = 2199

    static func parse(_ b: [UInt8]) -> Result? {
        func u32(_ o: Int) -> Int {
            Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
        }
        func i64(_ o: Int) -> Int64 {
            var v: UInt64 = 0
            for k in 0..<8 { v = v << 8 | UInt64(b[o + k]) }
            return Int64(bitPattern: v)
        }
        struct Header { var isut, isstd, leap, time, type, char: Int }
        func header(_ o: Int) -> Header? {
            guard o + 44 <= b.count, b[o] == 0x54, b[o + 1] == 0x5A, b[o + 2] == 0x69,
                  b[o + 3] == 0x66 else { return nil }
            return Header(isut: u32(o + 20), isstd: u32(o + 24), leap: u32(o + 28),
                          time: u32(o + 32), type: u32(o + 36), char: u32(o + 40))
        }
        guard let h1 = header(0) else { return nil }
        let version = b[4]
        var h = h1
        var data = 44
        var timeSize = 4
        if version >= 0x32 {
            let v1Length = h1.time * 5 + h1.type * 6 + h1.char + h1.leap * 8 + h1.isstd + h1.isut
            guard let h2 = header(44 + v1Length) else { return nil }
            h = h2
            data = 44 + v1Length + 44
            timeSize = 8
        }
        guard h.type >= 1 else { return nil }
        let typesAt = data + h.time * timeSize + h.time
        let blockEnd = typesAt + h.type * 6 + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut
        guard blockEnd <= b.count else { return nil }

        var typeOffsets: [Int32] = []
        for k in 0..<h.type {
            let o = typesAt + k * 6
            typeOffsets.append(Int32(bitPattern: UInt32(u32(o))))
        }
        let limit = Int64.max / Civil.microsPerSecond
        var transitions: [Int64] = []
        var offsets: [Int32] = []
        for k in 0..<h.time {
            let raw: Int64 = timeSize == 8
                ? i64(data + k * 8)
                : Int64(Int32(bitPattern: UInt32(u32(data + k * 4))))
            let idx = Int(b[data + h.time * timeSize + k])
            guard idx < h.type else { return nil }
            let secs = max(-limit, min(limit, raw))
            if let last = transitions.last, secs * Civil.microsPerSecond <= last { continue }
            transitions.append(secs * Civil.microsPerSecond)
            offsets.append(typeOffsets[idx])
        }
        let initialOffset = typeOffsets[0]

        var rule: PosixTZRule? = nil
        if version >= 0x32, blockEnd < b.count, b[blockEnd] == 0x0A,
           let close = b[(blockEnd + 1)...].firstIndex(of: 0x0A), close > blockEnd + 1 {
            rule = PosixTZRule.parse(Array(b[(blockEnd + 1)..<close]))
        }

        var tableEnd = Int64.max
        if let r = rule {
            if r.hasDST {
                // Extend the table with the footer rule through `lastTableYear`.
                var current = offsets.last ?? initialOffset
                let lastSeconds = (transitions.last ?? Int64.min / 2) / Civil.microsPerSecond
                let firstYear = transitions.isEmpty
                    ? 1970
                    : Civil.civilFromDays(Civil.floorDiv(lastSeconds, 86_400)).year
                for year in firstYear...lastTableYear {
                    let t = r.transitions(year: year)
                    let pair = t.start < t.end
                        ? [(t.start, r.dstOffset), (t.end, r.stdOffset)]
                        : [(t.end, r.stdOffset), (t.start, r.dstOffset)]
                    for (secs, off) in pair where secs > lastSeconds && off != current {
                        if let last = transitions.last, secs * Civil.microsPerSecond <= last { continue }
                        transitions.append(secs * Civil.microsPerSecond)
                        offsets.append(off)
                        current = off
                    }
                }
                tableEnd = Civil.daysFromCivil(lastTableYear + 1, 1, 1) * Civil.microsPerDay
            } else if transitions.isEmpty {
                // Footer-only fixed zone: the footer is authoritative.
                return Result(transitions: [], offsets: [], initialOffset: r.stdOffset,
                              tableEnd: .max, rule: nil)
            } else {
                rule = nil
            }
        }
        return Result(transitions: transitions, offsets: offsets, initialOffset: initialOffset,
                      tableEnd: tableEnd, rule: rule)
    }
}
