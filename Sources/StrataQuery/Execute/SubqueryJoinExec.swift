import StrataCore
import StrataSQL

// Subquery joins (semi, anti, mark, single; see Plan/SubqueryJoin.swift) and set operations
// (UNION, INTERSECT, EXCEPT [ALL]). Both hash typed key words (`KeyEncoder`, `GroupTable`,
// the packed integer keys of `HashJoin.swift`): a subquery runs once, as a hash table probed by
// the outer rows, never once per outer row.

/// The more-than-one-row error of a scalar subquery (DuckDB's text).
let scalarSubqueryRowsError = "More than one row returned by a subquery used as an expression - scalar subqueries can only return a single row."

extension PlanExecutor {
    func subqueryJoin(_ n: PlanNode, _ j: JoinSpec, _ sq: SubqueryJoin) throws(QueryError) -> Relation {
        let l = try run(n.inputs[0]), r = try run(n.inputs[1])
        let lw = l.columns.count
        guard lw == n.inputs[0].types.count, n.types.count == sq.schema(n.inputs[0], n.inputs[1]).types.count else {
            throw QueryError("internal: subquery join widths \(lw), \(n.inputs[0].types.count), \(n.types.count) \(PlanPrinter.header(n))", kind: .internal)
        }
        let needed = j.needed ?? Set(n.types.indices)
        let packed = j.algorithm == .packedKeys
        switch sq.kind {
        case .single:
            let (li, ri) = try executor.joinPairs(kind: .left, l, r, j.leftKeys, j.rightKeys, j.residual, packed: packed)
            if li.count != l.count { throw QueryError(scalarSubqueryRowsError) }
            var columns = n.types.map { Vec.constant(.null, type: $0, count: l.count) }
            for c in 0..<lw where needed.contains(c) { columns[c] = l.columns[c] }
            let rc = (lw..<n.types.count).filter(needed.contains)
            let rv = executor.gatherColumns(rc.map { r.columns[$0 - lw] }, ri, orNull: ri.contains(-1))
            for (k, c) in rc.enumerated() { columns[c] = rv[k] }
            return Relation(names: n.names, types: n.types, columns: columns, count: l.count)
        case .semi, .anti, .mark:
            let mark = try executor.markJoin(l, r, j.leftKeys, j.rightKeys, nullAware: sq.nullAware, j.residual, packed: packed)
            if sq.kind == .mark {
                var columns = n.types.map { Vec.constant(.null, type: $0, count: l.count) }
                for c in 0..<lw where needed.contains(c) { columns[c] = l.columns[c] }
                let m = Vec(type: .boolean, count: l.count)
                m.ints = mark.map { $0 == 1 ? 1 : 0 }
                if mark.contains(2) { m.valid = mark.map { $0 == 2 ? 0 : 1 } }
                columns[lw] = m
                return Relation(names: n.names, types: n.types, columns: columns, count: l.count)
            }
            let want: UInt8 = sq.kind == .semi ? 1 : 0
            var rows: [Int32] = []
            for i in mark.indices where mark[i] == want { rows.append(Int32(i)) }
            if rows.count == l.count { return Relation(names: n.names, types: n.types, columns: l.columns, count: l.count) }
            let lc = (0..<lw).filter(needed.contains)
            var columns = n.types.map { Vec.constant(.null, type: $0, count: rows.count) }
            let lv = executor.gatherColumns(lc.map { l.columns[$0] }, rows)
            for (k, c) in lc.enumerated() { columns[c] = lv[k] }
            return Relation(names: n.names, types: n.types, columns: columns, count: rows.count)
        }
    }

    /// UNION (distinct), INTERSECT [ALL], EXCEPT [ALL] of the two inputs: whole rows hashed to
    /// group ids (NULLs equal to each other), then counted.
    func setOperation(_ n: PlanNode, _ kind: SetOperation.Kind, all: Bool) throws(QueryError) -> Relation {
        let l = try run(n.inputs[0]), r = try run(n.inputs[1])
        if let out = try executor.partitionedSetOperation(names: n.names, types: n.types, l, r, kind, all: all) { return out }
        let nl = l.count, total = l.count + r.count
        let cols = n.types.indices.map { c in
            Vec.concat([l.columns[c], r.columns[c]], type: n.types[c], interner: executor.interner)
        }
        try executor.eval.checkInterrupt()
        let (gids, groups) = executor.rowGroups(cols, total)
        try executor.eval.checkInterrupt()
        var keep: [Int32] = []
        switch (kind, all) {
        case (.union, true):
            keep = Array(0..<Int32(total))
        case (.union, false):
            var seen = [Bool](repeating: false, count: groups)
            for i in 0..<total where !seen[Int(gids[i])] { seen[Int(gids[i])] = true; keep.append(Int32(i)) }
        case (.intersect, _), (.except, _):
            // copies of each row on the right
            var right = [Int](repeating: 0, count: groups)
            for i in nl..<total { right[Int(gids[i])] += 1 }
            var done = [Bool](repeating: false, count: groups)
            for i in 0..<nl {
                let g = Int(gids[i])
                switch (kind, all) {
                case (.intersect, false):
                    if right[g] > 0 && !done[g] { done[g] = true; keep.append(Int32(i)) }
                case (.intersect, true):
                    if right[g] > 0 { right[g] -= 1; keep.append(Int32(i)) }
                case (.except, false):
                    if right[g] == 0 && !done[g] { done[g] = true; keep.append(Int32(i)) }
                default:
                    if right[g] > 0 { right[g] -= 1 } else { keep.append(Int32(i)) }
                }
            }
        }
        let out = keep.count == total ? cols : executor.gatherColumns(cols, keep)
        return Relation(names: n.names, types: n.types, columns: out, count: keep.count)
    }
}

