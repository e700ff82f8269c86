import Foundation
import StrataTestSupport
import Testing

/// End-to-end tests of the `strata` binary built next to the test bundle.
struct CLI {
    static var binary: String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let p = candidate.appendingPathComponent("strata").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/strata").path
    }

    let store: String

    init() {
        store = TestScratch.root + "strata-cli-\(UInt64.random(in: 0...UInt64.max))"
    }

    init(store: String) {
        self.store = store
    }

    /// The binary with `args`, on this store.
    func process(_ args: [String]) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["STRATA_STORE"] = store
        p.environment = env
        return p
    }

    @discardableResult
    func run(_ args: [String], stdin: String? = nil) throws -> (code: Int32, out: String, err: String) {
        let p = process(args)
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
        inp.fileHandleForWriting.closeFile()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

@Test func binaryExists() {
    #expect(FileManager.default.isExecutableFile(atPath: CLI.binary), "strata binary not found at \(CLI.binary)")
}

@Test func ddlDescribeAndErrors() throws {
    let cli = CLI()
    var r = try cli.run(["query", "CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, revenue DOUBLE) PARTITION BY month(ts) ORDER BY (profile_id, ts) WITH (codec = 'lz4')"])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["tables"])
    #expect(r.out == "clicks\n")
    r = try cli.run(["query", "--format", "csv", "DESCRIBE clicks"])
    #expect(r.out.hasPrefix("column_name,column_type,null,extra\nts,TIMESTAMP,YES,partition month, sort key\n") || r.out.contains("ts,TIMESTAMP,YES,\"partition month, sort key\""))
    r = try cli.run(["describe", "clicks"])
    #expect(r.out.contains("codec: lz4"))
    // user errors exit 1 with the message first and a caret under the position
    r = try cli.run(["query", "SELECT count(*) FORM clicks"])
    #expect(r.code == 1)
    #expect(r.err.hasPrefix("syntax error at line 1, column 17: expected FROM, found 'FORM'"))
    #expect(r.err.contains("^"))
    r = try cli.run(["query", "SELECT evnt FROM clicks"])
    #expect(r.code == 1)
    #expect(r.err.hasPrefix("error: unknown column 'evnt' (did you mean 'event'?)"))
    r = try cli.run(["query", "SELECT * FROM nope"])
    #expect(r.code == 1)
    r = try cli.run(["query", "CREATE TABLE \"../x\" (ts TIMESTAMP)"])
    #expect(r.code == 1)
    #expect(r.err.contains("invalid table name"))
    r = try cli.run(["query", "--format", "json", "SELECT count(*) AS n, sum(revenue) AS r FROM clicks"])
    #expect(r.out == "[\n  {\"n\": 0, \"r\": null}\n]\n")
    r = try cli.run(["stats", "clicks", "--format", "json"])
    let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
    #expect(json?["rows"] as? Int == 0 && json?["segments"] as? Int == 0 && json?["partitions"] as? Int == 0 && json?["bytes"] as? Int == 0)
    // statements from stdin
    r = try cli.run(["query", "--format", "csv"], stdin: "SELECT 1 AS a; SELECT 'x' AS b;")
    #expect(r.out == "a\n1\nb\nx\n")
}

@Test func generatorIsDeterministic() throws {
    let cli = CLI()
    let a = try cli.run(["gen", "clicks", "--rows", "500", "--seed", "3"])
    let b = try cli.run(["gen", "clicks", "--rows", "500", "--seed", "3"])
    #expect(a.code == 0 && a.out == b.out)
    #expect(a.out.split(separator: "\n").count == 501)
    #expect(a.out.hasPrefix("ts,event,profile_id,link_id,"))
}

@Test func inspectAndVerifyNameCorruptFiles() throws {
    let cli = CLI()
    let csv = TestScratch.root + "strata-cli-\(UInt64.random(in: 0...UInt64.max)).csv"
    try cli.run(["gen", "clicks", "--rows", "3000", "--seed", "5", "--out", csv])
    try cli.run(["query", "CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR, link_url VARCHAR, content_type VARCHAR, visitor_id VARCHAR, session_id VARCHAR, referrer VARCHAR, source VARCHAR, utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, device VARCHAR, os VARCHAR, browser VARCHAR, country VARCHAR, user_agent VARCHAR, revenue DOUBLE) PARTITION BY month(ts) ORDER BY (profile_id, ts)"])
    var r = try cli.run(["ingest", "clicks", csv])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["query", "--format", "csv", "SELECT count(*) FROM clicks"])
    #expect(r.out == "count(*)\n3000\n")
    r = try cli.run(["verify"])
    #expect(r.code == 0, "\(r.out)\(r.err)")
    // corrupt one segment: verify names it and exits 2; inspect too
    let tableDir = cli.store + "/clicks"
    let part = try FileManager.default.contentsOfDirectory(atPath: tableDir).first { $0.hasPrefix("month=") }!
    let seg = try FileManager.default.contentsOfDirectory(atPath: tableDir + "/" + part).first!
    let path = tableDir + "/" + part + "/" + seg
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count / 2] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: path))
    r = try cli.run(["verify"])
    #expect(r.code == 2)
    #expect(r.out.contains(path))
    r = try cli.run(["inspect", path])
    #expect(r.code == 2)
    #expect(r.err.contains(seg))
    r = try cli.run(["query", "--format", "csv", "SELECT * FROM clicks"])
    #expect(r.code == 2, "a corrupt file is reported, never a wrong answer")
}

