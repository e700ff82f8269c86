import Testing
@testable import StrataText

private let second: Int64 = 1_000_000

/// µs for a UTC civil time (uses daysFromCivil, which is pinned to literal
/// epoch values in `daysFromCivilKnownValues`).
private func utc(_ y: Int64, _ m: Int64, _ d: Int64, _ h: Int64 = 0, _ mi: Int64 = 0,
                 _ s: Int64 = 0, micros: Int64 = 0) -> Int64 {
    (Civil.daysFromCivil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s) * second + micros
}

// MARK: - Civil calendar

@Test func daysFromCivilKnownValues() {
    #expect(Civil.daysFromCivil(1970, 1, 1) == 0)
    #expect(Civil.daysFromCivil(1969, 12, 31) == -1)
    #expect(Civil.daysFromCivil(2024, 5, 1) * 86_400 == 1_714_521_600)
    #expect(Civil.daysFromCivil(1, 1, 1) * 86_400 == -62_135_596_800)
    #expect(Civil.daysFromCivil(9999, 12, 31) * 86_400 == 253_402_214_400)
    #expect(Civil.daysFromCivil(2000, 3, 1) == 11_017)
    #expect(Civil.civilFromDays(-719_528) == (0, 1, 1))
    #expect(Civil.civilFromDays(19_844) == (2024, 5, 1))
    #expect(Civil.civilFromDays(-1) == (1969, 12, 31))
}

/// Walk day by day over 0001-01-01 ... 2500-12-31 against a naive calendar.
@Test func civilMatchesNaiveDayWalk() {
    var y: Int64 = 1, m: Int64 = 1, d: Int64 = 1
    var days = Civil.daysFromCivil(1, 1, 1)
    var weekday = Civil.weekday(days: days)
    var doy: Int64 = 1
    while y <= 2500 {
        let c = Civil.civilFromDays(days)
        if c.year != y || c.month != m || c.day != d || Civil.daysFromCivil(y, m, d) != days
            || Civil.weekday(days: days) != weekday || Civil.dayOfYear(days: days) != doy
            || Civil.quarter(days: days) != (m - 1) / 3 + 1 {
            Issue.record("mismatch at \(y)-\(m)-\(d) (days \(days))")
            return
        }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let monthLengths: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        days += 1
        weekday = weekday == 7 ? 1 : weekday + 1
        d += 1
        doy += 1
        if d > monthLengths[Int(m - 1)] {
            d = 1; m += 1
            if m > 12 { m = 1; y += 1; doy = 1 }
        }
    }
}

@Test func civilRoundTripOverWideRange() {
    for seed in 0..<20 as Range<UInt64> {
        var rng = SplitMix64(seed: seed &+ 77)
        for _ in 0..<5000 {
            // ±100 million years, plus the TIMESTAMP-relevant ±300k years.
            let range: Int64 = rng.next() % 2 == 0 ? 36_524_250_000 : 110_000_000
            let days = Int64(bitPattern: rng.next() % UInt64(2 * range)) - range
            let c = Civil.civilFromDays(days)
            #expect((1...12).contains(c.month))
            #expect(c.day >= 1 && c.day <= Civil.daysInMonth(year: c.year, month: c.month))
            #expect(Civil.daysFromCivil(c.year, c.month, c.day) == days)
        }
    }
}

@Test func weekdayAndIsoWeekKnownDates() {
    #expect(Civil.weekday(days: 0) == 4)                                   // Thu
    #expect(Civil.weekday(days: Civil.daysFromCivil(2024, 5, 1)) == 3)   // Wed
    #expect(Civil.weekday(days: Civil.daysFromCivil(2024, 5, 5)) == 7)   // Sun
    #expect(Civil.weekday(days: Civil.daysFromCivil(1900, 1, 1)) == 1)   // Mon
    let cases: [(Int64, Int64, Int64, Int64, Int64)] = [
        (2024, 12, 30, 2025, 1), (2021, 1, 3, 2020, 53), (2021, 1, 4, 2021, 1),
        (2020, 12, 31, 2020, 53), (2026, 1, 1, 2026, 1), (2027, 1, 1, 2026, 53),
        (2024, 1, 1, 2024, 1), (2023, 1, 1, 2022, 52), (2024, 5, 1, 2024, 18),
        (2008, 12, 29, 2009, 1), (2010, 1, 3, 2009, 53), (1969, 12, 31, 1970, 1),
    ]
    for (y, m, d, wy, w) in cases {
        let r = Civil.isoWeek(days: Civil.daysFromCivil(y, m, d))
        #expect(r.year == wy && r.week == w, "\(y)-\(m)-\(d) → \(r)")
    }
    #expect(Civil.dayOfYear(days: Civil.daysFromCivil(2024, 12, 31)) == 366)
    #expect(Civil.dayOfYear(days: Civil.daysFromCivil(2023, 12, 31)) == 365)
    #expect(Civil.quarter(days: Civil.daysFromCivil(2024, 10, 1)) == 4)
}

