import Foundation

/// Per-value string kernels with DuckDB's semantics: positions are 1-based and count Unicode
/// code points (not bytes, not grapheme clusters). Used once per dictionary entry for
/// dictionary-coded columns, once per row otherwise.
enum StringKernels {
    /// The UTF-8 bytes of `s` split at code point starts: `starts[k]` is the byte offset of
    /// code point k (0-based), with `starts[count] == bytes.count`.
    struct Points {
        let bytes: [UInt8]
        let starts: [Int]?  // nil: all ASCII (code point k at byte k)
        init(_ s: String) {
            bytes = Array(s.utf8)
            var ascii = true
            for b in bytes where b >= 0x80 { ascii = false; break }
            if ascii { starts = nil; return }
            var st: [Int] = []
            st.reserveCapacity(bytes.count + 1)
            for (i, b) in bytes.enumerated() where b & 0xC0 != 0x80 { st.append(i) }
            st.append(bytes.count)
            starts = st
        }
        var count: Int { starts.map { $0.count - 1 } ?? bytes.count }
        @inline(__always) func offset(_ k: Int) -> Int { starts?[k] ?? k }
        /// Code points [a, b) (0-based) as a string.
        func slice(_ a: Int, _ b: Int) -> String {
            if a >= b { return "" }
            return String(decoding: bytes[offset(a)..<offset(b)], as: UTF8.self)
        }
        /// Code point index of byte offset `o` (a code point start).
        func index(ofByte o: Int) -> Int {
            guard let st = starts else { return o }
            var lo = 0, hi = st.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if st[mid] < o { lo = mid + 1 } else { hi = mid } }
            return lo
        }
    }

    static func codePointCount(_ s: String) -> Int {
        var n = 0
        for b in s.utf8 where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// `substring(s, start[, length])`: code points [start, start + length) of the 1-based
    /// positions 1...n; a negative start counts from the end (-1 is the last), a negative length
    /// takes the code points before start.
    static func substring(_ s: String, _ start: Int64, _ length: Int64?) throws(QueryError) -> String {
        // DuckDB's limits: offsets and lengths within ±2^32
        if start > 4_294_967_295 || start < -4_294_967_296 {
            throw QueryError("substring(): offset \(start) is out of range (between -4294967296 and 4294967295)")
        }
        if let l = length, l > 4_294_967_295 || l < -4_294_967_296 {
            throw QueryError("substring(): length \(l) is out of range (between -4294967296 and 4294967295)")
        }
        let p = Points(s)
        let n = Int64(p.count)
        var st = start
        if st < 0 { st = n &+ st &+ 1 }
        var lo: Int64, hi: Int64
        if let len = length {
            if len >= 0 { lo = st; hi = st.addingReportingOverflow(len).overflow ? .max : st + len }
            else { hi = st; lo = st.addingReportingOverflow(len).overflow ? .min : st + len }
        } else {
            lo = st; hi = n + 1
        }
        lo = max(lo, 1); hi = min(hi, n + 1)
        if lo >= hi { return "" }
        return p.slice(Int(lo - 1), Int(hi - 1))
    }

    /// `left(s, k)`: the first k code points (negative: all but the last -k).
    static func left(_ s: String, _ k: Int64) -> String {
        let p = Points(s)
        let n = Int64(p.count)
        let e = k >= 0 ? min(k, n) : max(0, n + max(k, -n))
        return p.slice(0, Int(e))
    }

    /// `right(s, k)`: the last k code points (negative: all but the first -k).
    static func right(_ s: String, _ k: Int64) -> String {
        let p = Points(s)
        let n = Int64(p.count)
        let b = k >= 0 ? n - min(k, n) : min(n, -max(k, -n))
        return p.slice(Int(b), Int(n))
    }

    /// Byte offset of the first occurrence of `needle` in `hay` at or after `from`, or nil.
    static func find(_ hay: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int? {
        let m = needle.count, n = hay.count
        if m == 0 { return from <= n ? from : nil }
        if n - from < m { return nil }
        let first = needle[0]
        var i = from
        while i <= n - m {
            if hay[i] == first {
                var j = 1
                while j < m && hay[i + j] == needle[j] { j += 1 }
                if j == m { return i }
            }
            i += 1
        }
        return nil
    }

    static func find(_ hay: [UInt8], _ needle: [UInt8], from: Int = 0) -> Int? {
        hay.withUnsafeBufferPointer { h in needle.withUnsafeBufferPointer { find(h, $0, from: from) } }
    }

    /// `strpos(s, needle)`: 1-based code point position of the first occurrence, 0 when absent.
    static func strpos(_ s: String, _ needle: String) -> Int64 {
        let h = Array(s.utf8)
        guard let o = find(h, Array(needle.utf8)) else { return 0 }
        var k = 0
        for i in 0..<o where h[i] & 0xC0 != 0x80 { k += 1 }
        return Int64(k + 1)
    }

    static func startsWith(_ s: UnsafeBufferPointer<UInt8>, _ p: [UInt8]) -> Bool {
        s.count >= p.count && s.prefix(p.count).elementsEqual(p)
    }

    static func endsWith(_ s: UnsafeBufferPointer<UInt8>, _ p: [UInt8]) -> Bool {
        s.count >= p.count && s.suffix(p.count).elementsEqual(p)
    }

    static func contains(_ s: UnsafeBufferPointer<UInt8>, _ p: [UInt8]) -> Bool {
        p.withUnsafeBufferPointer { find(s, $0) != nil }
    }

    /// Every occurrence of `from` replaced by `to` (`first`: only the first); an empty `from`
    /// leaves `s` unchanged.
    static func replace(_ s: String, _ from: String, _ to: String, first: Bool = false) -> String {
        if from.isEmpty { return s }
        let h = Array(s.utf8), f = Array(from.utf8), t = Array(to.utf8)
        guard var at = find(h, f) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(h.count)
        var pos = 0
        while true {
            out.append(contentsOf: h[pos..<at])
            out.append(contentsOf: t)
            pos = at + f.count
            if first { break }
            guard let next = find(h, f, from: pos) else { break }
            at = next
        }
        out.append(contentsOf: h[pos...])
        return String(decoding: out, as: UTF8.self)
    }

    enum TrimSide { case both, leading, trailing }

    /// Removes the code points of `chars` (default: the space) from the start and/or end.
    static func trim(_ s: String, _ chars: String?, _ side: TrimSide) -> String {
        let set = Set((chars ?? " ").unicodeScalars)
        let sc = s.unicodeScalars
        var lo = sc.startIndex, hi = sc.endIndex
        if side != .trailing { while lo < hi && set.contains(sc[lo]) { lo = sc.index(after: lo) } }
        if side != .leading {
            while hi > lo {
                let prev = sc.index(before: hi)
                if !set.contains(sc[prev]) { break }
                hi = prev
            }
        }
        return String(sc[lo..<hi])
    }

    /// `lpad`/`rpad`: `s` padded with repetitions of `pad` to `count` code points, or cut to its
    /// first `count` code points when longer.
    static func pad(_ s: String, _ count: Int64, _ pad: String, left: Bool, function: String) throws(QueryError) -> String {
        if count <= 0 { return "" }
        if count > 1 << 28 { throw QueryError("\(function)(): the result would be too large (\(count) characters)") }
        let p = Points(s)
        let n = p.count
        if Int64(n) >= count { return p.slice(0, Int(count)) }
        let need = Int(count) - n
        let padPoints = Array(pad.unicodeScalars)
        if padPoints.isEmpty { throw QueryError("\(function)(): insufficient padding (the padding string is empty)") }
        var fill = String.UnicodeScalarView()
        for k in 0..<need { fill.append(padPoints[k % padPoints.count]) }
        return left ? String(fill) + s : s + String(fill)
    }

    /// The pieces of `s` between occurrences of `sep`; an empty separator splits into code points.
    static func split(_ s: String, _ sep: String) -> [String] {
        if sep.isEmpty {
            if s.isEmpty { return [] }
            return s.unicodeScalars.map { String($0) }
        }
        let h = Array(s.utf8), f = Array(sep.utf8)
        var out: [String] = []
        var pos = 0
        while let at = find(h, f, from: pos) {
            out.append(String(decoding: h[pos..<at], as: UTF8.self))
            pos = at + f.count
        }
        out.append(String(decoding: h[pos...], as: UTF8.self))
        return out
    }

    /// `split_part(s, sep, k)`: the k-th piece (1-based; negative counts from the end; 0 or
    /// beyond the pieces: '').
    static func splitPart(_ s: String, _ sep: String, _ k: Int64) -> String {
        if sep.isEmpty || k == 0 {
            let parts = split(s, sep)
            let n = Int64(parts.count)
            if k > 0 && k <= n { return parts[Int(k - 1)] }
            if k < 0 && -k <= n { return parts[Int(n + k)] }
            return ""
        }
        // the pieces are found by scanning the bytes; only the one returned becomes a String
        var s = s, sep = sep
        return s.withUTF8 { h in sep.withUTF8 { f -> String in
            var target = k - 1
            if k < 0 {
                var pieces: Int64 = 1, pos = 0
                while let at = find(h, f, from: pos) { pieces += 1; pos = at + f.count }
                guard -k <= pieces else { return "" }
                target = pieces + k
            }
            var pos = 0
            var i: Int64 = 0
            while i < target {
                guard let at = find(h, f, from: pos) else { return "" }
                pos = at + f.count
                i += 1
            }
            let end = find(h, f, from: pos) ?? h.count
            return String(decoding: UnsafeBufferPointer(rebasing: h[pos..<end]), as: UTF8.self)
        } }
    }

    static func repeatString(_ s: String, _ k: Int64) throws(QueryError) -> String {
        if k <= 0 || s.isEmpty { return "" }
        let (total, o) = Int64(s.utf8.count).multipliedReportingOverflow(by: k)
        if o || total > 1 << 30 { throw QueryError("repeat(): the result would be too large (\(s.utf8.count) bytes × \(k))") }
        return String(repeating: s, count: Int(k))
    }

    /// MD5 of the UTF-8 bytes as 32 lowercase hex digits.
    static func md5Hex(_ s: String) -> String {
        let d = MD5.digest(Array(s.utf8))
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 32)
        for (i, b) in d.enumerated() { out[2 * i] = hex[Int(b >> 4)]; out[2 * i + 1] = hex[Int(b & 15)] }
        return String(decoding: out, as: UTF8.self)
    }
}

