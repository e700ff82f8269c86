import Foundation
import StrataTestSupport
import StrataCore
import StrataFormat
import StrataStore
import StrataText
@testable import StrataIngest

/// A fresh temporary directory (removed by the caller via `cleanup`).
func tempDir(_ tag: String = "ingest") -> String {
    let d = TestScratch.root + "strata-\(tag)-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

func writeFile(_ path: String, _ text: String) {
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
}

func writeBytes(_ path: String, _ bytes: [UInt8]) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// The clicks-like test table: ts TIMESTAMP, event VARCHAR, profile_id INTEGER, n BIGINT,
/// revenue DOUBLE, ok BOOLEAN; partitioned by day, sorted by (profile_id, ts).
func makeTable(_ store: Store, name: String = "clicks", granularity: Granularity = .day,
               sortKey: [String] = ["profile_id", "ts"], options: [String: String] = [:]) throws -> Table {
    let def = TableDefinition(name: name, columns: [
        ColumnSchema(name: "ts", type: .timestamp),
        ColumnSchema(name: "event", type: .varchar),
        ColumnSchema(name: "profile_id", type: .integer),
        ColumnSchema(name: "n", type: .bigint),
        ColumnSchema(name: "revenue", type: .double),
        ColumnSchema(name: "ok", type: .boolean),
    ], timeColumn: "ts", granularity: granularity, sortKey: sortKey, options: options)
    return try store.createTable(def)
}

/// Renders value `i` of a column as text (`NULL` for nulls).
func render(_ c: Column, _ i: Int, _ type: ColumnType) -> String {
    if c.isNull(i) { return "NULL" }
    switch c.data {
    case .int64(let v):
        switch type {
        case .timestamp: return Civil.formatTimestamp(v[i])
        case .date: return Civil.formatDate(v[i])
        default: return String(v[i])
        }
    case .double(let v): return String(v[i])
    case .bool(let v): return v[i] != 0 ? "true" : "false"
    case .string(let codes, let dict): return dict[Int(codes[i])]
    }
}

/// All rows of a table (segment order, then row order), each as rendered values.
func readRows(_ table: Table) throws -> [[String]] {
    let snap = try table.snapshot()
    defer { snap.close() }
    let def = snap.definition
    var out: [[String]] = []
    for seg in snap.segments {
        let r = try snap.reader(seg)
        let cols = try (0..<def.columns.count).map { try r.readColumn($0) }
        for i in 0..<seg.rows {
            out.append((0..<def.columns.count).map { render(cols[$0], i, def.columns[$0].type) })
        }
    }
    return out
}

/// Rows by partition label.
func rowsByPartition(_ table: Table) throws -> [String: Int] {
    let snap = try table.snapshot()
    defer { snap.close() }
    var out: [String: Int] = [:]
    for s in snap.segments { out[s.partition, default: 0] += s.rows }
    return out
}

func opts(_ body: (inout IngestOptions) -> Void = { _ in }) -> IngestOptions {
    var o = IngestOptions()
    o.threads = 2
    body(&o)
    return o
}

/// Runs an ingest expected to fail and returns its error.
func ingestError(_ store: Store, _ table: String, _ files: [String], _ o: IngestOptions) -> IngestError? {
    do {
        _ = try Ingestor.ingest(store: store, table: table, files: files, options: o)
        return nil
    } catch {
        return error
    }
}
