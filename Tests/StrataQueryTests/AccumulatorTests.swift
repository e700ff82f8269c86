import Foundation
import Testing
import StrataCore
import StrataFormat
@testable import StrataQuery

// Each accumulator family alone: grow, update from hand-built batches (NULLs, FILTER masks,
// constants), merge of a second worker's partial through a group map that is not the
// identity, and finish (with `emptyInput` where it matters).

// MARK: - vectors and runs

private func ints(_ xs: [Int64?], _ type: DataType = .bigint) -> Vec {
    let v = Vec(type: type, count: xs.count)
    v.ints = xs.map { $0 ?? 0 }
    if xs.contains(nil) { v.valid = xs.map { $0 == nil ? 0 : 1 } }
    return v
}

private func dbls(_ xs: [Double?]) -> Vec {
    let v = Vec(type: .double, count: xs.count)
    v.dbls = xs.map { $0 ?? 0 }
    if xs.contains(nil) { v.valid = xs.map { $0 == nil ? 0 : 1 } }
    return v
}

private func bools(_ xs: [Bool?]) -> Vec { ints(xs.map { $0.map { $0 ? 1 : 0 } }, .boolean) }

/// Computed strings (no dictionary).
private func strs(_ xs: [String?]) -> Vec {
    let v = Vec(type: .varchar, count: xs.count)
    v.strs = xs.map { $0 ?? "" }
    if xs.contains(nil) { v.valid = xs.map { $0 == nil ? 0 : 1 } }
    return v
}

/// Dictionary codes, as decoded from a segment.
private func coded(_ xs: [String?], _ dict: [String]) -> Vec {
    let v = Vec(type: .varchar, count: xs.count)
    v.dict = DictRef(StringDictionary(dict))
    v.ints = xs.map { s in s.map { Int64(dict.firstIndex(of: $0)!) } ?? 0 }
    if xs.contains(nil) { v.valid = xs.map { $0 == nil ? 0 : 1 } }
    return v
}

private func constant(_ x: Value, _ type: DataType, _ n: Int) -> Vec { Vec.constant(x, type: type, count: n) }

private func spec(_ kind: AggKind, _ args: [DataType], _ type: DataType, fromSumCase: Bool = false) -> AggSpec {
    AggSpec(kind: kind, args: args.enumerated().map { .column($0.offset, $0.element) }, filter: nil, type: type,
            fromSumCase: fromSumCase)
}

private struct Batch {
    var gids: [Int32]
    var args: [Vec]
    var mask: Vec? = nil
}

/// One worker's accumulator for `groups` groups after `batches`.
private func partial(_ s: AggSpec, groups: Int, _ batches: [Batch], keys: KeyEncoder, singleGroup: Bool = false) -> any Accumulator {
    let a = makeAccumulator(s, singleGroup: singleGroup)
    for b in batches {
        a.grow(groups)
        a.update(b.gids, b.args, b.mask, keys)
    }
    a.grow(groups)
    return a
}

/// `a` (its groups plus those `map` adds) with `b` merged in, as `Executor.aggregate` does.
private func merged(_ a: any Accumulator, _ b: any Accumulator, groups: Int, map: [Int32]) -> any Accumulator {
    a.grow(groups)
    b.grow(map.count)
    a.merge(b, map)
    return a
}

private func results(_ a: any Accumulator, _ n: Int, emptyInput: Bool = false, _ keys: KeyEncoder, threads: Int = 1) throws -> [Value] {
    let v = try a.finish(n, emptyInput: emptyInput, interner: keys.interner, threads: threads)
    #expect(v.count == n)
    return (0..<n).map { v.value($0) }
}

private func newKeys() -> KeyEncoder { KeyEncoder(interner: StringInterner()) }

// Worker A: 3 groups, worker B: 2 groups; B's group 0 is A's group 2 and B's group 1 a new
// group 3 (so the map is [2, 3]), the merged result has 4 groups.
private let gidsA: [Int32] = [0, 1, 0, 2, 1]
private let gidsB: [Int32] = [1, 0, 1]
private let mapB: [Int32] = [2, 3]

