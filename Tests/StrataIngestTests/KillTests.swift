import Foundation
import Testing
import StrataFormat
import StrataStore
@testable import StrataIngest

/// Child side of `killDuringIngestLeavesPreviousOrFullBatch`: ingests `STRATA_KILL_CHILD_FILE`
/// into table `clicks` of store `STRATA_KILL_CHILD_STORE`. Skipped unless run as that child.
@Test(.enabled(if: ProcessInfo.processInfo.environment["STRATA_KILL_CHILD_STORE"] != nil))
func killChildIngest() throws {
    let env = ProcessInfo.processInfo.environment
    let store = try Store(root: env["STRATA_KILL_CHILD_STORE"]!)
    var o = IngestOptions()
    o.threads = 2
    o.blockSize = 64 << 10
    o.flushRows = 2_000
    o.force = true
    _ = try Ingestor.ingest(store: store, table: "clicks", files: [env["STRATA_KILL_CHILD_FILE"]!], options: o)
}

/// Kills (SIGKILL) a child process ingesting a batch at random moments: afterwards the table
/// holds either the previous rows or all of the batch, never part of it, and after garbage
/// collection `verify` finds no problem.
@Test func killDuringIngestLeavesPreviousOrFullBatch() throws {
    let binary = ProcessInfo.processInfo.arguments[0]
    guard FileManager.default.isExecutableFile(atPath: binary) else { return }
    let dir = tempDir("kill")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(root: dir + "/store")
    let table = try makeTable(store)
    var body = "ts,event,profile_id,n,revenue,ok\n"
    let batch = 40_000
    for i in 0..<batch {
        body += "2024-05-\(String(format: "%02d", 1 + i % 20)) \(String(format: "%02d", i % 24)):00:00,e\(i % 13),\(i % 977),\(i),\(Double(i) / 2),\(i % 3 == 0)\n"
    }
    let path = dir + "/big.csv"
    writeFile(path, body)
    var rng = SplitMix(seed: 7)
    var expectedRows = 0
    for round in 0..<5 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--testing-library", "swift-testing", "--filter", "killChildIngest"]
        var env = ProcessInfo.processInfo.environment
        env["STRATA_KILL_CHILD_STORE"] = dir + "/store"
        env["STRATA_KILL_CHILD_FILE"] = path
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(UInt32(100_000 + Int(rng.next() % 2_500_000)))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let rows = try readRows(table).count
        let completed = rows == expectedRows + batch
        #expect(rows == expectedRows || completed, "round \(round): \(rows) rows")
        if completed { expectedRows += batch }
        table.collectGarbage(graceSeconds: 0, now: true)
        let report = table.verify()
        #expect(report.isSound, "round \(round): \(report.problems)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: table.dir + "/_tmp").isEmpty)
    }
    // the store stays usable: a final uninterrupted load works
    var o = opts()
    o.force = true
    let s = try Ingestor.ingest(store: store, table: "clicks", files: [path], options: o)
    #expect(s.rowsLoaded == batch)
    #expect(try readRows(table).count == expectedRows + batch)
}
