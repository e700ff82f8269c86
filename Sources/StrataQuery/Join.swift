import StrataSQL
import StrataStore

// Joins: `a [INNER] JOIN b ON ...`, `a LEFT JOIN b ON ...`, `... USING (...)`, `CROSS JOIN`.
//
// The FROM tree is materialized bottom-up into one relation that the rest of the SELECT runs
// over. Stored tables are read with only the columns the statement names, and with the WHERE
// conjuncts (and ON conjuncts of the right side) that touch them alone pushed into their scan,
// so partition and block pruning still apply. Equality conjuncts of ON between the two sides
// are hash keys (build on the right, probe in left-row order); the other conjuncts filter the
// candidate pairs; a LEFT JOIN then adds each left row left without a pair, NULL-extended.

/// One table, CTE or subquery of a FROM tree.
private struct JoinLeaf {
    var ref: TableRef
    var source: Source
    var scope: Scope
    /// Lower-cased names this leaf answers to as a qualifier.
    var qualifiers: [String]
    /// May WHERE conjuncts be applied before the join (not the right side of a LEFT JOIN)?
    var wherePushable: Bool
    /// Conjuncts applied while reading the leaf (stored tables only).
    var pushed: [Expr] = []
}

extension Binder {
    /// Materializes a FROM tree with joins. `statement` lists every expression of the SELECT
    /// (to find the columns it needs); `filter` is its WHERE clause.
    func joinSource(_ from: TableRef, statement: [Expr], wildcard: Bool, filter: Expr?) throws(QueryError) -> (Source, Scope) {
        var leaves: [JoinLeaf] = []
        try collectLeaves(from, pushable: true, into: &leaves)
        // the columns the statement can refer to, by lower-cased name (nil: all)
        var needed: Set<String>? = nil
        if !wildcard {
            var names = Set<String>()
            func note(_ e: Expr) {
                e.visit { x in
                    if case .column(_, let n) = x.kind { names.insert(n.lowercased()) }
                    return true
                }
            }
            statement.forEach(note)
            var joins: [Join] = []
            collectJoins(from, into: &joins)
            for j in joins {
                if let on = j.on { note(on) }
                for u in j.using { names.insert(u.lowercased()) }
            }
            needed = names
        }
        // WHERE conjuncts touching one leaf only go into that leaf's scan
        if let filter {
            for c in conjuncts(filter) {
                if let k = soleLeaf(c, leaves), leaves[k].wherePushable { leaves[k].pushed.append(c) }
            }
        }
        var next = 0
        let (rel, scope) = try materializeTree(from, &leaves, &next, needed: needed)
        return (.relation(rel), scope)
    }

    private func isJoin(_ ref: TableRef) -> Bool {
        if case .join = ref.kind { return true }
        return false
    }

    private func collectJoins(_ ref: TableRef, into out: inout [Join]) {
        guard case .join(let j) = ref.kind else { return }
        out.append(j)
        collectJoins(j.left, into: &out)
        collectJoins(j.right, into: &out)
    }

    private func collectLeaves(_ ref: TableRef, pushable: Bool, into leaves: inout [JoinLeaf]) throws(QueryError) {
        if case .join(let j) = ref.kind {
            try collectLeaves(j.left, pushable: pushable, into: &leaves)
            try collectLeaves(j.right, pushable: pushable && j.kind != .left, into: &leaves)
            return
        }
        let (src, scope) = try source(ref)
        // an alias replaces the table's name as its qualifier (self-joins need it)
        var quals: [String] = []
        if let a = ref.alias { quals.append(a.lowercased()) } else if case .table(let name, _) = ref.kind { quals.append(name.lowercased()) }
        leaves.append(JoinLeaf(ref: ref, source: src, scope: scope, qualifiers: quals, wherePushable: pushable))
    }

    func conjuncts(_ e: Expr) -> [Expr] {
        if case .binary(.and, let a, let b) = e.kind { return conjuncts(a) + conjuncts(b) }
        return [e]
    }

