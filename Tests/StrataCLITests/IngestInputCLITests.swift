import Foundation
import StrataTestSupport
import Testing

@Test func ingestDetectsJSONOnStdinAndTakesPatterns() throws {
    let cli = CLI()
    // NDJSON and a JSON array on stdin, no --format
    var r = try cli.run(["ingest", "events", "-"], stdin: "{\"ts\":\"2024-05-01 10:00:00\",\"user\":{\"id\":7}}\n{\"ts\":\"2024-05-01 11:00:00\",\"user\":{\"id\":8}}\n")
    #expect(r.code == 0, "\(r.err)")
    #expect(r.err.contains("created table: CREATE TABLE events (ts TIMESTAMP, user_id BIGINT)"), "\(r.err)")
    r = try cli.run(["ingest", "events", "-"], stdin: "[\n {\"ts\": \"2024-05-02 10:00:00\", \"user\": {\"id\": 9}}\n]\n")
    #expect(r.code == 0, "\(r.err)")
    #expect(r.err.contains("note: <stdin>: read as a JSON array, one row per element"), "\(r.err)")
    r = try cli.run(["query", "--format", "csv", "SELECT user_id FROM events ORDER BY ts"])
    #expect(r.out == "user_id\n7\n8\n9\n")
    // quoted patterns and a semicolon file: the detected delimiter is said
    let dir = cli.store + "-in"
    try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    FileManager.default.createFile(atPath: dir + "/logs/a.csv", contents: Data("ts;n\n2024-05-01 10:00:00;1\n".utf8))
    FileManager.default.createFile(atPath: dir + "/logs/b.csv", contents: Data("ts;n\n2024-05-01 10:00:00;2\n".utf8))
    r = try cli.run(["ingest", "semi", dir + "/logs/*.csv"])
    #expect(r.code == 0, "\(r.err)")
    #expect(r.err.contains("note: \(dir)/logs/a.csv: delimiter ';' detected (--delimiter sets it)"), "\(r.err)")
    #expect(r.err.contains("loaded 2 rows"), "\(r.err)")
    r = try cli.run(["ingest", "semi", dir + "/logs"])
    #expect(r.code == 0 && r.err.contains("skipped: batch"), "\(r.err)")
    // --delimiter given: no detection, and the hint when it is wrong
    r = try cli.run(["ingest", "semi2", "--delimiter", ",", dir + "/logs/a.csv"])
    #expect(r.code == 1 && r.err.contains("the file looks ';'-separated: pass --delimiter ';'"), "\(r.err)")
    r = try cli.run(["ingest", "semi2", dir + "/logs/{x,y}.csv"])
    #expect(r.code == 1 && r.err.contains("no file matches '\(dir)/logs/{x,y}.csv'"), "\(r.err)")
    // epoch seconds on create
    r = try cli.run(["ingest", "ep", "--time-format", "epoch_s", "-"], stdin: "ts,v\n1714557600,1\n")
    #expect(r.code == 0 && r.err.contains("created table: CREATE TABLE ep (ts TIMESTAMP, v BIGINT) PARTITION BY day(ts)"), "\(r.err)")
}
