import Foundation
import Testing
import StrataCore
import StrataFormat
@testable import StrataStore

/// µs of a UTC civil time.
func utc(_ y: Int64, _ m: Int64, _ d: Int64, _ h: Int64 = 0, _ min: Int64 = 0) -> Int64 {
    let days = y * 0 + daysFrom(y, m, d)
    return days * 86_400_000_000 + h * 3_600_000_000 + min * 60_000_000
}

private func daysFrom(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    // Howard Hinnant's days_from_civil, independent of the code under test
    let yy = m <= 2 ? y - 1 : y
    let era = (yy >= 0 ? yy : yy - 399) / 400
    let yoe = yy - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }

/// A table of `granularity` holding `rows` rows at each of `times`.
func timedTable(_ store: Store, _ granularity: Granularity, times: [Int64], rows: Int = 3, options: [String: String] = [:]) throws -> Table {
    let def = TableDefinition(name: "t_\(granularity.rawValue)",
                              columns: [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "v", type: .bigint)],
                              timeColumn: granularity == .none ? nil : "ts", granularity: granularity, sortKey: ["ts"],
                              options: options)
    let t = try store.createTable(def)
    var ts: [Int64] = [], v: [Int64] = []
    for (i, x) in times.enumerated() {
        for r in 0..<rows {
            ts.append(x + Int64(r))
            v.append(Int64(i * 100 + r))
        }
    }
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: [Column(.int64(ts)), Column(.int64(v))]))
    return t
}

@Test func parsesDurations() throws {
    #expect(try Retention.parseDuration("90d") == RetentionPeriod(90, .days))
    #expect(try Retention.parseDuration("12h") == RetentionPeriod(12, .hours))
    #expect(try Retention.parseDuration("2w") == RetentionPeriod(2, .weeks))
    #expect(try Retention.parseDuration("6m") == RetentionPeriod(6, .months))
    #expect(try Retention.parseDuration("1y") == RetentionPeriod(1, .years))
    #expect(try Retention.parseDuration(" '30 days' ") == RetentionPeriod(30, .days))
    #expect(try Retention.parseDuration("3 Months") == RetentionPeriod(3, .months))
    #expect(try Retention.parseDuration("1 year").description == "1y")
    for bad in ["", "d", "0d", "-1d", "10", "10x", "1.5d", "10 dayz", "99999999d", "d10"] {
        #expect(throws: StoreError.self, "\(bad)") { _ = try Retention.parseDuration(bad) }
    }
}

@Test func cutoffsUseCalendarMonths() {
    let now = utc(2024, 8, 31, 10, 30)
    #expect(RetentionPeriod(6, .months).cutoff(nowMicros: now) == utc(2024, 2, 29, 10, 30))
    #expect(RetentionPeriod(1, .months).cutoff(nowMicros: utc(2024, 3, 31)) == utc(2024, 2, 29))
    #expect(RetentionPeriod(1, .months).cutoff(nowMicros: utc(2023, 3, 31)) == utc(2023, 2, 28))
    #expect(RetentionPeriod(14, .months).cutoff(nowMicros: utc(2024, 1, 15)) == utc(2022, 11, 15))
    #expect(RetentionPeriod(1, .years).cutoff(nowMicros: utc(2024, 2, 29, 5)) == utc(2023, 2, 28, 5))
    #expect(RetentionPeriod(90, .days).cutoff(nowMicros: now) == now - 90 * 86_400_000_000)
    #expect(RetentionPeriod(2, .weeks).cutoff(nowMicros: now) == utc(2024, 8, 17, 10, 30))
    #expect(RetentionPeriod(12, .hours).cutoff(now: date(now)) == utc(2024, 8, 30, 22, 30))
}

@Test func dropsDayPartitionsEndingAtOrBeforeTheCutoff() throws {
    let store = try newStore()
    let t = try timedTable(store, .day, times: (1...5).map { utc(2024, 1, $0, 12) })
    // now = Jan 10 00:00, keep 7d: cutoff Jan 3 00:00 = end of day Jan 2 -> Jan 1 and 2 go
    let dry = try Retention.apply(table: t, keep: RetentionPeriod(7, .days), now: date(utc(2024, 1, 10)), dryRun: true)
    #expect(dry.dropped.map(\.partition) == ["day=2024-01-01", "day=2024-01-02"])
    #expect(try t.currentManifest().segments.count == 5)
    let s = try Retention.apply(table: t, keep: RetentionPeriod(7, .days), now: date(utc(2024, 1, 10)))
    #expect(s.dropped.map(\.partition) == ["day=2024-01-01", "day=2024-01-02"])
    #expect(s.rowsDropped == 6 && s.segmentsDropped == 2)
    #expect(s.cutoff == utc(2024, 1, 3))
    #expect(s.description.contains("dropped 2 partitions ending at or before 2024-01-03T00:00:00Z (6 rows, 2 segments"))
    let m = try t.currentManifest()
    #expect(m.version == s.manifestVersion)
    #expect(m.segments.map(\.partition) == ["day=2024-01-03", "day=2024-01-04", "day=2024-01-05"])
    #expect(m.rowCount == 9)
    // one µs later the cutoff passes no new boundary; at Jan 11 00:00 day 3 goes
    #expect(try Retention.apply(table: t, keep: RetentionPeriod(7, .days), now: date(utc(2024, 1, 10) + 1)).dropped.isEmpty)
    #expect(try Retention.apply(table: t, keep: RetentionPeriod(7, .days), now: date(utc(2024, 1, 11))).dropped.map(\.partition)
            == ["day=2024-01-03"])
    #expect(t.verify().isSound)
}

