import Foundation
import StrataTestSupport
import Testing
import StrataCore
import StrataFormat
import StrataStore
import StrataText
import StrataGen
import StrataIngest
@testable import StrataQuery

/// Runs the `.test` files in SQLTests/: a small sqllogictest dialect.
///
///     statement ok | statement error <substring>
///     <SQL>                                   (ends at a blank line)
///
///     load <table>                            rows as `|`-separated text; NULL = null;
///     <v1>|<v2>|...                           ends at a blank line
///
///     query [rowsort]
///     <SQL>
///     ----
///     <expected rows, cells `|`-separated, NULL for null>
///
///     error <substring of the message>
///     <SQL>
///
///     set timezone <zone>
///
///     generate <table> <rows> <seed>          `strata gen clicks` rows ingested into an
///                                             existing table with the generator's 20 columns
///
/// `__SCRATCH__` in any SQL is a directory of the file's own run (files COPY writes and
/// read_csv reads; conformance.py substitutes its own directory on the DuckDB side).
///
/// Files whose first line starts with `# conformance` get their expected rows from DuckDB
/// (`scripts/conformance.py`); a statement or query there may end its Strata SQL with a line
/// `==== duckdb` followed by the text DuckDB runs instead, which this runner skips.
struct SQLLogicRunner {
    let store: Store
    var engine: QueryEngine

    /// `__SCRATCH__` in a file's SQL: a directory of its own for the files it writes and reads.
    let scratch: String

    init() throws {
        let dir = TestScratch.root + "strata-sqltest-\(UInt64.random(in: 0...UInt64.max))"
        scratch = dir + "-files"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        store = try Store(root: dir)
        engine = try QueryEngine(store: store, threads: 2)
    }

    static func cell(_ v: Value) -> String {
        switch v {
        case .null: return "NULL"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            // 12 significant digits: stable across summation order
            if d == d.rounded() && abs(d) < 1e15 { return Values.formatDouble(d) }
            return String(format: "%.12g", d)
        case .string(let s): return s
        case .timestamp(let t): return Civil.formatTimestamp(t)
        case .date(let d): return Civil.formatDate(d)
        case .interval, .list: return Evaluator.text(v)
        }
    }

    /// Loads `|`-separated text rows into an existing table.
    func load(_ table: String, _ lines: [String]) throws {
        let t = try store.table(table)
        let def = try t.definition
        var cols: [Column] = []
        let rows = lines.map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        for (c, schema) in def.columns.enumerated() {
            var valid = [UInt8](repeating: 1, count: rows.count)
            let texts = rows.map { $0.count > c ? $0[c] : "NULL" }
            for (i, s) in texts.enumerated() where s == "NULL" { valid[i] = 0 }
            let data: ColumnData
            switch schema.type {
            case .timestamp: data = .int64(texts.map { $0 == "NULL" ? 0 : Civil.parseTimestamp($0, format: .iso)! })
            case .date: data = .int64(texts.map { $0 == "NULL" ? 0 : Civil.parseDate($0)! })
            case .integer, .bigint: data = .int64(texts.map { $0 == "NULL" ? 0 : Int64($0)! })
            case .double: data = .double(texts.map { $0 == "NULL" ? 0 : Double($0)! })
            case .boolean: data = .bool(texts.map { $0 == "true" ? 1 : 0 })
            case .varchar:
                var d = StringDictionary()
                var codes: [UInt32] = []
                var seen: [String: UInt32] = [:]
                for s in texts {
                    let key = s == "NULL" ? "" : s
                    if let c = seen[key] { codes.append(c) } else { seen[key] = UInt32(d.count); codes.append(UInt32(d.count)); d.append(key) }
                }
                data = .string(codes: codes, dictionary: d)
            }
            cols.append(Column(data, validity: valid.contains(0) ? valid : nil))
        }
        // several small commits so queries span segments
        let half = rows.count / 2
        for range in [0..<half, half..<rows.count] where !range.isEmpty {
            let part = Array(range.map { Int32($0) })
            let sub = part.withUnsafeBufferPointer { p in cols.map { $0.gathered(p) } }
            try t.commit(adding: try PartitionWriter.stage(table: t, definition: def, columns: sub))
        }
    }

