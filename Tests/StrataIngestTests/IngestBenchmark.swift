import Foundation
import Testing
import StrataFormat
import StrataStore
@testable import StrataIngest

/// Manual benchmark: `STRATA_INGEST_BENCH=/path/clicks.csv swift test --filter ingestBenchmark`
/// loads the harness CSV with the bench DDL (month partitions, ORDER BY (profile_id, ts)) and
/// prints rows/s. Not a timed test: skipped unless the variable is set.
@Test(.enabled(if: ProcessInfo.processInfo.environment["STRATA_INGEST_BENCH"] != nil))
func ingestBenchmark() throws {
    let path = ProcessInfo.processInfo.environment["STRATA_INGEST_BENCH"]!
    let dir = tempDir("bench")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir)
    let cols: [(String, ColumnType)] = [
        ("ts", .timestamp), ("event", .varchar), ("profile_id", .integer), ("link_id", .integer),
        ("link_title", .varchar), ("link_url", .varchar), ("content_type", .varchar), ("visitor_id", .varchar),
        ("session_id", .varchar), ("referrer", .varchar), ("source", .varchar), ("utm_source", .varchar),
        ("utm_medium", .varchar), ("utm_campaign", .varchar), ("device", .varchar), ("os", .varchar),
        ("browser", .varchar), ("country", .varchar), ("user_agent", .varchar), ("revenue", .double),
    ]
    _ = try store.createTable(TableDefinition(name: "clicks", columns: cols.map { ColumnSchema(name: $0.0, type: $0.1) },
                                              timeColumn: "ts", granularity: .month, sortKey: ["profile_id", "ts"]))
    var o = IngestOptions()
    if let t = ProcessInfo.processInfo.environment["STRATA_INGEST_THREADS"], let n = Int(t) { o.threads = n }
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: o)
    print("ingest: \(s.rowsLoaded) rows in \(String(format: "%.2f", s.seconds)) s = \(Int(s.rowsPerSecond)) rows/s, \(s.segmentsWritten) segments, \(s.partitionsTouched) partitions")
    #expect(s.rowsLoaded > 0)
}
