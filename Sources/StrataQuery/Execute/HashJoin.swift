import StrataCore
import StrataSQL
import StrataStore

// Join execution: right rows grouped by key (hash table, or a direct array over packed
// integer keys), probed in left-row order; a residual condition filters the candidate pairs
// in chunks; a LEFT JOIN adds each left row left without a pair, NULL-extended.

extension Executor {
    /// Row pairs of a join, in left-row order (right rows of a key in their order); `ri` is -1
    /// where a LEFT JOIN row has no partner. With `cap`, the first `cap` pairs only (the
    /// probe stops there: LIMIT over a join). On return `li.count * 8` bytes of the
    /// statement's memory budget are reserved for the pairs (Limits.swift).
    func joinPairs(kind: Join.Kind, _ l: Relation, _ r: Relation, _ lkeys: [BExpr], _ rkeys: [BExpr],
                   _ filter: BExpr?, packed: Bool = true, cap: Int? = nil) throws(QueryError) -> ([Int32], [Int32]) {
        let nl = l.count, nr = r.count
        let cap = cap ?? Int.max
        // the hash table and key words of both sides, for as long as the pairs are made
        let buildBytes = lkeys.isEmpty ? 0 : (nr + nl) * (8 * (lkeys.count + 1) + 12) + nr * 24
        try eval.reserve(buildBytes, "hash join build of \(Evaluator.grouped(nr)) rows probed by \(Evaluator.grouped(nl))")
        defer { eval.release(buildBytes) }
        let lb = Batch(columns: l.columns.map { $0 as Vec? }, count: nl)
        let rb = Batch(columns: r.columns.map { $0 as Vec? }, count: nr)
        // right rows by key: rows of group g are order[start[g]..<start[g + 1]]
        var probe = [Int32](repeating: 0, count: nl)   // group of each left row, -1: none
        var start: [Int] = [0, nr]
        var order: [Int32] = Array(0..<Int32(nr))
        if !lkeys.isEmpty {
            var lv = try lkeys.map { (e) throws(QueryError) -> Vec in try eval.eval(e, lb) }
            var rv = try rkeys.map { (e) throws(QueryError) -> Vec in try eval.eval(e, rb) }
            Executor.matchHexKeys(&lv, &rv)
            try eval.checkInterrupt()
            let keyed = try joinKeyGroups(lv, nl, rv, nr, packed: packed)
            try eval.checkInterrupt()
            var rg = keyed.rg
            for i in 0..<nr where keyed.rnull[i] { rg[i] = -1 }
            let groups = keyed.groups
            start = [Int](repeating: 0, count: groups + 1)
            for g in rg where g >= 0 { start[Int(g) + 1] += 1 }
            for g in 0..<groups { start[g + 1] += start[g] }
            order = [Int32](repeating: 0, count: start[groups])
            var fill = start
            for i in 0..<nr where rg[i] >= 0 {
                order[fill[Int(rg[i])]] = Int32(i)
                fill[Int(rg[i])] += 1
            }
            probe = keyed.probe
            for i in 0..<nl where keyed.lnull[i] { probe[i] = -1 }
        }
        // every right key is unique (each group holds one row): at most one partner per left row
        if !lkeys.isEmpty && filter == nil && start.indices.allSatisfy({ start[$0] == $0 }) {
            try eval.reserve(nl * 8, "join of \(Evaluator.grouped(nl)) × \(Evaluator.grouped(nr)) rows")
            let ri = [Int32](unsafeUninitializedCapacity: nl) { out, count in
                probe.withUnsafeBufferPointer { p in
                    order.withUnsafeBufferPointer { o in
                        for i in 0..<nl { out[i] = p[i] >= 0 ? o[Int(p[i])] : -1 }
                    }
                }
                count = nl
            }
            if kind == .left {
                if nl > cap { eval.release((nl - cap) * 8); return (Array(0..<Int32(cap)), Array(ri.prefix(cap))) }
                return (Array(0..<Int32(nl)), ri)
            }
            var matched = 0
            ri.withUnsafeBufferPointer { p in for x in p where x >= 0 { matched += 1 } }
            if matched == nl && nl <= cap { return (Array(0..<Int32(nl)), ri) }
            var li: [Int32] = [], inner: [Int32] = []
            li.reserveCapacity(min(matched, cap))
            inner.reserveCapacity(min(matched, cap))
            for i in 0..<nl where ri[i] >= 0 {
                li.append(Int32(i)); inner.append(ri[i])
                if li.count == cap { break }
            }
            eval.release((nl - li.count) * 8)
            return (li, inner)
        }
        var li: [Int32] = [], ri: [Int32] = []
        // bytes reserved for li and ri (4 + 4 per pair)
        var charged = 0
        if filter == nil {
            // the number of pairs is known before they are made: reserve it (a cross join of
            // two large inputs fails here at once) and allocate the pairs exactly once
            var total = 0
            if lkeys.isEmpty {
                total = nr == 0 && kind == .left ? nl : nl.multipliedReportingOverflow(by: nr).overflow ? Int.max : nl * nr
            } else {
                for i in 0..<nl {
                    let g = Int(probe[i])
                    total += g >= 0 ? start[g + 1] - start[g] : (kind == .left ? 1 : 0)
                }
            }
            total = min(total, cap)
            let bytes = total.multipliedReportingOverflow(by: 8).overflow ? Int.max : total * 8
            try eval.reserve(bytes, "join of \(Evaluator.grouped(nl)) × \(Evaluator.grouped(nr)) rows: \(Evaluator.grouped(total)) row pairs")
            charged = bytes
            li.reserveCapacity(total)
            ri.reserveCapacity(total)
        } else {
            li.reserveCapacity(min(nl, cap))
            ri.reserveCapacity(min(nl, cap))
        }
        // candidate pairs in chunks of about 1M, filtered, then NULL-extended (LEFT JOIN)
        var candL: [Int32] = [], candR: [Int32] = []
        var chunkStart = 0
        func flush(upTo end: Int) throws(QueryError) {
            try eval.checkInterrupt()
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
            // the pairs kept so far, reserved as their arrays grow
            let need = li.capacity * 8
            if need > charged {
                try eval.reserve(need - charged, "join of \(Evaluator.grouped(nl)) × \(Evaluator.grouped(nr)) rows: more than \(Evaluator.grouped(li.count)) row pairs")
                charged = need
            }
        }
        for i in 0..<nl {
            if li.count >= cap { break }
            // a cancellation check every 4096 left rows (every row of a cross join: each
            // pairs with all right rows)
            if i & 0xFFF == 0 || lkeys.isEmpty { try eval.checkInterrupt() }
            let (lo, hi): (Int, Int)
            if lkeys.isEmpty { (lo, hi) = (0, nr) } else if probe[i] >= 0 {
                (lo, hi) = (start[Int(probe[i])], start[Int(probe[i]) + 1])
            } else { (lo, hi) = (0, 0) }
            if filter == nil {
                // no residual: emit directly
                if lo == hi { if kind == .left { li.append(Int32(i)); ri.append(-1) } }
                for p in lo..<(lo + min(hi - lo, cap - li.count)) { li.append(Int32(i)); ri.append(order[p]) }
                continue
            }
            for p in lo..<hi { candL.append(Int32(i)); candR.append(order[p]) }
            if candL.count >= 1 << 20 { try flush(upTo: i + 1) }
        }
        if filter != nil { try flush(upTo: li.count >= cap ? chunkStart : nl) }
        if li.count > cap { li.removeLast(li.count - cap); ri.removeLast(ri.count - cap) }
        // settle: exactly the pairs returned stay reserved
        eval.release(charged - li.count * 8)
        return (li, ri)
    }

