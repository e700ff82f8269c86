import ArgumentParser
import Foundation
import StrataQuery

// MARK: - bench

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Time every .sql file of a folder in one process.")
    @OptionGroup var storeOption: StoreOption
    @Option(name: .long, help: "Folder of .sql files.") var queries: String
    @Option(name: .long) var runs: Int = 5
    @Option(name: .long) var warmup: Int = 1
    @Option(name: .long, help: "Write results as JSON.") var json: String?
    @Option(name: .long) var tz: String?

    func run() throws(CLIError) {
        let store = try storeOption.open(create: false)
        let engine: QueryEngine
        do throws(EngineError) { engine = try QueryEngine(store: store, timeZone: tz) } catch { throw CLIError(error) }
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: queries).filter({ $0.hasSuffix(".sql") }).sorted(), !files.isEmpty else {
            throw CLIError.user("no .sql files in '\(queries)'")
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
            print(String(format: "geometric mean of medians: %.4f s over ", gm) + (medians.count == 1 ? "1 query" : "\(medians.count) queries"))
        }
        if let json {
            do {  // Foundation throws untyped errors
                let data = try JSONSerialization.data(withJSONObject: ["queries": results], options: [.prettyPrinted, .sortedKeys])
                try data.write(to: URL(fileURLWithPath: json))
            } catch {
                throw CLIError(.ioOrInternal, "i/o error: cannot write '\(json)': \(error.localizedDescription)", cause: error)
            }
        }
    }
}
