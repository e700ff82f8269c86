import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
import StrataSQL
import StrataStore
import StrataText
@testable import StrataQuery

// `strata report`: every report is checked against a straightforward Swift reference computed
// from the generated events (time zones through Foundation's TimeZone, not the engine's rules).

/// One generated click-log event.
struct ReportClickEvent {
    var ts: Int64
    var event: String
    var profileID: Int64
    var linkID: Int64
    var linkTitle: String
    var linkURL: String
    var visitorID: String
    var source: String
    var utmSource: String?
    var utmMedium: String?
    var utmCampaign: String?
    var device: String
    var country: String
    var revenue: Double?
}

enum ReportFixture {
    static let microsPerSecond: Int64 = 1_000_000
    static let microsPerDay: Int64 = 86_400_000_000
    /// 2024-01-20 00:00:00 UTC.
    static let periodStart: Int64 = 1_705_708_800_000_000
    static let periodDays: Int64 = 82
    /// 2024-03-31 01:00:00 UTC: Europe/Berlin springs forward.
    static let berlinDST: Int64 = 1_711_846_800_000_000
    /// 2024-03-10 07:00:00 UTC: America/New_York springs forward.
    static let newYorkDST: Int64 = 1_710_054_000_000_000
    static let sources = ["direct", "google", "instagram", "tiktok", ""]
    static let countries = ["BR", "DE", "FR", "US"]
    static let campaigns: [(String?, String?, String?)] = [
        (nil, nil, nil), (nil, nil, nil), ("", "", ""), ("spring_sale", "newsletter", "email"),
        ("spring_sale", "ig", "social"), ("launch", "ig", nil), ("launch", nil, nil), ("launch", "newsletter", "email"),
    ]

    static func links(of profile: Int64) -> [Int64] { (1...4).map { profile * 100 + $0 } }

    /// Random sessions: a page view (usually), then clicks on the profile's links, sometimes a
    /// conversion. Times cluster near UTC and local midnights and DST changes.
    static func events(seed: UInt64, sessions: Int) -> [ReportClickEvent] {
        var rng = ReportRNG(seed)
        var out: [ReportClickEvent] = []
        let anchors: [Int64] = [berlinDST, newYorkDST, periodStart + 40 * microsPerDay - 3_600 * microsPerSecond]
        for _ in 0..<sessions {
            var t: Int64
            switch rng.int(10) {
            case 0, 1:
                // near a UTC midnight, or a Berlin (UTC+1/+2) or New York (UTC-5/-4) midnight
                let day = periodStart + Int64(rng.int(Int(periodDays))) * microsPerDay
                let shift = rng.pick([0, -1, -2, 4, 5]) * 3_600 * microsPerSecond
                t = day + shift + Int64(rng.int(240) - 120) * microsPerSecond
            case 2:
                t = rng.pick(anchors) + Int64(rng.int(4 * 3_600) - 2 * 3_600) * microsPerSecond
            default:
                t = periodStart + Int64(rng.int(Int(periodDays * 86_400))) * microsPerSecond
            }
            let profile = Int64(1 + rng.int(3))
            let visitor = "v\(rng.int(25))"
            let source = rng.pick(sources)
            let (campaign, utmSource, utmMedium) = rng.pick(campaigns)
            let device = rng.pick(["mobile", "desktop"])
            let country = rng.pick(countries)
            func make(_ event: String, _ link: Int64, _ at: Int64, revenue: Double?) -> ReportClickEvent {
                // the first link of each profile is renamed halfway through the period
                let renamed = link % 100 == 1 && at >= periodStart + periodDays / 2 * microsPerDay
                return ReportClickEvent(ts: at, event: event, profileID: profile, linkID: link,
                           linkTitle: link == 0 ? "" : renamed ? "Link \(link) (renamed)" : "Link \(link)",
                           linkURL: link == 0 ? "" : "https://example.com/l/\(link)", visitorID: visitor, source: source,
                           utmSource: utmSource, utmMedium: utmMedium, utmCampaign: campaign, device: device,
                           country: country, revenue: revenue)
            }
            if rng.chance(0.75) { out.append(make("view", 0, t, revenue: rng.chance(0.5) ? 0 : nil)) }
            let clicks = rng.int(4)
            for k in 0..<clicks {
                let link = rng.pick(links(of: profile))
                let at = t + Int64(k + 1) * Int64(1 + rng.int(90)) * microsPerSecond
                out.append(make("click", link, at, revenue: 0))
                if rng.chance(0.2) {
                    out.append(make("conversion", link, at + 30 * microsPerSecond, revenue: Double(100 + rng.int(9_900)) / 100))
                }
            }
        }
        return out
    }

