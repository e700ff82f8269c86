import ArgumentParser
import Foundation
import StrataQuery
import StrataSQL
import StrataStore
#if canImport(Glibc)
import Glibc
#endif

// MARK: - query

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL (queries, CREATE/DROP TABLE, CREATE TABLE AS, INSERT, CREATE/DROP VIEW, SHOW TABLES, DESCRIBE, SET); an interactive shell when no SQL is given.")

    @OptionGroup var storeOption: StoreOption
    @Option(name: .long, help: "Output format: table, csv, tsv, json, ndjson (with --out also parquet).") var format: String = "table"
    @Option(name: .long, help: "Write the (last) query's result to this file: csv, tsv, json, ndjson or parquet, from --format or the extension (docs/files.md).") var out: String?
    @Option(name: .long, help: "Read SQL from a file.") var file: String?
    @Option(name: .long, help: "Session time zone for truncation and extraction (e.g. Europe/Berlin).") var tz: String?
    @Flag(name: .long, help: "Print the engine's time, and the time taken to render and write the output, on stderr.") var timing = false
    @Flag(name: .long, help: "Create the store directory when it does not exist (a CREATE TABLE or CREATE VIEW statement creates it too).") var create = false
    @Flag(name: .long, help: "No progress line on stderr for long queries.") var quiet = false
    @Argument(help: "SQL statements separated by ';'.") var sql: String?

    func run() throws(CLIError) {
        guard let fmt = OutputFormat(rawValue: format.lowercased()) ?? (out != nil && FileOutput.fileFormats.contains(format.lowercased()) ? .table : nil) else {
            throw CLIError.user("unknown format '\(format)' (use table, csv, tsv, json or ndjson\(out == nil ? "; parquet with --out" : ""))")
        }
        var text = sql
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let s = String(data: data, encoding: .utf8) else {
                throw CLIError.user("cannot read SQL file '\(file)'")
            }
            text = s
        }
        if text == nil && isatty(0) == 0 {
            text = String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8) ?? ""
        }
        // a missing store is created only on request: --create, or a statement that creates
        let creates = create || QueryCommand.createsSomething(text ?? "")
        let root = Store.defaultRoot(storeOption.store)
        if !creates && !FileManager.default.fileExists(atPath: root) {
            throw CLIError.user("store '\(root)' does not exist (create it with --create, or with a CREATE TABLE statement; --store DIR or $STRATA_STORE choose another)")
        }
        let store = try storeOption.open(create: creates)
        let engine: QueryEngine
        do throws(EngineError) { engine = try QueryEngine(store: store, timeZone: tz) } catch { throw CLIError(error) }
        guard let text else {
            var shell = Shell(engine: engine, format: fmt)
            shell.run()
            return
        }
        if let out {
            // --out: the last query's rows go to the file; other statements print as usual
            var last: ResultSet?
            do throws(EngineError) {
                try engine.execute(text) { r in
                    if r.isQuery { last = r.result } else { writeOut(Output.renderBytes(r.result, format: .table)) }
                }
            } catch { throw CLIError(error) }
            guard let last else { throw CLIError.user("--out: no query in the SQL produced rows to write") }
            try FileOutput.write(last, to: out, format: format == "table" ? nil : format)
            return
        }
        // each statement's output is written as soon as it has run: a later failing statement
        // does not hide what the earlier ones did. Ctrl-C cancels the running statement (exit
        // 130); a statement running over a second shows its progress on a terminal.
        let progress = ProgressLine.enabled(quiet: quiet) ? QueryProgressDisplay(engine: engine) : nil
        progress?.start()
        defer { progress?.stop() }
        do throws(EngineError) {
            try Interrupts.catching(engine.interruption) { () throws(EngineError) in
                try engine.execute(text) { r in
                    progress?.pause()
                    let start = DispatchTime.now().uptimeNanoseconds
                    if r.isQuery || fmt == .table { writeOut(Output.renderBytes(r.result, format: r.isQuery ? fmt : .table)) }
                    if timing { Output.reportTiming(query: r.seconds, outputSince: start) }
                    // Ctrl-C between two statements: the next one is not started
                    if Interrupts.wasPressed { progress?.stop(); StrataMain.fail(CLIError(.cancelled, "cancelled")) }
                    progress?.resume()
                }
            }
        } catch {
            progress?.stop()
            throw CLIError(error)
        }
    }

    /// Whether `sql` holds a statement that creates a table or a view (which may create the
    /// store directory too). SQL that does not parse creates nothing.
    static func createsSomething(_ sql: String) -> Bool {
        guard let statements = try? parseScript(sql) else { return false }
        return statements.contains {
            switch $0 {
            case .createTable, .createView: return true
            default: return false
            }
        }
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
                let (format, timer) = (format, timer)
                try engine.execute(buffer) { r in
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
        case ".tables": print((engine.store.tableNames() + engine.store.viewNames()).sorted().joined(separator: "\n"))
        case ".schema":
            guard parts.count > 1 else { print("usage: .schema TABLE|VIEW"); return true }
            do throws(EngineError) {
                print(Output.render(try engine.describeTable(parts[1]), format: .table), terminator: "")
            } catch { print(error.description) }
        case ".timer": timer = parts.count > 1 && parts[1] == "on"
        case ".mode", ".format":
            if parts.count > 1, let f = OutputFormat(rawValue: parts[1]) { format = f } else { print("formats: table csv tsv json ndjson") }
        case ".help":
            print(".tables  .schema TABLE|VIEW  .timer on|off  .mode table|csv|tsv|json|ndjson  .quit")
        default: print("unknown command \(parts[0]) (.help lists them)")
        }
        return true
    }
}
