import Foundation
import StrataTestSupport
import Testing

// Found by scripts/diskfull.sh: under a file-size limit (RLIMIT_FSIZE, `ulimit -f`) the
// kernel sends SIGXFSZ to a process writing past it, which killed `strata export` and
// `COPY … TO` midway with their temporary files left behind. Strata now ignores SIGXFSZ, so
// the write fails with EFBIG ("File too large") and the ordinary write-error path runs:
// a clear error naming the file, exit 3, temporary files removed, nothing half-visible.
// The same paths serve a full disk (ENOSPC); this provokes them without mounting anything.

extension CLI {
    /// Runs the binary with `ulimit -f blocks` (512-byte blocks) in a child shell.
    func runLimited(fileBlocks: Int, _ args: [String]) throws -> (code: Int32, out: String, err: String) {
        let p = process(["-c", "ulimit -f \(fileBlocks) && exec \"$0\" \"$@\"", CLI.binary] + args)
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        // a process killed by a signal has terminationReason .uncaughtSignal
        let code = p.terminationReason == .uncaughtSignal ? -p.terminationStatus : p.terminationStatus
        return (code, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

/// Every file under `dir` whose name starts with "." (the temporary names), recursively.
private func hiddenFiles(_ dir: String) -> [String] {
    let items = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
    return items.filter { ($0 as NSString).lastPathComponent.hasPrefix(".") }
}

@Test func writesPastTheFileSizeLimitFailCleanly() throws {
    let cli = CLI()
    let dir = TestScratch.root + "strata-fsize-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try cli.run(["gen", "clicks", "--rows", "20000", "--days", "3", "--seed", "5", "--out", "\(dir)/in.csv"])
    #expect(try cli.run(["ingest", "clicks", "\(dir)/in.csv"]).code == 0)
    let count = ["query", "--format", "csv", "SELECT count(*) FROM clicks"]
    #expect(try cli.run(count).out == "count(*)\n20000\n")

    // export: fails on the first part file that outgrows 32 KiB, no _SUCCESS, no temporaries
    let lake = dir + "/lake"
    let e = try cli.runLimited(fileBlocks: 64, ["export", "clicks", lake, "--quiet"])
    #expect(e.code == 3, "\(e.code): \(e.err)")
    #expect(e.err.contains("File too large") && e.err.contains(lake), "\(e.err)")
    #expect(!FileManager.default.fileExists(atPath: lake + "/clicks/_SUCCESS"))
    #expect(hiddenFiles(lake) == [])
    let again = try cli.run(["export", "clicks", lake, "--quiet"])
    #expect(again.code == 0, "\(again.err)")
    #expect(FileManager.default.fileExists(atPath: lake + "/clicks/_SUCCESS"))

    // COPY (query) TO: no output file and no temporary one
    let csv = dir + "/all.csv"
    let c = try cli.runLimited(fileBlocks: 64, ["query", "COPY (SELECT * FROM clicks) TO '\(csv)'"])
    #expect(c.code == 3, "\(c.code): \(c.err)")
    #expect(c.err.contains("File too large") && c.err.contains("all.csv"), "\(c.err)")
    #expect(!FileManager.default.fileExists(atPath: csv))
    #expect(hiddenFiles(dir).filter { $0.hasPrefix(".all.csv") } == [])

    // query --out: the same
    let out = dir + "/out.csv"
    let o = try cli.runLimited(fileBlocks: 64, ["query", "--out", out, "SELECT * FROM clicks"])
    #expect(o.code == 3, "\(o.code): \(o.err)")
    #expect(o.err.contains("File too large"), "\(o.err)")
    #expect(!FileManager.default.fileExists(atPath: out))
    #expect(hiddenFiles(dir).filter { $0.hasPrefix(".out.csv") } == [])

    // ingest: the batch is refused whole, and gc leaves nothing staged
    try cli.run(["gen", "clicks", "--rows", "20000", "--days", "3", "--seed", "6", "--out", "\(dir)/more.csv"])
    let i = try cli.runLimited(fileBlocks: 64, ["ingest", "clicks", "\(dir)/more.csv"])
    #expect(i.code == 3, "\(i.code): \(i.err)")
    #expect(i.err.contains("File too large"), "\(i.err)")
    #expect(try cli.run(count).out == "count(*)\n20000\n")
    #expect(try cli.run(["gc", "clicks", "--now"]).code == 0)
    let staged = (try? FileManager.default.contentsOfDirectory(atPath: cli.store + "/clicks/_tmp")) ?? []
    #expect(staged == [])
    #expect(try cli.run(["verify"]).code == 0)
    // and with the limit gone every command succeeds with the right answer
    #expect(try cli.run(["ingest", "clicks", "\(dir)/more.csv"]).code == 0)
    #expect(try cli.run(count).out == "count(*)\n40000\n")
    let c2 = try cli.run(["query", "COPY (SELECT * FROM clicks) TO '\(csv)'"])
    #expect(c2.code == 0, "\(c2.err)")
    let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count
    #expect(lines == 40001)
}
