import StrataCore

// Cancellation: `QueryEngine.interrupt()` raises the statement's `Interruption`; long loops
// (block scans, join probes, window partitions, series, set operations, sorts) check it once
// per batch or block (one relaxed atomic load) and stop with `QueryError.cancelled`.

extension QueryError {
    /// The statement was stopped by `QueryEngine.interrupt()`.
    static var cancelled: QueryError { QueryError("cancelled", kind: .cancelled) }
}

extension Evaluator {
    /// Throws `cancelled` when the statement's interruption is raised: call once per batch.
    @inline(__always) func checkInterrupt() throws(QueryError) {
        if let i = interruption, i.isRaised { throw i.isTimeout ? QueryError.timedOut : QueryError.cancelled }
    }

    /// True when the statement's interruption is raised.
    var isInterrupted: Bool { interruption?.isRaised ?? false }
}
