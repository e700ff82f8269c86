import Foundation
import StrataCore
import StrataSQL
import StrataText

/// Date and time functions beyond truncation and extraction (issue 16, DuckDB semantics):
/// interval arithmetic, date_diff, strftime/strptime, time_bucket, epoch conversions,
/// make_date/make_timestamp, last_day, dayname/monthname. Calendar work happens in the
/// session time zone (as DuckDB's TIMESTAMPTZ); storage and epoch values stay UTC.
public enum TimeFn: Sendable {
    /// [time, interval] -> TIMESTAMP; months and days move the session zone's calendar.
    case addInterval(negate: Bool)
    /// [time, time] -> INTERVAL (days and the rest, as DuckDB).
    case diffTimestamps
    /// [interval, interval] -> INTERVAL.
    case intervalAdd(negate: Bool)
    /// [interval, number] -> INTERVAL.
    case intervalScale(divide: Bool)
    case intervalNegate
    /// to_days(n), to_hours(n) ...: [number] -> INTERVAL.
    case toInterval(IntervalUnit)
    /// epoch(ts): seconds as DOUBLE.
    case epochSeconds
    /// epoch_ms / epoch_us / epoch_ns: BIGINT; microseconds divided (positive) or multiplied
    /// (negative) by the magnitude.
    case epochScaled(Int64)
    /// to_timestamp(seconds), epoch_ms(ms), make_timestamp(us): a count of units of this many
    /// microseconds since 1970 -> TIMESTAMP.
    case fromEpoch(Int64)
    case makeDate, makeTimestamp
    case lastDay, dayName, monthName
    case part(ExtraPart)
    case strftime(TimeFormat)
    case strptime(TimeFormat, orNull: Bool)
    case dateDiff(DiffUnit)
    /// time_bucket(width, ts[, origin]): months or microseconds (one is 0).
    case timeBucket(months: Int64, micros: Int64, origin: Int64)
    /// CAST(text AS INTERVAL), age(a, b) (Functions/IntervalCast.swift).
    case parseInterval(orNull: Bool), age

    public enum ExtraPart: String, Sendable { case yearweek, isoyear, decade, century, millennium, era }
    public enum DiffUnit: String, Sendable {
        case microsecond, millisecond, second, minute, hour, day, week, month, quarter, year, decade, century, millennium
    }
}

// MARK: - binding

extension Binder {
    static let timeFunctionNames = [
        "date_diff", "datediff", "date_sub", "datesub", "date_add", "dateadd", "strftime", "strptime", "try_strptime",
        "time_bucket", "epoch", "epoch_ms", "epoch_us", "epoch_ns", "to_timestamp", "make_date", "make_timestamp",
        "current_date", "today", "last_day", "dayname", "monthname", "to_years", "to_months", "to_days", "to_hours",
        "to_minutes", "to_seconds", "to_weeks", "to_quarters", "to_milliseconds", "to_microseconds", "adddays",
        "addhours", "addminutes", "addseconds", "addweeks", "addmonths", "addyears", "subtractdays", "subtracthours",
        "subtractminutes", "subtractseconds", "subtractweeks", "subtractmonths", "subtractyears", "toyyyymm", "toyyyymmdd",
        "yearweek", "isoyear", "dayofweek", "dayofyear", "week", "weekofyear", "quarter", "second", "millisecond",
        "microsecond", "epoch_second", "age",
    ]

