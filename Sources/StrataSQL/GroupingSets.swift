/// GROUP BY ROLLUP / CUBE / GROUPING SETS expansion: each GROUP BY item is a list of sets of
/// expressions; the query's sets are their cross product, over a deduplicated expression list.
public enum GroupingSets {
    /// `ROLLUP (a, b)`: (a, b), (a), ().
    public static func rollup(_ es: [Expr]) -> [[Expr]] {
        (0...es.count).reversed().map { Array(es.prefix($0)) }
    }

    /// `CUBE (a, b)`: every subset, largest first: (a, b), (a), (b), ().
    public static func cube(_ es: [Expr]) -> [[Expr]] {
        let n = es.count
        var sets: [[Expr]] = []
        for mask in (0..<(1 << n)).reversed() {
            // bit n-1-i set: es[i] is in the set
            sets.append(es.indices.filter { mask & (1 << (n - 1 - $0)) != 0 }.map { es[$0] })
        }
        return sets
    }

    /// The distinct expressions (first-seen order) and the cross product of the items' sets as
    /// indices into them (each set's indices sorted, duplicates removed).
    public static func combine(_ items: [[[Expr]]]) -> (exprs: [Expr], sets: [[Int]]) {
        var exprs: [Expr] = []
        func index(_ e: Expr) -> Int {
            if let i = exprs.firstIndex(of: e) { return i }
            exprs.append(e)
            return exprs.count - 1
        }
        var sets: [[Int]] = [[]]
        for item in items {
            let itemSets = item.map { $0.map(index) }
            var next: [[Int]] = []
            for s in sets { for t in itemSets { next.append(Array(Set(s + t)).sorted()) } }
            sets = next
        }
        return (exprs, sets)
    }
}
