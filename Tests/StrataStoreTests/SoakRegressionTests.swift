import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
@testable import StrataStore

// Bugs found by scripts/soak.sh (docs/reliability-tooling.md#soak), one test each.

/// `strata verify` running while a compaction commits and removes the segments it replaced
/// reported them missing ("32 problem(s) found", exit 2): verify read the manifest without
/// the reader lock, so garbage collection deleted its files under it. It now holds the
/// shared reader lock as a snapshot does, and finds the table sound.
@Test func verifyDuringCompactionIsSound() throws {
    let store = try newStore()
    let t = try store.createTable(eventsDef)
    var rng = TestRNG(19)
    let rows = try ingest(t, eventsDef, loads: 6, rows: 50...200, rng: &rng)
    let before = try t.currentManifest()
    var compacted: CompactionSummary?
    var hookError: StoreError?
    Table.verifyHooks.current = { table in
        // a compaction of the whole table commits and garbage-collects here, between verify
        // reading the manifest and checking its segments
        do throws(StoreError) { compacted = try Compactor.compact(table: table) } catch { hookError = error }
    }
    defer { Table.verifyHooks.current = nil }
    let report = t.verify()
    Table.verifyHooks.current = nil
    #expect(hookError == nil, "\(String(describing: hookError))")
    #expect((compacted?.segmentsAfter ?? 99) < before.segments.count)
    #expect(report.problems == [])
    #expect(report.segmentsChecked == before.segments.count)
    #expect(report.rowsChecked == rows.count)
    // the new version verifies too, and holds the same rows
    let after = t.verify()
    #expect(after.problems == [] && after.rowsChecked == rows.count)
    #expect(sortedRows(try tableRows(t)) == sortedRows(rows))
}
