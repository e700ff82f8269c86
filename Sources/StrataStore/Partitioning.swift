import StrataText

/// Time partition granularity of a table.
public enum Granularity: String, Sendable, Codable, CaseIterable {
    case hour, day, month, none

    static let microsPerHour: Int64 = 3_600_000_000
    static let microsPerDay: Int64 = 86_400_000_000

    /// Start (inclusive, µs UTC) of the partition holding `micros`.
    public func partitionStart(_ micros: Int64) -> Int64 {
        switch self {
        case .none: return 0
        case .hour: return Civil.floorDiv(micros, Self.microsPerHour) * Self.microsPerHour
        case .day: return Civil.floorDiv(micros, Self.microsPerDay) * Self.microsPerDay
        case .month:
            let (y, m, _) = Civil.civilFromDays(Civil.floorDiv(micros, Self.microsPerDay))
            return Civil.daysFromCivil(y, m, 1) * Self.microsPerDay
        }
    }

    /// End (exclusive) of the partition starting at `start`.
    public func partitionEnd(_ start: Int64) -> Int64 {
        switch self {
        case .none: return .max
        case .hour: return start + Self.microsPerHour
        case .day: return start + Self.microsPerDay
        case .month:
            let (y, m, _) = Civil.civilFromDays(Civil.floorDiv(start, Self.microsPerDay))
            return (m == 12 ? Civil.daysFromCivil(y + 1, 1, 1) : Civil.daysFromCivil(y, m + 1, 1)) * Self.microsPerDay
        }
    }

    /// Directory name of the partition starting at `start`: `month=2024-05`, `day=2024-05-06`,
    /// `hour=2024-05-06T13`, or `all`.
    public func label(_ start: Int64) -> String {
        if self == .none { return "all" }
        let days = Civil.floorDiv(start, Self.microsPerDay)
        let (y, m, d) = Civil.civilFromDays(days)
        let ys = pad(Int64(y), 4), ms = pad(Int64(m), 2), ds = pad(Int64(d), 2)
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

