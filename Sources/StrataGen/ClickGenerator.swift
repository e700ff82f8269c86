#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// Errors raised by ``ClickGenerator``.
public enum ClickGeneratorError: Error, Equatable, Sendable {
    /// The options are out of range; the message names the offending option.
    case invalidOptions(String)
    /// An I/O call failed; carries the path and `errno`.
    case io(path: String, errno: Int32)
}

/// Deterministic synthetic click-log generator (link-in-bio / marketing analytics), the
/// engine behind `strata gen clicks`.
///
/// Output has the 20 columns of ``columns`` (header line first for CSV), one row per event,
/// in *arrival* order: mostly ascending `ts`, with ~3% late arrivals up to 4 hours late.
/// The same ``Options`` produce byte-identical output on every machine: all randomness comes
/// from SplitMix64 streams and all math is integer or basic IEEE arithmetic.
///
/// The catalog (profiles, links, titles, URLs, campaigns, user agents) depends only on
/// ``Options/catalogSeed``, ``Options/profiles`` and ``Options/links``, so e.g. the most popular
/// profile id (see ``popularProfiles(_:)``) is the same for every `rows`/`seed`/`start`/`days`.
public struct ClickGenerator: Sendable {
    /// Output encodings.
    public enum Format: String, Sendable, CaseIterable {
        /// RFC 4180 CSV with a header line; `\n` line ends; fields quoted only when they contain
        /// a comma, a double quote or a line break (inner quotes doubled).
        case csv
        /// One JSON object per line with the column names as keys in column order;
        /// `profile_id`, `link_id` and `revenue` are JSON numbers, everything else strings.
        case ndjson
    }

    /// Generation parameters.
    public struct Options: Sendable, Equatable {
        /// Exact number of event rows to write (header not counted). Must be >= 0.
        public var rows: Int
        /// Event stream seed.
        public var seed: UInt64
        /// First day of the period as days since 1970-01-01 (UTC).
        public var startDay: Int
        /// Length of the period in days; every `ts` lies in `[startDay, startDay + days)`. Must be >= 1.
        public var days: Int
        /// Output encoding.
        public var format: Format
        /// Catalog seed (profiles, links, campaigns, user agents). Default 1.
        public var catalogSeed: UInt64
        /// Number of profiles (ids `1...profiles`). Default 2000.
        public var profiles: Int
        /// Number of links (ids `1...links`, each owned by one profile). Default 20000; must be >= profiles.
        public var links: Int

        /// Default start day: 2024-01-01.
        public static let defaultStartDay = 19723

        /// Creates options; defaults mirror the peer benchmark generator (2024-01-01 + 182 days, CSV).
        public init(rows: Int, seed: UInt64 = 42, startDay: Int = Options.defaultStartDay, days: Int = 182,
                    format: Format = .csv, catalogSeed: UInt64 = 1, profiles: Int = 2000, links: Int = 20000) {
            self.rows = rows
            self.seed = seed
            self.startDay = startDay
            self.days = days
            self.format = format
            self.catalogSeed = catalogSeed
            self.profiles = profiles
            self.links = links
        }

        /// Sets ``startDay`` from a proleptic Gregorian calendar date.
        public mutating func setStart(year: Int, month: Int, day: Int) {
            startDay = ClickGenerator.daysSinceEpoch(year: year, month: month, day: day)
        }
    }

    /// Summary of one ``write(to:)`` call.
    public struct Stats: Sendable, Equatable {
        /// Event rows written (equals ``Options/rows``).
        public var rows: Int
        /// Total bytes written, header included.
        public var bytes: Int
    }

    /// Column names in output order.
    public static let columns: [String] = [
        "ts", "event", "profile_id", "link_id", "link_title", "link_url", "content_type", "visitor_id",
        "session_id", "referrer", "source", "utm_source", "utm_medium", "utm_campaign", "device", "os",
        "browser", "country", "user_agent", "revenue",
    ]
    /// Values of the `event` column.
    public static let events: [String] = ClickCatalog.events
    /// Values of the `source` column.
    public static let sources: [String] = ClickCatalog.sources
    /// Values of the non-empty `content_type` column.
    public static let contentTypes: [String] = ClickCatalog.contentTypes
    /// Values of the `device` column.
    public static let devices: [String] = ClickCatalog.devices
    /// The 150 ISO-3166 alpha-2 codes of the `country` column, most frequent first.
    public static let countries: [String] = ClickCatalog.countries
    /// The 50 `utm_campaign` values.
    public static let campaignNames: [String] = ClickCatalog.campaignNames

