import Foundation
import StrataFormat
import StrataQuery
import StrataStore
#if canImport(Glibc)
import Glibc
#endif

/// The statement loop of `strata query`: the interactive shell (line editing, history,
/// Ctrl-C cancels the running statement), and statements with dot commands from a pipe,
/// `--file` or `.read` (no line editing; the first error stops them). Settings made by dot
/// commands (`.mode`, `.output`, …) last for the session.
final class Shell {
    let engine: QueryEngine
    var mode: OutputFormat
    var timer = false
    var headers = true
    var nullText = "NULL"
    /// `.maxrows` / `--maxrows` (nil: 40 on a terminal; 0: every row).
    var maxRows: Int?
    /// `.maxwidth` / `--maxwidth` (nil: the terminal's width; 0: no limit).
    var maxWidth: Int?
    /// `--timing`: engine and output time on stderr.
    var timing = false
    /// `--quiet`: no progress line.
    var quiet = false
    /// Where results go: standard output, or the file of `.output`.
    var output: Sink = .standard
    /// The file of `.once`, for the next statement only.
    var once: Sink?
    /// Interactive: errors are printed and the loop goes on.
    let interactive: Bool

    enum Sink: Equatable {
        case standard
        case file(Int32, String)
    }

    /// What a dot command or a script asks for next.
    enum Next {
        case proceed
        case quit
        case failed(CLIError)
    }

    init(engine: QueryEngine, mode: OutputFormat, interactive: Bool) {
        self.engine = engine
        self.mode = mode
        self.interactive = interactive
    }

    deinit {
        if case .file(let fd, _) = output { close(fd) }
        if case .file(let fd, _) = once { close(fd) }
    }

    // MARK: - output

    /// Display options for output to `sink`: cut and fit only on a terminal.
    func displayOptions(for sink: Sink) -> DisplayOptions {
        var o = DisplayOptions(headers: headers, nullText: nullText)
        guard sink == .standard, let width = DisplayOptions.terminalWidth(1) else { return o }
        o.maxRows = maxRows ?? 40
        o.maxWidth = maxWidth ?? width
        return o
    }

