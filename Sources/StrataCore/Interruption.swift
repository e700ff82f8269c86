import Synchronization

/// A flag another thread (a signal handler's watcher, a timer) raises to stop the running
/// statement; long-running work checks it between batches and stops with a "cancelled" error.
/// Raising it is async-signal-safe in practice (one atomic store).
public final class Interruption: Sendable {
    /// 0: not raised; 1: raised (Ctrl-C, `raise()`); 2: raised by a statement timeout.
    private let raised = Atomic<UInt8>(0)

    public init() {}

    /// Asks the running work to stop at its next check.
    public func raise() { raised.store(1, ordering: .relaxed) }

    /// Asks the running work to stop because its time ran out (`statement_timeout`): the same
    /// check stops it, with a "timed out" error instead of "cancelled". A Ctrl-C already
    /// raised stays a cancellation.
    public func raiseTimeout() {
        _ = raised.compareExchange(expected: 0, desired: 2, ordering: .relaxed)
    }

    /// Clears the flag before the next statement.
    public func reset() { raised.store(0, ordering: .relaxed) }

    /// True once `raise()` or `raiseTimeout()` was called and not reset since.
    public var isRaised: Bool { raised.load(ordering: .relaxed) != 0 }

    /// True when the flag was raised by `raiseTimeout()` (not by `raise()`).
    public var isTimeout: Bool { raised.load(ordering: .relaxed) == 2 }
}