/// ISO week via a naive definition: Monday of week 1 is the Monday on or
/// before January 4.
@Test func isoWeekMatchesNaiveDefinition() {
    func week1Monday(_ y: Int64) -> Int64 {
        var d = Civil.daysFromCivil(y, 1, 4)
        while Civil.weekday(days: d) != 1 { d -= 1 }
        return d
    }
    var rng = SplitMix64(seed: 4242)
    for _ in 0..<20_000 {
        let days = Int64(rng.next() % 1_000_000) - 500_000
        let y = Civil.civilFromDays(days).year
        var isoYear = y + 1
        while days < week1Monday(isoYear) { isoYear -= 1 }
        let week = (days - week1Monday(isoYear)) / 7 + 1
        let r = Civil.isoWeek(days: days)
        #expect(r.year == isoYear && r.week == week, "days \(days)")
    }
}

@Test func truncateKnownValues() {
    let t = utc(2024, 5, 15, 13, 47, 31, micros: 123_456) // Wednesday
    #expect(Civil.truncate(t, to: .microsecond) == t)
    #expect(Civil.truncate(t, to: .millisecond) == utc(2024, 5, 15, 13, 47, 31, micros: 123_000))
    #expect(Civil.truncate(t, to: .second) == utc(2024, 5, 15, 13, 47, 31))
    #expect(Civil.truncate(t, to: .minute) == utc(2024, 5, 15, 13, 47))
    #expect(Civil.truncate(t, to: .hour) == utc(2024, 5, 15, 13))
    #expect(Civil.truncate(t, to: .day) == utc(2024, 5, 15))
    #expect(Civil.truncate(t, to: .week) == utc(2024, 5, 13))
    #expect(Civil.truncate(t, to: .month) == utc(2024, 5, 1))
    #expect(Civil.truncate(t, to: .quarter) == utc(2024, 4, 1))
    #expect(Civil.truncate(t, to: .year) == utc(2024, 1, 1))
    // Negative (pre-epoch) values floor, not truncate toward zero.
    #expect(Civil.truncate(-1, to: .second) == -second)
    #expect(Civil.truncate(-1, to: .day) == -86_400 * second)
    #expect(Civil.truncate(-1, to: .week) == utc(1969, 12, 29))
    #expect(Civil.truncate(-1, to: .month) == utc(1969, 12, 1))
    #expect(Civil.truncate(-1, to: .quarter) == utc(1969, 10, 1))
    #expect(Civil.truncate(-1, to: .year) == utc(1969, 1, 1))
    #expect(Civil.truncateDays(Civil.daysFromCivil(2024, 12, 31), to: .quarter)
            == Civil.daysFromCivil(2024, 10, 1))
}

/// Truncation against a naive reference that rebuilds the value from its
/// formatted text fields.
@Test func truncateMatchesNaiveReference() {
    for seed in 0..<10 as Range<UInt64> {
        var rng = SplitMix64(seed: seed &+ 9)
        for _ in 0..<2000 {
            // Years ~1000 ... ~2900 (both sides of the epoch).
            let micros = Int64(bitPattern: rng.next() % 60_000_000_000_000_000) - 30_000_000_000_000_000
            let text = Civil.formatTimestamp(micros)
            let b = Array(text.utf8)
            func field(_ r: Range<Int>) -> Int64 { Int64(String(decoding: b[r], as: UTF8.self))! }
            let (y, mo, d) = (field(0..<4), field(5..<7), field(8..<10))
            let (h, mi, s) = (field(11..<13), field(14..<16), field(17..<19))
            #expect(Civil.truncate(micros, to: .second) == utc(y, mo, d, h, mi, s))
            #expect(Civil.truncate(micros, to: .minute) == utc(y, mo, d, h, mi))
            #expect(Civil.truncate(micros, to: .hour) == utc(y, mo, d, h))
            #expect(Civil.truncate(micros, to: .day) == utc(y, mo, d))
            #expect(Civil.truncate(micros, to: .month) == utc(y, mo, 1))
            #expect(Civil.truncate(micros, to: .quarter) == utc(y, (mo - 1) / 3 * 3 + 1, 1))
            #expect(Civil.truncate(micros, to: .year) == utc(y, 1, 1))
            var monday = Civil.daysFromCivil(y, mo, d)
            while Civil.weekday(days: monday) != 1 { monday -= 1 }
            #expect(Civil.truncate(micros, to: .week) == monday * 86_400 * second)
        }
    }
}

