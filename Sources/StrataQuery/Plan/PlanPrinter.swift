import StrataCore
import StrataStore
import StrataText

/// EXPLAIN text of a plan: one line per operator, inputs indented under it, details (columns,
/// pushed filter, pruning ranges as readable times, segments and blocks left after pruning)
/// indented under their operator. WITH queries that run once are printed once, after the
/// plan that references them. With `stats` (EXPLAIN ANALYZE) each operator also shows the
/// rows it produced and its time.
struct PlanPrinter {
    var stats: [ObjectIdentifier: OperatorStats]?
    /// Scans: count the segments and blocks pruning leaves (reads segment footers).
    var executor: Executor?
    private(set) var lines: [String] = []
    private var ctes: [CTEDefinition] = []

    init(stats: [ObjectIdentifier: OperatorStats]? = nil, executor: Executor? = nil) {
        self.stats = stats
        self.executor = executor
    }

    /// The whole plan as lines of text.
    static func text(_ root: PlanNode, stats: [ObjectIdentifier: OperatorStats]? = nil, executor: Executor? = nil) -> [String] {
        var p = PlanPrinter(stats: stats, executor: executor)
        p.node(root, 0)
        var printed = Set<ObjectIdentifier>()
        var i = 0
        while i < p.ctes.count {
            let def = p.ctes[i]
            i += 1
            guard printed.insert(ObjectIdentifier(def)).inserted else { continue }
            p.lines.append("CTE \(def.name) (runs once; its rows are shared by its references)")
            p.node(def.plan, 1)
        }
        return p.lines
    }

    /// The operator's name and main arguments, on one line.
    static func header(_ n: PlanNode) -> String {
        let inNames = n.inputs.first?.qualifiedNames ?? []
        func list(_ es: [BExpr], _ names: [String]) -> String { es.map { ExprText.expr($0, names) }.joined(separator: ", ") }
        switch n.op {
        case .scan(let s):
            let alias = n.qualifiers?.first ?? nil
            return "Scan \(s.table)" + (alias.map { $0.lowercased() != s.table.lowercased() ? " AS \($0)" : "" } ?? "")
                + (s.dedup ? " (newest version of each dedup_key)" : "")
        case .values(let r): return "Values (\(r.count) row\(r.count == 1 ? "" : "s"))"
        case .series(let s): return s.explainText
        case .files(let f): return f.explainText
        case .cte(let def): return "CTE Scan \(def.name)"
        case .unnest(let es): return "Unnest " + list(es, inNames)
        case .filter(let f): return "Filter " + ExprText.expr(f, inNames)
        case .project(let es):
            let live = es.indices.filter { !n.unused.contains($0) }
            if live.isEmpty { return "Project (no column used above)" }
            return "Project " + live.map { i in
                let t = ExprText.expr(es[i], inNames), name = n.names[i]
                return t == name ? t : "\(t) AS \(name)"
            }.joined(separator: ", ")
        case .aggregate(let a):
            var s = "Aggregate"
            if let sets = a.groupingSets {
                s += " by grouping sets " + sets.map { "(" + $0.map { ExprText.expr(a.groups[$0], inNames) }.joined(separator: ", ") + ")" }.joined(separator: ", ")
            } else if !a.groups.isEmpty { s += " by " + list(a.groups, inNames) }
            if !a.aggs.isEmpty { s += ": " + a.aggs.map { ExprText.aggregate($0, inNames) }.joined(separator: ", ") }
            if a.twoPhaseTopN { s += " (two-phase top-N)" }
            return s
        case .window(let ws): return "Window " + ws.map { ExprText.window($0, inNames) }.joined(separator: ", ")
        case .sort(let keys): return "Sort " + keys.map { ExprText.order($0, inNames) }.joined(separator: ", ")
        case .limit(let l, let o): return "Limit " + (l.map(String.init) ?? "ALL") + (o > 0 ? " OFFSET \(o)" : "")
        case .topN(let keys, let l, let o):
            return "TopN \(l)" + (o > 0 ? " OFFSET \(o)" : "") + " by " + keys.map { ExprText.order($0, inNames) }.joined(separator: ", ")
        case .distinct: return "Distinct"
        case .join(let j):
            var s = "Join \(j.subquery?.kind.rawValue ?? j.kind.rawValue.uppercased())"
            if !j.leftKeys.isEmpty {
                let rn = n.inputs[1].qualifiedNames
                s += " on " + zip(j.leftKeys, j.rightKeys).map { ExprText.expr($0, inNames) + " = " + ExprText.expr($1, rn) }.joined(separator: " AND ")
            }
            if let r = j.residual {
                let names = j.subquery == nil ? n.qualifiedNames : n.inputs[0].qualifiedNames + n.inputs[1].qualifiedNames
                s += (j.leftKeys.isEmpty ? " on " : " AND ") + ExprText.expr(r, names)
            }
            if j.subquery?.nullAware == true { s += " (NULL-aware)" }
            return s
        case .unionAll: return "Union ALL"
        case .setOperation(let k, let all): return SetOperationText.header(k, all: all)
        }
    }

