import ArgumentParser
import Foundation
import StrataFormat
import StrataGen
import StrataIngest
import StrataQuery
import StrataStore
import StrataText
import CStrataKernels
#if canImport(Glibc)
import Glibc
#endif

/// Exit codes: 0 success, 1 user error, 2 corrupt data, 3 internal error.
enum Exit {
    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write((message.hasSuffix("\n") ? message : message + "\n").data(using: .utf8)!)
        exit(code)
    }

    static func store(_ e: StoreError) -> Never {
        switch e.kind {
        case .user: fail("error: \(e.message)", code: 1)
        case .locked, .conflict: fail("error: \(e.message)", code: 3)
        case .corrupt: fail("corrupt data: \(e.message)", code: 2)
        case .io: fail("i/o error: \(e.message)", code: 3)
        }
    }

    static func engine(_ e: EngineError) -> Never {
        fail(e.description, code: e.kind == .user ? 1 : (e.kind == .corrupt ? 2 : 3))
    }
}

struct StoreOption: ParsableArguments {
    @Option(name: .long, help: "Store directory (default: $STRATA_STORE, else ./strata-data).")
    var store: String?

    func open(create: Bool = true) -> Store {
        do throws(StoreError) { return try Store(root: Store.defaultRoot(store), create: create) } catch { Exit.store(error) }
    }
}

/// Standard output goes through one buffered stream (as `print` does), so lines keep their order.
func writeOut(_ s: String) {
    print(s, terminator: "")
}

/// Writes rendered output to standard output, each chunk with as few write(2) calls as the
/// kernel allows; what `print` has buffered is flushed first, so the order is kept. A failing
/// write (a full disk, /dev/full, a closed pipe) ends the process: see `outputFailed`.
func writeOut(_ chunks: [ByteChunk]) {
    flushOutput()
    if !writeChunks(1, chunks) { outputFailed(errno) }
}

/// Flushes what `print` buffered on standard output; a failure ends the process (exit 3).
func flushOutput() {
    let e = strata_flush_stdout()
    if e != 0 { outputFailed(e) }
}

/// An answer that could not be written in full is an I/O error (exit 3), never a success.
func outputFailed(_ e: Int32) -> Never {
    Exit.fail("i/o error: cannot write the output: \(String(cString: strerror(e == 0 ? EIO : e)))", code: 3)
}

/// Writes the chunks in order to `fd`; false (errno set) at the first failing write.
func writeChunks(_ fd: Int32, _ chunks: [ByteChunk]) -> Bool {
    for c in chunks {
        let ok = c.withUnsafeBytes { raw -> Bool in
            guard var p = raw.baseAddress else { return true }
            var left = raw.count
            while left > 0 {
                let n = write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                p += n
                left -= n
            }
            return true
        }
        if !ok { return false }
    }
    return true
}

/// Writes rendered output to a file; nil on success, else the reason. A regular file (or a
/// new one) is replaced atomically: written to a temporary name beside it, then renamed over
/// it, through a symbolic link to its target (the link stays), so a failed write (a full
/// disk) leaves the old file as it was. Anything else that exists at `path` (a device such as
/// /dev/null or /dev/stdout, a FIFO) is written to in place: replacing it would put a
/// regular file where the device was.
func writeFile(_ path: String, _ chunks: [ByteChunk]) -> String? {
    func reason(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }
    var st = stat()
    if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { return reason() }
        if !writeChunks(fd, chunks) {
            let e = errno
            close(fd)
            return reason(e)
        }
        return close(fd) == 0 ? nil : reason()
    }
    var target = path
    if let resolved = realpath(path, nil) {
        target = String(cString: resolved)
        free(resolved)
    }
    let tmp = target + ".tmp-\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd < 0 { return reason() }
    if !writeChunks(fd, chunks) || close(fd) != 0 {
        let e = errno
        close(fd)
        unlink(tmp)
        return reason(e)
    }
    if rename(tmp, target) != 0 {
        let e = errno
        unlink(tmp)
        return reason(e)
    }
    return nil
}

public struct Strata: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Embedded columnar event store for click analytics.",
        discussion: "Exit codes: 0 success, 1 user error, 2 corrupt data found, 3 internal error.",
        subcommands: [QueryCommand.self, IngestCommand.self, GenCommand.self, TablesCommand.self, DescribeCommand.self,
                      StatsCommand.self, InspectCommand.self, VerifyCommand.self, BenchCommand.self, GCCommand.self,
                      CompactCommand.self, RetentionCommand.self, DeleteCommand.self, ReportCommand.self, RepairCommand.self])

    public init() {}
}

