import ArgumentParser
import Foundation
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

    func run() throws {
        do throws(StoreError) {
            let t = try storeOption.open(create: false).table(table)
            var p = try CompactionPolicy(definition: try t.definition)
            if let maxBytes { p.maxBytes = maxBytes }
            if let targetRows { p.targetRows = max(1024, targetRows) }
            let s = try Compactor.compact(table: t, policy: p, partition: partition, dryRun: dryRun)
            print(s.description)
        } catch { Exit.store(error) }
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

    func run() throws {
        do throws(StoreError) {
            let t = try storeOption.open(create: false).table(table)
            let s = try Retention.apply(table: t, keep: try Retention.parseDuration(keep), dryRun: dryRun)
            print(s.description)
        } catch { Exit.store(error) }
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

    func run() throws {
        let store = storeOption.open(create: false)
        do throws(EngineError) {
            let engine = try QueryEngine(store: store)
            print(try engine.delete(table: table, where: `where`, purgeNow: now).description)
        } catch { Exit.engine(error) }
    }
}
