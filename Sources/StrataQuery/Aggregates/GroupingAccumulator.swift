/// grouping(a, b) / grouping_id: a constant per grouping set, set by the executor (0 with a
/// plain GROUP BY).
final class GroupingAccumulator: Accumulator {
    let spec: AggSpec
    var value: Int64 = 0

    init(_ spec: AggSpec) { self.spec = spec }
    func grow(_ groups: Int) {}
    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {}
    func merge(_ other: any Accumulator, _ map: [Int32]) {}
    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        let v = Vec(type: .bigint, count: n)
        v.ints = [Int64](repeating: value, count: n)
        return v
    }
}
