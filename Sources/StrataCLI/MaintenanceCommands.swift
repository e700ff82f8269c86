import ArgumentParser
import Foundation
import StrataCore
import StrataQuery
import StrataStore

struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge small segments into large sorted ones (size-tiered, per partition), atomically.")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String
    @Option(name: .long, help: "Only this partition (e.g. month=2024-05 or 2024-05).") var partition: String?
    @Flag(name: .long, help: "Print the plan, change nothing.") var dryRun = false
    @Option(name: .long, help: "Read at most this many input bytes in this run.") var maxBytes: Int?
    @Option(name: .long, help: "Target rows per output segment.") var targetRows: Int?
    @Flag(name: .long, help: "No progress line on stderr.") var quiet = false

    func run() throws(CLIError) {
        let t = try storeOption.table(table)
        // a progress line on a terminal; Ctrl-C stops before the commit (exit 130)
        let line = ProgressLine.enabled(quiet: quiet) ? ProgressLine() : nil
        let progress: CompactionProgress? = line.map { line in
            { parts, of, rows, total in
                line.draw(fraction: total > 0 ? Double(rows) / Double(total) : nil,
                          "compact: \(grouped(parts)) of \(plural(of, "partition")), \(grouped(rows)) of \(plural(total, "row")) merged")
            }
        }
        let flag = Interruption()
        do throws(StoreError) {
            var p = try CompactionPolicy(definition: try t.definition)
            if let maxBytes { p.maxBytes = maxBytes }
            if let targetRows { p.targetRows = max(1024, targetRows) }
            let s = try Interrupts.catching(flag) { () throws(StoreError) in
                try Compactor.compact(table: t, policy: p, partition: partition, dryRun: dryRun, interruption: flag, progress: progress)
            }
            line?.clear()
            print(s.description)
        } catch {
            line?.clear()
            throw CLIError(error)
        }
    }
}

struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Drop whole partitions older than a window (e.g. --keep 90d), atomically.")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String
    @Option(name: .long, help: "Window to keep: 12h, 90d, 2w, 6m, 1y.") var keep: String
    @Flag(name: .long, help: "Print what would be dropped, change nothing.") var dryRun = false

    func run() throws(CLIError) {
        let t = try storeOption.table(table)
        do throws(StoreError) {
            let s = try Retention.apply(table: t, keep: try Retention.parseDuration(keep), dryRun: dryRun)
            print(s.description)
        } catch { throw CLIError(error) }
    }
}

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Erase the rows matching a condition by rewriting the segments that hold them, atomically.")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String
    @Option(name: .long, help: "SQL condition, e.g. \"visitor_id = 'abc'\".") var `where`: String
    @Flag(name: .long, help: "Delete the replaced files at once (only when no reader is running).") var now = false

    func run() throws(CLIError) {
        let store = try storeOption.open(create: false)
        do throws(EngineError) {
            let engine = try QueryEngine(store: store)
            print(try engine.delete(table: table, where: `where`, purgeNow: now).description)
        } catch { throw CLIError(error) }
    }
}

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gc", abstract: "Delete files no manifest needs any more (after the grace period).")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String
    @Flag(name: .long, help: "Skip the grace period (only when no reader or writer is running).") var now = false

    func run() throws(CLIError) {
        let t = try storeOption.table(table)
        let r = t.collectGarbage(now: now)
        if r.skippedBecauseReaders { print("readers are active: nothing deleted, try again later") }
        print("deleted \(r.deletedFiles.count) file(s)")
        if !r.problems.isEmpty {
            let lines = r.problems.map { "corrupt data: \($0)" }
            throw CLIError(.corrupt, lines[0], details: Array(lines.dropFirst()))
        }
    }
}

struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Show, and with --apply move aside, manifests that cannot be read, so the table works again from its newest readable version.",
        discussion: "Nothing is deleted: damaged manifests and the segment files no readable manifest references go to TABLE/_damaged/. Exit 2 when damage is found but not repaired.")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String
    @Flag(name: .long, help: "Do it (without: only show what would be moved and what the table goes back to).") var apply = false

    func run() throws(CLIError) {
        let r: RepairReport
        let t = try storeOption.table(table)
        do throws(StoreError) { r = try t.repair(apply: apply) } catch { throw CLIError(error) }
        writeOut(r.description)
        if r.needsRepair && !r.applied { throw CLIError(.corrupt, "repair: damage found, nothing changed (use --apply)") }
    }
}
