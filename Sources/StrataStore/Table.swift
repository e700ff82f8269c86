import Foundation
import StrataFormat
#if canImport(Glibc)
import Glibc
#endif

/// A table directory: numbered manifests, partition directories of segments, locks.
///
/// Writers stage segments in `_tmp/`, then `commit` (under the writer lock) moves them into
/// their partition directories and writes the next manifest version. Readers take a shared
/// lock on `_readers` for the lifetime of a `Snapshot`; garbage collection deletes files only
/// while it holds that lock exclusively.
public final class Table: Sendable {
    public let store: Store
    public let name: String
    public let dir: String

    /// Manifest versions kept for readers that started on an older version.
    public static let manifestsKept = 4
    /// Default seconds before unreferenced files may be deleted.
    public static let defaultGraceSeconds: Double = 300

    init(store: Store, name: String, dir: String) {
        self.store = store
        self.name = name
        self.dir = dir
    }

    static func manifestName(_ v: UInt64) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s + ".manifest"
    }

    var manifestDir: String { dir + "/_manifest" }
    var tmpDir: String { dir + "/_tmp" }

    /// Manifest versions present on disk, newest first.
    func manifestVersions() -> [UInt64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: manifestDir)) ?? []
        return names.compactMap { n -> UInt64? in
            guard n.hasSuffix(".manifest"), n.count == 29 else { return nil }
            return UInt64(n.prefix(20))
        }.sorted(by: >)
    }

    public func manifestPath(_ v: UInt64) -> String { manifestDir + "/" + Table.manifestName(v) }

    func readManifest(_ v: UInt64) throws(StoreError) -> Manifest {
        let path = manifestPath(v)
        let key = ManifestCache.key(path)
        if let key, let m = store.manifestCache.lookup(key, table: dir) { return m }
        let bytes: [UInt8]
        do throws(FormatError) { bytes = try FileIO.readFile(path, limit: 1 << 30) } catch { throw StoreError(error) }
        let m = try Manifest.decode(bytes, path: path)
        guard m.version == v else { throw StoreError(.corrupt, "\(path): holds version \(m.version)") }
        if let key { store.manifestCache.store(key, table: dir, m) }
        return m
    }

    /// The newest complete, checksum-valid manifest.
    public func currentManifest() throws(StoreError) -> Manifest {
        var firstError: StoreError?
        for v in manifestVersions() {
            do throws(StoreError) {
                return try readManifest(v)
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        throw firstError ?? StoreError(.corrupt, "table '\(name)' has no manifest")
    }

    public var definition: TableDefinition {
        get throws(StoreError) { try currentManifest().table }
    }

    public func segmentPath(_ s: SegmentEntry) -> String { dir + "/" + s.relativePath }

    // MARK: - locks

    /// Runs `body` holding the table's exclusive writer lock, waiting up to `timeout` seconds.
    public func withWriterLock<T>(timeout: Double = 60, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        let path = dir + "/_lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw StoreError(.io, "cannot open lock file '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if Date() >= deadline {
                var buf = [UInt8](repeating: 0, count: 32)
                let n = pread(fd, &buf, 31, 0)
                let holder = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
                throw StoreError(.locked, "table '\(name)' is locked by another writer (pid \(holder)); gave up after \(Int(timeout)) s")
            }
            usleep(20_000)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// A consistent read view: one manifest version, with its segment files protected from
    /// garbage collection until `close()` (or deinit).
    public func snapshot() throws(StoreError) -> Snapshot {
        let fd = open(dir + "/_readers", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd >= 0 { _ = flock(fd, LOCK_SH) }
        do throws(StoreError) {
            let m = try currentManifest()
            return Snapshot(table: self, manifest: m, lockFD: fd)
        } catch {
            if fd >= 0 { close(fd) }
            throw error
        }
    }

    // MARK: - writing

    /// A segment written to `_tmp/` and not yet visible.
    public struct StagedSegment: Sendable {
        public var entry: SegmentEntry
        public var tmpPath: String
    }

    static func newSegmentID() -> String {
        let t = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        let r = UInt32.random(in: 0...UInt32.max)
        let hex = String(r, radix: 16)
        return "seg-\(t)-\(String(repeating: "0", count: 8 - hex.count))\(hex)"
    }

    /// Encodes rows (already sorted by the sort key, all in partition `partitionStart`) into a
    /// staged segment file, fsynced.
    public func stageSegment(definition def: TableDefinition, columns: [Column], partitionStart: Int64,
                             level: Int = 0) throws(StoreError) -> StagedSegment {
        var opts = SegmentWriterOptions()
        opts.blockRows = def.blockRows
        opts.codecs = Array(repeating: def.codec, count: def.columns.count)
        opts.timeColumn = def.timeColumnIndex
        opts.sortKey = def.sortKey.compactMap { def.columnIndex($0) }
        opts.partition = def.granularity.label(partitionStart)
        opts.createdBy = "strata"
        let id = Table.newSegmentID()
        try? FileManager.default.createDirectory(atPath: tmpDir, withIntermediateDirectories: true)
        let tmp = "\(tmpDir)/\(id).seg"
        let footer: SegmentFooter, size: Int
        do throws(FormatError) { (footer, size) = try SegmentWriter.write(schema: def.columns, columns: columns, options: opts, to: tmp, sync: true) } catch { throw StoreError(error) }
        // the manifest keeps time ranges in µs; a DATE time column's footer range is in days
        let isDate = def.timeColumnIndex.map { def.columns[$0].type == .date } ?? false
        let scale: Int64 = isDate && footer.rowCount > 0 ? 86_400_000_000 : 1
        let entry = SegmentEntry(id: id, partition: opts.partition, partitionStart: partitionStart, rows: Int(footer.rowCount),
                                 bytes: size, minTime: footer.minTime * scale,
                                 maxTime: isDate && footer.rowCount > 0 ? (footer.maxTime + 1) * scale - 1 : footer.maxTime, level: level,
                                 createdAt: Date().timeIntervalSince1970)
        return StagedSegment(entry: entry, tmpPath: tmp)
    }

    /// Test hook: called with the name of each commit step; throwing simulates a crash there.
    /// It applies only to commits on the thread that installed it, so tests running in
    /// parallel do not crash each other's commits.
    public static var crashPoint: ((String) throws -> Void)? {
        get { crashHooks.current }
        set { crashHooks.current = newValue }
    }
    static let crashHooks = ThreadHooks<(String) throws -> Void>()

    static func step(_ name: String) throws(StoreError) {
        guard let hook = crashPoint else { return }
        do { try hook(name) } catch { throw StoreError(.io, "simulated crash at \(name)") }
    }

    /// Makes staged segments visible in one new manifest version.
    ///
    /// - `removing`: ids of live segments this commit replaces (compaction, deletes); the
    ///   commit fails with `.conflict` if any of them is no longer live.
    /// - `batch`: ledger record; if a batch with the same id is already applied the commit is
    ///   skipped and `nil` is returned (idempotent ingest) unless `force`.
    /// - `update`: optional change to the table definition (e.g. ALTER of options).
    @discardableResult
    public func commit(adding staged: [StagedSegment], removing: [String] = [], batch: BatchRecord? = nil,
                       force: Bool = false, update: ((inout TableDefinition) -> Void)? = nil,
                       lockTimeout: Double = 60) throws(StoreError) -> Manifest? {
        try withWriterLock(timeout: lockTimeout) { () throws(StoreError) -> Manifest? in
            let current = try currentManifest()
            if let batch, !force, current.batches.contains(where: { $0.id == batch.id }) {
                for s in staged { unlink(s.tmpPath) }
                return nil
            }
            let live = Set(current.segments.map(\.id))
            for id in removing where !live.contains(id) {
                throw StoreError(.conflict, "segment \(id) is no longer live (changed by a concurrent commit)")
            }
            // 1. move staged files into their partition directories and make that durable
            var dirs = Set<String>()
            for s in staged {
                let pdir = dir + "/" + s.entry.partition
                if !FileManager.default.fileExists(atPath: pdir) {
                    do { try FileManager.default.createDirectory(atPath: pdir, withIntermediateDirectories: true) } catch {
                        throw StoreError(.io, "cannot create partition directory '\(pdir)': \(error.localizedDescription)")
                    }
                    dirs.insert(dir)
                }
                try Table.step("rename")
                do throws(FormatError) { try FileIO.rename(s.tmpPath, pdir + "/" + s.entry.id + ".seg") } catch { throw StoreError(error) }
                dirs.insert(pdir)
            }
            try Table.step("sync-dirs")
            do throws(FormatError) { for d in dirs.sorted() { try FileIO.syncDirectory(d) } } catch { throw StoreError(error) }
            // 2. the next manifest version, written to a temporary name and renamed atomically
            var next = current
            next.version = current.version + 1
            next.committedAt = Date().timeIntervalSince1970
            let removed = Set(removing)
            next.segments = current.segments.filter { !removed.contains($0.id) } + staged.map(\.entry)
            next.segments.sort { ($0.partitionStart, $0.createdAt, $0.id) < ($1.partitionStart, $1.createdAt, $1.id) }
            if let batch {
                next.batches.append(batch)
                if next.batches.count > Manifest.ledgerWindow { next.batches.removeFirst(next.batches.count - Manifest.ledgerWindow) }
            }
            if let update { update(&next.table) }
            let bytes = try next.encode()
            let tmp = "\(manifestDir)/.tmp-\(next.version)-\(getpid())"
            unlink(tmp)
            try Table.step("write-manifest")
            do {
                try FileIO.writeNewFile(tmp, bytes, sync: true)
                try Table.step("rename-manifest")
                try FileIO.rename(tmp, manifestPath(next.version))
                try Table.step("sync-manifest-dir")
                try FileIO.syncDirectory(manifestDir)
            } catch let e as FormatError {
                throw StoreError(e)
            } catch let e as StoreError {
                throw e
            } catch {
                throw StoreError(.io, "\(error)")
            }
            return next
        }
    }

    /// Replaces the table definition (options, codec) in a new manifest version.
    public func alter(_ update: @escaping (inout TableDefinition) -> Void) throws(StoreError) {
        var probe = try currentManifest().table
        update(&probe)
        try probe.validate()
        try commit(adding: [], update: update)
    }

    // MARK: - garbage collection

    public struct GCReport: Sendable {
        public var deletedFiles: [String] = []
        public var skippedBecauseReaders = false
    }

    /// Deletes manifests beyond the kept window and files no kept manifest references, once
    /// they are older than `graceSeconds` (or at once with `now`), and only while no reader
    /// holds a snapshot and no writer is committing (it skips the run otherwise).
    ///
    /// With `retiredImmediately`, segments only older versions reference are deleted at once:
    /// safe because every reader holds the reader lock for as long as it uses a version, and
    /// this runs only while no reader holds it (used after compaction and erasure so replaced
    /// files do not linger; the older manifests stay for history but their segments are gone).
    @discardableResult
    public func collectGarbage(graceSeconds: Double = Table.defaultGraceSeconds, now: Bool = false,
                               retiredImmediately: Bool = false) -> GCReport {
        var report = GCReport()
        let fd = open(dir + "/_readers", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return report }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            report.skippedBecauseReaders = true
            return report
        }
        defer { flock(fd, LOCK_UN) }
        // a committing writer renames files into partition directories before its manifest
        // exists: never look at them while it holds the writer lock
        let wfd = open(dir + "/_lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard wfd >= 0 else { return report }
        defer { close(wfd) }
        guard flock(wfd, LOCK_EX | LOCK_NB) == 0 else { return report }
        defer { flock(wfd, LOCK_UN) }
        let fm = FileManager.default
        let clock = Date().timeIntervalSince1970
        func age(_ path: String) -> Double {
            guard let a = try? fm.attributesOfItem(atPath: path), let m = a[.modificationDate] as? Date else { return 0 }
            return clock - m.timeIntervalSince1970
        }
        let versions = manifestVersions()
        var kept: [Manifest] = []
        for (i, v) in versions.enumerated() {
            // a version older than the kept window goes once its successor is past the grace period
            if i >= Table.manifestsKept, now || age(manifestPath(versions[i - 1])) > graceSeconds {
                if unlink(manifestPath(v)) == 0 { report.deletedFiles.append(manifestPath(v)) }
                continue
            }
            if let m = try? readManifest(v) { kept.append(m) }
        }
        guard !kept.isEmpty else { return report }
        let referenced = Set((retiredImmediately ? [kept[0]] : kept).flatMap { $0.segments.map(\.relativePath) })
        let items = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
        for p in items where !p.hasPrefix("_") && !p.hasPrefix(".") {
            let pdir = dir + "/" + p
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: pdir, isDirectory: &isDir), isDir.boolValue else { continue }
            let files = (try? fm.contentsOfDirectory(atPath: pdir)) ?? []
            for f in files where !referenced.contains(p + "/" + f) {
                let path = pdir + "/" + f
                if now || retiredImmediately || age(path) > graceSeconds, unlink(path) == 0 { report.deletedFiles.append(path) }
            }
            if (try? fm.contentsOfDirectory(atPath: pdir))?.isEmpty == true { rmdir(pdir) }
        }
        // staged files of writers that never committed (crashed); live writers commit well
        // within the grace period
        for f in (try? fm.contentsOfDirectory(atPath: tmpDir)) ?? [] {
            let path = tmpDir + "/" + f
            if age(path) > graceSeconds, unlink(path) == 0 { report.deletedFiles.append(path) }
        }
        for f in (try? fm.contentsOfDirectory(atPath: manifestDir)) ?? [] where f.hasPrefix(".tmp-") {
            let path = manifestDir + "/" + f
            if age(path) > graceSeconds, unlink(path) == 0 { report.deletedFiles.append(path) }
        }
        return report
    }
}

/// A consistent view of one manifest version. Segment readers are opened lazily and cached.
public final class Snapshot: @unchecked Sendable {
    public let table: Table
    public let manifest: Manifest
    private var lockFD: Int32
    private let lock = NSLock()
    private var readers: [String: SegmentReader] = [:]

    init(table: Table, manifest: Manifest, lockFD: Int32) {
        self.table = table
        self.manifest = manifest
        self.lockFD = lockFD
    }

    deinit { close() }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if lockFD >= 0 {
            Glibc.close(lockFD)
            lockFD = -1
        }
    }

    public var definition: TableDefinition { manifest.table }
    public var segments: [SegmentEntry] { manifest.segments }

    /// Opens (once) the reader of a live segment, checking it matches its manifest entry.
    public func reader(_ s: SegmentEntry) throws(StoreError) -> SegmentReader {
        lock.lock()
        if let r = readers[s.id] { lock.unlock(); return r }
        lock.unlock()
        let path = table.segmentPath(s)
        let r: SegmentReader
        do throws(FormatError) { r = try SegmentReader(path: path) } catch { throw StoreError(error) }
        guard r.rowCount == s.rows else {
            throw StoreError(.corrupt, "\(path): holds \(r.rowCount) rows, manifest says \(s.rows)")
        }
        lock.lock()
        readers[s.id] = r
        lock.unlock()
        return r
    }
}
