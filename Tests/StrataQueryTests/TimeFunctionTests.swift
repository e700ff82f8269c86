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
