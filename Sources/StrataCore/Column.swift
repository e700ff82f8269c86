/// In-memory / on-disk representation class of a column.
public enum PhysicalType: UInt8, Sendable {
    case int64 = 1, double = 2, bool = 3, string = 4
}

/// Values of one column held in memory, by physical type. Strings are codes into a dictionary.
public enum ColumnData: Sendable {
    case int64([Int64])
    case double([Double])
    case bool([UInt8])
    case string(codes: [UInt32], dictionary: StringDictionary)

    public var count: Int {
        switch self {
        case .int64(let v): return v.count
        case .double(let v): return v.count
        case .bool(let v): return v.count
        case .string(let c, _): return c.count
        }
    }

    public var physical: PhysicalType {
        switch self {
        case .int64: return .int64
        case .double: return .double
        case .bool: return .bool
        case .string: return .string
        }
    }
}

/// A column: values plus optional validity (1 = value present, 0 = NULL; nil = no NULLs).
/// Values at NULL positions are ignored.
public struct Column: Sendable {
    public var data: ColumnData
    public var validity: [UInt8]?

    public init(_ data: ColumnData, validity: [UInt8]? = nil) {
        precondition(validity == nil || validity!.count == data.count)
        self.data = data
        self.validity = validity
    }

    public var count: Int { data.count }

    @inlinable public func isNull(_ i: Int) -> Bool { validity.map { $0[i] == 0 } ?? false }

    /// Rows reordered (or selected) by `permutation`: row `i` of the result is row
    /// `permutation[i]` of `self`.
    public func gathered(_ permutation: UnsafeBufferPointer<Int32>) -> Column {
        func gather<T>(_ v: [T]) -> [T] {
            v.withUnsafeBufferPointer { src in
                [T](unsafeUninitializedCapacity: permutation.count) { dst, n in
                    for i in 0..<permutation.count { (dst.baseAddress! + i).initialize(to: src[Int(permutation[i])]) }
                    n = permutation.count
                }
            }
        }
        let data: ColumnData
        switch self.data {
        case .int64(let v): data = .int64(gather(v))
        case .double(let v): data = .double(gather(v))
        case .bool(let v): data = .bool(gather(v))
        case .string(let c, let d): data = .string(codes: gather(c), dictionary: d)
        }
        return Column(data, validity: validity.map(gather))
    }
}

extension Column {
    /// Concatenation of `parts` (each of type `physical`, `total` rows together): validity
    /// only if some part has NULLs; string dictionaries united (`StringDictionary.union`) and
    /// codes remapped. Compaction concatenates its input segments with it, a query the
    /// segments of a table it materializes.
    public static func concatenated(_ parts: [Column], physical: PhysicalType, total: Int) -> Column {
        var validity: [UInt8]?
        if parts.contains(where: { $0.validity != nil }) {
            var v: [UInt8] = []
            v.reserveCapacity(total)
            for p in parts {
                if let pv = p.validity { v.append(contentsOf: pv) } else { v.append(contentsOf: repeatElement(1, count: p.count)) }
            }
            validity = v
        }
        func joined<T>(_ values: (ColumnData) -> [T]?) -> [T] {
            var a: [T] = []
            a.reserveCapacity(total)
            for p in parts { if let v = values(p.data) { a.append(contentsOf: v) } }
            return a
        }
        switch physical {
        case .int64:
            return Column(.int64(joined { if case .int64(let v) = $0 { v } else { nil } }), validity: validity)
        case .double:
            return Column(.double(joined { if case .double(let v) = $0 { v } else { nil } }), validity: validity)
        case .bool:
            return Column(.bool(joined { if case .bool(let v) = $0 { v } else { nil } }), validity: validity)
        case .string:
            var dicts: [StringDictionary] = []
            for p in parts { if case .string(_, let d) = p.data { dicts.append(d) } }
            let (merged, remaps) = StringDictionary.union(dicts)
            var codes = [UInt32](repeating: 0, count: total)
            codes.withUnsafeMutableBufferPointer { dst in
                var at = 0
                for (k, p) in parts.enumerated() {
                    guard case .string(let src, _) = p.data else { continue }
                    remaps[k].withUnsafeBufferPointer { map in
                        src.withUnsafeBufferPointer { s in
                            for i in 0..<s.count {
                                let c = Int(s[i])
                                dst[at + i] = c < map.count ? map[c] : 0  // NULL rows may hold stale codes
                            }
                        }
                    }
                    at += p.count
                }
            }
            return Column(.string(codes: codes, dictionary: merged), validity: validity)
        }
    }
}
