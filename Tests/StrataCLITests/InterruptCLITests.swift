import Foundation
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Ctrl-C (SIGINT) sent to a child `strata` during a query, an ingest and a compaction: exit
// 130, "cancelled" on stderr, nothing half-visible in the store. And the progress line:
// drawn when forced (STRATA_PROGRESS=1, as on a terminal), never when stderr is a pipe.

@Suite(.serialized) struct InterruptCLITests {
    /// Runs `args`, sends SIGINT after `after` seconds, and returns the exit code and stderr.
    /// Commits a first batch of 1,000 generated clicks to `cli`'s store and returns the path
    /// of a CSV of `rows` more (another seed), for a load to interrupt.
    static func bigCSVAfterASmallBatch(_ cli: CLI, rows: Int) throws -> String {
        let csv = cli.store + "-clicks.csv"
        #expect(try cli.run(["gen", "clicks", "--rows", String(rows), "--out", csv]).code == 0)
        let small = cli.store + "-small.csv"
        #expect(try cli.run(["gen", "clicks", "--rows", "1000", "--seed", "7", "--out", small]).code == 0)
        #expect(try cli.run(["ingest", "clicks", small]).code == 0)
        return csv
    }

    static func interrupted(_ cli: CLI, _ args: [String], after: Double, env: [String: String] = [:]) throws -> (code: Int32, err: String) {
        let p = cli.process(args)
        var e = p.environment ?? [:]
        for (k, v) in env { e[k] = v }
        p.environment = e
        let r = try run(p, interruptAfter: after)
        return (r.code, r.err)
    }

    /// Reads `handle` to its end on a thread of its own; the returned function waits for it and
    /// gives the bytes (the semaphore orders the thread's write before the caller's read).
    static func drain(_ handle: FileHandle) -> () -> Data {
        nonisolated(unsafe) var data = Data()
        let done = DispatchSemaphore(value: 0)
        Thread {
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
        return {
            done.wait()
            return data
        }
    }

    /// Runs `p` to its end, sending SIGINT as soon as its stderr holds `marker`.
    static func run(_ p: Process, interruptWhenStderrContains marker: String) throws -> (code: Int32, out: String, err: String) {
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let outData = drain(out.fileHandleForReading)
        var errData = Data()
        var signalled = false
        while true {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            errData += chunk
            if !signalled && String(decoding: errData, as: UTF8.self).contains(marker) {
                kill(p.processIdentifier, SIGINT)
                signalled = true
            }
        }
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: outData(), as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// Runs `p` to its end (sending SIGINT after `interruptAfter` seconds if given), draining
    /// stdout and stderr while it runs, and returns the exit code and both outputs.
    static func run(_ p: Process, interruptAfter after: Double? = nil) throws -> (code: Int32, out: String, err: String) {
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // drain the pipes while the child runs
        let errData = drain(err.fileHandleForReading), outData = drain(out.fileHandleForReading)
        if let after {
            Thread.sleep(forTimeInterval: after)
            kill(p.processIdentifier, SIGINT)
        }
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: outData(), as: UTF8.self), String(decoding: errData(), as: UTF8.self))
    }

    @Test func ctrlCCancelsAQuery() throws {
        let cli = CLI()
        try cli.run(["query", "CREATE TABLE t (x BIGINT)"])
        let start = Date()
        let r = try Self.interrupted(cli, ["query", "SELECT count(*) FROM range(100000) a JOIN range(100000) b ON a.range + b.range < 0"], after: 1)
        #expect(r.code == 130, "\(r.err)")
        #expect(r.err == "cancelled\n")
        #expect(Date().timeIntervalSince(start) < 30)
        // the store is fine
        #expect(try cli.run(["query", "--format", "csv", "SELECT count(*) FROM t"]).out == "count(*)\n0\n")
    }

    @Test func ctrlCStopsAnIngestWithNothingCommitted() throws {
        let cli = CLI()
        // a first, small batch is committed
        let csv = try Self.bigCSVAfterASmallBatch(cli, rows: 150000)
        let r = try Self.interrupted(cli, ["ingest", "clicks", csv], after: 1)
        #expect(r.code == 130, "\(r.err)")
        #expect(r.err.hasSuffix("cancelled: nothing was committed\n"), "\(r.err)")
        // only the first batch is visible, and the store verifies
        #expect(try cli.run(["query", "--format", "csv", "SELECT count(*) FROM clicks"]).out == "count(*)\n1000\n")
        let v = try cli.run(["verify"])
        #expect(v.code == 0, "\(v.out)\(v.err)")
        // a table the interrupted ingest would have created is not left behind
        let r2 = try Self.interrupted(cli, ["ingest", "fresh", csv], after: 1)
        #expect(r2.code == 130)
        #expect(try cli.run(["tables"]).out == "clicks\n")
    }

