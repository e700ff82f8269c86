import StrataCore
import StrataSQL
import StrataStore
import StrataText

/// The curated click-analytics reports of `strata report`.
///
/// Every report is one plain SQL query (CTEs, subqueries, `UNION ALL`, conditional aggregates,
/// `mode()` and window functions) over a table with the click-log columns; the same text runs
/// on DuckDB when `ts` is a `TIMESTAMPTZ` and the session time zone is set alike, except that
/// DuckDB's `mode()` breaks ties by first occurrence where Strata's takes the smallest value.
/// Each heavy report reads the table in one or two grouped scans: "top" columns are `mode()`
/// in the main scan rather than a second grouping and a ranking window.
///
/// Days, months, weekdays and hours are taken in the request's time zone; the window is
/// `from <= ts < to`; "ties: alphabetical" means the byte-wise smallest string wins.
public enum ReportKind: String, CaseIterable, Sendable {
    /// Per day and link (click events): clicks, distinct visitors among them, clicks / page views
    /// of the profile that day (NULL without views), source with most clicks (ties alphabetical).
    case dailyClicks = "daily-clicks"
    /// Per day and source (all events): views, clicks, distinct visitors, clicks / views,
    /// conversions / clicks (NULL on zero), title of the link with most clicks (ties: smallest
    /// link_id; NULL without clicks). A link's title is its greatest title among the window's
    /// clicks, so a renamed link shows one name.
    case trafficSources = "traffic-sources"
    /// Per calendar month and link (click events): clicks, distinct visitors, clicks / previous
    /// month's clicks - 1 (NULL when the previous month had none inside the window), top source
    /// and top country (ties alphabetical).
    case linkPerformance = "link-performance"
    /// Per non-empty utm_campaign, utm_source, utm_medium (all events): views, clicks,
    /// conversions, sum of revenue (0 when none), click and conversion rates (NULL on zero).
    case campaigns
    /// Per link (click events): clicks in `from..<to` and in the equally long window before,
    /// change, change * 100 / previous (NULL when previous is 0); needs both bounds.
    case compare
    /// Per ISO day of week (1 = Monday) and hour (click events): clicks, distinct visitors.
    case bestTime = "best-time"

    /// One line for `strata report --list`.
    public var summary: String {
        switch self {
        case .dailyClicks:
            return "clicks, unique visitors, click rate and top source per day and link"
        case .trafficSources:
            return "views, clicks, unique visitors, click and conversion rates and top link per day and source"
        case .linkPerformance:
            return "clicks, unique visitors, month-over-month growth, top source and country per month and link"
        case .campaigns:
            return "views, clicks, conversions, revenue and rates per UTM campaign, source and medium"
        case .compare:
            return "clicks per link in --from/--to against the window of equal length just before it"
        case .bestTime:
            return "clicks and unique visitors per ISO day of week and hour in --tz"
        }
    }

    /// Output columns, in order.
    public var columns: [String] {
        switch self {
        case .dailyClicks:
            return ["date", "profile_id", "link_id", "link_title", "link_url", "clicks", "unique_visitors", "click_rate", "top_source"]
        case .trafficSources:
            return ["date", "source", "views", "clicks", "unique_visitors", "click_rate", "conversion_rate", "top_link"]
        case .linkPerformance:
            return ["month", "profile_id", "link_id", "link_title", "clicks", "unique_visitors", "growth", "top_source", "top_country"]
        case .campaigns:
            return ["utm_campaign", "utm_source", "utm_medium", "views", "clicks", "conversions", "revenue", "click_rate", "conversion_rate"]
        case .compare:
            return ["link_id", "link_title", "clicks_current", "clicks_previous", "change", "change_pct"]
        case .bestTime:
            return ["day_of_week", "hour", "clicks", "unique_visitors"]
        }
    }

    /// Table columns the report reads (`profile_id` is also needed when filtering by profile).
    public var requiredColumns: [String] {
        switch self {
        case .dailyClicks:
            return ["ts", "event", "profile_id", "link_id", "link_title", "link_url", "visitor_id", "source"]
        case .trafficSources:
            return ["ts", "event", "source", "link_id", "link_title", "visitor_id"]
        case .linkPerformance:
            return ["ts", "event", "profile_id", "link_id", "link_title", "visitor_id", "source", "country"]
        case .campaigns:
            return ["ts", "event", "utm_campaign", "utm_source", "utm_medium", "revenue"]
        case .compare:
            return ["ts", "event", "link_id", "link_title"]
        case .bestTime:
            return ["ts", "event", "visitor_id"]
        }
    }

    /// The column a bar chart visualizes.
    public var mainMeasure: String {
        self == .compare ? "clicks_current" : "clicks"
    }

    /// True when the report needs both `--from` and `--to`.
    public var needsWindow: Bool { self == .compare }
}

/// Parameters of one report run.
public struct ReportRequest: Sendable, Equatable {
    /// Table to read.
    public var table: String
    /// Inclusive lower bound on `ts` (UTC µs), if any.
    public var from: Int64?
    /// Exclusive upper bound on `ts` (UTC µs), if any.
    public var to: Int64?
    /// Only events of this profile, if set.
    public var profileID: Int64?
    /// IANA time zone (or offset such as `+02:00`) for days, months, weekdays and hours.
    public var timeZone: String

