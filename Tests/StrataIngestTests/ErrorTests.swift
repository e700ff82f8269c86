import Foundation
import Testing
import StrataFormat
import StrataStore
import StrataText
@testable import StrataIngest

// An ingest error keeps the input position (file, line, field) and the lower layer's error it
// came from, besides the message.

private let header = "ts,event,profile_id,n,revenue,ok\n"

/// A store in a fresh folder (the caller removes `dir`) holding the test table.
private func storeWithTable() throws -> (dir: String, store: Store) {
    let dir = tempDir()
    let store = try Store(root: dir + "/store")
    _ = try makeTable(store)
    return (dir, store)
}

@Test func malformedCSVKeepsFileLineFieldAndTheScannersError() throws {
    let (dir, store) = try storeWithTable()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/bad.csv"
    writeFile(path, header + "2024-05-01 10:00:00,a,1,10,1.5,true\n2024-05-01 11:00:00,ab\"c,3,1,1,true\n")
    let e = try #require(ingestError(store, "clicks", [path], opts()))
    #expect(e.description == "\(path):3, field 2: unexpected quote in unquoted field")
    #expect(e.kind == .user)
    #expect(e.file == path && e.line == 3 && e.column == 2)
    let cause = try #require(e.cause as? CSVError)
    #expect(cause.kind == .quoteInUnquotedField && cause.line == 3 && cause.column == 2)
}

@Test func inputFailuresKeepTheInputError() throws {
    let (dir, store) = try storeWithTable()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let missing = dir + "/missing.csv"
    let open = try #require(ingestError(store, "clicks", [missing], opts()))
    #expect(open.kind == .user)
    #expect(open.description == "cannot open '\(missing)': No such file or directory")
    #expect(open.file == missing)
    #expect((open.cause as? InputError)?.kind == .open)

    let gz = gzipCompress(Array((header + String(repeating: "2024-05-01 10:00:00,a,1,10,1.5,true\n", count: 2000)).utf8))
    let truncated = dir + "/truncated.csv.gz"
    writeBytes(truncated, Array(gz[..<(gz.count / 2)]))
    let read = try #require(ingestError(store, "clicks", [truncated], opts()))
    #expect(read.kind == .io)
    #expect(read.description == "'\(truncated)': truncated gzip stream (unexpected end of file)")
    let cause = try #require(read.cause as? InputError)
    #expect(cause.kind == .compression && cause.file == truncated)
}

@Test func storeFailuresKeepTheStoreError() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let path = dir + "/x.csv"
    writeFile(path, header + "2024-05-01 10:00:00,a,1,10,1.5,true\n")
    let e = try #require(ingestError(store, "nope", [path], opts { $0.createIfMissing = false }))
    #expect(e.kind == .user)
    #expect(e.description == "table 'nope' does not exist (the store has no tables)")
    let cause = try #require(e.cause as? StoreError)
    #expect(cause.kind == .user && cause.message == e.message)
}