public enum StrataMain {
    public static func run() {
        strata_use_huge_pages(CommandLine.unsafeArgv)
        strata_tune_allocator()
        do {
            var cmd = try Strata.parseAsRoot()
            try cmd.run()
            flushOutput()
        } catch {
            let code = Strata.exitCode(for: error)
            if code == .success { Strata.exit(withError: error) }
            if code == .validationFailure {
                FileHandle.standardError.write((Strata.fullMessage(for: error) + "\n").data(using: .utf8)!)
                exit(1)
            }
            Strata.exit(withError: error)
        }
    }
}

// MARK: - query

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL (queries, CREATE/DROP TABLE, SHOW TABLES, DESCRIBE, SET); an interactive shell when no SQL is given.")

    @OptionGroup var storeOption: StoreOption
    @Option(name: .long, help: "Output format: table, csv, tsv, json, ndjson.") var format: String = "table"
    @Option(name: .long, help: "Read SQL from a file.") var file: String?
    @Option(name: .long, help: "Session time zone for truncation and extraction (e.g. Europe/Berlin).") var tz: String?
    @Flag(name: .long, help: "Print the engine's time, and the time taken to render and write the output, on stderr.") var timing = false
    @Argument(help: "SQL statements separated by ';'.") var sql: String?

    func run() throws {
        guard let fmt = OutputFormat(rawValue: format.lowercased()) else {
            Exit.fail("error: unknown format '\(format)' (use table, csv, tsv, json or ndjson)", code: 1)
        }
        let store = storeOption.open()
        let engine: QueryEngine
        do throws(EngineError) { engine = try QueryEngine(store: store, timeZone: tz) } catch { Exit.engine(error) }
        var text = sql
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let s = String(data: data, encoding: .utf8) else {
                Exit.fail("error: cannot read SQL file '\(file)'", code: 1)
            }
            text = s
        }
        if text == nil && isatty(0) == 0 {
            text = String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8) ?? ""
        }
        guard let text else {
            var shell = Shell(engine: engine, format: fmt)
            shell.run()
            return
        }
        do throws(EngineError) {
            for r in try engine.execute(text) {
                let start = DispatchTime.now().uptimeNanoseconds
                if r.isQuery || fmt == .table { writeOut(Output.renderBytes(r.result, format: r.isQuery ? fmt : .table)) }
                if timing { Output.reportTiming(query: r.seconds, outputSince: start) }
            }
        } catch { Exit.engine(error) }
    }
}

/// Interactive shell: statements end with ';'; dot commands.
struct Shell {
    let engine: QueryEngine
    var format: OutputFormat
    var timer = false

    init(engine: QueryEngine, format: OutputFormat) {
        self.engine = engine
        self.format = format
    }

    mutating func run() {
        print("strata shell — statements end with ';'. .help for commands, .quit to leave.")
        var buffer = ""
        while true {
            FileHandle.standardOutput.write((buffer.isEmpty ? "strata> " : "   ...> ").data(using: .utf8)!)
            guard let line = readLine() else { print(""); return }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if buffer.isEmpty && trimmed.hasPrefix(".") {
                if !dot(trimmed) { return }
                continue
            }
            buffer += line + "\n"
            guard trimmed.hasSuffix(";") else { continue }
            do throws(EngineError) {
                for r in try engine.execute(buffer) {
                    print(Output.render(r.result, format: format, maxRows: format == .table ? 200 : nil), terminator: "")
                    if timer { print(String(format: "Run Time: %.3f s", r.seconds)) }
                }
            } catch {
                print(error.description)
            }
            buffer = ""
        }
    }

    /// Returns false to quit.
    mutating func dot(_ cmd: String) -> Bool {
        let parts = cmd.split(separator: " ").map(String.init)
        switch parts[0] {
        case ".quit", ".exit": return false
        case ".tables": print(engine.store.tableNames().joined(separator: "\n"))
        case ".schema":
            guard parts.count > 1 else { print("usage: .schema TABLE"); return true }
            do throws(EngineError) {
                print(Output.render(try engine.describeTable(parts[1]), format: .table), terminator: "")
            } catch { print(error.description) }
        case ".timer": timer = parts.count > 1 && parts[1] == "on"
        case ".mode", ".format":
            if parts.count > 1, let f = OutputFormat(rawValue: parts[1]) { format = f } else { print("formats: table csv tsv json ndjson") }
        case ".help":
            print(".tables  .schema TABLE  .timer on|off  .mode table|csv|tsv|json|ndjson  .quit")
        default: print("unknown command \(parts[0]) (.help lists them)")
        }
        return true
    }
}