/// Worker A (rows `gidsA` in 3 groups, FILTER `mask`, the batch `repeats` times) and worker B
/// (rows `gidsB` in 2 groups) merged through `mapB`: the results of the 4 groups.
private func twoWorkers(_ s: AggSpec, _ args: [Vec], _ argsB: [Vec], mask: Vec? = nil, repeats: Int = 1, _ keys: KeyEncoder,
                        threads: Int = 1) throws -> [Value] {
    let a = partial(s, groups: 3, Array(repeating: Batch(gids: gidsA, args: args, mask: mask), count: repeats), keys: keys)
    let b = partial(s, groups: 2, [Batch(gids: gidsB, args: argsB)], keys: keys)
    return try results(merged(a, b, groups: 4, map: mapB), 4, keys, threads: threads)
}

// MARK: - factory

@Test func factoryChoosesOneAccumulatorPerAggregate() {
    func kind(_ s: AggSpec) -> String { String(describing: type(of: makeAccumulator(s, singleGroup: false))) }
    #expect(kind(spec(.countStar, [], .bigint)) == "CountAccumulator")
    #expect(kind(spec(.count, [.varchar], .bigint)) == "CountAccumulator")
    #expect(kind(spec(.countIf, [.boolean], .bigint)) == "CountAccumulator")
    #expect(kind(spec(.sum, [.bigint], .bigint)) == "SumAccumulator")
    #expect(kind(spec(.sumIf, [.double, .boolean], .double)) == "SumAccumulator")
    #expect(kind(spec(.avg, [.bigint], .double)) == "AvgAccumulator")
    #expect(kind(spec(.min, [.timestamp], .timestamp)) == "ExtremeAccumulator")
    #expect(kind(spec(.max, [.double], .double)) == "ExtremeAccumulator")
    #expect(kind(spec(.max, [.varchar], .varchar)) == "StringExtremeAccumulator")
    #expect(kind(spec(.min, [.interval], .interval)) == "ValueExtremeAccumulator")
    #expect(kind(spec(.any, [.bigint], .bigint)) == "ValueExtremeAccumulator")
    #expect(kind(spec(.argMax, [.varchar, .bigint], .varchar)) == "ArgExtremeAccumulator")
    #expect(kind(spec(.countDistinct, [.varchar], .bigint)) == "DistinctCountAccumulator")
    #expect(kind(spec(.approxCountDistinct, [.bigint], .bigint)) == "ApproxDistinctAccumulator")
    #expect(kind(spec(.mode, [.varchar], .varchar)) == "ModeAccumulator")
    #expect(kind(spec(.quantile(0.5), [.double], .double)) == "QuantileAccumulator")
}

// MARK: - count

@Test func countAccumulatorCountsRowsValuesAndMatches() throws {
    let keys = newKeys()
    let x = ints([1, nil, 3, nil, 5])
    let c = bools([true, false, nil, true, true])
    let mask = bools([true, true, false, nil, true])
    func run(_ s: AggSpec, _ args: [Vec], _ argsB: [Vec], mask: Vec? = nil) throws -> [Value] {
        try twoWorkers(s, args, argsB, mask: mask, keys)
    }
    let star = spec(.countStar, [], .bigint)
    #expect(try run(star, [], []) == [.int(2), .int(2), .int(2), .int(2)])
    #expect(try run(star, [], [], mask: mask) == [.int(1), .int(2), .int(1), .int(2)])
    let count = spec(.count, [.bigint], .bigint)
    #expect(try run(count, [x], [ints([nil, 7, 8])]) == [.int(2), .int(1), .int(1), .int(1)])
    #expect(try run(count, [x], [ints([nil, 7, 8])], mask: mask) == [.int(1), .int(1), .int(1), .int(1)])
    let countIf = spec(.countIf, [.boolean], .bigint)
    #expect(try run(countIf, [c], [bools([true, true, false])]) == [.int(1), .int(1), .int(2), .int(1)])
    #expect(try run(countIf, [c], [bools([true, true, false])], mask: mask) == [.int(1), .int(1), .int(1), .int(1)])
    // flat, no NULLs: the vectorized loop; a constant TRUE mask takes the general one
    let flat = bools([true, false, true, true, true])
    #expect(try run(countIf, [flat], [bools([false, true, true])]) == [.int(2), .int(1), .int(2), .int(1)])
    #expect(try run(countIf, [flat], [bools([false, true, true])], mask: constant(.bool(true), .boolean, 5))
        == [.int(2), .int(1), .int(2), .int(1)])
    #expect(try run(countIf, [flat], [bools([false, true, true])], mask: constant(.null, .boolean, 5))
        == [.int(0), .int(0), .int(1), .int(1)])
}

