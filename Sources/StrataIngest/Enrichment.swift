import StrataCore
import StrataFormat
import StrataText

/// Device, OS and browser classification of a user agent.
public struct UserAgentInfo: Sendable, Equatable {
    /// `mobile`, `tablet`, `desktop`, `bot`, or `other` (empty agent).
    public var device: String { Self.s(deviceS) }
    /// `iOS`, `iPadOS`, `Android`, `Windows`, `macOS`, `ChromeOS`, `Linux`, or `other`.
    public var os: String { Self.s(osS) }
    /// `Instagram`, `Facebook`, `TikTok` (in-app), `Samsung Internet`, `Edge`, `Opera`,
    /// `Firefox`, `Chrome`, `Safari`, `bot`, or `other`.
    public var browser: String { Self.s(browserS) }
    /// Crawler, link-preview fetcher or HTTP library.
    public var isBot: Bool

    let deviceS: StaticString
    let osS: StaticString
    let browserS: StaticString

    init(device: StaticString, os: StaticString, browser: StaticString, isBot: Bool) {
        deviceS = device
        osS = os
        browserS = browser
        self.isBot = isBot
    }

    static func s(_ x: StaticString) -> String {
        String(decoding: UnsafeBufferPointer(start: x.utf8Start, count: x.utf8CodeUnitCount), as: UTF8.self)
    }

    public static func == (a: UserAgentInfo, b: UserAgentInfo) -> Bool {
        a.device == b.device && a.os == b.os && a.browser == b.browser && a.isBot == b.isBot
    }
}

/// Click-log enrichment rules (`enrich = 'clicks'`): traffic source from the referrer host,
/// UTM tags from a landing URL, device/OS/browser/bot from the user agent, and a salted visitor
/// hash. All classifiers work on byte spans without allocating; the `String` overloads are for
/// tests and tools.
public enum ClickEnrichment {
    // MARK: byte helpers

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { c &- 65 < 26 ? c | 0x20 : c }

    /// `needle` (ASCII, lowercase if `ci`) occurs in `p[0..<n]`; `ci`: ASCII case-insensitive.
    @inline(__always)
    static func contains(_ p: UnsafePointer<UInt8>, _ n: Int, _ needle: StaticString, ci: Bool = false) -> Bool {
        let m = needle.utf8CodeUnitCount
        if m == 0 { return true }
        if m > n { return false }
        let q = needle.utf8Start
        let first = q[0]
        var i = 0
        let last = n - m
        while i <= last {
            let c = ci ? lower(p[i]) : p[i]
            if c == first {
                var k = 1
                while k < m && (ci ? lower(p[i + k]) : p[i + k]) == q[k] { k += 1 }
                if k == m { return true }
            }
            i += 1
        }
        return false
    }

    @inline(__always)
    static func equals(_ p: UnsafePointer<UInt8>, _ n: Int, _ s: StaticString) -> Bool {
        n == s.utf8CodeUnitCount && bytesEqual(p, s.utf8Start, n)
    }

    /// `p[0..<n]` equals lowercase ASCII `s` ignoring ASCII case.
    @inline(__always)
    static func equalsCI(_ p: UnsafePointer<UInt8>, _ n: Int, _ s: StaticString) -> Bool {
        guard n == s.utf8CodeUnitCount else { return false }
        for i in 0..<n where lower(p[i]) != s.utf8Start[i] { return false }
        return true
    }

    @inline(__always)
    static func hasSuffix(_ p: UnsafePointer<UInt8>, _ n: Int, _ s: StaticString) -> Bool {
        let m = s.utf8CodeUnitCount
        return n >= m && bytesEqual(p + (n - m), s.utf8Start, m)
    }

    /// Host of `host == h || host ends with "." + h`.
    @inline(__always)
    static func isDomain(_ p: UnsafePointer<UInt8>, _ n: Int, _ d: StaticString) -> Bool {
        let m = d.utf8CodeUnitCount
        if n == m { return bytesEqual(p, d.utf8Start, m) }
        return n > m && p[n - m - 1] == UInt8(ascii: ".") && bytesEqual(p + (n - m), d.utf8Start, m)
    }

    // MARK: referrer → source