@Test func maintenanceAndReportsFromTheCommandLine() throws {
    let cli = CLI()
    let dir = TestScratch.root + "strata-cli-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try cli.run(["query", "CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR, link_url VARCHAR, content_type VARCHAR, visitor_id VARCHAR, session_id VARCHAR, referrer VARCHAR, source VARCHAR, utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, device VARCHAR, os VARCHAR, browser VARCHAR, country VARCHAR, user_agent VARCHAR, revenue DOUBLE) PARTITION BY month(ts) ORDER BY (profile_id, ts) WITH (auto_compact = false)"])
    // three small loads of different days leave several segments per partition
    for seed in 1...3 {
        let csv = "\(dir)/part\(seed).csv"
        try cli.run(["gen", "clicks", "--rows", "2000", "--seed", String(seed), "--days", "40", "--out", csv])
        let r = try cli.run(["ingest", "clicks", csv])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("loaded 2000 rows"))
    }
    // the same file again is skipped, and counted once
    var r = try cli.run(["ingest", "clicks", "\(dir)/part1.csv"])
    #expect(r.code == 0 && r.err.contains("skipped"))
    r = try cli.run(["query", "--format", "csv", "SELECT count(*) AS n FROM clicks"])
    #expect(r.out == "n\n6000\n")
    r = try cli.run(["compact", "clicks", "--dry-run"])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["stats", "clicks", "--format", "json"])
    let before = (try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])?["segments"] as? Int ?? 0
    #expect(before >= 4)
    r = try cli.run(["compact", "clicks"])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["stats", "clicks", "--format", "json"])
    let after = (try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])?["segments"] as? Int ?? 0
    #expect(after < before)
    r = try cli.run(["query", "--format", "csv", "SELECT count(*) AS n FROM clicks"])
    #expect(r.out == "n\n6000\n")
    // erasure of one visitor
    r = try cli.run(["query", "--format", "csv", "SELECT visitor_id, count(*) AS n FROM clicks GROUP BY visitor_id ORDER BY n DESC, visitor_id LIMIT 1"])
    let top = r.out.split(separator: "\n")[1].split(separator: ",")
    r = try cli.run(["delete", "clicks", "--where", "visitor_id = '\(top[0])'", "--now"])
    #expect(r.code == 0 && r.out.hasPrefix("deleted \(top[1]) rows"), "\(r.out)\(r.err)")
    r = try cli.run(["query", "--format", "csv", "SELECT count(*) AS n FROM clicks"])
    #expect(r.out == "n\n\(6000 - Int(top[1])!)\n")
    // retention far in the past drops nothing; everything older than a day drops everything
    r = try cli.run(["retention", "clicks", "--keep", "100y"])
    #expect(r.code == 0)
    r = try cli.run(["query", "--format", "csv", "SELECT count(*) > 0 AS any FROM clicks"])
    #expect(r.out == "any\ntrue\n")
    // reports
    r = try cli.run(["report", "--list"])
    #expect(r.code == 0 && r.out.contains("daily-clicks") && r.out.contains("best-time"))
    r = try cli.run(["report", "clicks", "best-time", "--format", "csv"])
    #expect(r.code == 0 && r.out.hasPrefix("day_of_week,hour,clicks,unique_visitors\n"), "\(r.err)")
    r = try cli.run(["report", "clicks", "compare", "--format", "csv"])
    #expect(r.code == 1)
    r = try cli.run(["verify"])
    #expect(r.code == 0, "\(r.out)")
    r = try cli.run(["retention", "clicks", "--keep", "1d"])
    #expect(r.code == 0)
    r = try cli.run(["query", "--format", "csv", "SELECT count(*) AS n FROM clicks"])
    #expect(r.out == "n\n0\n")
}