    /// Output buffer size: the sink receives chunks of about this many bytes (the last one smaller).
    public static let chunkSize = 1 << 20

    /// The options this generator was created with.
    public let options: Options
    let catalog: ClickCatalog

    /// Validates `options` and builds the catalog (a few tens of milliseconds).
    public init(options: Options) throws(ClickGeneratorError) {
        guard options.rows >= 0 else { throw ClickGeneratorError.invalidOptions("rows must be >= 0") }
        guard options.days >= 1 && options.days <= 36_500 else {
            throw ClickGeneratorError.invalidOptions("days must be in 1...36500")
        }
        guard options.startDay >= -719_162 && options.startDay <= 2_932_896 - options.days else {
            throw ClickGeneratorError.invalidOptions("start must be between 0001-01-01 and 9999-12-31")
        }
        guard options.profiles >= 1 && options.profiles <= 10_000_000 else {
            throw ClickGeneratorError.invalidOptions("profiles must be in 1...10000000")
        }
        guard options.links >= options.profiles && options.links <= 100_000_000 else {
            throw ClickGeneratorError.invalidOptions("links must be >= profiles and <= 100000000")
        }
        self.options = options
        catalog = ClickCatalog(seed: options.catalogSeed, profiles: options.profiles, links: options.links)
    }

    /// The `n` most popular profile ids (1-based), most popular first. Depends only on the catalog options.
    public func popularProfiles(_ n: Int) -> [Int] {
        catalog.profilesByPopularity.prefix(max(0, n)).map { $0 + 1 }
    }

    /// Format implied by an output path: `.ndjson` / `.jsonl` (case-insensitive) mean NDJSON, anything else
    /// (including `nil` / stdout) CSV.
    public static func defaultFormat(forPath path: String?) -> Format {
        guard let p = path?.lowercased() else { return .csv }
        return p.hasSuffix(".ndjson") || p.hasSuffix(".jsonl") ? .ndjson : .csv
    }

    // MARK: calendar helpers

    /// Days since 1970-01-01 of a proleptic Gregorian date (month 1...12, day 1...31).
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Calendar date of a day number (inverse of ``daysSinceEpoch(year:month:day:)``).
    public static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Parses a strict `YYYY-MM-DD` date into days since 1970-01-01; `nil` if malformed or invalid.
    public static func parseDate(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        var v = [Int]()
        for range in [0..<4, 5..<7, 8..<10] {
            var n = 0
            for i in range {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                n = n * 10 + Int(b[i] - 48)
            }
            v.append(n)
        }
        guard v[0] >= 1, v[1] >= 1, v[1] <= 12, v[2] >= 1 else { return nil }
        let leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0
        let dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][v[1] - 1]
        guard v[2] <= dim else { return nil }
        return daysSinceEpoch(year: v[0], month: v[1], day: v[2])
    }

    // MARK: output

    /// Writes the whole file to `path`, or to standard output when `path` is `nil` or `"-"`.
    @discardableResult
    public func write(toPath path: String?) throws(ClickGeneratorError) -> Stats {
        let toStdout = path == nil || path == "-"
        let name = toStdout ? "<stdout>" : path!
        let fd: Int32 = toStdout ? 1 : open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw ClickGeneratorError.io(path: name, errno: errno) }
        defer { if !toStdout { _ = close(fd) } }
        return try write { (chunk) throws(ClickGeneratorError) in
            var off = 0
            while off < chunk.count {
                let n = systemWrite(fd, chunk.baseAddress! + off, chunk.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ClickGeneratorError.io(path: name, errno: errno)
                }
                off += n
            }
        }
    }

    /// Streams the generated file into `sink` in chunks of about ``chunkSize`` bytes.
    /// The buffer passed to `sink` is only valid during the call. Errors thrown by `sink` abort generation.
    @discardableResult
    public func write<E: Error>(to sink: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) -> Stats {
        var engine = EventEngine(options: options, catalog: catalog)
        return try engine.run(sink)
    }
}

