// Parquet reader: `ParquetFile(path:)`, its Strata schema, and `readColumn` of every row
// group and column. Errors are fine (they name the file, row group and column); a crash, a
// hang or a column of the wrong length is a finding.
import FuzzSupport
import StrataParquet

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = FuzzBytes(data, size)
    let path = Fuzz.write(input.bytes, name: "input.parquet")
    let file: ParquetFile
    do throws(ParquetError) { file = try ParquetFile(path: path) } catch { return 0 }
    do throws(ParquetError) { _ = try file.strataSchema() } catch {}
    for g in 0..<file.rowGroups.count {
        for c in 0..<file.columns.count {
            do throws(ParquetError) {
                let col = try file.readColumn(rowGroup: g, column: c)
                if col.count != file.rowGroups[g].rowCount {
                    Fuzz.fail("row group \(g) column \(c): \(col.count) rows read, metadata says \(file.rowGroups[g].rowCount)")
                }
            } catch {}
        }
    }
    return 0
}

/// The executable's entry (SwiftPM names it after the module): libFuzzer's driver on `fuzz`.
@_cdecl("fuzz_parquet_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
