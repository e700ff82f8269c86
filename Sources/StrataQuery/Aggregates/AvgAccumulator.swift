/// avg(x): the sums of `SumAccumulator` (always in Double) divided by the counts.
final class AvgAccumulator: SumAccumulator {
    override func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        try valueVector(n, type: spec.type) { g in
            counts[g] == 0 ? .null : .double(dsum[g] / Double(counts[g]))
        }
    }
}