/// `--out` replaces a regular file atomically, writes through a symbolic link (the link
/// stays), and writes into a FIFO or a device in place: replacing /dev/null with a regular file
/// (as an atomic rename would) breaks every later redirection to it.
@Test func reportOutWritesThroughLinksFifosAndDevices() throws {
    let cli = CLI()
    let dir = TestScratch.root + "strata-out-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try cli.run(["gen", "clicks", "--rows", "3000", "--seed", "4", "--out", "\(dir)/c.csv"])
    var r = try cli.run(["ingest", "clicks", "\(dir)/c.csv"])
    #expect(r.code == 0, "\(r.err)")
    let expected = try cli.run(["report", "clicks", "daily-clicks", "--format", "csv"]).out
    #expect(expected.hasPrefix("date,profile_id,link_id,") && expected.count > 1000)
    func kind(_ path: String) -> mode_t {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0
    }
    // a regular file, then a link to it
    let file = "\(dir)/out.csv", link = "\(dir)/link.csv"
    r = try cli.run(["report", "clicks", "daily-clicks", "--format", "csv", "--out", file])
    #expect(r.code == 0 && (try? String(contentsOfFile: file, encoding: .utf8)) == expected)
    try "old".write(toFile: file, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
    r = try cli.run(["report", "clicks", "daily-clicks", "--format", "csv", "--out", link])
    #expect(r.code == 0, "\(r.err)")
    #expect(kind(link) == S_IFLNK, "the link stays a link")
    #expect((try? String(contentsOfFile: file, encoding: .utf8)) == expected, "written through the link")
    // a FIFO: read on another thread while the report writes into it. The test holds the
    // FIFO open for writing too (so the reader never blocks), and lets go once the report is
    // done: the reader then gets what the report wrote, or nothing if the report replaced the
    // FIFO instead of writing into it.
    let fifo = "\(dir)/pipe"
    #expect(mkfifo(fifo, 0o600) == 0)
    let keeper = open(fifo, O_RDWR)
    #expect(keeper >= 0)
    final class Reader: @unchecked Sendable { var data = Data() }
    let reader = Reader()
    let done = DispatchSemaphore(value: 0)
    Thread {
        if let h = FileHandle(forReadingAtPath: fifo) { reader.data = h.readDataToEndOfFile(); h.closeFile() }
        done.signal()
    }.start()
    r = try cli.run(["report", "clicks", "daily-clicks", "--format", "csv", "--out", fifo])
    close(keeper)
    done.wait()
    #expect(r.code == 0, "\(r.err)")
    #expect(String(decoding: reader.data, as: UTF8.self) == expected)
    let fifoKept = kind(fifo) == S_IFIFO
    #expect(fifoKept, "the FIFO stays a FIFO")
    // a character device (only when the FIFO was kept: a writer that replaces files would
    // replace the machine's /dev/null)
    if fifoKept && kind("/dev/null") == S_IFCHR {
        r = try cli.run(["report", "clicks", "daily-clicks", "--format", "csv", "--out", "/dev/null"])
        #expect(r.code == 0, "\(r.err)")
        #expect(kind("/dev/null") == S_IFCHR, "/dev/null is still the device")
    }
}

@Test func ingestInvalidUTF8OptionAndLoneCR() throws {
    let cli = CLI()
    let dir = TestScratch.root + "strata-cli-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let csv = dir + "/u.csv"
    let bytes = Array("ts,event,revenue\n2024-05-01 10:00:00,caf\u{E9},1.5\n2024-05-01 11:00:00,".utf8)
        + [0x62, 0xC0, 0xAF] + Array(",2\n".utf8)
    FileManager.default.createFile(atPath: csv, contents: Data(bytes))
    // default: the row with invalid UTF-8 refuses the batch, naming file, line and column
    var r = try cli.run(["ingest", "clicks", csv])
    #expect(r.code == 1)
    #expect(r.err.contains("\(csv):3: column event: invalid UTF-8 at byte 2 (0xC0) 'b\\xC0\\xAF'"), "\(r.err)")
    r = try cli.run(["ingest", "clicks", csv, "--invalid-utf8", "bogus"])
    #expect(r.code == 1 && r.err.contains("--invalid-utf8 must be error or replace"))
    r = try cli.run(["ingest", "clicks", csv, "--invalid-utf8", "replace"])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["query", "--format", "csv", "SELECT event FROM clicks ORDER BY ts"])
    #expect(r.out == "event\ncafé\nb\u{FFFD}\u{FFFD}\n")
    // out-of-range double, lone CR line endings
    let big = dir + "/big.csv"
    FileManager.default.createFile(atPath: big, contents: Data("ts,event,revenue\n2024-05-02 10:00:00,x,1e400\n".utf8))
    r = try cli.run(["ingest", "clicks", big])
    #expect(r.code == 1 && r.err.contains("\(big):2: column revenue: value out of range for DOUBLE '1e400'"), "\(r.err)")
    let mac = dir + "/mac.csv"
    FileManager.default.createFile(atPath: mac, contents: Data("ts,event,revenue\r2024-05-02 10:00:00,x,1\r".utf8))
    r = try cli.run(["ingest", "clicks", mac])
    #expect(r.code == 1 && r.err.contains("\(mac):1: lone CR (\\r) line endings are not supported: convert with tr '\\r' '\\n'"), "\(r.err)")
}

