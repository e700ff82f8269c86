import StrataCore
import Foundation
import StrataFormat
import StrataText

/// Global ids for strings within one query, so keys from different segment dictionaries
/// (and threads) compare equal. Dictionary mappings are cached per dictionary.
final class StringInterner: @unchecked Sendable {
    private let lock = NSLock()
    /// Every interned string's bytes in id order, with a hash table over them: interning a
    /// dictionary entry copies its bytes once and makes no String.
    private var table = ByteInterner()
    /// Keyed by dictionary identity; entries keep their dictionary alive (no identity reuse).
    private var dictMaps: [ObjectIdentifier: (DictRef, [Int64])] = [:]
    private var snapshot: DictRef?

    /// Id of `b`, adding it when new (the caller holds the lock).
    private func add(_ b: UnsafeBufferPointer<UInt8>) -> Int64 { Int64(table.intern(b.baseAddress, b.count)) }

    /// Every string interned so far (the caller holds the lock).
    private var all: StringDictionary { StringDictionary(bytes: table.bytes, offsets: table.offsets) }

    func id(_ s: String) -> Int64 {
        var s = s
        return s.withUTF8 { b in
            lock.lock()
            defer { lock.unlock() }
            return add(b)
        }
    }

    /// Ids of `ss` (one lock for all).
    func ids(_ ss: [String]) -> [Int64] {
        lock.lock()
        defer { lock.unlock() }
        return ss.map { s in
            var s = s
            return s.withUTF8 { add($0) }
        }
    }

    /// A dictionary of every string interned so far, whose codes are the ids (never empty:
    /// NULL rows carry code 0).
    func dictRef() -> DictRef {
        lock.lock()
        defer { lock.unlock() }
        if table.count == 0 { _ = table.intern(nil, 0) }
        if let s = snapshot, s.count == table.count { return s }
        let d = DictRef(all, interner: self)
        snapshot = d
        return d
    }

    /// Every string interned so far, in id order (a value: read it without the lock).
    func stringsSnapshot() -> StringDictionary {
        lock.lock()
        defer { lock.unlock() }
        return all
    }

    /// Byte-wise order of two interned strings.
    func compare(_ a: Int64, _ b: Int64) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return table.withEntry(Int(a)) { pa, na in
            table.withEntry(Int(b)) { pb, nb in
                compareBytes(UnsafeBufferPointer(start: pa, count: na), UnsafeBufferPointer(start: pb, count: nb))
            }
        }
    }

    func string(_ id: Int64) -> String {
        lock.lock()
        defer { lock.unlock() }
        return table.withEntry(Int(id)) { p, n in String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self) }
    }

    /// code → global id for every entry of `d`.
    func map(_ d: DictRef) -> [Int64] {
        if d.owner == ObjectIdentifier(self) { return (0..<Int64(d.count)).map { $0 } }
        let key = ObjectIdentifier(d)
        lock.lock()
        if let m = dictMaps[key] { lock.unlock(); return m.1 }
        lock.unlock()
        let dd = d.dict  // (hex dictionaries spell their entries out here, without the lock)
        lock.lock()
        defer { lock.unlock() }
        if let m = dictMaps[key] { return m.1 }
        var m = [Int64](repeating: 0, count: d.count)
        m.withUnsafeMutableBufferPointer { mp in
            for i in 0..<d.count { mp[i] = dd.withEntry(i) { add($0) } }
        }
        dictMaps[key] = (d, m)
        return m
    }
}

/// Encodes vectors as Int64 key words (group keys, distinct values).
struct KeyEncoder {
    let interner: StringInterner

