import CRE2Shim
import Foundation

/// A compiled RE2 regular expression (linear-time matching over UTF-8 bytes), compiled once
/// per statement at bind time and shared by every thread (RE2 objects are thread-safe for
/// matching).
final class RegexPattern: @unchecked Sendable {
    let re: OpaquePointer
    let pattern: String
    /// Capturing groups + 1 (the whole match).
    let slots: Int

    struct Options: Sendable, Equatable {
        var caseInsensitive = false
        var literal = false
        var dotNewline = false
        var neverNewline = false
    }

    /// Compiles `pattern`; a bad pattern is an error naming it and RE2's message.
    init(_ pattern: String, _ options: Options = Options(), function: String) throws(QueryError) {
        self.pattern = pattern
        var err: UnsafeMutablePointer<CChar>? = nil
        var bytes = Array(pattern.utf8)
        if bytes.isEmpty { bytes = [0] }
        let r = bytes.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { c in
                strata_re2_new(c, pattern.utf8.count, options.caseInsensitive ? 1 : 0, options.literal ? 1 : 0,
                               options.dotNewline ? 1 : 0, options.neverNewline ? 1 : 0, &err)
            }
        }
        guard let r else {
            let msg = err.map { String(cString: $0) } ?? "invalid pattern"
            free(err)
            throw QueryError("\(function)(): invalid regular expression '\(pattern)': \(msg)")
        }
        re = r
        slots = Int(strata_re2_groups(r)) + 1
    }

    deinit { strata_re2_free(re) }

    /// DuckDB's option letters: c (case-sensitive), i (case-insensitive), l (literal), m/n/p
    /// (newline-sensitive), s (not newline-sensitive), g (global; replace only).
    static func parseOptions(_ s: String, allowGlobal: Bool, function: String) throws(QueryError) -> (Options, global: Bool) {
        var o = Options()
        var global = false
        for c in s {
            switch c {
            case "c": o.caseInsensitive = false
            case "i": o.caseInsensitive = true
            case "l": o.literal = true
            case "m", "n", "p": o.dotNewline = false; o.neverNewline = false
            case "s": o.dotNewline = true
            case "g" where allowGlobal: global = true
            default: throw QueryError("\(function)(): unrecognized regex option '\(c)' in '\(s)'")
            }
        }
        return (o, global)
    }

    @inline(__always) func withBytes<R>(_ s: UnsafeBufferPointer<UInt8>, _ body: (UnsafePointer<CChar>?, Int) -> R) -> R {
        guard let b = s.baseAddress else { return body(nil, 0) }
        return b.withMemoryRebound(to: CChar.self, capacity: s.count) { body($0, s.count) }
    }

    /// The pattern matches somewhere in `s` (`full`: all of `s`).
    func matches(_ s: UnsafeBufferPointer<UInt8>, full: Bool = false) -> Bool {
        withBytes(s) { p, n in strata_re2_match(re, p, n, full ? 1 : 0) != 0 }
    }

    func matches(_ s: String, full: Bool = false) -> Bool {
        var s = s
        return s.withUTF8 { matches($0, full: full) }
    }

    /// Byte ranges of group `group` in the first match at or after `from` (the whole match for
    /// group 0), or nil when there is no match; a group that did not take part is an empty
    /// range at 0.
    func find(_ s: UnsafeBufferPointer<UInt8>, from: Int = 0) -> [Range<Int>]? {
        var offs = [Int64](repeating: -1, count: 2 * slots)
        let ok = withBytes(s) { p, n in offs.withUnsafeMutableBufferPointer { strata_re2_find(re, p, n, from, $0.baseAddress, Int32(slots)) } }
        guard ok != 0 else { return nil }
        return (0..<slots).map { i in offs[2 * i] < 0 ? 0..<0 : Int(offs[2 * i])..<Int(offs[2 * i + 1]) }
    }

    /// `regexp_extract`: group `group` of the first match, "" when there is none (or the group
    /// does not exist).
    func extract(_ s: String, group: Int) -> String {
        var s = s
        return s.withUTF8 { b in
            guard group >= 0, group < slots, let r = find(b)?[group] else { return "" }
            return String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
        }
    }

    /// `regexp_replace`: the first match (global: every match) replaced by `rewrite`.
    func replace(_ s: String, _ rewrite: String, global: Bool) -> String {
        var s = s, rw = rewrite
        return s.withUTF8 { b in rw.withUTF8 { r in
            var outLen = 0
            let out = withBytes(b) { p, n in
                withBytes(r) { rp, rn in strata_re2_replace(re, p, n, rp, rn, global ? 1 : 0, &outLen) }
            }
            guard let out else { return String(decoding: b, as: UTF8.self) }
            defer { free(out) }
            return out.withMemoryRebound(to: UInt8.self, capacity: outLen) {
                String(decoding: UnsafeBufferPointer(start: $0, count: outLen), as: UTF8.self)
            }
        } }
    }

    /// `regexp_split_to_array` as DuckDB: the pieces between matches; an empty match takes the
    /// next character into the piece, and one at the very end adds nothing.
    func split(_ s: String) -> [String] {
        var s = s
        return s.withUTF8 { b in
            var out: [String] = []
            var start = 0
            func piece(_ r: Range<Int>) { out.append(String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)) }
            while true {
                guard let m = find(b, from: start)?[0] else { piece(start..<b.count); break }
                if m.isEmpty {
                    if m.lowerBound >= b.count { break }
                    var next = m.lowerBound + 1
                    while next < b.count && b[next] & 0xC0 == 0x80 { next += 1 }
                    piece(start..<next)
                    start = next
                } else {
                    piece(start..<m.lowerBound)
                    start = m.upperBound
                }
            }
            return out
        }
    }
}
