import Foundation
import StrataFormat

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

    public init(_ d: StringDictionary) {
        loaded = d
        hexWords = nil
        count = d.count
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
/// as micros) live in `ints`; DOUBLE in `dbls`; VARCHAR either as `ints` codes into `dict`
/// or, when computed, as `strs`. `isConst` vectors hold one value for all `count` rows.
public final class Vec {
    public var type: DataType
    public var count: Int
    public var isConst = false
    public var ints: [Int64] = []
    public var dbls: [Double] = []
    public var strs: [String] = []
    public var dict: DictRef?
    /// 1 = present; nil when no row is NULL.
    public var valid: [UInt8]?

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
        case .interval(_, let us): out.ints = [us]
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
        case .interval: return .interval(0, ints[j])
        }
    }

    /// Expands a constant vector to `count` physical rows.
    func flattened() -> Vec {
        guard isConst else { return self }
        let out = Vec(type: type, count: count)
        if !ints.isEmpty { out.ints = [Int64](repeating: ints[0], count: count) }
        if !dbls.isEmpty { out.dbls = [Double](repeating: dbls[0], count: count) }
        if !strs.isEmpty && dict == nil { out.strs = [String](repeating: strs[0], count: count) }
        out.dict = dict
        if let v = valid { out.valid = [UInt8](repeating: v[0], count: count) }
        return out
    }

    /// Rows `sel` of this vector, in order.
    func gather(_ sel: [Int32]) -> Vec {
        if isConst {
            let out = Vec(type: type, count: sel.count)
            out.isConst = true
            out.ints = ints; out.dbls = dbls; out.strs = strs; out.dict = dict; out.valid = valid
            return out
        }
        let out = Vec(type: type, count: sel.count)
        out.dict = dict
        if !ints.isEmpty { out.ints = gatherArray(ints, sel) }
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
        for (k, v) in values.enumerated() {
            switch v {
            case .null: valid[k] = 0; anyNull = true
            case .bool(let b): out.ints[k] = b ? 1 : 0
            case .int(let i): if type == .double { out.dbls[k] = Double(i) } else { out.ints[k] = i }
            case .double(let d): if type == .double { out.dbls[k] = d } else { out.ints[k] = Int64(d) }
            case .string(let s): out.strs[k] = s
            case .timestamp(let t), .date(let t): out.ints[k] = t
            case .interval(_, let us): out.ints[k] = us
            }
        }
        if anyNull { out.valid = valid }
        return out
    }
}

@inline(__always) func gatherArray<T>(_ a: [T], _ sel: [Int32]) -> [T] {
    a.withUnsafeBufferPointer { src in
        [T](unsafeUninitializedCapacity: sel.count) { dst, n in
            for i in 0..<sel.count { (dst.baseAddress! + i).initialize(to: src[Int(sel[i])]) }
            n = sel.count
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
