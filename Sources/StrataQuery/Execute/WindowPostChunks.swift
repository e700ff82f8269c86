import StrataCore

extension Vec {
    /// Rows `lo..<hi` of this vector as a new vector (dictionary and list pool shared).
    func rows(_ lo: Int, _ hi: Int) -> Vec {
        let out = Vec(type: type, count: hi - lo)
        out.dict = dict
        out.lists = lists
        if isConst {
            out.isConst = true
            out.ints = ints; out.dbls = dbls; out.strs = strs; out.valid = valid; out.ivl = ivl
            return out
        }
        if ints.count >= hi { out.ints = Array(ints[lo..<hi]) }
        if dbls.count >= hi { out.dbls = Array(dbls[lo..<hi]) }
        if strs.count >= hi { out.strs = Array(strs[lo..<hi]) }
        if ivl.count >= hi { out.ivl = Array(ivl[lo..<hi]) }
        if let v = valid { out.valid = Array(v[lo..<hi]) }
        return out
    }
}

extension Executor {
    /// The output expressions over `b`, flat.
    func evalOutputs(_ outputs: [BExpr], _ b: Batch) throws(QueryError) -> [Vec] {
        try outputs.map { (e) throws(QueryError) -> Vec in try eval.eval(e, b).flattened() }
    }

    /// Rows per chunk of the chunked post stage (tests set it small).
    nonisolated(unsafe) static var postChunkRows = 1 << 16

    /// QUALIFY (or a filter above a window) and the projection over a large post-stage batch,
    /// one chunk of rows at a time on every thread: each chunk's intermediate vectors are small
    /// (reused heap memory that stays in cache, instead of a fresh 10M-row vector per
    /// operator), only the columns read above are gathered, and the chunks' outputs are joined
    /// at the end. Returns the kept rows (the columns ORDER BY reads; the others nil) and the
    /// output vectors, or nil when the batch is small or there is nothing to compute (plain
    /// columns, no filter).
    func qualifyAndProjectInChunks(_ plan: SelectPlan, _ b: Batch) throws(QueryError) -> (Batch, [Vec])? {
        let n = b.count
        let chunk = Executor.postChunkRows
        guard n >= 4 * chunk, !plan.windows.isEmpty else { return nil }
        let plain = plan.outputs.allSatisfy { if case .column = $0 { return true } else { return false } }
        if plan.qualify == nil && plain { return nil }
        var read = Set<Int>()
        plan.qualify?.collectColumns(into: &read)
        for e in plan.outputs { e.collectColumns(into: &read) }
        var keptSet = Set<Int>()
        for o in plan.order { o.expr.collectColumns(into: &keptSet) }
        let kept = keptSet.filter { $0 < b.columns.count && b.columns[$0] != nil }.sorted()
        let slots = read.union(keptSet).filter { $0 < b.columns.count && b.columns[$0] != nil }
        let chunks = (n + chunk - 1) / chunk
        final class Part { var outs: [Vec] = []; var kept: [Vec] = []; var error: QueryError? }
        let parts = (0..<chunks).map { _ in Part() }
        let eval = self.eval
        let qualify = plan.qualify, outputs = plan.outputs
        let columns = b.columns
        let width = columns.count
        ParallelWork.forEach(chunks, workers: threads, stop: eval.interruption) { i, _ in
            let p = parts[i]
            let lo = i * chunk, hi = min(n, lo + chunk)
            var cols = [Vec?](repeating: nil, count: width)
            for s in slots { cols[s] = columns[s]!.rows(lo, hi) }
            var cb = Batch(columns: cols, count: hi - lo)
            do throws(QueryError) {
                if let qualify {
                    let sel = try eval.select(qualify, cb)
                    if sel.count < hi - lo {
                        for s in slots { cols[s] = cols[s]!.gather(sel) }
                        cb = Batch(columns: cols, count: sel.count)
                    }
                }
                p.outs = try outputs.map { (e) throws(QueryError) -> Vec in try eval.eval(e, cb).flattened() }
                p.kept = kept.map { cols[$0]! }
            } catch {
                p.error = error
            }
        }
        try eval.checkInterrupt()
        for p in parts { if let e = p.error { throw e } }
        let total = parts.reduce(0) { $0 + ($1.outs.first?.count ?? ($1.kept.first?.count ?? 0)) }
        var count = total
        if outputs.isEmpty && kept.isEmpty {
            // nothing to size the result by: count the kept rows again (rare: SELECT 1 ... QUALIFY)
            count = 0
            for i in 0..<chunks {
                let lo = i * chunk, hi = min(n, lo + chunk)
                var cols = [Vec?](repeating: nil, count: width)
                for s in slots { cols[s] = columns[s]!.rows(lo, hi) }
                count += try qualify.map { (q) throws(QueryError) -> Int in try eval.select(q, Batch(columns: cols, count: hi - lo)).count } ?? (hi - lo)
            }
        }
        let outVecs = outputs.enumerated().map { k, e in
            chunks == 1 ? parts[0].outs[k] : Vec.concat(parts.map { $0.outs[k] }, type: e.type, interner: interner)
        }
        var fcols = [Vec?](repeating: nil, count: width)
        for (k, s) in kept.enumerated() {
            let t = columns[s]!.type
            fcols[s] = Vec.concat(parts.map { $0.kept[k] }, type: t, interner: interner)
        }
        return (Batch(columns: fcols, count: count), outVecs)
    }
}
