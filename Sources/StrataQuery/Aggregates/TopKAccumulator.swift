/// ClickHouse topK(k)(x): the k most frequent non-NULL values of each group, most frequent
/// first (ties: the smaller value first; ClickHouse's is approximate, this one exact), as
/// DuckDB list text `[a, b]` (VARCHAR; `[]` for a group without values).
final class TopKAccumulator: Accumulator {
    let spec: AggSpec
    let k: Int
    /// Per group, the count of each value's key word (strings: the query interner's id, the
    /// same in every worker; a dictionary is mapped once per batch, not per row).
    var counts: [[Int64: Int64]] = []
    /// The values are 16-hex-digit ids stored as words.
    var hex = false

    init(_ spec: AggSpec, k: Int) {
        self.spec = spec
        self.k = k
    }

    func grow(_ groups: Int) { counts.grow(to: groups, with: [:]) }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let v = args[0]
        if v.type == .null { return }
        if v.dict?.hexWords != nil { hex = true }
        let (words, nulls) = keys.words(v, n: gids.count)
        for r in countedRows(gids.count, nulls, mask) {
            let i = Int(r)
            counts[Int(gids[i])][words[i], default: 0] += 1
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let o = other as! TopKAccumulator
        hex = hex || o.hex
        for g in 0..<map.count {
            let t = Int(map[g])
            for (x, c) in o.counts[g] { counts[t][x, default: 0] += c }
        }
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        let dec = KeyEncoder(interner: interner)
        let type = spec.args[0].type, hex = hex
        return try valueVector(n, type: .varchar) { g in
            let entries = counts[g].map { (value: dec.decode($0.key, isNull: false, type: type, hex: hex), count: $0.value) }
            let top = entries.sorted { a, b in a.count != b.count ? a.count > b.count : Evaluator.compareValues(a.value, b.value) < 0 }
            return .string(listText(top.prefix(k).map { Evaluator.text($0.value) }))
        }
    }
}

/// DuckDB's text of a list: `[a, b, c]`.
func listText(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
