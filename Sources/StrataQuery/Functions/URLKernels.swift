/// URL parts for click logs, with ClickHouse's semantics (its URL functions do not follow the
/// RFC: they are simple scans, and a part that is absent or malformed is the empty string).
/// The URL may come with or without a scheme (`https://host/p`, `//host/p`, `host/p`).
enum URLKernels {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }

    /// Byte range of the host (`domain`): after the scheme's `://` (or a leading `//`, or from
    /// the start when there is no scheme), after any `user@`, up to the first `:`, `/`, `?` or
    /// `#`. Empty when the host has no dot, ends with a dot, or the text holds characters no
    /// URL host has (space, `<`, `%`, `&`, `=` …).
    static func host(_ s: Bytes) -> Range<Int> {
        let n = s.count
        if n == 0 { return 0..<0 }
        guard var pos = authorityStart(s, bracketInScheme: false) else { return 0..<0 }
        var dot = -1
        var start = pos
        while pos < n {
            switch s[pos] {
            case UInt8(ascii: "."): dot = pos
            case UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                return checked(s, pos, dot, start)
            case UInt8(ascii: "@"): start = pos + 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "%"),
                 UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"),
                 UInt8(ascii: "~"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ";"), UInt8(ascii: "="),
                 UInt8(ascii: "&"):
                return 0..<0
            default: break
            }
            pos += 1
        }
        return checked(s, pos, dot, start)
    }

    /// Where the host part starts: after a leading `//`, after a scheme's `://` (a scheme is at
    /// most 15 characters of letters, digits, '.', '-', '+' and, for `url_host`, '['), else 0;
    /// nil when a character no URL has comes first.
    private static func authorityStart(_ s: Bytes, bracketInScheme: Bool) -> Int? {
        let n = s.count
        if n >= 2 && s[0] == 47 && s[1] == 47 { return 2 }  // "//host"
        let schemeEnd = min(n, 16)
        var i = 1
        scan: while i < schemeEnd {
            let c = s[i]
            if !isAlnum(c) {
                switch c {
                case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"): break
                case UInt8(ascii: "[") where bracketInScheme: break
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "%"),
                     UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"),
                     UInt8(ascii: "~"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ";"), UInt8(ascii: "="),
                     UInt8(ascii: "&"):
                    return nil
                default: break scan
                }
            }
            i += 1
        }
        return schemeEnd - i > 2 && s[i] == 58 && s[i + 1] == 47 && s[i + 2] == 47 ? i + 3 : 0
    }

    private static func checked(_ s: Bytes, _ end: Int, _ dot: Int, _ start: Int) -> Range<Int> {
        if dot < 0 || start >= end || end - dot == 1 || s[start] == 46 { return 0..<0 }
        if dot + 1 < s.count {
            let c = s[dot + 1]
            if c == 58 || c == 47 || c == 63 || c == 35 { return 0..<0 }
        }
        return start..<end
    }

    /// `url_host` (ClickHouse `domainRFC`): as `host`, but a `user:password@` before the host
    /// and a `[IPv6]` host are understood; sub-delimiters (`;=&~%`) or two `@` give ''.
    static func hostRFC(_ s: Bytes) -> Range<Int> {
        let n = s.count
        if n < 2 { return 0..<0 }
        guard var pos = authorityStart(s, bracketInScheme: true) else { return 0..<0 }
        var open = false, closed = false
        if pos < n && s[pos] == 91 { open = true; pos += 1 }
        var start = pos, dot = -1, colon = -1, close = -1
        var subDelims = false, at = false, terminatorAfterColon = false
        loop: while pos < n {
            let c = s[pos]
            switch c {
            case UInt8(ascii: "."):
                if !open && colon < 0 { dot = pos }
            case UInt8(ascii: ":"):
                if !open && colon < 0 { colon = pos }
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                break loop
            case UInt8(ascii: "@"):
                if open || closed || terminatorAfterColon || at { return 0..<0 }
                subDelims = false; at = true; start = pos + 1; colon = -1; dot = -1; terminatorAfterColon = false
                if pos + 1 < n && s[pos + 1] == 91 { open = true; start = pos + 2; pos += 1 }
            case UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "&"), UInt8(ascii: "~"), UInt8(ascii: "%"):
                if !open { subDelims = true }
            case UInt8(ascii: "]") where open:
                if pos + 1 < n, ![58, 47, 63, 35].contains(s[pos + 1]) { return 0..<0 }
                closed = true; open = false; close = pos
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "{"), UInt8(ascii: "}"),
                 UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "["), UInt8(ascii: "]"):
                if colon < 0 { return 0..<0 }
                terminatorAfterColon = true
            default: break
            }
            pos += 1
        }
        if subDelims { return 0..<0 }
        if closed {
            // an IP literal: hex digits, ':' and '.' (IPv6, IPv4-mapped tails)
            if close <= start { return 0..<0 }
            for i in start..<close {
                let c = s[i] | 0x20
                if !((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || c == 46) { return 0..<0 }
            }
            return start..<close
        }
        return checked(s, colon >= 0 ? colon : pos, dot, start)
    }

    /// `domainWithoutWWW`: the host without one leading `www.`.
    static func hostWithoutWWW(_ s: Bytes) -> Range<Int> {
        let h = host(s)
        if h.count > 4 && s[h.lowerBound] == 119 && s[h.lowerBound + 1] == 119 && s[h.lowerBound + 2] == 119 && s[h.lowerBound + 3] == 46 {
            return (h.lowerBound + 4)..<h.upperBound
        }
        return h
    }

    /// `topLevelDomain`: the host's last label (empty for an IPv4 address or no host).
    static func topLevelDomain(_ s: Bytes) -> Range<Int> {
        var h = host(s)
        if h.isEmpty { return 0..<0 }
        if s[h.upperBound - 1] == 46 { h = h.lowerBound..<(h.upperBound - 1) }
        var i = h.upperBound - 1
        while i >= h.lowerBound && s[i] != 46 { i -= 1 }
        if i < h.lowerBound { return 0..<0 }
        if i + 1 < h.upperBound, s[i + 1] >= 48 && s[i + 1] <= 57 { return 0..<0 }
        return (i + 1)..<h.upperBound
    }

    /// `protocol`: the scheme before `:` (letters first, then letters, digits, `+`, `-`, `.`).
    static func scheme(_ s: Bytes) -> Range<Int> {
        let n = s.count
        guard n > 0, (s[0] | 0x20) >= 97 && (s[0] | 0x20) <= 122 else { return 0..<0 }
        var i = 1
        while i < n && (isAlnum(s[i]) || s[i] == 43 || s[i] == 45 || s[i] == 46) { i += 1 }
        if n - i < 4 { return 0..<0 }
        return s[i] == 58 ? 0..<i : 0..<0
    }

    @inline(__always) static func first(_ s: Bytes, from: Int, _ a: UInt8, _ b: UInt8 = 0, _ c: UInt8 = 0) -> Int {
        var i = from
        while i < s.count {
            let x = s[i]
            if x == a || (b != 0 && x == b) || (c != 0 && x == c) { return i }
            i += 1
        }
        return s.count
    }

    /// `path`: from the first `/` that is not part of `//` up to `?` or `#`.
    static func path(_ s: Bytes, full: Bool = false) -> Range<Int> {
        let n = s.count
        var pos = first(s, from: 0, 47)
        if pos == n { return 0..<0 }
        if pos + 1 < n && s[pos + 1] == 47 {
            pos = first(s, from: pos + 2, 47)
            if pos == n { return 0..<0 }
        }
        if full { return pos..<n }
        return pos..<first(s, from: pos, 63, 35)
    }

    /// `queryString`: between `?` and `#`, without the `?`.
    static func queryString(_ s: Bytes) -> Range<Int> {
        let q = first(s, from: 0, 63)
        if q == s.count { return 0..<0 }
        return (q + 1)..<first(s, from: q, 35)
    }

    /// `fragment`: after `#`.
    static func fragment(_ s: Bytes) -> Range<Int> {
        let h = first(s, from: 0, 35)
        if h == s.count { return 0..<0 }
        return (h + 1)..<s.count
    }

    /// `cutQueryString`: the URL without `?…` (up to a `#`, which stays).
    static func cutQueryString(_ s: Bytes) -> String {
        let q = first(s, from: 0, 63)
        if q == s.count { return String(decoding: s, as: UTF8.self) }
        let h = first(s, from: q, 35)
        return String(decoding: UnsafeBufferPointer(rebasing: s[0..<q]), as: UTF8.self)
            + String(decoding: UnsafeBufferPointer(rebasing: s[h..<s.count]), as: UTF8.self)
    }

    /// `cutFragment`: the URL without `#…`.
    static func cutFragment(_ s: Bytes) -> Range<Int> { 0..<first(s, from: 0, 35) }

    /// `cutQueryStringAndFragment`: the URL up to the first `?` or `#`.
    static func cutQueryStringAndFragment(_ s: Bytes) -> Range<Int> { 0..<first(s, from: 0, 63, 35) }

    /// `extractURLParameter(url, name)`: the raw value of the first `name=` parameter in the
    /// query string or fragment (parameters after `#` count too), '' when absent.
    static func parameter(_ s: Bytes, _ name: [UInt8]) -> Range<Int> {
        let n = s.count
        let q = first(s, from: 0, 63, 35)
        guard q + 1 < n else { return 0..<0 }
        let key = name + [61]  // "name="
        var from = q + 1
        while let at = key.withUnsafeBufferPointer({ StringKernels.find(s, $0, from: from) }) {
            let before = s[at - 1]
            if before == 63 || before == 35 || before == 38 {
                let v = at + key.count
                return v..<first(s, from: v, 38, 35)
            }
            from = at + key.count
        }
        return 0..<0
    }
}
