// NDJSON: scanning one line holding one flat JSON object into key/value spans.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Kind of a scanned JSON value.
public enum JSONValueKind: UInt8, Sendable, Equatable {
    /// A string; its value span is the decoded (unescaped) UTF-8 content.
    case string
    /// A number; its value span is the number text, validated against the JSON grammar.
    case number
    /// `true`.
    case `true`
    /// `false`.
    case `false`
    /// `null`.
    case null
}

/// One `"key": value` member of a scanned object. Use `JSONObjectBuffer.key(_:)` /
/// `value(_:)` to get the bytes.
public struct JSONMember: Sendable, Equatable {
    /// Key span start (into the line, or into the scratch area if `keyInScratch`).
    public var keyStart: Int32
    /// Key span end (exclusive).
    public var keyEnd: Int32
    /// Value span start (into the line, or into the scratch area if `valueInScratch`).
    public var valueStart: Int32
    /// Value span end (exclusive).
    public var valueEnd: Int32
    /// Value kind.
    public var kind: JSONValueKind
    /// Bit 0: key was unescaped into scratch; bit 1: value was unescaped into scratch.
    public var flags: UInt8

    public init(keyStart: Int32, keyEnd: Int32, valueStart: Int32, valueEnd: Int32, kind: JSONValueKind, flags: UInt8) {
        self.keyStart = keyStart
        self.keyEnd = keyEnd
        self.valueStart = valueStart
        self.valueEnd = valueEnd
        self.kind = kind
        self.flags = flags
    }

    /// The key contained escapes and was decoded into the scratch area.
    @inlinable public var keyInScratch: Bool { flags & 1 != 0 }
    /// The string value contained escapes and was decoded into the scratch area.
    @inlinable public var valueInScratch: Bool { flags & 2 != 0 }
}

/// A malformed NDJSON line.
///
/// `description`: `line 7, column 15: expected ':' after object key` (column = 1-based byte
/// column in the line), or for nested values `line 7: column user: nested objects are not
/// supported` / `... arrays are not supported`.
public struct JSONError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Failure classes.
    public enum Kind: Sendable, Equatable {
        /// The line is not valid JSON (or not one object).
        case syntax
        /// A member's value is a nested object or an array (`key` names the member).
        case nestedValue
    }

    /// 1-based physical line number.
    public let line: Int
    /// 1-based byte column of the offending byte within the line.
    public let column: Int
    /// The member key, for errors about a member's value kind (nesting); else `nil`.
    public let key: String?
    /// Reason.
    public let message: String

    public init(line: Int, column: Int, key: String?, message: String) {
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// What went wrong: a member's nested value when `key` is set, else a syntax error.
    public var kind: Kind { key == nil ? .syntax : .nestedValue }

    public var description: String {
        if let key { return "line \(line): column \(key): \(message)" }
        return "line \(line), column \(column): \(message)"
    }
}

/// Reusable output of `JSONLineScanner.scan`: the members of one object.
///
/// Spans point into the scanned line (which must stay alive) or into the buffer's scratch
/// area; both are valid until the next `scan` into this buffer. Capacity is reused.
/// Not thread-safe: one buffer per thread.
public final class JSONObjectBuffer: @unchecked Sendable {
    private var memberStorage: UnsafeMutablePointer<JSONMember>
    private var memberCapacity: Int
    /// Number of members of the last scanned object.
    public private(set) var memberCount = 0
    private var scratch: UnsafeMutableRawBufferPointer
    var scratchUsed = 0
    /// The line last scanned.
    public private(set) var lineBytes = UnsafeRawBufferPointer(start: nil, count: 0)
    /// Physical line number of the line last scanned.
    public private(set) var lineNumber = 0

    /// Creates a buffer.
    public init(memberCapacity: Int = 64, scratchCapacity: Int = 4096) {
        self.memberCapacity = max(memberCapacity, 4)
        memberStorage = .allocate(capacity: self.memberCapacity)
        scratch = .allocate(byteCount: max(scratchCapacity, 64), alignment: 16)
    }