    @Test func ctrlCStopsACompactionWithNothingCommitted() throws {
        let cli = CLI()
        let csv = cli.store + "-clicks.csv"
        #expect(try cli.run(["gen", "clicks", "--rows", "60000", "--days", "120", "--out", csv]).code == 0)
        try cli.run(["query", "CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, revenue DOUBLE) PARTITION BY day(ts) ORDER BY (profile_id, ts) WITH (auto_compact = false)"])
        for _ in 0..<3 { #expect(try cli.run(["ingest", "--force", "--ignore-extra-columns", "clicks", csv]).code == 0) }
        let before = try cli.run(["stats", "clicks"]).out
        // interrupted once its progress line shows merged rows (not after a fixed time: on an idle
        // machine the whole compaction took 0.4 s, and a 0.5 s interrupt came too late)
        let p = cli.process(["compact", "clicks"])
        p.environment = (p.environment ?? [:]).merging(["STRATA_PROGRESS": "1"]) { $1 }
        let r = try Self.run(p, interruptWhenStderrContains: " rows merged")
        #expect(r.code == 130, "\(r.err)")
        #expect(r.err.hasSuffix("cancelled: nothing was committed\n"), "\(r.err)")
        // the table is as it was: same segments, same rows
        #expect(try cli.run(["stats", "clicks"]).out == before)
        #expect(try cli.run(["query", "--format", "csv", "SELECT count(*) FROM clicks"]).out == "count(*)\n180000\n")
        #expect(try cli.run(["verify"]).code == 0)
    }

    /// The progress line: drawn on stderr when forced (what a terminal gets), erased before
    /// the summary; never drawn into a pipe.
    @Test func progressLineForCompactAndQueries() throws {
        let cli = CLI()
        let csv = cli.store + "-clicks.csv"
        #expect(try cli.run(["gen", "clicks", "--rows", "20000", "--days", "10", "--out", csv]).code == 0)
        try cli.run(["query", "CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER) PARTITION BY day(ts) ORDER BY (profile_id, ts) WITH (auto_compact = false)"])
        for _ in 0..<2 { #expect(try cli.run(["ingest", "--force", "--ignore-extra-columns", "clicks", csv]).code == 0) }
        // forced: the bar, then erased, then the summary
        let p = cli.process(["compact", "clicks"])
        p.environment!["STRATA_PROGRESS"] = "1"
        let r = try runCapturing(p)
        #expect(r.code == 0)
        #expect(r.err.contains("%  compact: 1 of 10 partitions, "), "\(r.err)")
        #expect(r.err.contains(" of 40,000 rows merged"), "\(r.err)")
        #expect(r.err.contains("\r\u{1B}[K"))
        #expect(r.out.hasPrefix("compacted clicks: 10 partitions"))
        // not a terminal (a pipe), not forced: nothing drawn
        #expect(try cli.run(["ingest", "--force", "--ignore-extra-columns", "clicks", csv]).code == 0)
        let plain = try cli.run(["compact", "clicks"])
        #expect(!plain.err.contains("\r") && !plain.err.contains("compact:"), "\(plain.err)")
        // --quiet wins over forcing
        let q = cli.process(["compact", "--quiet", "clicks"])
        q.environment!["STRATA_PROGRESS"] = "1"
        #expect(!(try runCapturing(q)).err.contains("compact:"))
        // a query running over a second: blocks scanned of the total
        let long = cli.process(["query", "SELECT count(*) FROM clicks JOIN range(1500) r ON clicks.profile_id + r.range < 0"])
        long.environment!["STRATA_PROGRESS"] = "1"
        let lr = try runCapturing(long)
        #expect(lr.code == 0)
        #expect(lr.err.contains("query: ") && lr.err.contains(" blocks scanned"), "\(lr.err)")
        #expect(lr.out.contains(" 0 |"))
    }

    func runCapturing(_ p: Process) throws -> (code: Int32, out: String, err: String) { try Self.run(p) }
}
