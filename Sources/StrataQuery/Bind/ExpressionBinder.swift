import StrataCore
import Foundation
import StrataFormat
import StrataSQL
import StrataStore
import StrataText

// Expressions: AST -> typed BExpr over the columns of a scope (`bindScalar`) or over the
// group keys and aggregates of an aggregate (`bindPost`); aggregate calls -> AggSpec; window
// calls -> WindowSpecBound (see WindowBinder.swift). Constant sub-expressions that must be
// checked at bind time (casts) are evaluated here; nothing reads data.
extension Binder {
    func constantValue(_ e: BExpr) throws(QueryError) -> Value {
        let v = try eval.eval(e, Batch(columns: [], count: 1))
        return v.value(0)
    }

    // MARK: - expressions

    struct PostContext {
        var groups: [Expr]
        var groupTypes: [DataType]
        var scope: Scope
        var aggs: [AggSpec] = []
        var aggExprs: [Expr] = []
        var windows = WindowCollector()
    }

    func bindScalar(_ e: Expr, _ scope: Scope, windows: WindowCollector? = nil) throws(QueryError) -> BExpr {
        try bind(e) { (x) throws(QueryError) -> BExpr? in
            if let b = try self.subqueryLeaf(x, { (y) throws(QueryError) in try self.bindScalar(y, scope, windows: windows) }) { return b }
            if let windows, case .function(let f) = x.kind, f.over != nil {
                return try self.bindWindow(f, x, windows) { (y) throws(QueryError) in try self.bindScalar(y, scope, windows: windows) }
            }
            switch x.kind {
            case .column(let t, let n):
                let (i, ty) = try scope.resolve(t, n, x.range)
                return .column(i, ty)
            case .function(let f) where Binder.aggregateNames.contains(f.name) && f.over == nil:
                throw QueryError("aggregate function \(f.name)() is not allowed here", offset: x.range.start)
            default:
                return nil
            }
        }
    }

    func bindPost(_ e: Expr, _ ctx: inout PostContext) throws(QueryError) -> BExpr {
        var c = ctx
        defer { ctx = c }
        return try bind(e) { (x) throws(QueryError) -> BExpr? in
            if let i = c.groups.firstIndex(of: x) { return .column(i, c.groupTypes[i]) }
            if let b = try self.postSubqueryLeaf(x, { (y) throws(QueryError) in try self.bindPost(y, &c) }) { return b }
            if case .function(let f) = x.kind, f.over != nil {
                return try self.bindWindow(f, x, c.windows) { (y) throws(QueryError) in try self.bindPost(y, &c) }
            }
            if case .function(let f) = x.kind, f.over == nil, let g = try self.groupingCall(f, x, &c) { return g }
            if case .function(let f) = x.kind, f.over == nil, Binder.aggregateNames.contains(f.name) {
                if let k = c.aggExprs.firstIndex(of: x) { return .column(c.groups.count + k, c.aggs[k].type) }
                let spec = try self.bindAggregate(f, x, c.scope)
                c.aggs.append(spec)
                c.aggExprs.append(x)
                return .column(c.groups.count + c.aggs.count - 1, spec.type)
            }
            if case .column(let t, let n) = x.kind {
                // a column that is a group key under another spelling (t.col vs col)
                var slot: Int? = nil
                var unresolved: QueryError? = nil
                if c.scope.qualifiers != nil {
                    do throws(QueryError) { slot = try c.scope.resolve(t, n, x.range).0 } catch { unresolved = error }
                }
                for (i, g) in c.groups.enumerated() {
                    guard case .column(let gt, let gn) = g.kind, gn.lowercased() == n.lowercased() || c.scope.correlation != nil else { continue }
                    if c.scope.qualifiers == nil || (slot != nil && (try? c.scope.resolve(gt, gn, g.range).0) == slot) {
                        return .column(i, c.groupTypes[i])
                    }
                }
                // over a join, an ambiguous or unknown name says so
                if let unresolved { throw unresolved }
                throw QueryError("column '\(n)' must appear in the GROUP BY clause or be used in an aggregate function", offset: x.range.start)
            }
            return nil
        }
    }

