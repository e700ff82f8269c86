import Foundation

/// The one parallel loop: items handed out to threads one at a time.
public enum ParallelWork {
    /// Cores of this machine: the default number of workers.
    public static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(item, worker)` for every item of `0..<count` on up to `workers` threads;
    /// threads running at the same time have distinct worker numbers (`0..<workers`). With one
    /// worker (or one item) the items run in order on the calling thread. `body` may run on
    /// several threads at once: what it writes must be disjoint per item or per worker.
    /// Once `stop` is raised, workers take no further items (the caller checks it after).
    public static func forEach(_ count: Int, workers: Int = cores, stop: Interruption? = nil, _ body: @escaping (Int, Int) -> Void) {
        let threads = max(1, min(workers, count))
        if threads == 1 {
            for i in 0..<count {
                if let stop, stop.isRaised { return }
                body(i, 0)
            }
            return
        }
        let next = NextItem()
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            while true {
                let i = next.take()
                if i >= count { break }
                if let stop, stop.isRaised { break }
                box.value(i, w)
            }
        }
    }

    private final class NextItem: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func take() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value - 1
        }
    }
}

/// The first error raised by work spread over threads (the others are dropped).
public final class FirstError<E: Error>: @unchecked Sendable {
    private let lock = NSLock()
    private var first: E?
    public init() {}
    public var error: E? { lock.lock(); defer { lock.unlock() }; return first }
    public var isSet: Bool { error != nil }
    public func set(_ e: E) { lock.lock(); if first == nil { first = e }; lock.unlock() }
}

/// Carries a value (a closure, a buffer pointer, a class) into code that runs on several
/// threads, where the caller guarantees that the accesses are disjoint or synchronized.
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ v: T) { value = v }
}
