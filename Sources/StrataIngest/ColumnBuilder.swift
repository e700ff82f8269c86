import StrataCore
import StrataFormat
import StrataText

/// Values of one table column accumulated by one parsing thread.
///
/// Physical storage by type; NULLs tracked lazily (the validity array is materialized at the
/// first NULL). Strings are interned per builder, except while every value of a string column
/// so far is a 16-character lowercase hex id: those are kept as 64-bit words (`hexWords`, no
/// hashing); the first other value converts the builder to interning (`leaveHexMode`).
struct ColumnBuilder {
    let physical: PhysicalType
    var ints: [Int64] = []
    var doubles: [Double] = []
    var bools: [UInt8] = []
    var codes: [UInt32] = []
    var interner = ByteInterner()
    /// Hex mode: value `i` of the column is `hexWords[i]` (0 at NULL rows).
    var hexWords: [UInt64] = []
    /// Strings are held as `hexWords` (all values so far are 16 lowercase hex characters).
    private(set) var hexMode: Bool
    var validity: [UInt8] = []
    var hasNulls = false
    private(set) var count = 0
    private var emptyCode: UInt32 = UInt32.max

    init(physical: PhysicalType) {
        self.physical = physical
        hexMode = physical == .string
    }

    @inline(__always)
    private mutating func markValid() {
        if hasNulls { validity.append(1) }
        count += 1
    }

    @inline(__always)
    mutating func appendInt(_ v: Int64) {
        ints.append(v)
        markValid()
    }

    @inline(__always)
    mutating func appendDouble(_ v: Double) {
        doubles.append(v)
        markValid()
    }

    @inline(__always)
    mutating func appendBool(_ v: Bool) {
        bools.append(v ? 1 : 0)
        markValid()
    }

    /// Appends a string. A string new to this builder's dictionary is checked first (so the
    /// check runs once per distinct value, not per row): if it is not well-formed UTF-8,
    /// `.replace` stores it with U+FFFD for each ill-formed sequence, and `.error` appends the
    /// placeholder code `UInt32.max` and returns false (the caller must remove the row with
    /// `removeRows`).
    @inline(__always) @discardableResult
    mutating func appendString(_ p: UnsafePointer<UInt8>?, _ n: Int, invalidUTF8: InvalidUTF8Policy = .error) -> Bool {
        if hexMode {
            if n == 16, let p, let w = HexID.parse16(p) {
                hexWords.append(w)
                markValid()
                return true
            }
            leaveHexMode()
        }
        if let code = interner.intern(p, n, admit: { UTF8Validation.isValid($0, $1) }) {
            codes.append(code)
            markValid()
            return true
        }
        return appendIllFormed(p, n, invalidUTF8)
    }

    /// `appendString` of a string that is not well-formed UTF-8.
    @inline(never)
    private mutating func appendIllFormed(_ p: UnsafePointer<UInt8>?, _ n: Int, _ policy: InvalidUTF8Policy) -> Bool {
        switch policy {
        case .error:
            codes.append(UInt32.max)
            markValid()
            return false
        case .replace:
            let fixed = UTF8Validation.repaired(p, n)
            codes.append(fixed.withUnsafeBufferPointer { interner.intern($0.baseAddress, $0.count) })
            markValid()
            return true
        }
    }

    /// Appends `count` strings given as pointers and lengths (length -1: NULL); the indices
    /// (`0..<count`) of strings refused under `invalidUTF8 == .error` are added to `refused`.
    mutating func appendStrings(_ ptrs: UnsafePointer<UnsafePointer<UInt8>?>, _ lens: UnsafePointer<Int32>, _ count: Int,
                                invalidUTF8: InvalidUTF8Policy, refused: inout [Int]) {
        for i in 0..<count {
            let n = Int(lens[i])
            if n < 0 {
                appendNull()
            } else if !appendString(ptrs[i], n, invalidUTF8: invalidUTF8) {
                refused.append(i)
            }
        }
    }