    /// The leaf every column of `e` belongs to, when there is exactly one and `e` is a plain
    /// row predicate (no aggregate, window or subquery).
    private func soleLeaf(_ e: Expr, _ leaves: [JoinLeaf]) -> Int? {
        var leaf: Int? = nil
        var ok = true
        e.visit { x in
            guard ok else { return false }
            switch x.kind {
            case .subquery, .inSubquery:
                ok = false
            case .function(let f) where f.over != nil || Binder.aggregateNames.contains(f.name.lowercased()):
                ok = false
            case .column(let t, let n):
                let owners = leaves.indices.filter { k in
                    if let t { return leaves[k].qualifiers.contains(t.lowercased()) }
                    return leaves[k].scope.names.contains { $0.lowercased() == n.lowercased() }
                }
                guard owners.count == 1, leaf == nil || leaf == owners[0] else { ok = false; return false }
                leaf = owners[0]
            default:
                break
            }
            return ok
        }
        return ok ? leaf : nil
    }

    /// Relation and scope of a leaf: a stored table is scanned with the needed columns and its
    /// pushed conjuncts; relations keep the needed columns.
    private func materializeLeaf(_ leaf: JoinLeaf, _ index: Int, needed: Set<String>?) throws(QueryError) -> (Relation, Scope) {
        let s = leaf.scope
        let keep = s.names.indices.filter { needed?.contains(s.names[$0].lowercased()) ?? true }
        var rel: Relation
        switch leaf.source {
        case .relation(let r):
            rel = Relation(names: keep.map { r.names[$0] }, types: keep.map { r.types[$0] }, columns: keep.map { r.columns[$0] }, count: r.count)
        case .table:
            var plan = SelectPlan(source: leaf.source, slots: keep, filter: nil, filterSlots: [], isAggregate: false,
                                  outputs: keep.map { .column($0, s.types[$0]) }, names: keep.map { s.names[$0] })
            if !leaf.pushed.isEmpty {
                let w = leaf.pushed.dropFirst().reduce(leaf.pushed[0]) { Expr(.binary(.and, $0, $1), range: $1.range) }
                _ = try bindFilter(w, s, into: &plan)
            }
            rel = try executor.run(plan)
        }
        var scope = Scope(tableName: s.tableName, alias: s.alias, names: rel.names, types: rel.types)
        scope.qualifiers = rel.names.map { _ in leaf.qualifiers + ["#\(index)"] }
        scope.hintNames = s.names
        return (rel, scope)
    }

    private func materializeTree(_ ref: TableRef, _ leaves: inout [JoinLeaf], _ next: inout Int,
                                 needed: Set<String>?) throws(QueryError) -> (Relation, Scope) {
        guard case .join(let j) = ref.kind else {
            let k = next
            next += 1
            return try materializeLeaf(leaves[k], k, needed: needed)
        }
        let (l, ls) = try materializeTree(j.left, &leaves, &next, needed: needed)
        let rightLeaf = next
        // ON conjuncts about a stored right table alone filter it while it is read (any join kind)
        var onTerms = j.on.map(conjuncts) ?? []
        if j.kind != .cross, !onTerms.isEmpty, !isJoin(j.right), case .table = leaves[rightLeaf].source {
            let alone = onTerms.filter { soleLeaf($0, leaves) == rightLeaf }
            leaves[rightLeaf].pushed += alone
            onTerms.removeAll { soleLeaf($0, leaves) == rightLeaf }
        }
        let (r, rs) = try materializeTree(j.right, &leaves, &next, needed: needed)
        return try join(j, l, ls, r, rs, onTerms)
    }