@Test func countAccumulatorReducesASingleGroup() throws {
    let keys = newKeys()
    let zeros = [Int32](repeating: 0, count: 6)
    let flags = bools([true, false, true, true, false, true])
    for (s, args, want) in [(spec(.countStar, [], .bigint), [Vec](), Int64(14)),
                            (spec(.countIf, [.boolean], .bigint), [flags], 10),
                            (spec(.count, [.bigint], .bigint), [ints([1, nil, 3, nil, 5, 6])], 10)] {
        let a = partial(s, groups: 1, [Batch(gids: zeros, args: args), Batch(gids: zeros, args: args)], keys: keys, singleGroup: true)
        let b = partial(s, groups: 1, [Batch(gids: Array(zeros.prefix(2)), args: args.map { $0.gather([0, 2]) })], keys: keys, singleGroup: true)
        #expect(try results(merged(a, b, groups: 1, map: [0]), 1, keys) == [.int(want)])
    }
}

@Test func countIfFromSumCaseIsZeroWithoutMatchesAndNullWithoutRows() throws {
    let keys = newKeys()
    let s = spec(.countIf, [.boolean], .bigint, fromSumCase: true)
    let a = partial(s, groups: 2, [Batch(gids: [0, 1], args: [bools([false, true])])], keys: keys)
    #expect(try results(a, 2, keys) == [.int(0), .int(1)])
    #expect(try results(partial(s, groups: 1, [], keys: keys, singleGroup: true), 1, emptyInput: true, keys) == [.null])
    #expect(try results(partial(spec(.countStar, [], .bigint), groups: 1, [], keys: keys), 1, emptyInput: true, keys) == [.int(0)])
}

// MARK: - sum, sum_if, avg

@Test func sumAccumulatorSumsIntegersAndDoubles() throws {
    let keys = newKeys()
    let mask = bools([true, true, false, nil, true])
    func run(_ s: AggSpec, _ args: [Vec], _ argsB: [Vec], mask: Vec? = nil) throws -> [Value] {
        try twoWorkers(s, args, argsB, mask: mask, keys)
    }
    let isum = spec(.sum, [.bigint], .bigint)
    let x = ints([1, nil, 3, nil, 5]), xb = ints([10, 20, nil])
    #expect(try run(isum, [x], [xb]) == [.int(4), .int(5), .int(20), .int(10)])
    #expect(try run(isum, [x], [xb], mask: mask) == [.int(1), .int(5), .int(20), .int(10)])
    // flat: the vectorized loop
    let flat = ints([1, 2, 3, 4, 5])
    #expect(try run(isum, [flat], [xb]) == [.int(4), .int(7), .int(24), .int(10)])
    #expect(try run(isum, [flat], [ints([nil, nil, nil])]) == [.int(4), .int(7), .int(4), .null])
    let dsum = spec(.sum, [.double], .double)
    #expect(try run(dsum, [dbls([0.5, nil, 1.5, nil, 2])], [dbls([1, 0.25, nil])])
        == [.double(2), .double(2), .double(0.25), .double(1)])
    #expect(try run(dsum, [dbls([0.5, 1, 1.5, 3, 2])], [dbls([1, 0.25, nil])], mask: mask)
        == [.double(0.5), .double(3), .double(0.25), .double(1)])
    let sumIf = spec(.sumIf, [.bigint, .boolean], .bigint)
    let c = bools([true, true, nil, true, false]), cb = bools([true, false, true])
    #expect(try run(sumIf, [flat, c], [xb, cb]) == [.int(1), .int(2), .int(4), .int(10)])
    #expect(try run(sumIf, [flat, bools([true, true, false, true, false])], [xb, bools([true, true, true])])
        == [.int(1), .int(2), .int(24), .int(10)])
    let dsumIf = spec(.sumIf, [.double, .boolean], .double)
    #expect(try run(dsumIf, [dbls([1, 2, 3, 4, 5]), bools([true, true, false, true, false])], [dbls([1, 2, 3]), cb], mask: mask)
        == [.double(1), .double(2), .null, .double(4)])
}

