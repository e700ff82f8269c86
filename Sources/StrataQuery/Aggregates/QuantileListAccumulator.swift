import StrataSQL
import StrataCore

// quantile_cont / quantile_disc / quantile / approx_quantile / median-style aggregates with a
// LIST of fractions: `quantile_cont(x, [0.25, 0.5, 0.75])` is one LIST per group, the
// quantiles in the order given (DuckDB: DOUBLE[] for quantile_cont, the argument's type for
// quantile_disc; NULL over no rows; `[]` gives an empty list). The values of a group are kept
// and sorted once for all fractions.

final class QuantileListAccumulator: QuantileValueLists, Accumulator {
    let spec: AggSpec
    let fractions: [Double]
    let disc: Bool
    let element: DataType

    init(_ spec: AggSpec, _ fractions: [Double], disc: Bool) {
        self.spec = spec
        self.fractions = fractions
        self.disc = disc
        element = spec.type.listElement ?? .double
        super.init(isDouble: element == .double)
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        try valueVector(n, type: spec.type) { g in
            if isDouble {
                if dbls[g].isEmpty { return .null }
                let xs = dbls[g].sorted { OrderWord.less($0, $1) }
                return .list(ListValue(fractions.map { p in
                    if disc { return .double(xs[min(QuantileDiscAccumulator.rank(p, xs.count), xs.count - 1)]) }
                    let pos = p * Double(xs.count - 1)
                    let lo = Int(pos.rounded(.down)), hi = min(lo + 1, xs.count - 1)
                    return .double(xs[lo] + (xs[hi] - xs[lo]) * (pos - Double(lo)))
                }))
            }
            if ints[g].isEmpty { return .null }
            let xs = ints[g].sorted()
            if !disc {
                // approx_quantile over integers: the interpolated value, rounded
                return .list(ListValue(fractions.map { p in
                    let pos = p * Double(xs.count - 1)
                    let lo = Int(pos.rounded(.down)), hi = min(lo + 1, xs.count - 1)
                    return .int(Int64((Double(xs[lo]) + Double(xs[hi] - xs[lo]) * (pos - Double(lo))).rounded()))
                }))
            }
            let wrap: (Int64) -> Value = { x in
                switch self.element {
                case .timestamp: return .timestamp(x)
                case .date: return .date(x)
                default: return .int(x)
                }
            }
            return .list(ListValue(fractions.map { p in wrap(xs[min(QuantileDiscAccumulator.rank(p, xs.count), xs.count - 1)]) }))
        }
    }
}

extension Binder {
    /// `[c1, c2, …]` of literals (kept in place when a window aggregate's arguments are evaluated).
    static func isConstantList(_ e: Expr) -> Bool {
        guard case .function(let f) = e.kind, f.name.lowercased() == "list_value", f.over == nil else { return false }
        return f.args.allSatisfy { if case .literal = $0.kind { return true } else { return false } }
    }

    /// The quantile aggregates with a LIST of fractions; nil for other calls.
    func quantileListAggregate(_ name: String, _ f: FunctionCall, _ args: [BExpr], _ filter: BExpr?, _ at: Int) throws(QueryError) -> AggSpec? {
        guard ["quantile", "quantile_cont", "quantile_disc", "approx_quantile"].contains(name), args.count == 2, args[1].type.isList else { return nil }
        guard args[1].isConstant, case .list(let l) = try constantValue(args[1]) else {
            throw QueryError("\(name)() needs a constant LIST of fractions between 0 and 1", offset: f.args[1].range.start)
        }
        var ps: [Double] = []
        for v in l.items {
            if v.isNull { throw QueryError("\(name)(): a fraction may not be NULL", offset: f.args[1].range.start) }
            guard let p = v.asDouble, p >= 0, p <= 1 else {
                throw QueryError("\(name)() needs fractions between 0 and 1, not \(Evaluator.text(v))", offset: f.args[1].range.start)
            }
            ps.append(p)
        }
        let t = args[0].type
        // DuckDB: quantile and quantile_disc are discrete (of the argument's type);
        // quantile_cont and approx_quantile interpolate over numbers
        let disc = name == "quantile" || name == "quantile_disc"
        if disc {
            guard t.isNumeric || t == .timestamp || t == .date || t == .null else {
                throw QueryError("\(name)() needs a numeric, DATE or TIMESTAMP argument, not \(t)", offset: f.args[0].range.start)
            }
        } else if !(t.isNumeric || t == .null) {
            throw QueryError("\(name)() needs a numeric argument, not \(t)", offset: f.args[0].range.start)
        }
        // approx_quantile keeps an integer argument's type (DuckDB), its values rounded
        let elem: DataType = disc || (name == "approx_quantile" && t == .bigint) ? (t == .null ? .double : t) : .double
        return AggSpec(kind: .quantileList(ps, disc: disc), args: [args[0]], filter: filter, type: .list(elem))
    }
}