// MARK: - Timestamp parsing

@Test func parseTimestampTextForms() {
    let noon = 1_714_564_800 * second  // 2024-05-01 12:00:00Z
    let forms: [(String, Int64)] = [
        ("2024-05-01 12:00:00", noon),
        ("2024-05-01T12:00:00", noon),
        ("2024-05-01t12:00:00", noon),
        ("2024-05-01T12:00:00Z", noon),
        ("2024-05-01 12:00:00z", noon),
        ("2024-05-01 12:00", noon),
        ("2024-05-01T12:00Z", noon),
        ("2024-05-01", noon - 12 * 3600 * second),
        ("2024-05-01 14:00:00+02:00", noon),
        ("2024-05-01 14:00:00+0200", noon),
        ("2024-05-01 14:00:00+02", noon),
        ("2024-05-01 14:00:00 +02:00", noon),
        ("2024-05-01 06:30:00-05:30", noon),
        ("2024-05-01T06:30-0530", noon),
        ("2024-05-01 12:00:00+00:00", noon),
        ("2024-05-01 12:00:00.1", noon + 100_000),
        ("2024-05-01 12:00:00.123", noon + 123_000),
        ("2024-05-01 12:00:00.000001", noon + 1),
        ("2024-05-01 12:00:00.123456", noon + 123_456),
        ("2024-05-01 12:00:00.1234567", noon + 123_456),   // truncated
        ("2024-05-01 12:00:00.999999999", noon + 999_999), // truncated, not rounded
        ("2024-05-01 14:00:00.5+02:00", noon + 500_000),
        ("1970-01-01 00:00:00", 0),
        ("1969-12-31 23:59:59.999999", -1),
        ("0001-01-01", -62_135_596_800 * second),
        ("9999-12-31 23:59:59", (253_402_214_400 + 86_399) * second),
        ("2024-02-29", 1_709_164_800 * second),
        ("2000-02-29", 951_782_400 * second),
    ]
    for (s, expected) in forms {
        #expect(Civil.parseTimestamp(s) == expected, "\(s)")
        #expect(Civil.parseTimestamp(s, format: .iso) == expected, "\(s)")
    }
}

@Test func parseTimestampRejects() {
    let bad = [
        "", "2024-05", "2024-5-01", "2024-05-1", "24-05-01", "2024/05/01", "2024-05-01x",
        "2024-00-10", "2024-13-01", "2024-01-00", "2024-01-32", "2024-04-31", "2023-02-29",
        "1900-02-29", "2024-05-01 24:00:00", "2024-05-01 12:60:00", "2024-05-01 12:00:60",
        "2024-05-01T", "2024-05-01 ", "2024-05-01 12", "2024-05-01 12:0", "2024-05-01 1:00:00",
        "2024-05-01 12:00:", "2024-05-01 12:00:0", "2024-05-01 12:00:00.",
        "2024-05-01 12:00:00.1234567890", "2024-05-01 12:00:00.12a", "2024-05-01 12:00:00 ",
        "2024-05-01 12:00:00+2", "2024-05-01 12:00:00+02:0", "2024-05-01 12:00:00+0",
        "2024-05-01 12:00:00+24:00", "2024-05-01 12:00:00+02:60", "2024-05-01 12:00:00+02:00x",
        "2024-05-01 12:00:00ZZ", "2024-05-01 12:00:00 UTC", "2024-05-01_12:00:00",
        " 2024-05-01", "2024-05-01Z",
    ]
    #expect(Civil.parseTimestamp("2024", format: .iso) == nil)
    #expect(Civil.parseTimestamp("2024") == 2024 * second)  // .auto: all digits → epoch seconds
    for s in bad {
        #expect(Civil.parseTimestamp(s) == nil, "\(s)")
        #expect(Civil.parseTimestamp(s, format: .iso) == nil, "\(s)")
    }
}