/// A generated event waiting in the arrival-order heap.
struct PendingEvent {
    var arrival: Int64
    var seq: UInt64
    var ts: Int64
    var visitor: UInt64
    var session: UInt64
    var link: Int32 // link index, -1 for views
    var revenue: Int32 // cents
    var profile: Int32
    var referrer: Int32
    var utmSource: Int32
    var utmMedium: Int32
    var utmCampaign: Int32
    var agent: Int32
    var source: UInt8
    var event: UInt8
    var country: UInt8

    @inline(__always)
    static func before(_ a: PendingEvent, _ b: PendingEvent) -> Bool {
        a.arrival < b.arrival || (a.arrival == b.arrival && a.seq < b.seq)
    }
}

/// Flat, pointer-based copies of the catalog tables used on the per-session/per-event hot path
/// (no array bounds checks or reference counting in the inner loop).
final class EngineTables {
    static let maxOS = 4
    static let maxBrowser = 3
    let profiles: Int
    let profileCum: UnsafeMutablePointer<UInt64>
    let profileCountry: UnsafeMutablePointer<UInt8>
    /// `sources.count` cumulative weights per profile.
    let sourceCum: UnsafeMutablePointer<UInt64>
    /// Per-profile blocks of cumulative link weights (block p = `linkStart[p] ..< linkStart[p+1]`).
    let linkCum: UnsafeMutablePointer<UInt64>
    let linkStart: UnsafeMutablePointer<Int32>
    let linkContent: UnsafeMutablePointer<UInt8>
    /// Epoch ms from which a link exists (earlier clicks fall back to the profile's first link).
    let linkActive: UnsafeMutablePointer<Int64>
    let countries: Int
    let countryCum: UnsafeMutablePointer<UInt64>
    let deviceCum: UnsafeMutablePointer<UInt64>
    /// `maxOS` slots per device; `osCount[d]` used.
    let osCum: UnsafeMutablePointer<UInt64>
    let osCount: UnsafeMutablePointer<Int>
    /// `maxBrowser` slots per (device, os); `browserCount[d * maxOS + o]` used.
    let browserCum: UnsafeMutablePointer<UInt64>
    let browserCount: UnsafeMutablePointer<Int>
    /// Offset into `slots` of the 4096-slot agent pool per (device, os, browser).
    let browserPool: UnsafeMutablePointer<Int>
    /// Offset into `slots` of the in-app pools (Instagram, TikTok, Facebook) per (device, os); -1 if none.
    let inAppPool: UnsafeMutablePointer<Int>
    let slots: UnsafeMutablePointer<Int32>
    let tcoCum: UnsafeMutablePointer<UInt64>
    let tcoCount: Int
    /// Campaigns of profile p are `campaignList[campaignFirst[p] ..< campaignFirst[p+1]]`.
    let campaignFirst: UnsafeMutablePointer<Int32>
    let campaignList: UnsafeMutablePointer<Int32>

