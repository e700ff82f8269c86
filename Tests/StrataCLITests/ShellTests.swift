import Foundation
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The interactive shell on a real pseudo-terminal: `strata query` runs in a detached tmux
/// session of a fixed size (its own server socket), keys go in with `send-keys`, and the
/// screen comes back with `capture-pane`. Skipped (returns early) when tmux is missing.
final class TmuxShell {
    static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

    let socket: String
    let session = "strata"
    let cli: CLI
    let history: String

    /// Starts `strata query` on `cli`'s store, history in `history`.
    init?(cli: CLI, history: String, width: Int = 100, height: Int = 40, extraArgs: [String] = []) throws {
        guard TmuxShell.tmux != nil else { return nil }
        self.cli = cli
        self.history = history
        socket = TestScratch.root + "tmux-\(UInt32.random(in: 0...UInt32.max)).sock"
        func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = "env STRATA_STORE=\(q(cli.store)) STRATA_HISTORY=\(q(history)) \(q(CLI.binary)) query " + extraArgs.map(q).joined(separator: " ")
        try tmux(["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", command])
        try tmux(["set-option", "-t", session, "remain-on-exit", "on"])
        _ = waitFor { $0.contains("strata>") }
    }

    deinit {
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(atPath: socket)
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (not in the Swift overlay).
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    static let closeFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }

    /// Runs tmux with `args` and returns what it printed. Spawned with every descriptor above
    /// 2 closed: the server that new-session starts lives on, and must not hold the test
    /// process's pipes (Foundation's Process would wait for them, as would other tests).
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let output = socket + ".out-\(UInt64.random(in: 0...UInt64.max))"
        defer { unlink(output) }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
        _ = TmuxShell.closeFrom?(&fa, 3)
        let argv = ([TmuxShell.tmux!, "-S", socket] + args).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        // no signal blocked or ignored in tmux and the shell (test threads block some)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, TmuxShell.tmux!, &fa, &attr, argv + [nil], environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// Types `text` literally (a final `;` escaped from tmux's command parser).
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", session, "-l", text.hasSuffix(";") ? String(text.dropLast()) + "\\;" : text])
    }

    /// Presses keys by name: Enter, Up, Tab, C-c, C-d, C-r.
    func press(_ keys: String...) throws {
        try tmux(["send-keys", "-t", session] + keys)
    }

    /// Types a line and presses Enter.
    func enter(_ line: String) throws {
        try type(line)
        try press("Enter")
    }

    var screen: String { (try? tmux(["capture-pane", "-p", "-t", session])) ?? "" }

    /// The screen once `done` holds for it (polled every 50 ms, up to `seconds`), or the last
    /// screen when it never did.
    func waitFor(seconds: Double = 20, _ done: (String) -> Bool) -> String {
        let end = Date().addingTimeInterval(seconds)
        var s = screen
        while !done(s) && Date() < end {
            usleep(50_000)
            s = screen
        }
        return s
    }

    /// The number of prompts on the screen that wait for input (the last line).
    func waitForPrompt(after marker: String, seconds: Double = 20) -> String {
        waitFor(seconds: seconds) { s in
            guard let r = s.range(of: marker, options: .backwards) else { return false }
            // capture-pane drops trailing blanks: an empty prompt is "strata>"
            return s[r.upperBound...].contains("\nstrata>")
        }
    }

    var exited: Bool { ((try? tmux(["list-panes", "-t", session, "-F", "#{pane_dead}"])) ?? "").hasPrefix("1") }

    /// The last non-empty line of the screen.
    var lastLine: String {
        screen.split(separator: "\n").last.map(String.init) ?? ""
    }
}

struct ShellTests {
    static func cliWithTable() throws -> CLI {
        let cli = CLI()
        let r = try cli.run(["query", "CREATE TABLE pageviews_daily (day TIMESTAMP, page VARCHAR, views BIGINT) PARTITION BY month(day)"])
        #expect(r.code == 0, "\(r.err)")
        try cli.run(["query", "INSERT INTO pageviews_daily VALUES ('2024-05-01', '/home', 10), ('2024-05-02', '/about', 3)"])
        return cli
    }

    static func historyFile() -> String { TestScratch.root + "history-\(UInt64.random(in: 0...UInt64.max))" }