@Test func parseTimestampEpochForms() {
    let t = 1_714_564_800 * second
    // .auto: unit from the integer digit count.
    #expect(Civil.parseTimestamp("1714564800") == t)                    // 10 → seconds
    #expect(Civil.parseTimestamp("1714564800.25") == t + 250_000)
    #expect(Civil.parseTimestamp("1714564800123") == t + 123_000)       // 13 → millis
    #expect(Civil.parseTimestamp("1714564800123.5") == t + 123_500)
    #expect(Civil.parseTimestamp("1714564800123456") == t + 123_456)    // 16 → micros
    #expect(Civil.parseTimestamp("0") == 0)
    #expect(Civil.parseTimestamp("-1") == -second)
    #expect(Civil.parseTimestamp("-1.5") == -1_500_000)
    #expect(Civil.parseTimestamp("99999999999") == 99_999_999_999 * second)          // 11 → s
    #expect(Civil.parseTimestamp("100000000000") == 100_000_000_000_000)          // 12 → ms
    #expect(Civil.parseTimestamp("99999999999999") == 99_999_999_999_999_000)     // 14 → ms
    #expect(Civil.parseTimestamp("100000000000000") == 100_000_000_000_000)          // 15 → µs
    #expect(Civil.parseTimestamp("99999999999999999") == 99_999_999_999_999_999)     // 17 → µs
    #expect(Civil.parseTimestamp("000001714564800") == 1_714_564_800)                // 15 digits as written
    for s in ["123456789012345678", "1.2.3", ".5", "5.", "-", "1714564800123456.5", "+1714564800",
              "1e9", "17145 64800"] {
        #expect(Civil.parseTimestamp(s) == nil, "\(s)")
    }
    // Explicit units.
    #expect(Civil.parseTimestamp("1714564800", format: .epochSeconds) == t)
    #expect(Civil.parseTimestamp("+1714564800.0000019", format: .epochSeconds) == t + 1)
    #expect(Civil.parseTimestamp("1714564800123456", format: .epochSeconds) == nil) // overflow
    #expect(Civil.parseTimestamp("1714564800", format: .epochMillis) == 1_714_564_800_000)
    #expect(Civil.parseTimestamp("1714564800123.456", format: .epochMillis) == t + 123_456)
    #expect(Civil.parseTimestamp("-1.5", format: .epochMillis) == -1_500)
    #expect(Civil.parseTimestamp("1714564800", format: .epochMicros) == 1_714_564_800)
    #expect(Civil.parseTimestamp("-42", format: .epochMicros) == -42)
    #expect(Civil.parseTimestamp("12.5", format: .epochMicros) == nil)
    #expect(Civil.parseTimestamp("2024-05-01", format: .epochSeconds) == nil)
    #expect(Civil.parseTimestamp("1714564800", format: .iso) == nil)
    #expect(Civil.parseTimestamp("9223372036854775807", format: .epochMicros) == Int64.max)
    #expect(Civil.parseTimestamp("9223372036854775808", format: .epochMicros) == nil)
}

@Test func parseDateForms() {
    #expect(Civil.parseDate("1970-01-01") == 0)
    #expect(Civil.parseDate("2024-05-01") == 19_844)
    #expect(Civil.parseDate("1969-12-31") == -1)
    #expect(Civil.parseDate("2024-02-29") == 19_782)
    for s in ["", "2023-02-29", "2024-05-01 00:00:00", "2024-05-1", "20240501", " 2024-05-01", "2024-13-01"] {
        #expect(Civil.parseDate(s) == nil, "\(s)")
    }
}

// MARK: - Formatting

