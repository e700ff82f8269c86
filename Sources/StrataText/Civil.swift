// Proleptic Gregorian calendar arithmetic on days / microseconds since the
// Unix epoch (1970-01-01T00:00:00Z). Integer-only, floor semantics for
// negative values, no Foundation.

/// Namespace for calendar math, timestamp/date parsing and formatting.
///
/// Conventions: a DATE is `Int64` days since 1970-01-01; a TIMESTAMP is
/// `Int64` microseconds since 1970-01-01T00:00:00 UTC. The calendar is the
/// proleptic Gregorian calendar with astronomical year numbering (year 0
/// exists, year -1 is 2 BC). Day algorithms are Howard Hinnant's
/// `days_from_civil` / `civil_from_days`; they are exact for every day count
/// whose year fits comfortably in `Int64` (far beyond the TIMESTAMP range).
public enum Civil {
    /// Microseconds per second.
    public static let microsPerSecond: Int64 = 1_000_000
    /// Microseconds per minute.
    public static let microsPerMinute: Int64 = 60_000_000
    /// Microseconds per hour.
    public static let microsPerHour: Int64 = 3_600_000_000
    /// Microseconds per day.
    public static let microsPerDay: Int64 = 86_400_000_000

    /// Floor division (rounds toward negative infinity); `b` must be > 0.
    @inlinable
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b < 0) ? q - 1 : q
    }

    /// Floor modulo; result is in `0..<b` for `b` > 0.
    @inlinable
    public static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return r < 0 ? r + b : r
    }

    /// Whether `year` is a Gregorian leap year.
    @inlinable
    public static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0) && (year % 100 != 0 || year % 400 == 0)
    }

    /// Number of days in `month` (1...12) of `year`.
    @inlinable
    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of the civil date `year-month-day`.
    /// `month` must be 1...12 and `day` 1...31; no validation is performed
    /// (out-of-range days are linearly extrapolated).
    @inlinable
    public static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400                                   // [0, 399]
        let mp = month > 2 ? month - 3 : month + 9                // [0, 11]
        let doy = (153 * mp + 2) / 5 + day - 1                    // [0, 365]
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy           // [0, 146096]
        return era * 146_097 + doe - 719_468
    }

    /// Civil date `(year, month 1...12, day 1...31)` of `days` since 1970-01-01.
    @inlinable
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097                                          // [0, 146096]
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365    // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)                    // [0, 365]
        let mp = (5 * doy + 2) / 153                                         // [0, 11]
        let d = doy - (153 * mp + 2) / 5 + 1                                 // [1, 31]
        let m = mp < 10 ? mp + 3 : mp - 9                                    // [1, 12]
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// ISO weekday of `days`: 1 = Monday ... 7 = Sunday.
    @inlinable
    public static func weekday(days: Int64) -> Int64 {
        floorMod(days + 3, 7) + 1   // 1970-01-01 was a Thursday (4)
    }

    /// Day of the year of `days`: 1 ... 366.
    @inlinable
    public static func dayOfYear(days: Int64) -> Int64 {
        let y = civilFromDays(days).year
        return days - daysFromCivil(y, 1, 1) + 1
    }

    /// Quarter (1...4) of `days`.
    @inlinable
    public static func quarter(days: Int64) -> Int64 {
        (civilFromDays(days).month - 1) / 3 + 1
    }

    /// ISO-8601 week-numbering year and week (1...53) of `days`; the week
    /// matches DuckDB `extract(week ...)` / `isoyear`. Weeks start on Monday
    /// and week 1 is the week containing the year's first Thursday, e.g.
    /// 2024-12-30 is week 1 of 2025 and 2021-01-03 is week 53 of 2020.
    @inlinable
    public static func isoWeek(days: Int64) -> (year: Int64, week: Int64) {
        let thursday = days - weekday(days: days) + 4
        let y = civilFromDays(thursday).year
        let week = (thursday - daysFromCivil(y, 1, 1)) / 7 + 1
        return (y, week)
    }

    /// Units accepted by `truncate`.
    public enum Unit: Sendable, Hashable {
        /// Whole microseconds (identity).
        case microsecond
        /// Start of the millisecond.
        case millisecond
        /// Start of the second.
        case second
        /// Start of the minute.
        case minute
        /// Start of the hour.
        case hour
        /// Midnight of the day.
        case day
        /// Midnight of the ISO week's Monday.
        case week
        /// Midnight of the first day of the month.
        case month
        /// Midnight of the first day of the quarter (Jan/Apr/Jul/Oct 1).
        case quarter
        /// Midnight of January 1.
        case year
    }

    /// Truncates a timestamp (µs since epoch, UTC wall clock) down to the
    /// start of `unit`, with floor semantics for pre-1970 values
    /// (e.g. -1 µs truncated to `.day` is 1969-12-31 00:00:00).
    /// For local-time truncation convert with `TimeZoneRules.toLocal` first
    /// and back with `toUTC(localMicros:)`.
    @inlinable
    public static func truncate(_ micros: Int64, to unit: Unit) -> Int64 {
        switch unit {
        case .microsecond: return micros
        case .millisecond: return micros - floorMod(micros, 1_000)
        case .second: return micros - floorMod(micros, microsPerSecond)
        case .minute: return micros - floorMod(micros, microsPerMinute)
        case .hour: return micros - floorMod(micros, microsPerHour)
        default:
            let days = floorDiv(micros, microsPerDay)
            return truncateDays(days, to: unit) * microsPerDay
        }
    }

    /// Truncates a date (days since epoch) to the first day of `unit`.
    /// Units finer than `.day` return `days` unchanged.
    @inlinable
    public static func truncateDays(_ days: Int64, to unit: Unit) -> Int64 {
        switch unit {
        case .microsecond, .millisecond, .second, .minute, .hour, .day:
            return days
        case .week:
            return days - (weekday(days: days) - 1)
        case .month:
            let c = civilFromDays(days)
            return daysFromCivil(c.year, c.month, 1)
        case .quarter:
            let c = civilFromDays(days)
            return daysFromCivil(c.year, ((c.month - 1) / 3) * 3 + 1, 1)
        case .year:
            return daysFromCivil(civilFromDays(days).year, 1, 1)
        }
    }
}