    /// Appends word `k` of each row: out[r * stride + k]. Returns per-row null flags via `nulls`.
    func encode(_ v: Vec, n: Int, into out: inout [Int64], stride: Int, k: Int, nullMask: inout [Int64], bit: Int64) {
        if v.type == .null {
            out.withUnsafeMutableBufferPointer { o in for r in 0..<n { o[r * stride + k] = 0 } }
            nullMask.withUnsafeMutableBufferPointer { m in for r in 0..<n { m[r] |= bit } }
            return
        }
        if !v.isConst, v.ints.count >= n, v.type != .double {
            // codes or integers mapped straight into the key rows
            out.withUnsafeMutableBufferPointer { o in v.ints.withUnsafeBufferPointer { c in
                if v.type != .varchar {
                    for r in 0..<n { o[r * stride + k] = c[r] }
                } else if let hw = v.dict?.hexWords {
                    hw.withUnsafeBufferPointer { h in for r in 0..<n { o[r * stride + k] = h[Int(c[r])] } }
                } else if let d = v.dict, d.owner == ObjectIdentifier(interner) {
                    for r in 0..<n { o[r * stride + k] = c[r] }
                } else if let d = v.dict {
                    interner.map(d).withUnsafeBufferPointer { m in for r in 0..<n { o[r * stride + k] = m[Int(c[r])] } }
                }
            } }
            if v.type != .varchar || v.dict != nil {
                if let valid = v.valid { markNulls(valid, n, &out, stride, k, &nullMask, bit) }
                return
            }
        }
        var words = [Int64](repeating: 0, count: v.isConst ? 1 : n)
        switch v.type {
        case .varchar:
            if let d = v.dict, let hw = d.hexWords {
                words = [hw[Int(v.ints[0])]]
            } else if let d = v.dict, d.owner == ObjectIdentifier(interner) {
                words = [v.ints[0]]
            } else if let d = v.dict {
                words = [interner.map(d)[Int(v.ints[0])]]
            } else {
                for i in 0..<words.count where !v.isNull(i) { words[i] = interner.id(v.strs[i]) }
            }
        case .double:
            // -0.0 groups with 0.0, one NaN (decoded by `OrderWord.doubleValue`)
            words.withUnsafeMutableBufferPointer { w in v.dbls.withUnsafeBufferPointer { d in
                for i in 0..<w.count { w[i] = OrderWord.double(d[i]) }
            } }
        default:
            words = v.ints.isEmpty ? words : Array(v.ints.prefix(words.count))
        }
        out.withUnsafeMutableBufferPointer { o in
            if v.isConst {
                let x = words[0]
                for r in 0..<n { o[r * stride + k] = x }
            } else {
                for r in 0..<n { o[r * stride + k] = words[r] }
            }
        }
        if let valid = v.valid {
            if v.isConst {
                if valid[0] == 0 { markNulls([UInt8](repeating: 0, count: n), n, &out, stride, k, &nullMask, bit) }
            } else {
                markNulls(valid, n, &out, stride, k, &nullMask, bit)
            }
        }
    }

    /// Rows whose `valid` flag is 0: their bit set in `nullMask` and their key word zeroed.
    private func markNulls(_ valid: [UInt8], _ n: Int, _ out: inout [Int64], _ stride: Int, _ k: Int,
                           _ nullMask: inout [Int64], _ bit: Int64) {
        valid.withUnsafeBufferPointer { vp in out.withUnsafeMutableBufferPointer { o in nullMask.withUnsafeMutableBufferPointer { m in
            for r in 0..<n where vp[r] == 0 {
                m[r] |= bit
                o[r * stride + k] = 0
            }
        } } }
    }

    /// One key word and one NULL flag (non-zero) per row of `v`.
    func words(_ v: Vec, n: Int) -> ([Int64], [Int64]) {
        var words = [Int64](repeating: 0, count: n)
        var nulls = [Int64](repeating: 0, count: n)
        encode(v, n: n, into: &words, stride: 1, k: 0, nullMask: &nulls, bit: 1)
        return (words, nulls)
    }

    func decode(_ word: Int64, isNull: Bool, type: DataType, hex: Bool = false) -> Value {
        if isNull { return .null }
        if hex {
            let s = String(UInt64(bitPattern: word), radix: 16)
            return .string(String(repeating: "0", count: 16 - s.count) + s)
        }
        switch type {
        case .varchar: return .string(interner.string(word))
        case .double: return .double(OrderWord.doubleValue(word))
        case .boolean: return .bool(word != 0)
        case .timestamp: return .timestamp(word)
        case .date: return .date(word)
        case .null: return .null
        case .interval: return IntervalParts.fromMicros(word)
        case .bigint: return .int(word)
        }
    }
}
