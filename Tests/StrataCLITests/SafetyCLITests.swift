import Foundation
import StrataTestSupport
import Testing
@testable import StrataCLI
@testable import StrataIngest
@testable import StrataQuery
import StrataStore

// Regression tests for the fault-injection findings, through the binary as users run it.

extension CLI {
    /// Runs with standard output sent to `path` (such as /dev/full); returns the exit code
    /// and standard error.
    func run(_ args: [String], stdoutTo path: String) throws -> (code: Int32, err: String) {
        let p = process(args)
        guard let out = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileNoSuchFile) }
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        out.closeFile()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    /// A store with table `clicks` loaded from two generated files (two commits).
    func loadedTwice() throws -> String {
        let dir = TestScratch.root + "strata-safety-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for seed in [1, 2] {
            try run(["gen", "clicks", "--rows", "2000", "--days", "3", "--seed", "\(seed)", "--out", "\(dir)/\(seed).csv"])
            let r = try run(["ingest", "clicks", "\(dir)/\(seed).csv"])
            #expect(r.code == 0, "\(r.err)")
        }
        return dir
    }
}

@Test func describeAndSchemaNeverRunTheirArgumentAsSQL() throws {
    let cli = CLI()
    _ = try cli.loadedTwice()
    for name in ["clicks; DROP TABLE clicks", "clicks;DROP TABLE clicks;", "clicks --", "(SELECT 1)"] {
        let r = try cli.run(["describe", name])
        #expect(r.code == 1, "\(name): \(r.out)\(r.err)")
        #expect(r.err.contains("invalid table name"), "\(r.err)")
        #expect(!r.out.contains("column_name"), "nothing of the statement ran")
    }
    #expect(try cli.run(["tables"]).out == "clicks\n")
    #expect(try cli.run(["query", "--format", "csv", "SELECT count(*) FROM clicks"]).out == "count(*)\n4000\n")
    let r = try cli.run(["describe", "clicks"])
    #expect(r.code == 0 && r.out.contains("column_name") && r.out.contains("partition: day(ts)"))
}

@Test func outputThatCannotBeWrittenIsAnIOError() throws {
    guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
    let cli = CLI()
    _ = try cli.loadedTwice()
    // small and large answers, buffered (print) and chunked (rendered) output paths
    for args in [["query", "SELECT count(*) FROM clicks"], ["query", "--format", "csv", "SELECT * FROM clicks"],
                 ["report", "clicks", "daily-clicks", "--format", "csv"], ["tables"], ["describe", "clicks"]] {
        let r = try cli.run(args, stdoutTo: "/dev/full")
        #expect(r.code == 3, "\(args): exit \(r.code) \(r.err)")
        #expect(r.err.contains("No space left on device"), "\(args): \(r.err)")
    }
    let r = try cli.run(["report", "clicks", "daily-clicks", "--format", "csv", "--out", "/dev/full"])
    #expect(r.code == 3 && r.err.contains("/dev/full"), "\(r.err)")
}

@Test func aDamagedNewestManifestStopsEveryCommandUntilRepaired() throws {
    let cli = CLI()
    let dir = try cli.loadedTwice()
    let mdir = cli.store + "/clicks/_manifest"
    let newest = try FileManager.default.contentsOfDirectory(atPath: mdir).filter { $0.hasSuffix(".manifest") }.sorted().last!
    var bytes = try Data(contentsOf: URL(fileURLWithPath: mdir + "/" + newest))
    bytes[bytes.count / 2] ^= 0x10
    try bytes.write(to: URL(fileURLWithPath: mdir + "/" + newest))
    func segments() -> Set<String> {
        Set((FileManager.default.enumerator(atPath: cli.store + "/clicks")?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".seg") })
    }
    let before = segments()
    for args in [["query", "SELECT count(*) FROM clicks"], ["ingest", "clicks", "--force", "\(dir)/1.csv"],
                 ["compact", "clicks"], ["delete", "clicks", "--where", "event = 'click'", "--now"],
                 ["retention", "clicks", "--keep", "1d"], ["gc", "clicks", "--now"], ["verify"],
                 ["report", "clicks", "daily-clicks"], ["repair", "clicks"]] {
        let r = try cli.run(args)
        #expect(r.code == 2, "\(args): exit \(r.code) \(r.out) \(r.err)")
        #expect((r.out + r.err).contains(newest), "\(args) names the manifest: \(r.out) \(r.err)")
    }
    #expect(segments() == before, "nothing was deleted")
    #expect(try Data(contentsOf: URL(fileURLWithPath: mdir + "/" + newest)) == bytes, "nor overwritten")
    var r = try cli.run(["repair", "clicks", "--apply"])
    #expect(r.code == 0, "\(r.err)")
    #expect(r.out.contains("goes back to version") && r.out.contains("_damaged"))
    r = try cli.run(["query", "--format", "csv", "SELECT count(*) FROM clicks"])
    #expect(r.out == "count(*)\n2000\n", "\(r.err)")
    #expect(try cli.run(["verify"]).code == 0)
    // the lost batch is still on disk, moved aside
    let damaged = FileManager.default.enumerator(atPath: cli.store + "/clicks/_damaged")?.allObjects as? [String] ?? []
    #expect(damaged.contains { $0.hasSuffix(newest) })
    #expect(damaged.contains { $0.hasSuffix(".seg") })
}

