import Foundation

/// Runs `body` on a thread with a stack as large as the one `strata` runs its commands on
/// (`StrataMain.stackBytes`, 256 MB) and returns its result. The deepest expressions the parser
/// accepts recurse about 1,000 levels in parsing, equality, hashing and destruction: fine on
/// that stack in every build, but more than a test runner's worker thread holds under a
/// sanitizer (ASan's redzones make every frame several times larger). Values built inside
/// `body` must also be destroyed inside it (releasing a deep tree recurses too).
public func onLargeStack<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
    let box = LargeStackResult<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.value = body()
        done.signal()
    }
    thread.stackSize = 256 << 20
    thread.start()
    done.wait()
    return box.value!
}

private final class LargeStackResult<T>: @unchecked Sendable {
    var value: T?  // written by the thread before it signals, read after the wait
}
