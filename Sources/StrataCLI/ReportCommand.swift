import ArgumentParser
import Foundation
import StrataQuery
import StrataText
#if canImport(Glibc)
import Glibc
#endif

// MARK: - report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Curated click-analytics reports over a table with the click-log columns.",
        discussion: """
            Reports: \(ReportKind.allCases.map(\.rawValue).joined(separator: ", ")) (`strata report --list` describes them).

            --from/--to select from <= ts < to; they are read as wall-clock time in --tz unless they carry \
            an offset (2024-03-01, 2024-03-01 08:00, 2024-03-01T08:00:00Z). Each report is plain SQL: \
            --show-sql prints it (with a SET timezone line when --tz is not UTC) for use with `strata query`.
            """)

    @OptionGroup var storeOption: StoreOption
    @Flag(name: .long, help: "List the reports with one line each.") var list = false
    @Argument(help: "Table with the click-log columns.") var table: String?
    @Argument(help: "Report name (see --list).") var name: String?
    @Option(name: .long, help: "Start of the window (inclusive): a day (YYYY-MM-DD) or a time (YYYY-MM-DD HH:MM[:SS]).") var from: String?
    @Option(name: .long, help: "End of the window (exclusive): a day (YYYY-MM-DD) or a time (YYYY-MM-DD HH:MM[:SS]).") var to: String?
    @Option(name: .long, help: "Only this profile's events.") var profile: Int64?
    @Option(name: .long, help: "Time zone for days, months, weekdays and hours.") var tz: String = "UTC"
    @Option(name: .long, help: "Output format: table, csv, tsv, json, ndjson.") var format: String = "table"
    @Option(name: .long, help: "Write the output to this file instead of stdout.") var out: String?
    @Flag(name: .long, help: "Print the report's SQL: before a table on the terminal, else on stderr (never into --out).") var showSql = false
    @Flag(name: .long, help: "Add a bar chart column for the main measure to table output (default on a terminal).") var chart = false
    @Flag(name: .long, help: "Print the engine's time, and the time taken to render and write the output, on stderr.") var timing = false

    func run() throws(CLIError) {
        if list {
            let width = ReportKind.allCases.map(\.rawValue.count).max() ?? 0
            for k in ReportKind.allCases {
                writeOut(k.rawValue.padding(toLength: width + 2, withPad: " ", startingAt: 0) + k.summary + "\n")
            }
            return
        }
        guard let table, let name else {
            throw CLIError.user("usage: strata report [--store S] TABLE NAME [--from T] [--to T] [--profile ID] [--tz ZONE] (or --list)")
        }
        guard let kind = ReportKind(rawValue: name.lowercased()) else {
            throw CLIError.user("unknown report '\(name)' (reports: \(ReportKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let fmt = OutputFormat(rawValue: format.lowercased()) else {
            throw CLIError.user("unknown format '\(format)' (use table, csv, tsv, json or ndjson)")
        }
        guard let zone = TimeZoneRules(identifier: tz) else {
            throw CLIError.user("unknown time zone '\(tz)' (use an IANA name such as Europe/Berlin, UTC, or an offset such as +02:00)")
        }
        func time(_ text: String?, _ option: String) throws(CLIError) -> Int64? {
            guard let text else { return nil }
            guard let t = ReportRequest.parseTime(text, timeZone: zone) else {
                if let why = ReportCommand.impossibleDate(text) { throw CLIError.user("\(option): \(why)") }
                throw CLIError.user("\(option) must be YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], got '\(text)'")
            }
            return t
        }
        let request = ReportRequest(table: table, from: try time(from, "--from"), to: try time(to, "--to"), profileID: profile, timeZone: tz)
        let store = try storeOption.open(create: false)
        let engine: QueryEngine
        do throws(EngineError) { engine = try QueryEngine(store: store) } catch { throw CLIError(error) }

        var text = ""
        var rendered: [ByteChunk] = []
        var querySeconds = 0.0, outputStart: UInt64 = 0
        do throws(EngineError) {
            if showSql {
                let script = try Reports.script(for: kind, request: request)
                if fmt == .table && out == nil {
                    text += script + "\n"
                } else {
                    FileHandle.standardError.write(script.data(using: .utf8)!)
                }
            }
            let start = DispatchTime.now().uptimeNanoseconds
            var result = try Reports.run(engine: engine, kind: kind, request: request)
            querySeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            outputStart = DispatchTime.now().uptimeNanoseconds
            if fmt == .table && (chart || (out == nil && isatty(1) != 0)) {
                result = ReportChart.adding(to: result, measure: kind.mainMeasure)
            }
            rendered = Output.renderBytes(result, format: fmt)
        } catch { throw CLIError(error) }

        if !text.isEmpty { rendered.insert(ByteChunk(Array(text.utf8)), at: 0) }
        if let out {
            if let failure = writeFile(out, rendered) {
                throw CLIError(.ioOrInternal, "i/o error: cannot write '\(out)': \(failure)")
            }
        } else {
            writeOut(rendered)
        }
        if timing { Output.reportTiming(query: querySeconds, outputSince: outputStart) }
        // done, and the report only read the store: leave without tearing down what the query
        // built (hundreds of MB of tables and buffers for large reports)
        flushOutput()
        Foundation.exit(0)
    }
}

extension ReportCommand {
    /// Why `text` (YYYY-MM-DD…) names no real day, e.g. "2024-02-30 does not exist (February
    /// 2024 has 29 days)"; nil when it is not shaped like a date or the day exists.
    static func impossibleDate(_ text: String) -> String? {
        let u = Array(text.utf8.prefix(10))
        guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D,
              let y = Int(String(decoding: u[0..<4], as: UTF8.self)),
              let m = Int(String(decoding: u[5..<7], as: UTF8.self)),
              let d = Int(String(decoding: u[8..<10], as: UTF8.self)) else { return nil }
        let date = String(decoding: u, as: UTF8.self)
        guard (1...12).contains(m) else { return "\(date) does not exist (there is no month \(m))" }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard d >= 1 && d <= days else {
            let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
            return "\(date) does not exist (\(months[m - 1]) \(y) has \(days) days)"
        }
        return nil
    }
}