@Test func sumAccumulatorReducesASingleGroup() throws {
    let keys = newKeys()
    let zeros = [Int32](repeating: 0, count: 9)
    let x = ints([1, 2, 3, 4, 5, 6, 7, 8, 9])
    let a = partial(spec(.sum, [.bigint], .bigint), groups: 1, [Batch(gids: zeros, args: [x]), Batch(gids: zeros, args: [x])], keys: keys, singleGroup: true)
    let b = partial(spec(.sum, [.bigint], .bigint), groups: 1, [Batch(gids: [0], args: [ints([-100])])], keys: keys, singleGroup: true)
    #expect(try results(merged(a, b, groups: 1, map: [0]), 1, keys) == [.int(-10)])
    let d = dbls([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5])
    let da = partial(spec(.sum, [.double], .double), groups: 1, [Batch(gids: zeros, args: [d])], keys: keys, singleGroup: true)
    #expect(try results(da, 1, keys) == [.double(22.5)])
    let avg = partial(spec(.avg, [.bigint], .double), groups: 1, [Batch(gids: zeros, args: [x])], keys: keys, singleGroup: true)
    #expect(try results(avg, 1, keys) == [.double(5)])
}

@Test func sumAccumulatorReportsBigintOverflowWhenRead() throws {
    let keys = newKeys()
    let message = "integer overflow in sum(): the total does not fit in BIGINT; cast the argument to DOUBLE"
    let s = spec(.sum, [.bigint], .bigint)
    func fails(_ a: any Accumulator) -> Bool {
        do { _ = try a.finish(1, emptyInput: false, interner: keys.interner, threads: 1) } catch {
            return error.message == message
        }
        return false
    }
    // in one worker (vectorized, reduced, general) and only once two partials merge
    let big = ints([Int64.max, 1])
    #expect(fails(partial(s, groups: 1, [Batch(gids: [0, 0], args: [big])], keys: keys)))
    #expect(fails(partial(s, groups: 1, [Batch(gids: [0, 0], args: [big])], keys: keys, singleGroup: true)))
    #expect(fails(partial(s, groups: 1, [Batch(gids: [0, 0], args: [big], mask: bools([true, true]))], keys: keys)))
    let a = partial(s, groups: 1, [Batch(gids: [0], args: [ints([Int64.max])])], keys: keys)
    let b = partial(s, groups: 1, [Batch(gids: [0], args: [ints([Int64.max])])], keys: keys)
    #expect(fails(merged(a, b, groups: 1, map: [0])))
    // the conditional form reads it group by group
    let sc = spec(.sumIf, [.bigint, .boolean], .bigint, fromSumCase: true)
    #expect(fails(partial(sc, groups: 1, [Batch(gids: [0, 0], args: [big, bools([true, true])])], keys: keys)))
}

@Test func sumIfFromSumCaseIsZeroWithoutMatchesAndNullWithoutRows() throws {
    let keys = newKeys()
    let s = spec(.sumIf, [.double, .boolean], .double, fromSumCase: true)
    let a = partial(s, groups: 2, [Batch(gids: [0, 1, 1], args: [dbls([1, 2, 3]), bools([false, true, nil])])], keys: keys)
    #expect(try results(a, 2, keys) == [.double(0), .double(2)])
    let i = spec(.sumIf, [.bigint, .boolean], .bigint, fromSumCase: true)
    #expect(try results(partial(i, groups: 1, [], keys: keys, singleGroup: true), 1, emptyInput: true, keys) == [.null])
    #expect(try results(partial(i, groups: 1, [], keys: keys, singleGroup: true), 1, keys) == [.int(0)])
    #expect(try results(partial(spec(.sum, [.bigint], .bigint), groups: 1, [], keys: keys), 1, emptyInput: true, keys) == [.null])
}

