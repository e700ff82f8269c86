import Foundation
import StrataCore
import StrataFormat
import StrataText

// What the binder hands the aggregate operator: which aggregate, over which bound
// arguments, with which FILTER; `makeAccumulator` (Accumulator.swift) picks its state type.

public enum AggKind: Sendable, Hashable {
    case countStar, count, sum, avg, min, max, countDistinct, approxCountDistinct, any, argMin, argMax
    case quantile(Double), countIf, sumIf
    /// Most frequent non-NULL value; ties go to the smallest value.
    case mode
    // issue 16 grouping/aggregates (Aggregates/MomentAccumulator.swift and neighbours)
    case moment(Moment), quantileDisc(Double), boolAnd, boolOr, countDistinctRow
    /// string_agg(x, sep [ORDER BY k...]): args = [x, k...].
    case stringAgg(separator: String, distinct: Bool, order: [SortDirection])
    case topK(Int), windowFunnel(window: Int64), retention
    /// grouping(a, b): the bitmask of the listed group keys (indices) absent from the row's set.
    case grouping([Int])
    /// quantile_cont / quantile_disc with a LIST of fractions (QuantileListAccumulator.swift).
    case quantileList([Double], disc: Bool)
}

/// A bound aggregate: kind, argument(s), optional FILTER, result type.
public struct AggSpec: Sendable {
    public var kind: AggKind
    public var args: [BExpr]
    public var filter: BExpr?
    public var type: DataType
    /// `sum(CASE WHEN c THEN x ELSE 0 END)` rewritten to a conditional aggregate: the result
    /// is 0 when no row matches and NULL only when there are no rows at all (as sum's).
    public var fromSumCase = false

    public init(kind: AggKind, args: [BExpr], filter: BExpr?, type: DataType, fromSumCase: Bool = false) {
        self.kind = kind
        self.args = args
        self.filter = filter
        self.type = type
        self.fromSumCase = fromSumCase
    }
}
