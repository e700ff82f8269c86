import StrataCore
import Dispatch
import StrataFormat
import StrataStore

/// What EXPLAIN ANALYZE shows of one operator after running.
final class OperatorStats {
    /// Rows the operator produced.
    var rows = 0
    /// Wall time from the start of the operator's subtree until its output was complete.
    var seconds = 0.0
    /// Scans: segments and blocks read, of the snapshot's.
    var segmentsRead = 0, segments = 0, blocksRead = 0, blocks = 0
    var notes: [String] = []
}

/// Counters a fused pipeline (`SelectPlan`) fills while it runs (EXPLAIN ANALYZE only).
final class PipelineCounters: @unchecked Sendable {
    var scanRows = 0
    var segmentsRead = 0, segments = 0, blocksRead = 0, blocks = 0
    var groups = 0
    /// Groups passed on to the post stage (fewer when top-N preselection applies).
    var preselected = 0
    var afterHaving = 0, afterQualify = 0, afterDistinct = 0, rows = 0
    var scanDone: UInt64 = 0, aggregateDone: UInt64 = 0
    var havingDone: UInt64 = 0, windowDone: UInt64 = 0, qualifyDone: UInt64 = 0, projectDone: UInt64 = 0
    var distinctDone: UInt64 = 0, sortDone: UInt64 = 0
    var phases = 0
    /// Scan notes for EXPLAIN ANALYZE (Parquet: row groups and pages read).
    var notes: [String] = []
}

/// Runs an optimized plan. Chains of Scan → Filter → Aggregate → Filter → Window → Filter →
/// Project → Distinct → Sort/TopN → Limit run as one fused, parallel pipeline (`SelectPlan`
/// on `Executor`: block scan with late materialization, partial aggregation per thread,
/// then the post stage); joins, unions, CTEs and values produce relations that the pipeline
/// above them reads.
final class PlanExecutor {
    let executor: Executor
    /// Per operator, when analyzing.
    var stats: [ObjectIdentifier: OperatorStats]?
    /// Results of subplans already run ahead of their operator (a semi join's right side that
    /// proved too large for a scan filter), taken once by `run`.
    var prerun: [ObjectIdentifier: Relation] = [:]
    /// Joins stopped early by a LIMIT, when analyzing (EXPLAIN ANALYZE's note).
    var limitNotes: [ObjectIdentifier: String] = [:]

    init(executor: Executor, analyze: Bool = false) {
        self.executor = executor
        if analyze { stats = [:] }
    }

    private func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private func record(_ n: PlanNode, rows: Int, since start: UInt64, until end: UInt64? = nil) -> OperatorStats? {
        guard stats != nil else { return nil }
        let s = stats![ObjectIdentifier(n)] ?? OperatorStats()
        s.rows = rows
        s.seconds = Double((end ?? now()) - start) / 1e9
        stats![ObjectIdentifier(n)] = s
        return s
    }