    deinit {
        memberStorage.deallocate()
        scratch.deallocate()
        flatKeys.deallocate()
    }

    /// Members in source order (duplicate keys are kept as they appear).
    public var members: UnsafeBufferPointer<JSONMember> {
        UnsafeBufferPointer(start: memberStorage, count: memberCount)
    }

    /// The decoded UTF-8 key of `m`.
    @inlinable public func key(_ m: JSONMember) -> UnsafeRawBufferPointer {
        if m.flags & 4 != 0 {
            return UnsafeRawBufferPointer(start: flatKeyBase + Int(m.keyStart), count: Int(m.keyEnd - m.keyStart))
        }
        return span(m.keyStart, m.keyEnd, inScratch: m.keyInScratch)
    }

    /// The value bytes of `m`: decoded string content, number text, or the literal text.
    @inlinable public func value(_ m: JSONMember) -> UnsafeRawBufferPointer {
        span(m.valueStart, m.valueEnd, inScratch: m.valueInScratch)
    }

    @usableFromInline
    func span(_ s: Int32, _ e: Int32, inScratch: Bool) -> UnsafeRawBufferPointer {
        let base = inScratch ? UnsafeRawPointer(scratchBase) : lineBytes.baseAddress!
        return UnsafeRawBufferPointer(start: base + Int(s), count: Int(e - s))
    }

    @usableFromInline var scratchBase: UnsafeMutableRawPointer { scratch.baseAddress! }

    /// Keys of flattened members (`parent.child`), built by `scan(flatten: true)`.
    private var flatKeys: UnsafeMutableRawBufferPointer = .allocate(byteCount: 256, alignment: 16)
    var flatKeysUsed = 0
    @usableFromInline var flatKeyBase: UnsafeRawPointer { UnsafeRawPointer(flatKeys.baseAddress!) }

    /// Appends `prefix` (bytes of the flat-key area at `prefix`), `.`, then `key` to the
    /// flat-key area; returns its range there.
    func appendFlatKey(prefix: Range<Int>, key: UnsafeRawBufferPointer?) -> Range<Int> {
        let need = flatKeysUsed + prefix.count + 1 + (key?.count ?? 0)
        if need > flatKeys.count {
            let nb = UnsafeMutableRawBufferPointer.allocate(byteCount: max(need, flatKeys.count * 2), alignment: 16)
            nb.baseAddress!.copyMemory(from: flatKeys.baseAddress!, byteCount: flatKeysUsed)
            flatKeys.deallocate()
            flatKeys = nb
        }
        let b = flatKeys.baseAddress!
        let start = flatKeysUsed
        var o = start
        if !prefix.isEmpty {
            (b + o).copyMemory(from: b + prefix.lowerBound, byteCount: prefix.count)
            o += prefix.count
            if key != nil { b.storeBytes(of: 0x2E, toByteOffset: o, as: UInt8.self); o += 1 }
        }
        if let key, key.count > 0 {
            (b + o).copyMemory(from: key.baseAddress!, byteCount: key.count)
            o += key.count
        }
        flatKeysUsed = o
        return start..<o
    }

    func reset(line: UnsafeRawBufferPointer, lineNumber: Int) {
        memberCount = 0
        scratchUsed = 0
        flatKeysUsed = 0
        lineBytes = line
        self.lineNumber = lineNumber
        // Decoded text is never longer than the raw line, so one check avoids growth mid-scan.
        if scratch.count < line.count {
            scratch.deallocate()
            scratch = .allocate(byteCount: max(line.count, scratch.count * 2), alignment: 16)
        }
    }

    @inline(__always)
    func append(_ m: JSONMember) {
        if memberCount == memberCapacity {
            let nc = memberCapacity * 2
            let ns = UnsafeMutablePointer<JSONMember>.allocate(capacity: nc)
            ns.moveInitialize(from: memberStorage, count: memberCount)
            memberStorage.deallocate()
            memberStorage = ns
            memberCapacity = nc
        }
        memberStorage[memberCount] = m
        memberCount += 1
    }
}

