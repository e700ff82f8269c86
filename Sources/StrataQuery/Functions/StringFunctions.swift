import Foundation
import StrataCore

// String, regular-expression and URL scalar functions (issue 16): binding (names, arity,
// argument types, constant patterns compiled once) and evaluation. A call whose first argument
// is a dictionary-coded VARCHAR and whose other arguments are constants runs once per
// dictionary entry (cached per dictionary, like `StringPredicate`): the result is a new
// dictionary over the same codes, or a table of numbers indexed by code. Boolean functions
// with constant arguments (starts_with, contains, regexp_matches …) bind to a
// `StringPredicate`, so WHERE answers them with one table lookup per row.

/// One string/regex/URL function with its constant arguments resolved at bind time.
public final class StringFn: @unchecked Sendable, CustomStringConvertible {
    enum URLPart { case host, hostRFC, hostWithoutWWW, topLevelDomain, scheme, path, pathFull, queryString, fragment,
                   cutQueryString, cutFragment, cutQueryStringAndFragment }

    enum Op {
        case length, strlen, lower, upper, substring, left, right, strpos, replace(first: Bool), trim(StringKernels.TrimSide)
        case lpad, rpad, splitPart, reverse, repeatString, concat, concatWS, md5
        /// DuckDB's `hash` (its 64 bits as a BIGINT; DuckDB's type is UBIGINT)
        case hash
        case startsWith, endsWith, contains
        /// `pattern`: compiled at bind time when constant (else per distinct pattern at run time).
        case regexpMatches(full: Bool), regexpExtract, regexpReplace(global: Bool)
        case url(URLPart), urlParameter
        /// LIST(VARCHAR) results; LIST arguments (Functions/Lists.swift)
        case split, regexpSplit, listLength, listExtract, listValue
        /// LIST keys for GROUP BY / ORDER BY / DISTINCT (Functions/ListKeys.swift)
        case listKey, listFromKey
    }

    let name: String
    let op: Op
    let type: DataType
    /// A constant pattern compiled at bind time.
    let regex: RegexPattern?
    let regexOptions: RegexPattern.Options
    private let lock = NSLock()
    private var dictCache: [ObjectIdentifier: (DictRef, EntryResult)] = [:]
    private var patternCache: [String: RegexPattern] = [:]

    init(_ name: String, _ op: Op, _ type: DataType, regex: RegexPattern? = nil, regexOptions: RegexPattern.Options = .init()) {
        self.name = name
        self.op = op
        self.type = type
        self.regex = regex
        self.regexOptions = regexOptions
    }

    public var description: String { name }

    /// The result of the function for every entry of one dictionary.
    struct EntryResult {
        var dict: DictRef?
        var pool: ListPool?
        var ints: [Int64] = []
        var valid: [UInt8]?
    }

    enum Arg {
        case null, s(String), i(Int64), d(Double)
        var str: String { if case .s(let x) = self { return x } else { return "" } }
        var int: Int64 { if case .i(let x) = self { return x } else { return 0 } }
        var isNull: Bool { if case .null = self { return true } else { return false } }
    }

    enum Out { case null, s(String), i(Int64), b(Bool), l([String]) }

    func pattern(_ p: String) throws(QueryError) -> RegexPattern {
        if let regex { return regex }
        lock.lock()
        if let r = patternCache[p] { lock.unlock(); return r }
        lock.unlock()
        let r = try RegexPattern(p, regexOptions, function: name)
        lock.lock()
        if patternCache.count > 1024 { patternCache.removeAll() }
        patternCache[p] = r
        lock.unlock()
        return r
    }