    /// Joins two materialized relations.
    private func join(_ j: Join, _ l: Relation, _ ls: Scope, _ r: Relation, _ rs: Scope, _ onTerms: [Expr]) throws(QueryError) -> (Relation, Scope) {
        let lw = l.columns.count
        var scope = Scope(tableName: nil, alias: nil, names: ls.names + rs.names, types: ls.types + rs.types)
        scope.qualifiers = (ls.qualifiers ?? ls.names.map { _ in [] }) + (rs.qualifiers ?? rs.names.map { _ in [] })
        scope.hidden = ls.hidden.union(rs.hidden.map { $0 + lw })
        scope.hintNames = (ls.hintNames ?? ls.names) + (rs.hintNames ?? rs.names)
        var lkeys: [BExpr] = [], rkeys: [BExpr] = []
        var residual: [BExpr] = []
        let shift: (Int) -> Int = { $0 - lw }
        func sides(_ e: BExpr) -> (left: Bool, right: Bool) {
            var cols = Set<Int>()
            e.collectColumns(into: &cols)
            return (cols.contains { $0 < lw }, cols.contains { $0 >= lw })
        }
        for u in j.using {
            let at = j.on?.range ?? SourceRange.none
            let li: Int, ri: Int
            guard ls.names.contains(where: { $0.lowercased() == u.lowercased() }) else {
                throw QueryError("column '\(u)' named in USING is missing on the left side of the join")
            }
            guard rs.names.contains(where: { $0.lowercased() == u.lowercased() }) else {
                throw QueryError("column '\(u)' named in USING is missing on the right side of the join")
            }
            li = try ls.resolve(nil, u, at).0  // ambiguous on a side: its own error
            ri = try rs.resolve(nil, u, at).0
            lkeys.append(.column(li, ls.types[li]))
            rkeys.append(.column(ri, rs.types[ri]))
            scope.hidden.insert(lw + ri)
        }
        for c in onTerms {
            if case .binary(.eq, let a, let b) = c.kind {
                let ba = try bindScalar(a, scope), bb = try bindScalar(b, scope)
                let sa = sides(ba), sb = sides(bb)
                if sa.left && !sa.right && sb.right && !sb.left {
                    lkeys.append(ba); rkeys.append(bb.remapColumns(shift)); continue
                }
                if sb.left && !sb.right && sa.right && !sa.left {
                    lkeys.append(bb); rkeys.append(ba.remapColumns(shift)); continue
                }
            }
            let b = try bindScalar(c, scope)
            guard b.type == .boolean || b.type == .null else {
                throw QueryError("JOIN condition must be BOOLEAN, not \(b.type)", offset: c.range.start)
            }
            residual.append(b)
        }
        // key types: equal, or both numeric, or DATE with TIMESTAMP
        for k in lkeys.indices {
            let a = lkeys[k].type, b = rkeys[k].type
            if a == b || a == .null || b == .null { continue }
            if a.isNumeric && b.isNumeric {
                if a != .double { lkeys[k] = .cast(lkeys[k], .double) }
                if b != .double { rkeys[k] = .cast(rkeys[k], .double) }
            } else if a == .date && b == .timestamp {
                lkeys[k] = .cast(lkeys[k], .timestamp)
            } else if a == .timestamp && b == .date {
                rkeys[k] = .cast(rkeys[k], .timestamp)
            } else {
                throw QueryError("JOIN condition compares \(a) with \(b)", offset: j.on?.range.start ?? 0)
            }
        }
        let filter: BExpr? = residual.isEmpty ? nil : residual.count == 1 ? residual[0] : .and(residual)
        let (li, ri) = try executor.joinPairs(kind: j.kind, l, r, lkeys, rkeys, filter)
        let leftInOrder = li.count == l.count && li.elementsEqual(0..<Int32(l.count))
        var columns = leftInOrder ? l.columns : executor.gatherColumns(l.columns, li)
        columns += executor.gatherColumns(r.columns, ri, orNull: ri.contains(-1))
        let rel = Relation(names: l.names + r.names, types: l.types + r.types, columns: columns, count: li.count)
        return (rel, scope)
    }
}