@Test func avgAccumulatorDividesSumsByCounts() throws {
    let keys = newKeys()
    let s = spec(.avg, [.bigint], .double)
    #expect(try twoWorkers(s, [ints([1, nil, 4, nil, 5])], [ints([2, 9, 4])], mask: bools([true, true, true, true, nil]), keys) == [.double(2.5), .null, .double(9), .double(3)])
    let d = partial(spec(.avg, [.double], .double), groups: 2, [Batch(gids: [0, 0, 1], args: [dbls([1, 2, nil])])], keys: keys)
    #expect(try results(d, 2, keys) == [.double(1.5), .null])
}

// MARK: - extremes

@Test func extremeAccumulatorKeepsTypedMinimaAndMaxima() throws {
    let keys = newKeys()
    func run(_ s: AggSpec, _ x: Vec, _ xb: Vec, mask: Vec? = nil) throws -> [Value] {
        try twoWorkers(s, [x], [xb], mask: mask, keys)
    }
    let x = ints([5, nil, -3, 8, 2]), xb = ints([1, 7, 9])
    #expect(try run(spec(.min, [.bigint], .bigint), x, xb) == [.int(-3), .int(2), .int(7), .int(1)])
    #expect(try run(spec(.max, [.bigint], .bigint), x, xb) == [.int(5), .int(2), .int(8), .int(9)])
    let mask = bools([true, true, false, nil, true])
    #expect(try run(spec(.min, [.bigint], .bigint), x, ints([nil, nil, nil]), mask: mask) == [.int(5), .int(2), .null, .null])
    #expect(try run(spec(.max, [.date], .date), ints([5, nil, 3, 8, 2], .date), ints([1, 7, 9], .date)) == [.date(5), .date(2), .date(8), .date(9)])
    #expect(try run(spec(.min, [.boolean], .boolean), bools([true, nil, false, true, true]), bools([true, true, nil]))
        == [.bool(false), .bool(true), .bool(true), .bool(true)])
    // NaN orders after every number
    let d = dbls([1.5, .nan, -2, nil, 3]), db = dbls([.nan, 4, -1])
    #expect(try run(spec(.min, [.double], .double), d, db) == [.double(-2), .double(3), .double(4), .double(-1)])
    let maxima = try run(spec(.max, [.double], .double), d, db)
    #expect(maxima[0] == .double(1.5) && maxima[2] == .double(4))
    if case .double(let m) = maxima[1] { #expect(m.isNaN) } else { Issue.record("max over NaN: \(maxima[1])") }
    if case .double(let m) = maxima[3] { #expect(m.isNaN) } else { Issue.record("max over NaN: \(maxima[3])") }
    // a constant argument
    #expect(try run(spec(.max, [.bigint], .bigint), constant(.int(4), .bigint, 5), constant(.int(6), .bigint, 3))
        == [.int(4), .int(4), .int(6), .int(6)])
}

@Test func stringExtremeAccumulatorComparesBytes() throws {
    let keys = newKeys()
    func run(_ s: AggSpec, _ x: Vec, _ xb: Vec, mask: Vec? = nil) throws -> [Value] {
        try twoWorkers(s, [x], [xb], mask: mask, keys)
    }
    let x = coded(["pear", nil, "apple", "fig", "Zebra"], ["apple", "fig", "pear", "Zebra"])
    let xb = strs(["kiwi", "plum", "grape"])
    let mn = spec(.min, [.varchar], .varchar), mx = spec(.max, [.varchar], .varchar)
    #expect(try run(mn, x, xb) == [.string("apple"), .string("Zebra"), .string("fig"), .string("grape")])
    #expect(try run(mx, x, xb) == [.string("pear"), .string("Zebra"), .string("plum"), .string("kiwi")])
    #expect(try run(mx, x, strs([nil, nil, nil]), mask: bools([false, true, true, nil, false])) == [.string("apple"), .null, .null, .null])
    #expect(try run(mn, constant(.string("m"), .varchar, 5), xb) == [.string("m"), .string("m"), .string("m"), .string("grape")])
}