    /// Where one side of a VARCHAR key pair holds hex-id words and the other does not, both
    /// compare as text.
    static func matchHexKeys(_ lv: inout [Vec], _ rv: inout [Vec]) {
        for k in lv.indices where lv[k].type == .varchar && rv[k].type == .varchar {
            let lh = lv[k].dict?.hexWords != nil, rh = rv[k].dict?.hexWords != nil
            if lh && !rh { lv[k] = Executor.plainText(lv[k]) }
            if rh && !lh { rv[k] = Executor.plainText(rv[k]) }
        }
    }

    /// The right rows grouped by key and the left rows looked up in those groups: `rg[i]` the
    /// group of right row i, `probe[i]` the group with left row i's key (-1: none), `groups`
    /// how many. Rows with a NULL key are flagged in `rnull` / `lnull` (their ids mean nothing:
    /// they match nothing). Integer keys in small ranges pack into one word a row when `packed`
    /// (an array index up to 22 bits).
    func joinKeyGroups(_ lv: [Vec], _ nl: Int, _ rv: [Vec], _ nr: Int, packed: Bool) throws(QueryError)
        -> (rg: [Int32], rnull: [Bool], probe: [Int32], lnull: [Bool], groups: Int) {
        let rk: [Int64], rnull: [Bool]
        let table: GroupTable
        let packing = packed ? Executor.joinPacking(lv, nl, rv, nr) : nil
        // the key words and NULL flags of `n` rows of one side
        func keyWords(_ vs: [Vec], _ n: Int) throws(QueryError) -> ([Int64], [Bool]) {
            if let packing { return try Executor.packedKeys(vs, n, packing) }
            return joinKeys(vs, n, lv.count)
        }
        (rk, rnull) = try keyWords(rv, nr)
        if let packing {
            table = packing.totalBits <= 22 ? GroupTable(directBits: packing.totalBits) : GroupTable(width: 1, capacity: max(16, nr))
        } else {
            // no NULL word: rows with a NULL key are flagged and match nothing
            table = GroupTable(width: lv.count, capacity: max(16, nr))
        }
        var rg = [Int32](repeating: -1, count: nr)
        let width = rk.count / max(nr, 1)
        if let live = JoinNullRows.nonNull(rnull) {
            // rows with a NULL key make no group (their zeroed words would pose as a real key)
            let keys = JoinNullRows.rowsOf(rk, width, live)
            var g = [Int32](repeating: -1, count: live.count)
            keys.withUnsafeBufferPointer { kp in g.withUnsafeMutableBufferPointer { gp in
                if !live.isEmpty { _ = table.findOrInsert(kp.baseAddress!, live.count, into: gp.baseAddress!) }
            } }
            for (j, i) in live.enumerated() { rg[Int(i)] = g[j] }
        } else {
            rk.withUnsafeBufferPointer { kp in rg.withUnsafeMutableBufferPointer { gp in
                _ = table.findOrInsert(kp.baseAddress!, nr, into: gp.baseAddress!)
            } }
        }
        // the left rows looked up: a large side in chunks on every thread (the table is only read)
        var probe = [Int32](repeating: -1, count: nl)
        var lnull = [Bool](repeating: false, count: nl)
        let chunk = RelationChunks.chunkRows
        let chunks = nl >= RelationChunks.minRows && threads > 1 ? (nl + chunk - 1) / chunk : 1
        let failure = FirstError<QueryError>()
        probe.withUnsafeMutableBufferPointer { pp in lnull.withUnsafeMutableBufferPointer { np in
            let out = UncheckedBox((pp, np))
            ParallelWork.forEach(chunks, workers: threads) { c, _ in
                let lo = chunks == 1 ? 0 : c * chunk, hi = chunks == 1 ? nl : min(nl, lo + chunk), m = hi - lo
                let sub = chunks == 1 ? lv : lv.map { $0.gather(Array(Int32(lo)..<Int32(hi))) }
                do throws(QueryError) {
                    let (lk, ln) = try keyWords(sub, m)
                    lk.withUnsafeBufferPointer { kp in
                        if m > 0 { table.find(kp.baseAddress!, m, into: out.value.0.baseAddress! + lo) }
                    }
                    for i in 0..<m where ln[i] { out.value.1[lo + i] = true }
                } catch { failure.set(error) }
            }
        } }
        if let e = failure.error { throw e }
        return (rg, rnull, probe, lnull, table.count)
    }

