import Foundation
import StrataCore
import StrataText

/// Evaluates bound expressions over batches, one kernel call per expression node per batch.
/// The local day of the row seen last, kept for runs of rows within it (sorted data repeats
/// days): `enter` needs no division while rows stay in the day.
struct DayCache {
    /// The day's first and one-past-last local microsecond (empty until the first `enter`).
    private(set) var start = Int64.max
    private var end = Int64.min

    /// Moves to the day of local microseconds `x`; true when that is another day.
    @inline(__always) mutating func enter(_ x: Int64) -> Bool {
        if x >= start && x < end { return false }
        start = Civil.floorDiv(x, Civil.microsPerDay) &* Civil.microsPerDay
        end = start &+ Civil.microsPerDay
        return true
    }

    /// The day, as days since 1970-01-01.
    var days: Int64 { start / Civil.microsPerDay }
}

public struct Evaluator: @unchecked Sendable {
    public let timeZone: TimeZoneRules
    public var nowMicros: Int64
    /// Decided once: per-value time functions skip the zone lookup for UTC sessions.
    let isUTC: Bool
    /// The statement's cancellation flag (`QueryEngine.interrupt()`): checked between batches.
    public var interruption: Interruption? = nil
    /// The statement's memory budget (Limits.swift), and its settings for `current_setting`.
    var memory: MemoryTracker? = nil
    var session: SessionSettings? = nil

    public init(timeZone: TimeZoneRules = .utc, nowMicros: Int64 = Int64(Date().timeIntervalSince1970 * 1e6)) {
        self.timeZone = timeZone
        self.nowMicros = nowMicros
        isUTC = timeZone.isFixedOffset && timeZone.offsetSeconds(atUTC: 0) == 0
    }

    // MARK: - entry points

    /// Row indexes (ascending) where `e` is TRUE.
    public func select(_ e: BExpr, _ b: Batch) throws(QueryError) -> [Int32] {
        if let sel = rangeSelect(e, b) { return sel }
        if let sel = dictionarySelect(e, b) { return sel }
        let v = try eval(e, b)
        let n = b.count
        if v.isConst { return !v.isNull(0) && v.ints[0] != 0 ? (0..<Int32(n)).map { $0 } : [] }
        // branch-free: write every row id, advance past the kept ones
        return [Int32](unsafeUninitializedCapacity: n) { sp, k in
            k = 0
            v.ints.withUnsafeBufferPointer { p in
                if let valid = v.valid {
                    valid.withUnsafeBufferPointer { vp in
                        for i in 0..<n {
                            sp[k] = Int32(truncatingIfNeeded: i)
                            k &+= (p[i] != 0 && vp[i] != 0) ? 1 : 0
                        }
                    }
                } else {
                    for i in 0..<n {
                        sp[k] = Int32(truncatingIfNeeded: i)
                        k &+= p[i] != 0 ? 1 : 0
                    }
                }
            }
        }
    }

    /// A string predicate (`=`, `IN`, `LIKE` …) on a dictionary-coded column: one table lookup
    /// per row code straight into the selection, no boolean vector.
    func dictionarySelect(_ e: BExpr, _ b: Batch) -> [Int32]? {
        guard case .stringPredicate(.column(let slot, _), let pred) = e, slot < b.columns.count, let v = b.columns[slot],
              !v.isConst, let d = v.dict, v.ints.count >= b.count else { return nil }
        let table = pred.table(for: d)
        let n = b.count
        return [Int32](unsafeUninitializedCapacity: n) { sp, k in
            k = 0
            table.withUnsafeBufferPointer { tp in v.ints.withUnsafeBufferPointer { cp in
                if let valid = v.valid {
                    valid.withUnsafeBufferPointer { vp in
                        for i in 0..<n {
                            sp[k] = Int32(truncatingIfNeeded: i)
                            k &+= Int(tp[Int(cp[i])] & vp[i])
                        }
                    }
                } else {
                    for i in 0..<n {
                        sp[k] = Int32(truncatingIfNeeded: i)
                        k &+= Int(tp[Int(cp[i])])
                    }
                }
            } }
        }
    }

    /// `col >= a AND col < b` and the like (every conjunct compares one integer-lane column
    /// with a constant): one pass to the selection, no intermediate boolean vectors.
    func rangeSelect(_ e: BExpr, _ b: Batch) -> [Int32]? {
        var conj: [BExpr] = []
        if case .and(let es) = e { conj = es } else { conj = [e] }
        var slot = -1
        var lo = Int64.min, hi = Int64.max
        for c in conj {
            guard case .binary(let op, .column(let i, let t), .literal(let lit, let lt), _) = c, t == lt, t.isIntLane,
                  slot == -1 || slot == i else { return nil }
            let x: Int64
            switch lit {
            case .int(let v), .timestamp(let v), .date(let v): x = v
            default: return nil
            }
            slot = i
            switch op {
            case .ge: lo = max(lo, x)
            case .gt: if x == .max { return [] } else { lo = max(lo, x + 1) }
            case .le: hi = min(hi, x)
            case .lt: if x == .min { return [] } else { hi = min(hi, x - 1) }
            case .eq: lo = max(lo, x); hi = min(hi, x)
            default: return nil
            }
        }
        guard slot >= 0, slot < b.columns.count, let v = b.columns[slot], !v.isConst, v.ints.count >= b.count else { return nil }
        let n = b.count
        if lo > hi { return [] }
        var sel = [Int32](repeating: 0, count: n)
        var k = 0
        let span = UInt64(bitPattern: hi &- lo)
        sel.withUnsafeMutableBufferPointer { sp in
            v.ints.withUnsafeBufferPointer { p in
                if let valid = v.valid {
                    valid.withUnsafeBufferPointer { vp in
                        for i in 0..<n {
                            sp[k] = Int32(truncatingIfNeeded: i)
                            k &+= (UInt64(bitPattern: p[i] &- lo) <= span && vp[i] != 0) ? 1 : 0
                        }
                    }
                } else {
                    for i in 0..<n {
                        sp[k] = Int32(truncatingIfNeeded: i)
                        k &+= UInt64(bitPattern: p[i] &- lo) <= span ? 1 : 0
                    }
                }
            }
        }
        sel.removeLast(n - k)
        return sel
    }