@Test func reservedNamesAndLinksAreRefusedFromTheCommandLine() throws {
    let cli = CLI()
    let dir = try cli.loadedTwice()
    var r = try cli.run(["ingest", "_manifest", "\(dir)/1.csv"])
    #expect(r.code == 1 && r.err.contains("reserved"), "\(r.err)")
    #expect(try cli.run(["tables"]).out == "clicks\n")
    // _lock as a link to a file outside the store: the next ingest refuses, the file is intact
    let sentinel = dir + "/sentinel"
    try "precious".write(toFile: sentinel, atomically: false, encoding: .utf8)
    unlink(cli.store + "/clicks/_lock")
    #expect(symlink(sentinel, cli.store + "/clicks/_lock") == 0)
    r = try cli.run(["ingest", "clicks", "--force", "\(dir)/1.csv"])
    #expect(r.code == 2 && r.err.contains("symbolic link"), "\(r.err)")
    #expect(try String(contentsOfFile: sentinel, encoding: .utf8) == "precious")
}

/// On a full disk (a 2 MiB tmpfs, when the tests run as root and may mount one): a failed
/// ingest exits 3 and leaves no staged file behind, a failed delete exits 3 (an I/O error,
/// not the user's), and the table keeps every committed row.
@Test func aFullDiskLosesNothingAndLeavesNoStagedFiles() throws {
    let mnt = TestScratch.root + "strata-full-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
    func sh(_ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
    guard getuid() == 0, sh(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt]) == 0 else { return }
    defer { _ = sh(["umount", mnt]) }
    let cli = CLI(store: mnt + "/store")
    let src = TestScratch.root + "strata-full-src-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
    try cli.run(["gen", "clicks", "--rows", "300", "--seed", "3", "--out", "\(src)/small.csv"])
    try cli.run(["gen", "clicks", "--rows", "30000", "--seed", "4", "--out", "\(src)/big.csv"])
    var r = try cli.run(["ingest", "clicks", "\(src)/small.csv"])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["ingest", "clicks", "\(src)/big.csv"])
    #expect(r.code == 3, "\(r.err)")
    #expect(r.err.contains("No space left on device"), "\(r.err)")
    let tmp = (try? FileManager.default.contentsOfDirectory(atPath: mnt + "/store/clicks/_tmp")) ?? []
    #expect(tmp.isEmpty, "staged files left behind: \(tmp.count)")
    #expect(try cli.run(["query", "--format", "csv", "SELECT count(*) FROM clicks"]).out == "count(*)\n300\n")
    // fill the disk, then a delete that must rewrite segments
    let filler = open(mnt + "/filler", O_WRONLY | O_CREAT, 0o644)
    let block = [UInt8](repeating: 7, count: 4096)
    while write(filler, block, block.count) > 0 {}
    close(filler)
    r = try cli.run(["delete", "clicks", "--where", "event = 'click'"])
    #expect(r.code == 3, "\(r.err)")
    unlink(mnt + "/filler")
    #expect(try cli.run(["query", "--format", "csv", "SELECT count(*) FROM clicks"]).out == "count(*)\n300\n")
    #expect(try cli.run(["verify"]).code == 0)
}

/// Exit codes of store failures, mapped in one place: a lock not obtained in time and a commit
/// overtaken by a concurrent one are not the user's (exit 3), for ingest as for every command.
@Test func lockTimeoutsAndConflictsExit3() {
    for kind in [StoreError.Kind.locked, .conflict] {
        #expect(CLIError(StoreError(kind, "x")).exitCode == 3)
        #expect(CLIError(IngestError(StoreError(kind, "x"))).exitCode == 3)
        #expect(CLIError(EngineError(StoreError(kind, "x"))).exitCode == 3)
    }
    #expect(CLIError(IngestError(.user, "bad row")).exitCode == 1)
    #expect(CLIError(StoreError(.io, "disk full")).exitCode == 3)
    #expect(CLIError(StoreError(.corrupt, "bad")).exitCode == 2)
}

/// The deepest expressions the parser accepts (a chain of 998 ORs, 998 additions) bind and run
/// in the binary, whatever the build: the command runs on a thread with a large stack (a debug
/// build needed more than the process's 8 MB for these and crashed).
@Test func deepestAcceptedExpressionsRun() throws {
    let cli = CLI()
    let or = (0..<998).map { "x = \($0 * 2)" }.joined(separator: " OR ")
    let r = try cli.run(["query", "--create", "--format", "csv", "SELECT count(*) AS n FROM range(5000) t(x) WHERE \(or)"])
    #expect(r.code == 0 && r.out == "n\n998\n", "\(r.err.prefix(500))")
    let sum = Array(repeating: "x", count: 998).joined(separator: " + ")
    let s = try cli.run(["query", "--format", "csv", "SELECT \(sum) AS s FROM range(3) t(x) ORDER BY s"])
    #expect(s.code == 0 && s.out == "s\n0\n998\n1996\n", "\(s.err.prefix(500))")
    // one level more is refused with the parser's message, not a crash
    let deeper = (0..<1000).map { "x = \($0)" }.joined(separator: " OR ")
    let e = try cli.run(["query", "SELECT count(*) FROM range(5) t(x) WHERE \(deeper)"])
    #expect(e.code == 1 && e.err.contains("expression nested too deeply"), "\(e.err.prefix(500))")
}
