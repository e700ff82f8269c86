/// Time partition granularity of a table.
public enum Granularity: String, Sendable, Codable, CaseIterable {
    case hour, day, month, none

    static let microsPerHour: Int64 = 3_600_000_000
    static let microsPerDay: Int64 = 86_400_000_000

    /// Start (inclusive, µs UTC) of the partition holding `micros`.
    public func partitionStart(_ micros: Int64) -> Int64 {
        switch self {
        case .none: return 0
        case .hour: return floorDiv(micros, Self.microsPerHour) * Self.microsPerHour
        case .day: return floorDiv(micros, Self.microsPerDay) * Self.microsPerDay
        case .month:
            let (y, m, _) = civilFromDays(floorDiv(micros, Self.microsPerDay))
            return daysFromCivil(y, m, 1) * Self.microsPerDay
        }
    }

    /// End (exclusive) of the partition starting at `start`.
    public func partitionEnd(_ start: Int64) -> Int64 {
        switch self {
        case .none: return .max
        case .hour: return start + Self.microsPerHour
        case .day: return start + Self.microsPerDay
        case .month:
            let (y, m, _) = civilFromDays(floorDiv(start, Self.microsPerDay))
            return (m == 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1)) * Self.microsPerDay
        }
    }

    /// Directory name of the partition starting at `start`: `month=2024-05`, `day=2024-05-06`,
    /// `hour=2024-05-06T13`, or `all`.
    public func label(_ start: Int64) -> String {
        if self == .none { return "all" }
        let days = floorDiv(start, Self.microsPerDay)
        let (y, m, d) = civilFromDays(days)
        let ys = pad(y, 4), ms = pad(m, 2), ds = pad(d, 2)
        switch self {
        case .month: return "month=\(ys)-\(ms)"
        case .day: return "day=\(ys)-\(ms)-\(ds)"
        case .hour:
            let h = (start - days * Self.microsPerDay) / Self.microsPerHour
            return "hour=\(ys)-\(ms)-\(ds)T\(pad(h, 2))"
        case .none: return "all"
        }
    }

    private func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (m + 9) % 12
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
}
