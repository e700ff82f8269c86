import Foundation
import StrataText

/// A retention window such as `90d`, `12h`, `2w`, `6m` or `1y`.
///
/// Hours, days and weeks are fixed lengths (3600 s, 86 400 s, 7 days; UTC has no DST).
/// Months and years are **calendar** units: `6m` before 2024-08-31T10:00 is
/// 2024-02-29T10:00 (the day is clamped to the length of the target month), `1y` before
/// 2024-02-29 is 2023-02-28.
public struct RetentionPeriod: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: String, Sendable, CaseIterable {
        case hours = "h", days = "d", weeks = "w", months = "m", years = "y"
    }

    public var count: Int
    public var unit: Unit

    public init(_ count: Int, _ unit: Unit) {
        self.count = count
        self.unit = unit
    }

    /// The canonical spelling, e.g. `90d`.
    public var description: String { "\(count)\(unit.rawValue)" }

    /// The instant (µs since epoch, UTC) `self` before `now`: data wholly before it is expired.
    public func cutoff(now: Date) -> Int64 {
        let nowMicros = Int64((now.timeIntervalSince1970 * 1_000_000).rounded(.down))
        return cutoff(nowMicros: nowMicros)
    }

    /// The instant `self` before `nowMicros` (µs since epoch, UTC).
    public func cutoff(nowMicros: Int64) -> Int64 {
        let n = Int64(count)
        switch unit {
        case .hours: return nowMicros - n * Civil.microsPerHour
        case .days: return nowMicros - n * Civil.microsPerDay
        case .weeks: return nowMicros - 7 * n * Civil.microsPerDay
        case .months, .years:
            let months = unit == .years ? 12 * n : n
            let days = Civil.floorDiv(nowMicros, Civil.microsPerDay)
            let timeOfDay = nowMicros - days * Civil.microsPerDay
            let (y, m, d) = Civil.civilFromDays(days)
            let index = y * 12 + (m - 1) - months
            let ty = Civil.floorDiv(index, 12), tm = Civil.floorMod(index, 12) + 1
            let td = min(d, Civil.daysInMonth(year: ty, month: tm))
            return Civil.daysFromCivil(ty, tm, td) * Civil.microsPerDay + timeOfDay
        }
    }
}

/// One partition dropped (or, in a dry run, to be dropped) by retention.
public struct DroppedPartition: Sendable, Equatable {
    /// Partition label, e.g. `day=2024-01-31`.
    public var partition: String
    public var partitionStart: Int64
    /// Exclusive end (µs) of the partition; it is at or before the cutoff.
    public var partitionEnd: Int64
    public var segments: Int
    public var rows: Int
    public var bytes: Int
}

/// What `Retention.apply` did.
public struct RetentionSummary: Sendable, CustomStringConvertible {
    public var table: String
    public var keep: RetentionPeriod
    /// Partitions ending at or before this instant (µs since epoch, UTC) are expired.
    public var cutoff: Int64
    /// Dropped partitions in ascending time order.
    public var dropped: [DroppedPartition]
    public var dryRun: Bool
    /// Manifest version that removed them (nil when nothing was dropped or in a dry run).
    public var manifestVersion: UInt64?

    public var rowsDropped: Int { dropped.reduce(0) { $0 + $1.rows } }
    public var segmentsDropped: Int { dropped.reduce(0) { $0 + $1.segments } }
    public var bytesDropped: Int { dropped.reduce(0) { $0 + $1.bytes } }

    public var description: String {
        let cut = Retention.formatInstant(cutoff)
        let verb = dryRun ? "would drop" : "dropped"
        if dropped.isEmpty { return "retention \(keep) on \(table): nothing older than \(cut)" }
        var s = "retention \(keep) on \(table): \(verb) \(dropped.count) partition\(dropped.count == 1 ? "" : "s") ending at or before \(cut) (\(rowsDropped) rows, \(segmentsDropped) segments, \(bytesDropped) bytes)"
        for d in dropped { s += "\n  \(d.partition): \(d.rows) rows in \(d.segments) segment\(d.segments == 1 ? "" : "s"), \(d.bytes) bytes" }
        return s
    }
}

/// Drops whole time partitions older than a retention window (`strata retention`, table
/// option `retention`).
public enum Retention {
    /// Table option holding the window, e.g. `WITH (retention = '90d')`.
    public static let optionName = "retention"

