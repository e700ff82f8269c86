import StrataCore

/// A scan filter split into stages by the columns its conjuncts read: the first stage runs on
/// the whole block, each later one only on the rows still selected, and once few rows are left
/// a later stage's columns are decoded at those rows only (`event = 'conversion' AND
/// utm_campaign <> ''` decodes and tests `utm_campaign` at the conversions alone). Conjuncts
/// over the same columns stay one stage (`ts >= a AND ts < b` remains one range pass). A row
/// is kept when every conjunct is TRUE, so evaluating a conjunct on fewer rows gives the same
/// rows.
struct FilterStages {
    struct Stage {
        let expr: BExpr
        /// Columns the stage reads.
        let slots: [Int]
    }
    let stages: [Stage]

    init(_ filter: BExpr) {
        var conj: [BExpr] = []
        FilterStages.flatten(filter, into: &conj)
        var order: [[Int]] = []
        var exprs: [[BExpr]] = []
        for c in conj {
            let cols = c.columns.sorted()
            if let k = order.firstIndex(of: cols) { exprs[k].append(c) } else { order.append(cols); exprs.append([c]) }
        }
        stages = order.indices.map { k in Stage(expr: exprs[k].count == 1 ? exprs[k][0] : .and(exprs[k]), slots: order[k]) }
    }

    private static func flatten(_ e: BExpr, into out: inout [BExpr]) {
        if case .and(let xs) = e { for x in xs { flatten(x, into: &out) } } else { out.append(e) }
    }

    /// Where each row of `sub` (ascending, a subset of `sup`, ascending) sits in `sup`.
    static func positions(_ sub: [Int32], in sup: [Int32]) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: sub.count) { out, count in
            sub.withUnsafeBufferPointer { s in sup.withUnsafeBufferPointer { p in
                var j = 0
                for i in 0..<s.count {
                    while p[j] != s[i] { j += 1 }
                    out[i] = Int32(truncatingIfNeeded: j)
                }
            } }
            count = sub.count
        }
    }

    /// `sel` (positions into `rows`) as rows.
    static func compose(_ sel: [Int32], _ rows: [Int32]) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: sel.count) { out, count in
            sel.withUnsafeBufferPointer { s in rows.withUnsafeBufferPointer { r in
                for i in 0..<s.count { out[i] = r[Int(s[i])] }
            } }
            count = sel.count
        }
    }
}

/// The columns of one block while its filter stages run: each column decoded in full or at
/// the rows selected when it was loaded.
struct StagedBlock {
    /// Rows of the block: `rows` = nil means all `n`.
    let n: Int
    /// Per slot: the rows its vector holds (nil: all rows).
    var basis: [Int: [Int32]] = [:]

    init(n: Int) { self.n = n }

    /// `v` (loaded at `basis[slot]`) at `sel` (nil: all rows; a subset of its basis).
    func at(_ v: Vec, slot: Int, _ sel: [Int32]?) -> Vec {
        guard let sel else { return v }
        guard let b = basis[slot] else { return v.gather(sel) }
        if b.count == sel.count { return v }
        return v.gather(FilterStages.positions(sel, in: b))
    }
}
