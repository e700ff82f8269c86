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
