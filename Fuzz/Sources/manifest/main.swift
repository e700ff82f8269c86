// Manifest reader: the input is a manifest's JSON payload (or, when it starts with the
// magic, a whole framed file). The harness frames it with a valid checksum, writes it as the
// newest manifest of a small real table (its segments exist) and then decodes it, opens the
// table, verifies it and runs queries over it. Errors are fine; a crash or hang is a finding.
import Foundation
import FuzzSupport
import StrataCore
import StrataFormat
import StrataIngest
import StrataQuery
import StrataStore

/// The store with table `t` (ingested once per process from `tinyClicksCSV`).
let storeRoot: String = {
    let root = Fuzz.freshDirectory("store")
    let csv = Fuzz.write(Array(tinyClicksCSV.utf8), name: "clicks.csv")
    do throws(StoreError) {
        let store = try Store(root: root)
        var o = IngestOptions()
        o.threads = 1
        o.quiet = true
        o.granularity = .month
        do throws(IngestError) { _ = try Ingestor.ingest(store: store, table: "t", files: [csv], options: o) } catch {
            Fuzz.fail("fixture ingest failed: \(error)")
        }
        // deterministic segment names, so a seed manifest (FUZZ_DUMP_SEED=path writes this
        // one's payload) names the segments of every process's fixture
        let table = try store.table("t")
        var m = try table.currentManifest()
        for k in m.segments.indices {
            let old = table.segmentPath(m.segments[k])
            m.segments[k].id = "seg-fuzz-\(k)"
            guard rename(old, table.segmentPath(m.segments[k])) == 0 else { Fuzz.fail("rename \(old)") }
        }
        let framed = try m.encode()
        Fuzz.write(framed, name: "store/t/_manifest/" + String(table.manifestPath(m.version).split(separator: "/").last!))
        if let dump = ProcessInfo.processInfo.environment["FUZZ_DUMP_SEED"] {
            _ = FileManager.default.createFile(atPath: dump, contents: Data(framed[16..<(framed.count - 12)]))
        }
    } catch { Fuzz.fail("fixture store: \(error)") }
    return root
}()

func frame(_ payload: ArraySlice<UInt8>) -> [UInt8] {
    var b = Manifest.magic
    b += [1, 0, 0, 0]
    let n = UInt32(truncatingIfNeeded: payload.count)
    b += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
    b += payload
    let crc = CRC32C.checksum(b)
    b += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
    b += Manifest.magic
    return b
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = storeRoot
    let input = FuzzBytes(data, size)
    let bytes = input.bytes.starts(with: Manifest.magic) ? input.bytes : frame(input.bytes[...])
    let m: Manifest
    do throws(StoreError) { m = try Manifest.decode(bytes, path: "fuzz.manifest") } catch { return 0 }
    // the table keeps its segments; its manifest folder holds just this one version
    let root = storeRoot
    let mdir = root + "/t/_manifest"
    for f in (try? FileManager.default.contentsOfDirectory(atPath: mdir)) ?? [] { try? FileManager.default.removeItem(atPath: mdir + "/" + f) }
    let digits = String(m.version)
    let name = String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".manifest"
    guard name.count == 29 else { return 0 }
    bytes.withUnsafeBytes { _ = Fuzz.write($0, name: "store/t/_manifest/" + name) }
    do throws(StoreError) {
        let store = try Store(root: root, create: false)
        let table = try store.table("t")
        _ = table.verify()
        let snap = try table.snapshot()
        for s in snap.segments { _ = try? snap.reader(s) }
        snap.close()
    } catch {}
    do throws(EngineError) {
        let engine = try QueryEngine(store: try! Store(root: root, create: false), threads: 1)
        for sql in ["DESCRIBE t", "SELECT count(*) FROM t", "SELECT * FROM t ORDER BY 1 LIMIT 3",
                    "SELECT url, count(*), sum(duration_ms) FROM t WHERE ts >= '2024-01-02' GROUP BY ALL ORDER BY 2 DESC"] {
            do throws(EngineError) { _ = try engine.execute(sql) } catch {}
        }
    } catch {}
    return 0
}

/// The executable's entry (SwiftPM names it after the module): libFuzzer's driver on `fuzz`.
@_cdecl("fuzz_manifest_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
