import Foundation

/// Test hooks kept per thread: a hook installed by one test applies only to work done on the
/// thread that installed it, so tests running in parallel neither trigger nor clear each
/// other's hooks. (The query engine's DELETE hook uses it too.)
public final class ThreadHooks<Hook>: @unchecked Sendable {
    private let lock = NSLock()
    private var hooks: [ObjectIdentifier: Hook] = [:]

    public init() {}

    /// The hook installed by the current thread.
    public var current: Hook? {
        get {
            let key = ObjectIdentifier(Thread.current)
            lock.lock()
            defer { lock.unlock() }
            return hooks[key]
        }
        set {
            let key = ObjectIdentifier(Thread.current)
            lock.lock()
            defer { lock.unlock() }
            hooks[key] = newValue
        }
    }
}