    func bindAggregate(_ f: FunctionCall, _ x: Expr, _ scope: Scope) throws(QueryError) -> AggSpec {
        let name = f.name.lowercased()
        for a in f.args where containsAggregate(a) {
            throw QueryError("aggregate function calls cannot be nested", offset: a.range.start)
        }
        let args = try f.args.map { (a) throws(QueryError) -> BExpr in try bindScalar(a, scope) }
        let filter = try f.filter.map { (w) throws(QueryError) -> BExpr in try bindScalar(w, scope) }
        func need(_ n: Int) throws(QueryError) {
            guard args.count == n else { throw QueryError("\(name)() takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)", offset: x.range.start) }
        }
        if let spec = try quantileListAggregate(name, f, args, filter, x.range.start) { return spec }
        if let spec = try bindMoreAggregate(name, f, x, args, filter, scope) { return spec }
        func numeric(_ i: Int) throws(QueryError) {
            guard args[i].type.isNumeric || args[i].type == .null else {
                throw QueryError("\(name)() needs a numeric argument, not \(args[i].type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
            }
        }
        switch name {
        case "count":
            if f.isStar || args.isEmpty { return AggSpec(kind: .countStar, args: [], filter: filter, type: .bigint) }
            try need(1)
            return AggSpec(kind: f.distinct ? .countDistinct : .count, args: args, filter: filter, type: .bigint)
        case "uniqexact":
            try need(1)
            return AggSpec(kind: .countDistinct, args: args, filter: filter, type: .bigint)
        case "approx_count_distinct", "uniq":
            try need(1)
            return AggSpec(kind: .approxCountDistinct, args: args, filter: filter, type: .bigint)
        case "sum":
            try need(1); try numeric(0)
            if f.distinct { throw QueryError("sum(DISTINCT ...) is not supported", offset: x.range.start) }
            // sum(CASE WHEN c THEN 1 ELSE 0 END) counts; sum(CASE WHEN c THEN x ELSE 0 END) sums
            // conditionally: no per-row CASE evaluation
            if case .caseWhen(let whens, let els, let t) = args[0], whens.count == 1, let els, case .literal(let z, _) = els,
               z == .int(0) || z == .double(0) {
                let (cond, val) = whens[0]
                if case .literal(.int(1), _) = val, t == .bigint {
                    return AggSpec(kind: .countIf, args: [cond], filter: filter, type: .bigint, fromSumCase: true)
                }
                if val.type.isNumeric {
                    let v: BExpr = val.type == t ? val : .cast(val, t)
                    return AggSpec(kind: .sumIf, args: [v, cond], filter: filter, type: t, fromSumCase: true)
                }
            }
            return AggSpec(kind: .sum, args: args, filter: filter, type: args[0].type == .double ? .double : .bigint)
        case "avg", "mean":
            try need(1); try numeric(0)
            return AggSpec(kind: .avg, args: args, filter: filter, type: .double)
        case "min", "max":
            try need(1)
            return AggSpec(kind: name == "min" ? .min : .max, args: args, filter: filter, type: args[0].type)
        case "any", "any_value", "first":
            try need(1)
            return AggSpec(kind: .any, args: args, filter: filter, type: args[0].type)
        case "count_if", "countif":
            try need(1)
            guard args[0].type == .boolean else { throw QueryError("\(name)() needs a BOOLEAN condition", offset: x.range.start) }
            return AggSpec(kind: .countIf, args: args, filter: filter, type: .bigint)
        case "sum_if", "sumif":
            try need(2); try numeric(0)
            guard args[1].type == .boolean else { throw QueryError("\(name)() needs a BOOLEAN condition as its second argument", offset: x.range.start) }
            return AggSpec(kind: .sumIf, args: args, filter: filter, type: args[0].type == .double ? .double : .bigint)
        case "arg_max", "argmax", "arg_min", "argmin":
            try need(2)
            return AggSpec(kind: name.contains("max") ? .argMax : .argMin, args: args, filter: filter, type: args[0].type)
        case "mode":
            try need(1)
            return AggSpec(kind: .mode, args: args, filter: filter, type: args[0].type)
        case "median":
            try need(1); try numeric(0)
            return AggSpec(kind: .quantile(0.5), args: args, filter: filter, type: .double)
        case "quantile", "approx_quantile", "quantile_cont":
            try need(2); try numeric(0)
            guard case .literal(let lit, _) = args[1], let p = lit.asDouble, p >= 0, p <= 1 else {
                throw QueryError("\(name)() needs a constant fraction between 0 and 1 as its second argument", offset: x.range.start)
            }
            return AggSpec(kind: .quantile(p), args: [args[0]], filter: filter, type: .double)
        default:
            throw QueryError("unknown aggregate function \(name)()", offset: x.range.start)
        }
    }

    /// Shared expression binder; `leaf` handles columns and aggregates (and may claim any node).
    func bind(_ e: Expr, _ leaf: (Expr) throws(QueryError) -> BExpr?) throws(QueryError) -> BExpr {
        if let b = try leaf(e) { return b }
        let at = e.range.start
        func sub(_ x: Expr) throws(QueryError) -> BExpr { try bind(x, leaf) }
        switch e.kind {
        case .column(_, let n):
            throw QueryError("unknown column '\(n)'", offset: at)
        case .literal(let l):
            return try literal(l, at)
        case .unary(.negate, let x):
            let b = try sub(x)
            if b.type == .interval { return try negateInterval(b, at) }
            guard b.type.isNumeric || b.type == .null else { throw QueryError("cannot negate \(b.type) (\(x.sqlText))", offset: at) }
            if case .literal(.int(let i), _) = b {
                guard i != .min else { throw Checked.overflow("negation of \(i): the result does not fit in BIGINT", offset: at) }
                return .literal(.int(-i), .bigint)
            }
            if case .literal(.double(let d), _) = b { return .literal(.double(-d), .double) }
            return .negate(b)
        case .unary(.not, let x):
            return .not(try boolean(try sub(x), x))
        case .binary(.and, let a, let b):
            return .and([try boolean(try sub(a), a), try boolean(try sub(b), b)])
        case .binary(.or, let a, let b):
            return .or([try boolean(try sub(a), a), try boolean(try sub(b), b)])
        case .binary(let op, let a, let b):
            return try binary(op, try sub(a), try sub(b), a, b, at)
        case .isNull(let x, let neg):
            return .isNull(try sub(x), negated: neg)
        case .isBoolean(let x, let value, let neg):
            let b = try boolean(try sub(x), x)
            // x IS TRUE: true only when x is true (never NULL)
            let test: BExpr = .and([.isNull(b, negated: true), value ? b : .not(b)])
            return neg ? .not(test) : test
        case .inList(let x, let list, let neg):
            let b = try sub(x)
            var values: [Value] = []
            for item in list {
                let v = try sub(item)
                guard v.isConstant else { throw QueryError("IN list items must be constants", offset: item.range.start) }
                values.append(try convertConstant(try constantValue(v), to: b.type, item))
            }
            if b.type == .varchar && !values.contains(where: \.isNull) {
                let set = Set(values.compactMap { v -> [UInt8]? in if case .string(let s) = v { return Array(s.utf8) } else { return nil } })
                let e: BExpr = .stringPredicate(b, .membership(set))
                return neg ? .not(e) : e
            }
            return .inList(b, values, negated: neg)
        case .inSubquery, .exists:
            throw QueryError("subqueries are not supported here", offset: at)
        case .between(let x, let lo, let hi, let neg):
            let b = try sub(x)
            let r: BExpr = .and([try binary(.ge, b, try sub(lo), x, lo, at), try binary(.le, b, try sub(hi), x, hi, at)])
            return neg ? .not(r) : r
        case .like(let x, let pattern, let ci, let neg):
            let b = try sub(x)
            guard b.type == .varchar || b.type == .null else { throw QueryError("LIKE needs a VARCHAR, not \(b.type) (\(x.sqlText))", offset: at) }
            guard case .literal(.string(let p)) = pattern.kind else { throw QueryError("LIKE pattern must be a string literal", offset: pattern.range.start) }
            let lp = LikePattern(p, caseInsensitive: ci)
            let pred = StringPredicate { lp.matches($0) }
            pred.text = (ci ? "ILIKE " : "LIKE ") + ExprText.quoted(p)
            let r: BExpr = .stringPredicate(b, pred)
            return neg ? .not(r) : r
        case .caseWhen(let c):
            var whens: [(BExpr, BExpr)] = []
            var t: DataType = .null
            let operand = try c.operand.map { (o) throws(QueryError) -> BExpr in try sub(o) }
            for br in c.branches {
                var cond = try sub(br.condition)
                if let operand { cond = try binary(.eq, operand, cond, c.operand!, br.condition, br.condition.range.start) }
                let val = try sub(br.result)
                t = try unify(t, val.type, "CASE branches")
                whens.append((try boolean(cond, br.condition), val))
            }
            let els = try c.elseResult.map { (x) throws(QueryError) -> BExpr in try sub(x) }
            if let els { t = try unify(t, els.type, "CASE branches") }
            return .caseWhen(whens, els, t)
        case .cast(let x, let tn, let isTry):
            if tn == .interval { return try bindIntervalCast(try sub(x), isTry: isTry, x, at) }
            let b = try decimalCastOperand(try sub(x), x, tn, isTry: isTry)
            let t = Binder.dataType(tn)
            // INTEGER is a BIGINT whose values must fit in 32 bits
            let int32 = tn == .integer && t == .bigint
            let e: BExpr = isTry ? .call(.tryCast(t, int32: int32), [b], t) : (int32 ? .call(.castInteger, [b], t) : .cast(b, t))
            if b.isConstant {
                // folded now: a failing cast points at its expression
                do throws(QueryError) { return .literal(try constantValue(e), t) } catch {
                    var err = error
                    if err.offset == nil { err.offset = at }
                    throw err
                }
            }
            return e
        case .extract(let field, let x):
            let b = try sub(x)
            guard b.type == .timestamp || b.type == .date else { throw QueryError("EXTRACT needs a TIMESTAMP or DATE, not \(b.type)", offset: at) }
            guard let f = TimeField(rawValue: field.rawValue) else { throw QueryError("unsupported EXTRACT field \(field.rawValue)", offset: at) }
            if f == .epoch { return try foldTime(.call(.time(.epochSeconds), [b], .double), at) }  // DOUBLE, as DuckDB
            return .call(.extract(f), [b], .bigint)
        case .function(let f):
            return try scalarFunction(f, e, sub)
        case .subquery:
            throw QueryError("subqueries are not supported here", offset: at)
        }
    }

    static func dataType(_ t: TypeName) -> DataType {
        switch t {
        case .timestamp: return .timestamp
        case .integer, .bigint: return .bigint
        case .double: return .double
        case .boolean: return .boolean
        case .varchar: return .varchar
        case .date: return .date
        case .interval: return .interval
        }
    }

    func literal(_ l: Literal, _ at: Int) throws(QueryError) -> BExpr {
        switch l {
        case .null: return .literal(.null, .null)
        case .boolean(let b): return .literal(.bool(b), .boolean)
        case .integer(let i): return .literal(.int(i), .bigint)
        case .double(let d): return .literal(.double(d), .double)
        case .string(let s): return .literal(.string(s), .varchar)
        case .timestamp(let s):
            guard let t = Civil.parseTimestamp(s, format: .iso) else { throw QueryError("invalid TIMESTAMP literal '\(s)'", offset: at) }
            return .literal(.timestamp(t), .timestamp)
        case .date(let s):
            guard let d = Civil.parseDate(s) else { throw QueryError("invalid DATE literal '\(s)'", offset: at) }
            return .literal(.date(d), .date)
        case .interval(let n, let unit):
            // months, days or microseconds per unit (Functions/Interval.swift); a count that
            // does not fit is an error
            guard let v = IntervalParts.literal(n, unit) else {
                throw QueryError("out of range: INTERVAL '\(n)' \(unit.rawValue.uppercased()) does not fit in an interval", offset: at)
            }
            return .literal(v, .interval)
        }
    }

    func boolean(_ b: BExpr, _ e: Expr) throws(QueryError) -> BExpr {
        guard b.type == .boolean || b.type == .null else {
            throw QueryError("expected a BOOLEAN expression, got \(b.type) (\(e.sqlText))", offset: e.range.start)
        }
        return b
    }

    /// Converts a constant to the type it is compared with (string literals to timestamps...).
    func convertConstant(_ v: Value, to t: DataType, _ e: Expr) throws(QueryError) -> Value {
        switch (v, t) {
        case (.string(let s), .timestamp):
            guard let x = Civil.parseTimestamp(s, format: .iso) else { throw QueryError("cannot convert '\(s)' to TIMESTAMP", offset: e.range.start) }
            return .timestamp(x)
        case (.string(let s), .date):
            guard let x = Civil.parseDate(s) else { throw QueryError("cannot convert '\(s)' to DATE", offset: e.range.start) }
            return .date(x)
        case (.date(let d), .timestamp): return .timestamp(d * Civil.microsPerDay)
        case (.int(let i), .double): return .double(Double(i))
        default: return v
        }
    }

    func binary(_ op: StrataSQL.BinaryOp, _ a0: BExpr, _ b0: BExpr, _ ea: Expr, _ eb: Expr, _ at: Int) throws(QueryError) -> BExpr {
        var a = a0, b = b0
        // string literal compared with a time: convert the literal
        if (a.type == .timestamp || a.type == .date), b.type == .varchar, case .literal(let v, _) = b {
            let c = try convertConstant(v, to: a.type, eb); b = .literal(c, a.type)
        }
        if (b.type == .timestamp || b.type == .date), a.type == .varchar, case .literal(let v, _) = a {
            let c = try convertConstant(v, to: b.type, ea); a = .literal(c, b.type)
        }
        let desc = "\(ea.sqlText) \(op.rawValue) \(eb.sqlText)"
        switch op {
        case .add, .subtract, .multiply, .divide, .modulo, .integerDivide:
            if a.type == .null || b.type == .null { return .literal(.null, .null) }
            if let t = try timeArithmetic(op, a, b, at) { return t }
            if a.type == .interval, b.type == .timestamp || b.type == .date, op == .add, case .literal = a {
                swap(&a, &b)  // INTERVAL + TIMESTAMP is TIMESTAMP + INTERVAL
            }
            if (a.type == .timestamp || a.type == .date), b.type == .interval, op == .add || op == .subtract,
               case .literal(.interval(let mo, _, let us), _) = b {
                // subtracting the most negative interval has no negated counterpart
                if op == .subtract && (mo == .min || us == .min) {
                    var e = Checked.timestampOutOfRange
                    e.offset = at
                    throw e
                }
                return .timeAddInterval(a, months: op == .add ? mo : -mo, micros: op == .add ? us : -us, .timestamp)
            }
            if a.type == .date && b.type == .bigint && (op == .add || op == .subtract) {
                return .binary(op == .add ? .add : .sub, a, b, .date)
            }
            guard a.type.isNumeric && b.type.isNumeric else {
                throw QueryError("cannot apply '\(op.rawValue)' to \(a.type) and \(b.type) in \(desc)", offset: at)
            }
            let t: DataType = (a.type == .double || b.type == .double || op == .divide) ? .double : .bigint
            let bop: BOp = [.add: .add, .subtract: .sub, .multiply: .mul, .divide: .div, .modulo: .mod, .integerDivide: .intDiv][op]!
            return .binary(bop, a, b, t)
        case .concat:
            return .binary(.concat, a.type == .varchar ? a : .cast(a, .varchar), b.type == .varchar ? b : .cast(b, .varchar), .varchar)
        case .eq, .neq, .lt, .le, .gt, .ge:
            let bop: BOp = [.eq: .eq, .neq: .ne, .lt: .lt, .le: .le, .gt: .gt, .ge: .ge][op]!
            if a.type == .null || b.type == .null { return .literal(.null, .boolean) }
            let comparable = (a.type.isNumeric && b.type.isNumeric) || a.type == b.type
                || ([.timestamp, .date].contains(a.type) && [.timestamp, .date].contains(b.type))
            guard comparable, !a.type.isList else { throw QueryError("cannot compare \(a.type) with \(b.type) in \(desc)", offset: at) }
            // string column vs string literal: evaluate once per dictionary entry
            if a.type == .varchar, case .literal(.string(let s), _) = b, !a.isConstant {
                return .stringPredicate(a, Binder.stringCompare(bop, Array(s.utf8)))
            }
            if b.type == .varchar, case .literal(.string(let s), _) = a, !b.isConstant {
                let flipped: BOp = [.lt: .gt, .le: .ge, .gt: .lt, .ge: .le, .eq: .eq, .ne: .ne][bop]!
                return .stringPredicate(b, Binder.stringCompare(flipped, Array(s.utf8)))
            }
            return .binary(bop, a, b, .boolean)
        case .isDistinctFrom, .isNotDistinctFrom:
            return try distinctFrom(op == .isNotDistinctFrom, a, b, ea, eb, at)
        case .and, .or:
            throw QueryError("internal: logical operator in arithmetic path", kind: .internal)
        }
    }

    static func stringCompare(_ op: BOp, _ lit: [UInt8]) -> StringPredicate {
        if op == .eq || op == .ne { return .membership([lit], negated: op == .ne) }
        let p = StringPredicate { p in op.holds(lit.withUnsafeBufferPointer { compareBytes(p, $0) }) }
        p.text = ExprText.op(op) + " " + ExprText.quoted(String(decoding: lit, as: UTF8.self))
        return p
    }

    func scalarFunction(_ f: FunctionCall, _ e: Expr, _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BExpr {
        let name = f.name.lowercased()
        let at = e.range.start
        if f.over != nil { throw QueryError("window functions are only allowed in SELECT, QUALIFY and ORDER BY", offset: at) }
        if f.filter != nil { throw QueryError("FILTER applies only to aggregate functions", offset: at) }
        let args = try f.args.map { (a) throws(QueryError) -> BExpr in try sub(a) }
        func need(_ n: Int) throws(QueryError) {
            guard args.count == n else { throw QueryError("\(name)() takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)", offset: at) }
        }
        if let r = try timeFunction(name, f, args, at) { return r }
        if let r = try settingFunction(name, args, at) { return r }
        func time(_ i: Int) throws(QueryError) -> BExpr {
            let a = args[i]
            if a.type == .timestamp || a.type == .date { return a }
            if a.type == .varchar, case .literal(let v, _) = a {
                return .literal(try convertConstant(v, to: .timestamp, f.args[i]), .timestamp)
            }
            throw QueryError("\(name)() needs a TIMESTAMP or DATE, not \(a.type) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
        }
        func unit(_ s: String) throws(QueryError) -> Civil.Unit {
            switch s.lowercased() {
            case "microsecond", "microseconds": return .microsecond
            case "millisecond", "milliseconds": return .millisecond
            case "second", "seconds": return .second
            case "minute", "minutes": return .minute
            case "hour", "hours": return .hour
            case "day", "days": return .day
            case "week", "weeks": return .week
            case "month", "months": return .month
            case "quarter", "quarters": return .quarter
            case "year", "years": return .year
            default: throw QueryError("unknown date part '\(s)' (use minute, hour, day, week, month, quarter or year)", offset: at)
            }
        }
        func trunc(_ u: Civil.Unit, _ a: BExpr) -> BExpr {
            .call(.dateTrunc(u), [a], a.type == .date && [.day, .week, .month, .quarter, .year].contains(u) ? .timestamp : .timestamp)
        }
        if let s = try bindStringFunction(name, f, args, at) { return s }
        switch name {
        case "date_trunc", "datetrunc":
            try need(2)
            guard case .literal(.string(let u), _) = args[0] else { throw QueryError("date_trunc() needs a literal unit such as 'day'", offset: at) }
            return trunc(try unit(u), try time(1))
        case "date_part", "datepart":
            try need(2)
            guard case .literal(.string(let u), _) = args[0], let field = TimeField(rawValue: u.lowercased()) else {
                throw QueryError("date_part() needs a literal field such as 'hour'", offset: at)
            }
            return .call(.extract(field), [try time(1)], .bigint)
        case "year", "month", "day", "hour", "minute", "toyear", "tomonth", "todayofmonth", "tohour", "tominute", "todayofweek":
            try need(1)
            let field: TimeField = ["year": .year, "toyear": .year, "month": .month, "tomonth": .month, "day": .day,
                                    "todayofmonth": .day, "hour": .hour, "tohour": .hour, "minute": .minute,
                                    "tominute": .minute, "todayofweek": .isodow][name]!
            return .call(.extract(field), [try time(0)], .bigint)
        case "todate":
            try need(1)
            return .call(.toDate, [try time(0)], .date)
        case "tostartofminute": try need(1); return trunc(.minute, try time(0))
        case "tostartofhour": try need(1); return trunc(.hour, try time(0))
        case "tostartofday": try need(1); return trunc(.day, try time(0))
        case "tomonday": try need(1); return .call(.toDate, [trunc(.week, try time(0))], .date)
        case "tostartofweek": try need(1); return .call(.startOfWeekSunday, [try time(0)], .date)
        case "tostartofmonth": try need(1); return .call(.toDate, [trunc(.month, try time(0))], .date)
        case "tostartofquarter": try need(1); return .call(.toDate, [trunc(.quarter, try time(0))], .date)
        case "tostartofyear": try need(1); return .call(.toDate, [trunc(.year, try time(0))], .date)
        case "now", "current_timestamp":
            try need(0)
            return .literal(.timestamp(eval.nowMicros), .timestamp)
        case "abs", "floor", "ceil":
            try need(1)
            guard args[0].type.isNumeric || args[0].type == .null else { throw QueryError("\(name)() needs a number, not \(args[0].type)", offset: at) }
            return .call(name == "abs" ? .abs : (name == "floor" ? .floor : .ceil), args, args[0].type)
        case "round":
            guard args.count == 1 || args.count == 2 else { throw QueryError("round() takes 1 or 2 arguments", offset: at) }
            guard args[0].type.isNumeric || args[0].type == .null else { throw QueryError("round() needs a number, not \(args[0].type)", offset: at) }
            var digits = 0
            if args.count == 2 {
                guard case .literal(.int(let d), _) = args[1] else { throw QueryError("round() needs a constant number of digits", offset: at) }
                digits = Int(d)
            }
            return .call(.round(digits: digits), [args[0]], args[0].type)
        case "coalesce", "ifnull", "greatest", "least":
            guard !args.isEmpty else { throw QueryError("\(name)() needs at least one argument", offset: at) }
            var t: DataType = .null
            for a in args { t = try unify(t, a.type, "\(name)() arguments") }
            let fn: ScalarFn = name == "greatest" ? .greatest : (name == "least" ? .least : .coalesce)
            return .call(fn, args.map { $0.type == t || $0.type == .null ? $0 : .cast($0, t) }, t)
        case "nullif":
            try need(2)
            return .call(.nullif, args, args[0].type)
        case "if":
            try need(3)
            let t = try unify(args[1].type, args[2].type, "if() branches")
            return .caseWhen([(try boolean(args[0], f.args[0]), args[1])], args[2], t)
        default:
            if Binder.aggregateNames.contains(name) { throw QueryError("aggregate function \(name)() is not allowed here", offset: at) }
            let hint = Binder.closest(name, Binder.scalarNames + Binder.timeFunctionNames + Binder.stringFunctionNames + Array(Binder.aggregateNames)).map { " (did you mean \($0)()?)" } ?? ""
            throw QueryError("unknown function \(f.name)()\(hint)", offset: at)
        }
    }
}

extension Value {
    var asDouble: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
