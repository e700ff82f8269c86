import ArgumentParser
import Foundation
import CStrataKernels
#if canImport(Glibc)
import Glibc
#endif

public struct Strata: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Embedded columnar event store for click analytics.",
        discussion: "Exit codes: 0 success, 1 user error, 2 corrupt data found, 3 internal error, 130 cancelled (Ctrl-C).",
        version: strataVersionText,
        subcommands: [QueryCommand.self, IngestCommand.self, GenCommand.self, TablesCommand.self, DescribeCommand.self,
                      StatsCommand.self, InspectCommand.self, VerifyCommand.self, BenchCommand.self, GCCommand.self,
                      CompactCommand.self, RetentionCommand.self, DeleteCommand.self, ReportCommand.self, RepairCommand.self,
                      ExportCommand.self])

    public init() {}
}

public enum StrataMain {
    public static func run() {
        strata_use_huge_pages(CommandLine.unsafeArgv)
        strata_tune_allocator()
        // a write past RLIMIT_FSIZE fails with EFBIG ("File too large", named like a full
        // disk) instead of killing the process with SIGXFSZ midway, temporary files left behind
        signal(SIGXFSZ, SIG_IGN)
        do {
            var cmd = try Strata.parseAsRoot()
            try cmd.run()
            flushOutput()
        } catch let e as CLIError {  // run() is called through `ParsableCommand`, whose run() is untyped
            fail(e)
        } catch {
            let code = Strata.exitCode(for: error)
            if code == .success { Strata.exit(withError: error) }
            if code == .validationFailure {
                FileHandle.standardError.write((Strata.fullMessage(for: error) + "\n").data(using: .utf8)!)
                exit(1)
            }
            Strata.exit(withError: error)
        }
    }

    /// The one place a command's failure becomes text on stderr and the exit code (what
    /// standard output has buffered is flushed by `exit`). `outputFailed` comes here too.
    static func fail(_ e: CLIError) -> Never {
        FileHandle.standardError.write(e.text.data(using: .utf8)!)
        exit(e.exitCode)
    }
}