    static let createSQL = """
        CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR,
          link_url VARCHAR, visitor_id VARCHAR, source VARCHAR, utm_source VARCHAR, utm_medium VARCHAR,
          utm_campaign VARCHAR, device VARCHAR, country VARCHAR, revenue DOUBLE)
          PARTITION BY day(ts) ORDER BY (profile_id, ts)
        """

    /// Loads the events into table `name` (created with `createSQL`'s columns) in two commits.
    static func load(_ events: [ReportClickEvent], into name: String, store: Store) throws {
        let t = try store.table(name)
        let def = try t.definition
        func strings(_ get: (ReportClickEvent) -> String?) -> Column {
            var dict = StringDictionary()
            var ids: [String: UInt32] = [:]
            var codes: [UInt32] = []
            var valid = [UInt8](repeating: 1, count: events.count)
            for (i, e) in events.enumerated() {
                let s = get(e)
                if s == nil { valid[i] = 0 }
                let key = s ?? ""
                if let c = ids[key] { codes.append(c) } else {
                    let c = UInt32(dict.count)
                    ids[key] = c
                    dict.append(key)
                    codes.append(c)
                }
            }
            return Column(.string(codes: codes, dictionary: dict), validity: valid.contains(0) ? valid : nil)
        }
        var cols: [Column] = []
        for c in def.columns {
            switch c.name {
            case "ts": cols.append(Column(.int64(events.map(\.ts))))
            case "event": cols.append(strings { $0.event })
            case "profile_id": cols.append(Column(.int64(events.map(\.profileID))))
            case "link_id": cols.append(Column(.int64(events.map(\.linkID))))
            case "link_title": cols.append(strings { $0.linkTitle })
            case "link_url": cols.append(strings { $0.linkURL })
            case "visitor_id": cols.append(strings { $0.visitorID })
            case "source": cols.append(strings { $0.source })
            case "utm_source": cols.append(strings { $0.utmSource })
            case "utm_medium": cols.append(strings { $0.utmMedium })
            case "utm_campaign": cols.append(strings { $0.utmCampaign })
            case "device": cols.append(strings { $0.device })
            case "country": cols.append(strings { $0.country })
            case "revenue":
                let valid = events.map { $0.revenue == nil ? UInt8(0) : 1 }
                cols.append(Column(.double(events.map { $0.revenue ?? 0 }), validity: valid.contains(0) ? valid : nil))
            default: Issue.record("unexpected column \(c.name)")
            }
        }
        let half = events.count / 2
        for range in [0..<half, half..<events.count] where !range.isEmpty {
            let rows = range.map { Int32($0) }
            let part = rows.withUnsafeBufferPointer { p in cols.map { $0.gathered(p) } }
            try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: part))
        }
    }

    static func makeEngine() throws -> QueryEngine {
        let dir = TestScratch.root + "strata-report-\(UInt64.random(in: 0...UInt64.max))"
        return try QueryEngine(store: try Store(root: dir), threads: 2)
    }
}

// MARK: - reference

/// The report definitions of issue 7, computed row by row from the events.
struct ReportReference {
    let events: [ReportClickEvent]
    let request: ReportRequest
    let zone: TimeZone

