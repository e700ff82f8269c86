import Foundation
import StrataFormat
#if canImport(Glibc)
import Glibc
#endif

/// A store: a directory holding one sub-directory per table.
public final class Store: Sendable {
    public let root: String
    /// The last manifest decoded per table, keyed by its file's identity (path, inode, size,
    /// modification time): manifest files are never rewritten in place, so repeated snapshots
    /// in one process (`strata bench`, the shell) skip decoding an unchanged manifest.
    let manifestCache = ManifestCache()
    /// Open segment readers (mapped file, checked footer, decoded dictionaries) keyed the same
    /// way: segment files are immutable, so the statements of one process share them; each
    /// snapshot drops the entries of its table's segments that its manifest no longer lists.
    let segmentReaders = SegmentReaderCache()

    /// Opens (and with `create`, creates) the store at `root`.
    public init(root: String, create: Bool = true) throws(StoreError) {
        self.root = root
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: root, isDirectory: &isDir) {
            guard isDir.boolValue else { throw StoreError(.user, "store path '\(root)' is not a directory", path: root) }
        } else if create {
            try StoreFS.createDirectories(root, what: "store directory")
        } else {
            throw StoreError(.user, "store '\(root)' does not exist", path: root)
        }
    }

    /// Store location from `--store`, else `$STRATA_STORE`, else `./strata-data`.
    public static func defaultRoot(_ explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["STRATA_STORE"], !env.isEmpty { return env }
        return "./strata-data"
    }

    /// Names are `[A-Za-z_][A-Za-z0-9_]*`, at most 128 bytes: no path separators, dots, NUL.
    public static func checkName(_ name: String, what: String) throws(StoreError) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 128 else {
            throw .user("invalid \(what) name '\(name)': must be 1 to 128 characters")
        }
        for (i, b) in bytes.enumerated() {
            let alpha = (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95
            let digit = b >= 48 && b <= 57
            guard alpha || (digit && i > 0) else {
                let shown = name.replacingOccurrences(of: "\0", with: "\\0")
                throw .user("invalid \(what) name '\(shown)': use letters, digits and '_' (not starting with a digit); paths are not allowed")
            }
        }
        // a table is a directory of the store, beside which the store keeps `_`-named files of
        // its own (and `_manifest`, `_tmp`, `_lock` ... inside each table)
        if what == "table" && bytes[0] == 95 {
            throw .user("invalid table name '\(name)': names starting with '_' are reserved for the store's own files")
        }
    }

    func tableDir(_ name: String) -> String { "\(root)/\(name.lowercased())" }

    public func tableNames() -> [String] {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return items.filter { n in
            !n.hasPrefix(".") && !n.hasPrefix("_") && FileManager.default.fileExists(atPath: "\(root)/\(n)/_manifest")
        }.sorted()
    }

    public func tableExists(_ name: String) -> Bool {
        (try? Store.checkName(name, what: "table")) != nil && FileManager.default.fileExists(atPath: tableDir(name) + "/_manifest")
    }

    /// Opens an existing table.
    public func table(_ name: String) throws(StoreError) -> Table {
        try Store.checkName(name, what: "table")
        guard tableExists(name) else {
            let known = tableNames()
            let hint = known.isEmpty ? " (the store has no tables)" : " (tables: \(known.joined(separator: ", ")))"
            throw .user("table '\(name)' does not exist\(hint)")
        }
        // the layout is checked by whatever uses the table (snapshot, commit, gc)
        return Table(store: self, name: name.lowercased(), dir: tableDir(name))
    }

    /// Creates a table with manifest version 1 (no segments).
    @discardableResult
    public func createTable(_ def: TableDefinition, ifNotExists: Bool = false) throws(StoreError) -> Table {
        var def = def
        def.name = def.name.lowercased()
        try def.validate()
        let dir = tableDir(def.name)
        if tableExists(def.name) {
            if ifNotExists { return try table(def.name) }
            throw .user("table '\(def.name)' already exists")
        }
        if viewExists(def.name) { throw .user("cannot create table '\(def.name)': a view with that name exists") }
        let manifest = try Manifest(version: 1, table: def).encode()
        // build in a temporary directory, then rename into place: a crash leaves no half table
        let tmp = "\(root)/.creating-\(def.name)-\(UInt32.random(in: 0...UInt32.max))"
        for d in [tmp, tmp + "/_manifest", tmp + "/_tmp"] where !StoreFS.makeDirectory(d) {
            let e = StoreFS.errnoText()
            StoreFS.removeTree(tmp)
            throw StoreError(.io, "cannot create table directory '\(d)': \(e)", path: d)
        }
        do throws(StoreError) {
            try StoreFS.writeNewFile(tmp + "/_manifest/" + Table.manifestName(1), manifest, sync: true)
            try StoreFS.syncDirectory(tmp + "/_manifest")
            // the names `_manifest` and `_tmp` in the new folder: without this fsync a crash
            // after the rename below could leave the table folder without its manifest folder
            try StoreFS.syncDirectory(tmp)
            if FileManager.default.fileExists(atPath: dir) {
                // leftover directory without a manifest (e.g. a crashed drop): replace it
                StoreFS.removeTree(dir)
            }
            try StoreFS.rename(tmp, dir)
            try StoreFS.syncDirectory(root)
        } catch {
            StoreFS.removeTree(tmp)
            throw error
        }
        return Table(store: self, name: def.name, dir: dir)
    }

    /// Drops a table: renamed away atomically (under its writer lock), then deleted.
    public func dropTable(_ name: String, ifExists: Bool = false) throws(StoreError) {
        if !tableExists(name) {
            if viewExists(name) { throw .user("'\(name.lowercased())' is a view, not a table (use DROP VIEW)") }
            if ifExists { return }
            _ = try table(name)  // throws the "does not exist" message
        }
        let t = try table(name)
        try t.withWriterLock { () throws(StoreError) in
            let trash = "\(root)/.dropped-\(t.name)-\(UInt64(Date().timeIntervalSince1970 * 1e6))"
            try StoreFS.rename(t.dir, trash)
            try StoreFS.syncDirectory(root)
            StoreFS.removeTree(trash)
        }
    }
}