    /// Removes the rows at `rows` (absolute indices, ascending, distinct): the values after
    /// them move up. Used to take back rows found bad after they were appended.
    mutating func removeRows(_ rows: [Int]) {
        guard let first = rows.first else { return }
        func compact<T>(_ a: inout [T]) {
            var w = first, k = 0
            for r in first..<a.count {
                if k < rows.count && rows[k] == r { k += 1; continue }
                a[w] = a[r]
                w += 1
            }
            a.removeLast(a.count - w)
        }
        switch physical {
        case .int64: compact(&ints)
        case .double: compact(&doubles)
        case .bool: compact(&bools)
        case .string: if hexMode { compact(&hexWords) } else { compact(&codes) }
        }
        if hasNulls { compact(&validity) }
        count -= rows.count
    }

    mutating func appendNull() {
        if !hasNulls {
            validity = [UInt8](repeating: 1, count: count)
            hasNulls = true
        }
        switch physical {
        case .int64: ints.append(0)
        case .double: doubles.append(0)
        case .bool: bools.append(0)
        case .string:
            if hexMode {
                hexWords.append(0)
            } else {
                if emptyCode == UInt32.max { emptyCode = interner.intern(nil, 0) }
                codes.append(emptyCode)
            }
        }
        validity.append(0)
        count += 1
    }

    /// Converts hex-mode values to interned strings (same values, same rows).
    mutating func leaveHexMode() {
        guard hexMode else { return }
        hexMode = false
        let words = hexWords
        hexWords = []
        codes.reserveCapacity(max(words.count, 1024))
        var text = [UInt8](repeating: 0, count: 16)
        text.withUnsafeMutableBufferPointer { t in
            for i in 0..<words.count {
                if hasNulls && validity[i] == 0 {
                    if emptyCode == UInt32.max { emptyCode = interner.intern(nil, 0) }
                    codes.append(emptyCode)
                } else {
                    HexID.format16(words[i], into: t.baseAddress!)
                    codes.append(interner.intern(UnsafePointer(t.baseAddress!), 16))
                }
            }
        }
    }

    /// Forgets all values and frees their memory.
    mutating func reset() {
        self = ColumnBuilder(physical: physical)
    }
}

/// 16-character lowercase hex ids as 64-bit words whose numeric order is the strings'
/// byte-wise order.
enum HexID {
    /// The value of `p[0..<16]` if all 16 bytes are `0-9` or `a-f`, else nil.
    @inline(__always)
    static func parse16(_ p: UnsafePointer<UInt8>) -> UInt64? {
        var v: UInt64 = 0
        var bad: UInt8 = 0
        for i in 0..<16 {
            let c = p[i]
            let d = c &- 48
            let l = c &- 97
            let isDigit = d < 10
            bad |= (isDigit || l < 6) ? 0 : 1
            v = v << 4 | UInt64(isDigit ? d : l &+ 10)
        }
        return bad == 0 ? v : nil
    }

    /// Writes the 16 lowercase hex characters of `w` to `out`.
    @inline(__always)
    static func format16(_ w: UInt64, into out: UnsafeMutablePointer<UInt8>) {
        for i in 0..<16 {
            let d = UInt8(truncatingIfNeeded: w >> UInt64(60 - 4 * i)) & 15
            out[i] = d < 10 ? d &+ 48 : d &+ 87
        }
    }