    public init(table: String, from: Int64? = nil, to: Int64? = nil, profileID: Int64? = nil, timeZone: String = "UTC") {
        self.table = table
        self.from = from
        self.to = to
        self.profileID = profileID
        self.timeZone = timeZone
    }

    /// Parses a `--from`/`--to` value: `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]` as wall-clock time in
    /// `timeZone`, or an ISO timestamp with an explicit `Z`/`±HH:MM` offset as that instant.
    /// Returns UTC µs, or nil when the text is not a timestamp.
    public static func parseTime(_ text: String, timeZone: TimeZoneRules) -> Int64? {
        let s = text.trimmingSpaces
        guard let t = Civil.parseTimestamp(s, format: .iso) else { return nil }
        let tail = s.utf8.dropFirst(10)
        let hasOffset = tail.contains { $0 == UInt8(ascii: "Z") || $0 == UInt8(ascii: "z") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        return hasOffset ? t : timeZone.toUTC(localMicros: t)
    }
}

extension String {
    /// The text with `'` doubled, for a SQL string literal.
    fileprivate var replacingQuotes: String {
        var out = ""
        for ch in unicodeScalars { if ch == "'" { out += "''" } else { out.unicodeScalars.append(ch) } }
        return out
    }

    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// Builds and runs the report queries.
public enum Reports {
    /// The report's SQL (one query, no `SET`). Throws a user error when `compare` lacks
    /// `--from`/`--to` or the window is empty or reversed.
    public static func sql(for kind: ReportKind, request: ReportRequest) throws(EngineError) -> String {
        let t = quoteIdentifier(request.table)
        if let f = request.from, let to = request.to, to <= f {
            throw user("--to (\(Civil.formatTimestamp(to))) must be after --from (\(Civil.formatTimestamp(f)))")
        }
        func filter(_ extra: [String] = [], from: Int64? = request.from) -> String {
            var c = extra
            if let from { c.append("ts >= \(literal(from))") }
            if let to = request.to { c.append("ts < \(literal(to))") }
            if let p = request.profileID { c.append("profile_id = \(p)") }
            return c.isEmpty ? "" : "\n  WHERE " + c.joined(separator: " AND ")
        }
        let day = "CAST(ts AS DATE)"
        switch kind {
        case .dailyClicks:
            return """
            WITH per_link AS (
              SELECT \(day) AS date, profile_id, link_id, max(link_title) AS link_title, max(link_url) AS link_url,
                     count(*) AS clicks, count(DISTINCT visitor_id) AS unique_visitors, mode(source) AS top_source
              FROM \(t)\(filter(["event = 'click'"]))
              GROUP BY \(day), profile_id, link_id
            ),
            page_views AS (
              SELECT \(day) AS date, profile_id, count(*) AS views
              FROM \(t)\(filter(["event = 'view'"]))
              GROUP BY \(day), profile_id
            )
            SELECT date, profile_id, link_id, link_title, link_url, clicks, unique_visitors,
                   clicks / views AS click_rate, top_source
            FROM per_link LEFT JOIN page_views USING (date, profile_id)
            ORDER BY date, profile_id, link_id
            """
        case .trafficSources:
            return """
            WITH per_source AS (
              SELECT \(day) AS date, source,
                     count_if(event = 'view') AS views,
                     count_if(event = 'click') AS clicks,
                     count_if(event = 'conversion') AS conversions,
                     count(DISTINCT visitor_id) AS unique_visitors,
                     mode(link_id) FILTER (WHERE event = 'click') AS top_link_id
              FROM \(t)\(filter())
              GROUP BY \(day), source
            ),
            link_titles AS (
              SELECT link_id, max(link_title) AS link_title
              FROM \(t)\(filter(["event = 'click'"]))
              GROUP BY link_id
            )
            SELECT date, source, views, clicks, unique_visitors,
                   clicks / nullif(views, 0) AS click_rate,
                   conversions / nullif(clicks, 0) AS conversion_rate,
                   link_titles.link_title AS top_link
            FROM per_source LEFT JOIN link_titles ON link_titles.link_id = per_source.top_link_id
            ORDER BY date, source
            """
        case .linkPerformance:
            let month = "\(day) - CAST(extract(day FROM ts) - 1 AS INTEGER)"
            let monthNo = "extract(year FROM ts) * 12 + extract(month FROM ts)"
            return """
            WITH per_link AS (
              SELECT \(month) AS month, \(monthNo) AS month_no, profile_id, link_id,
                     max(link_title) AS link_title, count(*) AS clicks, count(DISTINCT visitor_id) AS unique_visitors,
                     mode(source) AS top_source, mode(country) AS top_country
              FROM \(t)\(filter(["event = 'click'"]))
              GROUP BY \(month), \(monthNo), profile_id, link_id
            ),
            with_previous AS (
              SELECT month, profile_id, link_id, month_no, link_title, clicks, unique_visitors, top_source, top_country,
                     lag(month_no) OVER (PARTITION BY profile_id, link_id ORDER BY month) AS previous_month_no,
                     lag(clicks) OVER (PARTITION BY profile_id, link_id ORDER BY month) AS previous_clicks
              FROM per_link
            )
            SELECT month, profile_id, link_id, link_title, clicks, unique_visitors,
                   CASE WHEN previous_month_no = month_no - 1 THEN clicks / previous_clicks - 1 END AS growth,
                   top_source, top_country
            FROM with_previous
            ORDER BY month, profile_id, link_id
            """
        case .campaigns:
            return """
            SELECT utm_campaign, utm_source, utm_medium,
                   count_if(event = 'view') AS views,
                   count_if(event = 'click') AS clicks,
                   count_if(event = 'conversion') AS conversions,
                   coalesce(sum(revenue), 0.0) AS revenue,
                   count_if(event = 'click') / nullif(count_if(event = 'view'), 0) AS click_rate,
                   count_if(event = 'conversion') / nullif(count_if(event = 'click'), 0) AS conversion_rate
            FROM \(t)\(filter(["utm_campaign <> ''"]))
            GROUP BY utm_campaign, utm_source, utm_medium
            ORDER BY utm_campaign, utm_source, utm_medium
            """
        case .compare:
            guard let from = request.from, let to = request.to else {
                throw user("report 'compare' needs --from and --to (it compares that window with the window of equal length just before it)")
            }
            // the window of equal length before it (API callers may pass any Int64: checked)
            let (span, o1) = to.subtractingReportingOverflow(from)
            let (previous, o2) = from.subtractingReportingOverflow(span)
            guard !o1 && !o2 else { throw user("report 'compare': the --from/--to window is out of range") }
            return """
            SELECT link_id, link_title, clicks_current, clicks_previous,
                   clicks_current - clicks_previous AS change,
                   (clicks_current - clicks_previous) * 100 / nullif(clicks_previous, 0) AS change_pct
            FROM (
              SELECT link_id, max(link_title) AS link_title,
                     count_if(ts >= \(literal(from))) AS clicks_current,
                     count_if(ts < \(literal(from))) AS clicks_previous
              FROM \(t)\(filter(["event = 'click'"], from: previous))
              GROUP BY link_id
            ) AS windows
            ORDER BY clicks_current DESC, link_id
            """
        case .bestTime:
            return """
            SELECT extract(isodow FROM ts) AS day_of_week, extract(hour FROM ts) AS hour,
                   count(*) AS clicks, count(DISTINCT visitor_id) AS unique_visitors
            FROM \(t)\(filter(["event = 'click'"]))
            GROUP BY extract(isodow FROM ts), extract(hour FROM ts)
            ORDER BY day_of_week, hour
            """
        }
    }