    @Test func upRecallsTheLastQueryAndHistoryPersists() throws {
        let cli = try Self.cliWithTable()
        let history = Self.historyFile()
        do {
            guard let sh = try TmuxShell(cli: cli, history: history) else { return }
            try sh.enter("SELECT 41 + 1 AS answer;")
            var s = sh.waitForPrompt(after: "answer")
            #expect(s.contains("│     42 │"), "\(s)")
            try sh.enter("SELECT sum(views) AS total FROM pageviews_daily;")
            s = sh.waitForPrompt(after: "total")
            #expect(s.contains("│     13 │"), "\(s)")
            // Up recalls the last statement, Up again the one before
            try sh.press("Up")
            s = sh.waitFor { $0.split(separator: "\n").last?.hasSuffix("FROM pageviews_daily;") == true }
            #expect(sh.lastLine == "strata> SELECT sum(views) AS total FROM pageviews_daily;", "\(s)")
            try sh.press("Up")
            s = sh.waitFor { $0.split(separator: "\n").last?.hasSuffix("AS answer;") == true }
            #expect(sh.lastLine == "strata> SELECT 41 + 1 AS answer;", "\(s)")
            try sh.press("C-c")
            _ = sh.waitFor { $0.split(separator: "\n").last == "strata>" }
            try sh.press("C-d")
            _ = sh.waitFor(seconds: 10) { _ in sh.exited }
            #expect(sh.exited)
        }
        let saved = (try? String(contentsOfFile: history, encoding: .utf8)) ?? ""
        #expect(saved.contains("answer") && saved.contains("pageviews_daily"), "\(saved)")
        // a second session starts with that history
        guard let sh = try TmuxShell(cli: cli, history: history) else { return }
        try sh.press("Up")
        let s = sh.waitFor { $0.split(separator: "\n").last?.hasSuffix("FROM pageviews_daily;") == true }
        #expect(sh.lastLine == "strata> SELECT sum(views) AS total FROM pageviews_daily;", "\(s)")
        try sh.press("Enter")
        #expect(sh.waitForPrompt(after: "total").contains("│     13 │"))
    }

    @Test func ctrlRSearchesTheHistory() throws {
        let cli = try Self.cliWithTable()
        guard let sh = try TmuxShell(cli: cli, history: Self.historyFile()) else { return }
        try sh.enter("SELECT 'needle' AS found;")
        _ = sh.waitForPrompt(after: "found")
        try sh.enter("SELECT 2 AS other;")
        _ = sh.waitForPrompt(after: "other")
        try sh.press("C-r")
        try sh.type("needl")
        let s = sh.waitFor { $0.contains("strata> SELECT 'needle' AS found;\n") && $0.components(separatedBy: "SELECT 'needle'").count > 2 }
        #expect(s.components(separatedBy: "SELECT 'needle'").count > 2, "\(s)")
        try sh.press("Enter")
        let after = sh.waitFor { $0.components(separatedBy: "│ needle  │").count > 2 }
        #expect(after.components(separatedBy: "│ needle  │").count > 2, "\(after)")
    }

    @Test func ctrlCAtThePromptKeepsTheShell() throws {
        let cli = try Self.cliWithTable()
        guard let sh = try TmuxShell(cli: cli, history: Self.historyFile()) else { return }
        try sh.type("SELECT 'half a line")
        _ = sh.waitFor { $0.contains("half a line") }
        try sh.press("C-c")
        _ = sh.waitFor { $0.split(separator: "\n").last == "strata>" }
        #expect(!sh.exited)
        // a statement over two lines, cancelled at the continuation prompt, is dropped too
        try sh.enter("SELECT 1,")
        _ = sh.waitFor { $0.contains("   ...> ") }
        try sh.press("C-c")
        _ = sh.waitFor { $0.split(separator: "\n").last == "strata>" }
        try sh.enter("SELECT 7 AS seven;")
        let s = sh.waitForPrompt(after: "seven")
        #expect(s.contains("│      7 │"), "\(s)")
        #expect(!s.contains("half a line'"), "the dropped line never ran: \(s)")
        #expect(!sh.exited)
    }