    init(events: [ReportClickEvent], request: ReportRequest) {
        self.request = request
        zone = TimeZone(identifier: request.timeZone)!
        self.events = events.filter { e in
            (request.from.map { e.ts >= $0 } ?? true) && (request.to.map { e.ts < $0 } ?? true)
                && (request.profileID.map { e.profileID == $0 } ?? true)
        }
    }

    /// Local wall-clock seconds since the epoch.
    func localSeconds(_ ts: Int64) -> Int64 {
        let s = ts >= 0 ? ts / 1_000_000 : -((-ts + 999_999) / 1_000_000)
        return s + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(s))))
    }

    func localDay(_ ts: Int64) -> Int64 {
        let s = localSeconds(ts)
        return s >= 0 ? s / 86_400 : -((-s + 86_399) / 86_400)
    }

    /// (days of the first of the month, year * 12 + month) in local time.
    func localMonth(_ ts: Int64) -> (Int64, Int64) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let day = localDay(ts)
        let c = cal.dateComponents([.year, .month], from: Date(timeIntervalSince1970: TimeInterval(day * 86_400)))
        let first = cal.date(from: DateComponents(year: c.year, month: c.month, day: 1))!
        return (Int64(first.timeIntervalSince1970) / 86_400, Int64(c.year! * 12 + c.month!))
    }

    static func rate(_ a: Int, _ b: Int) -> Value { b == 0 ? .null : .double(Double(a) / Double(b)) }

    /// Most frequent key; ties go to the smallest key.
    static func top<K: Comparable>(_ counts: [K: Int]) -> K? {
        counts.min { x, y in x.value != y.value ? x.value > y.value : x.key < y.key }?.key
    }

    func dailyClicks() -> [[Value]] {
        struct Key: Hashable, Comparable {
            var day: Int64, profile: Int64, link: Int64
            static func < (a: Key, b: Key) -> Bool { (a.day, a.profile, a.link) < (b.day, b.profile, b.link) }
        }
        var views: [[Int64]: Int] = [:]
        var clicks: [Key: Int] = [:], visitors: [Key: Set<String>] = [:], titles: [Key: String] = [:], urls: [Key: String] = [:]
        var sources: [Key: [String: Int]] = [:]
        for e in events {
            let day = localDay(e.ts)
            if e.event == "view" { views[[day, e.profileID], default: 0] += 1 }
            guard e.event == "click" else { continue }
            let k = Key(day: day, profile: e.profileID, link: e.linkID)
            clicks[k, default: 0] += 1
            visitors[k, default: []].insert(e.visitorID)
            titles[k] = max(titles[k] ?? e.linkTitle, e.linkTitle)
            urls[k] = max(urls[k] ?? e.linkURL, e.linkURL)
            sources[k, default: [:]][e.source, default: 0] += 1
        }
        return clicks.keys.sorted().map { k in
            [.date(k.day), .int(k.profile), .int(k.link), .string(titles[k]!), .string(urls[k]!), .int(Int64(clicks[k]!)),
             .int(Int64(visitors[k]!.count)), Self.rate(clicks[k]!, views[[k.day, k.profile]] ?? 0),
             .string(Self.top(sources[k]!)!)]
        }
    }

    func trafficSources() -> [[Value]] {
        struct Key: Hashable, Comparable {
            var day: Int64, source: String
            static func < (a: Key, b: Key) -> Bool { (a.day, a.source) < (b.day, b.source) }
        }
        var views: [Key: Int] = [:], clicks: [Key: Int] = [:], conversions: [Key: Int] = [:]
        // a link is named by its greatest title among the window's clicks
        var visitors: [Key: Set<String>] = [:], links: [Key: [Int64: Int]] = [:], titles: [Int64: String] = [:]
        for e in events {
            let k = Key(day: localDay(e.ts), source: e.source)
            visitors[k, default: []].insert(e.visitorID)
            switch e.event {
            case "view": views[k, default: 0] += 1
            case "click":
                clicks[k, default: 0] += 1
                links[k, default: [:]][e.linkID, default: 0] += 1
                titles[e.linkID] = max(titles[e.linkID] ?? e.linkTitle, e.linkTitle)
            default: conversions[k, default: 0] += 1
            }
        }
        return visitors.keys.sorted().map { k in
            let v = views[k] ?? 0, c = clicks[k] ?? 0, cv = conversions[k] ?? 0
            let top: Value = links[k].flatMap { Self.top($0) }.map { .string(titles[$0]!) } ?? .null
            return [.date(k.day), .string(k.source), .int(Int64(v)), .int(Int64(c)), .int(Int64(visitors[k]!.count)),
                    Self.rate(c, v), Self.rate(cv, c), top]
        }
    }

    func linkPerformance() -> [[Value]] {
        struct Key: Hashable, Comparable {
            var month: Int64, profile: Int64, link: Int64
            static func < (a: Key, b: Key) -> Bool { (a.month, a.profile, a.link) < (b.month, b.profile, b.link) }
        }
        var clicks: [Key: Int] = [:], visitors: [Key: Set<String>] = [:], titles: [Key: String] = [:]
        var sources: [Key: [String: Int]] = [:], countries: [Key: [String: Int]] = [:], firstDay: [Int64: Int64] = [:]
        for e in events where e.event == "click" {
            let (first, number) = localMonth(e.ts)
            firstDay[number] = first
            let k = Key(month: number, profile: e.profileID, link: e.linkID)
            clicks[k, default: 0] += 1
            visitors[k, default: []].insert(e.visitorID)
            titles[k] = max(titles[k] ?? e.linkTitle, e.linkTitle)
            sources[k, default: [:]][e.source, default: 0] += 1
            countries[k, default: [:]][e.country, default: 0] += 1
        }
        return clicks.keys.sorted().map { k in
            var prev = k
            prev.month -= 1
            let growth: Value = clicks[prev].map { .double(Double(clicks[k]!) / Double($0) - 1) } ?? .null
            return [.date(firstDay[k.month]!), .int(k.profile), .int(k.link), .string(titles[k]!), .int(Int64(clicks[k]!)),
                    .int(Int64(visitors[k]!.count)), growth, .string(Self.top(sources[k]!)!), .string(Self.top(countries[k]!)!)]
        }
    }

    func campaigns() -> [[Value]] {
        struct Key: Hashable, Comparable {
            var campaign: String, source: String?, medium: String?
            // NULLS LAST
            static func lt(_ a: String?, _ b: String?) -> Bool? {
                if a == b { return nil }
                guard let a else { return false }
                guard let b else { return true }
                return a < b
            }
            static func < (a: Key, b: Key) -> Bool {
                if a.campaign != b.campaign { return a.campaign < b.campaign }
                return lt(a.source, b.source) ?? lt(a.medium, b.medium) ?? false
            }
        }
        var views: [Key: Int] = [:], clicks: [Key: Int] = [:], conversions: [Key: Int] = [:], revenue: [Key: Double] = [:]
        for e in events {
            guard let c = e.utmCampaign, !c.isEmpty else { continue }
            let k = Key(campaign: c, source: e.utmSource, medium: e.utmMedium)
            revenue[k, default: 0] += e.revenue ?? 0
            switch e.event {
            case "view": views[k, default: 0] += 1
            case "click": clicks[k, default: 0] += 1
            default: conversions[k, default: 0] += 1
            }
        }
        return revenue.keys.sorted().map { k in
            let v = views[k] ?? 0, c = clicks[k] ?? 0, cv = conversions[k] ?? 0
            return [.string(k.campaign), k.source.map { .string($0) } ?? .null, k.medium.map { .string($0) } ?? .null,
                    .int(Int64(v)), .int(Int64(c)), .int(Int64(cv)), .double(revenue[k]!), Self.rate(c, v), Self.rate(cv, c)]
        }
    }

    /// `all` are the unfiltered events: the previous window lies before `request.from`.
    static func compare(_ all: [ReportClickEvent], _ request: ReportRequest) -> [[Value]] {
        let from = request.from!, to = request.to!, previous = from - (to - from)
        var current: [Int64: Int] = [:], before: [Int64: Int] = [:], titles: [Int64: String] = [:]
        for e in all where e.event == "click" && e.ts >= previous && e.ts < to && (request.profileID.map { e.profileID == $0 } ?? true) {
            if e.ts >= from { current[e.linkID, default: 0] += 1 } else { before[e.linkID, default: 0] += 1 }
            titles[e.linkID] = max(titles[e.linkID] ?? e.linkTitle, e.linkTitle)
        }
        let ids = titles.keys.sorted { a, b in (current[a] ?? 0) != (current[b] ?? 0) ? (current[a] ?? 0) > (current[b] ?? 0) : a < b }
        return ids.map { id in
            let c = current[id] ?? 0, p = before[id] ?? 0
            return [.int(id), .string(titles[id]!), .int(Int64(c)), .int(Int64(p)), .int(Int64(c - p)),
                    p == 0 ? .null : .double(Double((c - p) * 100) / Double(p))]
        }
    }

    func bestTime() -> [[Value]] {
        var clicks: [[Int64]: Int] = [:], visitors: [[Int64]: Set<String>] = [:]
        for e in events where e.event == "click" {
            let s = localSeconds(e.ts)
            let day = localDay(e.ts)
            let dow = ((day % 7 + 7 + 3) % 7) + 1  // 1970-01-01 was a Thursday (4)
            let k = [dow, (s - day * 86_400) / 3_600]
            clicks[k, default: 0] += 1
            visitors[k, default: []].insert(e.visitorID)
        }
        return clicks.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { k in
            [.int(k[0]), .int(k[1]), .int(Int64(clicks[k]!)), .int(Int64(visitors[k]!.count))]
        }
    }

    static func expected(_ kind: ReportKind, _ all: [ReportClickEvent], _ request: ReportRequest) -> [[Value]] {
        let r = ReportReference(events: all, request: request)
        switch kind {
        case .dailyClicks: return r.dailyClicks()
        case .trafficSources: return r.trafficSources()
        case .linkPerformance: return r.linkPerformance()
        case .campaigns: return r.campaigns()
        case .compare: return compare(all, request)
        case .bestTime: return r.bestTime()
        }
    }
}