// MARK: - generator

struct GenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gen", abstract: "Write deterministic synthetic click logs.")

    @Argument(help: "Dataset kind (clicks).") var kind: String = "clicks"
    @Option(name: .long, help: "Rows to generate.") var rows: Int = 100_000
    @Option(name: .long, help: "Random seed.") var seed: UInt64 = 42
    @Option(name: .long, help: "First day, YYYY-MM-DD.") var start: String = "2024-01-01"
    @Option(name: .long, help: "Number of days.") var days: Int = 182
    @Option(name: .long, help: "csv or ndjson (default from --out's extension).") var format: String?
    @Option(name: .long, help: "Output file (default stdout).") var out: String?

    func run() throws {
        guard kind == "clicks" else { Exit.fail("error: unknown dataset '\(kind)' (available: clicks)", code: 1) }
        guard let day = ClickGenerator.parseDate(start) else { Exit.fail("error: --start must be YYYY-MM-DD, got '\(start)'", code: 1) }
        let fmt: ClickGenerator.Format
        if let format {
            guard let f = ClickGenerator.Format(rawValue: format.lowercased()) else { Exit.fail("error: --format must be csv or ndjson", code: 1) }
            fmt = f
        } else {
            fmt = ClickGenerator.defaultFormat(forPath: out)
        }
        do {
            let g = try ClickGenerator(options: .init(rows: rows, seed: seed, startDay: day, days: days, format: fmt))
            let stats = try g.write(toPath: out)
            if out != nil && out != "-" {
                FileHandle.standardError.write("wrote \(stats.rows) rows (\(stats.bytes) bytes) to \(out!)\n".data(using: .utf8)!)
            }
        } catch let e as ClickGeneratorError {
            switch e {
            case .invalidOptions(let m): Exit.fail("error: \(m)", code: 1)
            case .io(let path, let err): Exit.fail("error: cannot write '\(path)': \(String(cString: strerror(err)))", code: 1)
            }
        }
    }
}

// MARK: - catalog and maintenance

struct TablesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tables", abstract: "List the tables of a store.")
    @OptionGroup var storeOption: StoreOption

    func run() throws {
        for t in storeOption.open(create: false).tableNames() { print(t) }
    }
}

struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show a table's columns, partitioning and sort key.")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String

    func run() throws {
        let store = storeOption.open(create: false)
        do {
            let engine = try QueryEngine(store: store)
            writeOut(Output.render(try engine.describeTable(table), format: .table))
            let def = try store.table(table).definition
            print("partition: \(def.granularity.rawValue)(\(def.timeColumn ?? "-"))  order by: (\(def.sortKey.joined(separator: ", ")))  codec: \(def.codec.codec.name)\(def.codec.codec == .zstd ? " level \(def.codec.level)" : "")  block rows: \(def.blockRows)")
            if !def.options.isEmpty { print("options: " + def.options.sorted { $0.key < $1.key }.map { "\($0.key) = '\($0.value)'" }.joined(separator: ", ")) }
        } catch let e as EngineError { Exit.engine(e) } catch let e as StoreError { Exit.store(e) }
    }
}

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Rows, partitions, segments, bytes and per-column sizes and encodings.")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String
    @Option(name: .long, help: "table or json.") var format: String = "table"

    func run() throws {
        let st: TableStats
        do throws(StoreError) { st = try storeOption.open(create: false).table(table).stats() } catch { Exit.store(error) }
        if format == "json" {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            writeOut(String(data: try enc.encode(st), encoding: .utf8)! + "\n")
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

    func run() throws {
        let r: SegmentReader
        do throws(FormatError) { r = try SegmentReader(path: file) } catch {
            Exit.fail("corrupt data: \(error.description)", code: error.kind == .io ? 1 : 2)
        }
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
        } catch { Exit.fail("corrupt data: \(error.description)", code: 2) }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check every manifest, segment, checksum and row count; exit 0 only when all is sound.")
    @OptionGroup var storeOption: StoreOption
    @Argument(help: "Table (default: all tables).") var table: String?

    func run() throws {
        let store = storeOption.open(create: false)
        let names = table.map { [$0] } ?? store.tableNames()
        var total = VerifyReport()
        for n in names {
            let t: Table
            do throws(StoreError) { t = try store.table(n) } catch { Exit.store(error) }
            let r = t.verify()
            print("\(n): \(r.manifestsChecked) manifests, \(r.segmentsChecked) segments, \(r.rowsChecked) rows checked — \(r.isSound ? "ok" : "\(r.problems.count) problem(s)")")
            total.merge(r)
        }
        for p in total.problems { print("BAD  \(p)") }
        for n in total.notes { print("note \(n)") }
        if !total.isSound { Exit.fail("verify: \(total.problems.count) problem(s) found", code: 2) }
    }
}

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gc", abstract: "Delete files no manifest needs any more (after the grace period).")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String
    @Flag(name: .long, help: "Skip the grace period (only when no reader or writer is running).") var now = false

    func run() throws {
        let t: Table
        do throws(StoreError) { t = try storeOption.open(create: false).table(table) } catch { Exit.store(error) }
        let r = t.collectGarbage(now: now)
        if r.skippedBecauseReaders { print("readers are active: nothing deleted, try again later") }
        print("deleted \(r.deletedFiles.count) file(s)")
        if !r.problems.isEmpty {
            Exit.fail(r.problems.map { "corrupt data: \($0)" }.joined(separator: "\n"), code: 2)
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

    func run() throws {
        let r: RepairReport
        do throws(StoreError) { r = try storeOption.open(create: false).table(table).repair(apply: apply) } catch { Exit.store(error) }
        writeOut(r.description)
        if r.needsRepair && !r.applied { Exit.fail("repair: damage found, nothing changed (use --apply)", code: 2) }
    }
}

// MARK: - bench

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Time every .sql file of a folder in one process.")
    @OptionGroup var storeOption: StoreOption
    @Option(name: .long, help: "Folder of .sql files.") var queries: String
    @Option(name: .long) var runs: Int = 5
    @Option(name: .long) var warmup: Int = 1
    @Option(name: .long, help: "Write results as JSON.") var json: String?
    @Option(name: .long) var tz: String?

    func run() throws {
        let store = storeOption.open(create: false)
        let engine: QueryEngine
        do throws(EngineError) { engine = try QueryEngine(store: store, timeZone: tz) } catch { Exit.engine(error) }
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: queries).filter({ $0.hasSuffix(".sql") }).sorted(), !files.isEmpty else {
            Exit.fail("error: no .sql files in '\(queries)'", code: 1)
        }
        var results: [String: [String: Any]] = [:]
        var table: [[Value]] = []
        for f in files {
            guard let sql = try? String(contentsOfFile: queries + "/" + f, encoding: .utf8) else { continue }
            let stem = String(f.dropLast(4))
            var times: [Double] = []
            var rows = 0
            do throws(EngineError) {
                for i in 0..<(max(0, warmup) + max(1, runs)) {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let r = try engine.execute(sql)
                    let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                    rows = r.last?.result.rowCount ?? 0
                    if i >= warmup { times.append(dt) }
                }
            } catch {
                FileHandle.standardError.write("\(stem): \(error.description)\n".data(using: .utf8)!)
                results[stem] = ["error": error.message]
                continue
            }
            times.sort()
            let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            results[stem] = ["median_s": median, "min_s": times.first!, "max_s": times.last!, "rows": rows, "runs": times.count]
            table.append([.string(stem), .double(median), .double(times.first!), .double(times.last!), .int(Int64(rows))])
        }
        let rs = ResultSet(names: ["query", "median_s", "min_s", "max_s", "rows"], types: [.varchar, .double, .double, .double, .bigint],
                           columns: (0..<5).map { c in table.map { $0[c] } })
        writeOut(Output.render(rs, format: .table))
        let medians = table.compactMap { if case .double(let d) = $0[1], d > 0 { return d } else { return nil } }
        if !medians.isEmpty {
            let gm = exp(medians.map(log).reduce(0, +) / Double(medians.count))
            print(String(format: "geometric mean of medians: %.4f s over %d queries", gm, medians.count))
        }
        if let json {
            let data = try JSONSerialization.data(withJSONObject: ["queries": results], options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: json))
        }
    }
}
