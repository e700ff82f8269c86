import StrataCore
import StrataText

/// Readable text of bound expressions for EXPLAIN, given the names of the input columns.
enum ExprText {
    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    static func value(_ v: Value) -> String {
        switch v {
        case .null: return "NULL"
        case .string(let s): return quoted(s)
        case .timestamp: return "TIMESTAMP " + quoted(Evaluator.text(v))
        case .date: return "DATE " + quoted(Evaluator.text(v))
        case .interval: return "INTERVAL " + quoted(Evaluator.text(v))
        default: return Evaluator.text(v)
        }
    }

    static func op(_ o: BOp) -> String {
        switch o {
        case .add: return "+"
        case .sub: return "-"
        case .mul: return "*"
        case .div: return "/"
        case .mod: return "%"
        case .intDiv: return "//"
        case .eq: return "="
        case .ne: return "<>"
        case .lt: return "<"
        case .le: return "<="
        case .gt: return ">"
        case .ge: return ">="
        case .concat: return "||"
        }
    }

    static func fn(_ f: ScalarFn) -> String {
        switch f {
        case .round(let d): return "round[\(d)]"
        case .dateTrunc(let u): return "date_trunc[\(u)]"
        case .extract(let field): return "date_part[\(field.rawValue)]"
        case .now: return "now"
        case .tryCast(let t, let i32): return "try_cast[\(i32 ? "INTEGER" : t.description)]"
        case .castInteger: return "cast[INTEGER]"
        case .string(let f): return f.name
        case .time(let f): return f.sqlName
        default: return String(describing: f)
        }
    }

    static func expr(_ e: BExpr, _ names: [String]) -> String {
        func sub(_ x: BExpr) -> String {
            switch x {
            case .column, .literal, .call: return expr(x, names)
            default: return "(" + expr(x, names) + ")"
            }
        }
        switch e {
        case .column(let i, _): return i < names.count ? names[i] : "#\(i)"
        case .literal(let v, _): return value(v)
        case .negate(let x): return "-" + sub(x)
        case .binary(let o, let a, let b, _): return sub(a) + " " + op(o) + " " + sub(b)
        case .and(let es): return es.map(sub).joined(separator: " AND ")
        case .or(let es): return es.map(sub).joined(separator: " OR ")
        case .not(let x): return "NOT " + sub(x)
        case .isNull(let x, let n): return sub(x) + (n ? " IS NOT NULL" : " IS NULL")
        case .inList(let x, let vs, let n): return sub(x) + (n ? " NOT IN (" : " IN (") + vs.map(value).joined(separator: ", ") + ")"
        case .stringPredicate(let x, let p): return sub(x) + " " + p.text
        case .caseWhen(let ws, let els, _):
            var s = "CASE"
            for (c, v) in ws { s += " WHEN " + expr(c, names) + " THEN " + expr(v, names) }
            if let els { s += " ELSE " + expr(els, names) }
            return s + " END"
        case .cast(let x, let t): return "CAST(" + expr(x, names) + " AS \(t))"
        case .call(let f, let args, _): return fn(f) + "(" + args.map { expr($0, names) }.joined(separator: ", ") + ")"
        case .timeAddInterval(let x, let mo, let us, _):
            return sub(x) + " + " + value(.interval(mo, 0, us))
        }
    }

    static let aggregateNames: [AggKind: String] = [
        .count: "count", .sum: "sum", .avg: "avg", .min: "min", .max: "max", .approxCountDistinct: "approx_count_distinct",
        .any: "any_value", .argMin: "arg_min", .argMax: "arg_max", .countIf: "count_if", .sumIf: "sum_if", .mode: "mode",
    ]

    static func aggregate(_ a: AggSpec, _ names: [String]) -> String {
        let args = a.args.map { expr($0, names) }
        var s: String
        switch a.kind {
        case .countStar: s = "count_star()"
        case .countDistinct: s = "count(DISTINCT " + args.joined(separator: ", ") + ")"
        case .quantile(let p): s = "quantile_cont(" + args.joined(separator: ", ") + ", \(Values.formatDouble(p)))"
        default: s = moreAggregateText(a.kind, args) ?? (aggregateNames[a.kind, default: "\(a.kind)"] + "(" + args.joined(separator: ", ") + ")")
        }
        if let f = a.filter { s += " FILTER (WHERE " + expr(f, names) + ")" }
        return s
    }

