#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers with errors that name the file.
public enum FileIO {
    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Creates `path` exclusively, writes `bytes`, optionally fsyncs, closes.
    public static func writeNewFile(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FormatError) {
        let file = try NewFile(path)
        try file.write(bytes)
        try file.finish(sync: sync)
    }

    /// A file created exclusively and written sequentially; removed again unless finished.
    public final class NewFile {
        let path: String
        private var fd: Int32

        public init(_ path: String) throws(FormatError) {
            self.path = path
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd < 0 { throw FormatError(.io, "cannot create file: \(errnoText())", path: path) }
        }

        deinit { abandon() }

        public func write(_ bytes: [UInt8]) throws(FormatError) {
            var failure: String?
            bytes.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errnoText()
                        return
                    }
                    off += n
                }
            }
            if let failure {
                abandon()
                throw FormatError(.io, "cannot write file: \(failure)", path: path)
            }
        }

        /// fsyncs (when asked) and closes the file.
        public func finish(sync: Bool) throws(FormatError) {
            guard fd >= 0 else { throw FormatError(.io, "cannot write file: already closed", path: path) }
            if sync && fsync(fd) != 0 {
                let reason = errnoText()
                abandon()
                throw FormatError(.io, "cannot write file: \(reason)", path: path)
            }
            close(fd)
            fd = -1
        }

        /// Closes and removes an unfinished file.
        public func abandon() {
            guard fd >= 0 else { return }
            close(fd)
            fd = -1
            unlink(path)
        }
    }

    /// fsyncs a directory so renames and creations in it are durable.
    public static func syncDirectory(_ path: String) throws(FormatError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw FormatError(.io, "cannot open directory: \(errnoText())", path: path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw FormatError(.io, "cannot sync directory: \(errnoText())", path: path) }
    }

    public static func rename(_ from: String, _ to: String) throws(FormatError) {
        if Glibc.rename(from, to) != 0 { throw FormatError(.io, "cannot rename to '\(to)': \(errnoText())", path: from) }
    }

    /// Reads a whole (small) file.
    public static func readFile(_ path: String, limit: Int = 1 << 30) throws(FormatError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FormatError(.io, "cannot open: \(errnoText())", path: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError(.io, "cannot stat: \(errnoText())", path: path) }
        let size = Int(st.st_size)
        guard size <= limit else { throw FormatError(.corrupt, "file is larger than \(limit) bytes", path: path) }
        var out = [UInt8](repeating: 0, count: size)
        var off = 0
        var failure: String?
        out.withUnsafeMutableBytes { raw in
            while off < size {
                let n = read(fd, raw.baseAddress! + off, size - off)
                if n < 0 { if errno == EINTR { continue }; failure = errnoText(); return }
                if n == 0 { break }
                off += n
            }
        }
        if let failure { throw FormatError(.io, "cannot read: \(failure)", path: path) }
        if off < size { out.removeLast(size - off) }
        return out
    }

    public static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }
}

/// A read-only memory mapping of a whole file. Unmapped on deinit.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws(FormatError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FormatError(.io, "cannot open: \(FileIO.errnoText())", path: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError(.io, "cannot stat: \(FileIO.errnoText())", path: path) }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw FormatError(.io, "cannot map: \(FileIO.errnoText())", path: path) }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
