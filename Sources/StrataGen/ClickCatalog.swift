// The fixed catalog behind the synthetic click generator: profiles, links, campaigns,
// referrers, user agents and countries.  It depends only on the catalog seed (and the
// profile/link counts), never on --rows/--seed/--start/--days, so query constants such as
// "the most popular profile" are stable across generated files.

/// Interned output strings, each stored once pre-encoded for CSV (RFC 4180 quoting) and for
/// JSON (quoted and escaped), so the row writer only copies bytes.
struct EncodedStrings: Sendable {
    private(set) var arena: [UInt8] = []
    private(set) var csvOffset: [Int32] = []
    private(set) var csvLength: [Int32] = []
    private(set) var jsonOffset: [Int32] = []
    private(set) var jsonLength: [Int32] = []
    private var index: [String: Int32] = [:]

    /// Returns the id of `s`, adding it if new.
    mutating func intern(_ s: String) -> Int32 {
        if let id = index[s] { return id }
        let id = Int32(csvOffset.count)
        index[s] = id
        let utf8 = Array(s.utf8)
        csvOffset.append(Int32(arena.count))
        arena.append(contentsOf: EncodedStrings.csvEncode(utf8))
        csvLength.append(Int32(arena.count) - csvOffset[Int(id)])
        jsonOffset.append(Int32(arena.count))
        arena.append(contentsOf: EncodedStrings.jsonEncode(utf8))
        jsonLength.append(Int32(arena.count) - jsonOffset[Int(id)])
        return id
    }

