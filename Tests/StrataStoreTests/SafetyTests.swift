import Foundation
import StrataTestSupport
import Testing
import StrataFormat
@testable import StrataStore

// Regression tests for the fault-injection findings: damaged manifests are never skipped or
// overwritten, the store never follows a symbolic link to write or delete, missing segment
// files are corruption, failed writers leave no staged files, reserved names are refused.

/// Ingests `batches` batches of `rows` rows each (one commit each).
private func tableWithBatches(_ batches: Int, rows: Int = 500) throws -> Table {
    let store = try tempStore()
    let t = try store.createTable(clicksDef)
    for b in 0..<batches {
        let staged = try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(rows, seed: UInt64(b + 1)))
        try t.commit(adding: staged, batch: BatchRecord(id: "b\(b)", rows: rows, committedAt: 0))
    }
    return t
}

/// Every regular file under `dir` with its bytes (paths relative to `dir`).
private func contents(_ dir: String) -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    guard let e = FileManager.default.enumerator(atPath: dir) else { return out }
    while let rel = e.nextObject() as? String {
        var st = stat()
        if lstat(dir + "/" + rel, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG {
            out[rel] = (try? StoreFS.readFile(dir + "/" + rel)) ?? []
        }
    }
    return out
}

private func segmentFiles(_ t: Table) -> Set<String> {
    Set(contents(t.dir).keys.filter { $0.hasSuffix(".seg") && !$0.hasPrefix("_") })
}

/// Rewrites the manifest of version `v` through `change`, optionally with a valid checksum.
private func damageManifest(_ t: Table, _ v: UInt64, fixChecksum: Bool, _ change: (inout [UInt8]) -> Void) throws {
    let path = t.manifestPath(v)
    var b = try StoreFS.readFile(path)
    change(&b)
    if fixChecksum {
        let crcAt = b.count - 12
        let crc = b.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<crcAt])) }
        for i in 0..<4 { b[crcAt + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    }
    unlink(path)
    try StoreFS.writeNewFile(path, b, sync: false)
}

@Test(arguments: ["flipped byte", "newer format version"])
func damagedNewestManifestIsNeverSkippedNorOverwritten(_ damage: String) throws {
    let t = try tableWithBatches(3)
    let newest: UInt64 = 4  // version 1 is the empty table
    #expect(t.manifestVersions().first == newest)
    if damage == "flipped byte" {
        try damageManifest(t, newest, fixChecksum: false) { $0[40] ^= 0x04 }
    } else {
        try damageManifest(t, newest, fixChecksum: true) { $0[8] = 2 }
    }
    let damagedBytes = try StoreFS.readFile(t.manifestPath(newest))
    let segsBefore = segmentFiles(t)
    #expect(segsBefore.count >= 3)

    // readers: an error naming the manifest, never the previous version's rows
    do throws(StoreError) {
        _ = try t.snapshot()
        Issue.record("a snapshot answered from an older version")
    } catch {
        let e = error
        #expect(e.kind == .corrupt)
        #expect(e.message.contains(t.manifestPath(newest)))
        #expect(e.message.contains("repair"))
    }
    // writers: nothing committed, the damaged manifest stays as it was
    let staged = try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(100, seed: 99))
    #expect(throws: StoreError.self) { try t.commit(adding: staged, batch: BatchRecord(id: "late", rows: 100, committedAt: 0)) }
    #expect(throws: StoreError.self) { try Compactor.compact(table: t) }
    #expect(throws: StoreError.self) { try t.alter { $0.options["x"] = "1" } }
    // gc deletes nothing, however it is asked
    for (now, retired) in [(true, false), (true, true), (false, false)] {
        let r = t.collectGarbage(graceSeconds: -1, now: now, retiredImmediately: retired)
        #expect(r.deletedFiles.isEmpty)
        #expect(r.problems.contains { $0.contains(t.manifestPath(newest)) })
    }
    #expect(try StoreFS.readFile(t.manifestPath(newest)) == damagedBytes)
    #expect(t.manifestVersions().first == newest)
    #expect(segmentFiles(t) == segsBefore)
    #expect(t.verify().problems.contains { $0.contains(t.manifestPath(newest)) })

    // repair: shows first, then moves aside without deleting, and numbering goes on upwards
    let survey = try t.repair(apply: false)
    #expect(survey.needsRepair && !survey.applied)
    #expect(survey.base == newest - 1)
    #expect(survey.orphans.count >= 1)  // the last batch's segments
    #expect(try StoreFS.readFile(t.manifestPath(newest)) == damagedBytes)
    let done = try t.repair(apply: true)
    #expect(done.applied && done.newVersion == newest + 1)
    let snap = try t.snapshot()
    #expect(snap.manifest.rowCount == 1000)
    snap.close()
    let quarantined = contents(done.quarantine!)
    #expect(quarantined[Table.manifestName(newest)] == damagedBytes)
    #expect(Set(quarantined.keys.filter { $0.hasSuffix(".seg") }).count == survey.orphans.count)
    #expect(t.verify().isSound)
    #expect(try t.repair(apply: false).needsRepair == false)
    let again = try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(100, seed: 7))
    #expect(try t.commit(adding: again)?.version == newest + 2)
}