    private static func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
        a.withUnsafeBufferPointer { if !$0.isEmpty { p.initialize(from: $0.baseAddress!, count: $0.count) } }
        return p
    }

    init(catalog cat: ClickCatalog, startMs: Int64, periodMs: Int64) {
        profiles = cat.profileCount
        profileCum = Self.copy(cat.profileTable.cum)
        profileCountry = Self.copy(cat.profileCountry)
        sourceCum = Self.copy(cat.profileSource.flatMap(\.cum))
        linkCum = Self.copy(cat.linkTable.flatMap(\.cum))
        linkStart = Self.copy(cat.linkStart)
        linkContent = Self.copy(cat.linkContent)
        linkActive = Self.copy(cat.linkActivePPM.map { startMs + periodMs * Int64($0) / 1_000_000 })
        countries = cat.countryTable.count
        countryCum = Self.copy(cat.countryTable.cum)
        tcoCum = Self.copy(cat.tcoTable.cum)
        tcoCount = cat.tcoTable.count
        var first: [Int32] = [0]
        var list: [Int32] = []
        for cs in cat.campaignsByProfile {
            list += cs.map { Int32($0) }
            first.append(Int32(list.count))
        }
        campaignFirst = Self.copy(first)
        campaignList = Self.copy(list)

        let devOS: [[(String, Double)]] = [
            [("iOS", 0.52), ("Android", 0.48)],
            [("Windows", 0.60), ("macOS", 0.30), ("Linux", 0.05), ("ChromeOS", 0.05)],
            [("iPadOS", 0.72), ("Android", 0.28)],
        ]
        let osBrowser: [String: [(String, Double)]] = [
            "mobile|iOS": [("Safari", 0.82), ("Chrome", 0.18)],
            "mobile|Android": [("Chrome", 0.78), ("Samsung Internet", 0.22)],
            "desktop|Windows": [("Chrome", 0.66), ("Edge", 0.22), ("Firefox", 0.12)],
            "desktop|macOS": [("Safari", 0.45), ("Chrome", 0.47), ("Firefox", 0.08)],
            "desktop|Linux": [("Chrome", 0.55), ("Firefox", 0.45)],
            "desktop|ChromeOS": [("Chrome", 1.0)],
            "tablet|iPadOS": [("Safari", 0.85), ("Chrome", 0.15)],
            "tablet|Android": [("Chrome", 1.0)],
        ]
        let nd = ClickCatalog.devices.count
        deviceCum = Self.copy(WeightedTable([0.70, 0.255, 0.045]).cum)
        var osC = [UInt64](repeating: 0, count: nd * Self.maxOS)
        var osN = [Int](repeating: 0, count: nd)
        var brC = [UInt64](repeating: 0, count: nd * Self.maxOS * Self.maxBrowser)
        var brN = [Int](repeating: 0, count: nd * Self.maxOS)
        var brPool = [Int](repeating: -1, count: nd * Self.maxOS * Self.maxBrowser)
        var apps = [Int](repeating: -1, count: nd * Self.maxOS * 3)
        var slotList: [Int32] = []
        for (d, dev) in ClickCatalog.devices.enumerated() {
            let ot = WeightedTable(devOS[d].map(\.1))
            osN[d] = ot.count
            for (o, c) in ot.cum.enumerated() { osC[d * Self.maxOS + o] = c }
            for (o, (os, _)) in devOS[d].enumerated() {
                let key = dev + "|" + os
                let br = osBrowser[key]!
                let bt = WeightedTable(br.map(\.1))
                let g = d * Self.maxOS + o
                brN[g] = bt.count
                for (b, c) in bt.cum.enumerated() { brC[g * Self.maxBrowser + b] = c }
                for (b, (name, _)) in br.enumerated() {
                    brPool[g * Self.maxBrowser + b] = slotList.count
                    slotList += cat.agentGroups[key + "|" + name]!
                }
                for (a, app) in ["Instagram", "TikTok", "Facebook"].enumerated() {
                    if let pool = cat.agentGroups[key + "|" + app] {
                        apps[g * 3 + a] = slotList.count
                        slotList += pool
                    }
                }
            }
        }
        osCum = Self.copy(osC)
        osCount = Self.copy(osN)
        browserCum = Self.copy(brC)
        browserCount = Self.copy(brN)
        browserPool = Self.copy(brPool)
        inAppPool = Self.copy(apps)
        slots = Self.copy(slotList)
    }

    deinit {
        for p in [profileCum, sourceCum, linkCum, countryCum, deviceCum, osCum, browserCum, tcoCum] { p.deallocate() }
        profileCountry.deallocate()
        linkStart.deallocate()
        linkContent.deallocate()
        linkActive.deallocate()
        osCount.deallocate()
        browserCount.deallocate()
        browserPool.deallocate()
        inAppPool.deallocate()
        slots.deallocate()
        campaignFirst.deallocate()
        campaignList.deallocate()
    }
}

