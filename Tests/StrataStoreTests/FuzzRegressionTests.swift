import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
@testable import StrataStore

/// Inputs found by the fuzzers (Fuzz/, docs/reliability-tooling.md), kept as regression tests.
@Suite struct FuzzRegressionTests {
    /// Publishes manifest version n+1 of `t` with its table schema changed by `change`.
    static func rewriteSchema(_ t: Table, _ change: (inout [ColumnSchema]) -> Void) throws {
        var m = try t.currentManifest()
        change(&m.table.columns)
        m.version += 1
        try StoreFS.writeNewFile(t.manifestPath(m.version), try m.encode(), sync: false)
    }

    /// Fuzz/Corpus/manifest/regression-type-mismatch.json: a manifest declaring a BIGINT
    /// column VARCHAR made the query engine take the segment's integers for dictionary codes
    /// (index out of range: a crash). Readers now refuse a segment whose columns differ from
    /// the schema in name or type, and `verify` names it.
    @Test(arguments: ["type", "count", "name"])
    func segmentColumnsMustMatchTheSchema(_ what: String) throws {
        let store = try tempStore()
        let t = try store.createTable(clicksDef)
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(300)))
        try Self.rewriteSchema(t) { cols in
            switch what {
            case "type": cols[1].type = .varchar
            case "count": cols.removeLast()
            default: cols[2].name = "medium"
            }
        }
        let snap = try t.snapshot()
        defer { snap.close() }
        #expect(!snap.segments.isEmpty)
        for s in snap.segments {
            do throws(StoreError) {
                _ = try snap.reader(s)
                Issue.record("segment \(s.id) was opened under a mismatched schema")
            } catch {
                let e = error
                #expect(e.kind == .corrupt)
                #expect(e.message.hasPrefix(t.segmentPath(s)))
                #expect(e.message.contains("table schema"), "\(e.message)")
            }
        }
        let report = t.verify()
        #expect(!report.isSound)
        #expect(report.problems.contains { $0.contains("columns differ from the table schema") }, "\(report.problems)")
    }

    @Test func matchingSchemaStillReads() throws {
        let store = try tempStore()
        let t = try store.createTable(clicksDef)
        try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(300)))
        let snap = try t.snapshot()
        defer { snap.close() }
        for s in snap.segments { #expect(try snap.reader(s).rowCount == s.rows) }
        #expect(t.verify().isSound)
    }
}