    func run(_ n: PlanNode) throws(QueryError) -> Relation {
        try executor.eval.checkInterrupt()
        if !prerun.isEmpty, let r = prerun.removeValue(forKey: ObjectIdentifier(n)) { return r }
        let start = now()
        switch n.op {
        case .values(let r):
            _ = record(n, rows: r.count, since: start)
            return r
        case .series(let s):
            let r = try s.relation(executor.eval)
            _ = record(n, rows: r.count, since: start)
            return r
        case .files(let f) where f.format != .parquet:
            let r = try f.relation(executor)
            _ = record(n, rows: r.count, since: start)
            return r
        case .cte(let def):
            if let r = def.rows {
                _ = record(n, rows: r.count, since: start)
                return r
            }
            let r = try run(def.plan)
            if def.materialize { def.rows = r }
            _ = record(n, rows: r.count, since: start)
            return r
        case .join(let j):
            let r: Relation
            if let sq = j.subquery { r = try subqueryJoin(n, j, sq) } else { r = try join(n, j) }
            _ = record(n, rows: r.count, since: start)
            return r
        case .unnest(let es):
            let r = try unnest(n, es, try run(n.input))
            _ = record(n, rows: r.count, since: start)
            return r
        case .unionAll:
            let terms = try n.inputs.map { (i) throws(QueryError) -> Relation in try run(i) }
            let total = terms.reduce(0) { $0 + $1.count }
            try executor.eval.reserve(total * n.types.count * 9, "UNION ALL of \(Evaluator.grouped(total)) rows")
            let columns = n.types.indices.map { c in
                Vec.concat(terms.map { $0.columns[c] }, type: n.types[c], interner: executor.interner)
            }
            let r = Relation(names: n.names, types: n.types, columns: columns, count: terms.reduce(0) { $0 + $1.count })
            _ = record(n, rows: r.count, since: start)
            return r
        case .setOperation(let kind, let all):
            let r = try setOperation(n, kind, all: all)
            _ = record(n, rows: r.count, since: start)
            return r
        default:
            return try pipeline(n, start)
        }
    }

    // MARK: - joins

    private func join(_ n: PlanNode, _ j: JoinSpec, cap: Int? = nil) throws(QueryError) -> Relation {
        let l = try run(n.inputs[0]), r = try run(n.inputs[1])
        let lw = l.columns.count
        var (li, ri): ([Int32], [Int32])
        if j.buildLeft {
            // build on the (smaller) left: the right side probes; then back to left-row order
            let rw = r.columns.count
            let residual = j.residual?.remapColumns { $0 < lw ? $0 + rw : $0 - lw }
            (ri, li) = try executor.joinPairs(kind: .inner, r, l, j.rightKeys, j.leftKeys, residual, packed: j.algorithm == .packedKeys)
            PlanExecutor.sortPairs(&li, &ri)
        } else {
            (li, ri) = try executor.joinPairs(kind: j.kind, l, r, j.leftKeys, j.rightKeys, j.residual, packed: j.algorithm == .packedKeys,
                                              cap: cap)
        }
        let needed = j.needed ?? Set(n.types.indices)
        let count = li.count
        let pairBytes = count * 8
        defer { executor.eval.release(pairBytes) }
        if let cap, count >= cap, stats != nil {
            limitNotes[ObjectIdentifier(n)] = "stopped after \(cap) row\(cap == 1 ? "" : "s") (LIMIT): probed \(li.last.map { Int($0) + 1 } ?? 0) of \(l.count) left rows"
        }
        try executor.eval.reserve(count * needed.count * 9, "join result of \(Evaluator.grouped(count)) rows × \(needed.count) columns")
        let leftInOrder = li.count == l.count && li.elementsEqual(0..<Int32(l.count))
        var columns = n.types.map { Vec.constant(.null, type: $0, count: count) }
        let lc = (0..<lw).filter(needed.contains), rc = (lw..<n.types.count).filter(needed.contains)
        let lv = leftInOrder ? lc.map { l.columns[$0] } : executor.gatherColumns(lc.map { l.columns[$0] }, li)
        let rv = executor.gatherColumns(rc.map { r.columns[$0 - lw] }, ri, orNull: ri.contains(-1))
        for (k, c) in lc.enumerated() { columns[c] = lv[k] }
        for (k, c) in rc.enumerated() { columns[c] = rv[k] }
        return Relation(names: n.names, types: n.types, columns: columns, count: count)
    }

    // MARK: - pipelines

