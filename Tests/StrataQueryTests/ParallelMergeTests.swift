import Foundation
import Testing
import StrataCore
@testable import StrataQuery

/// The session-13 parallel paths: partial group tables merged by hash partitions on every
/// thread (`MergedGroups`), the counting sort of window partitions over row ranges, the
/// chunked probe of a large join side, and string_agg(DISTINCT x ORDER BY x) dropping repeats
/// as they arrive. Each is checked against a direct computation or the one-thread answer.
@Suite struct ParallelMergeTests {
    /// Random keys of `width` words, some repeated inside a table and across tables.
    private static func tables(seed: UInt64, width: Int, counts: [Int], span: Int) -> [GroupTable] {
        var rng = ReportRNG(seed)
        return counts.map { n in
            let t = GroupTable(width: width)
            var keys = [Int64](repeating: 0, count: n * width)
            for i in 0..<keys.count { keys[i] = Int64(rng.int(span)) &* 0x1_0000_0001 &- Int64(span / 2) }
            var g = [Int32](repeating: 0, count: n)
            keys.withUnsafeBufferPointer { kp in g.withUnsafeMutableBufferPointer { gp in
                _ = t.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
            } }
            return t
        }
    }

    /// Every group of every table maps to a merged group with the same key, and equal keys
    /// (only those) share one merged group.
    @Test(arguments: [(1, 1), (2, 1), (3, 2), (4, 3)] as [(UInt64, Int)])
    func mergedGroupsNumberEachKeyOnce(seed: UInt64, width: Int) {
        let span = width == 1 ? 90_000 : 60
        let tables = Self.tables(seed: seed, width: width, counts: [70_000, 0, 45_000, 3], span: span)
        for threads in [1, 2, 3] {
            let m = MergedGroups(tables, width: width, threads: threads)
            var union = Set<[Int64]>()
            for t in tables { for g in 0..<t.count { union.insert((0..<width).map { t.key(g, $0) }) } }
            #expect(m.count == union.count)
            #expect(m.keys.count == m.count * width)
            let merged = (0..<m.count).map { Array(m.keys[($0 * width)..<(($0 + 1) * width)]) }
            #expect(Set(merged).count == m.count, "a key numbered twice")
            for (t, table) in tables.enumerated() {
                #expect(m.maps[t].count == table.count)
                let wrong = (0..<table.count).first { g in
                    let id = Int(m.maps[t][g])
                    return !(id >= 0 && id < m.count && merged[id] == (0..<width).map { table.key(g, $0) })
                }
                #expect(wrong == nil, "table \(t) group \(wrong ?? -1) maps to another key (\(threads) threads)")
            }
        }
    }

    /// The counting sort over ranges (one a thread) gives the one-range answer: partitions in
    /// bucket order, rows ascending inside each, carried words alongside.
    @Test(arguments: [7, 8] as [UInt64])
    func countingPartitionsOverRangesKeepRowOrder(seed: UInt64) {
        var rng = ReportRNG(seed)
        let n = (1 << 20) + 12_345
        for buckets in [3, 1 << 17] {
            let ids = (0..<n).map { _ in Int32(rng.int(buckets)) }
            let carry = (0..<n).map { _ in rng.next() }
            let one = Executor.countingPartitions(ids, buckets: buckets, carry: carry, threads: 1)
            for threads in [2, 3] {
                let many = Executor.countingPartitions(ids, buckets: buckets, carry: carry, threads: threads)
                let same = many.rows == one.rows && many.start == one.start && many.words == one.words
                #expect(same, "\(buckets) buckets, \(threads) threads")
                let bare = Executor.countingPartitions(ids, buckets: buckets, threads: threads)
                let bareSame = bare.rows == one.rows && bare.start == one.start && bare.words == nil
                #expect(bareSame, "\(buckets) buckets, \(threads) threads, nothing carried")
            }
            // direct check of the one-range answer
            var want: [[Int32]] = Array(repeating: [], count: buckets)
            for r in 0..<n { want[Int(ids[r])].append(Int32(r)) }
            let rowsRight = one.rows == want.flatMap { $0 }, wordsRight = one.words == one.rows.map { carry[Int($0)] }
            #expect(rowsRight && wordsRight, "\(buckets) buckets")
        }
    }

