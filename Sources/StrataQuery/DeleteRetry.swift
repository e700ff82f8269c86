import Foundation
import StrataStore

extension QueryEngine {
    /// How long a DELETE keeps planning again when concurrent commits (a compaction, retention
    /// or another delete) replaced segments it was rewriting; it always tries at least 3 times.
    static let deleteRetrySeconds: Double = 60

    /// Test hook: called on the deleting thread before each commit attempt (1, 2, …). Only
    /// deletes on the thread that installed it see it.
    public static var beforeDeleteCommit: ((Int) -> Void)? {
        get { deleteHooks.current }
        set { deleteHooks.current = newValue }
    }
    private static let deleteHooks = ThreadHooks<(Int) -> Void>()

    /// The pause before attempt `attempt + 1` after a conflict: none after the first, then
    /// growing from 50 ms to 2 s, jittered so competing writers do not collide again.
    static func deleteRetryPause(after attempt: Int) -> Double {
        guard attempt >= 2 else { return 0 }
        return min(2.0, 0.05 * Double(1 << min(attempt - 2, 6))) * Double.random(in: 0.5...1.5)
    }
}
