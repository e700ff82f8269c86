import Foundation
import Testing
import StrataFormat
@testable import StrataStore

// A store error keeps where it happened (`path`) and what it came from (`cause`), not only
// the message text.

/// Rewrites the file at `path` through `change` (same size, so a snapshot's size check passes).
private func damage(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
    var b = try StoreFS.readFile(path)
    change(&b)
    unlink(path)
    try StoreFS.writeNewFile(path, b, sync: false)
}

@Test func aCorruptSegmentReadThroughATableKeepsItsPathAndFormatError() throws {
    let store = try tempStore()
    let t = try store.createTable(clicksDef)
    try t.commit(adding: try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(300)))
    let snap = try t.snapshot()
    defer { snap.close() }
    let seg = snap.segments[0]
    let path = t.segmentPath(seg)
    try damage(path) { $0[0] ^= 0xFF }
    do throws(StoreError) {
        _ = try snap.reader(seg)
        Issue.record("a segment with a bad magic was read")
    } catch {
        #expect(error.kind == .corrupt)
        #expect(error.path == path)
        #expect(error.message == "\(path): not a Strata segment (bad magic at start)")
        let cause = try #require(error.cause as? FormatError)
        #expect(cause.kind == .badMagic)
        #expect(cause.path == path)
        #expect(cause.message == "not a Strata segment (bad magic at start)")
    }
}

@Test func anUnreadableNewestManifestKeepsTheErrorThatNamesTheFile() throws {
    let store = try tempStore()
    let t = try store.createTable(clicksDef)
    let path = t.manifestPath(1)
    try damage(path) { $0[$0.count - 9] ^= 0x01 }  // the checksum
    do throws(StoreError) {
        _ = try t.currentManifest()
        Issue.record("a manifest with a bad checksum was read")
    } catch {
        #expect(error.kind == .corrupt)
        #expect(error.message.hasPrefix("\(path): "))
        #expect(error.message.hasSuffix("`strata repair clicks` shows what it would move aside"))
        let cause = try #require(error.cause as? StoreError)
        #expect(cause.kind == .corrupt)
        #expect(cause.path == path)
        #expect(error.path == path)
        #expect(error.message.hasPrefix(cause.message + "; "))
    }
}

@Test func aFileSystemFailureNamesTheFile() throws {
    let store = try tempStore()
    let t = try store.createTable(clicksDef)
    let missing = t.manifestPath(7)
    do throws(StoreError) {
        _ = try t.readManifest(7)
        Issue.record("a missing manifest was read")
    } catch {
        #expect(error.kind == .io)
        #expect(error.path == missing)
        #expect(error.message.hasPrefix(missing + ": cannot open"))
    }
}
