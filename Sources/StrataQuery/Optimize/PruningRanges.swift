import StrataCore
import StrataText

/// The value range each column must fall in for a row to pass a scan's filter, read off its
/// conjuncts (`col op constant`, `BETWEEN`, `IN`, string equality). Segments whose time range
/// misses the time column's range, segments whose dictionary lacks every wanted string, and
/// blocks whose min/max miss a range are skipped without decoding.
enum PruningRanges {
    static func ranges(_ filter: BExpr?) -> [Int: PruneRange] {
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
                if case .literal = a, case .column = b {
                    (col, lit) = (b, a)
                    switch op0 { case .lt: op = .gt; case .le: op = .ge; case .gt: op = .lt; case .ge: op = .le; default: break }
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
}
