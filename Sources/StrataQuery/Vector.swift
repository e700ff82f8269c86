import CStrataKernels
import Foundation
import StrataCore
import StrataFormat
import StrataText

/// A string dictionary shared by the vectors decoded from one segment column. Identity
/// matters: predicate results and global-id mappings are cached per dictionary.
public final class DictRef: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: StringDictionary?
    /// For columns whose every segment stores 16-hex-digit ids: each entry's value as the key
    /// word (exact, no interning needed). Such dictionaries expand to text only when a string
    /// is actually needed (output, string functions).
    public let hexWords: [Int64]?
    public let count: Int
    /// Set when the codes are ids of this interner (no mapping needed for keys).
    var owner: ObjectIdentifier?
    private var rankCache: [Int32]?

    /// Position of each entry in byte-wise sorted order (equal entries share a rank).
    var ranks: [Int32] {
        lock.lock()
        if let r = rankCache { lock.unlock(); return r }
        lock.unlock()
        var r = [Int32](repeating: 0, count: count)
        if let hw = hexWords {
            // 16 lowercase hex digits: text order is unsigned numeric order
            r = DictRef.hexRanks(hw)
        } else {
            let d = dict
            var sorted = true
            for i in 1..<max(count, 1) where d.compare(i - 1, i) >= 0 { sorted = false; break }
            if sorted {
                for i in 0..<count { r[i] = Int32(i) }
            } else {
                r = DictRef.prefixRanks(d)
            }
        }
        lock.lock()
        rankCache = r
        lock.unlock()
        return r
    }

    public init(_ d: StringDictionary) {
        loaded = d
        hexWords = nil
        count = d.count
    }

    /// Ranks of an unsorted dictionary's entries: a radix sort of each entry's first 8 bytes
    /// (big-endian, zero-padded: their order is the bytes' order), then byte comparisons only
    /// within runs of equal prefixes (millions of interned ids sort in a few passes instead
    /// of n log n string comparisons).
    static func prefixRanks(_ d: StringDictionary) -> [Int32] {
        let n = d.count
        var keys = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            keys[i] = d.withEntry(i) { b in
                var k: UInt64 = 0
                for j in 0..<8 { k = k << 8 | UInt64(j < b.count ? b[j] : 0) }
                return k
            }
        }
        var order = (0..<UInt32(n)).map { $0 }
        RadixSort.sort(&keys, &order)
        // runs of equal prefixes: ordered by the full bytes
        var i = 0
        while i < n {
            var j = i + 1
            while j < n && keys[j] == keys[i] { j += 1 }
            if j - i > 1 { order[i..<j].sort { d.compare(Int($0), Int($1)) < 0 } }
            i = j
        }
        var r = [Int32](repeating: 0, count: n)
        var rank: Int32 = 0
        for k in 0..<n {
            if k > 0 && (keys[k] != keys[k - 1] || d.compare(Int(order[k - 1]), Int(order[k])) != 0) { rank += 1 }
            r[Int(order[k])] = rank
        }
        return r
    }

    public init(hexWords: [Int64]) {
        self.hexWords = hexWords
        count = hexWords.count
    }

    /// The entries as text (materialized on first use for hex dictionaries).
    public var dict: StringDictionary {
        lock.lock()
        defer { lock.unlock() }
        if let d = loaded { return d }
        let digits = Array("0123456789abcdef".utf8)
        let words = hexWords ?? []
        var bytes = [UInt8](repeating: 0, count: 16 * words.count)
        var offsets = [UInt32](repeating: 0, count: words.count + 1)
        bytes.withUnsafeMutableBufferPointer { b in
            for (i, w) in words.enumerated() {
                let x = UInt64(bitPattern: w)
                for j in 0..<16 { b[16 * i + j] = digits[Int((x >> UInt64(60 - 4 * j)) & 15)] }
                offsets[i + 1] = UInt32(16 * (i + 1))
            }
        }
        let d = StringDictionary(bytes: bytes, offsets: offsets)
        loaded = d
        return d
    }
}

