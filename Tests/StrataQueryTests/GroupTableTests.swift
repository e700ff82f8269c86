import Testing
@testable import StrataQuery

// GroupTable picks a path per batch: a dense local map when every key word spans a small
// range, run-start hashing with prefetch for large tables, and plain probing otherwise; `find`
// looks keys up without inserting; `reserve` must keep every group where it was. All must number groups by first appearance, exactly as a
// dictionary does.

@Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
func groupTableNumbersGroupsByFirstAppearance(seed: UInt64) {
    var rng = ReportRNG(seed &* 0x2545_F491_4F6C_DD1D)
    let width = 1 + rng.int(4)
    let table = GroupTable(width: width)
    var reference: [[Int64]: Int32] = [:]
    for batch in 0..<12 {
        // small spans (the dense path), wide spans (hashing), sorted runs (run detection),
        // negative and extreme words
        let n = [1, 300, 512, 2000, 5000][rng.int(5)]
        let spans: [Int64] = (0..<width).map { _ in [1, 3, 40, 1 << 14, 1 << 40][rng.int(5)] }
        let offset: [Int64] = (0..<width).map { _ in [0, -7, Int64.min / 2, Int64.max - (1 << 41)][rng.int(4)] }
        var keys = [Int64](repeating: 0, count: n * width)
        var r = 0
        while r < n {
            let run = min(n - r, 1 + (batch % 3 == 0 ? rng.int(6) : 0))
            let key = (0..<width).map { k in offset[k] &+ Int64(rng.int(Int(spans[k]))) }
            for _ in 0..<run {
                for k in 0..<width { keys[r * width + k] = key[k] }
                r += 1
            }
        }
        // as the merge of per-thread tables does: room for every key at once, then insert
        if batch % 2 == 1 { table.reserve(table.count + n) }
        var gids = [Int32](repeating: -2, count: n)
        let created = keys.withUnsafeBufferPointer { kp in gids.withUnsafeMutableBufferPointer { gp in
            table.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
        } }
        var expectedCreated = 0
        for r in 0..<n {
            let key = Array(keys[(r * width)..<((r + 1) * width)])
            if reference[key] == nil {
                reference[key] = Int32(reference.count)
                expectedCreated += 1
            }
            #expect(gids[r] == reference[key], "seed \(seed) batch \(batch) row \(r)")
        }
        #expect(created == expectedCreated)
        #expect(table.count == reference.count)
        // find: present keys give their group, absent ones -1, nothing is inserted
        var probe = keys
        for r in stride(from: 0, to: n, by: 3) { probe[r * width] = probe[r * width] &+ (1 << 50) }
        var found = [Int32](repeating: -2, count: n)
        probe.withUnsafeBufferPointer { kp in found.withUnsafeMutableBufferPointer { fp in
            table.find(kp.baseAddress!, n, into: fp.baseAddress!)
        } }
        for r in 0..<n {
            let key = Array(probe[(r * width)..<((r + 1) * width)])
            #expect(found[r] == reference[key] ?? -1, "seed \(seed) batch \(batch) find row \(r)")
        }
        #expect(table.count == reference.count)
    }
}
