import Foundation
import Testing
import StrataText
@testable import StrataQuery

/// Issue 16, dates and times: what the DuckDB-checked c_time.test / c_series.test cannot reach.

@Test func seriesRefusesAbsurdSizes() throws {
    let runner = try SQLLogicRunner()
    for sql in ["SELECT count(*) FROM range(0, 9223372036854775807)",
                "SELECT count(*) FROM generate_series(-9223372036854775808, 9223372036854775807, 2)",
                "SELECT count(*) FROM generate_series(TIMESTAMP '2000-01-01', TIMESTAMP '2100-01-01', INTERVAL 1 MICROSECOND)"] {
        do {
            _ = try runner.engine.execute(sql)
            Issue.record("\(sql) should fail")
        } catch {
            #expect(error.kind == .user && error.message.contains("would produce more than"), "\(sql): \(error.message)")
        }
    }
}

@Test func intervalTextAndNormalization() {
    #expect(IntervalParts.text(0, 0, 0) == "00:00:00")
    #expect(IntervalParts.text(14, 3, 3_723_000_001) == "1 year 2 months 3 days 01:02:03.000001")
    #expect(IntervalParts.text(-1, -1, -1_500_000) == "-1 month -1 day -00:00:01.5")
    // months and days round-trip through a vector, even where the normalized word wraps
    for (m, d, us) in [(Int64(1), Int64(-40), Int64(5)), (Int64(Int32.max), Int64(Int32.min), Int64.max - 7)] {
        let v = Vec.constant(.interval(m, d, us), type: .interval, count: 3)
        #expect(v.value(2) == .interval(m, d, us))
    }
    #expect(Evaluator.compareValues(.interval(1, 0, 0), .interval(0, 30, 0)) == 0)
}

@Test func intervalLiteralText() {
    #expect(Evaluator.text(.interval(0, 1, 43_200_000_000)) == "1 day 12:00:00")
    #expect(ExprText.value(.interval(0, 0, 60_000_000)) == "INTERVAL '00:01:00'")
}

@Test func dateDiffCountsBoundaries() {
    let day = Civil.microsPerDay
    let a = Civil.daysFromCivil(2024, 1, 31) * day, b = Civil.daysFromCivil(2024, 2, 1) * day
    #expect(Evaluator.dateDiff(.month, a, b) == 1)
    #expect(Evaluator.dateDiff(.day, a, b) == 1)
    #expect(Evaluator.dateDiff(.year, a, b) == 0)
    #expect(Evaluator.dateDiff(.month, b, a) == -1)
}

@Test func intervalAdditionInSessionZone() throws {
    // Berlin springs forward on 2024-03-31: a calendar day is 23 hours there, 24 hours are 24
    let runner = try SQLLogicRunner()
    _ = try runner.engine.execute("SET timezone = 'Europe/Berlin'")
    let r = try runner.engine.execute("SELECT TIMESTAMP '2024-03-30 12:00' + INTERVAL 1 DAY, TIMESTAMP '2024-03-30 12:00' + INTERVAL 24 HOUR")[0].result
    #expect(r.row(0) == [.timestamp(Civil.parseTimestamp("2024-03-31 11:00:00", format: .iso)!),
                         .timestamp(Civil.parseTimestamp("2024-03-31 12:00:00", format: .iso)!)])
}

