/// The text of a multi-part INTERVAL literal, as DuckDB reads it: `'1 day 2 hours'`,
/// `'1 year 2 months'`, `'1.5 hours'`, `'01:30:00'`, `'1 month 1 day 00:00:00.5'`,
/// `'-1 day'`. The parser turns such a literal into a sum of single-unit literals.
public enum IntervalText {
    /// Abbreviations DuckDB accepts besides the unit names and their plurals.
    static let abbreviations: [String: IntervalUnit] = [
        "y": .year, "yr": .year, "yrs": .year, "mon": .month, "mons": .month, "w": .week, "d": .day,
        "h": .hour, "hr": .hour, "hrs": .hour, "m": .minute, "min": .minute, "mins": .minute,
        "s": .second, "sec": .second, "secs": .second, "ms": .millisecond, "msec": .millisecond,
        "msecs": .millisecond, "us": .microsecond, "usec": .microsecond, "usecs": .microsecond,
    ]

    static func unit(_ s: String) -> IntervalUnit? {
        let l = s.lowercased()
        return IntervalUnit.parse(l) ?? abbreviations[l]
    }

    /// (count, unit) terms whose sum is the interval; nil when the text is not an interval.
    public static func terms(_ text: String) -> [(Int64, IntervalUnit)]? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else { return nil }
        var out: [(Int64, IntervalUnit)] = []
        var i = 0
        while i < words.count {
            var w = words[i]
            if w.contains(":") {
                guard let us = timeOfDay(w) else { return nil }
                out.append((us, .microsecond))
                i += 1
                continue
            }
            // a number, its unit either glued ('2h') or the next word
            var unitText = ""
            if let k = w.firstIndex(where: { $0.isLetter }) {
                unitText = String(w[k...])
                w = String(w[..<k])
            } else {
                guard i + 1 < words.count else { return nil }
                unitText = words[i + 1]
                i += 1
            }
            i += 1
            guard let u = unit(unitText), let t = scaled(w, u) else { return nil }
            out.append(contentsOf: t)
        }
        return out
    }

    /// `[-]H:MM[:SS[.ffffff]]` as microseconds.
    static func timeOfDay(_ s0: String) -> Int64? {
        var s = Substring(s0)
        var sign: Int64 = 1
        if s.first == "-" { sign = -1; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let h = Int64(parts[0]), let m = Int64(parts[1]), h >= 0, m >= 0 else { return nil }
        var us: Int64 = 0
        if parts.count == 3 {
            let sec = parts[2].split(separator: ".", omittingEmptySubsequences: false)
            guard sec.count <= 2, let whole = Int64(sec[0]), whole >= 0 else { return nil }
            us = whole * 1_000_000
            if sec.count == 2 {
                let f = sec[1]
                guard !f.isEmpty, f.count <= 6, let frac = Int64(f) else { return nil }
                var x = frac
                for _ in f.count..<6 { x *= 10 }
                us += x
            }
        }
        let (hm, o1) = h.multipliedReportingOverflow(by: 3_600_000_000)
        let (mm, o2) = m.multipliedReportingOverflow(by: 60_000_000)
        guard !o1, !o2 else { return nil }
        let (t, o3) = hm.addingReportingOverflow(mm)
        let (r, o4) = t.addingReportingOverflow(us)
        guard !o3, !o4 else { return nil }
        return sign * r
    }

    /// A possibly fractional count of `u`: whole units, the fraction in the next smaller unit
    /// DuckDB uses (months: 30-day days; days and times: microseconds).
    static func scaled(_ number: String, _ u: IntervalUnit) -> [(Int64, IntervalUnit)]? {
        if let n = Int64(number) { return [(n, u)] }
        guard let d = Double(number), d.isFinite, !number.lowercased().contains("e"), !number.contains("n") else { return nil }
        let whole = d.rounded(.towardZero), frac = d - whole
        guard abs(whole) < 9e15 else { return nil }
        let perUnit: Double
        switch u {
        case .year: return [(Int64(whole) * 12 + Int64((frac * 12).rounded(.towardZero)), .month)]
        case .quarter: return [(Int64(whole) * 3 + Int64((frac * 3).rounded(.towardZero)), .month)]
        case .month: return [(Int64(whole), .month), (Int64((frac * 30).rounded(.towardZero)), .day)]
        case .week: return [(Int64(whole) * 7, .day), (Int64((frac * 7 * 86_400_000_000).rounded()), .microsecond)]
        case .day: return [(Int64(whole), .day), (Int64((frac * 86_400_000_000).rounded()), .microsecond)]
        case .hour: perUnit = 3_600_000_000
        case .minute: perUnit = 60_000_000
        case .second: perUnit = 1_000_000
        case .millisecond: perUnit = 1000
        case .microsecond: perUnit = 1
        }
        let us = d * perUnit
        guard abs(us) < 9.2e18 else { return nil }
        return [(Int64(us.rounded()), .microsecond)]
    }
}