// MARK: - comparison

func reportCellsMatch(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)):
        return x == y || abs(x - y) <= 1e-9 * max(abs(x), abs(y))
    case (.int(let x), .double(let y)), (.double(let y), .int(let x)):
        return Double(x) == y
    default:
        return a == b
    }
}

func expectReport(_ r: ResultSet, _ expected: [[Value]], _ what: String) {
    #expect(r.rowCount == expected.count, "\(what): \(r.rowCount) rows, expected \(expected.count)")
    for i in 0..<min(r.rowCount, expected.count) {
        let row = r.row(i)
        let ok = row.count == expected[i].count && zip(row, expected[i]).allSatisfy { reportCellsMatch($0, $1) }
        if !ok {
            Issue.record("\(what): row \(i) is \(row), expected \(expected[i])")
            return
        }
    }
}

// MARK: - tests

@Suite struct ReportTests {
    static let zones = ["UTC", "Europe/Berlin", "America/New_York"]

    /// A request for seed `seed`: zone, optional window and profile vary with the seed.
    static func request(_ kind: ReportKind, seed: UInt64) -> ReportRequest {
        var rng = ReportRNG(seed ^ 0xABCDEF)
        var r = ReportRequest(table: "clicks", timeZone: zones[Int(seed) % zones.count])
        let day = ReportFixture.microsPerDay
        if kind == .compare || rng.chance(0.5) {
            let start = ReportFixture.periodStart + Int64(20 + rng.int(20)) * day + Int64(rng.int(24)) * 3_600_000_000
            r.from = start
            r.to = start + Int64(3 + rng.int(25)) * day + Int64(rng.int(3_600)) * 1_000_000
        }
        if rng.chance(0.3) { r.profileID = Int64(1 + rng.int(3)) }
        return r
    }