    /// The function on one row of arguments.
    func apply(_ a: [Arg]) throws(QueryError) -> Out {
        switch op {
        case .concat:
            var s = ""
            for x in a { if case .s(let t) = x { s += t } }
            return .s(s)
        case .hash:
            switch a[0] {
            case .null: return .i(Int64(bitPattern: DuckHash.null))
            case .s(let x): var t = x; return .i(Int64(bitPattern: t.withUTF8 { DuckHash.bytes($0) }))
            case .i(let x): return .i(Int64(bitPattern: DuckHash.murmur(UInt64(bitPattern: x))))
            case .d(let x): return .i(Int64(bitPattern: DuckHash.double(x)))
            }
        case .split:
            // a NULL separator does not split (as DuckDB)
            guard case .s(let x) = a[0] else { return .null }
            guard case .s(let sep) = a[1] else { return .l([x]) }
            return .l(StringKernels.split(x, sep))
        case .concatWS:
            guard case .s(let sep) = a[0] else { return .null }
            return .s(a.dropFirst().compactMap { if case .s(let t) = $0 { return t } else { return nil } }.joined(separator: sep))
        default: break
        }
        if a.contains(where: \.isNull) { return .null }
        let s = a[0].str
        func bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            var t = s
            return t.withUTF8 { body($0) }
        }
        func part(_ f: (UnsafeBufferPointer<UInt8>) -> Range<Int>) -> Out {
            bytes { b in .s(String(decoding: UnsafeBufferPointer(rebasing: b[f(b)]), as: UTF8.self)) }
        }
        switch op {
        case .length: return .i(Int64(StringKernels.codePointCount(s)))
        case .strlen: return .i(Int64(s.utf8.count))
        case .lower: return .s(s.lowercased())
        case .upper: return .s(s.uppercased())
        case .substring: return .s(try StringKernels.substring(s, a[1].int, a.count > 2 ? a[2].int : nil))
        case .left: return .s(StringKernels.left(s, a[1].int))
        case .right: return .s(StringKernels.right(s, a[1].int))
        case .strpos: return .i(StringKernels.strpos(s, a[1].str))
        case .replace(let first): return .s(StringKernels.replace(s, a[1].str, a[2].str, first: first))
        case .trim(let side): return .s(StringKernels.trim(s, a.count > 1 ? a[1].str : nil, side))
        case .lpad, .rpad:
            let isLeft: Bool
            if case .lpad = op { isLeft = true } else { isLeft = false }
            return .s(try StringKernels.pad(s, a[1].int, a.count > 2 ? a[2].str : " ", left: isLeft, function: name))
        case .splitPart: return .s(StringKernels.splitPart(s, a[1].str, a[2].int))
        case .reverse: return .s(String(s.reversed()))
        case .repeatString: return .s(try StringKernels.repeatString(s, a[1].int))
        case .md5: return .s(StringKernels.md5Hex(s))
        case .startsWith: let p = Array(a[1].str.utf8); return .b(bytes { StringKernels.startsWith($0, p) })
        case .endsWith: let p = Array(a[1].str.utf8); return .b(bytes { StringKernels.endsWith($0, p) })
        case .contains: let p = Array(a[1].str.utf8); return .b(bytes { StringKernels.contains($0, p) })
        case .regexpMatches(let full):
            let re = try pattern(a[1].str)
            return .b(bytes { re.matches($0, full: full) })
        case .regexpExtract:
            let re = try pattern(a[1].str)
            return .s(re.extract(s, group: a.count > 2 ? Int(clamping: a[2].int) : 0))
        case .regexpReplace(let global):
            let re = try pattern(a[1].str)
            return .s(re.replace(s, a[2].str, global: global))
        case .url(let p):
            switch p {
            case .host: return part(URLKernels.host)
            case .hostRFC: return part(URLKernels.hostRFC)
            case .hostWithoutWWW: return part(URLKernels.hostWithoutWWW)
            case .topLevelDomain: return part(URLKernels.topLevelDomain)
            case .scheme: return part(URLKernels.scheme)
            case .path: return part { URLKernels.path($0) }
            case .pathFull: return part { URLKernels.path($0, full: true) }
            case .queryString: return part(URLKernels.queryString)
            case .fragment: return part(URLKernels.fragment)
            case .cutQueryString: return bytes { .s(URLKernels.cutQueryString($0)) }
            case .cutFragment: return part(URLKernels.cutFragment)
            case .cutQueryStringAndFragment: return part(URLKernels.cutQueryStringAndFragment)
            }
        case .urlParameter:
            let key = Array(a[1].str.utf8)
            return part { URLKernels.parameter($0, key) }
        case .regexpSplit: return .l(try pattern(a[1].str).split(s))
        case .concat, .concatWS, .hash, .split, .listLength, .listExtract, .listValue, .listKey, .listFromKey: return .null
        }
    }

    /// The function over every entry of `d` with the other arguments constant (`rest`).
    func entries(_ d: DictRef, _ rest: [Arg]) throws(QueryError) -> EntryResult {
        let key = ObjectIdentifier(d)
        lock.lock()
        if let r = dictCache[key] { lock.unlock(); return r.1 }
        lock.unlock()
        let dd = d.dict
        let n = d.count
        var valid = [UInt8](repeating: 1, count: n)
        var anyNull = false
        var r = EntryResult()
        var args = [Arg.null] + rest
        if type == .varchar {
            var strs = [String](repeating: "", count: n)
            for i in 0..<n {
                args[0] = .s(dd[i])
                switch try apply(args) {
                case .s(let x): strs[i] = x
                default: valid[i] = 0; anyNull = true
                }
            }
            r.dict = DictRef(StringDictionary(strs))
        } else if type.isList {
            var b = StringListBuilder()
            for i in 0..<n {
                args[0] = .s(dd[i])
                if case .l(let xs) = try apply(args) { b.append(xs) } else { b.appendEmpty(); valid[i] = 0; anyNull = true }
            }
            r.pool = b.pool()
        } else {
            var ints = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                args[0] = .s(dd[i])
                switch try apply(args) {
                case .i(let x): ints[i] = x
                case .b(let x): ints[i] = x ? 1 : 0
                default: valid[i] = 0; anyNull = true
                }
            }
            r.ints = ints
        }
        if anyNull { r.valid = valid }
        lock.lock()
        if dictCache.count > 4096 { dictCache.removeAll() }
        dictCache[key] = (d, r)
        lock.unlock()
        return r
    }
}