extension Executor {
    /// Row pairs of a join, in left-row order (right rows of a key in their order); `ri` is -1
    /// where a LEFT JOIN row has no partner.
    func joinPairs(kind: Join.Kind, _ l: Relation, _ r: Relation, _ lkeys: [BExpr], _ rkeys: [BExpr],
                   _ filter: BExpr?) throws(QueryError) -> ([Int32], [Int32]) {
        let nl = l.count, nr = r.count
        let lb = Batch(columns: l.columns.map { $0 as Vec? }, count: nl)
        let rb = Batch(columns: r.columns.map { $0 as Vec? }, count: nr)
        // right rows by key: rows of group g are order[start[g]..<start[g + 1]]
        var probe = [Int32](repeating: 0, count: nl)   // group of each left row, -1: none
        var start: [Int] = [0, nr]
        var order: [Int32] = Array(0..<Int32(nr))
        if !lkeys.isEmpty {
            let width = lkeys.count + 1
            var lv = try lkeys.map { (e) throws(QueryError) -> Vec in try eval.eval(e, lb) }
            var rv = try rkeys.map { (e) throws(QueryError) -> Vec in try eval.eval(e, rb) }
            for k in lv.indices where lv[k].type == .varchar && rv[k].type == .varchar {
                // hex-id words on one side only: compare both as text
                let lh = lv[k].dict?.hexWords != nil, rh = rv[k].dict?.hexWords != nil
                if lh && !rh { lv[k] = Executor.plainText(lv[k]) }
                if rh && !lh { rv[k] = Executor.plainText(rv[k]) }
            }
            let rk: [Int64], rnull: [Bool], lk: [Int64], lnull: [Bool]
            let table: GroupTable
            if let packing = Executor.joinPacking(lv, nl, rv, nr) {
                // integer keys in small ranges: one word per row, an array index up to 22 bits
                (rk, rnull) = try Executor.packedKeys(rv, nr, packing)
                (lk, lnull) = try Executor.packedKeys(lv, nl, packing)
                table = packing.totalBits <= 22 ? GroupTable(directBits: packing.totalBits) : GroupTable(width: 1, capacity: max(16, nr))
            } else {
                (rk, rnull) = joinKeys(rv, nr, width)
                (lk, lnull) = joinKeys(lv, nl, width)
                table = GroupTable(width: width, capacity: max(16, nr))
            }
            var rg = [Int32](repeating: -1, count: nr)
            rk.withUnsafeBufferPointer { kp in rg.withUnsafeMutableBufferPointer { gp in
                _ = table.findOrInsert(kp.baseAddress!, nr, into: gp.baseAddress!)
            } }
            for i in 0..<nr where rnull[i] { rg[i] = -1 }
            let groups = table.count
            start = [Int](repeating: 0, count: groups + 1)
            for g in rg where g >= 0 { start[Int(g) + 1] += 1 }
            for g in 0..<groups { start[g + 1] += start[g] }
            order = [Int32](repeating: 0, count: start[groups])
            var fill = start
            for i in 0..<nr where rg[i] >= 0 {
                order[fill[Int(rg[i])]] = Int32(i)
                fill[Int(rg[i])] += 1
            }
            lk.withUnsafeBufferPointer { kp in probe.withUnsafeMutableBufferPointer { pp in
                table.find(kp.baseAddress!, nl, into: pp.baseAddress!)
            } }
            for i in 0..<nl where lnull[i] { probe[i] = -1 }
        }
        // every right key is unique (each group holds one row): at most one partner per left row
        if !lkeys.isEmpty && filter == nil && start.indices.allSatisfy({ start[$0] == $0 }) {
            let ri = [Int32](unsafeUninitializedCapacity: nl) { out, count in
                probe.withUnsafeBufferPointer { p in
                    order.withUnsafeBufferPointer { o in
                        for i in 0..<nl { out[i] = p[i] >= 0 ? o[Int(p[i])] : -1 }
                    }
                }
                count = nl
            }
            if kind == .left { return (Array(0..<Int32(nl)), ri) }
            var li: [Int32] = [], inner: [Int32] = []
            for i in 0..<nl where ri[i] >= 0 { li.append(Int32(i)); inner.append(ri[i]) }
            return (li, inner)
        }
        var li: [Int32] = [], ri: [Int32] = []
        li.reserveCapacity(nl)
        ri.reserveCapacity(nl)
        // candidate pairs in chunks of about 1M, filtered, then NULL-extended (LEFT JOIN)
        var candL: [Int32] = [], candR: [Int32] = []
        var chunkStart = 0
        func flush(upTo end: Int) throws(QueryError) {
            var keep: [Bool]? = nil
            if let filter, !candL.isEmpty {
                var cols = [Vec?](repeating: nil, count: l.columns.count + r.columns.count)
                var used = Set<Int>()
                filter.collectColumns(into: &used)
                for c in used {
                    cols[c] = c < l.columns.count ? l.columns[c].gather(candL) : r.columns[c - l.columns.count].gather(candR)
                }
                let sel = try eval.select(filter, Batch(columns: cols, count: candL.count))
                var k = [Bool](repeating: false, count: candL.count)
                for s in sel { k[Int(s)] = true }
                keep = k
            }
            var p = 0
            for row in Int32(chunkStart)..<Int32(end) {
                var matched = false
                while p < candL.count && candL[p] == row {
                    if keep?[p] ?? true { li.append(row); ri.append(candR[p]); matched = true }
                    p += 1
                }
                if !matched && kind == .left { li.append(row); ri.append(-1) }
            }
            candL.removeAll(keepingCapacity: true)
            candR.removeAll(keepingCapacity: true)
            chunkStart = end
        }
        for i in 0..<nl {
            let (lo, hi): (Int, Int)
            if lkeys.isEmpty { (lo, hi) = (0, nr) } else if probe[i] >= 0 {
                (lo, hi) = (start[Int(probe[i])], start[Int(probe[i]) + 1])
            } else { (lo, hi) = (0, 0) }
            if filter == nil {
                // no residual: emit directly
                if lo == hi { if kind == .left { li.append(Int32(i)); ri.append(-1) } }
                for p in lo..<hi { li.append(Int32(i)); ri.append(order[p]) }
                continue
            }
            for p in lo..<hi { candL.append(Int32(i)); candR.append(order[p]) }
            if candL.count >= 1 << 20 { try flush(upTo: i + 1) }
        }
        if filter != nil { try flush(upTo: nl) }
        return (li, ri)
    }