/// A column of a batch. Integer-like types (BIGINT, TIMESTAMP, DATE, BOOLEAN as 0/1, INTERVAL
/// as its normalized micros, see IntervalParts) live in `ints`; DOUBLE in `dbls`; VARCHAR either as `ints` codes into `dict`
/// or, when computed, as `strs`. `isConst` vectors hold one value for all `count` rows.
public final class Vec {
    public var type: DataType
    public var count: Int
    public var isConst = false
    public var ints: [Int64] = []
    public var dbls: [Double] = []
    public var strs: [String] = []
    public var dict: DictRef?
    /// INTERVAL only: months and days of each row packed in one word (`IntervalParts.pack`);
    /// `ints` holds the normalized length that orders and groups intervals as DuckDB does.
    public var ivl: [Int64] = []
    /// 1 = present; nil when no row is NULL.
    public var valid: [UInt8]?
    /// LIST vectors: the lists `ints` index (Functions/Lists.swift).
    public var lists: ListPool?

    public init(type: DataType, count: Int) {
        self.type = type
        self.count = count
    }

    static func constant(_ v: Value, type: DataType, count: Int) -> Vec {
        let out = Vec(type: type, count: count)
        out.isConst = true
        switch v {
        case .null: out.valid = [0]; out.ints = [0]; out.dbls = [0]; out.strs = [""]
        case .bool(let b): out.ints = [b ? 1 : 0]
        case .int(let i): out.ints = [i]; out.dbls = [Double(i)]
        case .double(let d): out.dbls = [d]
        case .string(let s): out.strs = [s]
        case .timestamp(let t): out.ints = [t]
        case .date(let d): out.ints = [d]
        case .interval(let mo, let d, let us): out.ints = [IntervalParts.normalized(mo, d, us)]; out.ivl = [IntervalParts.pack(mo, d)]
        case .list(let xs): out.ints = [0]; out.lists = ListPool(lists: [xs.items[...]], element: type.listElement ?? .null)
        }
        return out
    }

    @inline(__always) func idx(_ i: Int) -> Int { isConst ? 0 : i }

    @inline(__always) public func isNull(_ i: Int) -> Bool {
        guard let v = valid else { return false }
        return v[isConst ? 0 : i] == 0
    }

    public var hasNulls: Bool { valid != nil }

    /// Text of row `i` of a VARCHAR vector.
    public func string(_ i: Int) -> String {
        let j = idx(i)
        if let d = dict { return d.dict[Int(ints[j])] }
        return strs[j]
    }

    public func value(_ i: Int) -> Value {
        if isNull(i) { return .null }
        let j = idx(i)
        switch type {
        case .null: return .null
        case .boolean: return .bool(ints[j] != 0)
        case .bigint: return .int(ints[j])
        case .double: return .double(dbls[j])
        case .varchar: return .string(string(i))
        case .timestamp: return .timestamp(ints[j])
        case .date: return .date(ints[j])
        case .interval: return IntervalParts.value(ints[j], ivl.isEmpty ? 0 : ivl[j])
        case .list: return .list(ListValue(lists?.values(Int(ints[j])) ?? []))
        }
    }

    /// Expands a constant vector to `count` physical rows.
    func flattened() -> Vec {
        guard isConst else { return self }
        let out = Vec(type: type, count: count)
        if !ints.isEmpty { out.ints = [Int64](repeating: ints[0], count: count) }
        if !dbls.isEmpty { out.dbls = [Double](repeating: dbls[0], count: count) }
        if !strs.isEmpty && dict == nil { out.strs = [String](repeating: strs[0], count: count) }
        if !ivl.isEmpty { out.ivl = [Int64](repeating: ivl[0], count: count) }
        out.dict = dict
        out.lists = lists
        if let v = valid { out.valid = [UInt8](repeating: v[0], count: count) }
        return out
    }