/// Iterates the lines of a chunk piece (NDJSON), skipping empty lines (`\n` or `\r\n` alone).
///
/// Yields each line without its `\n` (a trailing `\r` is left in place; the scanner treats it
/// as whitespace) together with its physical line number.
public struct NDJSONLines {
    private let base: UnsafePointer<UInt8>?
    private var pos: Int
    private let end: Int
    private var line: Int

    /// Iterates `range` of `chunk`, whose first line is `firstLine`.
    public init(_ chunk: UnsafeRawBufferPointer, range: Range<Int>, firstLine: Int) {
        base = chunk.baseAddress?.assumingMemoryBound(to: UInt8.self)
        pos = range.lowerBound
        end = range.upperBound
        line = firstLine
    }

    /// Physical line number of the next unread byte.
    public var currentLine: Int { line }

    /// The next non-empty line and its line number, or `nil` at the end of the range.
    public mutating func next() -> (bytes: UnsafeRawBufferPointer, line: Int)? {
        guard let base else { return nil }
        while pos < end {
            let start = pos
            let lineNo = line
            let rest = end - start
            let hit = memchr(base + start, 0x0A, rest)
            let stop: Int
            if let hit {
                stop = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                pos = stop + 1
                line += 1
            } else {
                stop = end
                pos = end
            }
            let len = stop - start
            if len == 0 || (len == 1 && base[start] == 0x0D) { continue }
            return (UnsafeRawBufferPointer(start: base + start, count: len), lineNo)
        }
        return nil
    }
}

/// Scanner for one NDJSON line holding one flat JSON object.
///
/// Accepts `{}` and objects whose values are strings, numbers, `true`, `false` or `null`.
/// Strings are decoded (`\" \\ \/ \b \f \n \r \t \uXXXX`, surrogate pairs combined into one
/// UTF-8 sequence; unpaired surrogates and raw control characters are errors). Numbers are
/// validated against the JSON grammar and returned as text. Nested objects and arrays are
/// refused with `column <key>: nested objects are not supported` / `arrays are not supported`.
/// Input bytes are otherwise passed through unvalidated (UTF-8 validity is not checked).
public enum JSONLineScanner {
    /// Scans `line` (without its `\n`) into `out`.
    ///
    /// With `flatten`, nested objects are not refused: their members become members named
    /// `parent.child` (any depth: `a.b.c`; an empty nested object adds nothing), and an
    /// array value is kept as its JSON text (a `.string` member spanning the array as written).
    ///
    /// - Returns: `false` for a blank line (only whitespace) — no object; `true` otherwise.
    /// - Throws: `JSONError` with the line number and 1-based byte column.
    @discardableResult
    public static func scan(_ line: UnsafeRawBufferPointer, lineNumber: Int, into out: JSONObjectBuffer,
                            flatten: Bool = false) throws(JSONError) -> Bool {
        out.reset(line: line, lineNumber: lineNumber)
        guard let raw = line.baseAddress, line.count > 0 else { return false }
        var c = JSONCursor(p: raw.assumingMemoryBound(to: UInt8.self), n: line.count,
                           scratch: out.scratchBase.assumingMemoryBound(to: UInt8.self),
                           scratchUsed: 0, lineNumber: lineNumber)
        c.flatten = flatten
        let found = try c.parseObject(into: out)
        out.scratchUsed = c.scratchUsed
        return found
    }
}

/// Parser state for one line. A value type with inlined methods so the hot loop keeps the
/// cursor in registers (no captured-variable boxes, no allocation).
struct JSONCursor {
    let p: UnsafePointer<UInt8>
    let n: Int
    let scratch: UnsafeMutablePointer<UInt8>
    var scratchUsed: Int
    let lineNumber: Int
    var i = 0
    var flatten = false