    static func check(_ kind: ReportKind, seeds: ClosedRange<UInt64>) throws {
        for seed in seeds {
            let engine = try ReportFixture.makeEngine()
            _ = try engine.execute(ReportFixture.createSQL)
            let events = ReportFixture.events(seed: seed, sessions: 150 + Int(seed % 5) * 60)
            try ReportFixture.load(events, into: "clicks", store: engine.store)
            let req = request(kind, seed: seed)
            let r = try Reports.run(engine: engine, kind: kind, request: req)
            #expect(r.names == kind.columns)
            #expect(engine.timeZone.identifier == "UTC", "the engine's zone is restored")
            expectReport(r, ReportReference.expected(kind, events, req), "\(kind.rawValue) seed \(seed) \(req)")
            // the whole period as well (no window, all profiles) unless the report needs a window
            if !kind.needsWindow {
                var all = ReportRequest(table: "clicks", timeZone: req.timeZone)
                all.profileID = nil
                expectReport(try Reports.run(engine: engine, kind: kind, request: all),
                             ReportReference.expected(kind, events, all), "\(kind.rawValue) seed \(seed) whole period")
            }
        }
    }

    // Reports built on window functions: daily-clicks (max OVER, row_number), traffic-sources
    // (row_number), link-performance (row_number, lag).