/// The streaming event engine: sessions are generated hour by hour, their events pass through
/// a min-heap keyed by arrival time, and rows are formatted into a large byte buffer.
struct EventEngine {
    static let msMinute: Int64 = 60_000
    static let msHour: Int64 = 3_600_000
    static let msDay: Int64 = 86_400_000
    static let maxLateness: Int64 = 4 * 3_600_000

    let options: Options
    let cat: ClickCatalog
    typealias Options = ClickGenerator.Options
    var rng: SplitMix64
    let seedMix: UInt64
    let startMs: Int64
    let endMs: Int64
    let periodMs: Int64
    let visitorPool: Int
    let t: EngineTables
    let campaignStart: [Int64]
    let campaignEnd: [Int64]
    let spikeStart: [Int64]
    /// Spikes possibly active during hour h: `spikeList[spikeFirst[h] ..< spikeFirst[h+1]]`.
    let spikeFirst: [Int32]
    let spikeList: [Int32]
    var heap: [PendingEvent] = []
    var seq: UInt64 = 0
    var sessionCounter: UInt64 = 0

    init(options: Options, catalog: ClickCatalog) {
        self.options = options
        cat = catalog
        rng = SplitMix64(options.seed, 0xE7E27)
        seedMix = SplitMix64.mix(options.seed ^ 0x1F3D_5B79_A5A5_0F0F)
        startMs = Int64(options.startDay) * Self.msDay
        periodMs = Int64(options.days) * Self.msDay
        endMs = startMs + periodMs
        visitorPool = max(1000, options.rows / 10 * 3)
        let start = startMs, period = periodMs
        t = EngineTables(catalog: catalog, startMs: start, periodMs: period)
        let spikeStart = catalog.spikes.map { start + period * Int64($0.startPPM) / 1_000_000 }
        self.spikeStart = spikeStart
        // about 40 spikes per half year: shorter periods use a prefix of the catalog's spikes
        let activeSpikes = min(catalog.spikes.count, max(1, (catalog.spikes.count * options.days + 181) / 182))
        let hours = options.days * 24
        var buckets = [[Int32]](repeating: [], count: hours)
        for (i, sp) in catalog.spikes.prefix(activeSpikes).enumerated() {
            let from = Int((spikeStart[i] - start) / Self.msHour)
            let to = min(hours - 1, Int((spikeStart[i] + 5 * sp.tauMs - 1 - start) / Self.msHour))
            if from <= to { for h in from...to { buckets[h].append(Int32(i)) } }
        }
        var first: [Int32] = [0]
        var list: [Int32] = []
        for b in buckets {
            list += b
            first.append(Int32(list.count))
        }
        spikeFirst = first
        spikeList = list
        campaignStart = catalog.campaigns.map { start + period * Int64($0.startPPM) / 1_000_000 }
        campaignEnd = catalog.campaigns.map { start + period * Int64($0.startPPM + $0.lengthPPM) / 1_000_000 }
    }

    /// Rows per hour: hourly intensity = weekly x diurnal x growth x daily noise, apportioned exactly.
    mutating func hourlyQuota() -> [Int] {
        let hours = options.days * 24
        let weekly = [0.92, 0.95, 0.97, 1.0, 1.05, 1.13, 1.10] // Monday first
        var diurnal = [Double](repeating: 0, count: 24)
        for h in 0..<24 {
            func bump(_ c: Double, _ s: Double) -> Double {
                let a = abs(Double(h) - c)
                let d = min(a, 24 - a) / s
                return DetMath.exp(-0.5 * d * d)
            }
            diurnal[h] = 0.25 + 0.55 * bump(1, 4) + 0.35 * bump(19, 3) + 0.15 * bump(12, 3)
        }
        var cum = [UInt64](repeating: 0, count: hours + 1)
        var noise = 1.0
        for h in 0..<hours {
            let day = h / 24
            if h % 24 == 0 { noise = DetMath.exp(0.07 * rng.normal()) }
            let dow = ((options.startDay + day + 3) % 7 + 7) % 7
            let growth = options.days > 1 ? 1 + 0.9 * Double(day) / Double(options.days - 1) : 1
            let lam = weekly[dow] * diurnal[h % 24] * growth * noise
            cum[h + 1] = cum[h] + UInt64((lam * 1_000_000).rounded())
        }
        let total = cum[hours]
        let n = UInt64(options.rows)
        var quota = [Int](repeating: 0, count: hours)
        var prev: UInt64 = 0
        for h in 0..<hours {
            let p = n.multipliedFullWidth(by: cum[h + 1])
            let next = total.dividingFullWidth((p.high, p.low)).quotient
            quota[h] = Int(next - prev)
            prev = next
        }
        return quota
    }

