import Foundation
import StrataCore
import StrataText

// Evaluation of `TimeFn` calls (see TimeFunctions.swift). Per-row loops over typed lanes; the
// string-producing functions over few distinct values (dayname, monthname) return dictionary
// vectors.
extension Evaluator {
    /// Rows to compute: 1 when every argument is constant.
    private func rows(_ args: [Vec], _ n: Int) -> Int { args.allSatisfy(\.isConst) ? 1 : n }

    /// Validity of the result: NULL where any argument is NULL.
    private func validity(_ args: [Vec], _ m: Int) -> [UInt8]? {
        guard args.contains(where: { $0.valid != nil }) else { return nil }
        var v = [UInt8](repeating: 1, count: m)
        v.withUnsafeMutableBufferPointer { out in
            for a in args {
                guard let valid = a.valid else { continue }
                if a.isConst {
                    if valid[0] == 0 { out.update(repeating: 0) }
                    continue
                }
                // a typed loop: validity bytes are 0 or 1
                valid.withUnsafeBufferPointer { vp in for i in 0..<m { out[i] &= vp[i] } }
            }
        }
        return v
    }

    private func output(_ t: DataType, _ args: [Vec], _ n: Int) -> (Vec, Int) {
        let m = rows(args, n)
        let out = Vec(type: t, count: n)
        out.isConst = m == 1 && args.allSatisfy(\.isConst)
        out.valid = validity(args, m)
        return (out, m)
    }

    /// Microseconds of a TIMESTAMP or DATE row (UTC).
    @inline(__always) private func micros(_ v: Vec, _ i: Int) -> Int64 {
        let x = v.ints[v.idx(i)]
        return v.type == .date ? x &* Civil.microsPerDay : x
    }

    /// Local wall-clock microseconds of a row (dates are already local days).
    @inline(__always) private func localMicros(_ v: Vec, _ i: Int) -> Int64 {
        let x = v.ints[v.idx(i)]
        return v.type == .date ? x &* Civil.microsPerDay : local(x)
    }

    private func int(_ v: Vec, _ i: Int) -> Int64 {
        let j = v.idx(i)
        return v.type == .double ? Int64(v.dbls[j]) : v.ints[j]
    }

    private func dbl(_ v: Vec, _ i: Int) -> Double {
        let j = v.idx(i)
        return v.type == .double ? v.dbls[j] : Double(v.ints[j])
    }

    /// `ts + months + days + micros`, months and days in the session zone's calendar; nil
    /// when out of range.
    func addInterval(_ ts: Int64, _ mo: Int64, _ d: Int64, _ us: Int64) -> Int64? {
        guard ts >= Checked.minMicros, ts <= Checked.maxMicros else { return nil }
        var r = ts
        if mo != 0 || d != 0 {
            let l = local(ts)
            let (dus, o) = d.multipliedReportingOverflow(by: Civil.microsPerDay)
            guard !o, let moved = Checked.addInterval(l, months: mo, micros: dus) else { return nil }
            r = isUTC ? moved : timeZone.toUTC(localMicros: moved)
        }
        return Checked.addInterval(r, months: 0, micros: us)
    }