    /// Arithmetic involving intervals, `date - date`, `timestamp - timestamp`, `n + date`;
    /// nil when the operands are none of these.
    func timeArithmetic(_ op: StrataSQL.BinaryOp, _ a: BExpr, _ b: BExpr, _ at: Int) throws(QueryError) -> BExpr? {
        let ta = a.type, tb = b.type
        func isTime(_ t: DataType) -> Bool { t == .timestamp || t == .date }
        guard ta == .interval || tb == .interval || (isTime(ta) && isTime(tb)) || (ta == .bigint && tb == .date) else { return nil }
        var e: BExpr
        switch op {
        case .subtract where ta == .date && tb == .date:
            return .binary(.sub, a, b, .bigint)
        case .subtract where isTime(ta) && isTime(tb):
            e = .call(.time(.diffTimestamps), [a, b], .interval)
        case .add where ta == .bigint && tb == .date:
            return .binary(.add, b, a, .date)
        case .add where ta == .interval && isTime(tb):
            return try timeArithmetic(op, b, a, at)
        case .add where isTime(ta) && tb == .interval, .subtract where isTime(ta) && tb == .interval:
            if case .literal(.interval(let mo, let d, let us), _) = b, eval.isUTC || (mo == 0 && d == 0) {
                // a constant shift in UTC: days are 24 hours
                let (dus, o1) = d.multipliedReportingOverflow(by: Civil.microsPerDay)
                let (tot, o2) = dus.addingReportingOverflow(us)
                if o1 || o2 || (op == .subtract && (mo == .min || tot == .min)) {
                    var err = Checked.timestampOutOfRange
                    err.offset = at
                    throw err
                }
                return .timeAddInterval(a, months: op == .add ? mo : -mo, micros: op == .add ? tot : -tot, .timestamp)
            }
            e = .call(.time(.addInterval(negate: op == .subtract)), [a, b], .timestamp)
        case .add where ta == .interval && tb == .interval, .subtract where ta == .interval && tb == .interval:
            e = .call(.time(.intervalAdd(negate: op == .subtract)), [a, b], .interval)
        case .multiply where ta == .interval && tb.isNumeric, .divide where ta == .interval && tb.isNumeric:
            e = .call(.time(.intervalScale(divide: op == .divide)), [a, b], .interval)
        case .multiply where ta.isNumeric && tb == .interval:
            e = .call(.time(.intervalScale(divide: false)), [b, a], .interval)
        default:
            throw QueryError("cannot apply '\(op.rawValue)' to \(ta) and \(tb)", offset: at)
        }
        return try foldTime(e, at)
    }

    /// `-interval`.
    func negateInterval(_ b: BExpr, _ at: Int) throws(QueryError) -> BExpr {
        try foldTime(.call(.time(.intervalNegate), [b], .interval), at)
    }

    /// Constant time expressions are computed now (errors point at the expression).
    func foldTime(_ e: BExpr, _ at: Int) throws(QueryError) -> BExpr {
        guard e.isConstant else { return e }
        do throws(QueryError) { return .literal(try constantValue(e), e.type) } catch {
            var err = error
            if err.offset == nil { err.offset = at }
            throw err
        }
    }

