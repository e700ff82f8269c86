import StrataCore
import Foundation
import StrataText

public enum BOp: Sendable {
    case add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, concat
    /// `//`: truncating division of integers, division of doubles; a zero divisor is an error
    case intDiv

    /// For comparisons: whether the operator holds given a three-way comparison result.
    @inline(__always) func holds(_ c: Int) -> Bool {
        switch self {
        case .eq: return c == 0
        case .ne: return c != 0
        case .lt: return c < 0
        case .le: return c <= 0
        case .gt: return c > 0
        default: return c >= 0
        }
    }
}

public enum TimeField: String, Sendable {
    case year, quarter, month, week, day, dow, isodow, doy, hour, minute, second, epoch, millisecond, microsecond
}

/// Scalar functions the engine implements (resolved by name in the binder).
public enum ScalarFn: Sendable {
    case abs, round(digits: Int), floor, ceil, coalesce, nullif
    case dateTrunc(Civil.Unit), startOfWeekSunday, extract(TimeField), toDate, now(Int64)
    case greatest, least
    /// `CAST(x AS INTEGER)`: a cast to BIGINT whose values must fit in 32 bits.
    case castInteger
    /// `TRY_CAST(x AS type)`: as CAST, but a value that does not convert is NULL (`int32`: the
    /// type is INTEGER).
    case tryCast(DataType, int32: Bool)
    /// A string, regex or URL function (Functions/StringFunctions.swift).
    case string(StringFn)
    /// Date/time functions of Functions/TimeFunctions.swift.
    case time(TimeFn)
}

/// A string predicate evaluated once per dictionary entry, cached per dictionary.
public final class StringPredicate: @unchecked Sendable {
    public let test: @Sendable (UnsafeBufferPointer<UInt8>) -> Bool
    private let lock = NSLock()
    /// Keyed by dictionary identity; the entry keeps the dictionary alive so its identity
    /// cannot be reused by another dictionary while cached.
    private var cache: [ObjectIdentifier: (DictRef, [UInt8])] = [:]

    /// Membership in a set of strings (negated: non-membership), also answerable on the key
    /// words of hex dictionaries without expanding them to text.
    private var members: Set<Int64>?
    private(set) var negated = false
    /// The strings of a membership predicate (for pruning ranges and EXPLAIN).
    private(set) var memberStrings: Set<[UInt8]>?
    /// How EXPLAIN shows the predicate after its input, e.g. `LIKE 'a%'`.
    var text = "matches a string predicate"

    public init(_ test: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Bool) { self.test = test }

    /// `x IN (strings)`, or `x NOT IN (strings)` when negated.
    public static func membership(_ strings: Set<[UInt8]>, negated: Bool = false) -> StringPredicate {
        let p = StringPredicate { s in strings.contains(Array(s)) != negated }
        p.members = Set(strings.compactMap(StringPredicate.hexWord))
        p.negated = negated
        p.memberStrings = strings
        let list = strings.map { ExprText.quoted(String(decoding: $0, as: UTF8.self)) }.sorted()
        p.text = list.count == 1 ? (negated ? "<> " : "= ") + list[0] : (negated ? "NOT IN (" : "IN (") + list.joined(separator: ", ") + ")"
        return p
    }

    /// The key word of a 16-hex-digit lowercase id (the form hex dictionaries hold), else nil.
    static func hexWord(_ s: [UInt8]) -> Int64? {
        guard s.count == 16 else { return nil }
        var x: UInt64 = 0
        for c in s {
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            x = x << 4 | UInt64(d)
        }
        return Int64(bitPattern: x)
    }

    func table(for d: DictRef) -> [UInt8] {
        let key = ObjectIdentifier(d)
        lock.lock()
        if let t = cache[key] { lock.unlock(); return t.1 }
        lock.unlock()
        var t = [UInt8](repeating: 0, count: d.count)
        if let hw = d.hexWords, let members {
            // every entry of a hex dictionary is a 16-hex-digit id: compare words
            for i in 0..<d.count { t[i] = members.contains(hw[i]) != negated ? 1 : 0 }
        } else {
            let dd = d.dict
            for i in 0..<d.count { t[i] = dd.withEntry(i) { test($0) } ? 1 : 0 }
        }
        lock.lock()
        if cache.count > 4096 { cache.removeAll() }
        cache[key] = (d, t)
        lock.unlock()
        return t
    }
}

