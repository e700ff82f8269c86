import Foundation
import StrataCore
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
        case .interval: return .interval(0, word)
        case .bigint: return .int(word)
        }
    }
}

public enum AggKind: Sendable, Equatable {
    case countStar, count, sum, avg, min, max, countDistinct, approxCountDistinct, any, argMin, argMax
    case quantile(Double), countIf, sumIf
    /// Most frequent non-NULL value; ties go to the smallest value.
    case mode
}

/// A bound aggregate: kind, argument(s), optional FILTER, result type.
public struct AggSpec: Sendable {
    public var kind: AggKind
    public var args: [BExpr]
    public var filter: BExpr?
    public var type: DataType
    /// `sum(CASE WHEN c THEN x ELSE 0 END)` rewritten to a conditional aggregate: the result
    /// is 0 when no row matches and NULL only when there are no rows at all (as sum's).
    public var fromSumCase = false

    public init(kind: AggKind, args: [BExpr], filter: BExpr?, type: DataType, fromSumCase: Bool = false) {
        self.kind = kind
        self.args = args
        self.filter = filter
        self.type = type
        self.fromSumCase = fromSumCase
    }
}

/// State of one aggregate for all groups (arrays indexed by group id).
final class AggState {
    let spec: AggSpec
    let inputType: DataType
    var counts: [Int64] = []
    var isum: [Int64] = []
    var dsum: [Double] = []
    var ext: [Value] = []
    var argKey: [Value] = []
    var lists: [[Double]] = []
    var hll: [[UInt8]?] = []
    var pairs: DistinctPairs?
    /// min/max over VARCHAR: the interner id of each group's extreme (-1: none yet), so
    /// rows repeating the current extreme cost one integer compare and no string.
    var sbest: [Int64] = []
    var interner: StringInterner?
    var stringExtreme: Bool { (spec.kind == .min || spec.kind == .max) && inputType == .varchar }
    /// min/max over DOUBLE or an integer lane (BIGINT, DATE, TIMESTAMP, BOOLEAN): typed best
    /// values in `ibest`/`dbest`, `counts[g] > 0` once group g has one.
    let typedExtreme: Bool
    var ibest: [Int64] = []
    var dbest: [Double] = []
    /// mode(): (group, value word, occurrences) runs, counted at the end.
    var modes: ModeCounts?
    private var distinctCounted = false
    /// 4096 (group + 1, value) pairs recently inserted into `pairs` (count DISTINCT only).
    lazy var recentPairs: UnsafeMutablePointer<Int64> = {
        let p = UnsafeMutablePointer<Int64>.allocate(capacity: 2 * 4096)
        p.initialize(repeating: 0, count: 2 * 4096)
        return p
    }()
    var overflow = false
    /// No GROUP BY: every row belongs to group 0, so updates are plain reductions.
    var singleGroup = false
    /// Threads that finishing count(DISTINCT) and mode() may use.
    var threads = 1

    deinit {
        if spec.kind == .countDistinct { recentPairs.deallocate() }
    }

    init(_ spec: AggSpec) {
        self.spec = spec
        let t = spec.args.first?.type ?? .null
        inputType = t
        typedExtreme = (spec.kind == .min || spec.kind == .max)
            && (t == .double || t == .bigint || t == .date || t == .timestamp || t == .boolean)
        if spec.kind == .countDistinct { pairs = DistinctPairs() }
        if spec.kind == .mode { modes = ModeCounts() }
    }

