import StrataCore
import StrataSQL
import StrataText

/// `generate_series(start, stop[, step])` (stop included) and `range(start, stop[, step])`
/// (stop excluded) in FROM, as DuckDB: over BIGINT (step 1 by default; one argument is
/// `0 .. stop`), or over TIMESTAMP (DATE arguments become TIMESTAMP) with an INTERVAL step.
/// The arguments are constants, bound once; the rows are made when the plan runs.
final class SeriesSpec {
    let name: String
    let inclusive: Bool
    let type: DataType
    /// BIGINT: values; TIMESTAMP: microseconds. nil when an argument is NULL (no rows).
    let start: Int64?, stop: Int64?
    /// BIGINT step.
    let step: Int64
    /// TIMESTAMP step.
    let interval: (months: Int64, days: Int64, micros: Int64)
    /// Exact for BIGINT and fixed intervals; for month steps an estimate.
    let estimatedRows: Int

    /// The most rows one series may produce.
    static let maxRows = 1_000_000_000

    init(name: String, inclusive: Bool, type: DataType, start: Int64?, stop: Int64?, step: Int64,
         interval: (Int64, Int64, Int64), estimatedRows: Int) {
        self.name = name
        self.inclusive = inclusive
        self.type = type
        self.start = start
        self.stop = stop
        self.step = step
        self.interval = interval
        self.estimatedRows = estimatedRows
    }

    var explainText: String {
        func v(_ x: Int64?) -> String {
            guard let x else { return "NULL" }
            return type == .timestamp ? ExprText.value(.timestamp(x)) : String(x)
        }
        let s = type == .timestamp ? ExprText.value(.interval(interval.months, interval.days, interval.micros)) : String(step)
        return "Series \(name)(\(v(start)), \(v(stop)), \(s))"
    }

    /// BIGINT rows from `start` towards `stop` by `step`.
    static func count(_ start: Int64, _ stop: Int64, _ step: Int64, inclusive: Bool) -> UInt64 {
        if step > 0 ? start > stop : start < stop { return 0 }
        let span = step > 0 ? UInt64(bitPattern: stop &- start) : UInt64(bitPattern: start &- stop)
        let k = span / step.magnitude
        let exact = span % step.magnitude == 0
        return exact && !inclusive ? k : k + 1
    }

    /// start, start + step, ... up to `stop` (included when `inclusive` and reached).
    static func progression(_ start: Int64, _ stop: Int64, _ step: Int64, inclusive: Bool) -> [Int64] {
        let n = Int(SeriesSpec.count(start, stop, step, inclusive: inclusive))
        return [Int64](unsafeUninitializedCapacity: n) { p, c in
            var x = start
            for i in 0..<n { p[i] = x; x = x &+ step }
            c = n
        }
    }

    func relation(_ eval: Evaluator) throws(QueryError) -> Relation {
        try eval.checkInterrupt()
        let out = Vec(type: type, count: 0)
        var xs: [Int64] = []
        if let start, let stop {
            if type == .bigint {
                xs = SeriesSpec.progression(start, stop, step, inclusive: inclusive)
            } else {
                let up = IntervalParts.normalized(interval.months, interval.days, interval.micros) > 0
                if interval.months == 0 && (interval.days == 0 || eval.isUTC) {
                    let w = interval.days * Civil.microsPerDay + interval.micros
                    xs = SeriesSpec.progression(start, stop, w, inclusive: inclusive)
                } else {
                    var x = start
                    while up ? (inclusive ? x <= stop : x < stop) : (inclusive ? x >= stop : x > stop) {
                        xs.append(x)
                        if xs.count > SeriesSpec.maxRows { throw SeriesSpec.tooMany(name) }
                        if xs.count & 0xFFFF == 0 { try eval.checkInterrupt() }
                        guard let y = eval.addInterval(x, interval.months, interval.days, interval.micros) else { break }
                        x = y
                    }
                }
            }
        }
        out.ints = xs
        out.count = xs.count
        return Relation(names: [name], types: [type], columns: [out], count: xs.count)
    }

    static func tooMany(_ name: String) -> QueryError {
        QueryError("\(name)() would produce more than \(maxRows) rows")
    }
}

