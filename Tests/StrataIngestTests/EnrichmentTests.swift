import Foundation
import Testing
import StrataFormat
import StrataStore
@testable import StrataIngest

@Test(arguments: [
    ("", "direct"),
    ("   ", "direct"),
    ("https://l.instagram.com/?u=https%3A%2F%2Fx", "instagram"),
    ("https://www.instagram.com/", "instagram"),
    ("https://www.tiktok.com/@someone", "tiktok"),
    ("https://t.co/abc123", "twitter"),
    ("https://x.com/home", "twitter"),
    ("https://mobile.twitter.com/", "twitter"),
    ("https://box.com/", "other"),
    ("http://m.facebook.com/story.php", "facebook"),
    ("https://lm.facebook.com/l.php?u=x", "facebook"),
    ("https://fb.me/xyz", "facebook"),
    ("https://www.youtube.com/watch?v=1", "youtube"),
    ("https://youtu.be/1", "youtube"),
    ("https://www.linkedin.com/feed/", "linkedin"),
    ("https://lnkd.in/abc", "linkedin"),
    ("https://old.reddit.com/r/x", "reddit"),
    ("https://www.pinterest.com/pin/1", "pinterest"),
    ("https://pin.it/x", "pinterest"),
    ("https://www.google.com/", "google"),
    ("https://www.google.co.uk/search?q=x", "google"),
    ("https://www.bing.com/search?q=x", "bing"),
    ("https://duckduckgo.com/", "duckduckgo"),
    ("https://mail.google.com/mail/u/0/", "email"),
    ("https://outlook.live.com/", "email"),
    ("https://user:pw@WWW.INSTAGRAM.COM:443/x", "instagram"),
    ("instagram", "instagram"),
    ("https://example.org/page", "other"),
])
func referrerHosts(_ referrer: String, _ source: String) {
    #expect(ClickEnrichment.source(referrer: referrer) == source)
}

@Test func utmParsing() {
    let a = ClickEnrichment.utmParameters(url: "https://shop.example/p?id=1&utm_source=ig&utm_medium=social&utm_campaign=Spring%20Sale+2024#top")
    #expect(a.source == "ig" && a.medium == "social" && a.campaign == "Spring Sale 2024")
    let b = ClickEnrichment.utmParameters(url: "https://x.example/?UTM_Source=news&utm_source=second&utm_medium=")
    #expect(b.source == "news" && b.medium == "" && b.campaign == nil)
    let c = ClickEnrichment.utmParameters(url: "https://x.example/path#utm_source=no")
    #expect(c.source == nil && c.medium == nil && c.campaign == nil)
    let d = ClickEnrichment.utmParameters(url: "https://x.example/?utm_campaign=a%2")
    #expect(d.campaign == "a%2")
}

@Test(arguments: [
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "mobile", "iOS", "Safari", false),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 330.0.0.40.92 (iPhone15,2; iOS 17_4; en_US)", "mobile", "iOS", "Instagram", false),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/450.0]", "mobile", "iOS", "Facebook", false),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_34.1.0 BytedanceWebview/d8a21c6", "mobile", "iOS", "TikTok", false),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0 Mobile/15E148 Safari/604.1", "mobile", "iOS", "Chrome", false),
    ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "tablet", "iPadOS", "Safari", false),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36", "mobile", "Android", "Chrome", false),
    ("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36", "tablet", "Android", "Chrome", false),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0 Mobile Safari/537.36", "mobile", "Android", "Samsung Internet", false),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51", "desktop", "Windows", "Edge", false),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", "desktop", "Windows", "Firefox", false),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "desktop", "macOS", "Safari", false),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "desktop", "ChromeOS", "Chrome", false),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0", "desktop", "Linux", "Opera", false),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot", "other", "bot", true),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "bot", "other", "bot", true),
    ("python-requests/2.31.0", "bot", "other", "bot", true),
    ("WhatsApp/2.23.20.0", "bot", "other", "bot", true),
    ("curl/8.5.0", "bot", "other", "bot", true),
    ("", "other", "other", "other", false),
])
func userAgents(_ ua: String, _ device: String, _ os: String, _ browser: String, _ bot: Bool) {
    let i = ClickEnrichment.userAgent(ua)
    #expect(i.device == device)
    #expect(i.os == os)
    #expect(i.browser == browser)
    #expect(i.isBot == bot)
}

@Test func visitorIDs() {
    let a = ClickEnrichment.visitorID(ip: "203.0.113.7", userAgent: "UA")
    #expect(a.utf8.count == 16 && a.allSatisfy { "0123456789abcdef".contains($0) })
    #expect(a == ClickEnrichment.visitorID(ip: "203.0.113.7", userAgent: "UA"))
    #expect(a != ClickEnrichment.visitorID(ip: "203.0.113.8", userAgent: "UA"))
    #expect(a != ClickEnrichment.visitorID(ip: "203.0.113.7", userAgent: "UA2"))
    #expect(a != ClickEnrichment.visitorID(ip: "203.0.113.7", userAgent: "UA", salt: "other"))
}

