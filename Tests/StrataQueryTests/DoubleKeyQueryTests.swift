import Foundation
import Testing
@testable import StrataQuery

/// GROUP BY, DISTINCT, ORDER BY, join keys and window partitions over DOUBLEs full of ties
/// (both zeros, NaNs of both signs, the infinities), against answers computed row by row:
/// -0.0 equals 0.0, every NaN equals every NaN and sorts after +inf (DuckDB's rules).
@Test(arguments: Array(0..<12) as [UInt64])
func doubleKeysMatchRowByRowAnswers(seed: UInt64) throws {
    let pool: [Double] = [0.0, -0.0, .nan, -.nan, .infinity, -.infinity, 1.5, -1.5, 2, -2, .leastNonzeroMagnitude]
    var s = seed &* 0x9E37_79B9_7F4A_7C15 &+ 7
    func next(_ n: Int) -> Int {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Int((s >> 33) % UInt64(n))
    }
    let n = 500 + next(2000)
    let xs: [Double?] = (0..<n).map { _ in next(8) == 0 ? nil : pool[next(pool.count)] }
    let r = try SQLLogicRunner()
    _ = try r.engine.execute("CREATE TABLE t (id BIGINT, x DOUBLE) ORDER BY (x)")
    try r.load("t", xs.enumerated().map { "\($0.offset)|\($0.element.map { String($0) } ?? "NULL")" })

    /// The reference order of non-NULL values; -1, 0, 1.
    func order(_ a: Double, _ b: Double) -> Int {
        if a.isNaN || b.isNaN { return a.isNaN == b.isNaN ? 0 : (a.isNaN ? 1 : -1) }
        return a < b ? -1 : (a > b ? 1 : 0)
    }
    func rows(_ sql: String) throws -> [String] {
        let res = try r.engine.execute(sql).last!.result
        return (0..<res.rowCount).map { i in res.columns.map { SQLLogicRunner.cell($0[i]) }.joined(separator: "|") }
    }
    // the classes of equal values, in order, each as (representative, ids)
    var classes: [(Double, [Int])] = []
    for (i, x) in xs.enumerated() {
        guard let x else { continue }
        if let c = classes.firstIndex(where: { order($0.0, x) == 0 }) { classes[c].1.append(i) } else { classes.append((x, [i])) }
    }
    classes.sort { order($0.0, $1.0) < 0 }
    let nullIDs = xs.indices.filter { xs[$0] == nil }
    func cell(_ x: Double) -> String { SQLLogicRunner.cell(.double(x.isNaN ? .nan : x + 0.0)) }

    let groups = classes.map { "\(cell($0.0))|\($0.1.count)|\($0.1.min()!)" } + (nullIDs.isEmpty ? [] : ["NULL|\(nullIDs.count)|\(nullIDs.min()!)"])
    #expect(try rows("SELECT x, count(*), min(id) FROM t GROUP BY x ORDER BY x NULLS LAST") == groups, "seed \(seed): GROUP BY")
    // DISTINCT keeps a row of each class, with its own value: -0.0 or 0.0, a NaN of either sign
    let distinct = classes.map { cell($0.0) } + (nullIDs.isEmpty ? [] : ["NULL"])
    let gotDistinct = try rows("SELECT DISTINCT x FROM t ORDER BY x NULLS LAST").map { $0 == "-0.0" ? "0.0" : $0 == "-nan" ? "nan" : $0 }
    #expect(gotDistinct == distinct, "seed \(seed): DISTINCT")
    #expect(try rows("SELECT count(DISTINCT x) FROM t") == ["\(classes.count)"], "seed \(seed): count(DISTINCT)")
    let desc = nullIDs.map(String.init) + classes.reversed().flatMap { $0.1.map(String.init) }
    #expect(try rows("SELECT id FROM t ORDER BY x DESC NULLS FIRST, id") == desc, "seed \(seed): ORDER BY DESC")
    let asc = classes.flatMap { $0.1.map(String.init) } + nullIDs.map(String.init)
    #expect(try rows("SELECT id FROM t ORDER BY x, id") == asc, "seed \(seed): ORDER BY")
    let pairs = classes.reduce(0) { $0 + $1.1.count * $1.1.count }
    #expect(try rows("SELECT count(*) FROM t a JOIN t b ON a.x = b.x") == ["\(pairs)"], "seed \(seed): join")
    var partitionSizes: [Int: Int] = [:]
    for c in classes { for i in c.1 { partitionSizes[i] = c.1.count } }
    for i in nullIDs { partitionSizes[i] = nullIDs.count }
    let windows = (0..<n).map { "\($0)|\(partitionSizes[$0]!)" }
    #expect(try rows("SELECT id, count(*) OVER (PARTITION BY x) FROM t ORDER BY id") == windows, "seed \(seed): PARTITION BY")
}