    /// Runs the fused pipeline whose top operator is `top`.
    private func pipeline(_ top: PlanNode, _ start: UInt64) throws(QueryError) -> Relation {
        var n = top
        var nodes: [PlanNode] = []
        // a projection dropping hidden ORDER BY columns: the pipeline computes only the outputs
        var dropTo: Int? = nil
        if case .project(let es) = n.op, es.enumerated().allSatisfy({ if case .column($0.offset, _) = $0.element { return true } else { return false } }),
           PlanExecutor.belowOrdering(n.input) !== n.input, case .project = PlanExecutor.belowOrdering(n.input).op {
            dropTo = es.count
            nodes.append(n)
            n = n.input
        }
        var order: [OrderKey] = [], limit: Int? = nil, offset = 0, distinct = false
        var stage = 0
        loop: while true {
            switch n.op {
            case .limit(let l, let o) where stage < 1: limit = l; offset = o; stage = 1
            case .topN(let keys, let l, let o) where stage < 2: order = keys; limit = l; offset = o; stage = 2
            case .sort(let keys) where stage < 2: order = keys; stage = 2
            case .distinct where stage < 3: distinct = true; stage = 3
            default: break loop
            }
            nodes.append(n)
            n = n.input
        }
        // the projection (a bare source: its needed columns)
        var outputs: [BExpr]
        var names: [String]
        var bare = false
        var unused: Set<Int> = []
        if case .project(let es) = n.op {
            outputs = es
            names = n.names
            unused = n.unused
            nodes.append(n)
            n = n.input
        } else {
            bare = true
            outputs = n.types.indices.map { .column($0, n.types[$0]) }
            names = n.names
        }
        // ORDER BY keys are over the projection's output: evaluate them over its input
        order = order.map { k in OrderKey(expr: k.expr.substitute(outputs), descending: k.descending, nullsFirst: k.nullsFirst) }
        if let dropTo {
            outputs = Array(outputs.prefix(dropTo))
            names = top.names
        }
        // Filter / Window / Aggregate chain down to the source
        var chain: [PlanNode] = []
        while true {
            switch n.op {
            case .filter, .window, .aggregate:
                chain.append(n)
                n = n.input
                continue
            default: break
            }
            break
        }
        var whereConj: [BExpr] = [], having: [BExpr] = [], qualify: [BExpr] = []
        var agg: AggregateSpec? = nil
        var windows: [WindowSpecBound] = []
        var windowBase = 0
        var aggNode: PlanNode? = nil, windowNode: PlanNode? = nil
        var whereNodes: [PlanNode] = [], havingNodes: [PlanNode] = [], qualifyNodes: [PlanNode] = []
        var level = 0  // 0: below aggregate, 1: above aggregate, 2: above window
        var pending: [PlanNode] = []
        for c in chain.reversed() {
            switch c.op {
            case .filter(let f):
                switch level {
                case 0: whereConj += f.conjuncts; whereNodes.append(c)
                case 1: having += f.conjuncts; havingNodes.append(c)
                default: qualify += f.conjuncts; qualifyNodes.append(c)
                }
            case .aggregate(let a) where level == 0:
                agg = a; aggNode = c; level = 1
            case .window(let w) where level < 2:
                windows = w; windowBase = c.input.types.count; windowNode = c; level = 2
            default:
                pending.append(c)
            }
        }
        if !pending.isEmpty {
            // an unexpected shape (cannot come from the binder): run the lower part on its own
            throw QueryError("internal: cannot run plan shape below \(PlanPrinter.header(pending[0]))", kind: .internal)
        }
        // a semi join of a table scan with a small key set (`x IN (SELECT …)`, EXISTS):
        // the set becomes an IN list in the scan's filter, so the scan, the filter and what
        // is above stay one fused pipeline instead of materializing the scan for a join
        var semiNode: PlanNode? = nil
        var semiNote = ""
        if case .join(let j) = n.op, let (conjunct, note) = try semiJoinAsFilter(n, j) {
            semiNode = n
            semiNote = note
            whereConj.insert(conjunct, at: 0)
            n = n.inputs[0]
        }
        // the source
        let source: Source
        var scanNode: PlanNode? = nil
        var prune: [Int: PruneRange] = [:]
        var sourceWidth = n.types.count
        if case .scan(let s) = n.op {
            scanNode = n
            if let f = s.filter { whereConj = f.conjuncts + whereConj }
            if s.dedup {
                source = .relation(try PlanExecutor.dedupedRelation(s.snapshot) ?? Relation(names: n.names, types: n.types,
                    columns: n.types.map { Vec.nulls($0, count: 0) }, count: 0))
            } else {
                source = .table(s.snapshot)
                prune = s.prune
            }
        } else if case .files(let spec) = n.op, spec.format == .parquet {
            // Parquet streams row groups through the pipeline, pruned by statistics
            scanNode = n
            source = .parquet(spec.parquetState)
            prune = PruningRanges.ranges(BExpr.all(whereConj))
        } else {
            let r: Relation
            if case .join(let j) = n.op, j.subquery == nil, !j.buildLeft, let limit, agg == nil, windows.isEmpty,
               order.isEmpty, !distinct, whereConj.isEmpty {
                // LIMIT right over a join (no ORDER BY, aggregate, filter or DISTINCT between):
                // the probe stops once enough pairs came out
                let cap = limit + offset
                let t0 = now()
                r = try join(n, j, cap: cap)
                if let s = record(n, rows: r.count, since: t0), let note = limitNotes[ObjectIdentifier(n)] { s.notes.append(note) }
            } else {
                r = try run(n)
            }
            source = .relation(r)
            sourceWidth = r.columns.count
        }
        // a bare scan (a join or set operation input) reads only the columns pushed down to it;
        // the others stay NULL placeholders instead of being gathered
        if bare, agg == nil, windows.isEmpty, let scanNode, case .scan(let s) = scanNode.op, let cols = s.columns {
            outputs = cols.map { .column($0, n.types[$0]) }
        }
        if bare, agg == nil, windows.isEmpty, let scanNode, case .files(let f) = scanNode.op, let cols = f.columns {
            outputs = cols.map { .column($0, n.types[$0]) }
        }
        let filter = BExpr.all(whereConj)
        var plan = SelectPlan(source: source, slots: [], filter: filter, filterSlots: filter.map { $0.columns.sorted() } ?? [],
                              isAggregate: agg != nil, outputs: bare ? [] : outputs, names: names)
        plan.prune = prune
        plan.order = order
        plan.limit = limit
        plan.offset = offset
        plan.distinct = distinct
        plan.having = BExpr.all(having)
        plan.qualify = BExpr.all(qualify)
        plan.windows = windows
        plan.windowBase = windowBase
        var used = Set(plan.filterSlots)
        if let agg {
            plan.groups = agg.groups
            plan.aggs = agg.aggs
            plan.twoPhase = agg.twoPhaseTopN
            plan.groupingSets = agg.groupingSets
            for g in agg.groups { g.collectColumns(into: &used) }
            for a in agg.aggs {
                for x in a.args { x.collectColumns(into: &used) }
                a.filter?.collectColumns(into: &used)
            }
        } else {
            for e in outputs { e.collectColumns(into: &used) }
            for o in order { o.expr.collectColumns(into: &used) }
            for q in qualify { q.collectColumns(into: &used) }
            for w in windows {
                for x in w.exprs { x.collectColumns(into: &used) }
            }
            used = used.filter { $0 < sourceWidth }
        }
        plan.slots = used.sorted()
        var counters: PipelineCounters? = nil
        if stats != nil {
            counters = PipelineCounters()
            plan.counters = counters
        }
        let result: Relation
        if bare {
            // a source read for a join or a union: the columns used above, NULL placeholders
            // for the others
            let cols = plan.slots
            plan.outputs = cols.map { .column($0, n.types[$0]) }
            plan.names = cols.map { n.names[$0] }
            let r = try executor.run(plan)
            var columns = n.types.map { Vec.constant(.null, type: $0, count: r.count) }
            for (k, c) in cols.enumerated() { columns[c] = r.columns[k] }
            result = Relation(names: n.names, types: n.types, columns: columns, count: r.count)
        } else if !unused.isEmpty {
            // outputs nobody above reads: NULL placeholders, not computed
            let live = outputs.indices.filter { !unused.contains($0) }
            plan.outputs = live.map { outputs[$0] }
            plan.names = live.map { names[$0] }
            let r = try executor.run(plan)
            var columns = outputs.map { Vec.constant(.null, type: $0.type, count: r.count) }
            for (k, c) in live.enumerated() { columns[c] = r.columns[k] }
            result = Relation(names: names, types: outputs.map(\.type), columns: columns, count: r.count)
        } else {
            result = try executor.run(plan)
        }
        if let counters {
            let end = now()
            func mark(_ node: PlanNode?, _ rows: Int, _ t: UInt64) {
                guard let node else { return }
                _ = record(node, rows: rows, since: start, until: t == 0 ? end : t)
            }
            if let scanNode, let s = record(scanNode, rows: counters.scanRows, since: start, until: counters.scanDone == 0 ? end : counters.scanDone) {
                s.segmentsRead = counters.segmentsRead; s.segments = counters.segments
                s.blocksRead = counters.blocksRead; s.blocks = counters.blocks
                if counters.phases > 1 { s.notes.append("read in \(counters.phases) phases (two-phase top-N)") }
                s.notes += counters.notes
            }
            for w in whereNodes { mark(w, counters.scanRows, counters.scanDone) }
            if let semiNode, let s = record(semiNode, rows: counters.scanRows, since: start, until: counters.scanDone == 0 ? end : counters.scanDone) {
                s.notes.append(semiNote)
            }
            mark(aggNode, counters.groups, counters.aggregateDone)
            if let aggNode, let s = stats?[ObjectIdentifier(aggNode)], counters.preselected < counters.groups {
                s.notes.append("top-N preselection passed \(counters.preselected) of \(counters.groups) groups on")
            }
            for h in havingNodes { mark(h, counters.afterHaving, counters.havingDone) }
            mark(windowNode, counters.afterHaving, counters.windowDone)
            for q in qualifyNodes { mark(q, counters.afterQualify, counters.qualifyDone) }
            for x in nodes {
                switch x.op {
                case .project: mark(x, x === top ? result.count : counters.afterQualify, x === top ? end : counters.projectDone)
                case .distinct: mark(x, counters.afterDistinct, counters.distinctDone)
                case .sort: mark(x, counters.afterDistinct, counters.sortDone)
                default: mark(x, result.count, end)
                }
            }
        }
        return result
    }