/// See `Store.manifestCache`.
final class ManifestCache: @unchecked Sendable {
    struct Key: Equatable {
        var path: String
        var inode: UInt64
        var size: Int64
        var mtimeSec: Int
        var mtimeNsec: Int
    }
    private let lock = NSLock()
    private var entries: [String: (Key, Manifest)] = [:]

    static func key(_ path: String) -> Key? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Key(path: path, inode: UInt64(st.st_ino), size: Int64(st.st_size),
                   mtimeSec: st.st_mtim.tv_sec, mtimeNsec: st.st_mtim.tv_nsec)
    }

    func lookup(_ key: Key, table: String) -> Manifest? {
        lock.lock()
        defer { lock.unlock() }
        guard let (k, m) = entries[table], k == key else { return nil }
        return m
    }

    func store(_ key: Key, table: String, _ m: Manifest) {
        lock.lock()
        entries[table] = (key, m)
        lock.unlock()
    }
}

/// Segment readers shared across snapshots, each valid while its file's identity (inode, size,
/// modification time) is unchanged.
final class SegmentReaderCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (ManifestCache.Key, SegmentReader)] = [:]

    /// The cached reader of the segment file at `path`, else a new one (cached).
    func reader(_ path: String) throws(FormatError) -> SegmentReader {
        let key = ManifestCache.key(path)
        if let key {
            lock.lock()
            if let (k, r) = entries[path], k == key { lock.unlock(); return r }
            lock.unlock()
        }
        let r = try SegmentReader(path: path)
        if let key {
            lock.lock()
            entries[path] = (key, r)
            lock.unlock()
        }
        return r
    }

    /// The paths with a cached reader (tests).
    var paths: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return Set(entries.keys)
    }

    /// Drops the entries under `dir` (a table's folder) whose path is not in `live`.
    func keep(under dir: String, _ live: Set<String>) {
        lock.lock()
        defer { lock.unlock() }
        let prefix = dir + "/"
        for path in entries.keys where path.hasPrefix(prefix) && !live.contains(path) { entries[path] = nil }
    }
}