@Test func valueExtremeAccumulatorKeepsIntervalsAndFirstValues() throws {
    let keys = newKeys()
    func run(_ s: AggSpec, _ x: Vec, _ xb: Vec, mask: Vec? = nil) throws -> [Value] {
        try twoWorkers(s, [x], [xb], mask: mask, keys)
    }
    let x = ints([50, nil, 30, 80, 20], .interval), xb = ints([10, 70, 90], .interval)
    #expect(try run(spec(.min, [.interval], .interval), x, xb) == [.interval(0, 0, 30), .interval(0, 0, 20), .interval(0, 0, 70), .interval(0, 0, 10)])
    #expect(try run(spec(.max, [.interval], .interval), x, xb) == [.interval(0, 0, 50), .interval(0, 0, 20), .interval(0, 0, 80), .interval(0, 0, 90)])
    let any = spec(.any, [.bigint], .bigint)
    #expect(try run(any, ints([nil, nil, 3, 8, 2]), ints([1, 7, 9])) == [.int(3), .int(2), .int(8), .int(1)])
    #expect(try run(any, ints([4, nil, 3, 8, 2]), ints([nil, nil, nil]), mask: bools([false, true, true, false, nil])) == [.int(3), .null, .null, .null])
}

@Test func argExtremeAccumulatorTakesTheValueOfTheBestKey() throws {
    let keys = newKeys()
    func run(_ s: AggSpec, mask: Vec? = nil) throws -> [Value] {
        try twoWorkers(s, [strs(["a", "b", "c", "d", "e"]), ints([5, nil, 9, 1, 3])], [strs(["f", nil, "h"]), ints([2, 0, 8])], mask: mask, keys)
    }
    #expect(try run(spec(.argMax, [.varchar, .bigint], .varchar)) == [.string("c"), .string("e"), .string("d"), .string("h")])
    // DuckDB: a row whose value is NULL is skipped too (B's key 0 has a NULL value)
    #expect(try run(spec(.argMin, [.varchar, .bigint], .varchar)) == [.string("a"), .string("e"), .string("d"), .string("f")])
    #expect(try run(spec(.argMax, [.varchar, .bigint], .varchar), mask: bools([true, true, false, true, false]))
        == [.string("a"), .null, .string("d"), .string("h")])
}

// MARK: - distinct counts

@Test(arguments: [1, 2]) func distinctCountAccumulatorCountsPairsOnce(threads: Int) throws {
    let keys = newKeys()
    func run(_ x: Vec, _ xb: Vec, mask: Vec? = nil) throws -> [Value] {
        let s = spec(.countDistinct, [x.type], .bigint)
        return try twoWorkers(s, [x], [xb], mask: mask, repeats: 2, keys, threads: threads)
    }
    #expect(try run(ints([1, nil, 1, 4, 2]), ints([4, 5, 3])) == [.int(1), .int(1), .int(2), .int(2)])
    #expect(try run(strs(["x", "y", "z", nil, "y"]), coded(["x", "q", "x"], ["q", "x"])) == [.int(2), .int(1), .int(1), .int(1)])
    #expect(try run(ints([1, 2, 3, 4, 5]), ints([nil, nil, nil]), mask: bools([true, nil, true, true, false])) == [.int(2), .int(0), .int(1), .int(0)])
}

@Test func approxDistinctAccumulatorEstimatesSmallSetsExactly() throws {
    let keys = newKeys()
    let s = spec(.approxCountDistinct, [.bigint], .bigint)
    #expect(try twoWorkers(s, [ints([1, nil, 2, 7, 3])], [ints([7, 8, 9])], mask: bools([true, true, true, true, false]), keys) == [.int(2), .int(0), .int(2), .int(2)])
    // a thousand values: within the sketch's error
    let n = 1000
    let many = partial(s, groups: 1, [Batch(gids: [Int32](repeating: 0, count: n), args: [ints((0..<Int64(n)).map { $0 * 7919 })])], keys: keys)
    guard case .int(let e) = try results(many, 1, keys)[0] else { Issue.record("not an integer"); return }
    #expect(abs(Int(e) - n) < n / 20)
}

// MARK: - mode, quantile

