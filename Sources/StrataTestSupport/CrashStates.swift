import Foundation
import StrataCore

/// Crash-state checking in the manner of ALICE (Pillai et al., "All File Systems Are Not
/// Created Equal", OSDI 2014): record the file operations of one store operation
/// (`FileOpLog`), then rebuild every on-disk state a crash could leave and check each one.
///
/// The persistence model (docs/reliability-tooling.md, "Crash states"):
/// - A crash happens after any prefix of the recorded operations.
/// - Data written to a file (`write`, `ftruncate`) is durable once the file is fsynced; the
///   writes after its last fsync may be lost entirely, kept entirely, kept in part (the first
///   half of their bytes) or kept as zeros (the size grew, the data blocks never made it).
/// - A name operation (`mkdir`, create, `link`, `unlink`, `rmdir`) is durable once its
///   directory is fsynced; a `rename` once its target directory is. Until then each may be
///   lost, independently of every other name operation and of any data write: operations
///   on different files and directories are reordered unless an fsync orders them. A rename
///   itself is atomic (old name or new name, never both or neither), as on every journaling
///   file system; so is each single name change.
/// - An fsync of a file does not make its name durable (strict POSIX; ext4 happens to).
/// - The content of the writer lock file `_lock` (the holder's pid, a hint for messages) is
///   taken as written: it never decides anything.
///
/// Per prefix, the lost/kept choices of the unsynced effects are enumerated exhaustively
/// while they number at most `exhaustiveLimit`; beyond that (many unsynced names at once),
/// the checker takes every effect alone lost or alone kept against the others all kept or
/// all lost, the two extremes, and `samples` seeded random choices. Identical trees are
/// materialized and checked once.
public enum CrashStates {
    /// The on-disk tree of a store: relative path → nil for a directory, the bytes for a file.
    public typealias Tree = [String: [UInt8]?]