    // MARK: heap

    @inline(__always)
    mutating func push(_ e: PendingEvent) {
        heap.append(e)
        heap.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            let x = h[i]
            while i > 0 {
                let parent = (i - 1) >> 1
                if !PendingEvent.before(x, h[parent]) { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = x
        }
    }

    @inline(__always)
    mutating func popMin() -> PendingEvent {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap.withUnsafeMutableBufferPointer { h in
                let n = h.count
                var i = 0
                while true {
                    var c = 2 * i + 1
                    if c >= n { break }
                    if c + 1 < n && PendingEvent.before(h[c + 1], h[c]) { c += 1 }
                    if !PendingEvent.before(h[c], last) { break }
                    h[i] = h[c]
                    i = c
                }
                h[i] = last
            }
        }
        return top
    }

    // MARK: sessions

    static let conversionRate: [Double] = [0.06, 0.01, 0.20, 0.03, 0.08].map { $0 * 1.3 }
    static let musicPrices: [Int32] = [99, 129, 999, 1499, 2499, 3499]
    static let musicTable = WeightedTable([0.35, 0.15, 0.15, 0.15, 0.12, 0.08])
    static let videoPrices: [Int32] = [299, 499, 999]
    static let videoTable = WeightedTable([0.3, 0.5, 0.2])
    static let lnMerch = DetMath.ln(3800)
    static let lnOther = DetMath.ln(1200)
    static let lnClickQ = DetMath.ln(1 - 0.694)

    mutating func revenueCents(content: Int) -> Int32 {
        let c: Int32
        switch content {
        case 0: c = Self.musicPrices[Self.musicTable.sample(&rng)]
        case 1: c = 499
        case 2: c = Int32(min(1000.0, (rng.logNormal(mu: Self.lnMerch, sigma: 0.55) / 100).rounded())) * 100 - 1
        case 3: c = Self.videoPrices[Self.videoTable.sample(&rng)]
        default: c = Int32(min(100_000.0, rng.logNormal(mu: Self.lnOther, sigma: 0.7).rounded()))
        }
        return min(max(c, 99), 99_999)
    }

    @inline(__always)
    mutating func drawLink(profile p: Int) -> Int {
        let lo = Int(t.linkStart[p])
        return lo + WeightedTable.sample(t.linkCum + lo, Int(t.linkStart[p + 1]) - lo, &rng)
    }