@Test func anOlderDamagedManifestStopsGCButNotReaders() throws {
    let t = try tableWithBatches(3)
    try damageManifest(t, 2, fixChecksum: false) { $0[30] ^= 1 }
    let before = segmentFiles(t)
    #expect(try t.snapshot().manifest.rowCount == 1500)
    let r = t.collectGarbage(graceSeconds: -1, now: true)
    #expect(r.deletedFiles.isEmpty && !r.problems.isEmpty)
    #expect(segmentFiles(t) == before)
}

@Test func aManifestVersionIsNeverReplaced() throws {
    let t = try tableWithBatches(1)
    let existing = try StoreFS.readFile(t.manifestPath(2))
    let tmp = t.manifestDir + "/.tmp-test"
    try StoreFS.writeNewFile(tmp, Array("other".utf8), sync: false)
    #expect(throws: StoreError.self) { try t.publishManifest(tmp, 2) }
    #expect(try StoreFS.readFile(t.manifestPath(2)) == existing)
    #expect(!FileManager.default.fileExists(atPath: tmp))
}

@Test(arguments: ["missing", "truncated"])
func aMissingOrTruncatedSegmentIsCorruptionAtSnapshot(_ how: String) throws {
    let t = try tableWithBatches(2)
    let m = try t.currentManifest()
    let path = t.segmentPath(m.segments[0])
    if how == "missing" { unlink(path) } else { truncate(path, off_t(m.segments[0].bytes - 10)) }
    do throws(StoreError) {
        _ = try t.snapshot()
        Issue.record("a snapshot opened over a \(how) segment file")
    } catch {
        let e = error
        #expect(e.kind == .corrupt)
        #expect(e.message.contains(path))
    }
}

/// A reader that cannot open `_readers` (a store it may not write: here the file made
/// immutable, which stops root too) gets no snapshot: without the shared lock, garbage
/// collection could delete the snapshot's files under it.
@Test func aSnapshotNeedsTheReaderLock() throws {
    let t = try tableWithBatches(1)
    let path = t.dir + "/_readers"
    if !FileManager.default.fileExists(atPath: path) { try StoreFS.writeNewFile(path, [], sync: false) }
    chmod(path, 0o444)
    let immutable = shell("chattr +i '\(path)'")
    defer {
        if immutable { _ = shell("chattr -i '\(path)'") }
        chmod(path, 0o644)
    }
    let probe = open(path, O_RDWR)
    guard probe < 0 else {
        // neither the mode nor `chattr` keeps this process out: nothing to test here
        close(probe)
        return
    }
    do throws(StoreError) {
        let s = try t.snapshot()
        s.close()
        Issue.record("a snapshot opened without the reader lock")
    } catch {
        #expect(error.kind == .io)
        #expect(error.message.contains(path), "\(error.message)")
        #expect(error.message.contains("not permitted") || error.message.contains("denied"), "\(error.message)")
    }
}

/// Runs `command` with /bin/sh; true when it exits 0.
private func shell(_ command: String) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command + " 2>/dev/null"]
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}