    /// Rows `sel` of this vector, in order.
    func gather(_ sel: [Int32]) -> Vec {
        if isConst {
            let out = Vec(type: type, count: sel.count)
            out.isConst = true
            out.ints = ints; out.dbls = dbls; out.strs = strs; out.dict = dict; out.valid = valid; out.ivl = ivl; out.lists = lists
            return out
        }
        let out = Vec(type: type, count: sel.count)
        out.dict = dict
        out.lists = lists
        if !ints.isEmpty { out.ints = gatherArray(ints, sel) }
        if !ivl.isEmpty { out.ivl = gatherArray(ivl, sel) }
        if !dbls.isEmpty { out.dbls = gatherArray(dbls, sel) }
        if !strs.isEmpty { out.strs = sel.map { strs[Int($0)] } }
        if let v = valid {
            let g = gatherArray(v, sel)
            out.valid = g.contains(0) ? g : nil
        }
        return out
    }

    /// Builds a vector from values of one type (used for in-memory relations).
    static func from(_ values: ArraySlice<Value>, type: DataType) -> Vec {
        let n = values.count
        let out = Vec(type: type, count: n)
        var valid = [UInt8](repeating: 1, count: n)
        var anyNull = false
        switch type {
        case .double:
            out.dbls = [Double](repeating: 0, count: n)
        case .varchar:
            out.strs = [String](repeating: "", count: n)
        default:
            out.ints = [Int64](repeating: 0, count: n)
        }
        if type == .interval { out.ivl = [Int64](repeating: 0, count: n) }
        if case .list(let e) = type { return ListPool.vector(values, element: e) }
        for (k, v) in values.enumerated() {
            switch v {
            case .null: valid[k] = 0; anyNull = true
            case .bool(let b): out.ints[k] = b ? 1 : 0
            case .int(let i): if type == .double { out.dbls[k] = Double(i) } else { out.ints[k] = i }
            case .double(let d): if type == .double { out.dbls[k] = d } else { out.ints[k] = Int64(d) }
            case .string(let s): out.strs[k] = s
            case .timestamp(let t), .date(let t): out.ints[k] = t
            case .interval(let mo, let d, let us): out.ints[k] = IntervalParts.normalized(mo, d, us); out.ivl[k] = IntervalParts.pack(mo, d)
            case .list: break
            }
        }
        if anyNull { out.valid = valid }
        return out
    }
}

@inline(__always) func gatherArray<T>(_ a: [T], _ sel: [Int32]) -> [T] {
    a.withUnsafeBufferPointer { src in
        sel.withUnsafeBufferPointer { s in
            [T](unsafeUninitializedCapacity: s.count) { dst, n in
                let m = s.count
                if src.count >= 1 << 17 && m >= 1 << 12 {
                    // a large source read out of order misses the cache: fetch a few rows ahead
                    for i in 0..<m {
                        if i + 16 < m { strata_prefetch(src.baseAddress! + Int(s[i + 16])) }
                        (dst.baseAddress! + i).initialize(to: src[Int(s[i])])
                    }
                } else {
                    for i in 0..<m { (dst.baseAddress! + i).initialize(to: src[Int(s[i])]) }
                }
                n = m
            }
        }
    }
}

/// A batch of rows: one vector per input slot, all of `count` rows.
public final class Batch {
    public var columns: [Vec?]
    public var count: Int

    public init(columns: [Vec?], count: Int) {
        self.columns = columns
        self.count = count
    }
}

extension DictRef {
    /// Marks a dictionary whose codes are ids of `interner` (see `StringInterner.dictRef`).
    convenience init(_ d: StringDictionary, interner: StringInterner) {
        self.init(d)
        owner = ObjectIdentifier(interner)
    }
}

extension Vec {
    /// Row values boxed (result hand-out); the dictionary is fetched once.
    func values(_ n: Int) -> [Value] {
        if type == .varchar, let d = dict {
            let dd = d.dict
            return (0..<n).map { i in isNull(i) ? .null : .string(dd[Int(ints[idx(i)])]) }
        }
        return (0..<n).map { value($0) }
    }

    /// A new vector object with the same contents (buffers shared, copy-on-write).
    func snapshot() -> Vec {
        let out = Vec(type: type, count: count)
        out.isConst = isConst
        out.ints = ints; out.dbls = dbls; out.strs = strs; out.dict = dict; out.valid = valid; out.ivl = ivl; out.lists = lists
        return out
    }

