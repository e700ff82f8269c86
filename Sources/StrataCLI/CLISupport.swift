import ArgumentParser
import Foundation
import StrataFormat
import StrataGen
import StrataIngest
import StrataQuery
import StrataStore
import CStrataKernels
#if canImport(Glibc)
import Glibc
#endif

/// A command's failure: commands throw it, and `StrataMain.run` alone turns it into text on
/// stderr and the process's exit code (0 success, 1 user error, 2 corrupt data, 3 I/O or
/// internal error). `cause` keeps the lower layer's error (`StoreError`, `EngineError`,
/// `IngestError`, `FormatError`, `ClickGeneratorError`) with its location.
struct CLIError: Error {
    enum Kind: Int32 {
        case user = 1
        case corrupt = 2
        case ioOrInternal = 3
        /// Stopped by Ctrl-C (SIGINT): 128 + SIGINT, as a shell reports it.
        case cancelled = 130
    }

    /// Decides the exit code.
    var kind: Kind
    /// The first line as printed, prefix ("error: ", "corrupt data: ", "i/o error: ") included.
    var message: String
    /// Lines printed after the message (an SQL statement with a caret, further problems).
    var details: [String]
    /// The error this one came from, if any.
    var cause: (any Error)?

    init(_ kind: Kind, _ message: String, details: [String] = [], cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.details = details
        self.cause = cause
    }

    var exitCode: Int32 { kind.rawValue }

    /// What goes to stderr: the message and the details, one per line.
    var text: String {
        let s = ([message] + details).joined(separator: "\n")
        return s.hasSuffix("\n") ? s : s + "\n"
    }

    /// A user error (exit 1): "error: " and `message`.
    static func user(_ message: String, cause: (any Error)? = nil) -> CLIError {
        CLIError(.user, "error: " + message, cause: cause)
    }

    /// Corrupt data found (exit 2): "corrupt data: " and `message`.
    static func corrupt(_ message: String, cause: (any Error)? = nil) -> CLIError {
        CLIError(.corrupt, "corrupt data: " + message, cause: cause)
    }

    init(_ e: StoreError) {
        switch e.kind {
        case .user: self = .user(e.message, cause: e)
        case .locked, .conflict: self.init(.ioOrInternal, "error: " + e.message, cause: e)
        case .corrupt: self = .corrupt(e.message, cause: e)
        case .io: self.init(.ioOrInternal, "i/o error: " + e.message, cause: e)
        case .cancelled: self.init(.cancelled, e.message, cause: e)
        }
    }

    /// The engine's messages carry their prefix; the detail (statement and caret) follows.
    init(_ e: EngineError) {
        let kind: Kind = switch e.kind {
        case .user: .user
        case .corrupt: .corrupt
        case .internal: .ioOrInternal
        case .cancelled: .cancelled
        case .limit: .user
        }
        self.init(kind, e.message, details: e.detail.isEmpty ? [] : e.detail.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
                  cause: e)
    }

    /// A failed ingest: an input file that cannot be opened is a user error; a lock not
    /// obtained in time or a commit conflict is not the user's (exit 3, as for every command).
    init(_ e: IngestError) {
        switch e.kind {
        case .user, .refused: self = .user(e.message, cause: e)
        case .locked, .conflict: self.init(.ioOrInternal, "error: " + e.message, cause: e)
        case .corrupt: self = .corrupt(e.message, cause: e)
        case .io: self.init(e.message.contains("cannot open") ? .user : .ioOrInternal, "error: " + e.message, cause: e)
        case .cancelled: self.init(.cancelled, e.message, cause: e)
        }
    }

    /// A segment file that cannot be opened (exit 1) or read as a segment (exit 2).
    init(_ e: FormatError) {
        self.init(e.kind == .io ? .user : .corrupt, "corrupt data: " + e.description, cause: e)
    }

    init(_ e: ClickGeneratorError) {
        switch e {
        case .invalidOptions(let m): self = .user(m, cause: e)
        case .io(let path, let err): self = .user("cannot write '\(path)': \(String(cString: strerror(err)))", cause: e)
        }
    }
}

struct StoreOption: ParsableArguments {
    @Option(name: .long, help: "Store directory (default: $STRATA_STORE, else ./strata-data).")
    var store: String?

    func open(create: Bool = true) throws(CLIError) -> Store {
        do throws(StoreError) { return try Store(root: Store.defaultRoot(store), create: create) } catch { throw CLIError(error) }
    }

    /// Table `name` of the store, which must exist.
    func table(_ name: String) throws(CLIError) -> Table {
        let store = try open(create: false)
        do throws(StoreError) { return try store.table(name) } catch { throw CLIError(error) }
    }
}

/// Standard output goes through one buffered stream (as `print` does), so lines keep their order.
func writeOut(_ s: String) {
    print(s, terminator: "")
}

/// Writes rendered output to standard output, each chunk with as few write(2) calls as the
/// kernel allows; what `print` has buffered is flushed first, so the order is kept. A failing
/// write (a full disk, /dev/full, a closed pipe) ends the process: see `outputFailed`.
func writeOut(_ chunks: [ByteChunk]) {
    flushOutput()
    if !writeChunks(1, chunks) { outputFailed(errno) }
}

/// Flushes what `print` buffered on standard output; a failure ends the process (exit 3).
func flushOutput() {
    let e = strata_flush_stdout()
    if e != 0 { outputFailed(e) }
}

/// An answer that could not be written in full is an I/O error (exit 3), never a success.
/// It ends the process at once, even mid-output, rather than being thrown.
func outputFailed(_ e: Int32) -> Never {
    StrataMain.fail(CLIError(.ioOrInternal, "i/o error: cannot write the output: \(String(cString: strerror(e == 0 ? EIO : e)))"))
}

/// Writes the chunks in order to `fd`; false (errno set) at the first failing write.
func writeChunks(_ fd: Int32, _ chunks: [ByteChunk]) -> Bool {
    for c in chunks {
        let ok = c.withUnsafeBytes { raw -> Bool in
            guard var p = raw.baseAddress else { return true }
            var left = raw.count
            while left > 0 {
                let n = write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                p += n
                left -= n
            }
            return true
        }
        if !ok { return false }
    }
    return true
}

/// Writes rendered output to a file; nil on success, else the reason. A regular file (or a
/// new one) is replaced atomically: written to a temporary name beside it, then renamed over
/// it, through a symbolic link to its target (the link stays), so a failed write (a full
/// disk) leaves the old file as it was. Anything else that exists at `path` (a device such as
/// /dev/null or /dev/stdout, a FIFO) is written to in place: replacing it would put a
/// regular file where the device was.
func writeFile(_ path: String, _ chunks: [ByteChunk]) -> String? {
    func reason(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }
    var st = stat()
    if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { return reason() }
        if !writeChunks(fd, chunks) {
            let e = errno
            close(fd)
            return reason(e)
        }
        return close(fd) == 0 ? nil : reason()
    }
    var target = path
    if let resolved = realpath(path, nil) {
        target = String(cString: resolved)
        free(resolved)
    }
    let tmp = target + ".tmp-\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd < 0 { return reason() }
    if !writeChunks(fd, chunks) || close(fd) != 0 {
        let e = errno
        close(fd)
        unlink(tmp)
        return reason(e)
    }
    if rename(tmp, target) != 0 {
        let e = errno
        unlink(tmp)
        return reason(e)
    }
    return nil
}