    /// Parses `90d`, `12h`, `2w`, `6m` (calendar months), `1y` (calendar years); long unit
    /// names (`90 days`, `12 hours`, `2 weeks`, `6 months`, `1 year`) and surrounding quotes
    /// or blanks are accepted. The count must be a positive integer.
    public static func parseDuration(_ text: String) throws(StoreError) -> RetentionPeriod {
        var bytes = Array(text.utf8)
        func isBlank(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 }
        while let f = bytes.first, isBlank(f) || f == 39 || f == 34 { bytes.removeFirst() }
        while let l = bytes.last, isBlank(l) || l == 39 || l == 34 { bytes.removeLast() }
        let bad = StoreError.user("invalid retention '\(text)': expected a positive count and a unit, e.g. 90d, 12h, 2w, 6m (months), 1y")
        var i = 0
        var n = 0
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
            n = n * 10 + Int(bytes[i] - 48)
            guard n <= 1_000_000 else { throw bad }
            i += 1
        }
        guard i > 0, n > 0 else { throw bad }
        while i < bytes.count, isBlank(bytes[i]) { i += 1 }
        let unitText = String(decoding: bytes[i...], as: UTF8.self).lowercased()
        let unit: RetentionPeriod.Unit
        switch unitText {
        case "h", "hour", "hours": unit = .hours
        case "d", "day", "days": unit = .days
        case "w", "week", "weeks": unit = .weeks
        case "m", "mo", "month", "months": unit = .months
        case "y", "year", "years": unit = .years
        default: throw bad
        }
        return RetentionPeriod(n, unit)
    }

    /// The partitions of `manifest` whose end is at or before `cutoff`. Unpartitioned
    /// tables (granularity `none`) never expire.
    public static func expiredPartitions(_ manifest: Manifest, cutoff: Int64) -> [DroppedPartition] {
        let g = manifest.table.granularity
        guard g != .none else { return [] }
        var byPartition: [String: DroppedPartition] = [:]
        for s in manifest.segments {
            let end = g.partitionEnd(s.partitionStart)
            guard end <= cutoff else { continue }
            var d = byPartition[s.partition] ?? DroppedPartition(partition: s.partition, partitionStart: s.partitionStart,
                                                                 partitionEnd: end, segments: 0, rows: 0, bytes: 0)
            d.segments += 1
            d.rows += s.rows
            d.bytes += s.bytes
            byPartition[s.partition] = d
        }
        return byPartition.values.sorted { ($0.partitionStart, $0.partition) < ($1.partitionStart, $1.partition) }
    }

    /// Drops every partition of `table` ending at or before `now − keep`, removing all their
    /// segments in one commit (readers keep their snapshots; files go with garbage
    /// collection after the grace period). A concurrent commit that changed those segments
    /// makes it re-read the table and retry once. `dryRun` only reports.
    @discardableResult
    public static func apply(table: Table, keep: RetentionPeriod, now: Date = Date(),
                             dryRun: Bool = false) throws(StoreError) -> RetentionSummary {
        let cutoff = keep.cutoff(now: now)
        var attempt = 0
        while true {
            attempt += 1
            let manifest = try table.currentManifest()
            let dropped = expiredPartitions(manifest, cutoff: cutoff)
            var summary = RetentionSummary(table: table.name, keep: keep, cutoff: cutoff, dropped: dropped,
                                           dryRun: dryRun, manifestVersion: nil)
            if dryRun || dropped.isEmpty { return summary }
            let names = Set(dropped.map(\.partition))
            let ids = manifest.segments.filter { names.contains($0.partition) }.map(\.id)
            do throws(StoreError) {
                let m = try table.commit(adding: [], removing: ids)
                summary.manifestVersion = m?.version
            } catch where error.kind == .conflict && attempt < 2 {
                continue
            } catch where error.kind == .conflict {
                throw StoreError(.conflict, "retention on '\(table.name)' gave up: \(error.message); run it again", cause: error)
            }
            table.collectGarbage()
            return summary
        }
    }

    /// Applies the table option `retention` if set; nil when the table has none.
    @discardableResult
    public static func applyTableSetting(table: Table, now: Date = Date(), dryRun: Bool = false) throws(StoreError) -> RetentionSummary? {
        guard let text = try table.definition.options[optionName], !text.isEmpty else { return nil }
        return try apply(table: table, keep: try parseDuration(text), now: now, dryRun: dryRun)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` of a µs timestamp (for messages).
    static func formatInstant(_ micros: Int64) -> String {
        let days = Civil.floorDiv(micros, Civil.microsPerDay)
        let (y, m, d) = Civil.civilFromDays(days)
        let secs = Civil.floorDiv(micros - days * Civil.microsPerDay, Civil.microsPerSecond)
        func p(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(secs / 3600, 2)):\(p(secs / 60 % 60, 2)):\(p(secs % 60, 2))Z"
    }
}
