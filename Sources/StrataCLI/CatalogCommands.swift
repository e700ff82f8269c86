import ArgumentParser
import Foundation
import StrataFormat
import StrataQuery
import StrataStore
import StrataText

struct TablesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tables", abstract: "List the tables and views of a store.")
    @OptionGroup var storeOption: StoreOption

    func run() throws(CLIError) {
        let store = try storeOption.open(create: false)
        for t in (store.tableNames() + store.viewNames()).sorted() { print(t) }
    }
}

struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show a table's columns, partitioning and sort key.")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String

    func run() throws(CLIError) {
        let store = try storeOption.open(create: false)
        do throws(EngineError) {
            let engine = try QueryEngine(store: store)
            writeOut(Output.render(try engine.describeTable(table), format: .table))
        } catch { throw CLIError(error) }
        if store.viewExists(table) {
            var sql = ""
            do throws(StoreError) { sql = try store.view(table)?.sql ?? "" } catch { throw CLIError(error) }
            print("view: \(sql)")
            return
        }
        let def: TableDefinition
        do throws(StoreError) { def = try store.table(table).definition } catch { throw CLIError(error) }
        print("partition: \(def.timeColumn.map { "\(def.granularity.rawValue)(\($0))" } ?? "none")  order by: (\(def.sortKey.joined(separator: ", ")))  codec: \(def.codec.codec.name)\(def.codec.codec == .zstd ? " level \(def.codec.level)" : "")  block rows: \(def.blockRows)")
        print("ddl: \(def.createStatement);")
        if !def.options.isEmpty { print("options: " + def.options.sorted { $0.key < $1.key }.map { "\($0.key) = '\($0.value)'" }.joined(separator: ", ")) }
    }
}

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Rows, partitions, segments, bytes and per-column sizes and encodings.")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String
    @Option(name: .long, help: "table or json.") var format: String = "table"

    func run() throws(CLIError) {
        let st: TableStats
        let t = try storeOption.table(table)
        do throws(StoreError) { st = try t.stats() } catch { throw CLIError(error) }
        if format == "json" {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data: Data
            do { data = try enc.encode(st) } catch {  // JSONEncoder throws untyped errors
                throw CLIError(.ioOrInternal, "error: cannot encode the statistics: \(error)", cause: error)
            }
            writeOut(String(data: data, encoding: .utf8)! + "\n")
            return
        }
        let range = st.minTime.map { Civil.formatTimestamp($0) + " .. " + Civil.formatTimestamp(st.maxTime!) } ?? "-"
        print("table \(st.table): \(st.rows) rows, \(st.partitions) partitions, \(st.segments) segments, \(st.bytes) bytes on disk (\(String(format: "%.2f", st.rows > 0 ? Double(st.bytes) / Double(st.rows) : 0)) bytes/row)")
        print("time range: \(range)   manifest version \(st.manifestVersion)")
        let rs = ResultSet(names: ["column", "type", "stored_bytes", "encoded_bytes", "bytes_per_row", "encodings", "codecs"],
                           types: [.varchar, .varchar, .bigint, .bigint, .double, .varchar, .varchar],
                           columns: [
                               st.columns.map { .string($0.name) }, st.columns.map { .string($0.type) },
                               st.columns.map { .int(Int64($0.storedBytes)) }, st.columns.map { .int(Int64($0.rawBytes)) },
                               st.columns.map { .double(st.rows > 0 ? (Double($0.storedBytes) / Double(st.rows) * 100).rounded() / 100 : 0) },
                               st.columns.map { .string($0.encodings.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")) },
                               st.columns.map { .string($0.codecs.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")) },
                           ])
        writeOut(Output.render(rs, format: .table))
    }
}

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show a segment file's footer and blocks.")
    @Argument var file: String
    @Flag(name: .long, help: "List every block.") var blocks = false

    func run() throws(CLIError) {
        let r: SegmentReader
        do throws(FormatError) { r = try SegmentReader(path: file) } catch { throw CLIError(error) }
        let f = r.footer
        print("segment \(file)")
        print("  format version \(segmentFormatVersion), \(r.fileSize) bytes, created by \(f.createdBy)")
        print("  partition \(f.partition), \(f.rowCount) rows in \(f.blockCount) blocks of \(f.blockRows)")
        if f.timeColumn >= 0 && f.rowCount > 0 {
            print("  time column \(f.columns[Int(f.timeColumn)].name): \(Civil.formatTimestamp(f.minTime)) .. \(Civil.formatTimestamp(f.maxTime))")
        }
        print("  sort key: (\(f.sortKey.map { f.columns[Int($0)].name }.joined(separator: ", ")))")
        for c in f.columns {
            var encs: [String: Int] = [:]
            for b in c.blocks { encs[b.encoding.name, default: 0] += 1 }
            let dict = c.dictionary.map { ", dictionary \($0.entries) entries (\($0.layout == .hex ? "hex \($0.entryLength)" : "variable"), \($0.page.storedLength) bytes)" } ?? ""
            print("  column \(c.name) \(c.type.sqlName): \(c.storedBytes) bytes stored, \(c.rawBytes) encoded, codec \(c.codec.name)\(dict); encodings \(encs.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))")
            if blocks {
                for (i, b) in c.blocks.enumerated() {
                    print("    block \(i): \(b.encoding.name) \(b.page.codec.name) \(b.page.storedLength)/\(b.page.rawLength) bytes at \(b.page.offset), nulls \(b.nullCount), min \(b.minBits) max \(b.maxBits), crc \(String(b.page.crc32c, radix: 16))")
                }
            }
        }
        do throws(FormatError) {
            try r.verify()
            print("  all pages verified")
        } catch { throw CLIError.corrupt(error.description, cause: error) }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check every manifest, segment, checksum and row count; exit 0 only when all is sound.")
    @OptionGroup var storeOption: StoreOption
    @Argument(help: "Table (default: all tables).") var table: String?

    func run() throws(CLIError) {
        let store = try storeOption.open(create: false)
        let names = table.map { [$0] } ?? store.tableNames()
        var total = VerifyReport()
        for n in names {
            let t: Table
            do throws(StoreError) { t = try store.table(n) } catch { throw CLIError(error) }
            let r = t.verify()
            print("\(n): \(r.manifestsChecked) manifests, \(r.segmentsChecked) segments, \(r.rowsChecked) rows checked — \(r.isSound ? "ok" : "\(r.problems.count) problem(s)")")
            total.merge(r)
        }
        for p in total.problems { print("BAD  \(p)") }
        for n in total.notes { print("note \(n)") }
        if !total.isSound { throw CLIError(.corrupt, "verify: \(total.problems.count) problem(s) found") }
    }
}
