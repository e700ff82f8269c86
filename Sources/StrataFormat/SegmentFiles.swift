#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StrataCore

// The files StrataFormat itself reads and writes: segment files. General file I/O of the store
// (manifests, table folders, whole-file reads, directory syncs) lives in StrataStore.

private func errnoText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }

/// A file created exclusively and written sequentially; removed again unless finished.
final class NewFile {
    let path: String
    private var fd: Int32
    /// Bytes written so far (the offset of the next write, for `FileOpLog`).
    private var written = 0

    init(_ path: String) throws(FormatError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw FormatError(.io, "cannot create file: \(errnoText())", path: path) }
        if FileOpLog.isRecording { FileOpLog.record(.create(path)) }
    }

    deinit { abandon() }

    func write(_ bytes: [UInt8]) throws(FormatError) {
        if let e = writeAll(fd, bytes) {
            abandon()
            throw FormatError(.io, "cannot write file: \(errnoText(e))", path: path)
        }
        if FileOpLog.isRecording { FileOpLog.record(.write(path, offset: written, bytes: bytes)) }
        written += bytes.count
    }

    /// fsyncs (when asked) and closes the file.
    func finish(sync: Bool) throws(FormatError) {
        guard fd >= 0 else { throw FormatError(.io, "cannot write file: already closed", path: path) }
        if sync && fsync(fd) != 0 {
            let reason = errnoText()
            abandon()
            throw FormatError(.io, "cannot write file: \(reason)", path: path)
        }
        if sync && FileOpLog.isRecording { FileOpLog.record(.fsync(path)) }
        close(fd)
        fd = -1
    }

    /// Closes and removes an unfinished file.
    func abandon() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        if unlink(path) == 0 && FileOpLog.isRecording { FileOpLog.record(.unlink(path)) }
    }
}

/// A read-only memory mapping of a whole file. Unmapped on deinit.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(FormatError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FormatError(.io, "cannot open: \(errnoText())", path: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError(.io, "cannot stat: \(errnoText())", path: path) }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw FormatError(.io, "cannot map: \(errnoText())", path: path) }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