@Test func formatTimestampAndDateExact() {
    let noon = 1_714_564_800 * second
    #expect(Civil.formatTimestamp(noon) == "2024-05-01 12:00:00")
    #expect(Civil.formatTimestamp(noon + 123_000) == "2024-05-01 12:00:00.123")
    #expect(Civil.formatTimestamp(noon + 1) == "2024-05-01 12:00:00.000001")
    #expect(Civil.formatTimestamp(noon + 500_000) == "2024-05-01 12:00:00.5")
    #expect(Civil.formatTimestamp(noon + 123_456) == "2024-05-01 12:00:00.123456")
    #expect(Civil.formatTimestamp(0) == "1970-01-01 00:00:00")
    #expect(Civil.formatTimestamp(-1) == "1969-12-31 23:59:59.999999")
    #expect(Civil.formatTimestamp(-62_135_596_800 * second) == "0001-01-01 00:00:00")
    #expect(Civil.formatDate(0) == "1970-01-01")
    #expect(Civil.formatDate(19_844) == "2024-05-01")
    #expect(Civil.formatDate(-719_528) == "0000-01-01")
    #expect(Civil.formatDate(-719_529) == "-0001-12-31")
    #expect(Civil.formatDate(Civil.daysFromCivil(10_000, 1, 1)) == "10000-01-01")
    #expect(Civil.formatTimestamp(Int64.max) == "294247-01-10 04:00:54.775807")
    #expect(Civil.formatTimestamp(Int64.min) == "-290308-12-21 19:59:05.224192")
    var out: [UInt8] = Array("a,".utf8)
    Civil.appendTimestamp(noon + 10, to: &out)
    out.append(0x2C)
    Civil.appendDate(-1, to: &out)
    out.append(0x2C)
    Values.appendInt64(-7, to: &out)
    #expect(String(decoding: out, as: UTF8.self) == "a,2024-05-01 12:00:00.00001,1969-12-31,-7")
}

/// Random civil components → text → parse must return the same instant, and
/// formatting that instant must reproduce the canonical text.
@Test func timestampFormatParseRoundTrip() {
    for seed in 0..<25 as Range<UInt64> {
        var rng = SplitMix64(seed: seed &+ 31337)
        for _ in 0..<1000 {
            let y = Int64(rng.next() % 9999) + 1
            let mo = Int64(rng.next() % 12) + 1
            let d = Int64(rng.next() % UInt64(Civil.daysInMonth(year: y, month: mo))) + 1
            let h = Int64(rng.next() % 24), mi = Int64(rng.next() % 60), s = Int64(rng.next() % 60)
            let us: Int64
            switch rng.next() % 4 {
            case 0: us = 0
            case 1: us = Int64(rng.next() % 1000) * 1000
            default: us = Int64(rng.next() % 1_000_000)
            }
            let expected = utc(y, mo, d, h, mi, s, micros: us)
            let text = Civil.formatTimestamp(expected)
            #expect(Civil.parseTimestamp(text) == expected, "\(text)")
            // An equivalent offset form parses to the same instant.
            let offsetMinutes = Int64(rng.next() % 1440) - 720
            let shifted = Civil.formatTimestamp(expected + offsetMinutes * 60 * second)
            let sign = offsetMinutes < 0 ? "-" : "+"
            let a = abs(offsetMinutes)
            let off = sign + (a / 60 < 10 ? "0" : "") + String(a / 60) + ":"
                + (a % 60 < 10 ? "0" : "") + String(a % 60)
            let withOffset = shifted.replacingOccurrences(" ", with: "T") + off
            if shifted.utf8.first != 0x2D, shifted.utf8.count >= 19, Array(shifted.utf8)[4] == 0x2D {
                #expect(Civil.parseTimestamp(withOffset) == expected, "\(withOffset)")
            }
            let days = Civil.floorDiv(expected, Civil.microsPerDay)
            #expect(Civil.parseDate(Civil.formatDate(days)) == days)
        }
    }
}

private extension String {
    func replacingOccurrences(_ a: Character, with b: Character) -> String {
        String(map { $0 == a ? b : $0 })
    }
}

// MARK: - Time zones

@Test func fixedOffsetZones() throws {
    let cases: [(String, Int32)] = [
        ("UTC", 0), ("utc", 0), ("GMT", 0), ("Z", 0), ("Etc/UTC", 0),
        ("+02:00", 7200), ("-0530", -19_800), ("+2", 7200), ("-05", -18_000),
        ("UTC+2", 7200), ("GMT-03:30", -12_600), ("utc+05:45", 20_700),
    ]
    for (name, offset) in cases {
        let z = try #require(TimeZoneRules(identifier: name), "\(name)")
        #expect(z.isFixedOffset)
        #expect(z.offsetSeconds(atUTC: 1_714_564_800 * second) == offset, "\(name)")
        #expect(z.toUTC(localMicros: z.toLocal(123_456_789)) == 123_456_789)
    }
    for name in ["", "+24:00", "+02:60", "+", "UTC+", "+123", "Mars/Olympus_Mons", "../../etc/passwd",
                 "/etc/localtime", "Europe/../Europe/Berlin", "Europe"] {
        #expect(TimeZoneRules(identifier: name) == nil, "\(name)")
    }
    #expect(TimeZoneRules.utc.offsetSeconds(atUTC: 0) == 0)
    #expect(TimeZoneRules(fixedOffsetSeconds: -3600).identifier == "-01:00")
}

