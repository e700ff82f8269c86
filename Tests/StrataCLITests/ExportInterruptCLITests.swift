import Foundation
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

// `strata export` and COPY (issue 18): the progress line (forced with STRATA_PROGRESS=1, as on
// a terminal; off with --quiet) and Ctrl-C (SIGINT to a child): exit 130, "cancelled", no
// _SUCCESS marker and no temporary file left; COPY … FROM stops with nothing loaded.

@Suite(.serialized) struct ExportInterruptCLITests {
    /// Hidden temporary files (`.name.tmp-…`) below `dir`.
    static func temporaries(_ dir: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? []).filter { ($0 as NSString).lastPathComponent.hasPrefix(".") }
    }

    @Test func exportShowsProgressAndCtrlCStopsItWithoutSuccessMarker() throws {
        let cli = CLI()
        let csv = cli.store + "-clicks.csv"
        #expect(try cli.run(["gen", "clicks", "--rows", "300000", "--days", "60", "--out", csv]).code == 0)
        #expect(try cli.run(["ingest", "clicks", csv]).code == 0)
        let out = cli.store + "-lake"
        // forced progress: the bar, erased, then the summary on stdout
        let p = cli.process(["export", "clicks", out, "--format", "csv", "--from", "2024-01-01", "--to", "2024-01-04"])
        p.environment!["STRATA_PROGRESS"] = "1"
        let r = try InterruptCLITests.run(p)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("export: ") && r.err.contains(" partitions, "), "\(r.err)")
        #expect(r.err.contains("\r\u{1B}[K"))
        #expect(r.out.hasPrefix("exported "))
        // --quiet: nothing drawn
        let q = cli.process(["export", "--quiet", "clicks", out, "--format", "csv", "--from", "2024-01-01", "--to", "2024-01-02"])
        q.environment!["STRATA_PROGRESS"] = "1"
        #expect(!(try InterruptCLITests.run(q)).err.contains("export:"))
        // Ctrl-C: exit 130, no _SUCCESS, no temporary file
        let c = try InterruptCLITests.interrupted(cli, ["export", "clicks", out], after: 1)
        #expect(c.code == 130, "\(c.err)")
        #expect(c.err.contains("cancelled"), "\(c.err)")
        #expect(!FileManager.default.fileExists(atPath: out + "/clicks/_SUCCESS"))
        #expect(Self.temporaries(out).isEmpty, "\(Self.temporaries(out))")
    }

    @Test func ctrlCStopsCopyFromWithNothingLoaded() throws {
        let cli = CLI()
        let csv = try InterruptCLITests.bigCSVAfterASmallBatch(cli, rows: 200000)
        let c = try InterruptCLITests.interrupted(cli, ["query", "COPY clicks FROM '\(csv)'"], after: 1)
        #expect(c.code == 130, "\(c.err)")
        #expect(c.err.contains("cancelled"), "\(c.err)")
        #expect(try cli.run(["query", "--format", "csv", "SELECT count(*) FROM clicks"]).out == "count(*)\n1000\n")
        #expect(try cli.run(["verify"]).code == 0)
    }

    @Test func copyFromShowsTheBytesReadAndRowsParsed() throws {
        let cli = CLI()
        // large enough that the load (a debug build) lasts past the display's first second
        let csv = try InterruptCLITests.bigCSVAfterASmallBatch(cli, rows: 400000)
        let p = cli.process(["query", "COPY clicks FROM '\(csv)'"])
        p.environment!["STRATA_PROGRESS"] = "1"
        let r = try InterruptCLITests.run(p)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("copy: ") && r.err.contains(" MB read") && r.err.contains(" parsed"), "\(r.err)")
        #expect(r.out.contains("copied 400000 rows into clicks"), "\(r.out)")
    }
}
