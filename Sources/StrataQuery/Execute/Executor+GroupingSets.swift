import Dispatch
import StrataCore

// GROUP BY ROLLUP / CUBE / GROUPING SETS in one read of the input. Every batch's keys and
// aggregate arguments are evaluated once. The maximal sets (contained in no other set) are
// fed from the rows: each has its own group table and accumulators per worker, merged across
// workers like a plain aggregate. Every other set is then re-aggregated from the groups of a
// maximal superset (as many merges as that set has groups, not rows) when every aggregate's
// merge leaves its source intact; count(DISTINCT) and mode() states are consumed by merging,
// so with one of those every set is fed from the rows. The output is every set's groups in
// the order of the sets, keys outside a set NULL.
extension Executor {
    /// Aggregates whose `merge` only reads the other state (it can feed several sets).
    static func reusableMerge(_ a: AggSpec) -> Bool {
        switch a.kind {
        case .countDistinct, .mode, .countDistinctRow: return false
        default: return true
        }
    }

    func aggregateGroupingSets(_ plan: SelectPlan, _ sets: [[Int]], groupCount: inout Int) throws(QueryError) -> Relation {
        let groupTypes = plan.groups.map(\.type)
        let names = groupTypes.indices.map { "g\($0)" } + plan.aggs.indices.map { "a\($0)" }
        let types = groupTypes + plan.aggs.map(\.type)
        // which sets read rows; the others come from a fed superset (`source[s]`)
        var source = [Int?](repeating: nil, count: sets.count)
        if plan.aggs.allSatisfy(Executor.reusableMerge) {
            for (s, set) in sets.enumerated() {
                let mine = Set(set)
                // a strict superset, or an equal set listed earlier
                source[s] = sets.indices.first { t in
                    t != s && mine.isSubset(of: Set(sets[t])) && (sets[t].count > set.count || t < s)
                }
            }
            // follow chains to a fed set
            for s in sets.indices {
                var t = source[s]
                while let u = t, let v = source[u] { t = v }
                source[s] = t
            }
        }
        let fed = sets.indices.filter { source[$0] == nil }
        let nWorkers: Int
        if case .relation = plan.source { nWorkers = 1 } else { nWorkers = threads }
        let workers = (0..<nWorkers).map { _ in Worker() }
        var slotOf: [ObjectIdentifier: Int] = [:]
        for (i, w) in workers.enumerated() { slotOf[ObjectIdentifier(w)] = i }
        let tables: [[GroupTable]] = workers.map { _ in fed.map { GroupTable(width: sets[$0].count + 1) } }
        let states: [[[any Accumulator]]] = workers.map { _ in
            fed.map { s in plan.aggs.map { makeAccumulator($0, singleGroup: sets[s].isEmpty) } }
        }
        let keys = KeyEncoder(interner: interner)
        let hexKey = hexGroupKeys(plan)
        let slots = slotOf
        try scan(plan, workers) { (w, b) throws(QueryError) in
            let n = b.count
            if n == 0 { return }
            w.sawRows = true
            let wi = slots[ObjectIdentifier(w)]!
            // each key encoded once (a word and a NULL flag per row), copied into every set's rows
            let keyVecs = try plan.groups.map { (g) throws(QueryError) -> Vec in try self.eval.eval(g, b) }
            var encoded: [([Int64], [Int64])]? = nil
            let args = try plan.aggs.map { (a) throws(QueryError) -> [Vec] in
                try a.args.map { (x) throws(QueryError) -> Vec in try self.eval.eval(x, b) }
            }
            let masks = try plan.aggs.map { (a) throws(QueryError) -> Vec? in
                try a.filter.map { (f) throws(QueryError) -> Vec in try self.eval.eval(f, b) }
            }
            var gids = [Int32](repeating: 0, count: n)
            for (fi, s) in fed.enumerated() {
                let set = sets[s]
                let table = tables[wi][fi]
                let width = set.count + 1
                let direct = gids.withUnsafeMutableBufferPointer { gp in
                    DictionaryGroups.groupIds(set.map { keyVecs[$0] }, n: n, table: table, width: width, keys: keys, into: gp.baseAddress!)
                }
                if direct {
                    for (ai, acc) in states[wi][fi].enumerated() {
                        acc.grow(table.count)
                        acc.update(gids, args[ai], masks[ai], keys)
                    }
                    continue
                }
                if encoded == nil { encoded = keyVecs.map { keys.words($0, n: n) } }
                let keyWords = encoded!
                var rowKeys = [Int64](repeating: 0, count: n * width)
                rowKeys.withUnsafeMutableBufferPointer { rk in
                    for (j, k) in set.enumerated() {
                        let bit: Int64 = 1 << Int64(j)
                        keyWords[k].0.withUnsafeBufferPointer { w in keyWords[k].1.withUnsafeBufferPointer { nl in
                            for r in 0..<n {
                                if nl[r] != 0 { rk[r * width + width - 1] |= bit } else { rk[r * width + j] = w[r] }
                            }
                        } }
                    }
                }
                rowKeys.withUnsafeBufferPointer { kp in gids.withUnsafeMutableBufferPointer { gp in
                    _ = table.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
                } }
                for (ai, acc) in states[wi][fi].enumerated() {
                    acc.grow(table.count)
                    acc.update(gids, args[ai], masks[ai], keys)
                }
            }
        }
        let sawRows = workers.contains { $0.sawRows }
        // 1. the fed sets: merge the other workers' partials into worker 0's
        var setTable = [GroupTable?](repeating: nil, count: sets.count)
        var setStates = [[any Accumulator]](repeating: [], count: sets.count)
        for (fi, s) in fed.enumerated() {
            let table = tables[0][fi]
            let final = states[0][fi]
            for wi in 1..<workers.count {
                let other = tables[wi][fi]
                guard other.count > 0 else { continue }
                let map = table.absorbGroups(of: other)
                for (acc, o) in zip(final, states[wi][fi]) {
                    acc.grow(table.count)
                    o.grow(other.count)
                    acc.merge(o, map)
                }
            }
            for acc in final { acc.grow(table.count) }
            setTable[s] = table
            setStates[s] = final
        }
        // 2. the other sets, from the groups of their fed superset
        for s in sets.indices {
            guard let f = source[s], let from = setTable[f] else { continue }
            let set = sets[s], fset = sets[f]
            let width = set.count + 1, fwidth = fset.count + 1
            let table = GroupTable(width: width)
            let ng = from.count
            if ng > 0 {
                let fk = from.keys
                var rowKeys = [Int64](repeating: 0, count: ng * width)
                for (j, k) in set.enumerated() {
                    let fj = fset.firstIndex(of: k)!
                    for g in 0..<ng {
                        if fk[g * fwidth + fwidth - 1] & (1 << Int64(fj)) != 0 {
                            rowKeys[g * width + width - 1] |= 1 << Int64(j)
                        } else {
                            rowKeys[g * width + j] = fk[g * fwidth + fj]
                        }
                    }
                }
                var map = [Int32](repeating: 0, count: ng)
                rowKeys.withUnsafeBufferPointer { kp in map.withUnsafeMutableBufferPointer { mp in
                    _ = table.findOrInsert(kp.baseAddress!, ng, into: mp.baseAddress!)
                } }
                let accs = plan.aggs.map { makeAccumulator($0, singleGroup: false) }
                for (acc, o) in zip(accs, setStates[f]) {
                    acc.grow(table.count)
                    acc.merge(o, map)
                }
                setStates[s] = accs
            } else {
                setStates[s] = plan.aggs.map { makeAccumulator($0, singleGroup: false) }
            }
            setTable[s] = table
        }
        // 3. every set's rows
        var parts: [[Vec]] = Array(repeating: [], count: plan.groups.count + plan.aggs.count)
        var total = 0
        for (s, set) in sets.enumerated() {
            let table = setTable[s]!
            // the empty set has its one group even over no rows (count 0, sum NULL)
            if set.isEmpty && table.count == 0 {
                var zero: [Int64] = [0]
                _ = zero.withUnsafeMutableBufferPointer { table.insert($0.baseAddress!) }
            }
            let ng = table.count
            let width = set.count + 1
            let keyStore = table.keys
            for k in plan.groups.indices {
                guard let j = set.firstIndex(of: k) else {
                    parts[k].append(Vec.nulls(groupTypes[k], count: ng))
                    continue
                }
                let (words, valid) = Executor.keyWords(keyStore, width: width, slot: j, count: ng)
                parts[k].append(groupKeyColumn(groupTypes[k], words, valid, hex: hexKey[k], count: ng))
            }
            for (ai, acc) in setStates[s].enumerated() {
                acc.grow(ng)
                if let gacc = acc as? GroupingAccumulator, case .grouping(let args) = acc.spec.kind {
                    var bits: Int64 = 0
                    for (i, key) in args.enumerated() where !set.contains(key) { bits |= 1 << Int64(args.count - 1 - i) }
                    gacc.value = bits
                }
                parts[plan.groups.count + ai].append(try acc.finish(ng, emptyInput: set.isEmpty && !sawRows, interner: interner, threads: threads))
            }
            total += ng
        }
        let columns = parts.enumerated().map { c, vs in vs.count == 1 ? vs[0] : Vec.concat(vs, type: types[c], interner: interner) }
        groupCount = total
        if let c = plan.counters {
            c.groups = total
            c.preselected = total
            c.aggregateDone = DispatchTime.now().uptimeNanoseconds
        }
        return Relation(names: names, types: types, columns: columns, count: total)
    }
}
