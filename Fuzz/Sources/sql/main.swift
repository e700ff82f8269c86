// SQL: the input is a script; `parseScriptLocated` parses it, and every statement that only
// reads (queries, EXPLAIN, EXPLAIN ANALYZE, DESCRIBE, SHOW TABLES, SET) runs through the
// query engine against a tiny store (table `clicks`, a view, CSV/NDJSON files in the working
// folder), interrupted after a time budget. Statements that write (CREATE, DROP, INSERT,
// DELETE, COPY) are skipped, and so are scripts naming absolute or parent paths (no reading
// /dev/zero). Errors are fine; a crash, a hang or an error at an offset outside the text is a
// finding.
import Foundation
import FuzzSupport
import StrataCore
import StrataIngest
import StrataQuery
import StrataSQL
import StrataStore
import Synchronization

let work: String = {
    let dir = Fuzz.freshDirectory("sql")
    let csv = Fuzz.write(Array(tinyClicksCSV.utf8), name: "sql/clicks.csv")
    Fuzz.write(Array("{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":null,\"c\":{\"d\":true}}\n".utf8), name: "sql/t.ndjson")
    do throws(StoreError) {
        let store = try Store(root: dir + "/store")
        var o = IngestOptions()
        o.threads = 1
        o.quiet = true
        o.granularity = .month
        do throws(IngestError) { _ = try Ingestor.ingest(store: store, table: "clicks", files: [csv], options: o) } catch {
            Fuzz.fail("fixture ingest failed: \(error)")
        }
        let engine = try! QueryEngine(store: store, threads: 1)
        do throws(EngineError) {
            _ = try engine.execute("CREATE VIEW v AS SELECT url, count(*) AS n FROM clicks GROUP BY url")
        } catch { Fuzz.fail("fixture view: \(error)") }
    } catch { Fuzz.fail("fixture store: \(error)") }
    guard FileManager.default.changeCurrentDirectoryPath(dir) else { Fuzz.fail("cd \(dir)") }
    return dir
}()

let engine: QueryEngine = {
    do throws(StoreError) {
        let store = try Store(root: work + "/store", create: false)
        return try! QueryEngine(store: store, threads: 1)
    } catch { Fuzz.fail("store: \(error)") }
}()

/// Statements started; the watchdog interrupts the one running when the budget ends.
let generation = Atomic<Int>(0)
let budgetSeconds = 2.0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = FuzzBytes(data, size)
    let sql = String(decoding: input.bytes, as: UTF8.self)
    for banned in ["'/", "\"/", "..", "'~", "/dev", "/proc", "/sys"] where sql.contains(banned) { return 0 }
    let statements: [LocatedStatement]
    do throws(SQLError) { statements = try parseScriptLocated(sql) } catch {
        if error.offset < 0 || error.offset > sql.utf8.count { Fuzz.fail("syntax error offset \(error.offset) outside the text (\(sql.utf8.count) bytes)") }
        return 0
    }
    _ = work
    for s in statements {
        switch s.statement {
        case .query, .explain, .explainAnalyze, .describe, .showTables, .set: break
        default: continue
        }
        let g = generation.add(1, ordering: .relaxed).newValue
        DispatchQueue.global().asyncAfter(deadline: .now() + budgetSeconds) {
            if generation.load(ordering: .relaxed) == g { engine.interrupt() }
        }
        do throws(EngineError) {
            let r = try engine.run(s.statement, sql: sql)
            // box every value (the renderers' path)
            _ = r.result.columns
        } catch {
            if let o = error.offset, o < 0 || o > sql.utf8.count { Fuzz.fail("error offset \(o) outside the text: \(error)") }
        }
        generation.add(1, ordering: .relaxed)
    }
    // a SET may have changed the session: back to the defaults
    engine.threads = 1
    do throws(EngineError) { try engine.setTimeZone("UTC") } catch {}
    return 0
}

/// The executable's entry (SwiftPM names it after the module): libFuzzer's driver on `fuzz`.
@_cdecl("fuzz_sql_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