/// Each store path replaced by a link to a sentinel folder or file outside the store: every
/// operation either refuses (naming the link) or works without following it, and the
/// sentinel is untouched after all of them.
@Test(arguments: ["partition", "_tmp", "segment", "_lock", "_readers", "_staging", "_manifest", "table"])
func linksInTheStoreAreNeverFollowed(_ which: String) throws {
    let t = try tableWithBatches(3)
    // an older version's segments, so that gc has retired files to delete
    _ = try Compactor.compact(table: t, policy: {
        var p = try CompactionPolicy(definition: clicksDef)
        p.minSegments = 2
        return p
    }())
    let outside = TestScratch.root + "strata-sentinel-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: outside + "/dir", withIntermediateDirectories: true)
    try StoreFS.writeNewFile(outside + "/file", Array("precious".utf8), sync: false)
    for i in 0..<3 { try StoreFS.writeNewFile(outside + "/dir/seg-\(i).seg", Array("precious \(i)".utf8), sync: false) }
    let m = try t.currentManifest()
    let seg = m.segments[0]
    func replace(_ path: String, withLinkTo target: String) throws {
        var st = stat()
        if lstat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR {
                for f in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where which == "partition" {
                    // keep the partition's files beside the sentinel's, as a migration might
                    try? FileManager.default.copyItem(atPath: path + "/" + f, toPath: target + "/" + f)
                }
                try FileManager.default.removeItem(atPath: path)
            } else {
                unlink(path)
            }
        }
        #expect(symlink(target, path) == 0)
    }
    switch which {
    case "partition": try replace(t.dir + "/" + seg.partition, withLinkTo: outside + "/dir")
    case "_tmp": try replace(t.tmpDir, withLinkTo: outside + "/dir")
    case "segment":
        try FileManager.default.copyItem(atPath: t.segmentPath(seg), toPath: outside + "/dir/copy.seg")
        try replace(t.segmentPath(seg), withLinkTo: outside + "/dir/copy.seg")
    case "_manifest": try replace(t.manifestDir, withLinkTo: outside + "/dir")
    case "table": try replace(t.dir, withLinkTo: outside + "/dir")
    default: try replace(t.dir + "/" + which, withLinkTo: outside + "/file")
    }
    let sentinel = contents(outside)
    // the damage is reported, naming the link: by readers where they would write
    // (`_readers`) or read a segment through it, by writers and gc everywhere
    if ["segment", "_readers", "table"].contains(which) {
        do throws(StoreError) {
            _ = try t.snapshot()
            Issue.record("a snapshot opened with a link at \(which)")
        } catch {
            #expect(error.message.contains("symbolic link"), "\(error.message)")
        }
    }
    if !["segment", "partition"].contains(which) {
        do throws(StoreError) {
            _ = try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(10, seed: 5))
            Issue.record("staged with a link at \(which)")
        } catch {
            #expect(error.message.contains("symbolic link"), "\(error.message)")
        }
    }
    // every operation; each may refuse, none may touch the sentinel
    _ = t.collectGarbage(graceSeconds: -1, now: true)
    _ = t.collectGarbage(graceSeconds: -1, now: true, retiredImmediately: true)
    if let staged = try? PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(200, seed: 5)) {
        _ = try? t.commit(adding: staged, batch: BatchRecord(id: "x", rows: 200, committedAt: 0))
    }
    _ = try? t.commit(adding: [], removing: [seg.id])
    _ = t.collectGarbage(graceSeconds: -1, now: true, retiredImmediately: true)
    _ = try? Compactor.compact(table: t)
    _ = try? t.repair(apply: true)
    #expect(t.collectGarbage(now: true).problems.contains { $0.contains("symbolic link") } || which == "segment")
    _ = try? t.store.dropTable(t.name)
    #expect(contents(outside) == sentinel, "the sentinel changed with a link at \(which)")
    try? FileManager.default.removeItem(atPath: outside)
}

@Test func failedWritersLeaveNoStagedFilesAndGCNowRemovesCrashedOnes() throws {
    let t = try tableWithBatches(1)
    func tmpFiles() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: t.tmpDir)) ?? []).sorted() }
    // a commit that fails after staging: the staged files go with it
    do {
        let staged = try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(300, seed: 3))
        #expect(tmpFiles().count == staged.count)
        Table.crashPoint = { $0 == "rename" }
        defer { Table.crashPoint = nil }
        #expect(throws: StoreError.self) { try t.commit(adding: staged) }
    }
    #expect(tmpFiles().isEmpty)
    // a crashed writer's file (no process holds the staging lock): gc --now removes it at once
    try StoreFS.writeNewFile(t.tmpDir + "/seg-crashed.seg", [1, 2, 3], sync: false)
    // while a live writer stages, nothing in _tmp is touched, however old
    var live: [Table.StagedSegment]? = try PartitionWriter.stage(table: t, definition: clicksDef, columns: clickColumns(50, seed: 4))
    var r = t.collectGarbage(graceSeconds: -1, now: true)
    #expect(!r.deletedFiles.contains { $0.contains("/_tmp/") })
    #expect(tmpFiles().count == 1 + live!.count)
    live = nil
    #expect(tmpFiles() == ["seg-crashed.seg"])
    r = t.collectGarbage(now: true)
    #expect(r.deletedFiles.contains(t.tmpDir + "/seg-crashed.seg"))
    #expect(tmpFiles().isEmpty)
    _ = live
}

@Test func reservedTableNamesAreRefused() throws {
    let store = try tempStore()
    for name in ["_manifest", "_tmp", "_lock", "_anything"] {
        var def = clicksDef
        def.name = name
        do throws(StoreError) {
            try store.createTable(def)
            Issue.record("created table \(name)")
        } catch {
        let e = error
            #expect(e.kind == .user && e.message.contains("reserved"))
        }
    }
    #expect(store.tableNames().isEmpty)
}

@Test func lockTimeoutNamesTheProcessHoldingTheLock() throws {
    let t = try tableWithBatches(1)
    // the file says an earlier writer's pid; the lock is held by this process (as gc holds it:
    // without writing its pid)
    let fd = open(t.dir + "/_lock", O_RDWR)
    defer { close(fd) }
    _ = ftruncate(fd, 0)
    _ = pwrite(fd, "999999\n", 7, 0)
    #expect(flock(fd, LOCK_EX) == 0)
    let other = open(t.dir + "/_lock", O_RDWR)  // a second open file description: the lock conflicts
    defer { close(other) }
    do throws(StoreError) {
        try t.withWriterLock(timeout: 0.1) { () throws(StoreError) in }
        Issue.record("took a held lock")
    } catch {
        let e = error
        #expect(e.kind == .locked)
        #expect(e.message.contains("pid \(getpid())"), "\(e.message)")
        #expect(!e.message.contains("999999"))
    }
}
