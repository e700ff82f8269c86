import ArgumentParser
import Foundation
import StrataGen
#if canImport(Glibc)
import Glibc
#endif

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

    func run() throws(CLIError) {
        guard kind == "clicks" else { throw CLIError.user("unknown dataset '\(kind)' (available: clicks)") }
        guard let day = ClickGenerator.parseDate(start) else { throw CLIError.user("--start must be YYYY-MM-DD, got '\(start)'") }
        let fmt: ClickGenerator.Format
        if let format {
            guard let f = ClickGenerator.Format(rawValue: format.lowercased()) else { throw CLIError.user("--format must be csv or ndjson") }
            fmt = f
        } else {
            fmt = ClickGenerator.defaultFormat(forPath: out)
        }
        do throws(ClickGeneratorError) {
            let g = try ClickGenerator(options: .init(rows: rows, seed: seed, startDay: day, days: days, format: fmt))
            let stats = try g.write(toPath: out)
            if out != nil && out != "-" {
                FileHandle.standardError.write("wrote \(stats.rows) rows (\(stats.bytes) bytes) to \(out!)\n".data(using: .utf8)!)
            }
        } catch {
            throw CLIError(error)
        }
    }
}
