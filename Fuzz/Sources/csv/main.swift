// CSV scanner: the input (after three choice bytes: dialect, block size, pieces) is scanned
// twice, whole in one `CSVScanner.scan` and through `InputChunkReader` in tiny blocks split
// into pieces scanned concurrently. The two must agree: the same rows, fields (unescaped) and
// line numbers, or the same first error. Quoted fields are also unescaped by a reference loop.
import FuzzSupport
import StrataText

struct Row: Equatable {
    var line: Int64
    var fields: [[UInt8]]
}

enum Outcome: Equatable {
    case rows([Row])
    case error(CSVError.Kind, line: Int)
}

/// The reference unescape: a doubled quote is one quote.
func referenceUnescape(_ b: UnsafeRawBufferPointer, quote: UInt8) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < b.count {
        out.append(b[i])
        i += (b[i] == quote && i + 1 < b.count && b[i + 1] == quote) ? 2 : 1
    }
    return out
}

let scratch = CSVScratch(capacity: 64)

func collect(_ buf: CSVRowBuffer, _ chunk: UnsafeRawBufferPointer, quote: UInt8, into rows: inout [Row]) {
    for r in buf.rows {
        var fields: [[UInt8]] = []
        for f in buf.fields(of: r) {
            let raw = f.bytes(in: chunk)
            if f.needsUnescape {
                let u = scratch.unescape(raw, quote: quote)
                let ref = referenceUnescape(raw, quote: quote)
                if Array(u) != ref { Fuzz.fail("unescape differs from the reference at line \(r.line)") }
                fields.append(ref)
            } else {
                fields.append(Array(raw))
            }
        }
        rows.append(Row(line: r.line, fields: fields))
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let d = input.byte()
    let dialects: [CSVDialect] = [.csv, .tsv, .semicolon, .pipe, CSVDialect(delimiter: UInt8(ascii: ","), quote: UInt8(ascii: "'"))]
    let dialect = dialects[Int(d) % dialects.count]
    let blockSize = Int(input.byte() % 64) + 1
    let parallelism = Int(input.byte() % 4) + 1
    var bytes = Array(input.rest)
    let path = Fuzz.write(bytes, name: "input.csv")

    // chunked, as ingest and read_csv read files
    var chunked: Outcome = .rows([])
    var compressed = false
    do throws(InputError) {
        let source = try InputSource(path: path, hashContent: false)
        compressed = source.compression != .none
        let reader = InputChunkReader(source: source, framing: dialect.framing, blockSize: blockSize,
                                      maxRowSize: 1 << 22, parallelism: parallelism)
        let buffers = (0..<parallelism).map { _ in CSVRowBuffer(fieldCapacity: 4, rowCapacity: 2) }
        var rows: [Row] = []
        scan: while let chunk = try reader.next() {
            if chunk.pieces.isEmpty { continue }
            do throws(CSVError) {
                try CSVScanner.scan(chunk.bytes, pieces: chunk.pieces, dialect: dialect, into: buffers)
            } catch {
                chunked = .error(error.kind, line: error.line)
                break scan
            }
            for b in buffers { collect(b, chunk.bytes, quote: dialect.quote, into: &rows) }
        }
        if case .rows = chunked { chunked = .rows(rows) }
    } catch {
        return 0  // unreadable (compressed garbage): named by InputError, nothing to compare
    }
    if compressed { return 0 }

    // whole, in one scan (the chunk reader skips a leading UTF-8 BOM)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    var whole: Outcome
    let buf = CSVRowBuffer(fieldCapacity: 4, rowCapacity: 2)
    whole = bytes.withUnsafeBytes { chunk -> Outcome in
        do throws(CSVError) {
            try CSVScanner.scan(chunk, range: 0..<chunk.count, firstLine: 1, dialect: dialect, into: buf)
        } catch {
            return .error(error.kind, line: error.line)
        }
        var rows: [Row] = []
        collect(buf, chunk, quote: dialect.quote, into: &rows)
        return .rows(rows)
    }
    if whole != chunked {
        Fuzz.fail("whole scan and chunked scan (block \(blockSize), \(parallelism) pieces) differ:\n  whole:   \(whole)\n  chunked: \(chunked)")
    }
    return 0
}

/// The executable's entry (SwiftPM names it after the module): libFuzzer's driver on `fuzz`.
@_cdecl("fuzz_csv_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
