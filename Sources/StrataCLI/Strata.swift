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
    /// The stack of the thread that runs the command. Parsing, binding and evaluating an
    /// expression recurse once per level, and the parser accepts up to 1,000 levels (an OR
    /// of 1,000 terms is a chain that deep): about 1 MB of stack in a release build and ten
    /// times that in a debug or sanitizer build. Only the pages touched are ever mapped in.
    static let stackBytes = 256 << 20

    public static func run() {
        strata_use_huge_pages(CommandLine.unsafeArgv)
        strata_tune_allocator()
        // a write past RLIMIT_FSIZE fails with EFBIG ("File too large", named like a full
        // disk) instead of killing the process with SIGXFSZ midway, temporary files left behind
        signal(SIGXFSZ, SIG_IGN)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, stackBytes)
        var thread = pthread_t()
        guard pthread_create(&thread, &attributes, { _ in StrataMain.runCommand(); return nil }, nil) == 0 else {
            runCommand()  // no thread: the process's own stack (8 MB by default)
            return
        }
        pthread_attr_destroy(&attributes)
        // Signals go to the command's thread: Ctrl-C must interrupt its reads (the shell's
        // prompt, a pipe) and reach the handlers it installs, never land on this waiting one.
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
        pthread_join(thread, nil)
    }

    static func runCommand() {
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