/// RFC 1321 MD5.
enum MD5 {
    static let s: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    static let k: [UInt32] = (0..<64).map { i in UInt32(truncatingIfNeeded: Int64(abs(sin(Double(i + 1))) * 4294967296.0)) }

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var a0: UInt32 = 0x67452301, b0: UInt32 = 0xefcdab89, c0: UInt32 = 0x98badcfe, d0: UInt32 = 0x10325476
        var msg = message
        let bitLen = UInt64(message.count) &* 8
        msg.append(0x80)
        while msg.count % 64 != 56 { msg.append(0) }
        for i in 0..<8 { msg.append(UInt8(truncatingIfNeeded: bitLen >> (8 * UInt64(i)))) }
        var m = [UInt32](repeating: 0, count: 16)
        for chunk in stride(from: 0, to: msg.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + 4 * i
                m[i] = UInt32(msg[j]) | UInt32(msg[j + 1]) << 8 | UInt32(msg[j + 2]) << 16 | UInt32(msg[j + 3]) << 24
            }
            var a = a0, b = b0, c = c0, d = d0
            for i in 0..<64 {
                var f: UInt32
                let g: Int
                switch i {
                case 0..<16: f = (b & c) | (~b & d); g = i
                case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
                case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
                default: f = c ^ (b | ~d); g = (7 * i) % 16
                }
                f = f &+ a &+ k[i] &+ m[g]
                a = d; d = c; c = b
                b = b &+ (f << s[i] | f >> (32 - s[i]))
            }
            a0 = a0 &+ a; b0 = b0 &+ b; c0 = c0 &+ c; d0 = d0 &+ d
        }
        var out: [UInt8] = []
        for w in [a0, b0, c0, d0] { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: w >> (8 * UInt32(i)))) } }
        return out
    }
}