    func timeCall(_ fn: TimeFn, _ args: [Vec], _ t: DataType, _ n: Int) throws(QueryError) -> Vec {
        switch fn {
        case .parseInterval, .age: return try intervalCall(fn, args, n)
        default: break
        }
        let (out, m) = output(t, args, n)
        func isNull(_ i: Int) -> Bool { out.valid.map { $0[i] == 0 } ?? false }
        switch fn {
        case .addInterval(let negate):
            let a = args[0], b = args[1]
            var r = [Int64](repeating: 0, count: m)
            for i in 0..<m where !isNull(i) {
                var (mo, d, us) = IntervalParts.parts(b, b.idx(i))
                if negate {
                    guard mo != .min, d != .min, us != .min else { throw Checked.timestampOutOfRange }
                    mo = -mo; d = -d; us = -us
                }
                guard let x = addInterval(micros(a, i), mo, d, us) else { throw Checked.timestampOutOfRange }
                r[i] = x
            }
            out.ints = r
        case .diffTimestamps where args[0].type == .timestamp && args[1].type == .timestamp && !args[0].isConst && !args[1].isConst:
            // two timestamp columns: one typed loop, overflow flags OR-ed; when one is set, the
            // non-NULL rows are checked again (a NULL row's difference is computed, then dropped)
            var overflow = false
            var p = [Int64](repeating: 0, count: m)
            out.ints = [Int64](unsafeUninitializedCapacity: m) { r, done in
                args[0].ints.withUnsafeBufferPointer { a in args[1].ints.withUnsafeBufferPointer { b in p.withUnsafeMutableBufferPointer { pp in
                    for i in 0..<m {
                        let (x, o) = a[i].subtractingReportingOverflow(b[i])
                        overflow = overflow || o
                        r[i] = x
                        pp[i] = IntervalParts.pack(0, x / IntervalParts.day)
                    }
                } } }
                done = m
            }
            if overflow, (0..<m).contains(where: { !isNull($0) && args[0].ints[$0].subtractingReportingOverflow(args[1].ints[$0]).overflow }) {
                throw Checked.overflow("subtraction of timestamps: the interval does not fit")
            }
            out.ivl = p
        case .diffTimestamps:
            let a = args[0], b = args[1]
            var r = [Int64](repeating: 0, count: m), p = [Int64](repeating: 0, count: m)
            for i in 0..<m where !isNull(i) {
                let (x, o) = micros(a, i).subtractingReportingOverflow(micros(b, i))
                if o { throw Checked.overflow("subtraction of timestamps: the interval does not fit") }
                // as IntervalParts.fromMicros: no months, whole days, the rest in micros
                r[i] = x
                p[i] = IntervalParts.pack(0, x / IntervalParts.day)
            }
            out.ints = r; out.ivl = p
        case .intervalAdd, .intervalScale, .intervalNegate, .toInterval:
            var r = [Int64](repeating: 0, count: m), p = [Int64](repeating: 0, count: m)
            for i in 0..<m where !isNull(i) {
                let v: Value?
                switch fn {
                case .intervalAdd(let negate):
                    let (m1, d1, u1) = IntervalParts.parts(args[0], args[0].idx(i))
                    let (m2, d2, u2) = IntervalParts.parts(args[1], args[1].idx(i))
                    let s: Int64 = negate ? -1 : 1
                    v = IntervalParts.make(m1 + s * m2, d1 + s * d2, u1 &+ s &* u2)
                case .intervalScale(let divide):
                    let (m1, d1, u1) = IntervalParts.parts(args[0], args[0].idx(i))
                    let k = args[1]
                    if divide {
                        // DuckDB: months and days divide with their remainders carried down
                        let q = dbl(k, i)
                        if q == 0 { throw QueryError("division by zero: interval / 0") }
                        let mf = Double(m1) / q
                        let mw = mf.rounded(.towardZero)
                        let df = Double(d1) / q + (mf - mw) * 30
                        let dw = df.rounded(.towardZero)
                        let uf = Double(u1) / q + (df - dw) * Double(Civil.microsPerDay)
                        v = abs(uf) < 9e18 ? IntervalParts.make(Int64(mw), Int64(dw), Int64(uf.rounded())) : nil
                    } else if k.type == .double {
                        let q = k.dbls[k.idx(i)]
                        let mf = Double(m1) * q, mw = mf.rounded(.towardZero)
                        let df = Double(d1) * q + (mf - mw) * 30, dw = df.rounded(.towardZero)
                        let uf = Double(u1) * q + (df - dw) * Double(Civil.microsPerDay)
                        v = abs(uf) < 9e18 && abs(mf) < 3e9 && abs(df) < 3e9 ? IntervalParts.make(Int64(mw), Int64(dw), Int64(uf.rounded())) : nil
                    } else {
                        let q = k.ints[k.idx(i)]
                        let (a, o1) = m1.multipliedReportingOverflow(by: q)
                        let (b, o2) = d1.multipliedReportingOverflow(by: q)
                        let (c, o3) = u1.multipliedReportingOverflow(by: q)
                        v = o1 || o2 || o3 ? nil : IntervalParts.make(a, b, c)
                    }
                case .intervalNegate:
                    let (m1, d1, u1) = IntervalParts.parts(args[0], args[0].idx(i))
                    v = u1 == .min ? nil : IntervalParts.make(-m1, -d1, -u1)
                case .toInterval(let unit):
                    v = IntervalParts.literal(int(args[0], i), unit)
                default:
                    v = nil
                }
                guard case .interval(let mo, let d, let us) = v else { throw IntervalParts.outOfRange }
                r[i] = IntervalParts.normalized(mo, d, us)
                p[i] = IntervalParts.pack(mo, d)
            }
            out.ints = r; out.ivl = p
        case .epochSeconds:
            let a = args[0]
            out.dbls = (0..<m).map { i in isNull(i) ? 0 : Double(micros(a, i)) / 1e6 }
        case .epochScaled(let k):
            let a = args[0]
            var r = [Int64](repeating: 0, count: m)
            for i in 0..<m where !isNull(i) {
                let x = micros(a, i)
                if k > 0 {
                    r[i] = Civil.floorDiv(x, k)
                } else {
                    let (y, o) = x.multipliedReportingOverflow(by: -k)
                    if o { throw Checked.overflow("epoch_ns: the result does not fit in BIGINT") }
                    r[i] = y
                }
            }
            out.ints = r
        case .fromEpoch(let k):
            let a = args[0]
            var r = [Int64](repeating: 0, count: m)
            for i in 0..<m where !isNull(i) {
                if a.type == .double {
                    let x = (a.dbls[a.idx(i)] * Double(k)).rounded()
                    guard x.isFinite, x >= Double(Checked.minMicros), x <= Double(Checked.maxMicros) else { throw Checked.timestampOutOfRange }
                    r[i] = Int64(x)
                } else {
                    let (x, o) = a.ints[a.idx(i)].multipliedReportingOverflow(by: k)
                    guard !o, x >= Checked.minMicros, x <= Checked.maxMicros else { throw Checked.timestampOutOfRange }
                    r[i] = x
                }
            }
            out.ints = r
        case .makeDate, .makeTimestamp:
            var r = [Int64](repeating: 0, count: m)
            for i in 0..<m where !isNull(i) {
                let y = int(args[0], i), mo = int(args[1], i), d = int(args[2], i)
                guard y > -290_000, y < 290_000, mo >= 1, mo <= 12, d >= 1, d <= Civil.daysInMonth(year: y, month: mo) else {
                    throw QueryError("out of range: date \(y)-\(mo)-\(d) does not exist")
                }
                let days = Civil.daysFromCivil(y, mo, d)
                if case .makeDate = fn { r[i] = days; continue }
                let h = int(args[3], i), mi = int(args[4], i), s = dbl(args[5], i)
                guard h >= 0, h < 24, mi >= 0, mi < 60, s >= 0, s < 60 else {
                    throw QueryError("out of range: time \(h):\(mi):\(Values.formatDouble(s)) does not exist")
                }
                r[i] = days * Civil.microsPerDay + h * Civil.microsPerHour + mi * Civil.microsPerMinute + Int64((s * 1e6).rounded())
            }
            out.ints = r
        case .lastDay:
            let a = args[0]
            try checkTimeRange(a)
            var r = [Int64](repeating: 0, count: m)
            for i in 0..<m where !isNull(i) {
                let (y, mo, _) = Civil.civilFromDays(Civil.floorDiv(localMicros(a, i), Civil.microsPerDay))
                r[i] = Civil.daysFromCivil(y, mo, Civil.daysInMonth(year: y, month: mo))
            }
            out.ints = r
        case .dayName, .monthName:
            let a = args[0]
            try checkTimeRange(a)
            let isDay: Bool
            if case .dayName = fn { isDay = true } else { isDay = false }
            out.dict = isDay ? Evaluator.dayNameDict : Evaluator.monthNameDict
            if isDay && !a.isConst && (isUTC || a.type == .date) {
                // the weekday of a UTC instant or a date is arithmetic on the day number: one
                // typed loop without a branch per row (NULL rows get a code too, unread)
                let isDate = a.type == .date
                out.ints = [Int64](unsafeUninitializedCapacity: m) { r, done in
                    a.ints.withUnsafeBufferPointer { p in
                        if isDate {
                            for i in 0..<m { r[i] = Civil.weekday(days: p[i]) - 1 }
                        } else {
                            let perDay: Int64 = 86_400_000_000  // a literal: the division becomes a multiply
                            for i in 0..<m { r[i] = Civil.weekday(days: Civil.floorDiv(p[i], perDay)) - 1 }
                        }
                    }
                    done = m
                }
                return out
            }
            var r = [Int64](repeating: 0, count: m)
            // (the type tested once, not per row; sorted rows repeat days: each run converted once)
            let isDate = a.type == .date
            var day = DayCache(), last: Int64 = 0
            a.ints.withUnsafeBufferPointer { p in
                for i in 0..<m where !isNull(i) {
                    let x = p[a.idx(i)]
                    if day.enter(isDate ? x &* Civil.microsPerDay : local(x)) {
                        last = isDay ? Civil.weekday(days: day.days) - 1 : Civil.civilFromDays(day.days).month - 1
                    }
                    r[i] = last
                }
            }
            out.ints = r
        case .part(let p):
            let a = args[0]
            try checkTimeRange(a)
            var r = [Int64](repeating: 0, count: m)
            for i in 0..<m where !isNull(i) {
                let days = Civil.floorDiv(localMicros(a, i), Civil.microsPerDay)
                let y = Civil.civilFromDays(days).year
                switch p {
                case .yearweek: let w = Civil.isoWeek(days: days); r[i] = w.year * 100 + w.week
                case .isoyear: r[i] = Civil.isoWeek(days: days).year
                case .decade: r[i] = Civil.floorDiv(y, 10)
                case .century: r[i] = y > 0 ? (y - 1) / 100 + 1 : -((-y) / 100 + 1)
                case .millennium: r[i] = y > 0 ? (y - 1) / 1000 + 1 : -((-y) / 1000 + 1)
                case .era: r[i] = y > 0 ? 1 : 0
                }
            }
            out.ints = r
        case .strftime(let f):
            let a = args[0]
            try checkTimeRange(a)
            out.strs = (0..<m).map { i in isNull(i) ? "" : f.format(localMicros(a, i)) }
        case .strptime(let f, let orNull):
            let a = args[0]
            var valid = out.valid ?? [UInt8](repeating: 1, count: m)
            var r = [Int64](repeating: 0, count: m)
            if let d = a.dict, !a.isConst {
                // once per dictionary entry
                let dd = d.dict
                var parsed = [Int64?](repeating: nil, count: d.count)
                var done = [Bool](repeating: false, count: d.count)
                for i in 0..<m where valid[i] != 0 {
                    let c = Int(a.ints[i])
                    if !done[c] { parsed[c] = dd.withEntry(c) { f.parse($0) }; done[c] = true }
                    if let x = parsed[c] { r[i] = x } else if orNull { valid[i] = 0 } else {
                        throw Evaluator.strptimeError(dd[c], f)
                    }
                }
            } else {
                for i in 0..<m where valid[i] != 0 {
                    var s = a.string(i)
                    if let x = s.withUTF8({ f.parse($0) }) { r[i] = x } else if orNull { valid[i] = 0 } else {
                        throw Evaluator.strptimeError(s, f)
                    }
                }
            }
            out.ints = r
            out.valid = valid.contains(0) ? valid : nil
        case .dateDiff(let u):
            let a = args[0], b = args[1]
            try checkTimeRange(a); try checkTimeRange(b)
            var r = [Int64](repeating: 0, count: m)
            // hours and smaller count elapsed time (DuckDB's TIMESTAMPTZ: 24 hours across a
            // spring DST day, not the wall clock's 25); days and larger count the zone's calendar
            let elapsed = [.hour, .minute, .second, .millisecond, .microsecond].contains(u) && a.type == .timestamp && b.type == .timestamp
            if u == .month || u == .quarter || u == .year {
                // calendar months: each side's day converted once per run of equal days
                var dayA = Int64.min, dayB = Int64.min, monthA: Int64 = 0, monthB: Int64 = 0
                for i in 0..<m where !isNull(i) {
                    let da = Civil.floorDiv(localMicros(a, i), Civil.microsPerDay), db = Civil.floorDiv(localMicros(b, i), Civil.microsPerDay)
                    if da != dayA { dayA = da; let c = Civil.civilFromDays(da); monthA = c.year * 12 + c.month - 1 }
                    if db != dayB { dayB = db; let c = Civil.civilFromDays(db); monthB = c.year * 12 + c.month - 1 }
                    switch u {
                    case .month: r[i] = monthB - monthA
                    case .quarter: r[i] = Civil.floorDiv(monthB, 3) - Civil.floorDiv(monthA, 3)
                    default: r[i] = Civil.floorDiv(monthB, 12) - Civil.floorDiv(monthA, 12)
                    }
                }
            } else {
                for i in 0..<m where !isNull(i) {
                    r[i] = elapsed ? Evaluator.dateDiff(u, micros(a, i), micros(b, i)) : Evaluator.dateDiff(u, localMicros(a, i), localMicros(b, i))
                }
            }
            out.ints = r
        case .timeBucket(let months, let width, let origin):
            let a = args[0]
            try checkTimeRange(a)
            let isDate = a.type == .date
            var r = [Int64](repeating: 0, count: m)
            if months != 0 {
                let (oy, om, _) = Civil.civilFromDays(Civil.floorDiv(origin, Civil.microsPerDay))
                let originMonths = oy * 12 + om - 1
                for i in 0..<m where !isNull(i) {
                    let (y, mo, _) = Civil.civilFromDays(Civil.floorDiv(localMicros(a, i), Civil.microsPerDay))
                    let k = Civil.floorDiv(y * 12 + mo - 1 - originMonths, months) * months + originMonths
                    let days = Civil.daysFromCivil(Civil.floorDiv(k, 12), Civil.floorMod(k, 12) + 1, 1)
                    r[i] = isDate ? days : days * Civil.microsPerDay
                }
            } else {
                let o = Civil.floorMod(origin, width)
                for i in 0..<m where !isNull(i) {
                    let x = localMicros(a, i)
                    let b = Civil.floorDiv(x - o, width) * width + o
                    r[i] = isDate ? Civil.floorDiv(b, Civil.microsPerDay) : b
                }
            }
            out.ints = r
        case .parseInterval, .age:
            break
        }
        return out
    }

