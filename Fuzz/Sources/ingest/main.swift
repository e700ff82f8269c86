// Ingest: CSV or NDJSON bytes (after two choice bytes: format and options) loaded by
// `Ingestor` into a fresh table with a few errors allowed. Afterwards the store must read back
// consistently: a loaded batch verifies clean and `count(*)` equals the rows loaded; a failed
// load leaves no table behind. Errors are fine; a crash, a hang or an inconsistency is a finding.
import Foundation
import FuzzSupport
import StrataCore
import StrataIngest
import StrataQuery
import StrataStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let f = input.byte(), o = input.byte()
    let formats: [(IngestFormat, String)] = [(.auto, "in.csv"), (.csv, "in.csv"), (.ndjson, "in.ndjson"), (.auto, "in.ndjson")]
    let (format, name) = formats[Int(f) % formats.count]
    let file = Fuzz.write(Array(input.rest), name: name)
    let root = Fuzz.freshDirectory("store")
    var opts = IngestOptions()
    opts.format = format
    opts.threads = 1
    opts.quiet = true
    opts.maxErrors = Int(o & 7)
    opts.emptyAsNull = o & 8 != 0
    opts.invalidUTF8 = o & 16 != 0 ? .replace : .error
    opts.extraColumns = o & 32 != 0 ? .ignore : .error
    opts.header = o & 64 == 0
    opts.granularity = o & 128 != 0 ? .month : .day
    opts.blockSize = (Int(f >> 2) + 1) * 64
    opts.flushRows = (Int(f >> 4) + 1) * 16
    let store: Store
    do throws(StoreError) { store = try Store(root: root) } catch { Fuzz.fail("store: \(error)") }
    let summary: IngestSummary
    do throws(IngestError) {
        summary = try Ingestor.ingest(store: store, table: "t", files: [file], options: opts)
    } catch {
        if store.tableExists("t") {
            // a table created by this load is dropped again when the load fails
            Fuzz.fail("failed load left table t behind: \(error)")
        }
        return 0
    }
    guard store.tableExists("t") else {
        if summary.rowsLoaded == 0 { return 0 }
        Fuzz.fail("\(summary.rowsLoaded) rows loaded but table t does not exist")
    }
    do throws(StoreError) {
        let report = try store.table("t").verify()
        if !report.isSound { Fuzz.fail("verify after ingest: \(report.problems)") }
    } catch { Fuzz.fail("open table after ingest: \(error)") }
    do throws(EngineError) {
        let engine = try QueryEngine(store: store, threads: 1)
        let r = try engine.execute("SELECT count(*) FROM t")
        guard case .int(let n)? = r.last?.result.columns.first?.first, Int(n) == summary.rowsLoaded else {
            Fuzz.fail("count(*) = \(String(describing: r.last?.result.columns.first?.first)), ingest loaded \(summary.rowsLoaded)")
        }
        _ = try engine.execute("SELECT * FROM t")
    } catch {
        Fuzz.fail("query after ingest: \(error)")
    }
    return 0
}

/// The executable's entry (SwiftPM names it after the module): libFuzzer's driver on `fuzz`.
@_cdecl("fuzz_ingest_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