    /// Semi joins whose left side is a plain table scan, with one equality key, no residual
    /// condition and at most `semiFilterLimit` distinct right keys: the right side runs first
    /// and its keys become `key IN (…)` over the scan (NULL keys never match, as in the join).
    private func semiJoinAsFilter(_ n: PlanNode, _ j: JoinSpec) throws(QueryError) -> (BExpr, String)? {
        guard let sq = j.subquery, sq.kind == .semi, j.leftKeys.count == 1, j.residual == nil,
              case .scan(let s) = n.inputs[0].op, !s.dedup else { return nil }
        let keyType = j.rightKeys[0].type
        switch keyType {
        case .bigint, .varchar, .timestamp, .date, .boolean: break
        default: return nil
        }
        let r = try run(n.inputs[1])
        // when the keys are too many, the join below reads this result instead of running it again
        prerun[ObjectIdentifier(n.inputs[1])] = r
        let k = try executor.eval.eval(j.rightKeys[0], Batch(columns: r.columns.map { $0 as Vec? }, count: r.count)).flattened()
        // distinct keys counted on their key words first: no text per row (a hex-id
        // dictionary would otherwise expand to text in full), then one value per distinct key
        guard let rows = SemiKeys.distinctRows(k, r.count, KeyEncoder(interner: executor.interner), limit: PlanExecutor.semiFilterLimit) else { return nil }
        prerun[ObjectIdentifier(n.inputs[1])] = nil
        let values = SemiKeys.values(k, rows)
        let note = "ran as a filter of the scan: \(ExprText.expr(j.leftKeys[0], n.inputs[0].names)) IN (\(values.count) value\(values.count == 1 ? "" : "s"))"
        if keyType == .varchar, j.leftKeys[0].type == .varchar, !values.isEmpty {
            // strings: a membership predicate answered once per dictionary entry (cached per
            // dictionary, on key words for hex-id dictionaries), not a set lookup per row
            var strings = Set<[UInt8]>()
            for v in values { if case .string(let s) = v { strings.insert(Array(s.utf8)) } }
            return (.stringPredicate(j.leftKeys[0], .membership(strings)), note)
        }
        return (.inList(j.leftKeys[0], values, negated: false), note)
    }