extension Binder {
    /// A table function in FROM: its plan node and scope.
    func tableFunctionSource(_ name: String, _ argExprs: [Expr], _ from: TableRef) throws(QueryError) -> (PlanNode, Scope) {
        let fn = name.lowercased()
        let at = from.range.start
        if fn == "duckdb_settings" { return try settingsSource(from) }
        guard fn == "generate_series" || fn == "range" else {
            throw QueryError("unknown table function \(name)() (generate_series and range are supported)", offset: at)
        }
        guard (1...3).contains(argExprs.count) else { throw QueryError("\(fn)() takes 1 to 3 arguments, got \(argExprs.count)", offset: at) }
        let empty = Scope(tableName: nil, alias: nil, names: [], types: [])
        var vals: [Value] = []
        var types: [DataType] = []
        for a in argExprs {
            let b = try bindScalar(a, empty)
            guard b.isConstant else { throw QueryError("\(fn)() needs constant arguments", offset: a.range.start) }
            var v = try constantValue(b)
            var t = b.type
            if t == .varchar, case .string(let s) = v, let x = Civil.parseTimestamp(s, format: .iso) { v = .timestamp(x); t = .timestamp }
            if case .date(let d) = v { v = .timestamp(d * Civil.microsPerDay); t = .timestamp }
            if t == .date { t = .timestamp }
            vals.append(v)
            types.append(t)
        }
        let isTime = types.contains(.timestamp) || types.contains(.interval)
        let inclusive = fn == "generate_series"
        let col = fn  // `AS t(name)` renames it (Binder.aliasedSource)
        func int(_ v: Value) -> Int64? { if case .int(let x) = v { return x } else { return nil } }
        let spec: SeriesSpec
        if isTime {
            guard vals.count == 3, types[0] == .timestamp || types[0] == .null, types[1] == .timestamp || types[1] == .null,
                  types[2] == .interval || types[2] == .null else {
                throw QueryError("\(fn)() over time takes (TIMESTAMP, TIMESTAMP, INTERVAL), got (\(types.map(\.description).joined(separator: ", ")))", offset: at)
            }
            func ts(_ v: Value) -> Int64? { if case .timestamp(let x) = v { return x } else { return nil } }
            var iv: (Int64, Int64, Int64) = (0, 0, 0)
            if case .interval(let m, let d, let us) = vals[2] { iv = (m, d, us) }
            let w = IntervalParts.normalized(iv.0, iv.1, iv.2)
            if !vals[2].isNull && w == 0 { throw QueryError("\(fn)(): the step cannot be 0", offset: at) }
            let nulls = vals.contains(where: \.isNull)
            var est = 0
            if !nulls, let a = ts(vals[0]), let b = ts(vals[1]) {
                let span = Double(b) - Double(a)
                let e = span / Double(w)
                if e > Double(SeriesSpec.maxRows) { throw SeriesSpec.tooMany(fn) }
                est = max(0, Int(e) + 1)
            }
            spec = SeriesSpec(name: col, inclusive: inclusive, type: .timestamp, start: nulls ? nil : ts(vals[0]),
                              stop: nulls ? nil : ts(vals[1]), step: 0, interval: iv, estimatedRows: est)
        } else {
            for (i, t) in types.enumerated() where t != .bigint && t != .null {
                throw QueryError("\(fn)() needs BIGINT arguments (or TIMESTAMPs with an INTERVAL step), not \(t)", offset: argExprs[i].range.start)
            }
            let one = vals.count == 1
            let start = one ? .int(0) : vals[0], stop = one ? vals[0] : vals[1]
            let step = vals.count == 3 ? vals[2] : .int(1)
            if int(step) == 0 { throw QueryError("\(fn)(): the step cannot be 0", offset: at) }
            var est = 0
            if let a = int(start), let b = int(stop), let s = int(step) {
                let n = SeriesSpec.count(a, b, s, inclusive: inclusive)
                if n > UInt64(SeriesSpec.maxRows) { throw SeriesSpec.tooMany(fn) }
                est = Int(n)
            }
            let nulls = start.isNull || stop.isNull || step.isNull
            spec = SeriesSpec(name: col, inclusive: inclusive, type: .bigint, start: nulls ? nil : int(start),
                              stop: nulls ? nil : int(stop), step: int(step) ?? 1, interval: (0, 0, 0), estimatedRows: est)
        }
        let node = PlanNode(.series(spec), [], names: [col], types: [spec.type])
        return (node, Scope(tableName: from.alias ?? fn, alias: from.alias, names: [col], types: [spec.type]))
    }
}