    public func eval(_ e: BExpr, _ b: Batch) throws(QueryError) -> Vec {
        let n = b.count
        switch e {
        case .column(let i, _):
            guard i < b.columns.count, let v = b.columns[i] else { throw QueryError("internal: column slot \(i) not loaded", kind: .internal) }
            return v
        case .literal(let v, let t):
            return Vec.constant(v, type: t, count: n)
        case .negate(let x):
            return try negateOrAbs(try eval(x, b), abs: false)
        case .binary(let op, let x, let y, let t):
            return try binary(op, try eval(x, b), try eval(y, b), t, n)
        case .and(let es):
            var acc = try eval(es[0], b)
            for x in es.dropFirst() { acc = logic(acc, try eval(x, b), and: true, n) }
            return acc
        case .or(let es):
            var acc = try eval(es[0], b)
            for x in es.dropFirst() { acc = logic(acc, try eval(x, b), and: false, n) }
            return acc
        case .not(let x):
            let v = try eval(x, b)
            return map1(v, .boolean, ints: { $0 == 0 ? 1 : 0 }, dbls: { $0 })
        case .isNull(let x, let negated):
            let v = try eval(x, b)
            let out = Vec(type: .boolean, count: n)
            if v.isConst {
                out.isConst = true
                out.ints = [(v.isNull(0) != negated) ? 1 : 0]
            } else if let valid = v.valid {
                out.ints = valid.map { (($0 == 0) != negated) ? 1 : 0 }
            } else {
                out.ints = [Int64](repeating: negated ? 1 : 0, count: n)
            }
            return out
        case .inList(let x, let values, let negated):
            let v = try eval(x, b)
            return inList(v, values, negated, n)
        case .stringPredicate(let x, let pred):
            let v = try eval(x, b)
            return stringPredicate(v, pred, n)
        case .caseWhen(let whens, let els, let t):
            return try caseWhen(whens, els, t, b)
        case .cast(let x, let t):
            return try cast(try eval(x, b), to: t)
        case .call(let fn, let args, let t):
            return try call(fn, try args.map { (a) throws(QueryError) -> Vec in try eval(a, b) }, t, n)
        case .timeAddInterval(let x, let months, let micros, let t):
            let v = try eval(x, b)
            let isDate = v.type == .date
            var bad = false
            if !isDate && months == 0 {
                // a fixed shift: one tight checked loop (range flags OR-ed, checked after)
                let n = v.ints.count, lo = Checked.minMicros, hi = Checked.maxMicros
                var flag: UInt8 = 0
                let out = Vec(type: t, count: v.count)
                out.isConst = v.isConst
                out.valid = v.valid
                out.ints = [Int64](unsafeUninitializedCapacity: n) { o, count in
                    v.ints.withUnsafeBufferPointer { p in
                        for i in 0..<n {
                            let (s, of) = p[i].addingReportingOverflow(micros)
                            o[i] = s
                            flag |= (of || s < lo || s > hi) ? 1 : 0
                        }
                    }
                    count = n
                }
                if flag != 0 && Evaluator.anyValid(v, where: { Checked.addInterval($0, months: 0, micros: micros) == nil }) {
                    throw Checked.timestampOutOfRange
                }
                return out
            }
            let out = map1(v, t, ints: { ts in
                // dates are within the supported range, whose days convert to microseconds
                let (r, o) = isDate ? ts.multipliedReportingOverflow(by: Civil.microsPerDay) : (ts, false)
                if !o, let s = Checked.addInterval(r, months: months, micros: micros) { return s }
                bad = true
                return 0
            }, dbls: { $0 })
            if bad && Evaluator.anyValid(v, where: { ts in
                let (r, o) = isDate ? ts.multipliedReportingOverflow(by: Civil.microsPerDay) : (ts, false)
                return o || Checked.addInterval(r, months: months, micros: micros) == nil
            }) {
                throw Checked.timestampOutOfRange
            }
            return out
        }
    }

    /// Whether some non-NULL row of `v`'s int lane satisfies `test` (re-checks a kernel's
    /// overflow flag: values under NULL rows are arbitrary and must not raise errors).
    static func anyValid(_ v: Vec, where test: (Int64) -> Bool) -> Bool {
        let m = v.isConst ? 1 : v.count
        for i in 0..<min(m, v.ints.count) where !v.isNull(i) && test(v.ints[i]) { return true }
        return false
    }

    /// `-x` or `abs(x)`; on BIGINT, -9223372036854775808 has no positive counterpart: an
    /// overflow error (as DuckDB), not a wrapped result.
    func negateOrAbs(_ v: Vec, abs: Bool) throws(QueryError) -> Vec {
        let out = Vec(type: v.type, count: v.count)
        out.isConst = v.isConst
        out.valid = v.valid
        if v.type == .double {
            out.dbls = abs ? v.dbls.map { Swift.abs($0) } : v.dbls.map { -$0 }
            return out
        }
        let n = v.ints.count
        var hitMin = false
        out.ints = [Int64](unsafeUninitializedCapacity: n) { o, count in
            v.ints.withUnsafeBufferPointer { p in
                var seen: Int64 = 0
                if abs {
                    for i in 0..<n { let x = p[i]; seen |= x == .min ? 1 : 0; o[i] = x < 0 ? 0 &- x : x }
                } else {
                    for i in 0..<n { let x = p[i]; seen |= x == .min ? 1 : 0; o[i] = 0 &- x }
                }
                hitMin = seen != 0
            }
            count = n
        }
        if hitMin && Evaluator.anyValid(v, where: { $0 == .min }) {
            throw Checked.overflow(abs ? "abs(\(Int64.min)): the result does not fit in BIGINT"
                                       : "negation of \(Int64.min): the result does not fit in BIGINT")
        }
        return out
    }

    // MARK: - kernels

    /// Applies `ints` to the int lane (or `dbls` to the double lane), keeping validity.
    func map1(_ v: Vec, _ t: DataType, ints f: (Int64) -> Int64, dbls g: (Double) -> Double) -> Vec {
        let out = Vec(type: t, count: v.count)
        out.isConst = v.isConst
        out.valid = v.valid
        if v.type == .double {
            if t == .double { out.dbls = v.dbls.map(g) } else { out.ints = v.dbls.map { f(Int64($0)) } }
        } else {
            out.ints = v.ints.map(f)
        }
        return out
    }