    /// Generates one session starting at `t0` and pushes up to `limit` of its events; returns the count pushed.
    mutating func session(at t0: Int64, limit: Int) -> Int {
        sessionCounter += 1
        let sessionHash = SplitMix64.mix(sessionCounter &* 0x9E37_79B9 &+ seedMix &+ 0xABCDEF)
        var template = PendingEvent(arrival: 0, seq: 0, ts: 0, visitor: 0, session: sessionHash, link: -1,
                                    revenue: 0, profile: 0, referrer: cat.emptyID, utmSource: cat.emptyID,
                                    utmMedium: cat.emptyID, utmCampaign: cat.emptyID, agent: 0, source: 6,
                                    event: 0, country: 0)
        let isBot = rng.chance(0.004)
        var profile: Int
        var nViews = rng.chance(0.08) ? 2 : 1
        var nClicks = 0
        var converts = false
        var lastLink = -1
        if isBot {
            let b = cat.botTable.sample(&rng)
            template.visitor = SplitMix64.mix(SplitMix64.mix(UInt64(visitorPool + b) ^ seedMix) ^ 0x5DEECE66D)
            template.agent = Int32(cat.botAgentBase + b)
            template.country = rng.chance(0.7) ? 0 : UInt8(WeightedTable.sample(t.countryCum, t.countries, &rng))
            profile = WeightedTable.sample(t.profileCum, t.profiles, &rng)
            nViews = 1
        } else {
            // is this session part of a viral spike?
            var spike = -1
            let hour = Int((t0 - startMs) / Self.msHour)
            for k in Int(spikeFirst[hour]) ..< Int(spikeFirst[hour + 1]) {
                let sp = Int(spikeList[k])
                let dt = t0 - spikeStart[sp]
                let info = cat.spikes[sp]
                if dt >= 0 && dt < 5 * info.tauMs
                    && rng.chance(info.peak * DetMath.exp(-Double(dt) / Double(info.tauMs))) {
                    spike = sp
                    break
                }
            }
            // heavy-tailed visitor activity: index = V * u^1.8 (low indices are frequent visitors);
            // spike traffic is mostly casual visitors drawn uniformly
            let v: Int
            if spike >= 0 && rng.chance(0.7) {
                v = rng.below(visitorPool)
            } else {
                let u = rng.unitOpen()
                v = min(visitorPool - 1, Int(Double(visitorPool) * DetMath.exp(1.8 * DetMath.ln(u))))
            }
            template.visitor = SplitMix64.mix(SplitMix64.mix(UInt64(v) ^ seedMix) ^ 0x5DEECE66D)
            // visitor attributes come from a per-visitor stream, so they repeat across sessions
            var vr = SplitMix64(UInt64(v) ^ seedMix, 0x715)
            let home = WeightedTable.sample(t.profileCum, t.profiles, &vr)
            template.country = vr.chance(0.45) ? t.profileCountry[home]
                : UInt8(WeightedTable.sample(t.countryCum, t.countries, &vr))
            let device = WeightedTable.sample(t.deviceCum, 3, &vr)
            let g = device * EngineTables.maxOS
                + WeightedTable.sample(t.osCum + device * EngineTables.maxOS, t.osCount[device], &vr)
            let b = WeightedTable.sample(t.browserCum + g * EngineTables.maxBrowser, t.browserCount[g], &vr)
            let slot = Int(vr.next() >> 52) // 0..<4096
            template.agent = t.slots[t.browserPool[g * EngineTables.maxBrowser + b] + slot]
            if spike >= 0 {
                profile = cat.spikes[spike].profile
            } else {
                profile = rng.chance(0.85) ? home : WeightedTable.sample(t.profileCum, t.profiles, &rng)
            }

            var source = WeightedTable.sample(t.sourceCum + profile * ClickCatalog.sources.count,
                                              ClickCatalog.sources.count, &rng)
            var campaign = -1
            if spike >= 0 && rng.chance(0.8) { source = cat.spikes[spike].source }
            if spike < 0 {
              for k in Int(t.campaignFirst[profile]) ..< Int(t.campaignFirst[profile + 1]) {
                let c = Int(t.campaignList[k])
                if t0 >= campaignStart[c] && t0 < campaignEnd[c] && rng.chance(cat.campaigns[c].uptake) {
                    campaign = c
                    break
                }
              }
            }
            if campaign >= 0 {
                let ch = cat.campaigns[campaign].channel
                source = ClickCatalog.channels[ch].2
                template.utmSource = cat.channelUtmSource[ch]
                template.utmMedium = cat.channelUtmMedium[ch]
                template.utmCampaign = cat.campaigns[campaign].name
            } else if source <= 4 && rng.chance(0.07) {
                template.utmSource = rng.chance(0.3) ? cat.linkinbioID : cat.genericUtmSource[source]
                template.utmMedium = rng.chance(0.5) ? cat.utmMediumSocial : cat.utmMediumBio
            }
            template.source = UInt8(source)
            if source == 2 {
                template.referrer = cat.tcoIDs[WeightedTable.sample(t.tcoCum, t.tcoCount, &rng)]
            } else if let table = cat.referrerTables[source] {
                template.referrer = cat.referrerIDs[source][table.sample(&rng)]
            }
            // in-app browsers for social traffic on phones and tablets
            if device != 1 {
                let app = source == 0 ? 0 : source == 1 ? 1 : source == 3 ? 2 : -1
                if app >= 0 {
                    let pool = t.inAppPool[g * 3 + app]
                    if pool >= 0 && rng.chance(app == 0 ? 0.62 : app == 1 ? 0.72 : 0.5) {
                        template.agent = t.slots[pool + slot]
                    }
                }
            }
            nClicks = rng.chance(0.665) ? 0 : rng.geometric(lnQ: Self.lnClickQ)
            if spike >= 0 && rng.chance(0.75) { nClicks = 0 } // viral traffic bounces
            lastLink = drawLink(profile: profile)
            if nClicks > 0 {
                var rate = Self.conversionRate[Int(t.linkContent[lastLink])]
                if campaign >= 0 { rate *= 1.8 }
                converts = rng.chance(rate)
            }
        }
        template.profile = Int32(profile)

        let total = min(limit, nViews + nClicks + (converts ? 1 : 0))
        var clock = t0
        for j in 0..<total {
            var e = template
            if j > 0 {
                if j < nViews {
                    clock += Int64(rng.exponential(mean: 35_000))
                } else if j < nViews + nClicks {
                    clock += 1500 + Int64(rng.exponential(mean: 14_000))
                } else {
                    clock += 20_000 + Int64(rng.exponential(mean: 240_000))
                }
            }
            var ts = clock
            if ts >= endMs { ts = max(startMs, endMs - 1 - Int64(rng.below(120_000))) }
            e.ts = ts
            if j >= nViews {
                let isConversion = j >= nViews + nClicks
                e.event = isConversion ? 2 : 1
                var link = (isConversion || j == nViews + nClicks - 1) ? lastLink : drawLink(profile: profile)
                if ts < t.linkActive[link] { link = Int(t.linkStart[profile]) }
                e.link = Int32(link)
                if isConversion { e.revenue = revenueCents(content: Int(t.linkContent[link])) }
            }
            var arrival = ts
            if rng.chance(0.03) {
                arrival += min(Int64(rng.exponential(mean: 35 * 60_000)) + 60_000, Self.maxLateness)
            }
            e.arrival = arrival
            e.seq = seq
            seq += 1
            push(e)
        }
        return total
    }

