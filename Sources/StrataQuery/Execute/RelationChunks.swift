import Foundation
import StrataCore

/// Aggregating a large materialized relation (a join's or a window's output) on every thread:
/// the relation is cut into chunks that the workers take in turn, each aggregating into its
/// own partial table, merged afterwards as for a table scan. Only for aggregates whose result
/// does not depend on the order rows arrive in (no string_agg, first value, arg_min ties …),
/// so the answer is the one a single pass gives.
enum RelationChunks {
    /// Relations smaller than this stay one batch on one thread.
    static let minRows = 1 << 18
    static let chunkRows = 1 << 16

    /// Workers for aggregating `plan` over a relation source.
    static func workers(_ plan: SelectPlan, _ threads: Int) -> Int {
        guard threads > 1, case .relation(let rel) = plan.source, rel.count >= minRows,
              plan.aggs.allSatisfy({ orderInsensitive($0.kind) }) else { return 1 }
        return threads
    }

    static func orderInsensitive(_ k: AggKind) -> Bool {
        switch k {
        case .countStar, .count, .sum, .avg, .min, .max, .countDistinct, .approxCountDistinct, .quantile, .countIf,
             .sumIf, .mode, .moment, .quantileDisc, .boolAnd, .boolOr, .countDistinctRow, .grouping, .quantileList:
            return true
        case .any, .argMin, .argMax, .stringAgg, .topK, .windowFunnel, .retention:
            return false
        }
    }

    /// Calls `body` on each chunk of `rel` (filtered by the plan's filter), spread over the workers.
    static func scan(_ ex: Executor, _ plan: SelectPlan, _ rel: Relation, _ workers: [Executor.Worker],
                     _ body: @escaping (Executor.Worker, Batch) throws(QueryError) -> Void) throws(QueryError) {
        let n = rel.count
        let chunks = (n + chunkRows - 1) / chunkRows
        let slots = Set(plan.slots).union(plan.filterSlots).sorted()
        try ex.forEachUnit(chunks, workers) { (w, c) throws(QueryError) in
            let lo = c * chunkRows, hi = min(n, lo + chunkRows)
            let rows = [Int32](unsafeUninitializedCapacity: hi - lo) { p, k in
                for i in 0..<(hi - lo) { p[i] = Int32(truncatingIfNeeded: lo + i) }
                k = hi - lo
            }
            var cols = [Vec?](repeating: nil, count: rel.columns.count)
            for s in slots { cols[s] = rel.columns[s].gather(rows) }
            let b = Batch(columns: cols, count: rows.count)
            if let f = plan.filter {
                let sel = try ex.eval.select(f, b)
                w.rowsOut += sel.count
                if sel.isEmpty { return }
                if sel.count < b.count {
                    var out = [Vec?](repeating: nil, count: rel.columns.count)
                    for s in plan.slots { out[s] = cols[s]!.gather(sel) }
                    try body(w, Batch(columns: out, count: sel.count))
                    return
                }
            } else {
                w.rowsOut += b.count
            }
            try body(w, b)
        }
    }
}
