import Foundation
import StrataCore
#if canImport(Glibc)
import Glibc
#endif

/// File-system access for the store's own files and folders, never following symbolic links.
///
/// The store writes and deletes only regular files it created, inside its own directories. A
/// symbolic link (or anything else) where a store file or folder belongs is reported as
/// damage, never followed: following one would let `gc` or `delete` remove files outside the
/// store, or a writer truncate the file a `_lock` link points to. Deletion goes through
/// directory descriptors (`openat` with `O_NOFOLLOW`, `fstatat` without following, `unlinkat`),
/// so even a folder swapped for a link between two checks is not followed.
enum StoreFS {
    enum Kind: Equatable { case missing, directory, regular, symlink, other }

    /// What is at `path`, without following a final symbolic link.
    static func kind(_ path: String) -> Kind {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .missing }
        return kind(st.st_mode)
    }

    static func kind(_ mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    static func errnoText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }

    static func notOurs(_ path: String, _ k: Kind, expected: String) -> StoreError {
        let what = k == .symlink ? "is a symbolic link" : "is not a \(expected)"
        return StoreError(.corrupt, "\(path): \(what); the store never follows links or writes through foreign files there (move it away, then run the command again)", path: path)
    }

    /// Checks that `path` is a real directory (not a link); with `create`, a missing one is
    /// created. Without `create`, a missing directory is accepted.
    static func requireDirectory(_ path: String, create: Bool) throws(StoreError) {
        switch kind(path) {
        case .directory: return
        case .missing:
            guard create else { return }
            if !makeDirectory(path) && errno != EEXIST {
                throw StoreError(.io, "cannot create directory '\(path)': \(errnoText())", path: path)
            }
            let k = kind(path)
            guard k == .directory else { throw notOurs(path, k, expected: "directory") }
        case let k: throw notOurs(path, k, expected: "directory")
        }
    }

    /// Checks that `path` is a regular file or absent.
    static func requireRegularOrMissing(_ path: String) throws(StoreError) {
        let k = kind(path)
        guard k == .regular || k == .missing else { throw notOurs(path, k, expected: "regular file") }
    }

    /// Opens (creating) a store-owned lock or state file without following a link. Returns -1
    /// (errno set) when it cannot be opened for another reason (a read-only store).
    static func openOwnFile(_ path: String) throws(StoreError) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0 {
            let e = errno
            let k = kind(path)
            if e == ELOOP || (k != .regular && k != .missing) { throw notOurs(path, k, expected: "regular file") }
            errno = e
            return -1
        }
        if FileOpLog.isRecording { FileOpLog.record(.openCreate(path)) }
        var st = stat()
        if fstat(fd, &st) == 0 && kind(st.st_mode) != .regular {
            close(fd)
            throw notOurs(path, kind(st.st_mode), expected: "regular file")
        }
        return fd
    }

    // MARK: whole files (manifests, table folders)

    /// Creates `path` exclusively, writes `bytes`, fsyncs it when asked and closes it; a file
    /// that could not be written completely is removed again.
    static func writeNewFile(_ path: String, _ bytes: [UInt8], sync: Bool) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw StoreError(.io, "\(path): cannot create file: \(errnoText())", path: path) }
        let recording = FileOpLog.isRecording
        if recording { FileOpLog.record(.create(path)) }
        var failure = writeAll(fd, bytes).map { errnoText($0) }
        if failure == nil && recording { FileOpLog.record(.write(path, offset: 0, bytes: bytes)) }
        if failure == nil && sync {
            if fsync(fd) != 0 { failure = errnoText() } else if recording { FileOpLog.record(.fsync(path)) }
        }
        close(fd)
        if let failure {
            removeFile(path)
            throw StoreError(.io, "\(path): cannot write file: \(failure)", path: path)
        }
    }

    /// Reads a whole (small) file; one larger than `limit` bytes is damage.
    static func readFile(_ path: String, limit: Int = 1 << 30) throws(StoreError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw StoreError(.io, "\(path): cannot open: \(errnoText())", path: path) }
        defer { close(fd) }
        var st = Glibc.stat()
        guard fstat(fd, &st) == 0 else { throw StoreError(.io, "\(path): cannot stat: \(errnoText())", path: path) }
        let size = Int(st.st_size)
        guard size <= limit else { throw StoreError(.corrupt, "\(path): file is larger than \(limit) bytes", path: path) }
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
        if let failure { throw StoreError(.io, "\(path): cannot read: \(failure)", path: path) }
        if off < size { out.removeLast(size - off) }
        return out
    }

    /// fsyncs a directory so renames and creations in it are durable.
    static func syncDirectory(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw StoreError(.io, "\(path): cannot open directory: \(errnoText())", path: path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw StoreError(.io, "\(path): cannot sync directory: \(errnoText())", path: path) }
        if FileOpLog.isRecording { FileOpLog.record(.fsyncDir(path)) }
    }

    static func rename(_ from: String, _ to: String) throws(StoreError) {
        if Glibc.rename(from, to) != 0 { throw StoreError(.io, "\(from): cannot rename to '\(to)': \(errnoText())") }
        if FileOpLog.isRecording { FileOpLog.record(.rename(from, to)) }
    }

    // The store's other system calls that change names, each recorded for the crash-state
    // checker (`FileOpLog`; one relaxed load per call when no test records).

    /// `mkdir(path, 0755)`; false with `errno` set when it failed.
    static func makeDirectory(_ path: String) -> Bool {
        guard mkdir(path, 0o755) == 0 else { return false }
        if FileOpLog.isRecording { FileOpLog.record(.mkdir(path)) }
        return true
    }

    /// `unlink(path)`; false with `errno` set when it failed (a missing file is no error to
    /// the callers, which remove what may be gone).
    @discardableResult
    static func removeFile(_ path: String) -> Bool {
        guard unlink(path) == 0 else { return false }
        if FileOpLog.isRecording { FileOpLog.record(.unlink(path)) }
        return true
    }

    /// `link(from, to)`: 0, or the `errno` of the failure.
    static func link(_ from: String, _ to: String) -> Int32 {
        guard Glibc.link(from, to) == 0 else { return errno }
        if FileOpLog.isRecording { FileOpLog.record(.link(from, to)) }
        return 0
    }

    /// Creates `path` and any missing parents; the parent of each folder created is fsynced,
    /// so the new folders survive a crash (a store created just before a crash is there after
    /// it).
    static func createDirectories(_ path: String, what: String = "directory") throws(StoreError) {
        var missing: [String] = []
        var p = path
        while !p.isEmpty && p != "/" && kind(p) == .missing {
            missing.append(p)
            p = (p as NSString).deletingLastPathComponent
        }
        for d in missing.reversed() where !makeDirectory(d) && errno != EEXIST {
            throw StoreError(.io, "cannot create \(what) '\(path)': \(d): \(errnoText())", path: d)
        }
        for d in missing {
            let parent = (d as NSString).deletingLastPathComponent
            // a parent this process may create in but not read (mode 0333) cannot be synced:
            // the folder is there, only its durability is the system's
            let dirPath = parent.isEmpty ? "." : parent
            if access(dirPath, R_OK) != 0 { continue }
            try syncDirectory(dirPath)
        }
    }

    /// Records the writer lock file's new content (the holder's pid), written in place.
    static func recordLockContent(_ path: String, _ bytes: [UInt8]) {
        guard FileOpLog.isRecording else { return }
        FileOpLog.record(.truncate(path, size: 0))
        FileOpLog.record(.write(path, offset: 0, bytes: bytes))
    }

    static func fileSize(_ path: String) -> Int? {
        var st = Glibc.stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    /// An open directory, reached without following links.
    final class Dir {
        let fd: Int32
        let path: String

        /// Opens `path` itself (its final component must not be a link).
        init(_ path: String) throws(StoreError) {
            self.path = path
            fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 {
                let e = errno
                let k = StoreFS.kind(path)
                if k == .missing { throw StoreError(.io, "cannot open directory '\(path)': \(StoreFS.errnoText(e))", path: path) }
                if k != .directory { throw StoreFS.notOurs(path, k, expected: "directory") }
                throw StoreError(.io, "cannot open directory '\(path)': \(StoreFS.errnoText(e))", path: path)
            }
        }

        /// Opens the sub-directory `name`, refusing a link.
        init(in parent: Dir, _ name: String) throws(StoreError) {
            path = parent.path + "/" + name
            fd = openat(parent.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 {
                let e = errno
                let k = parent.kind(name)
                if k != .directory && k != .missing { throw StoreFS.notOurs(path, k, expected: "directory") }
                throw StoreError(.io, "cannot open directory '\(path)': \(StoreFS.errnoText(e))", path: path)
            }
        }

        deinit { close(fd) }

        /// Entry names, without `.` and `..`.
        func entries() -> [String] {
            let dup = Glibc.dup(fd)
            guard dup >= 0, let d = fdopendir(dup) else {
                if dup >= 0 { close(dup) }
                return []
            }
            defer { closedir(d) }
            rewinddir(d)
            var out: [String] = []
            while let e = readdir(d) {
                let name = withUnsafePointer(to: e.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != "." && name != ".." { out.append(name) }
            }
            return out
        }

        /// lstat of an entry.
        func stat(_ name: String) -> Glibc.stat? {
            var st = Glibc.stat()
            guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
            return st
        }

        func kind(_ name: String) -> Kind {
            guard let st = stat(name) else { return .missing }
            return StoreFS.kind(st.st_mode)
        }

        /// Seconds since the entry was last modified (0 if unknown).
        func age(_ name: String, now: Double) -> Double {
            guard let st = stat(name) else { return 0 }
            return now - (Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        }

        /// Removes the regular file `name`; false (nothing removed) for anything else.
        func removeFile(_ name: String) -> Bool {
            guard kind(name) == .regular else { return false }
            return unlink(name, flags: 0)
        }

        /// Removes the empty sub-directory `name`.
        @discardableResult
        func removeEmptyDirectory(_ name: String) -> Bool { unlink(name, flags: AT_REMOVEDIR) }

        /// `unlinkat` of an entry, recorded (`FileOpLog`).
        private func unlink(_ name: String, flags: Int32) -> Bool {
            guard unlinkat(fd, name, flags) == 0 else { return false }
            if FileOpLog.isRecording { FileOpLog.record(flags == AT_REMOVEDIR ? .rmdir(path + "/" + name) : .unlink(path + "/" + name)) }
            return true
        }

        /// Removes `name` and, for a real directory, everything below it. A link is removed
        /// as a link: nothing it points to is touched.
        func removeTree(_ name: String) {
            if kind(name) == .directory, let sub = try? Dir(in: self, name) {
                for e in sub.entries() { sub.removeTree(e) }
                _ = unlink(name, flags: AT_REMOVEDIR)
            } else {
                _ = unlink(name, flags: 0)
            }
        }
    }

    /// Removes `path` and everything below it without following links (for a link: the link).
    static func removeTree(_ path: String) {
        let parent = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        guard let d = try? Dir(parent.isEmpty ? "." : parent) else { return }
        d.removeTree(name)
    }

    /// The process holding an exclusive `flock` on the file open as `fd`, read from
    /// `/proc/locks` ("pid N (command)"), or nil when the system does not tell.
    static func lockHolder(_ fd: Int32) -> String? {
        var st = Glibc.stat()
        guard fstat(fd, &st) == 0, let text = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        let major = (st.st_dev >> 8) & 0xfff, minor = (st.st_dev & 0xff) | ((st.st_dev >> 12) & 0xfff00)
        let want = String(format: "%02x:%02x:%lu", major, minor, UInt(st.st_ino))
        let inode = ":\(st.st_ino)"
        var candidates: [(exact: Bool, pid: Int32)] = []
        for line in text.split(separator: "\n") {
            // "1: FLOCK  ADVISORY  WRITE 12345 08:01:1234 0 EOF" (waiters have "->" after the number)
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 6, f[1] == "FLOCK", f[3] == "WRITE", f[5].hasSuffix(inode), let pid = Int32(f[4]), pid > 0 else { continue }
            candidates.append((f[5] == want, pid))
        }
        // the device numbers of an overlay file system differ between stat and /proc/locks:
        // fall back to the inode alone
        if let (_, pid) = candidates.first(where: { $0.exact }) ?? candidates.first {
            let cmd = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?
                .split(separator: "\0").prefix(4).joined(separator: " ") ?? ""
            return cmd.isEmpty ? "pid \(pid)" : "pid \(pid) (\(cmd))"
        }
        return nil
    }
}

/// A shared `flock` on a table's `_staging` file, held by a process while it has staged
/// segments of that table that are not committed or discarded yet: one per table and
/// process, shared by all its staged files and released with the last of them. `gc` removes
/// staged files only while it can take the lock exclusively, so it never removes the files of
/// a live writer however long that writer runs, and removes a crashed writer's files as soon
/// as it runs with `--now` (the kernel drops a dead process's locks).
final class StagingLease: @unchecked Sendable {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    private final class WeakLease {
        weak var lease: StagingLease?
        init(_ l: StagingLease) { lease = l }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var leases: [String: WeakLease] = [:]

    static func acquire(_ table: Table) throws(StoreError) -> StagingLease {
        lock.lock()
        defer { lock.unlock() }
        if let l = leases[table.dir]?.lease { return l }
        let path = table.dir + "/_staging"
        let fd = try StoreFS.openOwnFile(path)
        guard fd >= 0 else { throw StoreError(.io, "cannot open '\(path)': \(StoreFS.errnoText())", path: path) }
        while flock(fd, LOCK_SH) != 0 {
            if errno == EINTR { continue }
            let e = errno
            close(fd)
            throw StoreError(.io, "cannot lock '\(path)': \(StoreFS.errnoText(e))", path: path)
        }
        let l = StagingLease(fd: fd)
        leases[table.dir] = WeakLease(l)
        return l
    }
}