    // MARK: driver

    mutating func run<E: Error>(_ sink: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) -> ClickGenerator.Stats {
        let quota = hourlyQuota()
        var out = RowFormatter(catalog: cat, format: options.format)
        defer { out.release() }
        out.header()
        var written = 0
        // Sessions are generated minute by minute until the cumulative row target of the minute is
        // reached (the hour's quota spread evenly); a session may overshoot into the next minute's
        // target, so only the very last session of the file is truncated. The heap therefore holds
        // about a minute of traffic plus open sessions and late arrivals.
        var generated = 0
        var target = 0
        for (h, q) in quota.enumerated() {
            let hourStart = startMs + Int64(h) * Self.msHour
            for m in 0..<60 {
                let minuteStart = hourStart + Int64(m) * Self.msMinute
                target += q * (m + 1) / 60 - q * m / 60
                while generated < target {
                    let at = minuteStart + Int64(rng.below(Int(Self.msMinute)))
                    generated += session(at: at, limit: options.rows - generated)
                }
                let next = minuteStart + Self.msMinute
                while let top = heap.first, top.arrival < next {
                    out.row(popMin())
                    written += 1
                    if out.count >= ClickGenerator.chunkSize { try out.flush(sink) }
                }
            }
        }
        while !heap.isEmpty {
            out.row(popMin())
            written += 1
            if out.count >= ClickGenerator.chunkSize { try out.flush(sink) }
        }
        try out.flush(sink)
        precondition(written == options.rows, "row accounting")
        return ClickGenerator.Stats(rows: written, bytes: out.totalBytes)
    }
}