    /// A physical (non-constant) vector whose buffers are not shared with the scan's reusable
    /// block buffers.
    func detached() -> Vec {
        if isConst { return flattened() }
        let out = Vec(type: type, count: count)
        out.ints = ints; out.dbls = dbls; out.strs = strs; out.dict = dict; out.valid = valid; out.ivl = ivl; out.lists = lists
        return out
    }

    /// An all-NULL vector of `type`.
    static func nulls(_ type: DataType, count n: Int) -> Vec {
        let out = Vec(type: type, count: n)
        switch type {
        case .double: out.dbls = [Double](repeating: 0, count: n)
        case .varchar: out.strs = [String](repeating: "", count: n)
        default: out.ints = [Int64](repeating: 0, count: n)
        }
        out.valid = [UInt8](repeating: 0, count: n)
        return out
    }

    /// This vector as `t` (NULL to anything, BIGINT to DOUBLE, DATE to TIMESTAMP), physical.
    func converted(to t: DataType) -> Vec {
        let v = flattened()
        if v.type == t { return v }
        if v.type == .null { return Vec.nulls(t, count: v.count) }
        let out = Vec(type: t, count: v.count)
        out.valid = v.valid
        switch (v.type, t) {
        case (.bigint, .double): out.dbls = v.ints.map { Double($0) }
        case (.date, .timestamp): out.ints = v.ints.map { $0 &* Civil.microsPerDay }
        default:
            out.ints = v.ints; out.dbls = v.dbls; out.strs = v.strs; out.dict = v.dict; out.ivl = v.ivl; out.lists = v.lists
        }
        return out
    }

    /// Rows `idx` of this vector; -1 yields NULL.
    func gatherOrNull(_ idx: [Int32]) -> Vec {
        // no rows to take from (an empty right side of a LEFT JOIN): all NULL
        if count == 0 || type == .null { return Vec.nulls(type, count: idx.count) }
        let src = flattened()
        let n = idx.count
        let out = Vec(type: type, count: n)
        out.dict = src.dict
        out.lists = src.lists
        var anyNull = false
        let valid = [UInt8](unsafeUninitializedCapacity: n) { v, c in
            idx.withUnsafeBufferPointer { ip in
                if let sv = src.valid {
                    sv.withUnsafeBufferPointer { s in
                        for i in 0..<n { let j = Int(ip[i]); v[i] = j < 0 ? 0 : s[j] }
                    }
                } else {
                    for i in 0..<n { v[i] = ip[i] < 0 ? 0 : 1 }
                }
            }
            c = n
            for i in 0..<n where v[i] == 0 { anyNull = true; break }
        }
        func pick<T>(_ a: [T], _ zero: T) -> [T] {
            a.withUnsafeBufferPointer { p in idx.withUnsafeBufferPointer { ip in
                [T](unsafeUninitializedCapacity: n) { o, c in
                    for i in 0..<n { let j = Int(ip[i]); (o.baseAddress! + i).initialize(to: j < 0 ? zero : p[j]) }
                    c = n
                }
            } }
        }
        if !src.ints.isEmpty { out.ints = pick(src.ints, 0) }
        if !src.dbls.isEmpty { out.dbls = pick(src.dbls, 0) }
        if !src.strs.isEmpty { out.strs = pick(src.strs, "") }
        if !src.ivl.isEmpty { out.ivl = pick(src.ivl, 0) }
        if anyNull { out.valid = valid }
        return out
    }

    /// The validity of flat `parts` one after the other (nil when no part has NULLs).
    static func concatenatedValidity(_ parts: [Vec], count n: Int) -> [UInt8]? {
        guard parts.contains(where: { $0.valid != nil }) else { return nil }
        var valid = [UInt8]()
        valid.reserveCapacity(n)
        for p in parts { if let v = p.valid { valid.append(contentsOf: v) } else { valid.append(contentsOf: repeatElement(1, count: p.count)) } }
        return valid
    }