    /// Writes rendered output to `sink`; a file that cannot be written is an error.
    func write(_ chunks: [ByteChunk], to sink: Sink) -> CLIError? {
        switch sink {
        case .standard:
            writeOut(chunks)
            return nil
        case .file(let fd, let path):
            if writeChunks(fd, chunks) { return nil }
            return CLIError(.ioOrInternal, "i/o error: cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    func write(_ text: String, to sink: Sink) -> CLIError? {
        write([ByteChunk(Array(text.utf8))], to: sink)
    }

    /// Messages of dot commands and the timer: standard output.
    func say(_ text: String) {
        writeOut(text.hasSuffix("\n") ? text : text + "\n")
        flushOutput()
    }

    /// An error: standard error, flushed after what standard output had.
    func report(_ e: CLIError) {
        flushOutput()
        FileHandle.standardError.write(e.text.data(using: .utf8)!)
    }

    // MARK: - statements

    /// Runs SQL statements in order, writing each result as soon as it is complete. A message
    /// result (created table …) is shown in the display modes only (csv and json output stay
    /// clean), except in the interactive shell, where it is always printed.
    func runSQL(_ sql: String) -> CLIError? {
        var failure: CLIError?
        engine.interruption.reset()
        // a statement running over a second shows its progress on a terminal (stderr)
        let progress = ProgressLine.enabled(quiet: quiet) ? QueryProgressDisplay(engine: engine) : nil
        progress?.start()
        defer { progress?.stop() }
        do throws(EngineError) {
            let (mode, timing, timer, interactive) = (mode, timing, timer, interactive)
            try engine.execute(sql) { r in
                guard failure == nil else { return }
                progress?.pause()
                let start = DispatchTime.now().uptimeNanoseconds
                let display = Output.layout(mode) == nil
                if r.isQuery || display {
                    // `.once`: this result only
                    let sink = once ?? output
                    failure = write(Output.renderBytes(r.result, format: r.isQuery || display ? mode : .table, options: displayOptions(for: sink)), to: sink)
                    if case .file(let fd, _) = once { close(fd) }
                    once = nil
                } else if interactive {
                    say(r.result.columns.first?.map { Evaluator.text($0) }.joined(separator: "\n") ?? "")
                }
                if timing { Output.reportTiming(query: r.seconds, outputSince: start) }
                if timer { say(String(format: "Run Time (s): real %.3f", r.seconds)) }
                // Ctrl-C between two statements: the next one is not started
                if engine.interruption.isRaised {
                    if !interactive { progress?.stop(); StrataMain.fail(CLIError(.cancelled, "cancelled")) }
                    if failure == nil { failure = CLIError(.cancelled, "cancelled") }
                }
                progress?.resume()
            }
        } catch {
            progress?.stop()
            return failure ?? CLIError(error)
        }
        progress?.stop()
        flushOutput()
        return failure
    }

    /// Runs `text` line by line: dot commands at the start of a line between statements, SQL
    /// in between run as scripts (parsed whole, as `strata query --file` always did).
    func runScript(_ text: String) -> Next {
        var pending: [Substring] = []
        func flush() -> CLIError? {
            defer { pending.removeAll() }
            let sql = pending.joined(separator: "\n")
            guard ShellInput.hasStatement(sql) else { return nil }
            return runSQL(sql)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for line in lines {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix(".") {
                let sql = pending.joined(separator: "\n")
                if !ShellInput.hasStatement(sql) || ShellInput.isComplete(sql) {
                    if let e = flush() { return .failed(e) }
                    switch dot(String(trimmed)) {
                    case .proceed: continue
                    case .quit: return .quit
                    case .failed(let e): return .failed(e)
                    }
                }
            }
            pending.append(line)
        }
        if let e = flush() { return .failed(e) }
        return .proceed
    }

    // MARK: - interactive

    /// The interactive shell on a terminal. Returns when the user quits (`.quit`, Ctrl-D).
    func runInteractive() {
        say("strata shell — statements end with ';'. .help for commands, .quit to leave; Ctrl-C cancels.")
        let completer = ShellCompleter(engine: engine)
        let editor = LineEditor(completer: completer)
        ShellSignals.install(engine.interruption)
        defer { ShellSignals.restore() }
        var lines: [String] = []
        while true {
            flushOutput()
            let prompt = lines.isEmpty ? "strata> " : "   ...> "
            let input: LineEditor.Input
            if let editor {
                input = editor.read(prompt: prompt)
            } else {
                writeOut(prompt)
                flushOutput()
                input = readLine().map { .line($0) } ?? .end
            }
            switch input {
            case .end:
                say("")
                return
            case .interrupted:
                // Ctrl-C at the prompt: drop what was typed, keep the shell
                lines.removeAll()
                say("")
                continue
            case .line(let line):
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if lines.isEmpty && trimmed.hasPrefix(".") {
                    editor?.remember(trimmed)
                    switch dot(trimmed) {
                    case .quit: return
                    case .failed(let e): report(e)
                    case .proceed: break
                    }
                    continue
                }
                if lines.isEmpty && trimmed.isEmpty { continue }
                lines.append(line)
                let sql = lines.joined(separator: "\n")
                guard ShellInput.isComplete(sql) else { continue }
                editor?.remember(ShellInput.historyEntry(lines))
                lines.removeAll()
                if let e = runSQL(sql) { report(e) }
                completer.invalidate()
            }
        }
    }

    // MARK: - dot commands

    static let help = """
        .tables                  tables and views
        .schema [NAME]           CREATE statements (all tables and views, or NAME)
        .mode MODE               table, box, markdown, line, csv, tsv, json or ndjson
        .headers on|off          column names above the rows
        .nullvalue TEXT          how NULL is shown in table, box, markdown and line
        .maxrows N               rows shown on a terminal (first and last; 0: all)
        .maxwidth N              width of tables on a terminal (0: no limit)
        .timer on|off            the time each statement took
        .output [FILE]           results to FILE (no FILE: back to the terminal)
        .once FILE               the next result to FILE
        .read FILE               run the statements and dot commands of FILE
        .help                    this list
        .quit, .exit             leave (Ctrl-D too)
        Statements end with ';' and may span lines. Keys: arrows, Ctrl-R searches the history,
        Tab completes, Ctrl-C cancels the running statement or clears the line.
        """

    /// Runs one dot command.
    func dot(_ line: String) -> Next {
        let words = ShellInput.words(line)
        guard let command = words.first?.lowercased() else { return .proceed }
        let args = Array(words.dropFirst())
        func usage(_ text: String) -> Next { .failed(.user("usage: " + text)) }
        func onOff(_ name: String) -> Bool? {
            guard args.count == 1 else { return nil }
            switch args[0].lowercased() {
            case "on", "true", "yes", "1": return true
            case "off", "false", "no", "0": return false
            default: return nil
            }
        }
        func count(_ name: String) -> Int?? {
            guard args.count == 1, let n = Int(args[0]), n >= 0 else { return nil }
            return .some(n)
        }
        switch command {
        case ".quit", ".exit", ".q":
            return .quit
        case ".help":
            say(Shell.help)
        case ".tables":
            let names = (engine.store.tableNames() + engine.store.viewNames()).sorted()
            if let e = write(names.isEmpty ? "" : names.joined(separator: "\n") + "\n", to: output) { return .failed(e) }
        case ".schema":
            guard args.count <= 1 else { return usage(".schema [TABLE|VIEW]") }
            let text: String
            switch schema(args.first) {
            case .success(let s): text = s
            case .failure(let e): return .failed(e)
            }
            if let e = write(text, to: output) { return .failed(e) }
        case ".mode", ".format":
            guard args.count <= 1 else { return usage(".mode " + OutputFormat.allCases.map(\.rawValue).joined(separator: "|")) }
            guard let name = args.first else { say("current mode: \(mode.rawValue)"); return .proceed }
            let spelled = name.lowercased() == "duckbox" ? "box" : name.lowercased()
            guard let m = OutputFormat(rawValue: spelled) else {
                return .failed(.user("unknown mode '\(name)' (use \(OutputFormat.spelled))"))
            }
            mode = m
        case ".headers", ".header":
            guard let on = onOff(command) else { return usage(".headers on|off") }
            headers = on
        case ".timer":
            guard let on = onOff(command) else { return usage(".timer on|off") }
            timer = on
        case ".nullvalue":
            guard args.count == 1 else { return usage(".nullvalue TEXT") }
            nullText = args[0]
        case ".maxrows":
            guard let n = count(command) else { return usage(".maxrows N (0: every row)") }
            maxRows = n
        case ".maxwidth":
            guard let n = count(command) else { return usage(".maxwidth N (0: no limit)") }
            maxWidth = n
        case ".output", ".out":
            guard args.count <= 1 else { return usage(".output [FILE]") }
            if case .file(let fd, _) = output { close(fd) }
            output = .standard
            if let path = args.first {
                switch open(path) {
                case .success(let sink): output = sink
                case .failure(let e): return .failed(e)
                }
            }
        case ".once":
            guard args.count == 1 else { return usage(".once FILE") }
            if case .file(let fd, _) = once { close(fd) }
            switch open(args[0]) {
            case .success(let sink): once = sink
            case .failure(let e): return .failed(e)
            }
        case ".read":
            guard args.count == 1 else { return usage(".read FILE") }
            guard let data = FileManager.default.contents(atPath: args[0]) else {
                return .failed(.user("cannot read '\(args[0])': \(String(cString: strerror(errno)))"))
            }
            return runScript(String(decoding: data, as: UTF8.self))
        default:
            return .failed(.user("unknown command \(words[0]) (.help lists them)"))
        }
        return .proceed
    }

    /// A file opened for `.output` or `.once` (created or emptied).
    func open(_ path: String) -> Result<Sink, CLIError> {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .failure(.user("cannot open '\(path)': \(String(cString: strerror(errno)))")) }
        return .success(.file(fd, path))
    }

    /// `.schema [name]`: the CREATE statements of every table and view, or of `name`.
    func schema(_ name: String?) -> Result<String, CLIError> {
        let store = engine.store
        var names = (store.tableNames() + store.viewNames()).sorted()
        if let name {
            guard let found = names.first(where: { $0.lowercased() == name.lowercased() }) else {
                return .failure(.user("no table or view named '\(name)'"))
            }
            names = [found]
        }
        var out = ""
        for n in names {
            do throws(StoreError) {
                if store.viewExists(n) {
                    out += "CREATE VIEW \(Shell.quoted(n)) AS \(try store.view(n)?.sql ?? "");\n"
                } else {
                    out += try store.table(n).definition.createStatement + ";\n"
                }
            } catch {
                return .failure(CLIError(error))
            }
        }
        return .success(out)
    }

    /// A name as SQL writes it: bare when it is a plain lowercase identifier, else quoted.
    static func quoted(_ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
            && !(name.utf8.first! >= 0x30 && name.utf8.first! <= 0x39)
        return plain ? name : "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