    static func strptimeError(_ s: String, _ f: TimeFormat) -> QueryError {
        QueryError("conversion error: could not parse string \"\(s)\" according to format specifier \"\(f.source)\"")
    }

    static let dayNameDict = DictRef(StringDictionary(TimeFormat.dayNames))
    static let monthNameDict = DictRef(StringDictionary(TimeFormat.monthNames))

    /// DuckDB's date_diff: the number of `u` boundaries between two local wall-clock times.
    static func dateDiff(_ u: TimeFn.DiffUnit, _ a: Int64, _ b: Int64) -> Int64 {
        let da = Civil.floorDiv(a, Civil.microsPerDay), db = Civil.floorDiv(b, Civil.microsPerDay)
        func ym(_ d: Int64) -> (Int64, Int64) { let c = Civil.civilFromDays(d); return (c.year, c.month) }
        switch u {
        case .microsecond: return b &- a
        case .millisecond: return b / 1000 &- a / 1000
        case .second: return b / Civil.microsPerSecond - a / Civil.microsPerSecond
        case .minute: return b / Civil.microsPerMinute - a / Civil.microsPerMinute
        case .hour: return b / Civil.microsPerHour - a / Civil.microsPerHour
        case .day: return db - da
        case .week:
            // Mondays crossed
            let ma = da - (Civil.weekday(days: da) - 1), mb = db - (Civil.weekday(days: db) - 1)
            return (mb - ma) / 7
        case .month:
            let (ya, ma) = ym(da), (yb, mb) = ym(db)
            return (yb * 12 + mb) - (ya * 12 + ma)
        case .quarter:
            let (ya, ma) = ym(da), (yb, mb) = ym(db)
            return (yb * 4 + (mb - 1) / 3) - (ya * 4 + (ma - 1) / 3)
        case .year: return ym(db).0 - ym(da).0
        case .decade: return ym(db).0 / 10 - ym(da).0 / 10
        case .century: return ym(db).0 / 100 - ym(da).0 / 100
        case .millennium: return ym(db).0 / 1000 - ym(da).0 / 1000
        }
    }
}