    static let semiFilterLimit = 4096

    /// Orders join pairs by left row, then right row (stable radix sort of packed pairs).
    static func sortPairs(_ li: inout [Int32], _ ri: inout [Int32]) {
        let n = li.count
        guard n > 1 else { return }
        var keys = [UInt64](unsafeUninitializedCapacity: n) { k, c in
            for i in 0..<n { k[i] = UInt64(UInt32(bitPattern: li[i])) << 32 | UInt64(UInt32(bitPattern: ri[i])) }
            c = n
        }
        RadixSort.sortWords(&keys, bits: 0..<64)
        for i in 0..<n {
            li[i] = Int32(bitPattern: UInt32(truncatingIfNeeded: keys[i] >> 32))
            ri[i] = Int32(bitPattern: UInt32(truncatingIfNeeded: keys[i]))
        }
    }

    /// The first operator below Limit / TopN / Sort / Distinct operators.
    static func belowOrdering(_ n: PlanNode) -> PlanNode {
        switch n.op {
        case .limit, .topN, .sort, .distinct: return belowOrdering(n.input)
        default: return n
        }
    }

    /// The rows of a `dedup_key` table that survive deduplication (the newest version of each
    /// key; ties: the last written), as a relation. Segments are read oldest first.
    static func dedupedRelation(_ snap: Snapshot) throws(QueryError) -> Relation? {
        let def = snap.definition
        guard (try? DedupSpec(definition: def)) ?? nil != nil else { return nil }
        let columns: [[Value]] = Array(repeating: [], count: def.columns.count)
        var merged: [Column] = []
        let ordered = snap.segments.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        var parts: [[Column]] = []
        for seg in ordered where seg.rows > 0 {
            do throws(StoreError) {
                let r = try snap.reader(seg)
                var cols: [Column] = []
                for i in 0..<def.columns.count {
                    do throws(FormatError) { cols.append(try r.readColumn(i)) } catch { throw StoreError(error) }
                }
                parts.append(cols)
            } catch { throw QueryError(error.message, kind: .corrupt, cause: error) }
        }
        guard !parts.isEmpty else {
            return Relation(ResultSet(names: def.columns.map(\.name), types: def.columns.map { DataType($0.type) }, columns: columns))
        }
        let total = parts.reduce(0) { $0 + ($1.first?.count ?? 0) }
        for c in 0..<def.columns.count {
            merged.append(Column.concatenated(parts.map { $0[c] }, physical: def.columns[c].type.physical, total: total))
        }
        let keep = Compactor.dedupRows(columns: merged, definition: def)
        let vecs = merged.enumerated().map { c, col in QueryEngine.vector(col, DataType(def.columns[c].type)).gather(keep.map { Int32($0) }) }
        return Relation(names: def.columns.map(\.name), types: def.columns.map { DataType($0.type) }, columns: vecs, count: keep.count)
    }

}