    /// Codes and a byte-wise sorted dictionary of hex-id words (`validity` nil: all valid;
    /// NULL rows get code 0). An all-NULL column gets the one-entry dictionary `[""]`.
    static func dictionaryColumn(_ words: [UInt64], validity: [UInt8]?) -> (codes: [UInt32], dictionary: StringDictionary) {
        let n = words.count
        var keys: [UInt64] = []
        var rows: [UInt32] = []
        if let validity {
            keys.reserveCapacity(n)
            rows.reserveCapacity(n)
            for i in 0..<n where validity[i] != 0 {
                keys.append(words[i])
                rows.append(UInt32(i))
            }
        } else {
            keys = words
            rows = [UInt32](unsafeUninitializedCapacity: n) { b, c in
                for i in 0..<n { (b.baseAddress! + i).initialize(to: UInt32(i)) }
                c = n
            }
        }
        var codes = [UInt32](repeating: 0, count: n)
        guard !keys.isEmpty else { return (codes, StringDictionary(bytes: [], offsets: [0, 0])) }
        RadixSort.sort(&keys, &rows)
        var distinct = 1
        keys.withUnsafeBufferPointer { k in
            for i in 1..<k.count where k[i] != k[i - 1] { distinct += 1 }
        }
        var bytes = [UInt8](repeating: 0, count: distinct * 16)
        var offsets = [UInt32](repeating: 0, count: distinct + 1)
        keys.withUnsafeBufferPointer { k in
            rows.withUnsafeBufferPointer { r in
                codes.withUnsafeMutableBufferPointer { c in
                    bytes.withUnsafeMutableBufferPointer { b in
                        offsets.withUnsafeMutableBufferPointer { o in
                            var code = -1
                            var prev: UInt64 = 0
                            for i in 0..<k.count {
                                let x = k[i]
                                if code < 0 || x != prev {
                                    code += 1
                                    prev = x
                                    format16(x, into: b.baseAddress! + 16 * code)
                                    o[code + 1] = UInt32(16 * (code + 1))
                                }
                                c[Int(r[i])] = UInt32(code)
                            }
                        }
                    }
                }
            }
        }
        return (codes, StringDictionary(bytes: bytes, offsets: offsets))
    }
}

/// Concatenates row ranges of several builders (in the given order) into one column;
/// string dictionaries are merged and codes remapped.
func mergeColumn(_ builders: [ColumnBuilder], runs: [(worker: Int, lo: Int, hi: Int)]) -> Column {
    let total = runs.reduce(0) { $0 + $1.hi - $1.lo }
    let physical = builders[0].physical
    let used = Set(runs.map(\.worker))
    let allHex = physical == .string && used.allSatisfy { builders[$0].hexMode }
    var builders = builders
    if physical == .string && !allHex {
        for w in used { builders[w].leaveHexMode() }
    }
    var validity: [UInt8]? = nil
    let anyNulls = runs.contains { builders[$0.worker].hasNulls }
    if anyNulls {
        var v = [UInt8]()
        v.reserveCapacity(total)
        for r in runs {
            let b = builders[r.worker]
            if b.hasNulls { v.append(contentsOf: b.validity[r.lo..<r.hi]) } else { v.append(contentsOf: repeatElement(1, count: r.hi - r.lo)) }
        }
        validity = v
    }
    func concat<T>(_ key: KeyPath<ColumnBuilder, [T]>) -> [T] {
        var out = [T]()
        out.reserveCapacity(total)
        for r in runs { out.append(contentsOf: builders[r.worker][keyPath: key][r.lo..<r.hi]) }
        return out
    }
    switch physical {
    case .int64: return Column(.int64(concat(\.ints)), validity: validity)
    case .double: return Column(.double(concat(\.doubles)), validity: validity)
    case .bool: return Column(.bool(concat(\.bools)), validity: validity)
    case .string:
        if allHex {
            let (codes, dict) = HexID.dictionaryColumn(concat(\.hexWords), validity: validity)
            return Column(.string(codes: codes, dictionary: dict), validity: validity)
        }
        if used.count == 1, let w = used.first {
            return Column(.string(codes: concat(\.codes), dictionary: builders[w].interner.dictionary()), validity: validity)
        }
        var merged = ByteInterner(capacity: builders.reduce(0) { max($0, $1.interner.count) })
        var remaps = [[UInt32]](repeating: [], count: builders.count)
        for w in used.sorted() {
            let it = builders[w].interner
            var remap = [UInt32](repeating: 0, count: it.count)
            for code in 0..<it.count {
                remap[code] = it.withEntry(code) { p, n in merged.intern(p, n) }
            }
            remaps[w] = remap
        }
        var out = [UInt32]()
        out.reserveCapacity(total)
        for r in runs {
            let remap = remaps[r.worker]
            builders[r.worker].codes.withUnsafeBufferPointer { src in
                remap.withUnsafeBufferPointer { m in
                    for i in r.lo..<r.hi { out.append(m[Int(src[i])]) }
                }
            }
        }
        return Column(.string(codes: out, dictionary: merged.dictionary()), validity: validity)
    }
}