    init(p: UnsafePointer<UInt8>, n: Int, scratch: UnsafeMutablePointer<UInt8>, scratchUsed: Int, lineNumber: Int) {
        self.p = p
        self.n = n
        self.scratch = scratch
        self.scratchUsed = scratchUsed
        self.lineNumber = lineNumber
    }

    @inline(never)
    func fail(_ at: Int, _ message: String) -> JSONError {
        JSONError(line: lineNumber, column: at + 1, key: nil, message: message)
    }

    @inline(__always)
    mutating func skipWS() {
        while i < n {
            let c = p[i]
            if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A { i += 1 } else { break }
        }
    }

    @inline(__always)
    func isDigit(_ at: Int) -> Bool { at < n && p[at] &- 0x30 < 10 }

    func hex(_ at: Int) throws(JSONError) -> UInt32 {
        guard at + 4 <= n else { throw fail(at - 2, "invalid \\u escape") }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = p[at + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail(at - 2, "invalid \\u escape")
            }
            v = v << 4 | d
        }
        return v
    }

    /// Parses a string whose opening quote is at `i`; returns (start, end, inScratch).
    @inline(__always)
    mutating func parseString() throws(JSONError) -> (Int, Int, Bool) {
        let open = i
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < n {
            let c = p[i]
            if c == 0x22 { let e = i; i += 1; return (start, e, false) }
            if c == 0x5C || c < 0x20 { break }
            i += 1
        }
        if i >= n { throw fail(open, "unterminated string") }
        return try parseEscapedString(open: open, start: start)
    }

    /// Slow path: copies the prefix, then decodes escapes into scratch.
    @inline(never)
    mutating func parseEscapedString(open: Int, start: Int) throws(JSONError) -> (Int, Int, Bool) {
        let sStart = scratchUsed
        var o = sStart
        let prefix = i - start
        if prefix > 0 { (scratch + o).update(from: p + start, count: prefix); o += prefix }
        while i < n {
            let c = p[i]
            if c == 0x22 {
                i += 1
                scratchUsed = o
                return (sStart, o, true)
            }
            if c < 0x20 { throw fail(i, "control character in string") }
            if c != 0x5C { scratch[o] = c; o += 1; i += 1; continue }
            guard i + 1 < n else { break }
            let e = p[i + 1]
            switch e {
            case 0x22, 0x5C, 0x2F: scratch[o] = e; o += 1; i += 2
            case 0x62: scratch[o] = 0x08; o += 1; i += 2
            case 0x66: scratch[o] = 0x0C; o += 1; i += 2
            case 0x6E: scratch[o] = 0x0A; o += 1; i += 2
            case 0x72: scratch[o] = 0x0D; o += 1; i += 2
            case 0x74: scratch[o] = 0x09; o += 1; i += 2
            case 0x75:
                let escAt = i
                var cp = try hex(i + 2)
                i += 6
                if cp >= 0xD800 && cp <= 0xDBFF {
                    guard i + 6 <= n, p[i] == 0x5C, p[i + 1] == 0x75 else {
                        throw fail(escAt, "unpaired surrogate in \\u escape")
                    }
                    let lo = try hex(i + 2)
                    guard lo >= 0xDC00 && lo <= 0xDFFF else { throw fail(escAt, "unpaired surrogate in \\u escape") }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    i += 6
                } else if cp >= 0xDC00 && cp <= 0xDFFF {
                    throw fail(escAt, "unpaired surrogate in \\u escape")
                }
                // UTF-8 encode (never longer than the escape text consumed).
                if cp < 0x80 {
                    scratch[o] = UInt8(cp); o += 1
                } else if cp < 0x800 {
                    scratch[o] = UInt8(0xC0 | cp >> 6); scratch[o + 1] = UInt8(0x80 | cp & 0x3F); o += 2
                } else if cp < 0x10000 {
                    scratch[o] = UInt8(0xE0 | cp >> 12); scratch[o + 1] = UInt8(0x80 | (cp >> 6) & 0x3F)
                    scratch[o + 2] = UInt8(0x80 | cp & 0x3F); o += 3
                } else {
                    scratch[o] = UInt8(0xF0 | cp >> 18); scratch[o + 1] = UInt8(0x80 | (cp >> 12) & 0x3F)
                    scratch[o + 2] = UInt8(0x80 | (cp >> 6) & 0x3F); scratch[o + 3] = UInt8(0x80 | cp & 0x3F)
                    o += 4
                }
            default:
                throw fail(i, "invalid escape sequence")
            }
        }
        throw fail(open, "unterminated string")
    }

    func keyString(_ s: Int, _ e: Int, _ inScratch: Bool) -> String {
        let base = inScratch ? UnsafePointer(scratch) : p
        return String(decoding: UnsafeBufferPointer(start: base + s, count: e - s), as: UTF8.self)
    }

    /// Validates a JSON number starting at `i`; returns its start.
    @inline(__always)
    mutating func parseNumber() throws(JSONError) -> Int {
        let s = i
        if p[i] == 0x2D { i += 1 }
        guard isDigit(i) else { throw fail(s, "invalid number") }
        if p[i] == 0x30 { i += 1 } else { while isDigit(i) { i += 1 } }
        if i < n && p[i] == 0x2E {
            i += 1
            guard isDigit(i) else { throw fail(s, "invalid number") }
            while isDigit(i) { i += 1 }
        }
        if i < n && (p[i] == 0x65 || p[i] == 0x45) {
            i += 1
            if i < n && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
            guard isDigit(i) else { throw fail(s, "invalid number") }
            while isDigit(i) { i += 1 }
        }
        // A number must be followed by a separator, not e.g. `12abc` or `012`.
        if i < n {
            let t = p[i]
            if !(t == 0x2C || t == 0x7D || t == 0x20 || t == 0x09 || t == 0x0D) {
                throw fail(s, "invalid number")
            }
        }
        return s
    }

    /// Matches the literal `word` at `i`.
    @inline(__always)
    mutating func literal(_ w0: UInt8, _ w1: UInt8, _ w2: UInt8, _ w3: UInt8, _ w4: UInt8?) -> Bool {
        let len = w4 == nil ? 4 : 5
        guard i + len <= n, p[i] == w0, p[i + 1] == w1, p[i + 2] == w2, p[i + 3] == w3 else { return false }
        if let w4, p[i + 4] != w4 { return false }
        i += len
        return true
    }

    mutating func parseObject(into out: JSONObjectBuffer) throws(JSONError) -> Bool {
        skipWS()
        if i == n { return false }
        guard p[i] == 0x7B else { throw fail(i, "expected '{' at start of object") }
        try parseMembers(into: out, prefix: nil)
        skipWS()
        if i < n { throw fail(i, "unexpected character after object") }
        return true
    }

    /// Skips a JSON array starting at `i` (nested arrays, objects and strings included).
    mutating func skipArray() throws(JSONError) {
        let open = i
        var depth = 0
        while i < n {
            let c = p[i]
            if c == 0x22 {
                _ = try parseString()
                continue
            }
            if c == 0x5B || c == 0x7B { depth += 1 } else if c == 0x5D || c == 0x7D {
                depth -= 1
                if depth == 0 { i += 1; return }
            }
            i += 1
        }
        throw fail(open, "unterminated array")
    }

    /// Parses the members of the object whose `{` is at `i`, up to and including its `}`;
    /// with `prefix` (a range of the flat-key area) member keys become `prefix.key`.
    mutating func parseMembers(into out: JSONObjectBuffer, prefix: Range<Int>?) throws(JSONError) {
        i += 1
        skipWS()
        if i < n && p[i] == 0x7D {
            i += 1
        } else {
            members: while true {
                guard i < n else { throw fail(i, "unexpected end of line, expected '\"' to start object key") }
                guard p[i] == 0x22 else { throw fail(i, "expected '\"' to start object key") }
                let (ks, ke, kScratch) = try parseString()
                skipWS()
                guard i < n && p[i] == 0x3A else { throw fail(i, "expected ':' after object key") }
                i += 1
                skipWS()
                guard i < n else { throw fail(i, "unexpected end of line, expected a value") }
                let c = p[i]
                var member = JSONMember(keyStart: Int32(truncatingIfNeeded: ks), keyEnd: Int32(truncatingIfNeeded: ke),
                                        valueStart: 0, valueEnd: 0, kind: .null, flags: kScratch ? 1 : 0)
                switch c {
                case 0x22:
                    let (vs, ve, vScratch) = try parseString()
                    member.valueStart = Int32(truncatingIfNeeded: vs)
                    member.valueEnd = Int32(truncatingIfNeeded: ve)
                    member.kind = .string
                    if vScratch { member.flags |= 2 }
                case 0x2D, 0x30...0x39:
                    let s = try parseNumber()
                    member.valueStart = Int32(truncatingIfNeeded: s)
                    member.valueEnd = Int32(truncatingIfNeeded: i)
                    member.kind = .number
                case 0x74, 0x66, 0x6E:
                    let s = i
                    let ok: Bool
                    if c == 0x74 {
                        ok = literal(0x74, 0x72, 0x75, 0x65, nil); member.kind = .true
                    } else if c == 0x66 {
                        ok = literal(0x66, 0x61, 0x6C, 0x73, 0x65); member.kind = .false
                    } else {
                        ok = literal(0x6E, 0x75, 0x6C, 0x6C, nil); member.kind = .null
                    }
                    guard ok else { throw fail(s, "invalid literal, expected a value") }
                    member.valueStart = Int32(truncatingIfNeeded: s)
                    member.valueEnd = Int32(truncatingIfNeeded: i)
                case 0x7B:
                    guard flatten else {
                        throw JSONError(line: lineNumber, column: i + 1, key: keyString(ks, ke, kScratch),
                                        message: "nested objects are not supported")
                    }
                    let k = UnsafeRawBufferPointer(start: (kScratch ? UnsafePointer(scratch) : p) + ks, count: ke - ks)
                    let name = out.appendFlatKey(prefix: prefix ?? 0..<0, key: k)
                    try parseMembers(into: out, prefix: name)
                    skipWS()
                    guard i < n else { throw fail(i, "unexpected end of line, expected ',' or '}'") }
                    if p[i] == 0x2C { i += 1; skipWS(); continue members }
                    if p[i] == 0x7D { i += 1; break members }
                    throw fail(i, "expected ',' or '}' after object member")
                case 0x5B:
                    guard flatten else {
                        throw JSONError(line: lineNumber, column: i + 1, key: keyString(ks, ke, kScratch),
                                        message: "arrays are not supported")
                    }
                    let s = i
                    try skipArray()
                    member.valueStart = Int32(truncatingIfNeeded: s)
                    member.valueEnd = Int32(truncatingIfNeeded: i)
                    member.kind = .string
                default:
                    throw fail(i, "unexpected character, expected a value")
                }
                if let prefix {
                    let k = UnsafeRawBufferPointer(start: (kScratch ? UnsafePointer(scratch) : p) + ks, count: ke - ks)
                    let r = out.appendFlatKey(prefix: prefix, key: k)
                    member.keyStart = Int32(truncatingIfNeeded: r.lowerBound)
                    member.keyEnd = Int32(truncatingIfNeeded: r.upperBound)
                    member.flags = (member.flags & ~1) | 4
                }
                out.append(member)
                skipWS()
                guard i < n else { throw fail(i, "unexpected end of line, expected ',' or '}'") }
                if p[i] == 0x2C { i += 1; skipWS(); continue members }
                if p[i] == 0x7D { i += 1; break members }
                throw fail(i, "expected ',' or '}' after object member")
            }
        }
    }
}
