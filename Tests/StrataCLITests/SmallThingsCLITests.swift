import Foundation
import StrataTestSupport
import Testing

// Small things a new user runs into (issue 18): a missing store, --version, completion
// scripts, --show-sql with --out, impossible dates, help text wrapping, plurals.

@Suite struct SmallThingsCLITests {
    @Test func queryAgainstAMissingStoreSaysSoAndCreatesNothing() throws {
        let cli = CLI()
        var r = try cli.run(["query", "SELECT 1"])
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("error: store '\(cli.store)' does not exist (create it with --create"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: cli.store))
        // --create creates it; so does a statement that creates something (the benchmark's contract)
        r = try cli.run(["query", "--create", "--format", "csv", "SELECT 1 AS x"])
        #expect(r.code == 0 && r.out == "x\n1\n", "\(r.err)")
        let other = CLI()
        r = try other.run(["query", "CREATE TABLE clicks (ts TIMESTAMP, n INTEGER) PARTITION BY month(ts) ORDER BY (ts)"])
        #expect(r.code == 0, "\(r.err)")
        #expect(try other.run(["tables"]).out == "clicks\n")
    }

    @Test func versionAndCompletionScripts() throws {
        let cli = CLI()
        let v = try cli.run(["--version"])
        #expect(v.code == 0)
        #expect(v.out.hasPrefix("strata 0.9.0 (segment format "), "\(v.out)")
        for (shell, marker) in [("bash", "-F _strata strata"), ("zsh", "#compdef strata"), ("fish", "complete -c 'strata'")] {
            let r = try cli.run(["--generate-completion-script", shell])
            #expect(r.code == 0, "\(shell): \(r.err)")
            #expect(r.out.contains(marker), "\(shell) script lacks '\(marker)'")
            #expect(r.out.contains("ingest") && r.out.contains("compact"), "\(shell) script lacks subcommands")
        }
    }

    @Test func showSqlNeverGoesIntoTheOutputFile() throws {
        let cli = CLI()
        let csv = cli.store + "-clicks.csv"
        #expect(try cli.run(["gen", "clicks", "--rows", "200", "--out", csv]).code == 0)
        #expect(try cli.run(["ingest", "clicks", csv]).code == 0)
        for format in ["table", "csv"] {
            let out = cli.store + "-report.\(format)"
            let r = try cli.run(["report", "clicks", "traffic-sources", "--show-sql", "--format", format, "--out", out])
            #expect(r.code == 0, "\(r.err)")
            let file = try String(contentsOfFile: out, encoding: .utf8)
            #expect(!file.contains("SELECT"), "SQL in the \(format) file: \(file)")
            #expect(r.err.contains("SELECT"), "the SQL goes to stderr")
            #expect(r.out.isEmpty)
        }
    }

    @Test func impossibleDatesAreNamed() throws {
        let cli = CLI()
        try cli.run(["query", "CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, source VARCHAR, visitor_id VARCHAR, revenue DOUBLE)"])
        var r = try cli.run(["report", "clicks", "daily-clicks", "--from", "2024-02-30"])
        #expect(r.code == 1)
        #expect(r.err == "error: --from: 2024-02-30 does not exist (February 2024 has 29 days)\n", "\(r.err)")
        r = try cli.run(["report", "clicks", "daily-clicks", "--to", "2023-02-29 10:00"])
        #expect(r.err == "error: --to: 2023-02-29 does not exist (February 2023 has 28 days)\n", "\(r.err)")
        r = try cli.run(["report", "clicks", "daily-clicks", "--from", "2024-13-01"])
        #expect(r.err == "error: --from: 2024-13-01 does not exist (there is no month 13)\n", "\(r.err)")
        r = try cli.run(["report", "clicks", "daily-clicks", "--from", "yesterday"])
        #expect(r.err.hasPrefix("error: --from must be YYYY-MM-DD"), "\(r.err)")
    }

    /// Every command's help at 80 columns: the prose lines (all but USAGE, which the argument
    /// parser does not wrap) fit, and no line breaks inside a bracketed form or mid-sentence
    /// before a lowercase continuation of a hard-wrapped source line.
    @Test func helpTextsWrapAtWordBoundaries() throws {
        let cli = CLI()
        let commands = ["", "query", "ingest", "gen", "tables", "describe", "stats", "inspect", "verify", "bench", "gc",
                        "compact", "retention", "delete", "report", "repair"]
        for c in commands {
            let p = cli.process((c.isEmpty ? [] : [c]) + ["--help"])
            p.environment!["COLUMNS"] = "80"
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            for line in text.split(separator: "\n") where !line.hasPrefix("USAGE:") {
                #expect(line.count <= 80, "strata \(c) --help: line of \(line.count) columns: \(line)")
                #expect(!line.hasSuffix("["), "strata \(c) --help: broken inside brackets: \(line)")
            }
            #expect(!text.contains("(default UTC). (default: UTC)"))
        }
    }

    @Test func ingestSummaryPluralises() throws {
        let cli = CLI()
        let csv = cli.store + "-one.csv"
        try "ts,n\n2024-01-01 10:00:00,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let r = try cli.run(["ingest", "t", csv])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("loaded 1 row (0 rejected) into t: 1 partition, 1 segment, "), "\(r.err)")
    }

    /// The DDL `describe` prints (and ingest's "created table:" line) parses and recreates the
    /// table: with no timestamp column (no PARTITION BY), and with partitioning and options.
    @Test func printedDDLRoundTrips() throws {
        let cli = CLI()
        let csv = cli.store + "-plain.csv"
        try "id,name,score\n1,a,0.5\n2,b,1.5\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let ing = try cli.run(["ingest", "plain", csv])
        #expect(ing.code == 0, "\(ing.err)")
        #expect(ing.err.hasPrefix("created table: CREATE TABLE plain (id BIGINT, name VARCHAR, score DOUBLE) WITH ("), "\(ing.err)")
        #expect(try cli.run(["query", "CREATE TABLE timed (ts TIMESTAMP NOT NULL, label VARCHAR, n INTEGER) PARTITION BY month(ts) ORDER BY (n, ts) WITH (codec = 'zstd', level = 5, retention = '90d')"]).code == 0)
        for table in ["plain", "timed"] {
            let d = try cli.run(["describe", table])
            let ddl = try #require(d.out.split(separator: "\n").first { $0.hasPrefix("ddl: ") }, "\(d.out)\(d.err)").dropFirst(5)
            #expect(!ddl.contains("none") && !ddl.contains("(-)"), "\(ddl)")
            let other = CLI()
            let r = try other.run(["query", String(ddl)])
            #expect(r.code == 0, "\(table): \(ddl) -> \(r.err)")
            let again = try other.run(["describe", table])
            #expect(again.out == d.out, "\(table) differs after the round trip")
        }
    }

    /// EXPLAIN shows pruning bounds on a TIMESTAMP column as timestamps, not microseconds.
    @Test func explainPruningBoundsAreTimestamps() throws {
        let cli = CLI()
        #expect(try cli.run(["query", "CREATE TABLE ev (ts TIMESTAMP, n BIGINT) PARTITION BY day(ts)"]).code == 0)
        let r = try cli.run(["query", "EXPLAIN SELECT count(*) FROM ev WHERE ts >= '2024-01-01' AND ts < TIMESTAMP '2024-02-01'"])
        #expect(r.out.contains("prune: ts >= 2024-01-01 00:00:00 AND ts <= 2024-01-31 23:59:59.999999"), "\(r.out)")
        #expect(!r.out.contains("1704067200000000"))
    }
}