    /// Concatenation of `parts` as one vector of type `t`. VARCHAR parts with different
    /// dictionaries (or computed strings) are recoded to the query's interner ids.
    static func concat(_ parts: [Vec], type t: DataType, interner: StringInterner) -> Vec {
        if case .list = t { return ListPool.concat(parts, type: t, interner: interner) }
        let ps = parts.map { $0.converted(to: t) }
        let n = ps.reduce(0) { $0 + $1.count }
        let out = Vec(type: t, count: n)
        out.valid = concatenatedValidity(ps, count: n)
        switch t {
        case .double:
            out.dbls.reserveCapacity(n)
            for p in ps { out.dbls.append(contentsOf: p.dbls) }
        case .varchar:
            // all NULL parts carry empty strings; only non-NULL parts decide the representation
            let live = ps.filter { p in p.valid.map { $0.contains(1) } ?? (p.count > 0) }
            if let d = live.first?.dict, d.count > 0, live.allSatisfy({ $0.dict === d }) {
                out.dict = d
                out.ints.reserveCapacity(n)
                for p in ps { if p.dict === d { out.ints.append(contentsOf: p.ints) } else { out.ints.append(contentsOf: repeatElement(0, count: p.count)) } }
            } else if let first = live.first?.dict, first.hexWords != nil, first.count > 0,
                      live.allSatisfy({ $0.dict?.hexWords != nil }) {
                // 16-hex-digit id dictionaries (one per segment): their word lists joined, codes
                // offset; no text, no interning. Fewer rows than entries: a word per row instead
                if let rowWords = HexConcat.rowWords(ps, n) {
                    out.ints = rowWords.codes
                    out.dict = DictRef(hexWords: rowWords.words)
                    return out
                }
                var words: [Int64] = []
                var base: [ObjectIdentifier: Int64] = [:]
                out.ints.reserveCapacity(n)
                for p in ps {
                    guard let d = p.dict, let hw = d.hexWords else {
                        out.ints.append(contentsOf: repeatElement(0, count: p.count))
                        continue
                    }
                    let b: Int64
                    if let x = base[ObjectIdentifier(d)] { b = x } else {
                        b = Int64(words.count)
                        base[ObjectIdentifier(d)] = b
                        words.append(contentsOf: hw)
                    }
                    p.ints.withUnsafeBufferPointer { c in for x in c { out.ints.append(x + b) } }
                }
                out.dict = DictRef(hexWords: words)
            } else if live.allSatisfy({ $0.dict == nil }) {
                out.strs.reserveCapacity(n)
                for p in ps { out.strs.append(contentsOf: p.strs.isEmpty ? [String](repeating: "", count: p.count) : p.strs) }
            } else {
                out.ints.reserveCapacity(n)
                for p in ps {
                    if let d = p.dict {
                        let m = interner.map(d)
                        m.withUnsafeBufferPointer { mp in for c in p.ints { out.ints.append(mp[Int(c)]) } }
                    } else if !p.strs.isEmpty {
                        let ids = interner.ids(p.strs)
                        for i in 0..<p.count { out.ints.append(p.isNull(i) ? 0 : ids[i]) }
                    } else {
                        out.ints.append(contentsOf: repeatElement(0, count: p.count))
                    }
                }
                out.dict = interner.dictRef()
            }
        default:
            out.ints.reserveCapacity(n)
            for p in ps { out.ints.append(contentsOf: p.ints) }
            if t == .interval {
                out.ivl.reserveCapacity(n)
                for p in ps { if p.ivl.isEmpty { out.ivl.append(contentsOf: repeatElement(0, count: p.count)) } else { out.ivl.append(contentsOf: p.ivl) } }
            }
        }
        return out
    }

    /// Words whose signed order is the SQL order of the non-NULL values (NULLs: see `valid`).
    func orderWords() -> [Int64] {
        let v = flattened()
        switch v.type {
        case .double:
            return OrderWord.doubles(v.dbls)
        case .varchar:
            if let d = v.dict {
                let r = d.ranks
                return r.withUnsafeBufferPointer { rp in v.ints.map { Int64(rp[Int($0)]) } }
            }
            let uniq = Array(Set(v.strs)).sorted { a, b in Evaluator.compareValues(.string(a), .string(b)) < 0 }
            var rank: [String: Int64] = [:]
            for (i, s) in uniq.enumerated() { rank[s] = Int64(i) }
            return v.strs.map { rank[$0]! }
        case .null:
            return [Int64](repeating: 0, count: v.count)
        default:
            return v.ints
        }
    }
}
