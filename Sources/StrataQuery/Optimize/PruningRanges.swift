import StrataCore
import StrataText

/// The value range each column must fall in for a row to pass a scan's filter, read off its
/// conjuncts (`col op constant`, `BETWEEN`, `IN`, string equality). Segments whose time range
/// misses the time column's range, segments whose dictionary lacks every wanted string, and
/// blocks whose min/max miss a range are skipped without decoding.
///
/// `date_trunc(unit, ts) op constant` bounds `ts` too (the truncation is monotonic): exactly in
/// a UTC session, widened by a day on each side in another zone (the truncation is of local
/// time, which is within a day of the stored instant).
enum PruningRanges {
    static func ranges(_ filter: BExpr?, utc: Bool = false) -> [Int: PruneRange] {
        var out: [Int: PruneRange] = [:]
        guard let filter else { return out }
        func lane(_ v: Value, _ t: DataType) -> Int64? {
            switch (v, t) {
            case (.int(let i), .bigint): return i
            case (.timestamp(let x), .timestamp): return x
            case (.date(let d), .timestamp):
                let (x, o) = d.multipliedReportingOverflow(by: Civil.microsPerDay)
                return o ? nil : x
            case (.date(let d), .date): return d
            default: return nil
            }
        }
        for c in filter.conjuncts {
            switch c {
            case .binary(let op0, let a, let b, _):
                var op = op0
                var col = a, lit = b
                if case .literal = a, b.boundsAColumn {
                    (col, lit) = (b, a)
                    switch op0 { case .lt: op = .gt; case .le: op = .ge; case .gt: op = .lt; case .ge: op = .le; default: break }
                }
                if case .call(.dateTrunc(let unit), let args, .timestamp) = col, args.count == 1,
                   case .column(let s, .timestamp) = args[0], case .literal(let v, _) = lit, let x = lane(v, .timestamp) {
                    guard let r = truncatedRange(op, x, unit, utc: utc, out[s] ?? PruneRange()) else { continue }
                    out[s] = r
                    continue
                }
                guard case .column(let s, let t) = col, case .literal(let v, _) = lit, t.isIntLane, let x = lane(v, t) else { continue }
                var r = out[s] ?? PruneRange()
                switch op {
                case .eq: r.lo = max(r.lo, x); r.hi = min(r.hi, x)
                case .lt: r.hi = min(r.hi, x == .min ? x : x - 1)
                case .le: r.hi = min(r.hi, x)
                case .gt: r.lo = max(r.lo, x == .max ? x : x + 1)
                case .ge: r.lo = max(r.lo, x)
                default: continue
                }
                out[s] = r
            case .stringPredicate(.column(let s, .varchar), let p):
                guard let members = p.memberStrings, !p.negated else { continue }
                let set = Set(members.map { String(decoding: $0, as: UTF8.self) })
                var r = out[s] ?? PruneRange()
                r.strings = r.strings.map { $0.intersection(set) } ?? set
                out[s] = r
            case .inList(.column(let s, let t), let values, false):
                guard t.isIntLane, !values.isEmpty else { continue }
                let xs = values.compactMap { lane($0, t) }
                guard xs.count == values.count, let mn = xs.min(), let mx = xs.max() else { continue }
                var r = out[s] ?? PruneRange()
                r.lo = max(r.lo, mn); r.hi = min(r.hi, mx)
                out[s] = r
            default: continue
            }
        }
        return out
    }

    /// The longest span of one `unit` in microseconds (a local day is 24 hours of wall clock).
    static func longest(_ unit: Civil.Unit) -> Int64 {
        switch unit {
        case .microsecond: return 1
        case .millisecond: return 1_000
        case .second: return Civil.microsPerSecond
        case .minute: return Civil.microsPerMinute
        case .hour: return Civil.microsPerHour
        case .day: return Civil.microsPerDay
        case .week: return 7 * Civil.microsPerDay
        case .month: return 31 * Civil.microsPerDay
        case .quarter: return 92 * Civil.microsPerDay
        case .year: return 366 * Civil.microsPerDay
        }
    }

    /// `r` narrowed to the instants `ts` with `date_trunc(unit, ts) op x` possible:
    /// `trunc(L) >= x` needs `L >= x` (the truncation never exceeds `L`), `trunc(L) <= x` needs
    /// `L < x + longest(unit)`; `L` is `ts` in UTC and within a day of it elsewhere.
    static func truncatedRange(_ op: BOp, _ x: Int64, _ unit: Civil.Unit, utc: Bool, _ r0: PruneRange) -> PruneRange? {
        let slack: Int64 = utc ? 0 : Civil.microsPerDay
        func sub(_ a: Int64, _ b: Int64) -> Int64 { let (v, o) = a.subtractingReportingOverflow(b); return o ? .min : v }
        func add(_ a: Int64, _ b: Int64) -> Int64 { let (v, o) = a.addingReportingOverflow(b); return o ? .max : v }
        let lo = sub(x, slack)
        let hi = add(sub(add(x, longest(unit)), 1), slack)
        var r = r0
        switch op {
        case .eq: r.lo = max(r.lo, lo); r.hi = min(r.hi, hi)
        case .ge, .gt: r.lo = max(r.lo, lo)
        case .le, .lt: r.hi = min(r.hi, hi)
        default: return nil
        }
        return r
    }
}

private extension BExpr {
    /// A column, or date_trunc of one: a comparison with a constant bounds the column.
    var boundsAColumn: Bool {
        switch self {
        case .column, .call(.dateTrunc, _, _): return true
        default: return false
        }
    }
}
