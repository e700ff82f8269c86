import Synchronization

/// One file-system operation of the store, as the crash-state checker sees it (see
/// docs/reliability-tooling.md, "Crash states"). Paths are as passed to the system call.
public enum FileOp: Sendable, Equatable {
    /// `mkdir(path)`.
    case mkdir(String)
    /// A new, empty file (`open` with `O_CREAT | O_EXCL`).
    case create(String)
    /// `open` with `O_CREAT` but not `O_EXCL` (lock files): creates an empty file if missing.
    case openCreate(String)
    /// `bytes` written at `offset` (a `write`/`pwrite` that succeeded).
    case write(String, offset: Int, bytes: [UInt8])
    /// `ftruncate` to `size`.
    case truncate(String, size: Int)
    /// `fsync` of a regular file: its data and size are durable.
    case fsync(String)
    /// `fsync` of a directory: the names created, renamed and removed in it are durable.
    case fsyncDir(String)
    /// `rename(from, to)`, replacing `to` if present.
    case rename(String, String)
    /// `link(from, to)` (hard link; `to` did not exist).
    case link(String, String)
    /// `unlink(path)` of a file.
    case unlink(String)
    /// `rmdir(path)` of an empty directory.
    case rmdir(String)

    /// The paths the operation names.
    public var paths: [String] {
        switch self {
        case .mkdir(let p), .create(let p), .openCreate(let p), .write(let p, _, _), .truncate(let p, _),
             .fsync(let p), .fsyncDir(let p), .unlink(let p), .rmdir(let p):
            return [p]
        case .rename(let a, let b), .link(let a, let b):
            return [a, b]
        }
    }
}

/// Records the store's file operations under one directory, in the order they happened (a
/// test's recorder; see `FileOpLog`).
public final class FileOpRecorder: Sendable {
    /// Operations on paths under this directory (with a trailing `/`) are recorded.
    public let root: String
    private let log = Mutex<[FileOp]>([])

    public init(root: String) {
        self.root = root.hasSuffix("/") ? root : root + "/"
    }

    public var operations: [FileOp] { log.withLock { $0 } }

    func take(_ op: FileOp) -> Bool {
        guard op.paths.contains(where: { $0.hasPrefix(root) || $0 + "/" == root }) else { return false }
        log.withLock { $0.append(op) }
        return true
    }
}

/// The hook every file operation of the store goes through after it succeeded (StrataStore's
/// `StoreFS`, StrataFormat's segment files). Production code pays one relaxed atomic load per
/// file operation (not per byte): `isRecording` is false unless a test installed a recorder.
public enum FileOpLog {
    private static let active = Atomic<Int>(0)
    private static let recorders = Mutex<[FileOpRecorder]>([])

    @inline(__always)
    public static var isRecording: Bool { active.load(ordering: .relaxed) != 0 }

    /// Hands `op` to the recorders whose root holds one of its paths. Call only when
    /// `isRecording`.
    public static func record(_ op: FileOp) {
        recorders.withLock { list in
            for r in list { _ = r.take(op) }
        }
    }

    /// Starts recording operations under `recorder.root`.
    public static func install(_ recorder: FileOpRecorder) {
        recorders.withLock { $0.append(recorder) }
        active.add(1, ordering: .relaxed)
    }

    /// Stops recording for `recorder`.
    public static func remove(_ recorder: FileOpRecorder) {
        recorders.withLock { list in list.removeAll { $0 === recorder } }
        active.subtract(1, ordering: .relaxed)
    }
}
