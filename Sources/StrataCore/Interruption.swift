import Synchronization

/// A flag another thread (a signal handler's watcher, a timer) raises to stop the running
/// statement; long-running work checks it between batches and stops with a "cancelled" error.
/// Raising it is async-signal-safe in practice (one atomic store).
public final class Interruption: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    /// Asks the running work to stop at its next check.
    public func raise() { raised.store(true, ordering: .relaxed) }

    /// Clears the flag before the next statement.
    public func reset() { raised.store(false, ordering: .relaxed) }

    /// True once `raise()` was called and not reset since.
    public var isRaised: Bool { raised.load(ordering: .relaxed) }
}