@Test(arguments: [1, 2]) func modeAccumulatorKeepsTheMostFrequentSmallestValue(threads: Int) throws {
    let keys = newKeys()
    func run(_ x: Vec, _ xb: Vec, mask: Vec? = nil) throws -> [Value] {
        let s = spec(.mode, [x.type], x.type)
        return try twoWorkers(s, [x], [xb], mask: mask, keys, threads: threads)
    }
    // group 0: 5 and 3, group 2: 8 and 1 (ties: the smaller); group 3: two 9s from B
    #expect(try run(ints([5, nil, 3, 8, 2]), ints([9, 1, 9])) == [.int(3), .int(2), .int(1), .int(9)])
    #expect(try run(strs(["b", "x", "a", nil, "x"]), coded(["c", nil, "c"], ["c"])) == [.string("a"), .string("x"), .null, .string("c")])
    #expect(try run(dbls([2.5, 1, 2.5, 4, nil]), dbls([4, 3, -1])) == [.double(2.5), .double(1), .double(3), .double(-1)])
    #expect(try run(ints([5, 6, 3, 8, 2]), ints([nil, nil, nil]), mask: bools([true, nil, false, true, false])) == [.int(5), .null, .int(8), .null])
}

@Test func quantileAccumulatorInterpolatesBetweenRanks() throws {
    let keys = newKeys()
    func run(_ p: Double, mask: Vec? = nil) throws -> [Value] {
        let s = spec(.quantile(p), [.bigint], .double)
        return try twoWorkers(s, [ints([4, nil, 1, 10, 7])], [ints([2, 20, 30])], mask: mask, keys)
    }
    #expect(try run(0.5) == [.double(2.5), .double(7), .double(15), .double(16)])
    // as the accumulator computes them: lowest + (next - lowest) * fraction
    let q0: Double = 1 + 3 * 0.9, q2: Double = 10 + 10 * 0.9, q3: Double = 2 + 28 * 0.9
    #expect(try run(0.9) == [.double(q0), .double(7), .double(q2), .double(q3)])
    #expect(try run(0, mask: bools([false, true, true, true, nil])) == [.double(1), .null, .double(10), .double(2)])
    let d = partial(spec(.quantile(0.5), [.double], .double), groups: 1, [Batch(gids: [0, 0, 0], args: [dbls([3, nil, 1])])], keys: keys)
    #expect(try results(d, 1, keys) == [.double(2)])
}

// MARK: - no rows

@Test func everyAccumulatorFinishesWithoutRows() throws {
    let keys = newKeys()
    let cases: [(AggSpec, Value)] = [
        (spec(.countStar, [], .bigint), .int(0)), (spec(.count, [.bigint], .bigint), .int(0)),
        (spec(.countIf, [.boolean], .bigint), .int(0)), (spec(.sum, [.bigint], .bigint), .null),
        (spec(.sum, [.double], .double), .null), (spec(.sumIf, [.bigint, .boolean], .bigint), .null),
        (spec(.avg, [.double], .double), .null), (spec(.min, [.date], .date), .null),
        (spec(.max, [.double], .double), .null), (spec(.max, [.varchar], .varchar), .null),
        (spec(.min, [.interval], .interval), .null), (spec(.any, [.varchar], .varchar), .null),
        (spec(.argMin, [.bigint, .double], .bigint), .null), (spec(.countDistinct, [.varchar], .bigint), .int(0)),
        (spec(.approxCountDistinct, [.bigint], .bigint), .int(0)), (spec(.mode, [.bigint], .bigint), .null),
        (spec(.quantile(0.25), [.double], .double), .null),
    ]
    for (s, want) in cases {
        // no GROUP BY: the one group of an empty input
        let one = partial(s, groups: 1, [], keys: keys, singleGroup: true)
        #expect(try results(one, 1, emptyInput: true, keys) == [want], "\(s.kind)")
        // GROUP BY: no groups at all, also after merging an empty partial
        let none = merged(partial(s, groups: 0, [], keys: keys), partial(s, groups: 0, [], keys: keys), groups: 0, map: [])
        #expect(try results(none, 0, keys, threads: 2) == [], "\(s.kind)")
    }
}