    /// The report as a script a user can paste into `strata query` (or DuckDB): a `SET timezone`
    /// statement when the zone is not UTC, then the query.
    public static func script(for kind: ReportKind, request: ReportRequest) throws(EngineError) -> String {
        let q = try sql(for: kind, request: request)
        let tz = request.timeZone
        if tz.isEmpty || tz.uppercased() == "UTC" { return q + ";\n" }
        return "SET timezone = '\(tz.replacingQuotes)';\n" + q + ";\n"
    }

    /// Columns `kind` needs (with the request's filters) that `table` lacks, in the report's order.
    public static func missingColumns(_ kind: ReportKind, request: ReportRequest, in table: TableDefinition) -> [String] {
        let have = Set(table.columns.map { $0.name.lowercased() })
        var need = kind.requiredColumns
        if request.profileID != nil && !need.contains("profile_id") { need.append("profile_id") }
        return need.filter { !have.contains($0) }
    }

    /// Checks the table, runs the report in the request's time zone (the engine's zone is
    /// restored afterwards) and returns its rows with the report's column names.
    public static func run(engine: QueryEngine, kind: ReportKind, request: ReportRequest) throws(EngineError) -> ResultSet {
        let def: TableDefinition
        do throws(StoreError) { def = try engine.store.table(request.table).definition } catch {
            throw EngineError(error)
        }
        let missing = missingColumns(kind, request: request, in: def)
        if !missing.isEmpty {
            let list = missing.map { "'\($0)'" }.joined(separator: ", ")
            throw user("table '\(request.table)' lacks column\(missing.count == 1 ? "" : "s") \(list) needed by report '\(kind.rawValue)'")
        }
        let query = try sql(for: kind, request: request)
        let saved = engine.timeZone
        defer { if engine.timeZone !== saved { try? engine.setTimeZone(saved.identifier) } }
        try engine.setTimeZone(request.timeZone.isEmpty ? "UTC" : request.timeZone)
        let results = try engine.execute(query)
        guard var r = results.last?.result else { throw EngineError(kind: .internal, message: "error: report produced no result", detail: "") }
        r.names = kind.columns
        return r
    }

    static func literal(_ micros: Int64) -> String { "TIMESTAMP '\(Civil.formatTimestamp(micros))'" }

    static func user(_ message: String) -> EngineError {
        EngineError(kind: .user, message: "error: " + message, detail: "")
    }
}