    /// Key words of one side: `width - 1` words and a NULL word per row; rows with a NULL key
    /// are flagged (they match nothing).
    private func joinKeys(_ vecs: [Vec], _ n: Int, _ width: Int) -> ([Int64], [Bool]) {
        var rowKeys = [Int64](repeating: 0, count: n * width)
        var nulls = [Int64](repeating: 0, count: n)
        let enc = KeyEncoder(interner: interner)
        for (k, v) in vecs.enumerated() {
            enc.encode(v, n: n, into: &rowKeys, stride: width, k: k, nullMask: &nulls, bit: 1 << Int64(k))
        }
        for r in 0..<n { rowKeys[r * width + width - 1] = nulls[r] }
        return (rowKeys, nulls.map { $0 != 0 })
    }

    /// Smallest and largest non-NULL value of an integer-lane vector of `n` rows (nil: none,
    /// or not an integer lane).
    static func laneRange(_ v: Vec, _ n: Int) -> (Int64, Int64)? {
        guard v.type == .bigint || v.type == .date || v.type == .timestamp || v.type == .boolean, v.ints.count >= (v.isConst ? 1 : n) else { return nil }
        var lo = Int64.max, hi = Int64.min
        let m = v.isConst ? 1 : n
        v.ints.withUnsafeBufferPointer { x in
            if let valid = v.valid {
                for i in 0..<m where valid[i] != 0 { lo = Swift.min(lo, x[i]); hi = Swift.max(hi, x[i]) }
            } else {
                for i in 0..<m { lo = Swift.min(lo, x[i]); hi = Swift.max(hi, x[i]) }
            }
        }
        return lo <= hi ? (lo, hi) : nil
    }

    /// Packing of integer-lane key pairs over the values of both sides (nil: another type, a
    /// side without all its values, no values at all, or more than 62 bits).
    static func joinPacking(_ lv: [Vec], _ nl: Int, _ rv: [Vec], _ nr: Int) -> KeyPacking? {
        var ranges: [(Int64, Int64)] = []
        for (l, r) in zip(lv, rv) {
            guard l.type.isIntLane, r.type.isIntLane, l.ints.count >= (l.isConst ? 1 : nl),
                  r.ints.count >= (r.isConst ? 1 : nr) else { return nil }
            let a = laneRange(l, nl), b = laneRange(r, nr)
            guard a != nil || b != nil else { return nil }
            ranges.append((Swift.min(a?.0 ?? .max, b?.0 ?? .max), Swift.max(a?.1 ?? .min, b?.1 ?? .min)))
        }
        return KeyPacking(ranges: ranges)
    }

    /// One packed word per row, and which rows have a NULL key (they match nothing).
    static func packedKeys(_ vecs: [Vec], _ n: Int, _ packing: KeyPacking) throws(QueryError) -> ([Int64], [Bool]) {
        var out = [Int64](repeating: 0, count: n)
        var nulls = [Bool](repeating: false, count: n)
        for (k, v) in vecs.enumerated() {
            try packing.pack(v, k, n, into: &out)
            if v.valid != nil { for r in 0..<n where v.isNull(r) { nulls[r] = true } }
        }
        return (out, nulls)
    }

    /// A VARCHAR vector over a hex-id dictionary, re-expressed over its text (so its key words
    /// are interned strings, like those of any other dictionary).
    static func plainText(_ v: Vec) -> Vec {
        let t = Vec(type: .varchar, count: v.count)
        t.isConst = v.isConst
        t.ints = v.ints
        t.valid = v.valid
        if let d = v.dict { t.dict = DictRef(d.dict) }
        return t
    }
}