extension Evaluator {
    @inline(__always) static func stringArg(_ v: Vec, _ i: Int) -> StringFn.Arg {
        if v.isNull(i) { return .null }
        switch v.type {
        case .varchar: return .s(v.string(i))
        case .null: return .null
        case .double: return .d(v.dbls[v.idx(i)])
        default: return .i(v.ints[v.idx(i)])
        }
    }

    /// Evaluates a string/regex/URL function over a batch.
    func stringCall(_ f: StringFn, _ args: [Vec], _ t: DataType, _ n: Int) throws(QueryError) -> Vec {
        switch f.op {
        case .listLength: return listLength(args[0])
        case .listExtract: return listExtract(args[0], args[1], t, n)
        case .listValue: return listValue(args, t, n)
        case .listKey: return listKey(args[0], n)
        case .listFromKey: return listFromKey(args[0], t, n)
        default: break
        }
        let out = try stringCallRows(f, args, t, n)
        if case .hash = f.op, let valid = out.valid {
            // hash(NULL) is a constant, not NULL
            let h = Int64(bitPattern: DuckHash.null)
            for i in 0..<min(valid.count, out.ints.count) where valid[i] == 0 { out.ints[i] = h }
            out.valid = nil
        }
        return out
    }

    private func stringCallRows(_ f: StringFn, _ args: [Vec], _ t: DataType, _ n: Int) throws(QueryError) -> Vec {
        let rest = args.dropFirst()
        if let v = args.first, let d = v.dict, !v.isConst, v.type == .varchar, rest.allSatisfy(\.isConst) {
            // once per dictionary entry, then by code
            let r = try f.entries(d, rest.map { Evaluator.stringArg($0, 0) })
            let out = Vec(type: t, count: v.count)
            if let dr = r.dict {
                out.dict = dr
                out.ints = v.ints
            } else if let pool = r.pool {
                out.lists = pool
                out.ints = v.ints
            } else {
                let codes = v.ints, m = min(codes.count, v.count)
                out.ints = r.ints.withUnsafeBufferPointer { tp in
                    codes.withUnsafeBufferPointer { cp in
                        [Int64](unsafeUninitializedCapacity: m) { o, k in
                            for i in 0..<m { o[i] = tp[Int(cp[i])] }
                            k = m
                        }
                    }
                }
            }
            if let ev = r.valid {
                var valid = v.valid ?? [UInt8](repeating: 1, count: v.count)
                let codes = v.ints
                for i in 0..<min(codes.count, valid.count) { valid[i] &= ev[Int(codes[i])] }
                out.valid = valid.contains(0) ? valid : nil
            } else {
                out.valid = v.valid
            }
            return out
        }
        // row by row (computed strings, several varying arguments)
        let allConst = args.allSatisfy(\.isConst)
        let m = allConst ? 1 : n
        let out = Vec(type: t, count: n)
        out.isConst = allConst
        var valid = [UInt8](repeating: 1, count: m)
        var anyNull = false
        var row = [StringFn.Arg](repeating: .null, count: args.count)
        if t == .varchar {
            var strs = [String](repeating: "", count: m)
            for i in 0..<m {
                for (k, a) in args.enumerated() { row[k] = Evaluator.stringArg(a, i) }
                if case .s(let x) = try f.apply(row) { strs[i] = x } else { valid[i] = 0; anyNull = true }
            }
            out.strs = strs
        } else if t.isList {
            var b = StringListBuilder()
            for i in 0..<m {
                for (k, a) in args.enumerated() { row[k] = Evaluator.stringArg(a, i) }
                if case .l(let xs) = try f.apply(row) { b.append(xs) } else { b.appendEmpty(); valid[i] = 0; anyNull = true }
            }
            out.lists = b.pool()
            out.ints = (0..<m).map { Int64($0) }
        } else {
            var ints = [Int64](repeating: 0, count: m)
            for i in 0..<m {
                for (k, a) in args.enumerated() { row[k] = Evaluator.stringArg(a, i) }
                switch try f.apply(row) {
                case .i(let x): ints[i] = x
                case .b(let x): ints[i] = x ? 1 : 0
                default: valid[i] = 0; anyNull = true
                }
            }
            out.ints = ints
        }
        if anyNull { out.valid = valid }
        return out
    }
}