    /// Lowercased host of a referrer URL (scheme, user info, port, path, query dropped; a
    /// leading `www.` removed) written to `out` (capacity 256); returns its length.
    static func host(_ p: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var s = 0, e = n
        while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
        while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
        // scheme
        var i = s
        while i < e && i - s < 32 {
            let c = p[i]
            if c == UInt8(ascii: ":") {
                if i + 2 < e && p[i + 1] == UInt8(ascii: "/") && p[i + 2] == UInt8(ascii: "/") { s = i + 3 }
                break
            }
            if c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#") { break }
            i += 1
        }
        if s + 1 < e && p[s] == UInt8(ascii: "/") && p[s + 1] == UInt8(ascii: "/") { s += 2 }
        var hs = s, he = s
        while he < e {
            let c = p[he]
            if c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#") { break }
            if c == UInt8(ascii: "@") { hs = he + 1 }
            he += 1
        }
        var k = hs
        while k < he && p[k] != UInt8(ascii: ":") { k += 1 }
        he = k
        var len = 0
        var j = hs
        while j < he && len < 256 {
            out[len] = lower(p[j])
            len += 1
            j += 1
        }
        while len > 0 && out[len - 1] == UInt8(ascii: ".") { len -= 1 }
        if len > 4 && out[0] == UInt8(ascii: "w") && out[1] == UInt8(ascii: "w") && out[2] == UInt8(ascii: "w")
            && out[3] == UInt8(ascii: ".") {
            (out).update(from: out + 4, count: len - 4)
            len -= 4
        }
        return len
    }

    /// Traffic source of a referrer: `direct` (empty), `email`, `instagram`, `tiktok`, `twitter`
    /// (twitter.com, x.com, t.co), `facebook` (facebook.com, fb.com, fb.me), `youtube`,
    /// `linkedin`, `reddit`, `pinterest`, `google`, `bing`, `duckduckgo`, else `other`.
    static func source(_ p: UnsafePointer<UInt8>?, _ n: Int, scratch: UnsafeMutablePointer<UInt8>) -> StaticString {
        guard let p, n > 0 else { return "direct" }
        let hn = host(p, n, into: scratch)
        if hn == 0 { return "direct" }
        let h = UnsafePointer(scratch)
        if contains(h, hn, "mail") || contains(h, hn, "outlook") { return "email" }
        if contains(h, hn, "instagram") { return "instagram" }
        if contains(h, hn, "tiktok") { return "tiktok" }
        if contains(h, hn, "twitter") || isDomain(h, hn, "x.com") || isDomain(h, hn, "t.co") { return "twitter" }
        if contains(h, hn, "facebook") || isDomain(h, hn, "fb.com") || isDomain(h, hn, "fb.me") { return "facebook" }
        if contains(h, hn, "youtube") || isDomain(h, hn, "youtu.be") { return "youtube" }
        if contains(h, hn, "linkedin") || isDomain(h, hn, "lnkd.in") { return "linkedin" }
        if contains(h, hn, "reddit") || isDomain(h, hn, "redd.it") { return "reddit" }
        if contains(h, hn, "pinterest") || isDomain(h, hn, "pin.it") { return "pinterest" }
        if contains(h, hn, "duckduckgo") { return "duckduckgo" }
        if isDomain(h, hn, "bing.com") { return "bing" }
        if equals(h, hn, "google") || contains(h, hn, "google.") { return "google" }
        return "other"
    }

    /// Traffic source of a referrer URL (see the byte-span classifier).
    public static func source(referrer: String) -> String {
        var r = referrer
        return r.withUTF8 { b in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { t in
                UserAgentInfo.s(source(b.baseAddress, b.count, scratch: t.baseAddress!))
            }
        }
    }

    // MARK: UTM