    @Test func dailyClicksMatchesReference() throws { try Self.check(.dailyClicks, seeds: 1...9) }
    @Test func trafficSourcesMatchesReference() throws { try Self.check(.trafficSources, seeds: 1...9) }
    @Test func linkPerformanceMatchesReference() throws { try Self.check(.linkPerformance, seeds: 1...9) }

    // Reports without window functions.

    @Test func campaignsMatchesReference() throws { try Self.check(.campaigns, seeds: 1...9) }
    @Test func compareMatchesReference() throws { try Self.check(.compare, seeds: 1...9) }
    @Test func bestTimeMatchesReference() throws { try Self.check(.bestTime, seeds: 1...12) }

    @Test func fixtureCoversTheEdgeCases() throws {
        // the generated data really has the cases the reports must get right
        var nullRates = 0, sourceTies = 0, nearMidnight = 0, aroundDST = 0, renamedClicks = 0, originalClicks = 0
        for seed: UInt64 in 1...9 {
            let events = ReportFixture.events(seed: seed, sessions: 150 + Int(seed % 5) * 60)
            let req = ReportRequest(table: "clicks", timeZone: "Europe/Berlin")
            let ref = ReportReference(events: events, request: req)
            nullRates += ref.dailyClicks().filter { $0[7] == .null }.count
            var perLinkSources: [String: [String: Int]] = [:]
            for e in events where e.event == "click" { perLinkSources["\(ref.localDay(e.ts))/\(e.linkID)", default: [:]][e.source, default: 0] += 1 }
            sourceTies += perLinkSources.values.filter { c in let m = c.values.max()!; return c.values.filter { $0 == m }.count > 1 }.count
            nearMidnight += events.filter { abs(ref.localSeconds($0.ts) % 86_400 - 43_200) > 43_080 }.count
            aroundDST += events.filter { abs($0.ts - ReportFixture.berlinDST) < 7_200_000_000 }.count
            renamedClicks += events.filter { $0.event == "click" && $0.linkTitle.hasSuffix("(renamed)") }.count
            originalClicks += events.filter { $0.event == "click" && $0.linkID % 100 == 1 && !$0.linkTitle.hasSuffix("(renamed)") }.count
        }
        #expect(renamedClicks > 10)
        #expect(originalClicks > 10)
        #expect(nullRates > 10)
        #expect(sourceTies > 10)
        #expect(nearMidnight > 10)
        #expect(aroundDST > 10)
    }