    @Test func ctrlCCancelsARunningQuery() throws {
        let cli = try Self.cliWithTable()
        guard let sh = try TmuxShell(cli: cli, history: Self.historyFile()) else { return }
        // runs for minutes unless cancelled
        try sh.enter("SELECT count(*) AS n FROM range(1000000) a CROSS JOIN range(1000000) b WHERE a.range + b.range = -1;")
        usleep(1_500_000)
        #expect(!sh.screen.contains("strata> SELECT count(*) AS n FROM range(1000000) a CROSS JOIN range(1000000) b WHERE a.range + b.range = -1;\nstrata> "))
        try sh.press("C-c")
        let s = sh.waitFor(seconds: 10) { $0.contains("cancel") && $0.split(separator: "\n").last == "strata>" }
        #expect(s.contains("cancel"), "\(s)")
        #expect(s.split(separator: "\n").last == "strata>", "\(s)")
        // the shell goes on
        try sh.enter("SELECT 5 AS five;")
        #expect(sh.waitForPrompt(after: "five").contains("│      5 │"))
    }

    @Test func outputWritesResultsToAFile() throws {
        let cli = try Self.cliWithTable()
        guard let sh = try TmuxShell(cli: cli, history: Self.historyFile()) else { return }
        let file = TestScratch.root + "out-\(UInt64.random(in: 0...UInt64.max)).txt"
        try sh.enter(".output \(file)")
        try sh.enter("SELECT page, views FROM pageviews_daily ORDER BY views DESC;")
        try sh.enter(".output")
        try sh.enter(".mode csv")
        try sh.enter(".once \(file).csv")
        try sh.enter("SELECT page FROM pageviews_daily ORDER BY page;")
        try sh.enter("SELECT 'back on screen' AS msg;")
        let s = sh.waitForPrompt(after: "back on screen")
        #expect(s.contains("msg\nback on screen"), "\(s)")
        #expect(!s.contains("/home"), "results went to the files: \(s)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == """
            ┌─────────┬────────┐
            │  page   │ views  │
            │ varchar │ bigint │
            ├─────────┼────────┤
            │ /home   │     10 │
            │ /about  │      3 │
            └─────────┴────────┘

            """)
        #expect(try String(contentsOfFile: file + ".csv", encoding: .utf8) == "page\n/about\n/home\n")
    }

    @Test func tabCompletesTableNames() throws {
        let cli = try Self.cliWithTable()
        guard let sh = try TmuxShell(cli: cli, history: Self.historyFile()) else { return }
        try sh.type("SELECT count(*) AS c FROM pagev")
        try sh.press("Tab")
        var s = sh.waitFor { $0.contains("FROM pageviews_daily ") }
        #expect(sh.lastLine == "strata> SELECT count(*) AS c FROM pageviews_daily", "\(s)")
        try sh.type(";")
        try sh.press("Enter")
        s = sh.waitForPrompt(after: "FROM pageviews_daily;")
        #expect(s.contains("│      2 │"), "\(s)")
        try sh.type(".sch")
        try sh.press("Tab")
        s = sh.waitFor { $0.split(separator: "\n").last?.hasPrefix("strata> .schema") == true }
        #expect(sh.lastLine == "strata> .schema", "\(s)")
        try sh.type("pag")
        try sh.press("Tab", "Enter")
        s = sh.waitForPrompt(after: ".schema pageviews_daily")
        #expect(s.contains("CREATE TABLE pageviews_daily (day TIMESTAMP, page VARCHAR, views BIGINT) PARTITION BY month(day) W"), "\(s)")
    }

    @Test func multiLineStatements() throws {
        let cli = try Self.cliWithTable()
        guard let sh = try TmuxShell(cli: cli, history: Self.historyFile()) else { return }
        try sh.enter("SELECT page,")
        try sh.enter("       views * 2 AS doubled")
        try sh.enter("FROM pageviews_daily")
        try sh.enter("ORDER BY page;")
        let s = sh.waitForPrompt(after: "doubled")
        #expect(s.contains("strata> SELECT page,\n   ...>        views * 2 AS doubled\n   ...> FROM pageviews_daily\n   ...> ORDER BY page;"), "\(s)")
        #expect(s.contains("│ /about  │       6 │") && s.contains("│ /home   │      20 │"), "\(s)")
        // a long result is cut to its first and last rows on the terminal
        try sh.enter("SELECT range AS i FROM range(1000);")
        let cut = sh.waitForPrompt(after: "1000 rows")
        #expect(cut.contains("… 960 rows …") && cut.contains("1000 rows, 40 shown") && cut.contains(" 999 │"), "\(cut)")
    }
}

/// Dot commands in statements from a pipe or a file: the same loop, no line editing.
struct PipedShellTests {
    @Test func pipedDotCommands() throws {
        let cli = try ShellTests.cliWithTable()
        var r = try cli.run(["query"], stdin: ".mode csv\nSELECT 1 AS a;\n.headers off\nSELECT 2 AS b;\n.mode json\nSELECT 3 AS c\n")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out == "a\n1\n2\n[\n  {\"c\": 3}\n]\n")
        r = try cli.run(["query"], stdin: ".mode line\n.nullvalue -\nSELECT NULL AS n, 'x' AS s;\n.mode markdown\nSELECT 1 AS one;\n")
        #expect(r.out == "n = -\ns = x\n| one |\n|----:|\n|   1 |\n", "\(r.out)")
        r = try cli.run(["query"], stdin: ".tables\n.schema\n")
        #expect(r.out.hasPrefix("pageviews_daily\nCREATE TABLE pageviews_daily (day TIMESTAMP, page VARCHAR, views BIGINT) PARTITION BY month(day) WITH (codec = "), "\(r.out)")
        #expect(r.out.hasSuffix(");\n") && r.out.split(separator: "\n").count == 2)
        // a statement over lines, a dot-looking line inside a string is SQL
        r = try cli.run(["query", "--format", "csv"], stdin: "SELECT '\n.mode json\n' AS s\n;\n")
        #expect(r.out == "s\n\"\n.mode json\n\"\n", "\(r.out)")
        // .output, .once and .read
        let dir = TestScratch.root + "piped-\(UInt64.random(in: 0...UInt64.max))/"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ".mode csv\nSELECT views FROM pageviews_daily ORDER BY views;\n".write(toFile: dir + "q.sql", atomically: true, encoding: .utf8)
        r = try cli.run(["query"], stdin: ".output \(dir)all.txt\n.read \(dir)q.sql\n.output\n.once \(dir)once.txt\nSELECT 'o' AS once;\nSELECT 'shown' AS s;\n")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out == "s\nshown\n")
        #expect(try String(contentsOfFile: dir + "all.txt", encoding: .utf8) == "views\n3\n10\n")
        #expect(try String(contentsOfFile: dir + "once.txt", encoding: .utf8) == "once\no\n")
        // --file goes through the same loop
        r = try cli.run(["query", "--file", dir + "q.sql"])
        #expect(r.out == "views\n3\n10\n")
        // piped output is never cut, whatever --maxrows says
        r = try cli.run(["query", "--maxrows", "4", "SELECT range AS i FROM range(100)"])
        #expect(r.out.split(separator: "\n").count == 105 && !r.out.contains("…"))
        // --format box, markdown and line
        r = try cli.run(["query", "--format", "box", "SELECT 1 AS x"])
        #expect(r.out == "┌────────┐\n│   x    │\n│ bigint │\n├────────┤\n│      1 │\n└────────┘\n")
    }

    @Test func pipedErrorsStopTheScript() throws {
        let cli = try ShellTests.cliWithTable()
        var r = try cli.run(["query", "--format", "csv"], stdin: "SELECT 1 AS a;\n.frobnicate\nSELECT 2 AS b;\n")
        #expect(r.code == 1)
        #expect(r.out == "a\n1\n")
        #expect(r.err == "error: unknown command .frobnicate (.help lists them)\n")
        r = try cli.run(["query", "--format", "csv"], stdin: ".mode csv\nSELECT 1 AS a;\nSELECT nope;\nSELECT 2 AS b;\n")
        #expect(r.code == 1)
        #expect(r.out == "a\n1\n")
        #expect(r.err.contains("nope"))
        r = try cli.run(["query"], stdin: ".mode nonsense\n")
        #expect(r.code == 1 && r.err.hasPrefix("error: unknown mode 'nonsense' (use table, box, markdown, line, csv, tsv, json or ndjson)"))
        r = try cli.run(["query"], stdin: ".read /nonexistent/file.sql\n")
        #expect(r.code == 1 && r.err.hasPrefix("error: cannot read '/nonexistent/file.sql'"))
        r = try cli.run(["query"], stdin: ".quit\nSELECT 1;\n")
        #expect(r.code == 0 && r.out == "")
    }
}
