import Foundation
import StrataFormat

/// Result of `Table.verify()`: problems name the bad file; notes are informational.
public struct VerifyReport: Sendable {
    public var problems: [String] = []
    public var notes: [String] = []
    public var manifestsChecked = 0
    public var segmentsChecked = 0
    public var rowsChecked = 0

    public var isSound: Bool { problems.isEmpty }

    public init() {}

    public mutating func merge(_ o: VerifyReport) {
        problems += o.problems
        notes += o.notes
        manifestsChecked += o.manifestsChecked
        segmentsChecked += o.segmentsChecked
        rowsChecked += o.rowsChecked
    }
}

extension Table {
    /// Checks every manifest version and every segment of the current version: checksums of
    /// every page, row counts, partition placement and time ranges.
    ///
    /// It holds the shared reader lock throughout, as a snapshot does: garbage collection
    /// (`gc`, and compaction, delete and retention removing the files they replaced) cannot
    /// delete a manifest or segment between verify listing it and reading it, which would
    /// look like corruption (exit 2) while commits run.
    public func verify() -> VerifyReport {
        var r = VerifyReport()
        let readerLock = verifyReaderLock()
        defer {
            if readerLock >= 0 {
                flock(readerLock, LOCK_UN)
                close(readerLock)
            }
        }
        var current: Manifest?
        for v in manifestVersions() {
            r.manifestsChecked += 1
            do throws(StoreError) {
                let m = try readManifest(v)
                if current == nil { current = m }
            } catch {
                r.problems.append(error.message)
            }
        }
        Table.verifyHooks.current?(self)
        guard let m = current else {
            if r.problems.isEmpty { r.problems.append("\(dir): table has no readable manifest") }
            return r
        }
        var referenced = Set<String>()
        for s in m.segments {
            let path = segmentPath(s)
            referenced.insert(s.relativePath)
            r.segmentsChecked += 1
            do throws(FormatError) {
                let reader = try SegmentReader(path: path)
                try reader.verify()
                if reader.rowCount != s.rows { r.problems.append("\(path): holds \(reader.rowCount) rows, manifest says \(s.rows)") }
                if reader.footer.partition != s.partition {
                    r.problems.append("\(path): footer partition '\(reader.footer.partition)' differs from directory '\(s.partition)'")
                }
                let g = m.table.granularity
                if g != .none && s.rows > 0 && (s.minTime < s.partitionStart || s.maxTime >= g.partitionEnd(s.partitionStart)) {
                    r.problems.append("\(path): time range lies outside partition \(s.partition)")
                }
                if let why = Snapshot.schemaMismatch(reader.footer.columns, m.table.columns) {
                    r.problems.append("\(path): columns differ from the table schema (\(why))")
                }
                r.rowsChecked += reader.rowCount
            } catch {
                r.problems.append(error.withPath(path).description)
            }
        }
        let fm = FileManager.default
        for p in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where !p.hasPrefix("_") && !p.hasPrefix(".") {
            for f in (try? fm.contentsOfDirectory(atPath: dir + "/" + p)) ?? [] where !referenced.contains(p + "/" + f) {
                r.notes.append("\(dir)/\(p)/\(f): not referenced by the current version (kept for older readers or awaiting garbage collection)")
            }
        }
        return r
    }
}

extension Table {
    /// Tests: runs in `verify()` after the manifests are read, before the segments are checked.
    static let verifyHooks = ThreadHooks<(Table) -> Void>()

    /// The shared lock on `_readers` (what a snapshot holds), or -1 when it cannot be taken
    /// (verify then runs without it: it writes nothing and reports what it finds).
    func verifyReaderLock() -> Int32 {
        let fd: Int32
        do throws(StoreError) { fd = try StoreFS.openOwnFile(dir + "/_readers") } catch { return -1 }
        guard fd >= 0 else { return -1 }
        var locked = flock(fd, LOCK_SH)
        while locked != 0 && errno == EINTR { locked = flock(fd, LOCK_SH) }
        guard locked == 0 else {
            close(fd)
            return -1
        }
        return fd
    }
}

/// Storage statistics of a table's current version.
public struct TableStats: Sendable, Codable {
    public struct ColumnStats: Sendable, Codable {
        public var name: String
        public var type: String
        public var storedBytes: Int
        public var rawBytes: Int
        public var uncompressedBytes: Int
        public var encodings: [String: Int]
        public var codecs: [String: Int]
    }

    public var table: String
    public var rows: Int
    public var partitions: Int
    public var segments: Int
    public var bytes: Int
    public var minTime: Int64?
    public var maxTime: Int64?
    public var manifestVersion: UInt64
    public var columns: [ColumnStats]
}

extension Table {
    /// Rows, partitions, segments, bytes and per-column sizes and encodings.
    public func stats() throws(StoreError) -> TableStats {
        let snap = try snapshot()
        defer { snap.close() }
        let m = snap.manifest
        var cols = m.table.columns.map {
            TableStats.ColumnStats(name: $0.name, type: $0.type.sqlName, storedBytes: 0, rawBytes: 0, uncompressedBytes: 0,
                                   encodings: [:], codecs: [:])
        }
        for s in m.segments {
            let r = try snap.reader(s)
            for (i, c) in r.footer.columns.enumerated() where i < cols.count {
                cols[i].storedBytes += Int(c.storedBytes)
                cols[i].rawBytes += Int(c.rawBytes)
                let width = c.type.physical == .bool ? 1 : (c.type.physical == .string ? 0 : 8)
                cols[i].uncompressedBytes += width * r.rowCount
                if c.type.physical == .string, let d = c.dictionary {
                    // plain size: string bytes of every row is unknown without decoding; use
                    // 4-byte codes + the dictionary as the uncompressed baseline
                    cols[i].uncompressedBytes += 4 * r.rowCount + Int(d.page.rawLength)
                }
                for b in c.blocks {
                    cols[i].encodings[b.encoding.name, default: 0] += 1
                    cols[i].codecs[b.page.codec.name, default: 0] += 1
                }
            }
        }
        let live = m.segments.filter { $0.rows > 0 }
        return TableStats(table: name, rows: m.rowCount, partitions: Set(m.segments.map(\.partition)).count,
                          segments: m.segments.count, bytes: m.segments.reduce(0) { $0 + $1.bytes },
                          minTime: live.map(\.minTime).min(), maxTime: live.map(\.maxTime).max(),
                          manifestVersion: m.version, columns: cols)
    }
}