@Test func berlinTransitions() throws {
    let z = try #require(TimeZoneRules(identifier: "Europe/Berlin"))
    #expect(!z.isFixedOffset)
    let spring = 1_711_846_800 * second  // 2024-03-31 01:00:00Z
    #expect(z.offsetSeconds(atUTC: spring - 1) == 3600)
    #expect(z.offsetSeconds(atUTC: spring) == 7200)
    #expect(z.toLocal(spring - second) == utc(2024, 3, 31, 1, 59, 59))
    #expect(z.toLocal(spring) == utc(2024, 3, 31, 3, 0, 0))
    let fall = 1_729_990_800 * second    // 2024-10-27 01:00:00Z
    #expect(z.offsetSeconds(atUTC: fall - 1) == 7200)
    #expect(z.offsetSeconds(atUTC: fall) == 3600)
    // Local → UTC, including the gap and the overlap.
    #expect(z.toUTC(localMicros: utc(2024, 7, 1, 12)) == utc(2024, 7, 1, 10))
    #expect(z.toUTC(localMicros: utc(2024, 1, 1, 12)) == utc(2024, 1, 1, 11))
    #expect(z.toUTC(localMicros: utc(2024, 3, 31, 1, 59, 59)) == spring - second)
    #expect(z.toUTC(localMicros: utc(2024, 3, 31, 2, 30)) == utc(2024, 3, 31, 1, 30)) // gap: pre-transition offset
    #expect(z.toUTC(localMicros: utc(2024, 3, 31, 3, 0)) == spring)
    #expect(z.toUTC(localMicros: utc(2024, 10, 27, 2, 30)) == utc(2024, 10, 27, 0, 30)) // overlap: earlier
    #expect(z.toUTC(localMicros: utc(2024, 10, 27, 3, 0)) == utc(2024, 10, 27, 2, 0))
    #expect(z.toUTC(localMicros: utc(2024, 10, 27, 1, 59, 59)) == utc(2024, 10, 26, 23, 59, 59))
    // Beyond the TZif table (footer rule, precomputed through 2199) — matches zdump.
    #expect(z.offsetSeconds(atUTC: 5_687_802_000 * second - 1) == 3600)   // 2150-03-29 01:00Z
    #expect(z.offsetSeconds(atUTC: 5_687_802_000 * second) == 7200)
    #expect(z.offsetSeconds(atUTC: 5_705_946_000 * second - 1) == 7200)   // 2150-10-25 01:00Z
    #expect(z.offsetSeconds(atUTC: 5_705_946_000 * second) == 3600)
    // Past the precomputed table: evaluated from the rule (zdump: 2300-03-25 01:00Z, 2300-10-28 01:00Z).
    #expect(z.offsetSeconds(atUTC: utc(2300, 3, 25, 0, 59, 59)) == 3600)
    #expect(z.offsetSeconds(atUTC: utc(2300, 3, 25, 1)) == 7200)
    #expect(z.offsetSeconds(atUTC: utc(2300, 10, 28, 0, 59, 59)) == 7200)
    #expect(z.offsetSeconds(atUTC: utc(2300, 10, 28, 1)) == 3600)
    // Historic: 1945 double summer time (CEMT, +3h) in Berlin, 1945-05-24 to 1945-09-24.
    #expect(z.offsetSeconds(atUTC: utc(1945, 7, 1)) == 10_800)
    #expect(z.offsetSeconds(atUTC: utc(1975, 7, 1)) == 3600)   // no DST in 1975
}