    static func order(_ o: OrderKey, _ names: [String]) -> String {
        expr(o.expr, names) + (o.descending ? " DESC" : " ASC") + (o.nullsFirst ? " NULLS FIRST" : " NULLS LAST")
    }

    static func window(_ w: WindowSpecBound, _ names: [String]) -> String {
        let args = w.args.map { expr($0, names) }
        var s: String
        switch w.fn {
        case .rowNumber: s = "row_number()"
        case .rank: s = "rank()"
        case .denseRank: s = "dense_rank()"
        case .countStar: s = "count(*)"
        case .count: s = "count(" + args.joined(separator: ", ") + ")"
        case .sum: s = "sum(" + args.joined(separator: ", ") + ")"
        case .avg: s = "avg(" + args.joined(separator: ", ") + ")"
        case .min: s = "min(" + args.joined(separator: ", ") + ")"
        case .max: s = "max(" + args.joined(separator: ", ") + ")"
        case .lag(let k): s = "lag(" + (args.prefix(1) + ["\(k)"] + args.dropFirst(2)).joined(separator: ", ") + ")"
        case .lead(let k): s = "lead(" + (args.prefix(1) + ["\(k)"] + args.dropFirst(2)).joined(separator: ", ") + ")"
        case .firstValue: s = "first_value(" + args.joined(separator: ", ") + ")"
        case .lastValue: s = "last_value(" + args.joined(separator: ", ") + ")"
        case .nthValue: s = "nth_value(" + args.joined(separator: ", ") + ")"
        case .ntile: s = "ntile(" + args.joined(separator: ", ") + ")"
        case .percentRank: s = "percent_rank()"
        case .cumeDist: s = "cume_dist()"
        case .countDistinct: s = "count(DISTINCT " + args.joined(separator: ", ") + ")"
        case .aggregate: s = w.aggregateName + (w.aggregateName.hasSuffix("(") ? "" : " ") + args.joined(separator: ", ") + ")"
        }
        if w.ignoreNulls { s.insert(contentsOf: " IGNORE NULLS", at: s.index(before: s.endIndex)) }
        if let f = w.filter { s += " FILTER (WHERE " + expr(f, names) + ")" }
        s += " OVER ("
        var parts: [String] = []
        if !w.partition.isEmpty { parts.append("PARTITION BY " + w.partition.map { expr($0, names) }.joined(separator: ", ")) }
        if !w.order.isEmpty { parts.append("ORDER BY " + w.order.map { order($0, names) }.joined(separator: ", ")) }
        if !w.frame.isStandard { parts.append(frame(w.frame, names)) }
        s += parts.joined(separator: " ") + ")"
        return s
    }
}

extension BExpr {
    /// Structural equality (string predicates by identity).
    func same(_ o: BExpr) -> Bool {
        switch (self, o) {
        case (.column(let a, _), .column(let b, _)): return a == b
        case (.literal(let a, let s), .literal(let b, let t)): return a == b && s == t
        case (.negate(let a), .negate(let b)), (.not(let a), .not(let b)): return a.same(b)
        case (.binary(let p, let a, let b, _), .binary(let q, let c, let d, _)): return p == q && a.same(c) && b.same(d)
        case (.and(let a), .and(let b)), (.or(let a), .or(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.same($1) }
        case (.isNull(let a, let m), .isNull(let b, let n)): return m == n && a.same(b)
        case (.inList(let a, let v, let m), .inList(let b, let w, let n)): return m == n && v == w && a.same(b)
        case (.stringPredicate(let a, let p), .stringPredicate(let b, let q)): return p === q && a.same(b)
        case (.caseWhen(let w1, let e1, let t1), .caseWhen(let w2, let e2, let t2)):
            guard t1 == t2, w1.count == w2.count, (e1 == nil) == (e2 == nil) else { return false }
            if let e1, let e2, !e1.same(e2) { return false }
            return zip(w1, w2).allSatisfy { $0.0.same($1.0) && $0.1.same($1.1) }
        case (.cast(let a, let s), .cast(let b, let t)): return s == t && a.same(b)
        case (.call(let f, let a, let s), .call(let g, let b, let t)):
            return s == t && ExprText.fn(f) == ExprText.fn(g) && "\(f)" == "\(g)" && a.count == b.count && zip(a, b).allSatisfy { $0.same($1) }
        case (.timeAddInterval(let a, let m1, let u1, _), .timeAddInterval(let b, let m2, let u2, _)):
            return m1 == m2 && u1 == u2 && a.same(b)
        default: return false
        }
    }
}
