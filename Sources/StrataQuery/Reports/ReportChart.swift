/// Horizontal bar charts for report tables (unicode eighth blocks).
public enum ReportChart {
    static let partial: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// One bar per value, `width` characters for the largest value, proportional to it in
    /// eighths of a character (rounded; any positive value gets at least `▏`). NULL, zero and
    /// negative values, and all values when none is positive, get an empty bar.
    public static func bars(_ values: [Value], width: Int = 20) -> [String] {
        let numbers = values.map { v -> Double in
            switch v {
            case .int(let i): return Double(i)
            case .double(let d) where d.isFinite: return d
            default: return 0
            }
        }
        let top = numbers.max() ?? 0
        guard top > 0, width > 0 else { return values.map { _ in "" } }
        let full = Double(width * 8)
        return numbers.map { x in
            guard x > 0 else { return "" }
            let eighths = max(1, Int((x / top * full).rounded()))
            var bar = String(repeating: "█", count: eighths / 8)
            if eighths % 8 > 0 { bar.append(partial[eighths % 8 - 1]) }
            return bar
        }
    }

    /// `result` with a `chart` column of bars for column `measure` appended (unchanged when it
    /// has no such column).
    public static func adding(to result: ResultSet, measure: String, width: Int = 20) -> ResultSet {
        guard let c = result.names.firstIndex(of: measure) else { return result }
        var r = result
        r.names.append("chart")
        r.types.append(.varchar)
        r.columns.append(bars(result.columns[c], width: width).map { .string($0) })
        return r
    }
}