    private static func hex(_ x: UInt64) -> String {
        let s = String(x, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// GROUP BY with many groups (partial tables merged by partitions) and a join with a large
    /// probe side (looked up in chunks) answer the same on 1 and 4 threads, and as counted
    /// directly.
    @Test func manyGroupsAndLargeProbesAnswerAlikeOnEveryThreadCount() throws {
        var rng = ReportRNG(11)
        let n = 300_000
        var lines: [String] = []
        lines.reserveCapacity(n)
        var perVid: [String: Int] = [:]
        for i in 0..<n {
            let k = rng.int(9) == 0 ? "NULL" : String((rng.next() % 110_000) &* 1_000_003)
            let vid = Self.hex(0x7000_0000_0000 &+ (rng.next() % 90_000) &* 0x9E37_79B9)
            let s = rng.int(13) == 0 ? "NULL" : "s\(rng.int(80_000))"
            let x = rng.int(7) == 0 ? "NULL" : String(rng.int(1000) - 500)
            perVid[vid, default: 0] += 1
            lines.append("\(i)|\(k)|\(vid)|\(s)|\(x)")
        }
        let dims = perVid.keys.sorted().enumerated().map { "\($0.element)|\($0.offset % 17)" }
        let r = try joinRunner([("t", "id BIGINT, k BIGINT, vid VARCHAR, s VARCHAR, x BIGINT", lines),
                                ("d", "vid VARCHAR, grp BIGINT", dims)])
        let queries = [
            "SELECT k, count(*), sum(x), min(s), max(vid) FROM t GROUP BY k",
            "SELECT vid, count(*), sum(x), count(DISTINCT s), bool_or(x > 400) FROM t GROUP BY vid",
            "SELECT s, vid, count(*), min(x) FROM t GROUP BY s, vid",
            "SELECT s, count(*), avg(x) FROM t GROUP BY s",
            "SELECT d.grp, count(*), sum(t.x), count(DISTINCT t.vid) FROM t JOIN d ON t.vid = d.vid GROUP BY d.grp",
            "SELECT count(*), sum(t.x), sum(d.grp) FROM t LEFT JOIN d ON t.vid = d.vid AND d.grp < 5",
        ]
        for q in queries {
            _ = try joinQuery(r, "SET threads = 1")
            let one = try joinQuery(r, q).sorted()
            _ = try joinQuery(r, "SET threads = 4")
            let four = try joinQuery(r, q).sorted()
            // compared as one Bool: a failing `==` of long arrays makes the test library diff them
            let same = one == four
            #expect(same, "\(q): \(one.count) rows on one thread, \(four.count) on four; first difference \(zip(one, four).first { $0 != $1 }.map { "\($0)" } ?? "in length")")
        }
        _ = try joinQuery(r, "SET threads = 4")
        let counts = try joinQuery(r, "SELECT vid, count(*) FROM t GROUP BY vid ORDER BY vid")
        let direct = counts == perVid.keys.sorted().map { "\($0)|\(perVid[$0]!)" }
        #expect(direct, "counts per vid differ from a direct count")
        #expect(try joinQuery(r, "SELECT count(*) FROM t JOIN d ON t.vid = d.vid") == ["\(n)"])
    }

    /// string_agg(DISTINCT x, sep ORDER BY x) drops repeats as they arrive: the same strings
    /// as sorting every row and keeping each string's first occurrence, in either direction,
    /// with the partial tables of several threads merged.
    @Test func stringAggDistinctOrderedBySelfKeepsEachStringOnce() throws {
        var rng = ReportRNG(5)
        var lines: [String] = []
        var want: [Int: Set<String>] = [:]
        for i in 0..<6000 {
            let g = rng.int(40)
            let c = rng.int(10) == 0 ? nil : "c\(rng.int(30))"
            if let c { want[g, default: []].insert(c) }
            lines.append("\(i)|\(g)|\(c ?? "NULL")")
        }
        let r = try joinRunner([("t", "id BIGINT, g BIGINT, c VARCHAR", lines)])
        _ = try joinQuery(r, "SET threads = 3")
        let asc = try joinQuery(r, "SELECT g, string_agg(DISTINCT c, ',' ORDER BY c) FROM t GROUP BY g ORDER BY g")
        let desc = try joinQuery(r, "SELECT g, string_agg(DISTINCT c, ',' ORDER BY c DESC) FROM t GROUP BY g ORDER BY g")
        let groups = want.keys.sorted()
        #expect(asc == groups.map { "\($0)|\(want[$0]!.sorted().joined(separator: ","))" })
        #expect(desc == groups.map { "\($0)|\(want[$0]!.sorted(by: >).joined(separator: ","))" })
    }
}
