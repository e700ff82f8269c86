/// The second-moment aggregates, one accumulator (`MomentAccumulator`).
public enum Moment: String, Sendable, Hashable {
    case varSamp = "var_samp", varPop = "var_pop", stddevSamp = "stddev_samp", stddevPop = "stddev_pop"
    case covarSamp = "covar_samp", covarPop = "covar_pop", corr
}

/// One ORDER BY key inside an aggregate call.
public struct SortDirection: Sendable, Hashable {
    public var descending: Bool
    public var nullsFirst: Bool
}

/// The accumulators of the issue-16 aggregates (the hook in `makeAccumulator`).
func makeMoreAccumulator(_ spec: AggSpec) -> any Accumulator {
    switch spec.kind {
    case .moment(let m): return MomentAccumulator(spec, m)
    case .quantileDisc(let p): return QuantileDiscAccumulator(spec, fraction: p)
    case .boolAnd, .boolOr: return BoolAccumulator(spec)
    case .countDistinctRow: return RowDistinctCountAccumulator(spec)
    case .stringAgg: return StringAggAccumulator(spec)
    case .topK(let k): return TopKAccumulator(spec, k: k)
    case .windowFunnel(let w): return WindowFunnelAccumulator(spec, window: w)
    case .retention: return RetentionAccumulator(spec)
    case .grouping: return GroupingAccumulator(spec)
    case .quantileList(let ps, let disc): return QuantileListAccumulator(spec, ps, disc: disc)
    default: fatalError("no accumulator for \(spec.kind)")
    }
}