@Test func newYorkTransitions() throws {
    let z = try #require(TimeZoneRules(identifier: "America/New_York"))
    let spring = 1_710_054_000 * second  // 2024-03-10 07:00Z
    #expect(z.offsetSeconds(atUTC: spring - 1) == -18_000)
    #expect(z.offsetSeconds(atUTC: spring) == -14_400)
    let fall = 1_730_613_600 * second    // 2024-11-03 06:00Z
    #expect(z.offsetSeconds(atUTC: fall - 1) == -14_400)
    #expect(z.offsetSeconds(atUTC: fall) == -18_000)
    #expect(z.toUTC(localMicros: utc(2024, 3, 10, 2, 30)) == utc(2024, 3, 10, 7, 30))  // gap
    #expect(z.toUTC(localMicros: utc(2024, 11, 3, 1, 30)) == utc(2024, 11, 3, 5, 30))  // overlap: EDT
    #expect(z.toLocal(utc(2024, 7, 4, 16)) == utc(2024, 7, 4, 12))
}

@Test func southernHemisphereAndHalfHourZones() throws {
    let lh = try #require(TimeZoneRules(identifier: "Australia/Lord_Howe"))
    let end = 1_712_415_600 * second     // 2024-04-06 15:00Z: +11 → +10:30
    #expect(lh.offsetSeconds(atUTC: end - 1) == 39_600)
    #expect(lh.offsetSeconds(atUTC: end) == 37_800)
    let start = 1_728_144_000 * second   // 2024-10-05 16:00Z... before 15:30Z? check both sides
    #expect(lh.offsetSeconds(atUTC: start) == 39_600)
    #expect(lh.offsetSeconds(atUTC: utc(2024, 10, 5, 15, 29, 59)) == 37_800)
    #expect(lh.offsetSeconds(atUTC: utc(2024, 10, 5, 15, 30)) == 39_600)
    #expect(lh.offsetSeconds(atUTC: 5_688_370_800 * second - 1) == 39_600)  // 2150 (zdump)
    #expect(lh.offsetSeconds(atUTC: 5_688_370_800 * second) == 37_800)
    #expect(lh.offsetSeconds(atUTC: 5_704_097_400 * second - 1) == 37_800)
    #expect(lh.offsetSeconds(atUTC: 5_704_097_400 * second) == 39_600)
    let syd = try #require(TimeZoneRules(identifier: "Australia/Sydney"))
    #expect(syd.offsetSeconds(atUTC: utc(2300, 3, 31, 15, 59, 59)) == 39_600)  // zdump
    #expect(syd.offsetSeconds(atUTC: utc(2300, 3, 31, 16)) == 36_000)
    #expect(syd.offsetSeconds(atUTC: utc(2300, 10, 6, 15, 59, 59)) == 36_000)
    #expect(syd.offsetSeconds(atUTC: utc(2300, 10, 6, 16)) == 39_600)
    let sp = try #require(TimeZoneRules(identifier: "America/Sao_Paulo"))
    #expect(sp.offsetSeconds(atUTC: utc(2030, 1, 15)) == -10_800)
    #expect(sp.offsetSeconds(atUTC: utc(2018, 1, 15)) == -7200)   // DST abolished in 2019
    let etc = try #require(TimeZoneRules(identifier: "Etc/GMT+2"))  // POSIX sign: UTC-2
    #expect(etc.offsetSeconds(atUTC: 0) == -7200)
    let kolkata = try #require(TimeZoneRules(identifier: "Asia/Kolkata"))
    #expect(kolkata.offsetSeconds(atUTC: utc(2024, 1, 1)) == 19_800)
    #expect(kolkata.offsetSeconds(atUTC: utc(2250, 1, 1)) == 19_800)
}

/// The precomputed footer-rule table and direct rule evaluation must agree,
/// and toUTC(toLocal(t)) must return t whenever the local time is unambiguous.
@Test func timeZoneTableMatchesRuleAndRoundTrips() throws {
    for name in ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe",
                 "America/Santiago", "Pacific/Auckland"] {
        let z = try #require(TimeZoneRules(identifier: name), "\(name)")
        let rule = try #require(z.rule, "\(name)")
        var rng = SplitMix64(seed: UInt64(name.utf8.count))
        let lo = utc(2040, 1, 1), hi = utc(2199, 12, 1)
        for _ in 0..<3000 {
            let t = lo + Int64(rng.next() % UInt64(hi - lo))
            let tableOffset = z.offsetSeconds(atUTC: t)
            #expect(tableOffset == rule.offset(atUTCSeconds: Civil.floorDiv(t, second)), "\(name) \(t)")
            let local = z.toLocal(t)
            let back = z.toUTC(localMicros: local)
            // Either exact, or t is the later of two instants with the same wall time.
            if back != t {
                #expect(back < t && z.toLocal(back) == local, "\(name) \(t)")
            }
        }
    }
}
