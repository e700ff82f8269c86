import ArgumentParser
import Foundation
import StrataQuery
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
    @Argument(help: "SQL statements separated by ';'.") var sql: String?

    func run() throws(CLIError) {
        guard let fmt = OutputFormat(rawValue: format.lowercased()) ?? (out != nil && FileOutput.fileFormats.contains(format.lowercased()) ? .table : nil) else {
            throw CLIError.user("unknown format '\(format)' (use table, csv, tsv, json or ndjson\(out == nil ? "; parquet with --out" : ""))")
        }
        let store = try storeOption.open()
        let engine: QueryEngine
        do throws(EngineError) { engine = try QueryEngine(store: store, timeZone: tz) } catch { throw CLIError(error) }
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
        // does not hide what the earlier ones did
        do throws(EngineError) {
            try engine.execute(text) { r in
                let start = DispatchTime.now().uptimeNanoseconds
                if r.isQuery || fmt == .table { writeOut(Output.renderBytes(r.result, format: r.isQuery ? fmt : .table)) }
                if timing { Output.reportTiming(query: r.seconds, outputSince: start) }
            }
        } catch { throw CLIError(error) }
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
