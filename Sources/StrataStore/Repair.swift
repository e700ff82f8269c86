import Foundation
import StrataFormat
#if canImport(Glibc)
import Glibc
#endif

/// What `Table.repair` found, and did with `apply`.
public struct RepairReport: Sendable, CustomStringConvertible {
    public struct DamagedManifest: Sendable {
        public var version: UInt64
        public var path: String
        public var reason: String
    }

    public struct OrphanSegment: Sendable {
        public var relativePath: String
        public var bytes: Int
        /// Rows by the file's own footer; nil when the file is unreadable too.
        public var rows: Int?
    }

    public var table: String
    public var damaged: [DamagedManifest] = []
    /// The newest readable version, which the table goes back to.
    public var base: UInt64?
    public var baseRows = 0
    public var baseSegments = 0
    /// Segment files in partition directories that no readable manifest references: possibly
    /// the data of the damaged versions (or files awaiting garbage collection).
    public var orphans: [OrphanSegment] = []
    public var applied = false
    /// Where the damaged manifests and the orphan segments were moved (under the table).
    public var quarantine: String?
    public var newVersion: UInt64?

    public var needsRepair: Bool { !damaged.isEmpty }

    public var description: String {
        guard needsRepair else {
            return "table '\(table)': every manifest is readable, nothing to repair (`strata verify \(table)` checks the segments)\n"
        }
        var out = ""
        for d in damaged { out += "damaged manifest version \(d.version): \(d.reason)\n" }
        let newer = damaged.filter { $0.version > (base ?? 0) }.map(\.version)
        if let base {
            if newer.isEmpty {
                out += "the newest manifest (version \(base)) is readable: only older versions are damaged; no committed data is lost\n"
            } else {
                out += "the table goes back to version \(base): \(baseRows) rows in \(baseSegments) segments; whatever versions \(newer.sorted().map(String.init).joined(separator: ", ")) committed after it is no longer part of the table\n"
            }
        }
        if !orphans.isEmpty {
            let rows = orphans.compactMap(\.rows).reduce(0, +)
            let bytes = orphans.reduce(0) { $0 + $1.bytes }
            out += "\(orphans.count) segment file(s) no readable manifest references (\(rows) rows, \(bytes) bytes; possibly the lost versions' data), kept, not deleted:\n"
            for o in orphans.prefix(20) { out += "  \(o.relativePath)  \(o.rows.map { "\($0) rows" } ?? "unreadable")  \(o.bytes) bytes\n" }
            if orphans.count > 20 { out += "  … \(orphans.count - 20) more\n" }
        }
        if applied {
            out += "moved the damaged manifests\(orphans.isEmpty ? "" : " and those segment files") to \(quarantine ?? "?"); wrote manifest version \(newVersion.map(String.init) ?? "?") from version \(base.map(String.init) ?? "?")\n"
        } else {
            out += "nothing changed: `strata repair \(table) --apply` moves the damaged manifests\(orphans.isEmpty ? "" : " and those segment files") to \(table)/_damaged/ and makes version \(base.map(String.init) ?? "?") current again\n"
        }
        return out
    }
}

extension Table {
    /// Finds manifests that cannot be read (checksum, truncation, unknown format version) and
    /// with `apply` moves them aside so the table works again from its newest readable version.
    ///
    /// Nothing is deleted: the damaged manifests and every segment file no readable manifest
    /// references go to `_damaged/<time>/` under the table (keeping their partition
    /// folders), where garbage collection never looks. The table then continues from a new
    /// manifest version numbered above every version ever written, holding the newest
    /// readable version's state. Runs under the writer lock.
    public func repair(apply: Bool) throws(StoreError) -> RepairReport {
        if !apply { return try survey() }
        return try withWriterLock { () throws(StoreError) -> RepairReport in
            var r = try survey()
            guard r.needsRepair else { return r }
            guard let base = r.base else {
                throw StoreError(.corrupt, "table '\(name)': no manifest version can be read, so its definition is lost; repair cannot restore it (the files are untouched)", path: manifestDir)
            }
            let baseManifest = try readManifest(base)
            let stamp = String(UInt64(Date().timeIntervalSince1970 * 1e6))
            let qdir = dir + "/_damaged/" + stamp
            // the quarantine folders are made durable before anything moves into them: a crash
            // must never leave a moved file inside a folder whose own name was lost
            let parts = Set(r.orphans.map { String($0.relativePath.prefix { $0 != "/" }) }).sorted()
            try StoreFS.requireDirectory(dir + "/_damaged", create: true)
            try StoreFS.requireDirectory(qdir, create: true)
            for part in parts { try StoreFS.requireDirectory(qdir + "/" + part, create: true) }
            for d in [dir, dir + "/_damaged"] + (parts.isEmpty ? [] : [qdir]) { try StoreFS.syncDirectory(d) }
            // the orphan segments first, durably: once a damaged manifest is gone the table
            // reads again, and garbage collection would delete orphans left behind
            var dirs: Set<String> = []
            for o in r.orphans {
                let part = String(o.relativePath.prefix { $0 != "/" })
                try StoreFS.rename(dir + "/" + o.relativePath, qdir + "/" + o.relativePath)
                dirs.insert(dir + "/" + part)
                dirs.insert(qdir + "/" + part)
            }
            for d in dirs.sorted() { try StoreFS.syncDirectory(d) }
            for d in r.damaged {
                try StoreFS.rename(d.path, qdir + "/" + Table.manifestName(d.version))
            }
            for d in [manifestDir, qdir] { try StoreFS.syncDirectory(d) }
            var next = baseManifest
            next.version = max(base, r.damaged.map(\.version).max() ?? 0) + 1
            next.committedAt = Date().timeIntervalSince1970
            let tmp = "\(manifestDir)/.tmp-\(next.version)-\(getpid())"
            StoreFS.removeFile(tmp)
            let bytes = try next.encode()
            try StoreFS.writeNewFile(tmp, bytes, sync: true)
            try publishManifest(tmp, next.version)
            try StoreFS.syncDirectory(manifestDir)
            r.applied = true
            r.quarantine = qdir
            r.newVersion = next.version
            return r
        }
    }

    /// Reads every manifest and lists the unreadable ones and the unreferenced segment files.
    private func survey() throws(StoreError) -> RepairReport {
        try checkLayout()
        var r = RepairReport(table: name)
        var referenced = Set<String>()
        for v in manifestVersions() {
            do throws(StoreError) {
                let m = try readManifest(v)
                if r.base == nil {
                    r.base = v
                    r.baseRows = m.rowCount
                    r.baseSegments = m.segments.count
                }
                for s in m.segments { referenced.insert(s.relativePath) }
            } catch {
                r.damaged.append(.init(version: v, path: manifestPath(v), reason: error.message))
            }
        }
        guard r.needsRepair else { return r }
        let tableDir = try StoreFS.Dir(dir)
        for p in tableDir.entries().sorted() where !p.hasPrefix("_") && !p.hasPrefix(".") && tableDir.kind(p) == .directory {
            let pdir = try StoreFS.Dir(in: tableDir, p)
            for f in pdir.entries().sorted() where !referenced.contains(p + "/" + f) && pdir.kind(f) == .regular {
                let path = pdir.path + "/" + f
                let reader = try? SegmentReader(path: path)
                r.orphans.append(.init(relativePath: p + "/" + f, bytes: StoreFS.fileSize(path) ?? 0, rows: reader.map(\.rowCount)))
            }
        }
        return r
    }
}
