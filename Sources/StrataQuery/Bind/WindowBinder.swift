import StrataCore
import StrataSQL

public enum WindowFn: Sendable, Equatable {
    case rowNumber, rank, denseRank, count, countStar, sum, avg, min, max, lag(Int), lead(Int), firstValue, lastValue
}

/// A bound window function: evaluated in the post stage over the rows that survive HAVING.
struct WindowSpecBound {
    var fn: WindowFn
    var args: [BExpr]
    var partition: [BExpr]
    var order: [OrderKey]
    var type: DataType
}

/// Collects window calls met while binding select items, ORDER BY and QUALIFY. Slots are
/// provisional (`WindowCollector.base + k`) until the post-stage input width is known.
final class WindowCollector {
    static let base = 1 << 30
    var specs: [WindowSpecBound] = []
    var exprs: [Expr] = []
}


extension Binder {
    /// Binds a window call met in SELECT, QUALIFY or ORDER BY: its arguments, PARTITION BY and
    /// ORDER BY over the window's input, collected in `c` (one spec per distinct call).
    func bindWindow(_ f: FunctionCall, _ x: Expr, _ c: WindowCollector, _ sub: (Expr) throws(QueryError) -> BExpr) throws(QueryError) -> BExpr {
        if let k = c.exprs.firstIndex(of: x) { return .column(WindowCollector.base + k, c.specs[k].type) }
        guard let over = f.over else { throw QueryError("internal: window without OVER", kind: .internal) }
        let name = f.name.lowercased()
        let args = try f.args.map { (a) throws(QueryError) -> BExpr in try sub(a) }
        let partition = try over.partitionBy.map { (a) throws(QueryError) -> BExpr in try sub(a) }
        let order = try over.orderBy.map { (o) throws(QueryError) -> OrderKey in
            OrderKey(expr: try sub(o.expr), descending: o.descending, nullsFirst: o.nullsFirst ?? false)
        }
        let fn: WindowFn
        var type: DataType = .bigint
        switch name {
        case "row_number": fn = .rowNumber
        case "rank": fn = .rank
        case "dense_rank": fn = .denseRank
        case "count": fn = f.isStar || args.isEmpty ? .countStar : .count
        case "sum":
            guard args.count == 1, args[0].type.isNumeric else { throw QueryError("sum() OVER needs one numeric argument", offset: x.range.start) }
            fn = .sum; type = args[0].type
        case "avg":
            guard args.count == 1, args[0].type.isNumeric else { throw QueryError("avg() OVER needs one numeric argument", offset: x.range.start) }
            fn = .avg; type = .double
        case "min", "max":
            guard args.count == 1 else { throw QueryError("\(name)() OVER needs one argument", offset: x.range.start) }
            fn = name == "min" ? .min : .max; type = args[0].type
        case "lag", "lead":
            guard (1...3).contains(args.count) else { throw QueryError("\(name)() takes 1 to 3 arguments", offset: x.range.start) }
            var k = 1
            if args.count >= 2 {
                guard case .literal(.int(let n), _) = args[1], n >= 0 else { throw QueryError("\(name)() offset must be a non-negative integer constant", offset: x.range.start) }
                k = Int(Swift.min(n, Int64(1) << 40))  // beyond any partition: row ± k cannot overflow
            }
            fn = name == "lag" ? .lag(k) : .lead(k); type = args[0].type
        case "first_value", "last_value":
            guard args.count == 1 else { throw QueryError("\(name)() takes one argument", offset: x.range.start) }
            fn = name == "first_value" ? .firstValue : .lastValue; type = args[0].type
        default:
            throw QueryError("unknown window function \(name)() (row_number, rank, dense_rank, count, sum, avg, min, max, lag, lead, first_value, last_value)", offset: x.range.start)
        }
        if [.rowNumber, .rank, .denseRank].contains(fn) && !args.isEmpty { throw QueryError("\(name)() takes no arguments", offset: x.range.start) }
        c.specs.append(WindowSpecBound(fn: fn, args: args, partition: partition, order: order, type: type))
        c.exprs.append(x)
        return .column(WindowCollector.base + c.specs.count - 1, type)
    }
}