@Test func queryOutReportOutAndExport() throws {
    let cli = CLI()
    let dir = TestScratch.root + "strata-files-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var r = try cli.run(["query", "CREATE TABLE clicks (ts TIMESTAMP, link_id BIGINT, country VARCHAR) PARTITION BY day(ts); INSERT INTO clicks VALUES ('2024-05-01 10:00:00', 1, 'DE'), ('2024-05-02 11:00:00', 2, 'US')"])
    #expect(r.code == 0, "\(r.err)")
    // --out: the format from the extension, or --format
    r = try cli.run(["query", "--out", dir + "/q.csv", "SELECT link_id, country FROM clicks ORDER BY link_id"])
    #expect(r.code == 0, "\(r.err)")
    #expect(try String(contentsOfFile: dir + "/q.csv", encoding: .utf8) == "link_id,country\n1,DE\n2,US\n")
    r = try cli.run(["query", "--out", dir + "/q.txt", "--format", "ndjson", "SELECT link_id FROM clicks ORDER BY link_id"])
    #expect(try String(contentsOfFile: dir + "/q.txt", encoding: .utf8) == "{\"link_id\": 1}\n{\"link_id\": 2}\n")
    r = try cli.run(["query", "--out", dir + "/q.parquet", "SELECT link_id, country FROM clicks ORDER BY link_id"])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["query", "--format", "csv", "SELECT * FROM '\(dir)/q.parquet'"])
    #expect(r.out == "link_id,country\n1,DE\n2,US\n", "\(r.err)")
    r = try cli.run(["query", "--out", dir + "/q.csv", "--format", "xml", "SELECT 1"])
    #expect(r.code == 1)
    // the output read back as a file
    r = try cli.run(["query", "--format", "csv", "SELECT count(*) FROM '\(dir)/q.csv'"])
    #expect(r.out == "count(*)\n2\n", "\(r.err)")
    // export: Hive layout and _SUCCESS
    r = try cli.run(["export", "clicks", dir + "/lake", "--format", "csv"])
    #expect(r.code == 0, "\(r.err)")
    #expect(FileManager.default.fileExists(atPath: dir + "/lake/clicks/day=2024-05-01/part-00000.csv"))
    #expect(FileManager.default.fileExists(atPath: dir + "/lake/clicks/_SUCCESS"))
    r = try cli.run(["export", "clicks", dir + "/lake2"])
    #expect(r.code == 0, "\(r.err)")
    #expect(FileManager.default.fileExists(atPath: dir + "/lake2/clicks/day=2024-05-01/part-00000.parquet"))
}

@Test func reportOutWritesAFile() throws {
    let cli = CLI()
    let dir = TestScratch.root + "strata-report-out-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let csv = dir + "/g.csv"
    var r = try cli.run(["gen", "clicks", "--rows", "500", "--days", "5", "--out", csv])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["ingest", "clicks", csv])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["report", "clicks", "daily-clicks", "--format", "ndjson", "--out", dir + "/r.ndjson"])
    #expect(r.code == 0, "\(r.err)")
    let text = try String(contentsOfFile: dir + "/r.ndjson", encoding: .utf8)
    #expect(text.hasPrefix("{\"date\": "))
    r = try cli.run(["report", "clicks", "daily-clicks", "--format", "csv"])
    let lines = text.split(separator: "\n").count
    #expect(r.out.split(separator: "\n").count == lines + 1)
    r = try cli.run(["report", "clicks", "daily-clicks", "--format", "parquet", "--out", dir + "/r.parquet"])
    #expect(r.code == 0, "\(r.err)")
    r = try cli.run(["query", "--format", "csv", "SELECT count(*) FROM '\(dir)/r.parquet'"])
    #expect(r.out == "count(*)\n\(lines)\n", "\(r.out) \(r.err)")
}
