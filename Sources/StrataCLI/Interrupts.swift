import Foundation
import StrataCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C for long-running commands (`query`, `ingest`, `compact`; export/COPY later).
/// While `Interrupts.catching(flag) { … }` runs, SIGINT raises `flag`: the work stops at its
/// next batch boundary, commits nothing half-done and reports "cancelled" (exit 130, as a
/// shell reports a process ended by SIGINT). A second Ctrl-C ends the process at once (exit
/// 130; staged files are left to the store's cleanup). Outside, SIGINT has its default action.
enum Interrupts {
    /// The flag the handler raises (set before the handler is installed).
    nonisolated(unsafe) private static var current: Interruption?
    /// Ctrl-C presses since `catching` started.
    private static let presses = Atomic<Int>(0)

    /// Runs `body` with SIGINT raising `flag`; restores the default action afterwards.
    static func catching<T, E: Error>(_ flag: Interruption, _ body: () throws(E) -> T) throws(E) -> T {
        current = flag
        presses.store(0, ordering: .relaxed)
        // a parent may have started us with SIGINT blocked (test runners do): unblock it on
        // this thread so that the signal reaches the handler
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT, { _ in
            // async-signal-safe: an atomic increment, an atomic store, write(2), _exit(2)
            if Interrupts.presses.wrappingAdd(1, ordering: .relaxed).oldValue >= 1 {
                let msg: StaticString = "\ncancelled (second Ctrl-C: stopped at once)\n"
                _ = write(2, msg.utf8Start, msg.utf8CodeUnitCount)
                _exit(130)
            }
            Interrupts.current?.raise()
        })
        defer {
            signal(SIGINT, SIG_DFL)
            current = nil
        }
        return try body()
    }

    /// True when Ctrl-C was pressed during the current `catching` call.
    static var wasPressed: Bool { presses.load(ordering: .relaxed) > 0 }
}