/// A bound (resolved, typed) expression over the slots of a batch.
public indirect enum BExpr: Sendable {
    case column(Int, DataType)
    case literal(Value, DataType)
    case negate(BExpr)
    case binary(BOp, BExpr, BExpr, DataType)
    case and([BExpr])
    case or([BExpr])
    case not(BExpr)
    case isNull(BExpr, negated: Bool)
    case inList(BExpr, [Value], negated: Bool)
    /// String predicate on a VARCHAR input (LIKE, =/IN on strings), cached per dictionary.
    case stringPredicate(BExpr, StringPredicate)
    case caseWhen([(BExpr, BExpr)], BExpr?, DataType)
    case cast(BExpr, DataType)
    case call(ScalarFn, [BExpr], DataType)
    case timeAddInterval(BExpr, months: Int64, micros: Int64, DataType)

    public var type: DataType {
        switch self {
        case .column(_, let t), .literal(_, let t), .binary(_, _, _, let t), .caseWhen(_, _, let t), .cast(_, let t),
             .call(_, _, let t), .timeAddInterval(_, _, _, let t):
            return t
        case .negate(let e): return e.type
        case .and, .or, .not, .isNull, .inList, .stringPredicate: return .boolean
        }
    }

    /// Input slots referenced by the expression.
    public func collectColumns(into s: inout Set<Int>) {
        switch self {
        case .column(let i, _): s.insert(i)
        case .literal: break
        case .negate(let e), .not(let e), .isNull(let e, _), .inList(let e, _, _), .stringPredicate(let e, _), .cast(let e, _),
             .timeAddInterval(let e, _, _, _):
            e.collectColumns(into: &s)
        case .binary(_, let a, let b, _): a.collectColumns(into: &s); b.collectColumns(into: &s)
        case .and(let es), .or(let es), .call(_, let es, _): for e in es { e.collectColumns(into: &s) }
        case .caseWhen(let ws, let e, _):
            for (c, v) in ws { c.collectColumns(into: &s); v.collectColumns(into: &s) }
            e?.collectColumns(into: &s)
        }
    }

    public var isConstant: Bool {
        var s = Set<Int>()
        collectColumns(into: &s)
        if case .call(.now, _, _) = self { return true }
        return s.isEmpty
    }
}

/// LIKE pattern matching on UTF-8 bytes (`%` any sequence, `_` one character, `\` escape).
public struct LikePattern: Sendable {
    enum Kind { case exact([UInt8]), prefix([UInt8]), suffix([UInt8]), contains([UInt8]), general([UInt8]) }
    let kind: Kind
    let caseInsensitive: Bool

    public init(_ pattern: String, caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        var p = Array((caseInsensitive ? pattern.lowercased() : pattern).utf8)
        let special = p.contains(95) || p.contains(92)  // '_' or '\'
        let pct = p.filter { $0 == 37 }.count
        if special {
            kind = .general(p)
        } else if pct == 0 {
            kind = .exact(p)
        } else if pct == 1 && p.last == 37 {
            p.removeLast(); kind = .prefix(p)
        } else if pct == 1 && p.first == 37 {
            p.removeFirst(); kind = .suffix(p)
        } else if pct == 2 && p.first == 37 && p.last == 37 && p.count >= 2 {
            kind = .contains(Array(p[1..<(p.count - 1)]))
        } else {
            kind = .general(p)
        }
    }

    public func matches(_ s0: UnsafeBufferPointer<UInt8>) -> Bool {
        if caseInsensitive {
            let lowered = Array(String(decoding: s0, as: UTF8.self).lowercased().utf8)
            return lowered.withUnsafeBufferPointer { match($0) }
        }
        return match(s0)
    }

    func match(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        switch kind {
        case .exact(let p): return s.elementsEqual(p)
        case .prefix(let p): return s.count >= p.count && s.prefix(p.count).elementsEqual(p)
        case .suffix(let p): return s.count >= p.count && s.suffix(p.count).elementsEqual(p)
        case .contains(let p):
            if p.isEmpty { return true }
            if s.count < p.count { return false }
            let first = p[0]
            var i = 0
            while i <= s.count - p.count {
                if s[i] == first {
                    var j = 1
                    while j < p.count && s[i + j] == p[j] { j += 1 }
                    if j == p.count { return true }
                }
                i += 1
            }
            return false
        case .general(let p): return LikePattern.general(Array(s), 0, p, 0)
        }
    }

    static func general(_ s: [UInt8], _ si0: Int, _ p: [UInt8], _ pi0: Int) -> Bool {
        var si = si0, pi = pi0
        var starP = -1, starS = -1
        while si < s.count {
            if pi < p.count && p[pi] == 92 && pi + 1 < p.count {  // escaped literal
                if s[si] == p[pi + 1] { si += 1; pi += 2; continue }
            } else if pi < p.count && p[pi] == 95 {  // '_' = one UTF-8 character
                si += 1
                while si < s.count && s[si] & 0xC0 == 0x80 { si += 1 }
                pi += 1
                continue
            } else if pi < p.count && p[pi] == 37 {
                starP = pi; starS = si; pi += 1
                continue
            } else if pi < p.count && p[pi] == s[si] {
                si += 1; pi += 1
                continue
            }
            if starP >= 0 {
                starS += 1
                si = starS
                pi = starP + 1
                continue
            }
            return false
        }
        while pi < p.count && p[pi] == 37 { pi += 1 }
        return pi == p.count
    }
}