    /// Key words of one side: `width` words per row (one per key); rows with a NULL key are
    /// flagged (they match nothing, so their zeroed words need no NULL word beside them).
    func joinKeys(_ vecs: [Vec], _ n: Int, _ width: Int) -> ([Int64], [Bool]) {
        var rowKeys = [Int64](repeating: 0, count: n * width)
        var nulls = [Int64](repeating: 0, count: n)
        let enc = KeyEncoder(interner: interner)
        for (k, v) in vecs.enumerated() {
            enc.encode(v, n: n, into: &rowKeys, stride: width, k: k, nullMask: &nulls, bit: 1 << Int64(k % 63))
        }
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

/// The right rows of a join that have no NULL key, for building its table without them.
enum JoinNullRows {
    /// The rows whose flag is false; nil when no row is flagged.
    static func nonNull(_ nulls: [Bool]) -> [Int32]? {
        guard nulls.contains(true) else { return nil }
        var rows: [Int32] = []
        rows.reserveCapacity(nulls.count)
        for i in nulls.indices where !nulls[i] { rows.append(Int32(i)) }
        return rows
    }

    /// The key words (`width` a row) of `rows`.
    static func rowsOf(_ keys: [Int64], _ width: Int, _ rows: [Int32]) -> [Int64] {
        var out = [Int64](repeating: 0, count: rows.count * width)
        for (j, i) in rows.enumerated() { for k in 0..<width { out[j * width + k] = keys[Int(i) * width + k] } }
        return out
    }
}