    /// Reads the tree under `root` (directories and regular files).
    public static func readTree(_ root: String) -> Tree {
        var out: Tree = [:]
        let fm = FileManager.default
        func walk(_ rel: String) {
            let abs = rel.isEmpty ? root : root + "/" + rel
            for name in ((try? fm.contentsOfDirectory(atPath: abs)) ?? []).sorted() {
                let r = rel.isEmpty ? name : rel + "/" + name
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: root + "/" + r, isDirectory: &isDir) else { continue }
                if isDir.boolValue {
                    out[r] = .some(nil)
                    walk(r)
                } else {
                    out[r] = .some([UInt8](fm.contents(atPath: root + "/" + r) ?? Data()))
                }
            }
        }
        walk("")
        return out
    }

    /// Writes `tree` into the new directory `dir`.
    public static func materialize(_ tree: Tree, at dir: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for path in tree.keys.sorted() {
            if let bytes = tree[path]! {
                let parent = (dir + "/" + path as NSString).deletingLastPathComponent
                try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
                guard fm.createFile(atPath: dir + "/" + path, contents: Data(bytes)) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: dir + "/" + path])
                }
            } else {
                try fm.createDirectory(atPath: dir + "/" + path, withIntermediateDirectories: true)
            }
        }
    }

    /// The operations recorded under `root` while `body` ran, and the tree before it.
    public struct Recording: Sendable {
        public var root: String
        public var initial: Tree
        public var final: Tree
        public var operations: [FileOp]
    }

    public static func record(root: String, _ body: () throws -> Void) rethrows -> Recording {
        let initial = readTree(root)
        let recorder = FileOpRecorder(root: root)
        FileOpLog.install(recorder)
        defer { FileOpLog.remove(recorder) }
        try body()
        return Recording(root: root, initial: initial, final: readTree(root), operations: recorder.operations)
    }

    /// What `check` found.
    public struct Report: Sendable, CustomStringConvertible {
        /// Operations recorded (after merging consecutive writes to one file).
        public var operations = 0
        /// Crash points: every prefix of the operations, the empty and the complete one included.
        public var prefixes = 0
        /// (prefix, choice of lost/kept unsynced effects) pairs generated.
        public var states = 0
        /// Distinct trees among them, each materialized, opened and checked.
        public var distinct = 0
        /// Distinct trees also checked for recovery (`observe`'s `deep`).
        public var deep = 0
        /// Prefixes whose choices were sampled rather than enumerated.
        public var sampledPrefixes = 0
        /// The observation of the state before (empty prefix) and after (everything durable).
        public var before = ""
        public var after = ""
        /// How many distinct states showed the before and the after state.
        public var sawBefore = 0
        public var sawAfter = 0
        public var failures: [String] = []
        public var failureCount = 0

        public var description: String {
            "\(operations) operations, \(prefixes) crash points, \(states) crash states, \(distinct) distinct trees checked (\(sawBefore) before, \(sawAfter) after; \(deep) with recovery; \(sampledPrefixes) crash points sampled), \(failureCount) failures"
        }
    }

    // MARK: - the inode model

    private enum Change {
        /// Name changes, applied together; durable with an fsync of one of `forcedBy`.
        case names([(dir: Int, name: String, target: Int?)], forcedBy: [Int])
        case write(Int, offset: Int, bytes: [UInt8])
        case truncate(Int, size: Int)
        case fsyncFile(Int)
        case fsyncDir(Int)
        case nothing
    }

    private struct Node {
        var isDir: Bool
        var entries: [String: Int] = [:]
        var data: [UInt8] = []
    }

    private struct Model {
        var nodes: [Node]
        /// Files whose content is taken as written (`_lock`).
        var alwaysDurable: Set<Int> = []
        var changes: [Change] = []
        var op: [String] = []  // a readable name per change
    }

    private static func relative(_ path: String, _ root: String) -> String? {
        var p = path
        while p.contains("//") { p = p.replacingOccurrences(of: "//", with: "/") }
        let r = root.hasSuffix("/") ? root : root + "/"
        guard p.hasPrefix(r) else { return nil }
        return String(p.dropFirst(r.count))
    }

    /// Consecutive contiguous writes to one file become one write.
    private static func merged(_ ops: [FileOp]) -> [FileOp] {
        var out: [FileOp] = []
        for op in ops {
            if case .write(let p, let off, let bytes) = op, case .write(let q, let qoff, let qbytes)? = out.last,
               p == q, qoff + qbytes.count == off {
                out[out.count - 1] = .write(p, offset: qoff, bytes: qbytes + bytes)
            } else {
                out.append(op)
            }
        }
        return out
    }

    /// Builds the model: the initial tree as inodes, then each operation resolved to the
    /// inodes it changes (by replaying all of them without a crash).
    private static func model(_ rec: Recording) -> (Model, [String]) {
        var problems: [String] = []
        var nodes = [Node(isDir: true)]
        var locks = Set<Int>()
        func lookup(_ rel: String, in nodes: [Node]) -> Int? {
            var cur = 0
            for part in rel.split(separator: "/") {
                guard nodes[cur].isDir, let next = nodes[cur].entries[String(part)] else { return nil }
                cur = next
            }
            return cur
        }
        func split(_ rel: String) -> (String, String) {
            let parent = (rel as NSString).deletingLastPathComponent
            return (parent, (rel as NSString).lastPathComponent)
        }
        for path in rec.initial.keys.sorted() {
            let (parent, name) = split(path)
            guard let p = lookup(parent, in: nodes) else { continue }
            let id = nodes.count
            if let bytes = rec.initial[path]! {
                nodes.append(Node(isDir: false, data: bytes))
            } else {
                nodes.append(Node(isDir: true))
            }
            nodes[p].entries[name] = id
            if name == "_lock" { locks.insert(id) }
        }
        var m = Model(nodes: nodes, alwaysDurable: locks)
        // `live` is the namespace with every operation applied, for resolving paths
        var live = nodes
        for op in merged(rec.operations) {
            var change = Change.nothing
            func rel(_ p: String) -> String? {
                let r = relative(p, rec.root)
                if r == nil { problems.append("operation outside the store: \(op)") }
                return r
            }
            func newEntry(_ p: String, dir: Bool) {
                guard let r = rel(p) else { return }
                let (parent, name) = split(r)
                guard let pid = lookup(parent, in: live) else { problems.append("no parent for \(op)"); return }
                let id = live.count
                live.append(Node(isDir: dir))
                m.nodes.append(Node(isDir: dir))
                live[pid].entries[name] = id
                if name == "_lock" { m.alwaysDurable.insert(id) }
                change = .names([(pid, name, id)], forcedBy: [pid])
            }
            switch op {
            case .mkdir(let p): newEntry(p, dir: true)
            case .create(let p): newEntry(p, dir: false)
            case .openCreate(let p):
                if let r = rel(p), lookup(r, in: live) == nil { newEntry(p, dir: false) }
            case .write(let p, let off, let bytes):
                guard let r = rel(p), let id = lookup(r, in: live) else { problems.append("no file for \(op)"); break }
                if live[id].data.count < off + bytes.count { live[id].data += [UInt8](repeating: 0, count: off + bytes.count - live[id].data.count) }
                live[id].data.replaceSubrange(off..<(off + bytes.count), with: bytes)
                change = .write(id, offset: off, bytes: bytes)
            case .truncate(let p, let size):
                guard let r = rel(p), let id = lookup(r, in: live) else { problems.append("no file for \(op)"); break }
                change = .truncate(id, size: size)
            case .fsync(let p):
                guard let r = rel(p), let id = lookup(r, in: live) else { problems.append("no file for \(op)"); break }
                change = .fsyncFile(id)
            case .fsyncDir(let p):
                let isRoot = p == rec.root || p + "/" == rec.root
                guard let r = isRoot ? "" : rel(p) else { break }
                guard let id = lookup(r, in: live) else { problems.append("no directory for \(op)"); break }
                change = .fsyncDir(id)
            case .rename(let a, let b), .link(let a, let b):
                guard let ra = rel(a), let rb = rel(b), let id = lookup(ra, in: live) else { problems.append("no source for \(op)"); break }
                let (pa, na) = split(ra), (pb, nb) = split(rb)
                guard let pida = lookup(pa, in: live), let pidb = lookup(pb, in: live) else { problems.append("no parent for \(op)"); break }
                if case .rename = op {
                    live[pida].entries[na] = nil
                    live[pidb].entries[nb] = id
                    change = .names([(pida, na, nil), (pidb, nb, id)], forcedBy: [pidb])
                } else {
                    live[pidb].entries[nb] = id
                    change = .names([(pidb, nb, id)], forcedBy: [pidb])
                }
            case .unlink(let p), .rmdir(let p):
                guard let r = rel(p) else { break }
                let (parent, name) = split(r)
                guard let pid = lookup(parent, in: live), live[pid].entries[name] != nil else { problems.append("nothing to remove for \(op)"); break }
                live[pid].entries[name] = nil
                change = .names([(pid, name, nil)], forcedBy: [pid])
            }
            m.changes.append(change)
            m.op.append("\(op)".prefix(160).description)
        }
        return (m, problems)
    }

    /// One unsynced effect at a crash point: a name change (lost or kept) or the unsynced
    /// tail of a file's writes (lost, kept, half kept, kept as zeros).
    private enum Unit {
        case names(Int)
        case data(inode: Int, changes: [Int])
        var variants: Int { if case .names = self { return 2 } else { return 4 } }
    }

    /// The units of prefix `k` and the set of changes that are durable in any case.
    private static func units(_ m: Model, prefix k: Int) -> (forced: Set<Int>, units: [Unit]) {
        var forced = Set<Int>()
        var units: [Unit] = []
        var syncedFiles = Set<Int>(), syncedDirs = Set<Int>()
        var tails: [Int: [Int]] = [:]
        // walk backwards: a change is forced if an fsync of its file/directory follows it
        for j in stride(from: k - 1, through: 0, by: -1) {
            switch m.changes[j] {
            case .fsyncFile(let id): syncedFiles.insert(id)
            case .fsyncDir(let id): syncedDirs.insert(id)
            case .names(_, let by):
                if by.contains(where: syncedDirs.contains) { forced.insert(j) } else { units.append(.names(j)) }
            case .write(let id, _, _), .truncate(let id, _):
                if syncedFiles.contains(id) || m.alwaysDurable.contains(id) { forced.insert(j) } else { tails[id, default: []].insert(j, at: 0) }
            case .nothing: break
            }
        }
        for id in tails.keys.sorted() { units.append(.data(inode: id, changes: tails[id]!)) }
        return (forced, units)
    }

    /// The tree after the durable changes of prefix `k`, with `choice[i]` the variant of unit i
    /// (names: 0 lost, 1 kept; data: 0 lost, 1 kept, 2 first half kept, 3 kept as zeros).
    private static func tree(_ m: Model, prefix k: Int, forced: Set<Int>, units: [Unit], choice: [Int]) -> Tree {
        var keep = forced
        var dataVariant: [Int: (Int, Int)] = [:]  // change index -> (variant, bytes budget)
        for (u, v) in zip(units, choice) {
            switch u {
            case .names(let j): if v == 1 { keep.insert(j) }
            case .data(_, let changes):
                guard v != 0 else { continue }
                var total = 0
                for j in changes {
                    keep.insert(j)
                    if case .write(_, _, let b) = m.changes[j] { total += b.count }
                }
                for j in changes { dataVariant[j] = (v, total / 2) }
            }
        }
        var nodes = m.nodes
        var budget: [Int: Int] = [:]  // per inode, bytes left for the half variant
        for j in 0..<k where keep.contains(j) {
            switch m.changes[j] {
            case .names(let list, _):
                for (dir, name, target) in list {
                    if let target { nodes[dir].entries[name] = target } else if nodes[dir].entries[name] != nil {
                        nodes[dir].entries[name] = nil
                    }
                }
            case .write(let id, let off, var bytes):
                if let (v, half) = dataVariant[j] {
                    if v == 3 { bytes = [UInt8](repeating: 0, count: bytes.count) }
                    if v == 2 {
                        let left = budget[id] ?? half
                        if left <= 0 { continue }
                        if bytes.count > left { bytes = Array(bytes[0..<left]) }
                        budget[id] = left - bytes.count
                    }
                }
                if nodes[id].data.count < off + bytes.count { nodes[id].data += [UInt8](repeating: 0, count: off + bytes.count - nodes[id].data.count) }
                nodes[id].data.replaceSubrange(off..<(off + bytes.count), with: bytes)
            case .truncate(let id, let size):
                if nodes[id].data.count > size { nodes[id].data.removeLast(nodes[id].data.count - size) } else {
                    nodes[id].data += [UInt8](repeating: 0, count: size - nodes[id].data.count)
                }
            default: break
            }
        }
        var out: Tree = [:]
        var seen = Set<Int>()
        func walk(_ id: Int, _ rel: String) {
            guard seen.insert(id).inserted || !nodes[id].isDir else { return }
            for (name, child) in nodes[id].entries {
                let r = rel.isEmpty ? name : rel + "/" + name
                if nodes[child].isDir {
                    out[r] = .some(nil)
                    walk(child, r)
                } else {
                    out[r] = .some(nodes[child].data)
                }
            }
        }
        walk(0, "")
        return out
    }

    /// The choices checked at one crash point (see the type's documentation).
    private static func choices(_ units: [Unit], exhaustiveLimit: Int, samples: Int, seed: inout UInt64) -> (choices: [[Int]], sampled: Bool) {
        var total = 1
        for u in units {
            total *= u.variants
            if total > exhaustiveLimit { break }
        }
        if total <= exhaustiveLimit {
            var out: [[Int]] = [[]]
            for u in units { out = out.flatMap { c in (0..<u.variants).map { c + [$0] } } }
            return (out, false)
        }
        var set = Set<[Int]>()
        let allKept = units.map { _ in 1 }, allLost = units.map { _ in 0 }
        set.insert(allKept)
        set.insert(allLost)
        for (i, u) in units.enumerated() {
            for v in 0..<u.variants {
                var a = allKept; a[i] = v; set.insert(a)
                var b = allLost; b[i] = v; set.insert(b)
            }
        }
        for _ in 0..<samples {
            set.insert(units.map { Int(splitMix64Next(&seed) % UInt64($0.variants)) })
        }
        return (set.sorted { $0.lexicographicallyPrecedes($1) }, true)
    }

    /// Rebuilds every crash state of `rec` (see the type's documentation), writes each distinct
    /// one to a folder under `scratch` and calls `observe` with it: it opens the store and
    /// returns what a user sees (the rows, the tables), or throws when the store does not open
    /// or is unsound. Every state must show the observation of the state before the operation
    /// or the one after; the states after the last operation (the operation returned) must
    /// show the one after (`durable`).
    ///
    /// `observe`'s second argument asks for the deeper recovery checks too (garbage
    /// collection, the next commit): for the first distinct state of each crash point and every
    /// `deepEvery`-th distinct state, to keep the run short.
    public static func check(_ rec: Recording, scratch: String, durable: Bool = true, exhaustiveLimit: Int = 32,
                             samples: Int = 8, deepEvery: Int = 8, seed: UInt64 = 0x5EED,
                             observe: (String, Bool) throws -> String) -> Report {
        var report = Report()
        let (m, problems) = model(rec)
        func fail(_ text: String) {
            report.failureCount += 1
            if report.failures.count < 20 { report.failures.append(text) }
        }
        for p in problems { fail("recording: \(p)") }
        let n = m.changes.count
        report.operations = n
        var counter = 0
        func look(_ t: Tree, deep: Bool = true) -> Result<String, any Error> {
            counter += 1
            let dir = scratch + "/state-\(counter)"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            do {
                try materialize(t, at: dir)
                return .success(try observe(dir, deep))
            } catch {
                return .failure(error)
            }
        }
        // the model replayed in full must give the tree on disk: a file operation that did not
        // go through `FileOpLog` shows here
        let (allForced, allUnits) = units(m, prefix: n)
        let complete = tree(m, prefix: n, forced: allForced, units: allUnits, choice: allUnits.map { _ in 1 })
        if complete != rec.final {
            let paths = Set(complete.keys).union(rec.final.keys).filter { complete[$0] != rec.final[$0] }.sorted()
            fail("the recorded operations do not rebuild the final tree (an unrecorded file operation?): \(paths.prefix(10))")
        }
        switch look(rec.initial) {
        case .success(let s): report.before = s
        case .failure(let e): fail("the state before does not open: \(e)")
        }
        switch look(complete) {
        case .success(let s): report.after = s
        case .failure(let e): fail("the state after does not open: \(e)")
        }
        var seen: [Tree: String] = [:]
        var seed = seed
        for k in 0...n {
            report.prefixes += 1
            var firstAtPrefix = true
            let (forced, us) = units(m, prefix: k)
            let (cs, sampled) = choices(us, exhaustiveLimit: exhaustiveLimit, samples: samples, seed: &seed)
            if sampled { report.sampledPrefixes += 1 }
            for c in cs {
                report.states += 1
                let t = tree(m, prefix: k, forced: forced, units: us, choice: c)
                let seenResult = seen[t]
                let result: String
                if let seenResult { result = seenResult } else {
                    report.distinct += 1
                    if deepEvery > 0 && report.distinct % deepEvery == 0 || firstAtPrefix { report.deep += 1 }
                    switch look(t, deep: deepEvery > 0 && report.distinct % deepEvery == 0 || firstAtPrefix) {
                    case .success(let s): result = s
                    case .failure(let e): result = "error: \(e)"
                    }
                    seen[t] = result
                    firstAtPrefix = false
                    if result == report.before { report.sawBefore += 1 }
                    if result == report.after { report.sawAfter += 1 }
                }
                let ok = result == report.after || (result == report.before && !(durable && k == n))
                if !ok {
                    var lost: [String] = []
                    for (u, v) in zip(us, c) where v != 1 {
                        switch u {
                        case .names(let j): lost.append("lost: \(m.op[j])")
                        case .data(let id, _): lost.append("inode \(id) data \(["lost", "", "half", "zeros"][v])")
                        }
                    }
                    let what = result.hasPrefix("error: ") ? result : (result == report.before ? "the state before (not durable)" : "a state neither before nor after: \(result.prefix(300))")
                    if seenResult == nil || report.failures.count < 20 {
                        fail("crash after \(k) of \(n) operations (last: \(k > 0 ? m.op[k - 1] : "none")), \(lost.joined(separator: "; ")): \(what)")
                    }
                }
            }
        }
        return report
    }
}
