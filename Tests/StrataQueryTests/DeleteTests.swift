import Foundation
import Testing
import StrataFormat
import StrataStore
@testable import StrataQuery

/// Erasure: after `delete(purgeNow:)` no segment file anywhere under the table holds the
/// erased value, and every other row is intact.
@Test func erasureLeavesNoTrace() throws {
    let runner = try SQLLogicRunner()
    _ = try runner.engine.execute("CREATE TABLE clicks (ts TIMESTAMP, visitor_id VARCHAR, n INTEGER) PARTITION BY day(ts) ORDER BY (ts) WITH (codec = 'none')")
    var rows: [String] = []
    for i in 0..<500 {
        let v = i % 7 == 0 ? "secret-visitor-42" : "visitor-\(i % 50)"
        rows.append("2024-01-0\(1 + i % 5) 10:\(String(format: "%02d", i % 60)):00|\(v)|\(i)")
    }
    try runner.load("clicks", rows)
    let before = try runner.engine.execute("SELECT count(*) FROM clicks WHERE visitor_id <> 'secret-visitor-42'")[0].result.columns[0][0]
    let s = try runner.engine.delete(table: "clicks", where: "visitor_id = 'secret-visitor-42'", purgeNow: true)
    #expect(s.rowsRemoved == 72)
    #expect(try runner.engine.execute("SELECT count(*) FROM clicks")[0].result.columns[0][0] == before)
    let dir = runner.store.root + "/clicks"
    let files = FileManager.default.enumerator(atPath: dir)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".seg") }
    #expect(!files.isEmpty)
    let needle = Array("secret-visitor-42".utf8)
    for f in files {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + f)))
        let found = bytes.count >= needle.count && (0...(bytes.count - needle.count)).contains { i in bytes[i] == needle[0] && Array(bytes[i..<(i + needle.count)]) == needle }
        #expect(!found, "\(f) still holds the erased value")
        let r = try SegmentReader(path: dir + "/" + f)
        #expect(!(try r.dictionary(column: 1)).strings.contains("secret-visitor-42"))
    }
    #expect(try runner.store.table("clicks").verify().isSound)
}

/// Found by scripts/soak.sh: a DELETE overtaken twice by concurrent commits (compactions,
/// retention, other deletes replacing the segments it rewrote) failed with "segment … is no
/// longer live" (exit 3) after a single retry. It now plans again with a short backoff until a
/// deadline, and only then gives up, saying so.
@Test func deleteRetriesWhenOvertakenByConcurrentCommits() throws {
    let runner = try SQLLogicRunner()
    _ = try runner.engine.execute("CREATE TABLE t (ts TIMESTAMP, v VARCHAR, n INTEGER) PARTITION BY day(ts) ORDER BY (ts)")
    try runner.load("t", (0..<500).map { "2024-01-01 10:\(String(format: "%02d", $0 % 60)):00|v\($0 % 9)|\($0)" })
    var overtaken = 0
    QueryEngine.beforeDeleteCommit = { attempt in
        guard attempt <= 3 else { return }
        // another delete rewrites the same segment first, three times in a row
        let hook = QueryEngine.beforeDeleteCommit
        QueryEngine.beforeDeleteCommit = nil
        defer { QueryEngine.beforeDeleteCommit = hook }
        if (try? runner.engine.delete(table: "t", where: "n = \(attempt)"))?.rowsRemoved == 1 { overtaken += 1 }
    }
    defer { QueryEngine.beforeDeleteCommit = nil }
    let s = try runner.engine.delete(table: "t", where: "n >= 100")
    QueryEngine.beforeDeleteCommit = nil
    #expect(overtaken == 3)
    #expect(s.rowsRemoved == 400)
    let left = try runner.engine.execute("SELECT count(*), sum(n) FROM t")[0].result.columns
    #expect(left[0][0] == .int(97) && left[1][0] == .int(Int64((0..<100).reduce(0, +) - 6)))
    #expect(try runner.store.table("t").verify().isSound)
}
