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
    @Option(name: .long, help: "Output format: table, box, markdown, line, csv, tsv, json, ndjson (default: table; box in the interactive shell); with --out also parquet.") var format: String?
    @Option(name: .long, help: "Write the (last) query's result to this file: csv, tsv, json, ndjson or parquet, from --format or the extension (docs/files.md).") var out: String?
    @Option(name: .long, help: "On a terminal, show at most N rows of a table (the first and last; default 40, 0: all).") var maxrows: Int?
    @Option(name: .long, help: "On a terminal, fit tables in N columns (default: the terminal's width, 0: no limit).") var maxwidth: Int?
    @Option(name: .long, help: "Read SQL from a file.") var file: String?
    @Option(name: .long, help: "Session time zone for truncation and extraction (e.g. Europe/Berlin).") var tz: String?
    @Flag(name: .long, help: "Print the engine's time, and the time taken to render and write the output, on stderr.") var timing = false
    @Flag(name: .long, help: "Create the store directory when it does not exist (a CREATE TABLE or CREATE VIEW statement creates it too).") var create = false
    @Flag(name: .long, help: "No progress line on stderr for long queries.") var quiet = false
    @OptionGroup var limitOptions: LimitOptions
    @Argument(help: "SQL statements separated by ';'.") var sql: String?

    func run() throws(CLIError) {
        let fname = (format ?? "table").lowercased()
        guard let fmt = OutputFormat(rawValue: fname) ?? (out != nil && FileOutput.fileFormats.contains(fname) ? .table : nil) else {
            throw CLIError.user("unknown format '\(format ?? "")' (use \(OutputFormat.spelled)\(out == nil ? "; parquet with --out" : ""))")
        }
        if let n = maxrows, n < 0 { throw CLIError.user("--maxrows must be 0 or more") }
        if let n = maxwidth, n < 0 { throw CLIError.user("--maxwidth must be 0 or more") }
        var script: String?
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let s = String(data: data, encoding: .utf8) else {
                throw CLIError.user("cannot read SQL file '\(file)'")
            }
            script = s
        } else if sql == nil && isatty(0) == 0 {
            script = String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8) ?? ""
        }
        // a missing store is created only on request: --create, or a statement that creates
        let creates = create || QueryCommand.createsSomething(sql ?? script.map(ShellInput.withoutDotCommands) ?? "")
        let root = Store.defaultRoot(storeOption.store)
        if !creates && !FileManager.default.fileExists(atPath: root) {
            throw CLIError.user("store '\(root)' does not exist (create it with --create, or with a CREATE TABLE statement; --store DIR or $STRATA_STORE choose another)")
        }
        let store = try storeOption.open(create: creates)
        let engine: QueryEngine
        do throws(EngineError) { engine = try QueryEngine(store: store, timeZone: tz) } catch { throw CLIError(error) }
        try limitOptions.apply(to: engine)
        // the interactive shell only on a terminal and without SQL; statements and dot
        // commands from a file or a pipe go through the same loop without line editing
        let interactive = sql == nil && script == nil
        let shell = Shell(engine: engine, mode: interactive && format == nil ? .box : fmt, interactive: interactive)
        shell.maxRows = maxrows
        shell.maxWidth = maxwidth
        shell.timing = timing
        shell.quiet = quiet
        if interactive {
            shell.runInteractive()
            return
        }
        if let out {
            // --out: the last query's rows go to the file; other statements print as usual
            var last: ResultSet?
            do throws(EngineError) {
                try engine.execute(sql ?? ShellInput.withoutDotCommands(script ?? "")) { r in
                    if r.isQuery { last = r.result } else { writeOut(Output.renderBytes(r.result, format: .table)) }
                }
            } catch { throw CLIError(error) }
            guard let last else { throw CLIError.user("--out: no query in the SQL produced rows to write") }
            try FileOutput.write(last, to: out, format: fname == "table" ? nil : fname)
            return
        }
        // each statement's output is written as soon as it has run: a later failing statement
        // does not hide what the earlier ones did. Ctrl-C cancels the running statement (exit
        // 130); a statement running over a second shows its progress on a terminal.
        let failure = Interrupts.catching(engine.interruption) { () -> CLIError? in
            if let sql { return shell.runSQL(sql) }
            if case .failed(let e) = shell.runScript(script ?? "") { return e }
            return nil
        }
        if let failure { throw failure }
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