    @Test func missingColumnsAreNamed() throws {
        let engine = try ReportFixture.makeEngine()
        _ = try engine.execute("CREATE TABLE thin (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR, visitor_id VARCHAR)")
        do {
            _ = try Reports.run(engine: engine, kind: .linkPerformance, request: ReportRequest(table: "thin"))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .user)
            #expect(error.message == "error: table 'thin' lacks columns 'source', 'country' needed by report 'link-performance'")
        }
        do {
            _ = try Reports.run(engine: engine, kind: .campaigns, request: ReportRequest(table: "thin"))
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("lacks columns 'utm_campaign', 'utm_source', 'utm_medium', 'revenue'"))
        }
        _ = try engine.execute("CREATE TABLE noprofile (ts TIMESTAMP, event VARCHAR, visitor_id VARCHAR)")
        // best-time runs without profile_id, but not with --profile
        #expect(try Reports.run(engine: engine, kind: .bestTime, request: ReportRequest(table: "noprofile")).rowCount == 0)
        do {
            _ = try Reports.run(engine: engine, kind: .bestTime, request: ReportRequest(table: "noprofile", profileID: 3))
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "error: table 'noprofile' lacks column 'profile_id' needed by report 'best-time'")
        }
        do {
            _ = try Reports.run(engine: engine, kind: .bestTime, request: ReportRequest(table: "nosuch"))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .user)
            #expect(error.message.contains("nosuch"))
        }
    }

    @Test func compareNeedsAWindow() throws {
        let engine = try ReportFixture.makeEngine()
        _ = try engine.execute(ReportFixture.createSQL)
        for req in [ReportRequest(table: "clicks"), ReportRequest(table: "clicks", from: ReportFixture.periodStart),
                    ReportRequest(table: "clicks", to: ReportFixture.periodStart)] {
            do {
                _ = try Reports.run(engine: engine, kind: .compare, request: req)
                Issue.record("expected an error")
            } catch {
                #expect(error.kind == .user)
                #expect(error.message.contains("report 'compare' needs --from and --to"))
            }
        }
        do {
            _ = try Reports.sql(for: .bestTime, request: ReportRequest(table: "clicks", from: 10, to: 10))
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "error: --to (1970-01-01 00:00:00.00001) must be after --from (1970-01-01 00:00:00.00001)")
        }
    }

    @Test(arguments: ReportKind.allCases)
    func emptyWindowGivesNoRows(kind: ReportKind) throws {
        let engine = try ReportFixture.makeEngine()
        _ = try engine.execute(ReportFixture.createSQL)
        try ReportFixture.load(ReportFixture.events(seed: 7, sessions: 200), into: "clicks", store: engine.store)
        // a window after all data
        let from = ReportFixture.periodStart + 400 * ReportFixture.microsPerDay
        let r = try Reports.run(engine: engine, kind: kind, request: ReportRequest(table: "clicks", from: from, to: from + ReportFixture.microsPerDay))
        #expect(r.rowCount == 0)
        #expect(r.names == kind.columns)
        // a profile without events
        let p = try Reports.run(engine: engine, kind: kind, request: ReportRequest(table: "clicks", from: ReportFixture.periodStart,
                                                                                to: from, profileID: 99))
        #expect(p.rowCount == 0)
    }

    @Test func sqlTextHasTheFiltersAndQuoting() throws {
        let req = ReportRequest(table: "Click Log", from: 1_709_251_200_000_000, to: 1_711_929_600_000_000, profileID: 42)
        let sql = try Reports.sql(for: .bestTime, request: req)
        #expect(sql == """
            SELECT extract(isodow FROM ts) AS day_of_week, extract(hour FROM ts) AS hour,
                   count(*) AS clicks, count(DISTINCT visitor_id) AS unique_visitors
            FROM "Click Log"
              WHERE event = 'click' AND ts >= TIMESTAMP '2024-03-01 00:00:00' AND ts < TIMESTAMP '2024-04-01 00:00:00' AND profile_id = 42
            GROUP BY extract(isodow FROM ts), extract(hour FROM ts)
            ORDER BY day_of_week, hour
            """)
        let cmp = try Reports.sql(for: .compare, request: req)
        #expect(cmp.contains("ts >= TIMESTAMP '2024-01-30 00:00:00' AND ts < TIMESTAMP '2024-04-01 00:00:00' AND profile_id = 42"))
        #expect(cmp.contains("count_if(ts >= TIMESTAMP '2024-03-01 00:00:00') AS clicks_current"))
        #expect(try Reports.sql(for: .campaigns, request: ReportRequest(table: "clicks")).contains("FROM clicks\n  WHERE utm_campaign <> ''\n"))
        #expect(try Reports.script(for: .campaigns, request: ReportRequest(table: "clicks", timeZone: "Europe/Berlin"))
            .hasPrefix("SET timezone = 'Europe/Berlin';\nSELECT utm_campaign"))
        #expect(try Reports.script(for: .campaigns, request: ReportRequest(table: "clicks")).hasPrefix("SELECT utm_campaign"))
        for kind in ReportKind.allCases {
            // every report parses, whatever the request
            let text = try Reports.sql(for: kind, request: ReportRequest(table: "t", from: 0, to: 1_000_000_000))
            #expect(throws: Never.self) { try ReportSQLParse.check(text) }
        }
    }

    @Test func timesAreReadInTheReportZone() throws {
        let berlin = TimeZoneRules(identifier: "Europe/Berlin")!
        // winter: UTC+1, summer: UTC+2; the spring-forward gap reads with the earlier offset
        #expect(ReportRequest.parseTime("2024-03-01", timeZone: berlin) == Civil.parseTimestamp("2024-02-29 23:00:00", format: .iso))
        #expect(ReportRequest.parseTime("2024-04-01 12:30", timeZone: berlin) == Civil.parseTimestamp("2024-04-01 10:30:00", format: .iso))
        #expect(ReportRequest.parseTime(" 2024-04-01 12:30:15 ", timeZone: .utc) == Civil.parseTimestamp("2024-04-01 12:30:15", format: .iso))
        // explicit offsets are instants
        #expect(ReportRequest.parseTime("2024-04-01T12:30:00Z", timeZone: berlin) == Civil.parseTimestamp("2024-04-01 12:30:00", format: .iso))
        #expect(ReportRequest.parseTime("2024-04-01 12:30:00+05:00", timeZone: berlin) == Civil.parseTimestamp("2024-04-01 07:30:00", format: .iso))
        #expect(ReportRequest.parseTime("yesterday", timeZone: berlin) == nil)
        #expect(ReportRequest.parseTime("2024-13-01", timeZone: berlin) == nil)
    }

    @Test func barsScaleToTheLargestValue() {
        let bars = ReportChart.bars([.int(8), .int(4), .int(0), .null, .int(1), .double(7.5), .int(-3), .double(0.01)], width: 2)
        #expect(bars == ["██", "█", "", "", "▎", "█▉", "", "▏"])
        #expect(ReportChart.bars([.int(0), .null], width: 20) == ["", ""])
        let full = ReportChart.bars([.int(160), .int(3)], width: 20)
        #expect(full[0] == String(repeating: "█", count: 20))
        #expect(full[1] == "▍")
        let r = ReportChart.adding(to: ResultSet(names: ["clicks"], types: [.bigint], columns: [[.int(2), .int(1)]]), measure: "clicks", width: 4)
        #expect(r.names == ["clicks", "chart"])
        #expect(r.columns[1] == [.string("████"), .string("██")])
        let unchanged = ReportChart.adding(to: ResultSet(names: ["x"], types: [.bigint], columns: [[.int(1)]]), measure: "clicks", width: 4)
        #expect(unchanged.names == ["x"])
    }
}

enum ReportSQLParse {
    static func check(_ sql: String) throws { _ = try parseScriptLocated(sql) }
}