    func grow(_ groups: Int) {
        let add = groups - counts.count
        guard add > 0 else { return }
        counts.append(contentsOf: repeatElement(0, count: add))
        switch spec.kind {
        case .sum, .avg, .sumIf:
            if inputType == .double || spec.kind == .avg { dsum.append(contentsOf: repeatElement(0, count: add)) }
            else { isum.append(contentsOf: repeatElement(0, count: add)) }
        case .min where stringExtreme, .max where stringExtreme: sbest.append(contentsOf: repeatElement(-1, count: add))
        case .min where typedExtreme, .max where typedExtreme:
            if inputType == .double { dbest.append(contentsOf: repeatElement(0, count: add)) }
            else { ibest.append(contentsOf: repeatElement(0, count: add)) }
        case .min, .max, .any: ext.append(contentsOf: repeatElement(.null, count: add))
        case .argMin, .argMax:
            ext.append(contentsOf: repeatElement(.null, count: add))
            argKey.append(contentsOf: repeatElement(.null, count: add))
        case .quantile: lists.append(contentsOf: repeatElement([], count: add))
        case .approxCountDistinct: hll.append(contentsOf: repeatElement(nil, count: add))
        default: break
        }
    }

    /// Vectorized paths for the common shapes (flat, no NULLs, no FILTER). Returns false when
    /// the general path must run.
    func updateFast(_ gids: [Int32], _ args: [Vec], _ mask: Vec?) -> Bool {
        guard mask == nil else { return false }
        let n = gids.count
        if singleGroup && n > 0 && reduceSingle(n, args) { return true }
        switch spec.kind {
        case .countStar:
            counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in
                for i in 0..<n { c[Int(g[i])] &+= 1 }
            } }
            return true
        case .countIf:
            let v = args[0]
            guard !v.isConst, v.valid == nil else { return false }
            counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in v.ints.withUnsafeBufferPointer { x in
                for i in 0..<n { c[Int(g[i])] &+= x[i] }  // x is 0/1
            } } }
            return true
        case .sum, .avg, .sumIf:
            let v = args[0]
            guard !v.isConst, v.valid == nil else { return false }
            var cond: UnsafeBufferPointer<Int64>? = nil
            var condArray: [Int64] = []
            if spec.kind == .sumIf {
                let c = args[1]
                guard !c.isConst, c.valid == nil else { return false }
                condArray = c.ints
            }
            return condArray.withUnsafeBufferPointer { cp -> Bool in
                if spec.kind == .sumIf { cond = cp }
                let useDouble = inputType == .double || spec.kind == .avg
                counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in
                    if useDouble {
                        dsum.withUnsafeMutableBufferPointer { s in
                            if v.type == .double {
                                v.dbls.withUnsafeBufferPointer { x in
                                    if let cond { for i in 0..<n where cond[i] != 0 { let k = Int(g[i]); c[k] &+= 1; s[k] += x[i] } }
                                    else { for i in 0..<n { let k = Int(g[i]); c[k] &+= 1; s[k] += x[i] } }
                                }
                            } else {
                                v.ints.withUnsafeBufferPointer { x in
                                    if let cond { for i in 0..<n where cond[i] != 0 { let k = Int(g[i]); c[k] &+= 1; s[k] += Double(x[i]) } }
                                    else { for i in 0..<n { let k = Int(g[i]); c[k] &+= 1; s[k] += Double(x[i]) } }
                                }
                            }
                        }
                    } else {
                        var o = false
                        isum.withUnsafeMutableBufferPointer { s in v.ints.withUnsafeBufferPointer { x in
                            for i in 0..<n where cond == nil || cond![i] != 0 {
                                let k = Int(g[i])
                                c[k] &+= 1
                                let (r, of) = s[k].addingReportingOverflow(x[i])
                                s[k] = r
                                o = o || of
                            }
                        } }
                        if o { overflow = true }
                    }
                } }
                return true
            }
        default:
            return false
        }
    }

    /// Reductions into group 0 with independent accumulators (no loop-carried dependency on
    /// one memory cell).
    func reduceSingle(_ n: Int, _ args: [Vec]) -> Bool {
        switch spec.kind {
        case .countStar:
            counts[0] += Int64(n)
            return true
        case .countIf:
            let v = args[0]
            guard !v.isConst, v.valid == nil else { return false }
            var a: Int64 = 0
            v.ints.withUnsafeBufferPointer { x in for i in 0..<n { a &+= x[i] } }
            counts[0] += a
            return true
        case .sum, .avg:
            let v = args[0]
            guard !v.isConst, v.valid == nil else { return false }
            counts[0] += Int64(n)
            if inputType == .double || spec.kind == .avg {
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                if v.type == .double {
                    v.dbls.withUnsafeBufferPointer { x in
                        var i = 0
                        while i + 4 <= n { s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]; i += 4 }
                        while i < n { s0 += x[i]; i += 1 }
                    }
                } else {
                    v.ints.withUnsafeBufferPointer { x in for i in 0..<n { s0 += Double(x[i]) } }
                }
                dsum[0] += (s0 + s1) + (s2 + s3)
            } else {
                var acc = isum[0]
                var o: UInt8 = 0
                v.ints.withUnsafeBufferPointer { x in
                    // the overflow flag is OR-ed without a branch: the loop stays a straight
                    // add / set-on-overflow / or sequence
                    for i in 0..<n {
                        let (r, of) = acc.addingReportingOverflow(x[i])
                        acc = r
                        o |= of ? 1 : 0
                    }
                }
                isum[0] = acc
                if o != 0 { overflow = true }
            }
            return true
        default:
            return false
        }
    }

    /// `rows`: selected rows of the batch (indexes into the argument vectors) and their group ids.
    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        if stringExtreme {
            updateStringExtreme(gids, args[0], mask, keys.interner)
            return
        }
        if typedExtreme {
            updateTypedExtreme(gids, args[0], mask)
            return
        }
        if updateFast(gids, args, mask) { return }
        let n = gids.count
        @inline(__always) func take(_ i: Int) -> Bool {
            if let mask, mask.isNull(i) || mask.ints[mask.idx(i)] == 0 { return false }
            return true
        }
        switch spec.kind {
        case .countStar:
            if mask == nil { for g in gids { counts[Int(g)] += 1 } } else { for i in 0..<n where take(i) { counts[Int(gids[i])] += 1 } }
        case .count:
            let v = args[0]
            for i in 0..<n where take(i) && !v.isNull(i) { counts[Int(gids[i])] += 1 }
        case .countIf:
            let v = args[0]
            for i in 0..<n where take(i) && !v.isNull(i) && v.ints[v.idx(i)] != 0 { counts[Int(gids[i])] += 1 }
        case .sum, .avg, .sumIf:
            let v = args[0]
            let cond: Vec? = spec.kind == .sumIf ? args[1] : nil
            let useDouble = inputType == .double || spec.kind == .avg
            for i in 0..<n where take(i) && !v.isNull(i) {
                if let c = cond, c.isNull(i) || c.ints[c.idx(i)] == 0 { continue }
                let g = Int(gids[i])
                counts[g] += 1
                let j = v.idx(i)
                if useDouble {
                    dsum[g] += v.type == .double ? v.dbls[j] : Double(v.ints[j])
                } else {
                    let (s, o) = isum[g].addingReportingOverflow(v.ints[j])
                    isum[g] = s
                    if o { overflow = true }
                }
            }
        case .min, .max:
            let v = args[0]
            let isMin = spec.kind == .min
            for i in 0..<n where take(i) && !v.isNull(i) {
                let g = Int(gids[i])
                let x = v.value(i)
                if ext[g].isNull { ext[g] = x; continue }
                let c = Evaluator.compareValues(x, ext[g])
                if isMin ? c < 0 : c > 0 { ext[g] = x }
            }
        case .any:
            let v = args[0]
            for i in 0..<n where take(i) && !v.isNull(i) {
                let g = Int(gids[i])
                if ext[g].isNull { ext[g] = v.value(i) }
            }
        case .argMin, .argMax:
            let v = args[0], k = args[1]
            let isMin = spec.kind == .argMin
            for i in 0..<n where take(i) && !k.isNull(i) {
                let g = Int(gids[i])
                let key = k.value(i)
                if argKey[g].isNull {
                    argKey[g] = key; ext[g] = v.value(i); continue
                }
                let c = Evaluator.compareValues(key, argKey[g])
                if isMin ? c < 0 : c > 0 { argKey[g] = key; ext[g] = v.value(i) }
            }
        case .quantile:
            let v = args[0]
            for i in 0..<n where take(i) && !v.isNull(i) {
                let j = v.idx(i)
                lists[Int(gids[i])].append(v.type == .double ? v.dbls[j] : Double(v.ints[j]))
            }
        case .countDistinct:
            let v = args[0]
            let (words, nulls) = keys.words(v, n: n)
            let set = pairs!
            // Rows arrive sorted by the table's sort key, so equal pairs cluster (a visitor's
            // session): a small direct-mapped cache of recently seen pairs screens them out.
            let recent = recentPairs
            let rows = AggState.countedRows(n, nulls, mask)
            gids.withUnsafeBufferPointer { g in words.withUnsafeBufferPointer { w in rows.withUnsafeBufferPointer { rp in
                for r in rp {
                    let i = Int(r)
                    let gi = g[i], wi = w[i]
                    let slot = Int(truncatingIfNeeded: (UInt64(bitPattern: wi) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(UInt32(bitPattern: gi))) >> 52)
                    if recent[2 * slot] == Int64(gi) + 1 && recent[2 * slot + 1] == wi { continue }
                    recent[2 * slot] = Int64(gi) + 1
                    recent[2 * slot + 1] = wi
                    set.append(group: gi, value: wi)
                }
            } } }
        case .mode:
            let v = args[0]
            let (words, nulls) = keys.words(v, n: n)
            let m = modes!
            if v.dict?.hexWords != nil { m.hex = true }
            interner = keys.interner
            let rows = AggState.countedRows(n, nulls, mask)
            gids.withUnsafeBufferPointer { g in words.withUnsafeBufferPointer { w in rows.withUnsafeBufferPointer { rp in
                for r in rp { m.add(group: g[Int(r)], value: w[Int(r)]) }
            } } }
        case .approxCountDistinct:
            let v = args[0]
            let (words, nulls) = keys.words(v, n: n)
            for i in 0..<n where take(i) && nulls[i] == 0 {
                let g = Int(gids[i])
                if hll[g] == nil { hll[g] = [UInt8](repeating: 0, count: HLL.registers) }
                HLL.add(&hll[g]!, words[i])
            }
        }
    }

    /// Rows whose argument is not NULL (`nulls[i] == 0`) and whose FILTER holds, in order.
    static func countedRows(_ n: Int, _ nulls: [Int64], _ mask: Vec?) -> [Int32] {
        var maskBits: [Int64] = []
        var maskValid: [UInt8] = []
        var constOff = false
        if let mask {
            if mask.isConst {
                constOff = mask.isNull(0) || mask.ints[0] == 0
            } else {
                maskBits = mask.ints
                maskValid = mask.valid ?? []
            }
        }
        if constOff { return [] }
        return [Int32](unsafeUninitializedCapacity: n) { out, k in
            k = 0
            nulls.withUnsafeBufferPointer { np in maskBits.withUnsafeBufferPointer { mp in maskValid.withUnsafeBufferPointer { vp in
                let useMask = mp.count >= n, useValid = vp.count >= n
                // the row is written, the count moves on only for kept rows: no branch per
                // row, and the loop for the common case (no FILTER) tests the NULL word alone
                if !useMask && !useValid {
                    for i in 0..<n {
                        out[k] = Int32(truncatingIfNeeded: i)
                        k &+= np[i] == 0 ? 1 : 0
                    }
                } else {
                    for i in 0..<n {
                        out[k] = Int32(truncatingIfNeeded: i)
                        let m = useMask ? (mp[i] != 0 ? 1 : 0) : 1
                        let v = useValid ? (vp[i] != 0 ? 1 : 0) : 1
                        k &+= (np[i] == 0 ? 1 : 0) & m & v
                    }
                }
            } } }
        }
    }

    func updateTypedExtreme(_ gids: [Int32], _ v: Vec, _ mask: Vec?) {
        let n = gids.count
        let isMin = spec.kind == .min
        let step = v.isConst ? 0 : 1
        let plain = mask == nil && v.valid == nil
        @inline(__always) func skip(_ i: Int) -> Bool {
            if let mask, mask.isNull(i) || mask.ints[mask.idx(i)] == 0 { return true }
            return v.isNull(i)
        }
        counts.withUnsafeMutableBufferPointer { c in gids.withUnsafeBufferPointer { g in
            if inputType == .double {
                let xs = v.type == .double ? v.dbls : v.ints.map { Double($0) }
                dbest.withUnsafeMutableBufferPointer { b in xs.withUnsafeBufferPointer { x in
                    for i in 0..<n where plain || !skip(i) {
                        let k = Int(g[i]), y = x[i * step]
                        if c[k] == 0 { c[k] = 1; b[k] = y } else if isMin ? OrderWord.less(y, b[k]) : OrderWord.less(b[k], y) { b[k] = y }
                    }
                } }
            } else {
                ibest.withUnsafeMutableBufferPointer { b in v.ints.withUnsafeBufferPointer { x in
                    for i in 0..<n where plain || !skip(i) {
                        let k = Int(g[i]), y = x[i * step]
                        if c[k] == 0 { c[k] = 1; b[k] = y } else if isMin ? y < b[k] : y > b[k] { b[k] = y }
                    }
                } }
            }
        } }
    }

    /// Whether interner id `id` becomes a string min/max whose current value is `cur` (-1: none).
    @inline(__always) static func replaces(_ id: Int64, _ cur: Int64, isMin: Bool, _ interner: StringInterner) -> Bool {
        if cur == id { return false }
        if cur < 0 { return true }
        let c = interner.compare(id, cur)
        return isMin ? c < 0 : c > 0
    }

    func updateStringExtreme(_ gids: [Int32], _ v: Vec, _ mask: Vec?, _ interner: StringInterner) {
        self.interner = interner
        let n = gids.count
        // interner ids: through the dictionary's map (codes index it), or of each string
        let map: [Int64], codes: [Int64]
        if let d = v.dict {
            map = interner.map(d)
            codes = v.ints
        } else if v.type == .varchar {
            map = interner.ids(v.strs)
            codes = v.isConst ? [0] : Array(0..<Int64(map.count))
        } else {
            return  // NULL-typed argument: nothing to take
        }
        let isMin = spec.kind == .min
        let step = v.isConst ? 0 : 1
        // rows to skip: NULL arguments, and rows the FILTER mask excludes
        let filtered = v.valid != nil || mask != nil
        let skip: [UInt8] = filtered ? (0..<n).map { i in
            if let mask, mask.isNull(i) || mask.ints[mask.idx(i)] == 0 { return 1 }
            return v.isNull(i) ? 1 : 0
        } : []
        sbest.withUnsafeMutableBufferPointer { best in
            gids.withUnsafeBufferPointer { gp in
                codes.withUnsafeBufferPointer { cp in
                    map.withUnsafeBufferPointer { mp in skip.withUnsafeBufferPointer { sp in
                        for i in 0..<n {
                            if filtered && sp[i] != 0 { continue }
                            let g = Int(gp[i]), id = mp[Int(cp[i * step])]
                            if AggState.replaces(id, best[g], isMin: isMin, interner) { best[g] = id }
                        }
                    } }
                }
            }
        }
    }

    /// Folds `other` into `self`; `map[g]` is the group id in `self` of `other`'s group g.
    func merge(_ other: AggState, _ map: [Int32]) {
        if stringExtreme {
            guard let interner = interner ?? other.interner else { return }
            self.interner = interner
            let isMin = spec.kind == .min
            sbest.withUnsafeMutableBufferPointer { b in
                other.sbest.withUnsafeBufferPointer { o in
                    map.withUnsafeBufferPointer { m in
                        for g in 0..<m.count {
                            let t = Int(m[g]), x = o[g]
                            if x >= 0 && AggState.replaces(x, b[t], isMin: isMin, interner) { b[t] = x }
                        }
                    }
                }
            }
            return
        }
        if typedExtreme {
            let isMin = spec.kind == .min
            for g in 0..<map.count where other.counts[g] > 0 {
                let t = Int(map[g])
                if inputType == .double {
                    let y = other.dbest[g]
                    if counts[t] == 0 || (isMin ? OrderWord.less(y, dbest[t]) : OrderWord.less(dbest[t], y)) { dbest[t] = y }
                } else {
                    let y = other.ibest[g]
                    if counts[t] == 0 || (isMin ? y < ibest[t] : y > ibest[t]) { ibest[t] = y }
                }
                counts[t] = 1
            }
            return
        }
        if spec.kind == .mode {
            modes!.absorb(other.modes!, map)
            return
        }
        if spec.kind == .countStar || spec.kind == .count || spec.kind == .countIf {
            counts.withUnsafeMutableBufferPointer { c in
                other.counts.withUnsafeBufferPointer { o in
                    map.withUnsafeBufferPointer { m in for g in 0..<m.count { c[Int(m[g])] += o[g] } }
                }
            }
            return
        }
        for g in 0..<map.count {
            let t = Int(map[g])
            switch spec.kind {
            case .countStar, .count, .countIf: counts[t] += other.counts[g]
            case .sum, .avg, .sumIf:
                counts[t] += other.counts[g]
                if !dsum.isEmpty { dsum[t] += other.dsum[g] } else {
                    let (s, o) = isum[t].addingReportingOverflow(other.isum[g])
                    isum[t] = s
                    if o { overflow = true }
                }
            case .min, .max:
                let x = other.ext[g]
                if x.isNull { continue }
                if ext[t].isNull { ext[t] = x; continue }
                let c = Evaluator.compareValues(x, ext[t])
                if spec.kind == .min ? c < 0 : c > 0 { ext[t] = x }
            case .any:
                if ext[t].isNull { ext[t] = other.ext[g] }
            case .argMin, .argMax:
                let k = other.argKey[g]
                if k.isNull { continue }
                if argKey[t].isNull { argKey[t] = k; ext[t] = other.ext[g]; continue }
                let c = Evaluator.compareValues(k, argKey[t])
                if spec.kind == .argMin ? c < 0 : c > 0 { argKey[t] = k; ext[t] = other.ext[g] }
            case .quantile: lists[t].append(contentsOf: other.lists[g])
            case .approxCountDistinct:
                guard let o = other.hll[g] else { continue }
                if hll[t] == nil { hll[t] = o } else { for r in 0..<HLL.registers { hll[t]![r] = max(hll[t]![r], o[r]) } }
            case .countDistinct, .mode:
                break  // handled below / above
            }
        }
        if spec.kind == .countDistinct, let op = other.pairs { pairs!.absorb(op, map) }
        overflow = overflow || other.overflow
    }

    /// Results of groups `0..<n` as one vector.
    func finalizeVec(_ n: Int, emptyInput: Bool, interner: StringInterner) throws(QueryError) -> Vec {
        if spec.kind == .countDistinct && !distinctCounted {
            pairs!.count(into: &counts, threads: threads)
            distinctCounted = true
        }
        if typedExtreme {
            let v = Vec(type: spec.type, count: n)
            if inputType == .double { v.dbls = Array(dbest.prefix(n)) } else { v.ints = Array(ibest.prefix(n)) }
            if counts.prefix(n).contains(0) { v.valid = counts.prefix(n).map { $0 == 0 ? 0 : 1 } }
            return v
        }
        if spec.kind == .mode { return modes!.finalize(n, type: spec.type, interner: interner, threads: threads) }
        if stringExtreme {
            let v = Vec(type: .varchar, count: n)
            let best = sbest.prefix(n)
            v.ints = best.map { max($0, 0) }
            if best.contains(where: { $0 < 0 }) { v.valid = best.map { $0 < 0 ? 0 : 1 } }
            v.dict = interner.dictRef()
            return v
        }
        if !spec.fromSumCase {
            switch spec.kind {
            case .countStar, .count, .countIf, .countDistinct:
                let v = Vec(type: spec.type, count: n)
                v.ints = Array(counts.prefix(n))
                return v
            case .sum where dsum.isEmpty && spec.type == .bigint, .sumIf where dsum.isEmpty && spec.type == .bigint:
                if overflow && counts.prefix(n).contains(where: { $0 > 0 }) {
                    throw QueryError("integer overflow in sum(): the total does not fit in BIGINT; cast the argument to DOUBLE")
                }
                let v = Vec(type: spec.type, count: n)
                v.ints = Array(isum.prefix(n))
                if counts.prefix(n).contains(0) { v.valid = counts.prefix(n).map { $0 == 0 ? 0 : 1 } }
                return v
            default: break
            }
        }
        var vals: [Value] = []
        vals.reserveCapacity(n)
        for g in 0..<n { vals.append(try finalize(g, emptyInput: emptyInput)) }
        return Vec.from(vals[...], type: spec.type)
    }

    func finalize(_ g: Int, emptyInput: Bool = false) throws(QueryError) -> Value {
        if spec.kind == .countDistinct && !distinctCounted {
            pairs!.count(into: &counts)
            distinctCounted = true
        }
        if spec.fromSumCase {
            if emptyInput { return .null }
            if counts[g] == 0 { return spec.type == .double ? .double(0) : .int(0) }
        }
        switch spec.kind {
        case .countStar, .count, .countIf, .countDistinct: return .int(counts[g])
        case .sum, .sumIf:
            if counts[g] == 0 { return .null }
            if !dsum.isEmpty { return .double(dsum[g]) }
            if overflow { throw QueryError("integer overflow in sum(): the total does not fit in BIGINT; cast the argument to DOUBLE") }
            return .int(isum[g])
        case .avg:
            return counts[g] == 0 ? .null : .double(dsum[g] / Double(counts[g]))
        case .min where stringExtreme, .max where stringExtreme:
            return sbest[g] < 0 ? .null : .string(interner!.string(sbest[g]))
        case .min where typedExtreme, .max where typedExtreme:
            if counts[g] == 0 { return .null }
            switch inputType {
            case .double: return .double(dbest[g])
            case .date: return .date(ibest[g])
            case .timestamp: return .timestamp(ibest[g])
            case .boolean: return .bool(ibest[g] != 0)
            default: return .int(ibest[g])
            }
        case .mode:
            return modes!.finalize(counts.count, type: spec.type, interner: interner ?? StringInterner(), threads: threads).value(g)
        case .min, .max, .any, .argMin, .argMax: return ext[g]
        case .quantile(let p):
            var xs = lists[g]
            if xs.isEmpty { return .null }
            xs.sort()
            // DuckDB quantile_cont: linear interpolation between closest ranks
            let pos = p * Double(xs.count - 1)
            let lo = Int(pos.rounded(.down)), hi = min(lo + 1, xs.count - 1)
            let v = xs[lo] + (xs[hi] - xs[lo]) * (pos - Double(lo))
            return .double(v)
        case .approxCountDistinct:
            guard let r = hll[g] else { return .int(0) }
            return .int(HLL.estimate(r))
        }
    }
}

/// HyperLogLog with 2^12 registers (standard error 1.04/sqrt(4096) ≈ 1.6%).
enum HLL {
    static let precision = 12
    static let registers = 1 << precision

    static func add(_ r: inout [UInt8], _ word: Int64) {
        var h = UInt64(bitPattern: word) &* 0x9E37_79B9_7F4A_7C15  // wrapping: hash mixing
        h ^= h >> 31
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        let idx = Int(h >> UInt64(64 - precision))
        let rest = (h << UInt64(precision)) | (1 << UInt64(precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > r[idx] { r[idx] = rank }
    }

    static func estimate(_ r: [UInt8]) -> Int64 {
        let m = Double(registers)
        var sum = 0.0
        var zeros = 0
        for x in r {
            sum += pow(2.0, -Double(x))
            if x == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        var e = alpha * m * m / sum
        if e <= 2.5 * m && zeros > 0 { e = m * log(m / Double(zeros)) }  // linear counting for small sets
        return Int64(e.rounded())
    }
}