    /// RFC 4180: quote only when the field holds a comma, a double quote, CR or LF; double inner quotes.
    static func csvEncode(_ s: [UInt8]) -> [UInt8] {
        let needs = s.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        if !needs { return s }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in s {
            out.append(b)
            if b == UInt8(ascii: "\"") { out.append(b) }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// JSON string literal (UTF-8 passes through; quote, backslash and control characters escaped).
    static func jsonEncode(_ s: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in s {
            switch b {
            case UInt8(ascii: "\""): out += [92, 34]
            case 92: out += [92, 92]
            case 10: out += [92, UInt8(ascii: "n")]
            case 13: out += [92, UInt8(ascii: "r")]
            case 9: out += [92, UInt8(ascii: "t")]
            case 0..<32: out += [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}

/// One user agent of the pool with its (device, os, browser) classification as string ids.
struct UserAgentEntry: Sendable {
    var device: Int32
    var os: Int32
    var browser: Int32
    var text: Int32
}

/// A campaign: a profile promotes its page through one channel for a while.
struct Campaign: Sendable {
    var profile: Int
    /// Start and length as fractions of the generated period in 1/1_000_000 units.
    var startPPM: Int
    var lengthPPM: Int
    var channel: Int
    var uptake: Double
    var name: Int32
}

/// A viral moment: for a few hours a share of all sessions lands on one profile from one source.
struct Spike: Sendable {
    var profile: Int
    /// Start as a fraction of the generated period in 1/1_000_000 units.
    var startPPM: Int
    /// Exponential decay time constant in milliseconds.
    var tauMs: Int64
    var source: Int
    /// Probability that a session at the spike's start is redirected to it (decays as exp(-dt/tau)).
    var peak: Double
}

/// The immutable catalog. Built once per generator.
final class ClickCatalog: Sendable {
    static let syllables = ("ka lo mi ra ze tu no vi sa le da ri po ma ne lu ko ta be si ja mo re fa "
        + "xi qu ly an el or is um en ar").split(separator: " ").map(String.init)
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    static let events = ["view", "click", "conversion"]
    static let sources = ["instagram", "tiktok", "twitter", "facebook", "youtube", "google", "direct", "other"]
    static let sourceP = [0.34, 0.20, 0.06, 0.06, 0.07, 0.06, 0.14, 0.07]
    static let contentTypes = ["music", "social", "merch", "video", "other"]
    static let devices = ["mobile", "desktop", "tablet"]
    static let countries = ("US GB BR IN CA DE FR MX AU ID PH ES IT NL NG TR AR CO PL ZA JP KR SE "
        + "CL PE MY TH VN SA AE EG PK BE CH AT IE PT NO DK FI NZ SG HK TW IL RO CZ HU GR UA RU "
        + "KE GH MA DZ TN VE EC GT DO PR CR PA UY BO PY HN SV NI JM TT BD LK NP MM KH KZ UZ AZ "
        + "GE AM BY LT LV EE SK SI HR RS BA BG MK AL CY MT LU IS QA KW BH OM JO LB IQ IR CM CI "
        + "SN ET TZ UG RW ZM ZW MZ AO BW NA MU MG SD LY BS BB HT CU GY SR BZ MN LA BN FJ PG MV "
        + "BT AF YE SY PS MD ME XK LI MC AD SM GL FO GI").split(separator: " ").map(String.init)

    static let campaignNames = ("spring_sale_2024 album_release new_single_launch tour_2024_na tour_2024_eu "
        + "merch_drop_jan merch_drop_mar merch_drop_may valentines_day easter_promo mothers_day "
        + "summer_kickoff back_to_basics giveaway_april giveaway_june creator_collab_01 creator_collab_02 "
        + "podcast_ep100 newsletter_weekly newsletter_monthly bf_retarget lookalike_us lookalike_uk "
        + "influencer_push brand_awareness_q1 brand_awareness_q2 ig_story_swipeup tiktok_spark_ads "
        + "yt_preroll_q2 google_search_brand google_search_generic fb_lead_gen vinyl_preorder "
        + "limited_hoodie free_shipping_week anniversary_sale live_stream_promo patreon_push "
        + "discord_launch course_launch ebook_launch webinar_may sxsw_2024 coachella_weekend "
        + "pride_month_2024 world_tour_teaser music_video_premiere remix_contest fan_club_2024 "
        + "flash_sale_48h").split(separator: " ").map(String.init)

    /// (utm_source, utm_medium, implied source index)
    static let channels: [(String, String, Int)] = [
        ("instagram", "social", 0), ("instagram", "story", 0), ("ig", "bio", 0), ("tiktok", "social", 1),
        ("tiktok", "paid", 1), ("facebook", "paid", 3), ("facebook", "cpc", 3), ("twitter", "social", 2),
        ("youtube", "video", 4), ("google", "cpc", 5), ("newsletter", "email", 6), ("mailchimp", "email", 6),
        ("partner", "referral", 7), ("reddit", "social", 7),
    ]
    static let channelP: [Double] = [12, 6, 4, 10, 5, 6, 3, 4, 5, 5, 8, 4, 3, 2]

    /// Referrer URLs (with weights) per source index; twitter (2) uses t.co links, direct (6) none.
    static let referrers: [[(String, Double)]] = [
        [("https://l.instagram.com/", 0.62), ("https://www.instagram.com/", 0.30), ("https://instagram.com/", 0.08)],
        [("https://www.tiktok.com/", 0.78), ("https://vm.tiktok.com/", 0.12), ("https://m.tiktok.com/", 0.10)],
        [],
        [("https://l.facebook.com/", 0.55), ("https://m.facebook.com/", 0.25), ("https://www.facebook.com/", 0.15),
         ("https://lm.facebook.com/", 0.05)],
        [("https://www.youtube.com/", 0.70), ("https://m.youtube.com/", 0.25), ("https://youtube.com/", 0.05)],
        [("https://www.google.com/", 0.66), ("https://www.google.co.uk/", 0.07), ("https://www.google.de/", 0.05),
         ("https://www.google.com.br/", 0.05), ("https://www.google.co.in/", 0.05), ("https://www.google.fr/", 0.04),
         ("https://www.google.ca/", 0.04), ("https://www.google.com.mx/", 0.04)],
        [],
        [("https://www.reddit.com/", 0.14), ("https://out.reddit.com/", 0.06), ("https://www.pinterest.com/", 0.10),
         ("https://www.linkedin.com/", 0.08), ("https://www.snapchat.com/", 0.08), ("https://www.threads.net/", 0.08),
         ("https://www.bing.com/", 0.07), ("https://duckduckgo.com/", 0.04), ("https://discord.com/", 0.06),
         ("https://www.twitch.tv/", 0.06), ("https://open.spotify.com/", 0.05), ("https://news.ycombinator.com/", 0.02),
         ("https://search.yahoo.com/", 0.03), ("https://www.whatsapp.com/", 0.05), ("https://t.me/", 0.04),
         ("https://linktr.ee/", 0.02)],
    ]

    static let botAgents: [String] = [
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Twitterbot/1.0",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 (compatible; AhrefsBot/7.0)",
        "python-requests/2.31.0",
        "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
        "WhatsApp/2.23.20.0",
    ]
    static let botP: [Double] = [30, 20, 15, 8, 8, 10, 5, 4]

    /// Content-type mix per profile kind (musician, creator, shop, misc).
    static let kindContent: [[Double]] = [
        [0.45, 0.25, 0.15, 0.10, 0.05], [0.05, 0.40, 0.10, 0.30, 0.15],
        [0.02, 0.25, 0.58, 0.05, 0.10], [0.15, 0.25, 0.15, 0.15, 0.30],
    ]

    // MARK: stored catalog

    let strings: EncodedStrings
    let profileCount: Int
    let linkCount: Int
    /// Profile popularity (Zipf over a random permutation of ids).
    let profileTable: WeightedTable
    /// Profile indices (0-based) ordered from most to least popular.
    let profilesByPopularity: [Int]
    let profileCountry: [UInt8]
    /// Per-profile source mix, `sources.count` cumulative tables flattened.
    let profileSource: [WeightedTable]
    /// Links of profile p are `linkStart[p] ..< linkStart[p+1]`.
    let linkStart: [Int32]
    /// Click weights of the links within their profile.
    let linkTable: [WeightedTable]
    let linkID: [Int32]
    let linkContent: [UInt8]
    let linkTitle: [Int32]
    let linkURL: [Int32]
    /// Link creation time as a fraction of the period in ppm (0 = active from the start).
    let linkActivePPM: [Int32]
    let campaigns: [Campaign]
    let spikes: [Spike]
    let campaignsByProfile: [[Int]]
    let countryTable: WeightedTable
    let countryIDs: [Int32]
    let eventIDs: [Int32]
    let contentIDs: [Int32]
    let sourceIDs: [Int32]
    let emptyID: Int32
    let channelUtmSource: [Int32]
    let channelUtmMedium: [Int32]
    let genericUtmSource: [Int32] // per source index, for generic (non-campaign) tags
    let linkinbioID: Int32
    let utmMediumSocial: Int32
    let utmMediumBio: Int32
    let referrerIDs: [[Int32]]
    let referrerTables: [WeightedTable?]
    let tcoIDs: [Int32]
    let tcoTable: WeightedTable
    let agents: [UserAgentEntry]
    /// Agent-index pools per (device, os, browser) group: 4096 slots filled by weight.
    let agentGroups: [String: [Int32]]
    let botAgentBase: Int
    let botTable: WeightedTable
    let channelTable: WeightedTable

    init(seed: UInt64, profiles P: Int, links L: Int) {
        precondition(P >= 1 && L >= P, "catalog needs profiles >= 1 and links >= profiles")
        var rng = SplitMix64(seed, 0xC47A10)
        var st = EncodedStrings()
        emptyID = st.intern("")
        eventIDs = Self.events.map { st.intern($0) }
        contentIDs = Self.contentTypes.map { st.intern($0) }
        sourceIDs = Self.sources.map { st.intern($0) }
        countryIDs = Self.countries.map { st.intern($0) }
        profileCount = P
        linkCount = L

        // profiles
        var perm = Array(0..<P)
        for i in stride(from: P - 1, to: 0, by: -1) { perm.swapAt(i, rng.below(i + 1)) }
        var pw = [Double](repeating: 0, count: P)
        var byPop = [Int](repeating: 0, count: P)
        for p in 0..<P {
            pw[p] = 1 / DetMath.pow(Double(perm[p]) + 3, 1.05)
            byPop[perm[p]] = p
        }
        let profileTable = WeightedTable(pw)
        self.profileTable = profileTable
        profilesByPopularity = byPop
        let kindTable = WeightedTable([0.35, 0.35, 0.15, 0.15])
        let kinds = (0..<P).map { _ in kindTable.sample(&rng) }
        var cw = [Double]()
        for r in 0..<Self.countries.count { cw.append(1 / DetMath.pow(Double(r) + 1.5, 1.25)) }
        let countryTable = WeightedTable(cw)
        self.countryTable = countryTable
        profileCountry = (0..<P).map { _ in UInt8(countryTable.sample(&rng)) }
        profileSource = (0..<P).map { _ in
            WeightedTable(Self.sourceP.map { $0 * rng.logNormal(mu: 0, sigma: 0.35) })
        }
        var handles: [String] = []
        var seen = Set<String>()
        while handles.count < P {
            let h = Self.handle(&rng)
            if seen.insert(h).inserted { handles.append(h) }
        }

        // links: 1 per profile + log-normal-weighted remainder
        let lw = (0..<P).map { _ in rng.logNormal(mu: 0, sigma: 0.6) }
        var lwSum = 0.0
        for w in lw { lwSum += w }
        var counts = [Int](repeating: 1, count: P)
        var extra = L - P
        var given = 0
        for p in 0..<P {
            let c = Int((Double(L - P) * lw[p] / lwSum).rounded(.down))
            counts[p] += c
            given += c
        }
        extra -= given
        while extra > 0 { counts[profileTable.sample(&rng)] += 1; extra -= 1 }
        var starts = [Int32](repeating: 0, count: P + 1)
        for p in 0..<P { starts[p + 1] = starts[p] + Int32(counts[p]) }
        linkStart = starts
        var ids = (1...L).map { Int32($0) }
        for i in stride(from: L - 1, to: 0, by: -1) { ids.swapAt(i, rng.below(i + 1)) }
        linkID = ids
        var content = [UInt8](repeating: 0, count: L)
        var titles = [Int32](repeating: 0, count: L)
        var urls = [Int32](repeating: 0, count: L)
        var active = [Int32](repeating: 0, count: L)
        var tables: [WeightedTable] = []
        let kindTables = Self.kindContent.map { WeightedTable($0) }
        for p in 0..<P {
            var w: [Double] = []
            for (pos, i) in (Int(starts[p])..<Int(starts[p + 1])).enumerated() {
                let ct = kindTables[kinds[p]].sample(&rng)
                content[i] = UInt8(ct)
                let (t, u) = Self.makeLink(&rng, ct, handles[p])
                titles[i] = st.intern(t)
                urls[i] = st.intern(u)
                w.append(1 / DetMath.pow(Double(pos) + 1, 1.2) * rng.logNormal(mu: 0, sigma: 0.5))
                if pos > 0 && rng.chance(0.2) { active[i] = Int32(rng.range(40_000, 960_000)) }
            }
            tables.append(WeightedTable(w))
        }
        linkContent = content
        linkTitle = titles
        linkURL = urls
        linkActivePPM = active
        linkTable = tables

        // campaigns among the 300 most popular profiles
        let top = Array(byPop.prefix(300))
        let topTable = WeightedTable(top.map { pw[$0] })
        let channelTable = WeightedTable(Self.channelP)
        self.channelTable = channelTable
        var chanIndex: [String: Int] = [:]
        for (i, c) in Self.channels.enumerated() { chanIndex[c.0 + "/" + c.1] = i }
        let implied: [(String, String)] = [
            ("newsletter", "newsletter/email"), ("google_search", "google/cpc"), ("tiktok", "tiktok/paid"),
            ("yt_", "youtube/video"), ("fb_", "facebook/paid"), ("ig_story", "instagram/story"),
            ("lookalike", "facebook/cpc"), ("podcast", "mailchimp/email"), ("patreon", "partner/referral"),
        ]
        var camps: [Campaign] = []
        var byProf = [[Int]](repeating: [], count: P)
        for (ci, name) in Self.campaignNames.enumerated() {
            let prof = top[topTable.sample(&rng)]
            let startDay = rng.range(0, 172)
            let len = rng.range(5, 45)
            var ch = channelTable.sample(&rng)
            for (key, chan) in implied where name.contains(key) { ch = chanIndex[chan]! }
            let c = Campaign(profile: prof, startPPM: startDay * 1_000_000 / 182, lengthPPM: len * 1_000_000 / 182,
                             channel: ch, uptake: 0.15 + 0.45 * rng.unit(), name: st.intern(name))
            byProf[prof].append(ci)
            camps.append(c)
        }
        campaigns = camps
        // viral spikes on the 500 most popular profiles
        let top500 = Array(byPop.prefix(500))
        let spikeSource = WeightedTable([0.5, 0.3, 0.1, 0.1])
        spikes = (0..<40).map { _ in
            Spike(profile: top500[rng.below(top500.count)], startPPM: rng.range(0, 990_000),
                  tauMs: Int64(3_600_000 * (3 + 15 * rng.unit())), source: [1, 0, 2, 4][spikeSource.sample(&rng)],
                  peak: 0.15 + 0.35 * rng.unit())
        }
        campaignsByProfile = byProf
        channelUtmSource = Self.channels.map { st.intern($0.0) }
        channelUtmMedium = Self.channels.map { st.intern($0.1) }
        var gen = [Int32](repeating: -1, count: Self.sources.count)
        gen[0] = st.intern("ig"); gen[1] = st.intern("tiktok"); gen[2] = st.intern("twitter")
        gen[3] = st.intern("facebook"); gen[4] = st.intern("youtube")
        genericUtmSource = gen
        linkinbioID = st.intern("linkinbio")
        utmMediumSocial = st.intern("social")
        utmMediumBio = st.intern("bio")

        // referrers
        referrerIDs = Self.referrers.map { $0.map { st.intern($0.0) } }
        referrerTables = Self.referrers.map { $0.isEmpty ? nil : WeightedTable($0.map(\.1)) }
        tcoIDs = (0..<4000).map { _ in st.intern("https://t.co/" + Self.b62(&rng, 10)) }
        tcoTable = WeightedTable((0..<4000).map { 1 / (Double($0) + 5) })

        // user agents
        let pool = Self.buildAgentPool(&rng)
        var agents: [UserAgentEntry] = []
        var groupIdx: [String: [Int]] = [:]
        var groupOrder: [String] = []
        for e in pool {
            let key = e.device + "|" + e.os + "|" + e.browser
            if groupIdx[key] == nil { groupOrder.append(key); groupIdx[key] = [] }
            groupIdx[key]!.append(agents.count)
            agents.append(UserAgentEntry(device: st.intern(e.device), os: st.intern(e.os),
                                         browser: st.intern(e.browser), text: st.intern(e.ua)))
        }
        var groups: [String: [Int32]] = [:]
        for key in groupOrder {
            let idx = groupIdx[key]!
            var w = [Double]()
            var total = 0.0
            for (j, i) in idx.enumerated() {
                let x = pool[i].weight / (Double(j % 7) + 1).squareRoot()
                w.append(x)
                total += x
            }
            var slots = [Int32]()
            slots.reserveCapacity(4096)
            var acc = 0.0
            var k = 0
            for s in 0..<4096 {
                let target = (Double(s) + 0.5) / 4096 * total
                while k < idx.count - 1 && acc + w[k] < target { acc += w[k]; k += 1 }
                slots.append(Int32(idx[k]))
            }
            groups[key] = slots
        }
        botAgentBase = agents.count
        let bot = st.intern("Bot"), linux = st.intern("Linux"), desktop = st.intern("desktop")
        for ua in Self.botAgents {
            agents.append(UserAgentEntry(device: desktop, os: linux, browser: bot, text: st.intern(ua)))
        }
        botTable = WeightedTable(Self.botP)
        self.agents = agents
        agentGroups = groups
        strings = st
    }

    // MARK: catalog text helpers

    static func b62(_ rng: inout SplitMix64, _ n: Int) -> String {
        var s = ""
        for _ in 0..<n { s.append(base62[rng.below(62)]) }
        return s
    }

    static func handle(_ rng: inout SplitMix64) -> String {
        var h = ""
        for _ in 0..<rng.range(2, 4) { h += rng.pick(syllables) }
        let r = rng.unit()
        if r < 0.25 {
            h += String(rng.range(1, 99))
        } else if r < 0.4 {
            h += rng.pick(["music", "official", "tv", "shop", "art", "beats", "fit", "eats"])
        } else if r < 0.5 {
            h = "the" + h
        }
        return h
    }

    static func slug(_ rng: inout SplitMix64) -> String {
        rng.pick(syllables) + "-" + rng.pick(syllables) + "-" + rng.pick(syllables) + rng.pick(syllables)
    }

    static func word(_ rng: inout SplitMix64) -> String {
        var w = ""
        for _ in 0..<rng.range(2, 4) { w += rng.pick(syllables) }
        return w.prefix(1).uppercased() + w.dropFirst()
    }

    static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

    /// Title and URL of a link of content type `ct` owned by handle `h`.
    static func makeLink(_ rng: inout SplitMix64, _ ct: Int, _ h: String) -> (String, String) {
        let weights: [[Double]] = [
            [0.30, 0.12, 0.15, 0.10, 0.10, 0.08, 0.08, 0.07],
            [0.28, 0.22, 0.14, 0.10, 0.10, 0.08, 0.08],
            [0.30, 0.20, 0.12, 0.13, 0.10, 0.08, 0.07],
            [0.40, 0.20, 0.12, 0.10, 0.10, 0.08],
            [0.25, 0.18, 0.12, 0.12, 0.10, 0.10, 0.08, 0.05],
        ]
        let k = WeightedTable(weights[ct]).sample(&rng)
        switch (ct, k) {
        case (0, 0): return ("Spotify Profile", "https://open.spotify.com/artist/\(b62(&rng, 22))")
        case (0, 1): return ("New Single \"\(word(&rng))\" Out Now", "https://open.spotify.com/track/\(b62(&rng, 22))")
        case (0, 2): return ("Listen on Apple Music", "https://music.apple.com/us/artist/\(h)/\(rng.range(100_000_000, 10_000_000_000))")
        case (0, 3): return ("SoundCloud", "https://soundcloud.com/\(h)")
        case (0, 4):
            let t = "Pre-save the album: \(word(&rng)) \(word(&rng))"
            return (t, "https://distrokid.com/hyperfollow/\(h)/\(slug(&rng))")
        case (0, 5): return ("Bandcamp", "https://\(h).bandcamp.com/album/\(slug(&rng))")
        case (0, 6): return ("My Spotify playlist", "https://open.spotify.com/playlist/\(b62(&rng, 22))")
        case (0, _): return ("Música nueva 🎶", "https://music.youtube.com/channel/UC\(b62(&rng, 22))")
        case (1, 0): return ("Instagram", "https://www.instagram.com/\(h)/")
        case (1, 1): return ("Follow me on TikTok", "https://www.tiktok.com/@\(h)")
        case (1, 2): return ("Twitter / X", "https://x.com/\(h)")
        case (1, 3): return ("Facebook Page", "https://www.facebook.com/\(h)")
        case (1, 4): return ("Join my Discord", "https://discord.gg/\(b62(&rng, 8))")
        case (1, 5): return ("Threads", "https://www.threads.net/@\(h)")
        case (1, _): return ("Snapchat 👻", "https://www.snapchat.com/add/\(h)")
        case (2, 0): return ("New Merch Drop", "https://shop.\(h).com/collections/new")
        case (2, 1): return ("Shop Hoodies, Tees & More", "https://\(h).myshopify.com/collections/all")
        case (2, 2): return ("Limited Edition Vinyl", "https://\(h).myshopify.com/products/\(slug(&rng))-vinyl")
        case (2, 3): return ("Tour Tickets", "https://www.ticketmaster.com/\(h)-tickets/artist/\(rng.range(1_000_000, 10_000_000))")
        case (2, 4): return ("My Etsy shop", "https://www.etsy.com/shop/\(capitalized(h))")
        case (2, 5):
            let t = "The \"\(word(&rng))\" Collection, 20% off"
            return (t, "https://shop.example.com/\(h)/\(slug(&rng))?discount=BIO20")
        case (2, _): return ("Amazon storefront", "https://www.amazon.com/shop/\(h)")
        case (3, 0): return ("Watch the new video", "https://www.youtube.com/watch?v=\(b62(&rng, 11))")
        case (3, 1): return ("YouTube Channel", "https://www.youtube.com/@\(h)")
        case (3, 2): return ("Latest Vlog", "https://www.youtube.com/watch?v=\(b62(&rng, 11))")
        case (3, 3): return ("Live on Twitch", "https://www.twitch.tv/\(h)")
        case (3, 4): return ("Behind the Scenes", "https://vimeo.com/\(rng.range(100_000_000, 1_000_000_000))")
        case (3, _):
            let t = "Tutorial: \(word(&rng)), Step by Step"
            return (t, "https://www.youtube.com/watch?v=\(b62(&rng, 11))")
        case (_, 0): return ("My Website", "https://www.\(h).com/")
        case (_, 1): return ("Newsletter", "https://\(h).substack.com/")
        case (_, 2): return ("Book a Call", "https://calendly.com/\(h)/30min")
        case (_, 3): return ("Support me on Patreon", "https://www.patreon.com/\(h)")
        case (_, 4): return ("Buy me a coffee ☕", "https://www.buymeacoffee.com/\(h)")
        case (_, 5): return ("Blog: \"Tips, Tricks & More\"", "https://www.\(h).com/blog?utm_source=linkinbio&ref=bio")
        case (_, 6): return ("Podcast", "https://podcasts.apple.com/us/podcast/\(h)/id\(rng.range(1_000_000_000, 2_000_000_000))")
        default: return ("Contact", "mailto:hello@\(h).com")
        }
    }

    struct PoolEntry {
        var device: String
        var os: String
        var browser: String
        var ua: String
        var weight: Double
    }

    /// A few thousand realistic user agents with (device, os, browser) and a popularity weight.
    static func buildAgentPool(_ rng: inout SplitMix64) -> [PoolEntry] {
        var pool: [PoolEntry] = []
        func add(_ d: String, _ o: String, _ b: String, _ ua: String, _ w: Double) {
            pool.append(PoolEntry(device: d, os: o, browser: b, ua: ua, weight: w))
        }
        let iosV = ["15_8", "16_1", "16_3_1", "16_5", "16_6", "16_6_1", "16_7_2", "17_0", "17_0_3",
                    "17_1_1", "17_1_2", "17_2", "17_2_1", "17_3", "17_3_1", "17_4", "17_4_1", "17_5", "17_5_1"]
        let iphoneModels = ["iPhone12,1", "iPhone13,2", "iPhone13,4", "iPhone14,2", "iPhone14,3", "iPhone14,5",
                            "iPhone14,7", "iPhone15,2", "iPhone15,3", "iPhone15,4", "iPhone16,1", "iPhone16,2"]
        let androidV = ["10", "11", "12", "13", "14"]
        let androidW = [0.3, 0.5, 0.8, 1.2, 1.5]
        let androidModels = ["SM-S918B", "SM-S911B", "SM-A546B", "SM-A145F", "SM-G991B", "SM-A536B", "Pixel 7",
                             "Pixel 8 Pro", "Pixel 6a", "M2101K6G", "2201117TG", "CPH2409", "moto g(60)",
                             "SM-A325F", "RMX3085", "V2109", "SM-N986U", "SM-S928U", "motorola edge 30",
                             "Infinix X6816", "TECNO KI5q", "SM-A155F", "23053RN02Y", "SM-A047F"]
        var chromeV: [String] = []
        for (m, b) in [(120, 6099), (121, 6167), (122, 6261), (123, 6312), (124, 6367), (125, 6422), (126, 6478)] {
            for p in [43, 71, 105, 119, 151] { chromeV.append("\(m).0.\(b).\(p)") }
        }
        let igV = [(312, 33, 111), (315, 16, 112), (318, 0, 14), (320, 0, 23), (322, 0, 13), (325, 0, 27),
                   (328, 0, 32), (331, 1, 9)].map { "\($0.0).0.0.\($0.1).\($0.2)" }
        let ttV = ["33.1.0", "33.4.0", "33.7.0", "34.0.0", "34.3.0", "34.6.0", "34.9.0", "35.1.0"]
        let fbV = ["447.0.0.42.107", "452.0.0.40.100", "455.0.0.33.108", "458.0.0.44.100", "462.0.0.38.109"]
        func iosSafari(_ v: String) -> String {
            v.hasPrefix("17_5") ? "17.5" : v.hasPrefix("17") ? "17.4.1" : v.hasPrefix("16") ? "16.6" : "15.6.6"
        }
        func choose(_ a: [String], _ k: Int) -> [String] { rng.sample(a.count, k).map { a[$0] } }

        for v in iosV {
            let wv = v.hasPrefix("17") ? 3.0 : v.hasPrefix("16") ? 1.5 : 0.4
            let base = "Mozilla/5.0 (iPhone; CPU iPhone OS \(v) like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
            add("mobile", "iOS", "Safari", "\(base) Version/\(iosSafari(v)) Mobile/15E148 Safari/604.1", wv * 6)
            for cv in choose(chromeV, 6) {
                add("mobile", "iOS", "Chrome", "\(base) CriOS/\(cv) Mobile/15E148 Safari/604.1", wv * 0.4)
            }
            for m in iphoneModels {
                for igv in choose(igV, 3) {
                    let (w, h) = rng.chance(0.6) ? (1170, 2532) : (1284, 2778)
                    add("mobile", "iOS", "Instagram",
                        "\(base) Mobile/15E148 Instagram \(igv) (\(m); iOS \(v); en_US; en; scale=3.00; \(w)x\(h); \(rng.range(500_000_000, 600_000_000)))",
                        wv * 0.2)
                }
                for ttv in choose(ttV, 2) {
                    add("mobile", "iOS", "TikTok",
                        "\(base) Mobile/15E148 musical_ly_\(ttv) JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US ByteFullLocale/en WKWebView/1 BytedanceWebview/d8a21c6 (\(m))",
                        wv * 0.2)
                }
                let fbv = rng.pick(fbV)
                let dotted = v.split(separator: "_").joined(separator: ".")
                add("mobile", "iOS", "Facebook",
                    "\(base) Mobile/15E148 [FBAN/FBIOS;FBAV/\(fbv);FBBV/\(rng.range(500_000_000, 600_000_000));FBDV/\(m);FBMD/iPhone;FBSN/iOS;FBSV/\(dotted);FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
                    wv * 0.1)
            }
        }
        for (ai, av) in androidV.enumerated() {
            let wv = androidW[ai]
            for m in androidModels {
                let base = "Mozilla/5.0 (Linux; Android \(av); \(m)) AppleWebKit/537.36 (KHTML, like Gecko)"
                for cv in choose(chromeV, 5) {
                    add("mobile", "Android", "Chrome", "\(base) Chrome/\(cv) Mobile Safari/537.36", wv * 0.5)
                }
                if m.hasPrefix("SM-") {
                    add("mobile", "Android", "Samsung Internet",
                        "\(base) SamsungBrowser/\(rng.pick(["23.0", "24.0", "25.0"])) Chrome/\(rng.pick(chromeV)) Mobile Safari/537.36",
                        wv * 0.4)
                }
                add("mobile", "Android", "Instagram",
                    "\(base) Version/4.0 Chrome/\(rng.pick(chromeV)) Mobile Safari/537.36 Instagram \(rng.pick(igV)) Android (\(29 + ai)/\(av); 420dpi; 1080x2340; \(m); en_US; \(rng.range(500_000_000, 600_000_000)))",
                    wv * 0.15)
                let ttv = rng.pick(ttV)
                let ttDigits = ttv.split(separator: ".").joined()
                add("mobile", "Android", "TikTok",
                    "\(base) Version/4.0 Chrome/\(rng.pick(chromeV)) Mobile Safari/537.36 trill_\(ttDigits)0 JsSdk/1.0 NetType/4G Channel/googleplay AppName/musical_ly app_version/\(ttv) ByteLocale/en",
                    wv * 0.12)
                add("mobile", "Android", "Facebook",
                    "\(base) Version/4.0 Chrome/\(rng.pick(chromeV)) Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/\(rng.pick(fbV));]",
                    wv * 0.08)
            }
        }
        let win = "Windows NT 10.0; Win64; x64"
        let macV = ["10_15_7", "14_4_1", "14_5", "13_6_6"]
        let ffV = ["121.0", "122.0", "123.0", "124.0", "125.0", "126.0", "127.0"]
        var edgeV: [String] = []
        for (m, b) in [(121, 2277), (122, 2365), (123, 2420), (124, 2478), (125, 2535), (126, 2592)] {
            for p in [83, 98, 113] { edgeV.append("\(m).0.\(b).\(p)") }
        }
        for cv in chromeV {
            add("desktop", "Windows", "Chrome", "Mozilla/5.0 (\(win)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/\(cv) Safari/537.36", 3.0)
            for mv in macV {
                add("desktop", "macOS", "Chrome", "Mozilla/5.0 (Macintosh; Intel Mac OS X \(mv)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/\(cv) Safari/537.36", 0.35)
            }
            add("desktop", "Linux", "Chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/\(cv) Safari/537.36", 0.25)
            add("desktop", "ChromeOS", "Chrome", "Mozilla/5.0 (X11; CrOS x86_64 \(rng.range(14000, 16000)).\(rng.range(0, 99)).0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/\(cv) Safari/537.36", 0.15)
        }
        for ev in edgeV {
            let major = ev.split(separator: ".")[0]
            add("desktop", "Windows", "Edge", "Mozilla/5.0 (\(win)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/\(major).0.0.0 Safari/537.36 Edg/\(ev)", 1.2)
        }
        for fv in ffV {
            add("desktop", "Windows", "Firefox", "Mozilla/5.0 (\(win); rv:\(fv)) Gecko/20100101 Firefox/\(fv)", 1.0)
            add("desktop", "macOS", "Firefox", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:\(fv)) Gecko/20100101 Firefox/\(fv)", 0.3)
            add("desktop", "Linux", "Firefox", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:\(fv)) Gecko/20100101 Firefox/\(fv)", 0.4)
        }
        for sv in ["16.6", "17.0", "17.1", "17.2", "17.3", "17.4", "17.4.1", "17.5"] {
            add("desktop", "macOS", "Safari", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/\(sv) Safari/605.1.15", 1.5)
        }
        for v in iosV {
            let base = "Mozilla/5.0 (iPad; CPU OS \(v) like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
            add("tablet", "iPadOS", "Safari", "\(base) Version/\(iosSafari(v)) Mobile/15E148 Safari/604.1", 2.0)
            for cv in choose(chromeV, 3) {
                add("tablet", "iPadOS", "Chrome", "\(base) CriOS/\(cv) Mobile/15E148 Safari/604.1", 0.3)
            }
            add("tablet", "iPadOS", "Instagram",
                "\(base) Mobile/15E148 Instagram \(rng.pick(igV)) (iPad13,1; iPadOS \(v); en_US; en; scale=2.00; 820x1180; \(rng.range(500_000_000, 600_000_000)))",
                0.2)
        }
        for av in androidV {
            for m in ["SM-X200", "SM-T510", "Lenovo TB-X606F", "SM-X710", "KFTRWI"] {
                let base = "Mozilla/5.0 (Linux; Android \(av); \(m)) AppleWebKit/537.36 (KHTML, like Gecko)"
                for cv in choose(chromeV, 3) {
                    add("tablet", "Android", "Chrome", "\(base) Chrome/\(cv) Safari/537.36", 0.3)
                }
                add("tablet", "Android", "Instagram",
                    "\(base) Version/4.0 Chrome/\(rng.pick(chromeV)) Safari/537.36 Instagram \(rng.pick(igV)) Android", 0.05)
            }
        }
        var seen = Set<String>()
        return pool.filter { seen.insert($0.ua).inserted }
    }
}