/// DuckDB's hash function (`hash(x)`): MurmurHash64 finalizer over 8-byte words.
enum DuckHash {
    static let null: UInt64 = 13_787_848_793_156_543_929

    @inline(__always) static func murmur(_ x0: UInt64) -> UInt64 {
        var x = x0
        x ^= x >> 32
        x &*= 0xd6e8_feb8_6659_fd93
        x ^= x >> 32
        x &*= 0xd6e8_feb8_6659_fd93
        x ^= x >> 32
        return x
    }

    static func double(_ d: Double) -> UInt64 {
        let v = d == 0 ? 0.0 : (d.isNaN ? Double.nan : d)
        return murmur(v.bitPattern)
    }

    static func bytes(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = b.count
        var h: UInt64 = 0xe17a_1465 ^ (UInt64(n) &* 0xc6a4_a793_5bd1_e995)
        var i = 0
        while i + 8 <= n {
            var w: UInt64 = 0
            for k in 0..<8 { w |= UInt64(b[i + k]) << (8 * UInt64(k)) }
            h ^= w
            h &*= 0xd6e8_feb8_6659_fd93
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            for k in 0..<(n - i) { w |= UInt64(b[i + k]) << (8 * UInt64(k)) }
            h ^= w
            h &*= 0xd6e8_feb8_6659_fd93
        }
        return murmur(h)
    }
}
