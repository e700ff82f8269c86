import StrataText

/// A compiled strftime/strptime format (DuckDB's specifiers): `%Y %m %d %H %M %S %f %j %a %A
/// %b %B %h %p %I %y %g %n %u %w %W %U %V %G %z %Z %c %x %X %%`, with `%-` for unpadded numbers.
public struct TimeFormat: Sendable {
    enum Item: Sendable {
        case text([UInt8])
        case spec(UInt8, padded: Bool)
    }

    let items: [Item]
    let source: String

    static let specs = Set("YmdHMSfjaAbBhpIygnuwWUVGzZcxX%".utf8)
    static let dayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]

    init(_ s: String) throws(QueryError) {
        source = s
        var items: [Item] = []
        var lit: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] != UInt8(ascii: "%") { lit.append(b[i]); i += 1; continue }
            var padded = true
            var j = i + 1
            if j < b.count && b[j] == UInt8(ascii: "-") { padded = false; j += 1 }
            guard j < b.count, TimeFormat.specs.contains(b[j]) else {
                let spec = j < b.count ? String(decoding: b[i...j], as: UTF8.self) : String(decoding: b[i...], as: UTF8.self)
                throw QueryError("invalid format string '\(s)': unrecognized specifier \(spec)")
            }
            if !lit.isEmpty { items.append(.text(lit)); lit = [] }
            switch b[j] {
            case UInt8(ascii: "c"): items += TimeFormat.expand("%Y-%m-%d %H:%M:%S")
            case UInt8(ascii: "x"): items += TimeFormat.expand("%Y-%m-%d")
            case UInt8(ascii: "X"): items += TimeFormat.expand("%H:%M:%S")
            case UInt8(ascii: "%"): items.append(.text([UInt8(ascii: "%")]))
            default: items.append(.spec(b[j], padded: padded))
            }
            i = j + 1
        }
        if !lit.isEmpty { items.append(.text(lit)) }
        self.items = items
    }

    static func expand(_ s: String) -> [Item] { (try? TimeFormat(s))?.items ?? [] }

    // MARK: formatting

    /// The text of `micros` (local wall clock).
    func format(_ micros: Int64) -> String {
        let days = Civil.floorDiv(micros, Civil.microsPerDay)
        let tod = micros - days * Civil.microsPerDay
        let (y, m, d) = Civil.civilFromDays(days)
        let h = tod / Civil.microsPerHour, mi = (tod / Civil.microsPerMinute) % 60, s = (tod / Civil.microsPerSecond) % 60
        let us = tod % Civil.microsPerSecond
        let wd = Civil.weekday(days: days)  // 1 = Monday
        var out: [UInt8] = []
        out.reserveCapacity(32)
        func num(_ x: Int64, _ width: Int, _ padded: Bool) {
            var t = Array(String(x.magnitude).utf8)
            if padded && t.count < width { t = [UInt8](repeating: UInt8(ascii: "0"), count: width - t.count) + t }
            if x < 0 { out.append(UInt8(ascii: "-")) }
            out += t
        }
        for it in items {
            switch it {
            case .text(let t): out += t
            case .spec(let c, let p):
                switch c {
                case UInt8(ascii: "Y"): num(y, 4, p)
                case UInt8(ascii: "m"): num(m, 2, p)
                case UInt8(ascii: "d"): num(d, 2, p)
                case UInt8(ascii: "H"): num(h, 2, p)
                case UInt8(ascii: "M"): num(mi, 2, p)
                case UInt8(ascii: "S"): num(s, 2, p)
                case UInt8(ascii: "f"): num(us, 6, true)
                case UInt8(ascii: "g"): num(us / 1000, 3, true)
                case UInt8(ascii: "n"): num(us * 1000, 9, true)
                case UInt8(ascii: "j"): num(Civil.dayOfYear(days: days), 3, p)
                case UInt8(ascii: "a"): out += Array(TimeFormat.dayNames[Int(wd - 1)].prefix(3).utf8)
                case UInt8(ascii: "A"): out += Array(TimeFormat.dayNames[Int(wd - 1)].utf8)
                case UInt8(ascii: "b"), UInt8(ascii: "h"): out += Array(TimeFormat.monthNames[Int(m - 1)].prefix(3).utf8)
                case UInt8(ascii: "B"): out += Array(TimeFormat.monthNames[Int(m - 1)].utf8)
                case UInt8(ascii: "p"): out += Array((h < 12 ? "AM" : "PM").utf8)
                case UInt8(ascii: "I"): num(h % 12 == 0 ? 12 : h % 12, 2, p)
                case UInt8(ascii: "y"): num(Civil.floorMod(y, 100), 2, p)
                case UInt8(ascii: "u"): num(wd, 1, true)
                case UInt8(ascii: "w"): num(wd % 7, 1, true)
                case UInt8(ascii: "U"), UInt8(ascii: "W"):
                    // week of the year, weeks starting on Sunday (U) or Monday (W); days before
                    // the first such day are week 0
                    let doy = Civil.dayOfYear(days: days) - 1
                    let wday = c == UInt8(ascii: "U") ? wd % 7 : wd - 1
                    num((doy + 7 - wday) / 7, 2, p)
                case UInt8(ascii: "V"): num(Civil.isoWeek(days: days).week, 2, p)
                case UInt8(ascii: "G"): num(Civil.isoWeek(days: days).year, 4, p)
                case UInt8(ascii: "z"): out += Array("+00".utf8)
                default: break  // %Z: TIMESTAMP has no zone name
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: parsing

    /// The timestamp `s` denotes under this format, nil when it does not match.
    func parse(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var y: Int64 = 1900, mo: Int64 = 1, d: Int64 = 1, h: Int64 = 0, mi: Int64 = 0, sec: Int64 = 0, us: Int64 = 0
        var pm: Bool? = nil
        var doy: Int64? = nil
        var offsetSeconds: Int64 = 0
        func digits(_ maxCount: Int) -> (Int64, Int)? {
            var n: Int64 = 0, k = 0
            while k < maxCount && i < s.count && s[i] >= 48 && s[i] <= 57 {
                n = n * 10 + Int64(s[i] - 48)
                i += 1; k += 1
            }
            return k == 0 ? nil : (n, k)
        }
        func name(_ names: [String], abbreviated: Bool) -> Int? {
            for (k, full) in names.enumerated() {
                let cand = Array((abbreviated ? String(full.prefix(3)) : full).lowercased().utf8)
                if i + cand.count <= s.count {
                    var ok = true
                    for j in 0..<cand.count where s[i + j] | 0x20 != cand[j] { ok = false; break }
                    if ok { i += cand.count; return k }
                }
            }
            return nil
        }
        for it in items {
            switch it {
            case .text(let t):
                for c in t {
                    if c == UInt8(ascii: " ") {
                        // a space matches any run of white space
                        while i < s.count && (s[i] == 32 || s[i] == 9) { i += 1 }
                        continue
                    }
                    guard i < s.count, s[i] == c else { return nil }
                    i += 1
                }
            case .spec(let c, _):
                switch c {
                case UInt8(ascii: "Y"), UInt8(ascii: "G"):
                    var neg = false
                    if i < s.count && s[i] == UInt8(ascii: "-") { neg = true; i += 1 }
                    guard let (n, _) = digits(6) else { return nil }
                    y = neg ? -n : n
                case UInt8(ascii: "y"):
                    guard let (n, _) = digits(2) else { return nil }
                    y = n < 69 ? 2000 + n : 1900 + n
                case UInt8(ascii: "m"): guard let (n, _) = digits(2) else { return nil }; mo = n
                case UInt8(ascii: "d"): guard let (n, _) = digits(2) else { return nil }; d = n
                case UInt8(ascii: "H"), UInt8(ascii: "I"): guard let (n, _) = digits(2) else { return nil }; h = n
                case UInt8(ascii: "M"): guard let (n, _) = digits(2) else { return nil }; mi = n
                case UInt8(ascii: "S"): guard let (n, _) = digits(2) else { return nil }; sec = n
                case UInt8(ascii: "f"), UInt8(ascii: "g"), UInt8(ascii: "n"):
                    let maxd = c == UInt8(ascii: "g") ? 3 : (c == UInt8(ascii: "f") ? 6 : 9)
                    guard var (n, k) = digits(maxd) else { return nil }
                    while k < maxd { n *= 10; k += 1 }
                    us = c == UInt8(ascii: "g") ? n * 1000 : (c == UInt8(ascii: "n") ? n / 1000 : n)
                case UInt8(ascii: "j"): guard let (n, _) = digits(3) else { return nil }; doy = n
                case UInt8(ascii: "a"), UInt8(ascii: "A"):
                    guard name(TimeFormat.dayNames, abbreviated: c == UInt8(ascii: "a")) != nil else { return nil }
                case UInt8(ascii: "b"), UInt8(ascii: "h"), UInt8(ascii: "B"):
                    guard let k = name(TimeFormat.monthNames, abbreviated: c != UInt8(ascii: "B")) else { return nil }
                    mo = Int64(k + 1)
                case UInt8(ascii: "p"):
                    guard i + 2 <= s.count else { return nil }
                    let a = s[i] | 0x20, b = s[i + 1] | 0x20
                    guard b == UInt8(ascii: "m"), a == UInt8(ascii: "a") || a == UInt8(ascii: "p") else { return nil }
                    pm = a == UInt8(ascii: "p")
                    i += 2
                case UInt8(ascii: "u"), UInt8(ascii: "w"), UInt8(ascii: "U"), UInt8(ascii: "W"), UInt8(ascii: "V"):
                    guard digits(c == UInt8(ascii: "u") || c == UInt8(ascii: "w") ? 1 : 2) != nil else { return nil }
                case UInt8(ascii: "z"):
                    guard i < s.count else { return nil }
                    if s[i] == UInt8(ascii: "Z") { i += 1; break }
                    guard s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") else { return nil }
                    let sign: Int64 = s[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let (hh, _) = digits(2) else { return nil }
                    var mm: Int64 = 0
                    if i < s.count && s[i] == UInt8(ascii: ":") { i += 1 }
                    if let (x, _) = digits(2) { mm = x }
                    offsetSeconds = sign * (hh * 3600 + mm * 60)
                case UInt8(ascii: "Z"):
                    while i < s.count && (s[i] | 0x20 >= UInt8(ascii: "a") && s[i] | 0x20 <= UInt8(ascii: "z") || s[i] == UInt8(ascii: "/") || s[i] == UInt8(ascii: "_")) { i += 1 }
                default: return nil
                }
            }
        }
        guard i == s.count else { return nil }
        if let pm {
            guard h >= 1 && h <= 12 else { return nil }
            h = h % 12 + (pm ? 12 : 0)
        }
        guard mo >= 1, mo <= 12, d >= 1, d <= Civil.daysInMonth(year: y, month: mo), h < 24, mi < 60, sec < 60,
              y > -290_000, y < 290_000 else { return nil }
        var days = Civil.daysFromCivil(y, mo, d)
        if let doy {
            guard doy >= 1, doy <= (Civil.isLeapYear(y) ? 366 : 365) else { return nil }
            days = Civil.daysFromCivil(y, 1, 1) + doy - 1
        }
        return days * Civil.microsPerDay + h * Civil.microsPerHour + mi * Civil.microsPerMinute + sec * Civil.microsPerSecond + us
            - offsetSeconds * Civil.microsPerSecond
    }
}