    private mutating func node(_ n: PlanNode, _ depth: Int) {
        let pad = String(repeating: "  ", count: depth)
        var head = pad + PlanPrinter.header(n)
        let st = stats?[ObjectIdentifier(n)]
        if let st { head += "  [rows=\(st.rows) time=\(PlanPrinter.ms(st.seconds))]" }
        lines.append(head)
        let more = pad + "    "
        switch n.op {
        case .scan(let s):
            let def = s.snapshot.definition
            let cols = s.columns ?? Array(def.columns.indices)
            lines.append(more + "columns: " + (cols.isEmpty ? "(none: row count only)" : cols.map { def.columns[$0].name }.joined(separator: ", ")))
            if let f = s.filter { lines.append(more + "filter: " + ExprText.expr(f, n.qualifiedNames)) }
            for (slot, r) in s.prune.sorted(by: { $0.key < $1.key }) {
                lines.append(more + "prune: " + PlanPrinter.range(def.columns[slot].name, DataType(def.columns[slot].type), r))
            }
            if let st {
                lines.append(more + "read \(st.segmentsRead) of \(st.segments) segments, \(st.blocksRead) of \(st.blocks) blocks")
                for note in st.notes { lines.append(more + note) }
            } else if let executor, !s.dedup {
                lines.append(more + PlanPrinter.pruning(s, executor))
            }
        case .join(let j):
            var s = "algorithm: hash join, \(j.algorithm.rawValue), build \(j.buildLeft ? "left" : "right")"
            if j.algorithm == .nestedLoop { s = "algorithm: nested loop" }
            if j.uniqueRight { s += " (unique keys: at most one partner per left row)" }
            if let notes = st?.notes, !notes.isEmpty {
                // run another way (a semi join as a filter of the scan): what ran, not the plan
                for note in notes { lines.append(more + note) }
            } else {
                lines.append(more + s)
            }
        case .cte(let def):
            if !def.materialize { node(def.plan, depth + 1) } else { ctes.append(def) }
        default:
            for note in st?.notes ?? [] { lines.append(more + note) }
        }
        for i in n.inputs { node(i, depth + 1) }
    }

    static func ms(_ s: Double) -> String {
        let v = s * 1000
        return v < 10 ? String(format: "%.2fms", v) : String(format: "%.1fms", v)
    }

    /// `ts >= 2024-01-01 00:00:00 AND ts <= …` for a pruning range.
    static func range(_ name: String, _ t: DataType, _ r: PruneRange) -> String {
        if let s = r.strings { return name + " IN (" + s.sorted().map(ExprText.quoted).joined(separator: ", ") + ")" }
        func v(_ x: Int64) -> String {
            switch t {
            case .timestamp: return Civil.formatTimestamp(x)
            case .date: return Civil.formatDate(x)
            default: return String(x)
            }
        }
        if r.lo == r.hi { return "\(name) = \(v(r.lo))" }
        var parts: [String] = []
        if r.lo != .min { parts.append("\(name) >= \(v(r.lo))") }
        if r.hi != .max { parts.append("\(name) <= \(v(r.hi))") }
        return parts.isEmpty ? name : parts.joined(separator: " AND ")
    }

    /// How many segments and blocks a scan reads after pruning (from segment footers only).
    static func pruning(_ s: ScanSpec, _ executor: Executor) -> String {
        let snap = s.snapshot
        var plan = SelectPlan(source: .table(snap), slots: [], filter: nil, filterSlots: [], isAggregate: false, outputs: [], names: [])
        plan.prune = s.prune
        guard let units = try? executor.units(plan, snap) else { return "segments: footers unreadable" }
        let total = Executor.blockCount(snap)
        let segs = Set(units.map(\.segment)).count
        return "\(segs) of \(snap.segments.count) segments, \(units.count) of \(total) blocks to scan after pruning"
    }
}
