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
