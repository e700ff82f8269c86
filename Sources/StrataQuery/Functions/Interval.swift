import StrataCore
import StrataSQL
import StrataText

/// DuckDB's INTERVAL: months, days and microseconds kept apart (a month is not a fixed number
/// of days, and a day is not 24 hours across a DST change in a session time zone).
///
/// In a vector, `ints` holds the normalized length (a month counts 30 days, a day 24 hours):
/// the order, equality and grouping of intervals as DuckDB defines them (`INTERVAL 1 MONTH =
/// INTERVAL 30 DAY`), so comparisons, sorts, joins and group keys work on the one word.
/// `ivl` holds months and days packed; micros are the normalized length less those.
enum IntervalParts {
    static let day = Civil.microsPerDay
    static let month = 30 * Civil.microsPerDay

    @inline(__always) static func pack(_ months: Int64, _ days: Int64) -> Int64 {
        (months << 32) | Int64(UInt32(truncatingIfNeeded: days))
    }

    @inline(__always) static func unpack(_ w: Int64) -> (months: Int64, days: Int64) {
        (w >> 32, Int64(Int32(truncatingIfNeeded: w)))
    }

    @inline(__always) static func normalized(_ months: Int64, _ days: Int64, _ micros: Int64) -> Int64 {
        months &* month &+ days &* day &+ micros
    }

    /// The interval of a vector row from its normalized word and packed months/days.
    @inline(__always) static func value(_ total: Int64, _ packed: Int64) -> Value {
        let (m, d) = unpack(packed)
        return .interval(m, d, total &- m &* month &- d &* day)
    }

    @inline(__always) static func parts(_ v: Vec, _ j: Int) -> (Int64, Int64, Int64) {
        let (m, d) = unpack(v.ivl.isEmpty ? 0 : v.ivl[j])
        return (m, d, v.ints[j] &- m &* month &- d &* day)
    }

    /// A length in microseconds as DuckDB splits a difference of timestamps: whole days and
    /// the rest, both with the sign of the length.
    static func fromMicros(_ us: Int64) -> Value {
        .interval(0, us / day, us % day)
    }

    /// A checked interval: months and days fit in 32 bits (as DuckDB's).
    static func make(_ months: Int64, _ days: Int64, _ micros: Int64) -> Value? {
        guard months >= Int64(Int32.min), months <= Int64(Int32.max), days >= Int64(Int32.min), days <= Int64(Int32.max) else { return nil }
        // the normalized word wraps for intervals of more than ~290000 years (beyond any
        // timestamp); micros still round-trip exactly through it (wrapping arithmetic)
        return .interval(months, days, micros)
    }

    static let outOfRange = QueryError("out of range: the interval does not fit in an interval (months and days are 32-bit)")

    /// `INTERVAL 'n' unit`.
    static func literal(_ n: Int64, _ unit: IntervalUnit) -> Value? {
        func times(_ k: Int64) -> Int64? {
            let (x, o) = n.multipliedReportingOverflow(by: k)
            return o ? nil : x
        }
        switch unit {
        case .month: return make(n, 0, 0)
        case .quarter: return times(3).flatMap { make($0, 0, 0) }
        case .year: return times(12).flatMap { make($0, 0, 0) }
        case .week: return times(7).flatMap { make(0, $0, 0) }
        case .day: return make(0, n, 0)
        case .hour: return times(Civil.microsPerHour).flatMap { make(0, 0, $0) }
        case .minute: return times(Civil.microsPerMinute).flatMap { make(0, 0, $0) }
        case .second: return times(Civil.microsPerSecond).flatMap { make(0, 0, $0) }
        case .millisecond: return times(1000).flatMap { make(0, 0, $0) }
        case .microsecond: return make(0, 0, n)
        }
    }

    /// DuckDB's VARCHAR form: `1 year 2 months 3 days 04:05:06.789`, `-1 day`, `36:00:00`,
    /// `00:00:00`.
    static func text(_ months: Int64, _ days: Int64, _ micros: Int64) -> String {
        var parts: [String] = []
        func unit(_ n: Int64, _ name: String) {
            if n != 0 { parts.append("\(n) \(name)" + (n == 1 || n == -1 ? "" : "s")) }
        }
        let years = months / 12
        unit(years, "year")
        unit(months - years * 12, "month")
        unit(days, "day")
        if micros != 0 {
            var s = micros < 0 ? "-" : ""
            var us = micros.magnitude
            let h = us / 3_600_000_000; us -= h * 3_600_000_000
            let m = us / 60_000_000; us -= m * 60_000_000
            let sec = us / 1_000_000; us -= sec * 1_000_000
            func two(_ x: UInt64) -> String { x < 10 ? "0\(x)" : "\(x)" }
            s += two(h) + ":" + two(m) + ":" + two(sec)
            if us != 0 {
                var f = String(us)
                f = String(repeating: "0", count: 6 - f.count) + f
                while f.hasSuffix("0") { f.removeLast() }
                s += "." + f
            }
            parts.append(s)
        } else if parts.isEmpty {
            return "00:00:00"
        }
        return parts.joined(separator: " ")
    }
}