/// date_trunc, date_diff, EXTRACT, dayname and monthname over a column (typed loops that
/// convert each run of equal days once; in UTC, arithmetic on the microseconds) agree with the same function applied to each value as a constant, over random
/// timestamps on both sides of 1970, NULLs, runs of equal days, in UTC and in a DST zone.
@Test(arguments: ["UTC", "America/New_York"])
func timeColumnKernelsEqualPerValueEvaluation(zone: String) throws {
    let runner = try SQLLogicRunner()
    let e = runner.engine
    _ = try e.execute("SET timezone = '\(zone)'")
    _ = try e.execute("CREATE TABLE tt (id BIGINT, a TIMESTAMP, b TIMESTAMP)")
    var rng = SplitMix(seed: 42)
    var rows: [String] = []
    var last: Int64 = 0
    for i in 0..<600 {
        // runs of nearby values (same day), jumps, pre-1970 values
        let us: Int64 = rng.next() % 3 == 0 ? last + Int64(rng.next() % 3_600_000_000)
            : Int64(rng.next() % 8_000_000_000_000_000) / 1000 - 2_000_000_000_000_000 / 1000
        last = us
        let b: Int64 = us + Int64(rng.next() % 400_000_000_000_000) - 200_000_000_000_000
        let fmt = { (x: Int64) in "TIMESTAMP '\(Civil.formatTimestamp(x))'" }
        rows.append("(\(i), \(i % 17 == 0 ? "NULL" : fmt(us)), \(i % 23 == 0 ? "NULL" : fmt(b)))")
    }
    _ = try e.execute("INSERT INTO tt VALUES " + rows.joined(separator: ", "))
    func column(_ sql: String) throws -> [Value] { try e.execute(sql).last!.result.columns[0] }
    let ids = try column("SELECT id FROM tt ORDER BY id").count
    #expect(ids == 600)
    let pairs = try e.execute("SELECT CAST(a AS VARCHAR), CAST(b AS VARCHAR) FROM tt ORDER BY id").last!.result.columns
    for unit in ["microsecond", "millisecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year"] {
        let got = try column("SELECT date_trunc('\(unit)', a) FROM tt ORDER BY id")
        for i in stride(from: 0, to: 600, by: 7) {
            guard case .string(let sa) = pairs[0][i] else { #expect(got[i] == .null); continue }
            #expect(got[i] == (try column("SELECT date_trunc('\(unit)', TIMESTAMP '\(sa)')"))[0], "\(zone) \(unit) \(sa)")
        }
    }
    // EXTRACT, dayname and monthname over timestamp and date columns
    _ = try e.execute("CREATE TABLE td AS SELECT id, CAST(a AS DATE) AS d FROM tt")
    let dates = try e.execute("SELECT CAST(d AS VARCHAR) FROM td ORDER BY id").last!.result.columns[0]
    for f in ["year", "quarter", "month", "day", "week", "dow", "isodow", "doy", "hour", "minute", "second", "millisecond", "microsecond", "epoch"] {
        let got = try column("SELECT date_part('\(f)', a) FROM tt ORDER BY id")
        let gotDates = try column("SELECT date_part('\(f)', d) FROM td ORDER BY id")
        for i in stride(from: 0, to: 600, by: 5) {
            if case .string(let sa) = pairs[0][i] {
                #expect(got[i] == (try column("SELECT date_part('\(f)', TIMESTAMP '\(sa)')"))[0], "\(zone) \(f) \(sa)")
            } else { #expect(got[i] == .null) }
            if case .string(let sd) = dates[i] {
                #expect(gotDates[i] == (try column("SELECT date_part('\(f)', DATE '\(sd)')"))[0], "\(zone) \(f) \(sd)")
            }
        }
    }
    for f in ["dayname", "monthname"] {
        let got = try column("SELECT \(f)(a) FROM tt ORDER BY id")
        let gotDates = try column("SELECT \(f)(d) FROM td ORDER BY id")
        for i in stride(from: 0, to: 600, by: 5) {
            if case .string(let sd) = dates[i] {
                #expect(gotDates[i] == (try column("SELECT \(f)(DATE '\(sd)')"))[0], "\(zone) \(f) \(sd)")
            } else { #expect(gotDates[i] == .null) }
            guard case .string(let sa) = pairs[0][i] else { #expect(got[i] == .null); continue }
            #expect(got[i] == (try column("SELECT \(f)(TIMESTAMP '\(sa)')"))[0], "\(zone) \(f) \(sa)")
        }
    }
    // calendar differences against their definition by extracted fields
    let months = "(year(b) * 12 + month(b)) - (year(a) * 12 + month(a))"
    for (unit, definition) in [("month", months), ("quarter", "(year(b) * 4 + floor((month(b) - 1) / 3)) - (year(a) * 4 + floor((month(a) - 1) / 3))"),
                               ("year", "year(b) - year(a)")] {
        let r = try e.execute("SELECT count(*), count(*) FILTER (WHERE date_diff('\(unit)', a, b) IS NOT DISTINCT FROM \(definition)) FROM tt").last!.result
        #expect(r.columns[0][0] == r.columns[1][0], "\(zone) \(unit): \(r.columns)")
    }
    // and over the truncated months, as the cohort query uses them
    let r = try e.execute("SELECT count(*) FILTER (WHERE date_diff('month', date_trunc('month', a), date_trunc('month', b)) IS DISTINCT FROM \(months)) FROM tt").last!.result
    #expect(r.columns[0][0] == .int(0), "\(zone)")
}

private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
