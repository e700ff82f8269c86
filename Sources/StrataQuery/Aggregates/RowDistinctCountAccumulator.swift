/// count(DISTINCT (a, b)): each row value (NULL fields included: the row itself is never
/// NULL) is interned as one word in the query's string interner, so that every worker gives
/// equal rows equal words; those are counted as count(DISTINCT) counts.
final class RowDistinctCountAccumulator: Accumulator {
    let spec: AggSpec
    let inner: DistinctCountAccumulator

    init(_ spec: AggSpec) {
        self.spec = spec
        inner = DistinctCountAccumulator(AggSpec(kind: .countDistinct, args: [.column(0, .bigint)], filter: nil, type: .bigint))
    }

    func grow(_ groups: Int) { inner.grow(groups) }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let n = gids.count
        let parts = args.map { keys.words($0, n: n) }
        var texts: [String] = []
        texts.reserveCapacity(n)
        for i in 0..<n {
            var text = ""
            for (w, nulls) in parts {
                if nulls[i] != 0 { text += "N," } else { text += String(w[i], radix: 36); text += "," }
            }
            texts.append(text)
        }
        let v = Vec(type: .bigint, count: n)
        v.ints = keys.interner.ids(texts)
        inner.update(gids, [v], mask, keys)
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) { inner.merge((other as! RowDistinctCountAccumulator).inner, map) }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        try inner.finish(n, emptyInput: emptyInput, interner: interner, threads: threads)
    }
}