extension Executor {
    /// Whether each left row has a partner on the right: 1 yes, 0 no, 2 NULL (`nullAware`: the
    /// last key pair is an IN comparison under SQL's NULL rules). Rows pair when every key is
    /// equal (NULL keys pair with nothing) and the residual holds.
    func markJoin(_ l: Relation, _ r: Relation, _ lkeys: [BExpr], _ rkeys: [BExpr], nullAware: Bool,
                  _ residual: BExpr?, packed: Bool) throws(QueryError) -> [UInt8] {
        let nl = l.count, nr = r.count
        var mark = [UInt8](repeating: 0, count: nl)
        if nl == 0 || nr == 0 { return mark }
        let corr = nullAware ? lkeys.count - 1 : lkeys.count
        let lb = Batch(columns: l.columns.map { $0 as Vec? }, count: nl)
        let rb = Batch(columns: r.columns.map { $0 as Vec? }, count: nr)
        if let residual {
            // candidate pairs (equal correlation keys, residual true); the IN comparison over them
            let (li, ri) = try joinPairs(kind: .inner, l, r, Array(lkeys.prefix(corr)), Array(rkeys.prefix(corr)), residual, packed: packed)
            guard nullAware else {
                for i in li { mark[Int(i)] = 1 }
                return mark
            }
            let x = try eval.eval(lkeys[corr], lb).gather(li), y = try eval.eval(rkeys[corr], rb).gather(ri)
            let eq = try eval.eval(.binary(.eq, .column(0, x.type), .column(1, y.type), .boolean), Batch(columns: [x, y], count: li.count))
            for (k, i) in li.enumerated() {
                if eq.isNull(k) {
                    if mark[Int(i)] == 0 { mark[Int(i)] = 2 }
                } else if eq.ints[eq.idx(k)] != 0 {
                    mark[Int(i)] = 1
                }
            }
            return mark
        }
        if lkeys.isEmpty { return [UInt8](repeating: 1, count: nl) }
        var lv = try lkeys.map { (e) throws(QueryError) -> Vec in try eval.eval(e, lb) }
        var rv = try rkeys.map { (e) throws(QueryError) -> Vec in try eval.eval(e, rb) }
        Executor.matchHexKeys(&lv, &rv)
        // every key equal: a partner
        let found = try probeKeys(lv, nl, rv, nr, packed: packed)
        for i in 0..<nl where found[i] >= 0 { mark[i] = 1 }
        guard nullAware else { return mark }
        // no partner: NULL when x is NULL or a candidate (same correlation keys) has a NULL y
        let x = lv[corr], y = rv[corr]
        if corr == 0 {
            let yNull = (0..<nr).contains { y.isNull($0) }
            for i in 0..<nl where mark[i] == 0 && (yNull || x.isNull(i)) { mark[i] = 2 }
            return mark
        }
        let keyed = try joinKeyGroups(Array(lv.prefix(corr)), nl, Array(rv.prefix(corr)), nr, packed: false)
        let (rg, rnull, lg, lnull) = (keyed.rg, keyed.rnull, keyed.probe, keyed.lnull)
        var yNull = [Bool](repeating: false, count: keyed.groups)
        for i in 0..<nr where !rnull[i] && y.isNull(i) { yNull[Int(rg[i])] = true }
        for i in 0..<nl where mark[i] == 0 && !lnull[i] && lg[i] >= 0 && (x.isNull(i) || yNull[Int(lg[i])]) { mark[i] = 2 }
        return mark
    }

    /// For each left row, the group of the right rows with all keys equal (-1: none; a NULL key
    /// matches nothing).
    func probeKeys(_ lv: [Vec], _ nl: Int, _ rv: [Vec], _ nr: Int, packed: Bool) throws(QueryError) -> [Int32] {
        let keyed = try joinKeyGroups(lv, nl, rv, nr, packed: packed)
        // groups holding a right row without NULL keys
        var live = [Bool](repeating: false, count: keyed.groups)
        for i in 0..<nr where !keyed.rnull[i] { live[Int(keyed.rg[i])] = true }
        var probe = keyed.probe
        for i in 0..<nl where keyed.lnull[i] || (probe[i] >= 0 && !live[Int(probe[i])]) { probe[i] = -1 }
        return probe
    }

    /// A group id per row of `cols` (whole rows compared; NULL equals NULL) and the group count.
    func rowGroups(_ cols: [Vec], _ n: Int) -> ([Int32], Int) {
        let masks = (cols.count + 61) / 62
        let width = cols.count + masks
        var rowKeys = [Int64](repeating: 0, count: n * width)
        let enc = KeyEncoder(interner: interner)
        for m in 0..<masks {
            var nulls = [Int64](repeating: 0, count: n)
            for k in (m * 62)..<min(cols.count, m * 62 + 62) {
                enc.encode(cols[k], n: n, into: &rowKeys, stride: width, k: k, nullMask: &nulls, bit: 1 << Int64(k - m * 62))
            }
            for r in 0..<n { rowKeys[r * width + cols.count + m] = nulls[r] }
        }
        let table = GroupTable(width: width, capacity: max(16, n))
        var gids = [Int32](repeating: 0, count: n)
        if n > 0 {
            rowKeys.withUnsafeBufferPointer { kp in gids.withUnsafeMutableBufferPointer { gp in
                _ = table.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
            } }
        }
        return (gids, table.count)
    }
}
