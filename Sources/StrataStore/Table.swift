import Foundation
import StrataCore
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
        bytes = try StoreFS.readFile(path, limit: 1 << 30)
        let m = try Manifest.decode(bytes, path: path)
        guard m.version == v else { throw StoreError(.corrupt, "\(path): holds version \(m.version)", path: path) }
        if let key { store.manifestCache.store(key, table: dir, m) }
        return m
    }

    /// The newest manifest version: the table's state.
    ///
    /// Commits write a manifest to a temporary name, fsync it and only then give it its
    /// number, so the newest numbered manifest is always complete. One that fails its checksum
    /// or has a format version this build does not read is damage (or a newer Strata's
    /// commit): it is never skipped in favour of an older version, which would silently answer
    /// from old data and let the next commit reuse its number and lose its batch. Readers and
    /// writers both refuse the table until `strata repair` moves it aside.
    public func currentManifest() throws(StoreError) -> Manifest {
        guard let v = manifestVersions().first else {
            throw StoreError(.corrupt, "\(manifestDir): table '\(name)' has no manifest", path: manifestDir)
        }
        do throws(StoreError) {
            return try readManifest(v)
        } catch {
            throw StoreError(.corrupt, "\(error.message); the newest manifest of table '\(name)' cannot be read, so the table is neither read nor written (nothing was changed): `strata repair \(name)` shows what it would move aside",
                             path: error.path, cause: error)
        }
    }

    /// Checks that the table's own folders and files are what the store made: real
    /// directories and regular files, never symbolic links (see `StoreFS`).
    func checkLayout() throws(StoreError) {
        let k = StoreFS.kind(dir)
        if k == .missing { throw StoreError(.user, "table '\(name)' does not exist", path: dir) }
        guard k == .directory else { throw StoreFS.notOurs(dir, k, expected: "directory") }
        try StoreFS.requireDirectory(manifestDir, create: false)
        try StoreFS.requireDirectory(tmpDir, create: false)
        for f in ["_lock", "_readers", "_staging"] { try StoreFS.requireRegularOrMissing(dir + "/" + f) }
    }

    public var definition: TableDefinition {
        get throws(StoreError) { try currentManifest().table }
    }

    public func segmentPath(_ s: SegmentEntry) -> String { dir + "/" + s.relativePath }

    // MARK: - locks

    /// Runs `body` holding the table's exclusive writer lock, waiting up to `timeout` seconds.
    public func withWriterLock<T>(timeout: Double = 60, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try checkLayout()
        let path = dir + "/_lock"
        let fd = try StoreFS.openOwnFile(path)
        if fd < 0 { throw StoreError(.io, "cannot open lock file '\(path)': \(String(cString: strerror(errno)))", path: path) }
        defer { close(fd) }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if Date() >= deadline {
                // the kernel knows who holds the lock (a writer or a running gc); the pid in
                // the file is only the last writer's
                var holder = StoreFS.lockHolder(fd)
                if holder == nil {
                    var buf = [UInt8](repeating: 0, count: 32)
                    let n = pread(fd, &buf, 31, 0)
                    if n > 0 { holder = "pid " + String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
                }
                throw StoreError(.locked, "table '\(name)' is locked by another process (\(holder ?? "holder unknown")) holding \(path); gave up after \(Int(timeout)) s", path: path)
            }
            usleep(20_000)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        StoreFS.recordLockContent(path, pid)
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// A consistent read view: one manifest version, with its segment files protected from
    /// garbage collection until `close()` (or deinit).
    public func snapshot() throws(StoreError) -> Snapshot {
        // readers write nothing but `_readers` (opened without following a link): the table
        // folder itself must not be a link, the rest of the layout is the writers' concern
        // (`checkLayout`), which keeps a statement's file checks to one `lstat` per segment
        try StoreFS.requireDirectory(dir, create: false)
        // no snapshot without the reader lock: garbage collection could delete its files
        // under it (a store that cannot be written cannot be read either)
        let path = dir + "/_readers"
        let fd = try StoreFS.openOwnFile(path)
        guard fd >= 0 else {
            let e = errno
            throw StoreError(.io, "\(path): cannot open the reader lock file: \(StoreFS.errnoText(e)) (a snapshot needs it to keep garbage collection away from its files)", path: path)
        }
        var locked = flock(fd, LOCK_SH)
        while locked != 0 && errno == EINTR { locked = flock(fd, LOCK_SH) }
        if locked != 0 {
            let e = errno
            close(fd)
            throw StoreError(.io, "\(path): cannot take the shared reader lock: \(StoreFS.errnoText(e))", path: path)
        }
        do throws(StoreError) {
            let m = try currentManifest()
            try checkSegmentFiles(m)
            store.segmentReaders.keep(under: dir, Set(m.segments.map(segmentPath)))
            return Snapshot(table: self, manifest: m, lockFD: fd)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Every segment file `m` references exists as a regular file of the size the manifest
    /// recorded: one `lstat` per file, so a query never answers from the manifest alone
    /// (`count(*)`) while data is missing. (A partition folder that is a link is read
    /// through; gc and writers report it.)
    func checkSegmentFiles(_ m: Manifest) throws(StoreError) {
        for s in m.segments {
            let path = segmentPath(s)
            var st = stat()
            guard lstat(path, &st) == 0 else {
                throw StoreError(.corrupt, "\(path): segment file referenced by manifest version \(m.version) is missing (\(String(cString: strerror(errno))))", path: path)
            }
            let k = StoreFS.kind(st.st_mode)
            guard k == .regular else { throw StoreFS.notOurs(path, k, expected: "regular file") }
            guard Int(st.st_size) == s.bytes else {
                throw StoreError(.corrupt, "\(path): segment file is \(st.st_size) bytes, manifest version \(m.version) says \(s.bytes) (truncated or replaced)", path: path)
            }
        }
    }

    // MARK: - writing

    /// A segment written to `_tmp/` and not yet visible. The staged file belongs to it: once
    /// the last copy of a staged segment that was not committed goes away (an error, a
    /// skipped duplicate batch), the file is removed, so a failed writer leaves nothing in
    /// `_tmp/`. While any staged segment of a table lives, the process holds a shared lock
    /// on the table's `_staging` file, which tells `gc` that a writer is at work.
    public struct StagedSegment: Sendable {
        public var entry: SegmentEntry
        public var tmpPath: String { file.path }
        let file: StagedFile
    }

    /// See `StagedSegment`.
    final class StagedFile: @unchecked Sendable {
        let path: String
        let lease: StagingLease

        init(path: String, lease: StagingLease) {
            self.path = path
            self.lease = lease
        }

        /// After a commit renamed the file away nothing is left at `path`; otherwise the
        /// writer failed or skipped it.
        deinit { StoreFS.removeFile(path) }
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
        try stageSegment(definition: def, partitionStart: partitionStart, level: level) { (tmp, opts) throws(FormatError) in
            try SegmentWriter.write(schema: def.columns, columns: columns, options: opts, to: tmp, sync: true)
        }
    }

    /// Stages one segment written by `write` (to the path it is given, with the table's writer
    /// options): `SegmentWriter.write` for in-memory columns, a `SegmentStreamWriter` for
    /// compaction's streamed merge.
    public func stageSegment(definition def: TableDefinition, partitionStart: Int64, level: Int = 0,
                             write: (String, SegmentWriterOptions) throws(FormatError) -> (footer: SegmentFooter, bytes: Int)) throws(StoreError) -> StagedSegment {
        var opts = SegmentWriterOptions()
        opts.blockRows = def.blockRows
        opts.codecs = Array(repeating: def.codec, count: def.columns.count)
        opts.timeColumn = def.timeColumnIndex
        opts.sortKey = def.sortKey.compactMap { def.columnIndex($0) }
        opts.partition = def.granularity.label(partitionStart)
        opts.createdBy = "strata"
        let id = Table.newSegmentID()
        try checkLayout()
        try StoreFS.requireDirectory(tmpDir, create: true)
        let lease = try StagingLease.acquire(self)
        let tmp = "\(tmpDir)/\(id).seg"
        let footer: SegmentFooter, size: Int
        do throws(FormatError) { (footer, size) = try write(tmp, opts) } catch {
            StoreFS.removeFile(tmp)
            throw StoreError(error)
        }
        let file = StagedFile(path: tmp, lease: lease)
        // the manifest keeps time ranges in µs; a DATE time column's footer range is in days
        let isDate = def.timeColumnIndex.map { def.columns[$0].type == .date } ?? false
        let scale: Int64 = isDate && footer.rowCount > 0 ? 86_400_000_000 : 1
        let entry = SegmentEntry(id: id, partition: opts.partition, partitionStart: partitionStart, rows: Int(footer.rowCount),
                                 bytes: size, minTime: footer.minTime * scale,
                                 maxTime: isDate && footer.rowCount > 0 ? (footer.maxTime + 1) * scale - 1 : footer.maxTime, level: level,
                                 createdAt: Date().timeIntervalSince1970)
        return StagedSegment(entry: entry, file: file)
    }

    /// Test hook: called with the name of each commit step; returning `true` simulates a crash
    /// there. It applies only to commits on the thread that installed it, so tests running in
    /// parallel do not crash each other's commits.
    public static var crashPoint: ((String) -> Bool)? {
        get { crashHooks.current }
        set { crashHooks.current = newValue }
    }
    static let crashHooks = ThreadHooks<(String) -> Bool>()

    static func step(_ name: String) throws(StoreError) {
        if let hook = crashPoint, hook(name) { throw StoreError(.io, "simulated crash at \(name)") }
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
            // a batch already applied: nothing to do; its staged files are removed now, while
            // the caller may still hold them
            if let batch, !force, current.batches.contains(where: { $0.id == batch.id }) {
                for s in staged { StoreFS.removeFile(s.tmpPath) }
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
                if StoreFS.kind(pdir) == .missing { dirs.insert(dir) }
                try StoreFS.requireDirectory(pdir, create: true)
                try Table.step("rename")
                try StoreFS.rename(s.tmpPath, pdir + "/" + s.entry.id + ".seg")
                dirs.insert(pdir)
            }
            try Table.step("sync-dirs")
            for d in dirs.sorted() { try StoreFS.syncDirectory(d) }
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
            StoreFS.removeFile(tmp)
            try Table.step("write-manifest")
            try StoreFS.writeNewFile(tmp, bytes, sync: true)
            try Table.step("rename-manifest")
            try publishManifest(tmp, next.version)
            try Table.step("sync-manifest-dir")
            try StoreFS.syncDirectory(manifestDir)
            return next
        }
    }

    /// Gives the written manifest `tmp` its version number without ever replacing a file of
    /// that number (a hard link fails if the name exists; the temporary name is removed
    /// after). Where links are not supported, a rename after checking the name is free.
    func publishManifest(_ tmp: String, _ version: UInt64) throws(StoreError) {
        let final = manifestPath(version)
        let e = StoreFS.link(tmp, final)
        if e == 0 {
            StoreFS.removeFile(tmp)
            return
        }
        if e == EEXIST {
            StoreFS.removeFile(tmp)
            throw StoreError(.corrupt, "\(final): a manifest with this version already exists; the commit is refused rather than replace it", path: final)
        }
        guard e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == EXDEV || e == EMLINK else {
            StoreFS.removeFile(tmp)
            throw StoreError(.io, "cannot publish manifest '\(final)': \(String(cString: strerror(e)))", path: final)
        }
        guard StoreFS.kind(final) == .missing else {
            StoreFS.removeFile(tmp)
            throw StoreError(.corrupt, "\(final): a manifest with this version already exists; the commit is refused rather than replace it", path: final)
        }
        try StoreFS.rename(tmp, final)
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
        /// Damage that made gc refuse (an unreadable manifest: nothing is deleted then) or
        /// skip a path (a link where a store folder or file belongs). Each names its path.
        public var problems: [String] = []
    }

    /// Deletes manifests beyond the kept window and files no kept manifest references, once
    /// they are older than `graceSeconds` (or at once with `now`), and only while no reader
    /// holds a snapshot and no writer is committing (it skips the run otherwise).
    ///
    /// With `retiredImmediately`, segments only older versions reference are deleted at once:
    /// safe because every reader holds the reader lock for as long as it uses a version, and
    /// this runs only while no reader holds it (used after compaction and erasure so replaced
    /// files do not linger; the older manifests stay for history but their segments are gone).
    ///
    /// Nothing is deleted while any manifest of the table cannot be read: what it references
    /// is unknown. Staged files in `_tmp/` are deleted only while no process is staging (see
    /// `StagingLease`): with `now` at once, else past the grace period. Deletion never follows
    /// a symbolic link and removes only regular files (`StoreFS`).
    @discardableResult
    public func collectGarbage(graceSeconds: Double = Table.defaultGraceSeconds, now: Bool = false,
                               retiredImmediately: Bool = false) -> GCReport {
        var report = GCReport()
        do throws(StoreError) {
            try collect(&report, graceSeconds: graceSeconds, now: now, retiredImmediately: retiredImmediately)
        } catch {
            report.problems.append(error.message)
        }
        return report
    }

    private func collect(_ report: inout GCReport, graceSeconds: Double, now: Bool, retiredImmediately: Bool) throws(StoreError) {
        try checkLayout()
        let fd = try StoreFS.openOwnFile(dir + "/_readers")
        guard fd >= 0 else { return }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            report.skippedBecauseReaders = true
            return
        }
        defer { flock(fd, LOCK_UN) }
        // a committing writer renames files into partition directories before its manifest
        // exists: never look at them while it holds the writer lock
        let wfd = try StoreFS.openOwnFile(dir + "/_lock")
        guard wfd >= 0 else { return }
        defer { close(wfd) }
        guard flock(wfd, LOCK_EX | LOCK_NB) == 0 else { return }
        defer { flock(wfd, LOCK_UN) }
        let tableDir = try StoreFS.Dir(dir)
        let mdir = try StoreFS.Dir(in: tableDir, "_manifest")
        let clock = Date().timeIntervalSince1970
        let versions = manifestVersions()
        var manifests: [Manifest] = []
        var unreadable: [String] = []
        for v in versions {
            do throws(StoreError) { manifests.append(try readManifest(v)) } catch { unreadable.append(error.message) }
        }
        guard unreadable.isEmpty else {
            report.problems += unreadable
            report.problems.append("gc of table '\(name)' refused: nothing is deleted while a manifest cannot be read (`strata repair \(name)`)")
            return
        }
        var kept: [Manifest] = []
        for (i, v) in versions.enumerated() {
            // a version older than the kept window goes once its successor is past the grace period
            if i >= Table.manifestsKept, now || mdir.age(Table.manifestName(versions[i - 1]), now: clock) > graceSeconds {
                if mdir.removeFile(Table.manifestName(v)) { report.deletedFiles.append(manifestPath(v)) }
                continue
            }
            kept.append(manifests[i])
        }
        guard !kept.isEmpty else { return }
        let referenced = Set((retiredImmediately ? [kept[0]] : kept).flatMap { $0.segments.map(\.relativePath) })
        for p in tableDir.entries() where !p.hasPrefix("_") && !p.hasPrefix(".") {
            let k = tableDir.kind(p)
            if k == .symlink { report.problems.append(StoreFS.notOurs(dir + "/" + p, k, expected: "directory").message) }
            guard k == .directory else { continue }
            let pdir: StoreFS.Dir
            do throws(StoreError) { pdir = try StoreFS.Dir(in: tableDir, p) } catch {
                report.problems.append(error.message)
                continue
            }
            for f in pdir.entries() where !referenced.contains(p + "/" + f) {
                let fk = pdir.kind(f)
                guard fk == .regular else {
                    if fk == .symlink { report.problems.append(StoreFS.notOurs(pdir.path + "/" + f, fk, expected: "regular file").message) }
                    continue
                }
                if now || retiredImmediately || pdir.age(f, now: clock) > graceSeconds, pdir.removeFile(f) {
                    report.deletedFiles.append(pdir.path + "/" + f)
                }
            }
            if pdir.entries().isEmpty { tableDir.removeEmptyDirectory(p) }
        }
        // staged files of writers that never committed: only while no process is staging
        let sfd = try StoreFS.openOwnFile(dir + "/_staging")
        if sfd >= 0 {
            defer { close(sfd) }
            if flock(sfd, LOCK_EX | LOCK_NB) == 0, tableDir.kind("_tmp") == .directory {
                defer { flock(sfd, LOCK_UN) }
                let tmp = try StoreFS.Dir(in: tableDir, "_tmp")
                for f in tmp.entries() where now || tmp.age(f, now: clock) > graceSeconds {
                    if tmp.removeFile(f) { report.deletedFiles.append(tmpDir + "/" + f) }
                }
            }
        }
        // manifests being written are written under the writer lock, which this holds
        for f in mdir.entries() where f.hasPrefix(".tmp-") && (now || mdir.age(f, now: clock) > graceSeconds) {
            if mdir.removeFile(f) { report.deletedFiles.append(manifestDir + "/" + f) }
        }
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

    /// Why a segment's columns do not match the table schema (names and types, in order), or nil.
    static func schemaMismatch(_ segment: [ColumnMeta], _ table: [ColumnSchema]) -> String? {
        guard segment.count == table.count else {
            return "holds \(segment.count) columns, the table schema has \(table.count)"
        }
        for (c, t) in zip(segment, table) where c.name != t.name || c.type != t.type {
            return "column \(c.name) \(c.type.sqlName) differs from the table schema's \(t.name) \(t.type.sqlName)"
        }
        return nil
    }

    /// Opens (once) the reader of a live segment, checking it matches its manifest entry.
    public func reader(_ s: SegmentEntry) throws(StoreError) -> SegmentReader {
        lock.lock()
        if let r = readers[s.id] { lock.unlock(); return r }
        lock.unlock()
        let path = table.segmentPath(s)
        let r: SegmentReader
        do throws(FormatError) { r = try table.store.segmentReaders.reader(path) } catch { throw StoreError(error) }
        guard r.rowCount == s.rows else {
            throw StoreError(.corrupt, "\(path): holds \(r.rowCount) rows, manifest says \(s.rows)", path: path)
        }
        // the executor reads a segment's columns by their position in the table schema: a
        // segment (or manifest) whose columns differ in name or type would be misread (a
        // BIGINT page taken for dictionary codes ended in a crash, found by Fuzz/ manifest)
        if let why = Snapshot.schemaMismatch(r.footer.columns, manifest.table.columns) {
            throw StoreError(.corrupt, "\(path): \(why)", path: path)
        }
        lock.lock()
        readers[s.id] = r
        lock.unlock()
        return r
    }
}