    /// The functions of this file, nil for other names.
    func timeFunction(_ name: String, _ f: FunctionCall, _ args: [BExpr], _ at: Int) throws(QueryError) -> BExpr? {
        func need(_ n: Int) throws(QueryError) {
            guard args.count == n else { throw QueryError("\(name)() takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)", offset: at) }
        }
        func time(_ i: Int, as t: DataType = .timestamp) throws(QueryError) -> BExpr {
            let a = args[i]
            if a.type == .timestamp || a.type == .date || a.type == .null { return a }
            if a.type == .varchar, case .literal(let v, _) = a {
                return .literal(try convertConstant(v, to: t, f.args[i]), t)
            }
            throw QueryError("\(name)() needs a TIMESTAMP or DATE, not \(a.type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
        }
        func number(_ i: Int, integer: Bool = false) throws(QueryError) -> BExpr {
            let a = args[i]
            guard a.type == .bigint || a.type == .null || (!integer && a.type == .double) else {
                throw QueryError("\(name)() needs \(integer ? "an integer" : "a number") as argument \(i + 1), not \(a.type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
            }
            return a
        }
        func interval(_ i: Int) throws(QueryError) -> BExpr {
            let a = args[i]
            guard a.type == .interval || a.type == .null else {
                throw QueryError("\(name)() needs an INTERVAL as argument \(i + 1), not \(a.type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
            }
            return a
        }
        func constantText(_ i: Int, _ what: String) throws(QueryError) -> String {
            guard i < args.count, case .literal(.string(let s), _) = args[i] else {
                throw QueryError("\(name)() needs a constant \(what) as argument \(i + 1)", offset: at)
            }
            return s
        }
        func call(_ fn: TimeFn, _ xs: [BExpr], _ t: DataType) throws(QueryError) -> BExpr {
            if xs.contains(where: { $0.type == .null }) { return .literal(.null, t) }
            return try foldTime(.call(.time(fn), xs, t), at)
        }
        func shift(_ unit: IntervalUnit, negate: Bool) throws(QueryError) -> BExpr {
            try need(2)
            let iv = try call(.toInterval(unit), [try number(1, integer: true)], .interval)
            let t = try time(0)
            if t.type == .date && [.day, .week, .month, .quarter, .year].contains(unit) {
                // ClickHouse: a Date moved by days or months stays a Date
                return .call(.toDate, [try timeArithmetic(negate ? .subtract : .add, t, iv, at)!], .date)
            }
            return try timeArithmetic(negate ? .subtract : .add, t, iv, at)!
        }
        switch name {
        case "date_diff", "datediff", "date_sub", "datesub":
            try need(3)
            let u = try constantText(0, "date part such as 'day'")
            guard let unit = Binder.diffUnit(u) else {
                throw QueryError("\(name)(): unknown date part '\(u)' (use microsecond, millisecond, second, minute, hour, day, week, month, quarter, year, decade, century or millennium)", offset: at)
            }
            return try call(.dateDiff(unit), [try time(1), try time(2)], .bigint)
        case "date_add", "dateadd":
            try need(2)
            if args[0].type == .interval { return try timeArithmetic(.add, try time(1), args[0], at)! }
            return try timeArithmetic(.add, try time(0), try interval(1), at)!
        case "to_years", "to_months", "to_days", "to_hours", "to_minutes", "to_seconds", "to_weeks", "to_quarters",
             "to_milliseconds", "to_microseconds":
            try need(1)
            let unit = IntervalUnit(rawValue: String(name.dropFirst(3).dropLast()))!
            return try call(.toInterval(unit), [try number(0, integer: true)], .interval)
        case "adddays", "addhours", "addminutes", "addseconds", "addweeks", "addmonths", "addyears",
             "subtractdays", "subtracthours", "subtractminutes", "subtractseconds", "subtractweeks", "subtractmonths", "subtractyears":
            let neg = name.hasPrefix("subtract")
            let unit = IntervalUnit(rawValue: String(name.dropFirst(neg ? 8 : 3).dropLast()).lowercased())!
            return try shift(unit, negate: neg)
        case "strftime":
            try need(2)
            // strftime(ts, format); DuckDB also takes strftime(format, ts)
            let swapped = args[0].type == .varchar && (args[1].type == .timestamp || args[1].type == .date)
            let fmt = try constantText(swapped ? 0 : 1, "format string")
            let format: TimeFormat
            do throws(QueryError) { format = try TimeFormat(fmt) } catch { throw QueryError(error.message, offset: at) }
            return try call(.strftime(format), [try time(swapped ? 1 : 0)], .varchar)
        case "strptime", "try_strptime":
            try need(2)
            guard args[0].type == .varchar || args[0].type == .null else {
                throw QueryError("\(name)() needs a VARCHAR to parse, not \(args[0].type)", offset: at)
            }
            let fmt = try constantText(1, "format string")
            let format: TimeFormat
            do throws(QueryError) { format = try TimeFormat(fmt) } catch { throw QueryError(error.message, offset: at) }
            return try call(.strptime(format, orNull: name == "try_strptime"), [args[0]], .timestamp)
        case "time_bucket":
            guard args.count == 2 || args.count == 3 else { throw QueryError("time_bucket() takes 2 or 3 arguments, got \(args.count)", offset: at) }
            guard case .literal(.interval(let mo, let d, let us), _) = args[0] else {
                throw QueryError("time_bucket() needs a constant INTERVAL width as its first argument", offset: at)
            }
            let t = try time(1)
            if mo != 0 && (d != 0 || us != 0) {
                throw QueryError("time_bucket(): a width in months cannot have a day or time part", offset: at)
            }
            let width = mo != 0 ? mo : IntervalParts.normalized(0, d, us)
            guard width > 0 else { throw QueryError("time_bucket(): the width must be positive", offset: at) }
            // default origins: 2000-01-03 (a Monday) for widths in days and times, 2000-01-01
            // for months
            var origin: Int64 = mo != 0 ? 946_684_800_000_000 : 946_857_600_000_000
            if args.count == 3 {
                let o = args[2]
                if case .literal(let v, _) = o, o.type == .interval, case .interval(let om, let od, let ous) = v {
                    // an offset from the default origin
                    if om != 0 { throw QueryError("time_bucket(): an offset in months is not supported", offset: at) }
                    origin += IntervalParts.normalized(0, od, ous)
                } else {
                    let ot = try time(2)
                    guard case .literal(let ov, _) = ot else { throw QueryError("time_bucket() needs a constant origin", offset: at) }
                    switch ov {
                    case .timestamp(let x): origin = x
                    case .date(let x): origin = x * Civil.microsPerDay
                    default: return .literal(.null, t.type == .date ? .date : .timestamp)
                    }
                }
            }
            return try call(.timeBucket(months: mo, micros: mo != 0 ? 0 : width, origin: origin), [t], t.type == .date ? .date : .timestamp)
        case "epoch", "epoch_second":
            try need(1)
            return try call(.epochSeconds, [try time(0)], .double)
        case "epoch_ms", "epoch_us", "epoch_ns":
            try need(1)
            if name == "epoch_ms" && args[0].type == .bigint {
                // epoch_ms(milliseconds) -> TIMESTAMP
                return try call(.fromEpoch(1000), [args[0]], .timestamp)
            }
            let k: Int64 = name == "epoch_ms" ? 1000 : (name == "epoch_us" ? 1 : -1000)
            return try call(.epochScaled(k), [try time(0)], .bigint)
        case "to_timestamp":
            try need(1)
            return try call(.fromEpoch(1_000_000), [try number(0)], .timestamp)
        case "make_date":
            try need(3)
            return try call(.makeDate, [try number(0, integer: true), try number(1, integer: true), try number(2, integer: true)], .date)
        case "make_timestamp":
            if args.count == 1 { return try call(.fromEpoch(1), [try number(0, integer: true)], .timestamp) }
            try need(6)
            let xs = [try number(0, integer: true), try number(1, integer: true), try number(2, integer: true),
                      try number(3, integer: true), try number(4, integer: true), try number(5)]
            return try call(.makeTimestamp, xs, .timestamp)
        case "age":
            return try bindAge(f, args, at)
        case "current_date", "today":
            try need(0)
            let days = Civil.floorDiv(eval.local(eval.nowMicros), Civil.microsPerDay)
            return .literal(.date(days), .date)
        case "last_day":
            try need(1)
            return try call(.lastDay, [try time(0)], .date)
        case "dayname", "monthname":
            try need(1)
            return try call(name == "dayname" ? .dayName : .monthName, [try time(0)], .varchar)
        case "toyyyymm", "toyyyymmdd":
            try need(1)
            let t = try time(0)
            let y: BExpr = .call(.extract(.year), [t], .bigint), m: BExpr = .call(.extract(.month), [t], .bigint)
            var e: BExpr = .binary(.add, .binary(.mul, y, .literal(.int(100), .bigint), .bigint), m, .bigint)
            if name == "toyyyymmdd" {
                e = .binary(.add, .binary(.mul, e, .literal(.int(100), .bigint), .bigint), .call(.extract(.day), [t], .bigint), .bigint)
            }
            return try foldTime(e, at)
        case "yearweek", "isoyear":
            try need(1)
            return try call(.part(name == "yearweek" ? .yearweek : .isoyear), [try time(0)], .bigint)
        case "dayofweek", "dayofyear", "week", "weekofyear", "quarter", "second", "millisecond", "microsecond":
            try need(1)
            let field: TimeField = ["dayofweek": .dow, "dayofyear": .doy, "week": .week, "weekofyear": .week, "quarter": .quarter,
                                    "second": .second, "millisecond": .millisecond, "microsecond": .microsecond][name]!
            return .call(.extract(field), [try time(0)], .bigint)
        case "date_part", "datepart":
            // the fields TimeField lacks, and epoch (DOUBLE, as DuckDB)
            guard args.count == 2, case .literal(.string(let u), _) = args[0] else { return nil }
            let l = u.lowercased()
            if l == "epoch" { return try call(.epochSeconds, [try time(1)], .double) }
            if let p = TimeFn.ExtraPart(rawValue: l) { return try call(.part(p), [try time(1)], .bigint) }
            let aliases: [String: TimeField] = ["years": .year, "months": .month, "days": .day, "hours": .hour, "minutes": .minute,
                                                "seconds": .second, "weeks": .week, "quarters": .quarter, "weekday": .dow,
                                                "dayofweek": .dow, "dayofyear": .doy, "weekofyear": .week,
                                                "milliseconds": .millisecond, "microseconds": .microsecond, "ms": .millisecond,
                                                "us": .microsecond]
            if let fld = aliases[l] { return .call(.extract(fld), [try time(1)], .bigint) }
            return nil
        default:
            return nil
        }
    }

    static func diffUnit(_ s: String) -> TimeFn.DiffUnit? {
        let l = s.lowercased()
        if let u = TimeFn.DiffUnit(rawValue: l) { return u }
        if l.hasSuffix("s"), let u = TimeFn.DiffUnit(rawValue: String(l.dropLast())) { return u }
        let aliases: [String: TimeFn.DiffUnit] = ["centuries": .century, "millennia": .millennium, "millenniums": .millennium,
                                                  "ms": .millisecond, "us": .microsecond, "yy": .year, "yyyy": .year,
                                                  "mm": .month, "dd": .day, "hh": .hour, "mi": .minute, "ss": .second,
                                                  "qq": .quarter, "wk": .week, "ww": .week]
        return aliases[l]
    }
}

extension TimeFn {
    /// How EXPLAIN names the function.
    var sqlName: String {
        switch self {
        case .addInterval(let neg): return neg ? "time_sub_interval" : "time_add_interval"
        case .diffTimestamps: return "time_diff"
        case .intervalAdd(let neg): return neg ? "interval_sub" : "interval_add"
        case .intervalScale(let div): return div ? "interval_div" : "interval_mul"
        case .intervalNegate: return "interval_negate"
        case .toInterval(let u): return "to_\(u.rawValue)s"
        case .epochSeconds: return "epoch"
        case .epochScaled(let k): return k == 1000 ? "epoch_ms" : (k == 1 ? "epoch_us" : "epoch_ns")
        case .fromEpoch(let k): return k == 1_000_000 ? "to_timestamp" : (k == 1000 ? "epoch_ms" : "make_timestamp")
        case .makeDate: return "make_date"
        case .makeTimestamp: return "make_timestamp"
        case .lastDay: return "last_day"
        case .dayName: return "dayname"
        case .monthName: return "monthname"
        case .part(let p): return "date_part[\(p.rawValue)]"
        case .strftime(let f): return "strftime[\(ExprText.quoted(f.source))]"
        case .strptime(let f, let orNull): return (orNull ? "try_strptime" : "strptime") + "[\(ExprText.quoted(f.source))]"
        case .dateDiff(let u): return "date_diff[\(u.rawValue)]"
        case .timeBucket(let mo, let us, _):
            return "time_bucket[" + Evaluator.text(mo != 0 ? .interval(mo, 0, 0) : IntervalParts.fromMicros(us)) + "]"
        case .parseInterval(let orNull): return orNull ? "try_cast_interval" : "cast_interval"
        case .age: return "age"
        }
    }
}