    /// Ingests `rows` generated click rows (`strata gen clicks --rows R --seed S`) into `table`
    /// as one batch, through the CSV ingest path.
    func generate(_ table: String, rows: Int, seed: UInt64) throws {
        let path = TestScratch.root + "strata-gen-\(UInt64.random(in: 0...UInt64.max)).csv"
        var bytes: [UInt8] = []
        try ClickGenerator(options: .init(rows: rows, seed: seed)).write { bytes.append(contentsOf: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = IngestOptions()
        options.threads = 2
        options.createIfMissing = false
        _ = try Ingestor.ingest(store: store, table: table, files: [path], options: options)
    }

    /// Expected blocks to replace by the actual output (`STRATA_REWRITE_TESTS=1`): the
    /// range of lines and the new lines.
    var rewrites: [(Range<Int>, [String])] = []

    /// With `STRATA_REWRITE_TESTS=1`, the test files' expected results are rewritten with what
    /// the engine returns (review the diff before committing it): used for plan-shape files.
    static var rewriting: Bool { ProcessInfo.processInfo.environment["STRATA_REWRITE_TESTS"] == "1" }

    mutating func run(file: String, text: String) {
        let lines = text.components(separatedBy: "\n")
        var i = 0
        func block() -> [String] {
            var out: [String] = []
            while i < lines.count && !lines[i].trimmingCharacters(in: .whitespaces).isEmpty { out.append(lines[i]); i += 1 }
            return out
        }
        /// The Strata SQL of a block: the lines before a `==== duckdb` line.
        func strataSQL(_ b: [String]) -> String {
            (b.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "==== duckdb" }.map { Array(b[..<$0]) } ?? b).joined(separator: "\n")
                .replacingOccurrences(of: "__SCRATCH__", with: scratch)  // files written and read by the test
        }
        while i < lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            let at = "\(file):\(i + 1)"
            i += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("statement ok") {
                let sql = strataSQL(block())
                do { _ = try engine.execute(sql) } catch { Issue.record("\(at): statement failed: \(error)\n\(sql)") }
            } else if line.hasPrefix("load ") {
                let table = String(line.dropFirst(5))
                do { try load(table, block()) } catch { Issue.record("\(at): load failed: \(error)") }
            } else if line.hasPrefix("generate ") {
                let parts = line.split(separator: " ").map(String.init)
                do {
                    guard parts.count == 4, let rows = Int(parts[2]), let seed = UInt64(parts[3]) else {
                        Issue.record("\(at): usage: generate <table> <rows> <seed>"); continue
                    }
                    try generate(parts[1], rows: rows, seed: seed)
                } catch { Issue.record("\(at): generate failed: \(error)") }
            } else if line.hasPrefix("set timezone ") {
                do { try engine.setTimeZone(String(line.dropFirst(13))) } catch { Issue.record("\(at): \(error)") }
            } else if line.hasPrefix("error") || line.hasPrefix("statement error") {
                let expected = line.hasPrefix("error") ? String(line.dropFirst(5)).trimmingCharacters(in: .whitespaces)
                    : String(line.dropFirst(15)).trimmingCharacters(in: .whitespaces)
                let sql = strataSQL(block())
                do {
                    _ = try engine.execute(sql)
                    Issue.record("\(at): expected error containing '\(expected)'")
                } catch {
                    if !error.description.contains(expected) { Issue.record("\(at): error was:\n\(error.description)\nexpected to contain: \(expected)") }
                }
            } else if line.hasPrefix("query") {
                let rowsort = line.contains("rowsort")
                var sqlLines: [String] = []
                while i < lines.count && lines[i] != "----" { sqlLines.append(lines[i]); i += 1 }
                i += 1
                let expectedStart = i
                let expected = block()
                let sql = strataSQL(sqlLines)
                do {
                    let r = try engine.execute(sql).last!.result
                    var got = (0..<r.rowCount).map { row in r.columns.map { SQLLogicRunner.cell($0[row]) }.joined(separator: "|") }
                    if SQLLogicRunner.rewriting && got != expected { rewrites.append((expectedStart..<i, got)) }
                    var exp = expected
                    if rowsort { got.sort(); exp.sort() }
                    if got != exp {
                        Issue.record("\(at): wrong result for\n\(sql)\n--- expected\n\(exp.joined(separator: "\n"))\n--- got\n\(got.joined(separator: "\n"))")
                    }
                } catch {
                    Issue.record("\(at): query failed: \(error)\n\(sql)")
                }
            } else {
                Issue.record("\(at): unknown directive '\(line)'")
            }
        }
    }
}

@Test(arguments: (try? FileManager.default.contentsOfDirectory(atPath: Bundle.module.resourcePath! + "/SQLTests"))?.filter { $0.hasSuffix(".test") }.sorted() ?? [])
func sqlLogic(_ file: String) throws {
    let path = Bundle.module.resourcePath! + "/SQLTests/" + file
    var runner = try SQLLogicRunner()
    let text = try String(contentsOfFile: path, encoding: .utf8)
    runner.run(file: file, text: text)
    if SQLLogicRunner.rewriting && !runner.rewrites.isEmpty {
        // the source file, not the copy in the test bundle
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("SQLTests/" + file).path
        var lines = text.components(separatedBy: "\n")
        for (range, got) in runner.rewrites.reversed() { lines.replaceSubrange(range, with: got) }
        try lines.joined(separator: "\n").write(toFile: source, atomically: true, encoding: .utf8)
    }
}

@Test func sqlTestFilesExist() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Bundle.module.resourcePath! + "/SQLTests").filter { $0.hasSuffix(".test") }
    #expect(files.count >= 3)
}