@Test func enrichmentThroughIngest() throws {
    let dir = tempDir("enrich")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let def = TableDefinition(name: "clicks", columns: [
        ColumnSchema(name: "ts", type: .timestamp),
        ColumnSchema(name: "referrer", type: .varchar),
        ColumnSchema(name: "source", type: .varchar),
        ColumnSchema(name: "url", type: .varchar),
        ColumnSchema(name: "utm_source", type: .varchar),
        ColumnSchema(name: "utm_medium", type: .varchar),
        ColumnSchema(name: "utm_campaign", type: .varchar),
        ColumnSchema(name: "device", type: .varchar),
        ColumnSchema(name: "os", type: .varchar),
        ColumnSchema(name: "browser", type: .varchar),
        ColumnSchema(name: "is_bot", type: .boolean),
        ColumnSchema(name: "visitor_id", type: .varchar),
    ], timeColumn: "ts", granularity: .day, sortKey: ["ts"], options: ["enrich": "clicks", "visitor_salt": "s1"])
    let table = try store.createTable(def)
    let ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
    let path = dir + "/e.csv"
    writeFile(path, "ts,referrer,source,url,utm_source,user_agent,ip,visitor_id\n"
        + "2024-05-01 10:00:00,https://t.co/x,,https://s.example/?utm_source=tw&utm_campaign=launch,,\"\(ua)\",198.51.100.1,\n"
        + "2024-05-01 10:00:01,,given,https://s.example/?utm_source=tw,kept,curl/8.0,198.51.100.2,v-given\n")
    _ = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: opts())
    let vid = ClickEnrichment.visitorID(ip: "198.51.100.1", userAgent: ua, salt: "s1")
    #expect(try readRows(table) == [
        ["2024-05-01 10:00:00", "https://t.co/x", "twitter", "https://s.example/?utm_source=tw&utm_campaign=launch",
         "tw", "NULL", "launch", "mobile", "iOS", "Safari", "false", vid],
        ["2024-05-01 10:00:01", "", "given", "https://s.example/?utm_source=tw", "kept", "NULL", "NULL",
         "bot", "other", "bot", "true", "v-given"],
    ])
    // without enrichment the ip column is an unknown column
    let plainTable = TableDefinition(name: "raw", columns: [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "ip", type: .varchar)],
                                     timeColumn: "ts", granularity: .day)
    let raw = try store.createTable(plainTable)
    let p2 = dir + "/ip.csv"
    writeFile(p2, "ts,ip\n2024-05-01 10:00:00,10.0.0.1\n")
    _ = try Ingestor.ingest(store: store, table: "raw", files: [p2], options: opts())
    #expect(try readRows(raw) == [["2024-05-01 10:00:00", "10.0.0.1"]])
    // enriching drops the ip unless keepIP
    _ = try Ingestor.ingest(store: store, table: "raw", files: [p2], options: opts { $0.enrich = "clicks"; $0.force = true })
    _ = try Ingestor.ingest(store: store, table: "raw", files: [p2], options: opts { $0.enrich = "clicks"; $0.keepIP = true; $0.force = true })
    #expect(try readRows(raw).map { $0[1] }.sorted() == ["10.0.0.1", "10.0.0.1", "NULL"])
    #expect(ingestError(store, "raw", [p2], opts { $0.enrich = "web"; $0.force = true })?.description == "unknown enrichment 'web' (supported: clicks)")
}

/// Auto-creating a table with enrichment adds the derivable columns and leaves out `ip`.
@Test func autoCreateWithEnrichment() throws {
    let dir = tempDir("enrich-auto")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let path = dir + "/e.csv"
    writeFile(path, "ts,referrer,user_agent,ip\n2024-05-01 10:00:00,https://www.youtube.com/,curl/8.0,192.0.2.1\n")
    let s = try Ingestor.ingest(store: store, table: "web", files: [path], options: opts { $0.enrich = "clicks" })
    let def = try #require(s.createdTable)
    #expect(def.createdDescription == "created table web (ts TIMESTAMP, referrer VARCHAR, user_agent VARCHAR, source VARCHAR, device VARCHAR, os VARCHAR, browser VARCHAR, is_bot BOOLEAN, visitor_id VARCHAR) PARTITION BY day(ts) ORDER BY (ts)")
    #expect(def.options["enrich"] == "clicks")
    #expect(try readRows(store.table("web")) == [["2024-05-01 10:00:00", "https://www.youtube.com/", "curl/8.0", "youtube", "bot", "other", "bot", "true",
                                                   ClickEnrichment.visitorID(ip: "192.0.2.1", userAgent: "curl/8.0")]])
}