    /// Which UTM tag a query key names: 0 source, 1 medium, 2 campaign, -1 none
    /// (`utm_source`, ...; ASCII case-insensitive).
    @inline(__always)
    static func utmIndex(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        guard n >= 9, lower(p[0]) == UInt8(ascii: "u"), lower(p[1]) == UInt8(ascii: "t"),
              lower(p[2]) == UInt8(ascii: "m"), p[3] == UInt8(ascii: "_") else { return -1 }
        func eq(_ s: StaticString) -> Bool {
            guard n - 4 == s.utf8CodeUnitCount else { return false }
            for k in 0..<(n - 4) where lower(p[4 + k]) != s.utf8Start[k] { return false }
            return true
        }
        if eq("source") { return 0 }
        if eq("medium") { return 1 }
        if eq("campaign") { return 2 }
        return -1
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> Int {
        if c &- 48 < 10 { return Int(c - 48) }
        let l = c | 0x20
        if l &- 97 < 6 { return Int(l - 87) }
        return -1
    }

    /// Percent-decodes `p[0..<n]` (`+` → space) into `out`; returns the length (≤ n).
    static func percentDecode(_ p: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var i = 0, o = 0
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "%") && i + 2 < n {
                let a = hexValue(p[i + 1]), b = hexValue(p[i + 2])
                if a >= 0 && b >= 0 {
                    out[o] = UInt8(a * 16 + b)
                    o += 1
                    i += 3
                    continue
                }
            }
            out[o] = c == UInt8(ascii: "+") ? 0x20 : c
            o += 1
            i += 1
        }
        return o
    }

    /// Finds `utm_source`, `utm_medium`, `utm_campaign` in the query string of `p[0..<n]`
    /// (first occurrence of each), decoding values into `out` (capacity ≥ n). Calls `found`
    /// with (tag index, decoded value pointer, length).
    static func utm(_ p: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<UInt8>,
                    _ found: (Int, UnsafePointer<UInt8>, Int) -> Void) {
        var q = 0
        while q < n && p[q] != UInt8(ascii: "?") {
            if p[q] == UInt8(ascii: "#") { return }
            q += 1
        }
        if q >= n { return }
        var i = q + 1
        var o = 0
        var seen = 0
        while i < n {
            var e = i
            while e < n && p[e] != UInt8(ascii: "&") && p[e] != UInt8(ascii: "#") { e += 1 }
            var eqPos = i
            while eqPos < e && p[eqPos] != UInt8(ascii: "=") { eqPos += 1 }
            let tag = utmIndex(p + i, eqPos - i)
            if tag >= 0 && seen & (1 << tag) == 0 && eqPos < e {
                seen |= 1 << tag
                let len = percentDecode(p + eqPos + 1, e - eqPos - 1, into: out + o)
                found(tag, UnsafePointer(out + o), len)
                o += len
            }
            if e >= n || p[e] == UInt8(ascii: "#") { break }
            i = e + 1
        }
    }

    /// UTM tags of a URL's query string (`nil` when absent).
    public static func utmParameters(url: String) -> (source: String?, medium: String?, campaign: String?) {
        var u = url
        var r: [String?] = [nil, nil, nil]
        u.withUTF8 { b in
            guard let base = b.baseAddress else { return }
            let out = UnsafeMutablePointer<UInt8>.allocate(capacity: b.count + 1)
            defer { out.deallocate() }
            utm(base, b.count, into: out) { tag, p, n in
                r[tag] = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
            }
        }
        return (r[0], r[1], r[2])
    }

    // MARK: user agent

    /// Lowercase substrings marking crawlers, link-preview fetchers and HTTP libraries.
    static let botMarkers: [StaticString] = ["bot", "crawl", "spider", "slurp", "facebookexternalhit", "whatsapp/",
                                             "curl/", "wget/", "python-", "go-http-client", "headless", "java/",
                                             "libwww", "httpclient", "preview", "scrapy", "axios/"]

    /// Classifies a user agent (see `UserAgentInfo`).
    static func userAgent(_ p: UnsafePointer<UInt8>?, _ n: Int) -> UserAgentInfo {
        guard let p, n > 0 else { return UserAgentInfo(device: "other", os: "other", browser: "other", isBot: false) }
        for m in botMarkers where contains(p, n, m, ci: true) {
            return UserAgentInfo(device: "bot", os: "other", browser: "bot", isBot: true)
        }
        let ipad = contains(p, n, "iPad")
        let iphone = contains(p, n, "iPhone") || contains(p, n, "iPod")
        let android = contains(p, n, "Android")
        let device: StaticString
        if ipad || contains(p, n, "Tablet") || (android && !contains(p, n, "Mobile")) {
            device = "tablet"
        } else if iphone || android || contains(p, n, "Mobi") {
            device = "mobile"
        } else {
            device = "desktop"
        }
        let os: StaticString
        if iphone { os = "iOS" } else if ipad { os = "iPadOS" } else if android { os = "Android" } else if contains(p, n, "Windows") {
            os = "Windows"
        } else if contains(p, n, "CrOS") { os = "ChromeOS" } else if contains(p, n, "Macintosh") || contains(p, n, "Mac OS X") {
            os = "macOS"
        } else if contains(p, n, "Linux") || contains(p, n, "X11") { os = "Linux" } else { os = "other" }
        let browser: StaticString
        if contains(p, n, "Instagram") { browser = "Instagram" } else if contains(p, n, "FBAN/") || contains(p, n, "FBAV/") || contains(p, n, "FB_IAB") {
            browser = "Facebook"
        } else if contains(p, n, "musical_ly") || contains(p, n, "BytedanceWebview") || contains(p, n, "TikTok") {
            browser = "TikTok"
        } else if contains(p, n, "SamsungBrowser") { browser = "Samsung Internet" } else if contains(p, n, "Edg/") || contains(p, n, "EdgA/") || contains(p, n, "EdgiOS/") {
            browser = "Edge"
        } else if contains(p, n, "OPR/") || contains(p, n, "Opera") { browser = "Opera" } else if contains(p, n, "Firefox/") || contains(p, n, "FxiOS/") {
            browser = "Firefox"
        } else if contains(p, n, "CriOS/") || contains(p, n, "Chrome/") { browser = "Chrome" } else if contains(p, n, "Safari/") {
            browser = "Safari"
        } else { browser = "other" }
        return UserAgentInfo(device: device, os: os, browser: browser, isBot: false)
    }

    /// Classifies a user agent string.
    public static func userAgent(_ ua: String) -> UserAgentInfo {
        var u = ua
        return u.withUTF8 { userAgent($0.baseAddress, $0.count) }
    }

    // MARK: visitor id

    /// Default salt of `visitorID` when neither options nor the table give one.
    public static let defaultSalt = "strata-visitor-v1"

    /// Seed derived from a salt string.
    public static func saltSeed(_ salt: String) -> UInt64 {
        var s = salt
        return s.withUTF8 { InputHasher.hash(UnsafeRawBufferPointer($0), seed: 0x5354_5241_5441_5631) }
    }

    /// Writes the 16 lowercase hex digits of the salted XXH64 of `ip`, a 0 byte and `ua` to `out`.
    static func visitorID(ip: UnsafePointer<UInt8>, _ ipn: Int, ua: UnsafePointer<UInt8>?, _ uan: Int, seed: UInt64,
                          into out: UnsafeMutablePointer<UInt8>) {
        var h = InputHasher(seed: seed)
        h.update(UnsafeRawBufferPointer(start: ip, count: ipn))
        var zero: UInt8 = 0
        withUnsafeBytes(of: &zero) { h.update($0) }
        if let ua, uan > 0 { h.update(UnsafeRawBufferPointer(start: ua, count: uan)) }
        let v = h.finalize()
        let digits: StaticString = "0123456789abcdef"
        for k in 0..<16 { out[k] = digits.utf8Start[Int((v >> UInt64(60 - 4 * k)) & 15)] }
    }

    /// The 16-hex-digit visitor id of an IP and user agent with `salt`.
    public static func visitorID(ip: String, userAgent: String, salt: String = ClickEnrichment.defaultSalt) -> String {
        var i = ip, u = userAgent
        let seed = saltSeed(salt)
        return i.withUTF8 { ib in
            u.withUTF8 { ub in
                var out = [UInt8](repeating: 0, count: 16)
                out.withUnsafeMutableBufferPointer { o in
                    visitorID(ip: ib.baseAddress ?? UnsafePointer(o.baseAddress!), ib.count, ua: ub.baseAddress, ub.count,
                              seed: seed, into: o.baseAddress!)
                }
                return String(decoding: out, as: UTF8.self)
            }
        }
    }
}
