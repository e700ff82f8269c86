import ArgumentParser
import Foundation
import StrataQuery
import StrataStore
import CStrataKernels
#if canImport(Glibc)
import Glibc
#endif

/// Exit codes: 0 success, 1 user error, 2 corrupt data, 3 internal error.
enum Exit {
    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write((message.hasSuffix("\n") ? message : message + "\n").data(using: .utf8)!)
        exit(code)
    }

    static func store(_ e: StoreError) -> Never {
        switch e.kind {
        case .user: fail("error: \(e.message)", code: 1)
        case .locked, .conflict: fail("error: \(e.message)", code: 3)
        case .corrupt: fail("corrupt data: \(e.message)", code: 2)
        case .io: fail("i/o error: \(e.message)", code: 3)
        }
    }

    static func engine(_ e: EngineError) -> Never {
        fail(e.description, code: e.kind == .user ? 1 : (e.kind == .corrupt ? 2 : 3))
    }
}

struct StoreOption: ParsableArguments {
    @Option(name: .long, help: "Store directory (default: $STRATA_STORE, else ./strata-data).")
    var store: String?

    func open(create: Bool = true) -> Store {
        do throws(StoreError) { return try Store(root: Store.defaultRoot(store), create: create) } catch { Exit.store(error) }
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
func outputFailed(_ e: Int32) -> Never {
    Exit.fail("i/o error: cannot write the output: \(String(cString: strerror(e == 0 ? EIO : e)))", code: 3)
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
