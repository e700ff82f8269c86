import Foundation
import StrataTestSupport
import Testing

// --memory-limit and --timeout of `strata query` (and $STRATA_MEMORY_LIMIT, $STRATA_TIMEOUT):
// the errors, exit 1, and the interactive shell going on after an out-of-memory error.

@Suite struct LimitsCLITests {
    @Test func memoryLimitFlagStopsACrossJoin() throws {
        let cli = CLI()
        let r = try cli.run(["query", "--create", "--memory-limit", "100MB", "SELECT count(*) FROM range(1000000) a CROSS JOIN range(1000000) b"])
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("error: out of memory: the query needed more than 100.0 MB (join of 1,000,000 × 1,000,000 rows: 1,000,000,000,000 row pairs); it would take at least 8.0 TB, more than this machine's"), "\(r.err)")
        // the environment variable, and SET in the same run
        let p = cli.process(["query", "--format", "csv", "SELECT current_setting('memory_limit') AS m; SET memory_limit = '3GB'; SELECT current_setting('memory_limit') AS m"])
        p.environment = (p.environment ?? [:]).merging(["STRATA_MEMORY_LIMIT": "1GiB"]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(String(decoding: data, as: UTF8.self) == "m\n1.1 GB\nm\n3.0 GB\n")
        let bad = try cli.run(["query", "--memory-limit", "much", "SELECT 1"])
        #expect(bad.code == 1)
        #expect(bad.err.hasPrefix("error: invalid --memory-limit 'much'"), "\(bad.err)")
    }

    @Test func timeoutFlagStopsALongQuery() throws {
        let cli = CLI()
        let start = Date()
        let r = try cli.run(["query", "--create", "--timeout", "1", "SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b WHERE a.range + b.range < 0"])
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("error: statement timed out after 1 s (statement_timeout; raise it with SET statement_timeout = '…' or --timeout)"), "\(r.err)")
        #expect(Date().timeIntervalSince(start) < 10)
        let bad = try cli.run(["query", "--timeout", "later", "SELECT 1"])
        #expect(bad.code == 1 && bad.err.hasPrefix("error: invalid --timeout 'later'"), "\(bad.err)")
    }

    /// The interactive shell (in tmux): an out-of-memory statement fails, the shell goes on.
    @Test func shellGoesOnAfterOutOfMemory() throws {
        let cli = try ShellTests.cliWithTable()
        guard let sh = try TmuxShell(cli: cli, history: ShellTests.historyFile(), extraArgs: ["--memory-limit", "200MB"]) else { return }
        try sh.enter("SELECT count(*) FROM range(1000000) a CROSS JOIN range(1000000) b;")
        let s = sh.waitFor(seconds: 20) { $0.contains("out of memory") && $0.split(separator: "\n").last == "strata>" }
        #expect(s.contains("out of memory: the query needed more than 200.0 MB"), "\(s)")
        try sh.enter("SET statement_timeout = '1s';")
        try sh.enter("SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b WHERE a.range + b.range < 0;")
        let t = sh.waitFor(seconds: 20) { $0.contains("timed out") && $0.split(separator: "\n").last == "strata>" }
        #expect(t.contains("statement timed out after 1 s"), "\(t)")
        try sh.enter("SELECT 5 AS five;")
        #expect(sh.waitForPrompt(after: "five").contains("│      5 │"))
        #expect(!sh.exited)
    }
}