@Test func dropsHourAndMonthPartitions() throws {
    let store = try newStore()
    let h = try timedTable(store, .hour, times: [utc(2024, 5, 6, 9, 59), utc(2024, 5, 6, 10), utc(2024, 5, 6, 11, 30)])
    // now 12:00, keep 2h: cutoff 10:00 -> only hour 09 (ends 10:00) goes
    let sh = try Retention.apply(table: h, keep: Retention.parseDuration("2h"), now: date(utc(2024, 5, 6, 12)))
    #expect(sh.dropped.map(\.partition) == ["hour=2024-05-06T09"])
    #expect(try h.currentManifest().segments.map(\.partition) == ["hour=2024-05-06T10", "hour=2024-05-06T11"])

    let m = try timedTable(store, .month, times: [utc(2023, 12, 31, 23, 59), utc(2024, 1, 31), utc(2024, 2, 1), utc(2024, 3, 15)])
    // now Apr 30 12:00, keep 3m: cutoff Jan 30 12:00 -> Dec (ends Jan 1) goes, Jan (ends Feb 1) stays
    let sm = try Retention.apply(table: m, keep: Retention.parseDuration("3m"), now: date(utc(2024, 4, 30, 12)))
    #expect(sm.dropped.map(\.partition) == ["month=2023-12"])
    // now May 1 00:00, keep 3m: cutoff Feb 1 00:00 = end of January exactly -> January goes
    let sm2 = try Retention.apply(table: m, keep: Retention.parseDuration("3m"), now: date(utc(2024, 5, 1)))
    #expect(sm2.dropped.map(\.partition) == ["month=2024-01"])
    #expect(sm2.rowsDropped == 3)
    #expect(try m.currentManifest().segments.map(\.partition) == ["month=2024-02", "month=2024-03"])

    // unpartitioned tables never expire
    let n = try timedTable(store, .none, times: [utc(2000, 1, 1)])
    #expect(try Retention.apply(table: n, keep: RetentionPeriod(1, .days), now: date(utc(2024, 1, 1))).dropped.isEmpty)
}

@Test func tableRetentionIsAppliedByCompaction() throws {
    let store = try newStore()
    let t = try timedTable(store, .day, times: (1...4).map { utc(2024, 1, $0, 6) }, options: ["retention": "'2d'"])
    // add a second segment to every day so compaction has work
    let def = try t.definition
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: [
        Column(.int64((1...4).map { utc(2024, 1, $0, 7) })), Column(.int64([1, 2, 3, 4]))]))
    let now = date(utc(2024, 1, 5, 12))  // cutoff Jan 3 12:00: Jan 1 and 2 expire
    let dry = try Compactor.compact(table: t, dryRun: true, now: now)
    #expect(dry.retention?.dropped.map(\.partition) == ["day=2024-01-01", "day=2024-01-02"])
    #expect(dry.plan.partitions.map(\.partition) == ["day=2024-01-03", "day=2024-01-04"])
    #expect(try t.currentManifest().segments.count == 8)
    let s = try Compactor.compact(table: t, now: now)
    #expect(s.retention?.rowsDropped == 8)
    #expect(s.inputSegments == 4 && s.outputSegments == 2)
    let m = try t.currentManifest()
    #expect(m.segments.map(\.partition) == ["day=2024-01-03", "day=2024-01-04"])
    #expect(m.rowCount == 8)
    #expect(try Retention.applyTableSetting(table: t, now: now)?.dropped.isEmpty == true)
    var bad = def
    bad.name = "bad"
    bad.options["retention"] = "soon"
    let b = try store.createTable(bad)
    #expect(throws: StoreError.self) { try Compactor.compact(table: b) }
}

@Test func retentionIsAtomicUnderCrashesAndKeepsReaders() throws {
    for point in ["write-manifest", "rename-manifest", "sync-manifest-dir"] {
        let store = try newStore()
        let t = try timedTable(store, .day, times: (1...4).map { utc(2024, 2, $0, 8) })
        let reader = try t.snapshot()
        Table.crashPoint = { $0 == point }
        #expect(throws: StoreError.self) {
            try Retention.apply(table: t, keep: RetentionPeriod(1, .days), now: date(utc(2024, 2, 5)))
        }
        Table.crashPoint = nil
        let m = try t.currentManifest()
        // all three expired days go together, or none does
        #expect(m.segments.count == (point == "sync-manifest-dir" ? 1 : 4), "\(point)")
        #expect(t.verify().isSound, "\(point)")
        // the open snapshot still reads every row of the dropped days
        #expect(try segmentRows(reader).flatMap(\.1).count == 12, "\(point)")
        reader.close()
        let s = try Retention.apply(table: t, keep: RetentionPeriod(1, .days), now: date(utc(2024, 2, 5)))
        #expect(s.dropped.count == (point == "sync-manifest-dir" ? 0 : 3), "\(point)")
        #expect(try t.currentManifest().segments.map(\.partition) == ["day=2024-02-04"], "\(point)")
    }
}
