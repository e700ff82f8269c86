import StrataCore
import StrataSQL
import StrataText

// `CAST(text AS INTERVAL)` / `'1 day 2 hours'::INTERVAL` (DuckDB's interval text: unit terms,
// `HH:MM:SS`, abbreviations; DuckDB 2.0 rejects ISO-8601 `P1Y2M…`, and so does Strata), and
// `age(ts, ts)` / `age(ts)` (DuckDB's calendar difference: years, months, days and time,
// borrowed field by field).

extension IntervalParts {
    /// The interval a text spells, nil when it is not one.
    static func parse(_ text: String) -> Value? {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty, let terms = IntervalText.terms(s) else { return nil }
        var mo: Int64 = 0, d: Int64 = 0, us: Int64 = 0
        for (n, u) in terms {
            guard case .interval(let m1, let d1, let u1)? = literal(n, u) else { return nil }
            var o = false
            (mo, o) = mo.addingReportingOverflow(m1); if o { return nil }
            (d, o) = d.addingReportingOverflow(d1); if o { return nil }
            (us, o) = us.addingReportingOverflow(u1); if o { return nil }
        }
        return make(mo, d, us)
    }

    /// DuckDB's `age(a, b)`: the calendar difference a - b.
    static func age(_ a: Int64, _ b: Int64) -> Value {
        func fields(_ t: Int64) -> (y: Int64, m: Int64, d: Int64, us: Int64) {
            let days = Civil.floorDiv(t, Civil.microsPerDay)
            let c = Civil.civilFromDays(days)
            return (c.year, c.month, c.day, t - days * Civil.microsPerDay)
        }
        let f1 = fields(a), f2 = fields(b)
        var y = f1.y - f2.y, mo = f1.m - f2.m, d = f1.d - f2.d, us = f1.us - f2.us
        let flipped = a < b
        if flipped { y = -y; mo = -mo; d = -d; us = -us }
        func monthDays(_ y: Int64, _ m: Int64) -> Int64 {
            let normal: [Int64] = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            return m == 2 && leap ? 29 : normal[Int(m)]
        }
        while us < 0 { us += Civil.microsPerDay; d -= 1 }
        while d < 0 {
            d += flipped ? monthDays(f1.y, f1.m) : monthDays(f2.y, f2.m)
            mo -= 1
        }
        while mo < 0 { mo += 12; y -= 1 }
        if flipped { y = -y; mo = -mo; d = -d; us = -us }
        return .interval(y * 12 + mo, d, us)
    }
}

extension Binder {
    /// `CAST(x AS INTERVAL)` / `TRY_CAST`.
    func bindIntervalCast(_ b: BExpr, isTry: Bool, _ x: Expr, _ at: Int) throws(QueryError) -> BExpr {
        switch b.type {
        case .interval: return b
        case .null: return .literal(.null, .interval)
        case .varchar:
            return try foldTime(.call(.time(.parseInterval(orNull: isTry)), [b], .interval), at)
        default:
            if isTry { return .literal(.null, .interval) }
            throw QueryError("cannot cast \(b.type) to INTERVAL (\(x.sqlText))", offset: at)
        }
    }

    /// `age(a, b)`, `age(ts)` (from midnight of the current date).
    func bindAge(_ f: FunctionCall, _ args: [BExpr], _ at: Int) throws(QueryError) -> BExpr {
        guard args.count == 1 || args.count == 2 else { throw QueryError("age() takes 1 or 2 arguments, got \(args.count)", offset: at) }
        var xs: [BExpr] = []
        for (i, a) in args.enumerated() {
            switch a.type {
            case .timestamp: xs.append(a)
            case .date: xs.append(.cast(a, .timestamp))
            case .null: return .literal(.null, .interval)
            case .varchar:
                guard case .literal(let v, _) = a else { fallthrough }
                xs.append(.literal(try convertConstant(v, to: .timestamp, f.args[i]), .timestamp))
            default:
                throw QueryError("age() needs TIMESTAMP arguments, not \(a.type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
            }
        }
        if xs.count == 1 {
            let today = Civil.floorDiv(eval.local(eval.nowMicros), Civil.microsPerDay)
            xs.insert(.literal(.timestamp(today * Civil.microsPerDay), .timestamp), at: 0)
        }
        return try foldTime(.call(.time(.age), xs, .interval), at)
    }
}

extension Evaluator {
    /// `TimeFn.parseInterval` and `.age`.
    func intervalCall(_ fn: TimeFn, _ args: [Vec], _ n: Int) throws(QueryError) -> Vec {
        let m = args.allSatisfy(\.isConst) ? 1 : n
        let out = Vec(type: .interval, count: n)
        out.isConst = m == 1 && args.allSatisfy(\.isConst)
        var valid: [UInt8]? = nil
        if args.contains(where: { $0.valid != nil }) {
            var v = [UInt8](repeating: 1, count: m)
            for a in args where a.valid != nil { for i in 0..<m where a.isNull(i) { v[i] = 0 } }
            valid = v
        }
        var r = [Int64](repeating: 0, count: m), p = [Int64](repeating: 0, count: m)
        func put(_ i: Int, _ v: Value?) -> Bool {
            guard case .interval(let mo, let d, let us)? = v else { return false }
            r[i] = IntervalParts.normalized(mo, d, us)
            p[i] = IntervalParts.pack(mo, d)
            return true
        }
        switch fn {
        case .age:
            let a = args[0], b = args[1]
            for i in 0..<m where valid?[i] != 0 {
                _ = put(i, IntervalParts.age(a.ints[a.idx(i)], b.ints[b.idx(i)]))
            }
        case .parseInterval(let orNull):
            let s = args[0]
            // once per dictionary entry
            var cache: [Int64: Value?] = [:]
            for i in 0..<m where valid?[i] != 0 {
                let v: Value?
                if s.dict != nil {
                    let code = s.ints[s.idx(i)]
                    if let c = cache[code] { v = c } else { v = IntervalParts.parse(s.string(i)); cache[code] = v }
                } else {
                    v = IntervalParts.parse(s.string(i))
                }
                if !put(i, v) {
                    if !orNull { throw QueryError("conversion error: could not convert string '\(s.string(i))' to INTERVAL") }
                    if valid == nil { valid = [UInt8](repeating: 1, count: m) }
                    valid![i] = 0
                }
            }
        default:
            throw QueryError("internal: interval call", kind: .internal)
        }
        out.ints = r
        out.ivl = p
        out.valid = valid
        return out
    }
}