    /// Combined validity of two vectors (nil = all valid).
    func mergeValid(_ a: Vec, _ b: Vec, _ n: Int) -> [UInt8]? {
        if a.valid == nil && b.valid == nil { return nil }
        if a.isConst && b.isConst { return [(a.isNull(0) || b.isNull(0)) ? 0 : 1] }
        var out = [UInt8](repeating: 1, count: n)
        for i in 0..<n where a.isNull(i) || b.isNull(i) { out[i] = 0 }
        return out
    }

    /// The double lane of a numeric vector (ints converted).
    func doubles(_ v: Vec) -> [Double] {
        if v.type == .double { return v.dbls }
        return v.ints.map { Double($0) }
    }

    func ints(_ v: Vec, asMicros: Bool) -> [Int64] {
        if asMicros && v.type == .date { return v.ints.map { $0 &* Civil.microsPerDay } }
        return v.ints
    }

    func binary(_ op: BOp, _ a: Vec, _ b: Vec, _ t: DataType, _ n: Int) throws(QueryError) -> Vec {
        let out = Vec(type: t, count: n)
        let bothConst = a.isConst && b.isConst
        out.isConst = bothConst
        let m = bothConst ? 1 : n
        var valid = mergeValid(a, b, n)
        let sa = a.isConst ? 0 : 1, sb = b.isConst ? 0 : 1
        switch op {
        case .concat:
            out.strs = (0..<m).map { i in a.string(i * sa) + b.string(i * sb) }
        case .add, .sub, .mul, .div, .mod, .intDiv:
            if t == .double {
                let x = doubles(a), y = doubles(b)
                var r = [Double](repeating: 0, count: m)
                var zero = -1  // a row of `%` or `//` whose divisor is 0 (an error, as DuckDB's)
                x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                    switch op {
                    case .add: for i in 0..<m { r[i] = xp[i * sa] + yp[i * sb] }
                    case .sub: for i in 0..<m { r[i] = xp[i * sa] - yp[i * sb] }
                    case .mul: for i in 0..<m { r[i] = xp[i * sa] * yp[i * sb] }
                    // IEEE division, as DuckDB's: x / 0 is ±inf, 0 / 0 NaN (the positive one
                    // every DOUBLE NaN here is: x86 makes 0 / 0 the negative one)
                    case .div: for i in 0..<m { let q = xp[i * sa] / yp[i * sb]; r[i] = q.isNaN ? .nan : q }
                    default:
                        for i in 0..<m {
                            let d = yp[i * sb]
                            if d == 0 {
                                if zero < 0 && (valid == nil || valid![i] != 0) { zero = i }
                            } else {
                                r[i] = op == .intDiv ? xp[i * sa] / d : xp[i * sa].truncatingRemainder(dividingBy: d)
                            }
                        }
                    }
                } }
                if zero >= 0 { throw Checked.divisionByZero(Evaluator.text(.double(x[zero * sa])), op) }
                out.dbls = r
            } else {
                let x = a.ints, y = b.ints
                var r = [Int64](repeating: 0, count: m)
                if op == .add || op == .sub || op == .mul {
                    // one tight loop per operator; overflow flags are OR-ed and checked after
                    var overflow: UInt8 = 0
                    x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in r.withUnsafeMutableBufferPointer { rp in
                        switch op {
                        case .add:
                            for i in 0..<m { let (s, o) = xp[i * sa].addingReportingOverflow(yp[i * sb]); rp[i] = s; overflow |= o ? 1 : 0 }
                        case .sub:
                            for i in 0..<m { let (s, o) = xp[i * sa].subtractingReportingOverflow(yp[i * sb]); rp[i] = s; overflow |= o ? 1 : 0 }
                        default:
                            for i in 0..<m { let (s, o) = xp[i * sa].multipliedReportingOverflow(by: yp[i * sb]); rp[i] = s; overflow |= o ? 1 : 0 }
                        }
                    } } }
                    if overflow != 0 {
                        // only rows that are not NULL count (values under NULLs are arbitrary)
                        for i in 0..<m where valid == nil || valid![i] != 0 {
                            let p = x[i * sa], q = y[i * sb]
                            let o: Bool
                            switch op {
                            case .add: o = p.addingReportingOverflow(q).overflow
                            case .sub: o = p.subtractingReportingOverflow(q).overflow
                            default: o = p.multipliedReportingOverflow(by: q).overflow
                            }
                            if o {
                                if t == .date { throw Checked.dateOutOfRange }
                                throw Checked.arithmeticOverflow(op, p, q)
                            }
                        }
                    }
                    if t == .date && Evaluator.dateOutOfRange(r, valid) { throw Checked.dateOutOfRange }
                } else {
                    for i in 0..<m {
                        if valid != nil && valid![i] == 0 { continue }
                        let p = x[i * sa], q = y[i * sb]
                        if q == 0 {
                            throw Checked.divisionByZero(String(p), op)
                        } else if q == -1 {
                            // x % -1 is 0; x // -1 is -x, which overflows for the minimum
                            if op != .mod && p == .min { throw Checked.arithmeticOverflow(op, p, q) }
                            r[i] = op == .mod ? 0 : 0 &- p
                        } else {
                            r[i] = op == .mod ? p % q : p / q
                        }
                    }
                }
                out.ints = r
            }
        case .eq, .ne, .lt, .le, .gt, .ge:
            var r = [Int64](repeating: 0, count: m)
            if a.type == .varchar || b.type == .varchar {
                for i in 0..<m {
                    let c = compareStrings(a, i * sa, b, i * sb)
                    r[i] = cmpResult(op, c) ? 1 : 0
                }
            } else if a.type == .double || b.type == .double {
                let x = doubles(a), y = doubles(b)
                x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                    for i in 0..<m {
                        // SQL order of DOUBLE: -0.0 = 0.0, NaN = NaN and above +inf
                        r[i] = cmpResult(op, OrderWord.compare(xp[i * sa], yp[i * sb])) ? 1 : 0
                    }
                } }
            } else {
                let mixed = (a.type == .date) != (b.type == .date)
                let x = ints(a, asMicros: mixed), y = ints(b, asMicros: mixed)
                x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                    switch op {
                    case .eq: for i in 0..<m { r[i] = xp[i * sa] == yp[i * sb] ? 1 : 0 }
                    case .ne: for i in 0..<m { r[i] = xp[i * sa] != yp[i * sb] ? 1 : 0 }
                    case .lt: for i in 0..<m { r[i] = xp[i * sa] < yp[i * sb] ? 1 : 0 }
                    case .le: for i in 0..<m { r[i] = xp[i * sa] <= yp[i * sb] ? 1 : 0 }
                    case .gt: for i in 0..<m { r[i] = xp[i * sa] > yp[i * sb] ? 1 : 0 }
                    default: for i in 0..<m { r[i] = xp[i * sa] >= yp[i * sb] ? 1 : 0 }
                    }
                } }
            }
            out.ints = r
        }
        out.valid = valid
        return out
    }

    /// Whether some non-NULL day of `r` is outside the supported DATE range (date ± days).
    static func dateOutOfRange(_ r: [Int64], _ valid: [UInt8]?) -> Bool {
        let lo = Checked.minDays, hi = Checked.maxDays
        var bad: UInt8 = 0
        r.withUnsafeBufferPointer { p in for x in p { bad |= (x < lo || x > hi) ? 1 : 0 } }
        if bad == 0 { return false }
        return r.indices.contains { (valid == nil || valid![$0] != 0) && (r[$0] < lo || r[$0] > hi) }
    }

    func compareStrings(_ a: Vec, _ i: Int, _ b: Vec, _ j: Int) -> Int {
        var x = a.string(i), y = b.string(j)
        return x.withUTF8 { p in y.withUTF8 { q in compareBytes(p, q) } }
    }

    func cmpResult(_ op: BOp, _ c: Int) -> Bool { op.holds(c) }

    /// SQL three-valued AND / OR.
    func logic(_ a: Vec, _ b: Vec, and: Bool, _ n: Int) -> Vec {
        let out = Vec(type: .boolean, count: n)
        let bothConst = a.isConst && b.isConst
        out.isConst = bothConst
        let m = bothConst ? 1 : n
        let sa = a.isConst ? 0 : 1, sb = b.isConst ? 0 : 1
        var r = [Int64](repeating: 0, count: m)
        if a.valid == nil && b.valid == nil {
            a.ints.withUnsafeBufferPointer { x in b.ints.withUnsafeBufferPointer { y in
                if and { for i in 0..<m { r[i] = x[i * sa] & y[i * sb] } } else { for i in 0..<m { r[i] = x[i * sa] | y[i * sb] } }
            } }
            out.ints = r
            return out
        }
        var valid = [UInt8](repeating: 1, count: m)
        for i in 0..<m {
            let an = a.isNull(i * sa), bn = b.isNull(i * sb)
            let av = a.ints[i * sa] != 0, bv = b.ints[i * sb] != 0
            if and {
                if (!an && !av) || (!bn && !bv) { r[i] = 0 } else if an || bn { valid[i] = 0 } else { r[i] = 1 }
            } else {
                if (!an && av) || (!bn && bv) { r[i] = 1 } else if an || bn { valid[i] = 0 } else { r[i] = 0 }
            }
        }
        out.ints = r
        out.valid = valid.contains(0) ? valid : nil
        return out
    }

    func inList(_ v: Vec, _ values: [Value], _ negated: Bool, _ n: Int) -> Vec {
        let out = Vec(type: .boolean, count: n)
        out.isConst = v.isConst
        out.valid = v.valid
        let m = v.isConst ? 1 : n
        var r = [Int64](repeating: 0, count: m)
        let listHasNull = values.contains { $0.isNull }
        switch v.type {
        case .varchar:
            let set = Set(values.compactMap { if case .string(let s) = $0 { return s } else { return nil } })
            if let d = v.dict {
                var table = [Int64](repeating: 0, count: d.count)
                let dd = d.dict
                for k in 0..<d.count where set.contains(dd[k]) { table[k] = 1 }
                for i in 0..<m { r[i] = table[Int(v.ints[i])] }
            } else {
                for i in 0..<m { r[i] = set.contains(v.strs[i]) ? 1 : 0 }
            }
        case .double:
            let set = Set(values.compactMap { x -> Double? in
                switch x { case .double(let d): return d; case .int(let i): return Double(i); default: return nil }
            })
            for i in 0..<m { r[i] = set.contains(v.dbls[i]) ? 1 : 0 }
        default:
            let set = Set(values.compactMap { x -> Int64? in
                switch x {
                case .int(let i), .timestamp(let i), .date(let i): return i
                case .bool(let b): return b ? 1 : 0
                default: return nil
                }
            })
            if set.count <= 8 {
                // a short list: compare with every value, OR-ing hits without branches, over
                // buffer pointers (no bounds checks or array accesses per row)
                let arr = Array(set)
                arr.withUnsafeBufferPointer { ap in
                    r.withUnsafeMutableBufferPointer { rp in
                        v.ints.withUnsafeBufferPointer { p in
                            let k = ap.count
                            for i in 0..<m {
                                let x = p[i]
                                var hit: Int64 = 0
                                for j in 0..<k { hit |= ap[j] == x ? 1 : 0 }
                                rp[i] = hit
                            }
                        }
                    }
                }
            } else if let lo = set.min(), let hi = set.max(), UInt64(bitPattern: hi &- lo) < 1 << 22 {
                // a compact range: one bit per value between the smallest and the largest
                let span = UInt64(bitPattern: hi &- lo)
                var bits = [UInt64](repeating: 0, count: Int(span >> 6) + 1)
                for x in set { let o = UInt64(bitPattern: x &- lo); bits[Int(o >> 6)] |= 1 << (o & 63) }
                bits.withUnsafeBufferPointer { bp in
                    r.withUnsafeMutableBufferPointer { rp in
                        v.ints.withUnsafeBufferPointer { p in
                            for i in 0..<m {
                                let o = UInt64(bitPattern: p[i] &- lo)
                                rp[i] = o <= span ? Int64((bp[Int(o >> 6)] >> (o & 63)) & 1) : 0
                            }
                        }
                    }
                }
            } else {
                for i in 0..<m { r[i] = set.contains(v.ints[i]) ? 1 : 0 }
            }
        }
        if negated { for i in 0..<m { r[i] ^= 1 } }
        if listHasNull {
            // x IN (..., NULL) is NULL unless true; x NOT IN (..., NULL) is NULL unless false
            var valid = v.valid ?? [UInt8](repeating: 1, count: m)
            for i in 0..<m where (r[i] == 0) != negated { valid[i] = 0 }
            out.valid = valid
        }
        out.ints = r
        return out
    }

    func stringPredicate(_ v: Vec, _ pred: StringPredicate, _ n: Int) -> Vec {
        let out = Vec(type: .boolean, count: n)
        out.isConst = v.isConst
        out.valid = v.valid
        let m = v.isConst ? 1 : n
        if let d = v.dict {
            let t = pred.table(for: d)
            var r = [Int64](repeating: 0, count: m)
            t.withUnsafeBufferPointer { tp in v.ints.withUnsafeBufferPointer { cp in
                for i in 0..<m { r[i] = Int64(tp[Int(cp[i])]) }
            } }
            out.ints = r
        } else {
            out.ints = (0..<m).map { i in
                var s = v.strs[i]
                return s.withUTF8 { pred.test($0) } ? 1 : 0
            }
        }
        return out
    }

    func caseWhen(_ whens: [(BExpr, BExpr)], _ els: BExpr?, _ t: DataType, _ b: Batch) throws(QueryError) -> Vec {
        let n = b.count
        // decided[i]: a branch has been taken
        var decided = [Bool](repeating: false, count: n)
        var resultI = [Int64](repeating: 0, count: t == .double || t == .varchar ? 0 : n)
        var resultD = [Double](repeating: 0, count: t == .double ? n : 0)
        var resultS = [String](repeating: "", count: t == .varchar ? n : 0)
        var resultV = [Int64](repeating: 0, count: t == .interval ? n : 0)
        var valid = [UInt8](repeating: 0, count: n)
        func take(_ v: Vec, _ rows: [Int]) {
            for i in rows {
                if v.isNull(i) { valid[i] = 0; continue }
                valid[i] = 1
                let j = v.idx(i)
                switch t {
                case .double: resultD[i] = v.type == .double ? v.dbls[j] : Double(v.ints[j])
                case .varchar: resultS[i] = v.string(i)
                default:
                    resultI[i] = v.type == .double ? Int64(v.dbls[j]) : v.ints[j]
                    if t == .interval { resultV[i] = v.ivl.isEmpty ? 0 : v.ivl[j] }
                }
            }
        }
        for (cond, val) in whens {
            let c = try eval(cond, b)
            var rows: [Int] = []
            for i in 0..<n where !decided[i] && !c.isNull(i) && c.ints[c.idx(i)] != 0 { rows.append(i); decided[i] = true }
            if !rows.isEmpty { take(try eval(val, b), rows) }
        }
        let rest = (0..<n).filter { !decided[$0] }
        if let els, !rest.isEmpty { take(try eval(els, b), rest) }
        let out = Vec(type: t, count: n)
        out.ints = resultI
        out.dbls = resultD
        out.strs = resultS
        out.ivl = resultV
        out.valid = valid.contains(0) ? valid : nil
        return out
    }

    // MARK: - casts

    /// `CAST(v AS t)`; `int32`: the target is INTEGER, a BIGINT whose values must fit in 32 bits
    /// (DuckDB's INTEGER; there is no separate 32-bit lane).
    public func cast(_ v: Vec, to t: DataType, int32: Bool = false) throws(QueryError) -> Vec {
        if int32 && t == .bigint && v.type != .null { return try castInt32(v) }
        if v.type == t || v.type == .null && t == .null { return v }
        let m = v.isConst ? 1 : v.count
        let out = Vec(type: t, count: v.count)
        out.isConst = v.isConst
        out.valid = v.valid
        if v.type == .null {
            out.valid = [0]
            out.isConst = true
            out.ints = [0]; out.dbls = [0]; out.strs = [""]
            return out
        }
        switch (v.type, t) {
        case (.bigint, .double), (.boolean, .double):
            out.dbls = v.ints.map { Double($0) }
        case (.double, .bigint):
            // rounds half to even, as DuckDB's DOUBLE -> BIGINT; NaN, ±inf and values beyond
            // the BIGINT range are errors (Int64(_:) would trap)
            let n = v.dbls.count
            var bad = false
            out.ints = [Int64](unsafeUninitializedCapacity: n) { o, count in
                v.dbls.withUnsafeBufferPointer { p in
                    for i in 0..<n {
                        let r = p[i].rounded(.toNearestOrEven)
                        let ok = r >= -9_223_372_036_854_775_808.0 && r < 9_223_372_036_854_775_808.0
                        o[i] = ok ? Int64(r) : 0
                        bad = bad || !ok
                    }
                }
                count = n
            }
            if bad, let i = (0..<n).first(where: { !v.isNull($0) && Int64(exactly: v.dbls[$0].rounded(.toNearestOrEven)) == nil }) {
                throw Checked.castOutOfRange("DOUBLE", Values.formatDouble(v.dbls[i]), "BIGINT")
            }
        case (.boolean, .bigint), (.bigint, .boolean):
            out.ints = v.ints.map { t == .boolean ? ($0 != 0 ? 1 : 0) : $0 }
        case (.timestamp, .date):
            let tz = self, n = v.ints.count
            out.ints = [Int64](unsafeUninitializedCapacity: n) { o, count in
                v.ints.withUnsafeBufferPointer { src in
                    if isUTC {
                        // floor division by a constant: one multiply-shift per value
                        let day: Int64 = 86_400_000_000
                        for i in 0..<n {
                            let x = src[i], q = x / day
                            o[i] = q * day > x ? q - 1 : q  // |q * day| <= |x|: no overflow
                        }
                    } else {
                        for i in 0..<n { o[i] = Civil.floorDiv(tz.local(src[i]), Civil.microsPerDay) }
                    }
                }
                count = n
            }
        case (.date, .timestamp):
            var bad = false
            out.ints = v.ints.map { d in
                let (r, o) = d.multipliedReportingOverflow(by: Civil.microsPerDay)
                bad = bad || o
                return r
            }
            if bad && Evaluator.anyValid(v, where: { $0.multipliedReportingOverflow(by: Civil.microsPerDay).overflow }) {
                throw Checked.timestampOutOfRange
            }
        case (_, .varchar):
            out.strs = (0..<m).map { i in v.isNull(i) ? "" : Evaluator.text(v.value(i)) }
        case (.varchar, _):
            var ints = [Int64](repeating: 0, count: t == .double ? 0 : m)
            var dbls = [Double](repeating: 0, count: t == .double ? m : 0)
            for i in 0..<m where !v.isNull(i) {
                let s = v.string(i)
                switch t {
                case .bigint:
                    guard let x = Values.parseInt64(s.trimmingCharacters(in: .whitespaces)) ?? Evaluator.decimalTextToInt64(s) else { throw QueryError("cannot cast '\(s)' to BIGINT") }
                    ints[i] = x
                case .double:
                    guard let x = Values.parseDouble(s.trimmingCharacters(in: .whitespaces)) else { throw QueryError("cannot cast '\(s)' to DOUBLE") }
                    dbls[i] = x
                case .boolean:
                    guard let x = Values.parseBool(s.trimmingCharacters(in: .whitespaces)) else { throw QueryError("cannot cast '\(s)' to BOOLEAN") }
                    ints[i] = x ? 1 : 0
                case .timestamp:
                    guard let x = Civil.parseTimestamp(s, format: .iso) else { throw QueryError("cannot cast '\(s)' to TIMESTAMP") }
                    ints[i] = x
                case .date:
                    guard let x = Civil.parseDate(s) else { throw QueryError("cannot cast '\(s)' to DATE") }
                    ints[i] = x
                default:
                    throw QueryError("cannot cast VARCHAR to \(t)")
                }
            }
            out.ints = ints
            out.dbls = dbls
        default:
            throw QueryError("cannot cast \(v.type) to \(t)")
        }
        return out
    }

    /// `CAST(v AS INTEGER)`: as a cast to BIGINT, then every non-NULL value must fit in 32 bits.
    func castInt32(_ v: Vec) throws(QueryError) -> Vec {
        let lo = Int64(Int32.min), hi = Int64(Int32.max)
        if v.type == .varchar {
            let m = v.isConst ? 1 : v.count
            for i in 0..<m where !v.isNull(i) {
                let s = v.string(i)
                if let x = Values.parseInt64(s.trimmingCharacters(in: .whitespaces)), x < lo || x > hi {
                    throw QueryError("conversion error: could not convert string '\(s)' to INTEGER: out of range")
                }
            }
        }
        let w: Vec
        do throws(QueryError) { w = try cast(v, to: .bigint) } catch {
            throw QueryError(error.message.replacingOccurrences(of: "BIGINT", with: "INTEGER"), offset: error.offset, kind: error.kind)
        }
        var bad: UInt8 = 0
        w.ints.withUnsafeBufferPointer { p in for x in p { bad |= (x < lo || x > hi) ? 1 : 0 } }
        if bad != 0 {
            let m = w.isConst ? 1 : w.count
            for i in 0..<min(m, w.ints.count) where !w.isNull(i) && (w.ints[i] < lo || w.ints[i] > hi) {
                if v.type == .double { throw Checked.castOutOfRange("DOUBLE", Values.formatDouble(v.dbls[i]), "INTEGER") }
                throw Checked.castOutOfRange(v.type == .boolean ? "BOOLEAN" : "BIGINT", String(w.ints[i]), "INTEGER")
            }
        }
        return w
    }

    /// Text form of a value (CAST to VARCHAR, string functions).
    public static func text(_ v: Value) -> String {
        switch v {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return Values.formatDouble(d)
        case .string(let s): return s
        case .timestamp(let t): return Civil.formatTimestamp(t)
        case .date(let d): return Civil.formatDate(d)
        case .interval(let mo, let d, let us): return IntervalParts.text(mo, d, us)
        case .list(let xs): return ListPool.text(xs.items)
        }
    }

    // MARK: - time

    @inline(__always) func local(_ us: Int64) -> Int64 { isUTC ? us : timeZone.toLocal(us) }

    func addMonths(_ us: Int64, _ months: Int64) -> Int64 {
        let days = Civil.floorDiv(us, Civil.microsPerDay)
        let rem = us - days * Civil.microsPerDay
        let (y, m, d) = Civil.civilFromDays(days)
        let total = y * 12 + (m - 1) + months
        let ny = Civil.floorDiv(total, 12), nm = total - ny * 12 + 1
        let nd = min(d, Int64(Civil.daysInMonth(year: ny, month: nm)))
        return Civil.daysFromCivil(ny, nm, nd) * Civil.microsPerDay + rem
    }

    /// date_trunc over a timestamp column, a typed loop: units of a day and longer convert each
    /// day once (rows within the day seen last need no division), shorter ones are arithmetic.
    func truncateTimestamps(_ v: Vec, to unit: Civil.Unit, _ t: DataType) -> Vec {
        let n = v.count
        let out = Vec(type: t, count: n)
        out.valid = v.valid
        let utc = isUTC
        let subDay: Int64
        switch unit {
        case .microsecond: subDay = 1
        case .millisecond: subDay = 1_000
        case .second: subDay = Civil.microsPerSecond
        case .minute: subDay = Civil.microsPerMinute
        case .hour: subDay = Civil.microsPerHour
        default: subDay = 0
        }
        out.ints = [Int64](unsafeUninitializedCapacity: n) { r, done in
            v.ints.withUnsafeBufferPointer { p in
                if subDay > 0 {
                    for i in 0..<n {
                        let x = utc ? p[i] : timeZone.toLocal(p[i])
                        r[i] = x - Civil.floorMod(x, subDay)
                    }
                } else {
                    var day = DayCache(), lastStart: Int64 = 0
                    for i in 0..<n {
                        if day.enter(utc ? p[i] : timeZone.toLocal(p[i])) {
                            lastStart = Civil.truncateDays(day.days, to: unit) * Civil.microsPerDay
                        }
                        r[i] = lastStart
                    }
                }
            }
            done = n
        }
        return out
    }

    /// EXTRACT over a date or timestamp column (not epoch), a typed loop per field: the day's
    /// bounds are kept, so rows of the day seen last (sorted data repeats days) need no
    /// division; calendar fields are computed once per day.
    func extractColumn(_ v: Vec, _ field: TimeField) -> Vec {
        let n = v.count
        let out = Vec(type: .bigint, count: n)
        out.valid = v.valid
        let isDate = v.type == .date, utc = isUTC
        if utc && !isDate, let (unit, modulus) = Evaluator.clockField(field) {
            // a clock field of a UTC instant: arithmetic on the microseconds, one typed loop
            // without a branch per row (divisors are literals: multiplies)
            out.ints = [Int64](unsafeUninitializedCapacity: n) { r, done in
                v.ints.withUnsafeBufferPointer { p in
                    let perDay: Int64 = 86_400_000_000
                    switch unit {
                    case 3_600_000_000: for i in 0..<n { r[i] = Civil.floorMod(p[i], perDay) / 3_600_000_000 }
                    case 60_000_000: for i in 0..<n { r[i] = (Civil.floorMod(p[i], perDay) / 60_000_000) % 60 }
                    default: for i in 0..<n { r[i] = (Civil.floorMod(p[i], perDay) / unit) % modulus }
                    }
                }
                done = n
            }
            return out
        }
        out.ints = [Int64](unsafeUninitializedCapacity: n) { r, done in
            v.ints.withUnsafeBufferPointer { p in
                var day = DayCache(), value: Int64 = 0
                /// Sets `r[i] = f(local micros, start of its day, whether the day changed)`.
                @inline(__always) func each(_ f: (Int64, Int64, Bool) -> Int64) {
                    for i in 0..<n {
                        let x = isDate ? p[i] &* Civil.microsPerDay : (utc ? p[i] : timeZone.toLocal(p[i]))
                        let changed = day.enter(x)
                        r[i] = f(x, day.start, changed)
                    }
                }
                switch field {
                case .hour: each { x, d, _ in (x - d) / Civil.microsPerHour }
                case .minute: each { x, d, _ in ((x - d) / Civil.microsPerMinute) % 60 }
                case .second: each { x, d, _ in ((x - d) / Civil.microsPerSecond) % 60 }
                case .millisecond: each { x, d, _ in ((x - d) / 1000) % 60_000 }
                case .microsecond: each { x, d, _ in (x - d) % 60_000_000 }
                default:
                    // calendar fields depend on the day only
                    each { x, _, changed in
                        if changed { value = extract(field, x) }
                        return value
                    }
                }
            }
            done = n
        }
        return out
    }

    /// The unit and modulus of a field read off the time of day (hour, minute, second, ...).
    static func clockField(_ f: TimeField) -> (Int64, Int64)? {
        switch f {
        case .hour: return (Civil.microsPerHour, 24)
        case .minute: return (Civil.microsPerMinute, 60)
        case .second: return (Civil.microsPerSecond, 60)
        case .millisecond: return (1_000, 60_000)
        case .microsecond: return (1, 60_000_000)
        default: return nil
        }
    }

    func extract(_ f: TimeField, _ localMicros: Int64) -> Int64 {
        let days = Civil.floorDiv(localMicros, Civil.microsPerDay)
        let tod = localMicros - days * Civil.microsPerDay
        switch f {
        case .year: return Civil.civilFromDays(days).year
        case .quarter: return Int64(Civil.quarter(days: days))
        case .month: return Civil.civilFromDays(days).month
        case .day: return Civil.civilFromDays(days).day
        case .week: return Int64(Civil.isoWeek(days: days).week)
        case .dow: return Int64(Civil.weekday(days: days) % 7)
        case .isodow: return Int64(Civil.weekday(days: days))
        case .doy: return Int64(Civil.dayOfYear(days: days))
        case .hour: return tod / Civil.microsPerHour
        case .minute: return (tod / Civil.microsPerMinute) % 60
        case .second: return (tod / Civil.microsPerSecond) % 60
        case .millisecond: return (tod / 1000) % 60_000
        case .microsecond: return tod % 60_000_000
        case .epoch: return Civil.floorDiv(localMicros, Civil.microsPerSecond)
        }
    }

    func call(_ fn: ScalarFn, _ args: [Vec], _ t: DataType, _ n: Int) throws(QueryError) -> Vec {
        switch fn {
        case .now(let us):
            return Vec.constant(.timestamp(us), type: .timestamp, count: n)
        case .string(let f):
            return try stringCall(f, args, t, n)
        case .time(let f):
            return try timeCall(f, args, t, n)
        case .dateTrunc(let unit):
            let v = args[0]
            try checkTimeRange(v)
            if v.type == .date {
                return map1(v, t, ints: { d in
                    let r = Civil.truncateDays(d, to: unit)
                    return t == .timestamp ? r * Civil.microsPerDay : r
                }, dbls: { $0 })
            }
            if v.isConst || v.type != .timestamp {
                let tz = self
                return map1(v, t, ints: { Civil.truncate(tz.local($0), to: unit) }, dbls: { $0 })
            }
            return truncateTimestamps(v, to: unit, t)
        case .startOfWeekSunday:
            let v = args[0]
            try checkTimeRange(v)
            let tz = self
            return map1(v, t, ints: { x in
                let days = v.type == .date ? x : Civil.floorDiv(tz.local(x), Civil.microsPerDay)
                let start = days - Int64(Civil.weekday(days: days) % 7)
                return t == .date ? start : start * Civil.microsPerDay
            }, dbls: { $0 })
        case .castInteger:
            return try cast(args[0], to: .bigint, int32: true)
        case .tryCast(let to, let int32):
            let v = args[0]
            do throws(QueryError) { return try cast(v, to: to, int32: int32) } catch {
                if error.kind != .user { throw error }
            }
            // some value does not convert: cast row by row, NULL where it fails
            let m = v.isConst ? 1 : v.count
            var vals: [Value] = []
            vals.reserveCapacity(m)
            for i in 0..<m {
                let x = v.value(i)
                if x.isNull { vals.append(.null); continue }
                let one = (try? cast(Vec.constant(x, type: v.type, count: 1), to: to, int32: int32))?.value(0)
                vals.append(one ?? .null)
            }
            let out = Vec.from(vals[...], type: to)
            out.isConst = v.isConst
            out.count = v.count
            return out
        case .toDate:
            let v = args[0]
            if v.type == .date { return v }
            return try cast(v, to: .date)
        case .extract(let field):
            let v = args[0]
            try checkTimeRange(v)
            if field == .epoch || v.isConst || (v.type != .timestamp && v.type != .date) {
                let tz = self
                let isDate = v.type == .date
                return map1(v, .bigint, ints: { x in
                    tz.extract(field, isDate ? x * Civil.microsPerDay : tz.local(x))
                }, dbls: { $0 })
            }
            return extractColumn(v, field)
        case .abs:
            return try negateOrAbs(args[0], abs: true)
        case .floor:
            return map1(args[0], t, ints: { $0 }, dbls: { $0.rounded(.down) })
        case .ceil:
            return map1(args[0], t, ints: { $0 }, dbls: { $0.rounded(.up) })
        case .round(let digits):
            return try round(args[0], digits: digits, t)
        case .coalesce, .greatest, .least:
            let m = args.allSatisfy(\.isConst) ? 1 : n
            let out = Vec(type: t, count: n)
            out.isConst = m == 1
            var vals: [Value] = []
            vals.reserveCapacity(m)
            for i in 0..<m {
                var pick: Value = .null
                for a in args {
                    let x = a.value(a.isConst ? 0 : i)
                    if x.isNull { continue }
                    if case .coalesce = fn { pick = x; break }
                    if pick.isNull || (fn.isGreatest ? Evaluator.compareValues(x, pick) > 0 : Evaluator.compareValues(x, pick) < 0) { pick = x }
                }
                vals.append(pick)
            }
            let built = Vec.from(vals[...], type: t)
            built.isConst = out.isConst
            built.count = n
            return built
        case .nullif:
            let a = args[0], b = args[1]
            let eq = try binary(.eq, a, b, .boolean, n)
            let out = a.isConst && !eq.isConst ? a.flattened() : a
            let res = Vec(type: out.type, count: n)
            res.isConst = out.isConst && eq.isConst
            res.ints = out.ints; res.dbls = out.dbls; res.strs = out.strs; res.dict = out.dict; res.ivl = out.ivl
            let m = res.isConst ? 1 : n
            var valid = out.valid ?? [UInt8](repeating: 1, count: m)
            for i in 0..<m where !eq.isNull(i) && eq.ints[eq.idx(i)] != 0 { valid[i] = 0 }
            res.valid = valid.contains(0) ? valid : nil
            return res
        }
    }

    /// Calendar functions (truncation, extraction) convert days to microseconds and back, and
    /// shift by a zone offset: stored values outside the supported range (within a few days of
    /// the `Int64` limits) would overflow there; they are an error instead.
    func checkTimeRange(_ v: Vec) throws(QueryError) {
        guard v.type == .date || v.type == .timestamp else { return }
        let (lo, hi) = v.type == .date ? (Checked.minDays, Checked.maxDays) : (Checked.minMicros, Checked.maxMicros)
        var bad: UInt8 = 0
        // one unsigned comparison per value (x - lo beyond hi - lo): a loop the compiler vectorizes
        let span = UInt64(bitPattern: hi &- lo)
        v.ints.withUnsafeBufferPointer { p in for x in p { bad |= UInt64(bitPattern: x &- lo) > span ? 1 : 0 } }
        if bad != 0 && Evaluator.anyValid(v, where: { $0 < lo || $0 > hi }) {
            throw v.type == .date ? Checked.dateOutOfRange : Checked.timestampOutOfRange
        }
    }

    /// `round(x, digits)` as DuckDB: halves away from zero; on DOUBLE, a digit count so large
    /// that the scaling overflows returns `x` unchanged (positive digits) or 0 (negative), never
    /// NaN or infinity; on BIGINT, negative digits round to tens, hundreds ... (positive digits:
    /// unchanged) and a result beyond BIGINT is an overflow error.
    func round(_ v: Vec, digits: Int, _ t: DataType) throws(QueryError) -> Vec {
        if v.type == .double {
            if digits == 0 { return map1(v, t, ints: { $0 }, dbls: { $0.rounded(.toNearestOrAwayFromZero) }) }
            // |digits| beyond ±400 scale every finite double to 0 or infinity alike
            let d = Swift.max(-400, Swift.min(400, digits))
            let p = pow(10.0, Double(Swift.abs(d)))
            if d > 0 {
                return map1(v, t, ints: { $0 }, dbls: { x in
                    let r = (x * p).rounded(.toNearestOrAwayFromZero) / p
                    return r.isFinite ? r : x
                })
            }
            return map1(v, t, ints: { $0 }, dbls: { x in
                let r = (x / p).rounded(.toNearestOrAwayFromZero) * p
                return r.isFinite ? r : 0
            })
        }
        if digits >= 0 || v.type != .bigint { return v }
        if digits < -18 {
            // 10^19 exceeds BIGINT: every value rounds to 0
            return map1(v, t, ints: { _ in 0 }, dbls: { $0 })
        }
        var p: Int64 = 1
        for _ in 0..<(-digits) { p *= 10 }
        var bad = false
        let out = map1(v, t, ints: { x in
            let q = x / p, r = x % p
            let up = r.magnitude >= (p.magnitude + 1) / 2 ? (x < 0 ? q - 1 : q + 1) : q
            let (s, o) = up.multipliedReportingOverflow(by: p)
            bad = bad || o
            return s
        }, dbls: { $0 })
        if bad && Evaluator.anyValid(v, where: { x in
            let q = x / p, r = x % p
            return (r.magnitude >= (p.magnitude + 1) / 2 ? (x < 0 ? q - 1 : q + 1) : q).multipliedReportingOverflow(by: p).overflow
        }) {
            throw Checked.overflow("round(…, \(digits)): the result does not fit in BIGINT")
        }
        return out
    }

    /// Total order used by ORDER BY, min/max and greatest/least: NULL handled by callers;
    /// numbers compare numerically across int/double; strings byte-wise.
    public static func compareValues(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case (.string(let x), .string(let y)):
            var x = x, y = y
            return x.withUTF8 { p in y.withUTF8 { q in compareBytes(p, q) } }
        case (.double(let x), .double(let y)): return OrderWord.compare(x, y)
        case (.double(let x), .int(let y)): return compareValues(.double(x), .double(Double(y)))
        case (.int(let x), .double(let y)): return compareValues(.double(Double(x)), .double(y))
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        default:
            let x = intKey(a), y = intKey(b)
            return x < y ? -1 : (x > y ? 1 : 0)
        }
    }

    static func intKey(_ v: Value) -> Int64 {
        switch v {
        case .int(let i), .timestamp(let i): return i
        case .date(let d): return d &* Civil.microsPerDay
        case .bool(let b): return b ? 1 : 0
        case .interval(let m, let d, let us): return IntervalParts.normalized(m, d, us)
        default: return 0
        }
    }
}

extension ScalarFn {
    var isGreatest: Bool { if case .greatest = self { return true } else { return false } }
}
