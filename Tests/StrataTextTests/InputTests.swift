import Foundation
import Testing
import CZlib
import CZstd
@testable import StrataText
import StrataTestSupport

// MARK: - Helpers shared by the input/CSV/JSON tests

/// Deterministic SplitMix64 generator for seeded property tests.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 { splitMix64Next(&state) }
}

/// A fresh temporary directory for one test.
func makeTempDir() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("strata-text-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func writeFile(_ dir: URL, _ name: String, _ bytes: [UInt8]) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

/// gzip-compresses `data` as one member with zlib's deflate.
func gzipCompress(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
    var strm = z_stream()
    let rc = deflateInit2_(&strm, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                           zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    precondition(rc == Z_OK)
    defer { deflateEnd(&strm) }
    let bound = Int(deflateBound(&strm, uLong(data.count))) + 64
    var out = [UInt8](repeating: 0, count: bound)
    var input = data
    let written: Int = input.withUnsafeMutableBufferPointer { inp in
        out.withUnsafeMutableBufferPointer { o in
            strm.next_in = inp.baseAddress
            strm.avail_in = UInt32(inp.count)
            strm.next_out = o.baseAddress
            strm.avail_out = UInt32(o.count)
            let r = deflate(&strm, Z_FINISH)
            precondition(r == Z_STREAM_END)
            return o.count - Int(strm.avail_out)
        }
    }
    return Array(out[..<written])
}

/// zstd-compresses `data` as one frame (with the XXH64-based content checksum when asked).
func zstdCompress(_ data: [UInt8], level: Int32 = 3, checksum: Bool = false) -> [UInt8] {
    let cctx = ZSTD_createCCtx()!
    defer { ZSTD_freeCCtx(cctx) }
    _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
    _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0)
    var out = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
    let n = out.withUnsafeMutableBytes { o in
        data.withUnsafeBytes { i in
            ZSTD_compress2(cctx, o.baseAddress, o.count, i.baseAddress, i.count)
        }
    }
    precondition(ZSTD_isError(n) == 0)
    return Array(out[..<n])
}

/// Reads a whole source with reads of `bufferSize` bytes.
func readAll(_ src: InputSource, bufferSize: Int = 1000) throws -> [UInt8] {
    var result: [UInt8] = []
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 8)
    defer { buf.deallocate() }
    while true {
        let n = try src.read(into: buf)
        if n == 0 { break }
        result.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[..<n]))
    }
    return result
}

func randomBytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var rng = SeededRNG(seed: seed)
    // Compressible text-ish content.
    let alphabet = Array("abcdefghij,;\"\n 0123456789".utf8)
    return (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
}

func errorDescription(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}

// MARK: - InputHasher

@Test func xxh64KnownVectors() {
    func h(_ s: String) -> UInt64 { Array(s.utf8).withUnsafeBytes { InputHasher.hash($0) } }
    #expect(h("") == 0xEF46_DB37_51D8_E999)
    #expect(h("a") == 0xD24E_C4F1_A98C_6E5B)
    #expect(h("abc") == 0x44BC_2CF5_AD77_0999)
}

@Test func xxh64MatchesZstdFrameChecksum() {
    // A zstd frame checksum is the low 32 bits of XXH64(content, seed 0): an independent oracle.
    for (i, n) in [0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 100, 1000, 4097, 100_000].enumerated() {
        let data = randomBytes(n, seed: UInt64(i) + 77)
        let frame = zstdCompress(data, checksum: true)
        let tail = frame.suffix(4)
        let expected = UInt32(tail[tail.startIndex]) | UInt32(tail[tail.startIndex + 1]) << 8
            | UInt32(tail[tail.startIndex + 2]) << 16 | UInt32(tail[tail.startIndex + 3]) << 24
        let got = data.withUnsafeBytes { InputHasher.hash($0) }
        #expect(UInt32(truncatingIfNeeded: got) == expected, "length \(n)")
    }
}

@Test func xxh64StreamingEqualsOneShot() {
    for seed in 0..<40 {
        var rng = SeededRNG(seed: UInt64(seed))
        let n = Int(rng.next() % 3000)
        let data = randomBytes(n, seed: UInt64(seed) &+ 1000)
        let oneShot = data.withUnsafeBytes { InputHasher.hash($0) }
        var h = InputHasher()
        var p = 0
        while p < n {
            let step = min(n - p, Int(rng.next() % 70))
            data.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[p..<p + step])) }
            p += step
        }
        #expect(h.finalize() == oneShot)
        #expect(h.byteCount == UInt64(n))
    }
}

// MARK: - InputSource

@Test func plainFileReadsAllBytes() throws {
    let dir = try makeTempDir()
    let data = randomBytes(123_457, seed: 1)
    let path = try writeFile(dir, "plain.csv", data)
    let src = try InputSource(path: path)
    #expect(src.compression == .none)
    #expect(src.totalCompressedBytes == 123_457)
    #expect(try readAll(src, bufferSize: 4096) == data)
    #expect(src.compressedBytesRead == 123_457)
    #expect(src.bytesDelivered == 123_457)
    #expect(src.contentHash == data.withUnsafeBytes { InputHasher.hash($0) })
    #expect(try src.read(into: UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)) == 0)
}

@Test func tinyAndEmptyPlainFiles() throws {
    let dir = try makeTempDir()
    for content in [[], [UInt8(ascii: "x")], Array("ab".utf8), Array("abc".utf8)] as [[UInt8]] {
        let path = try writeFile(dir, "t\(content.count).csv", content)
        let src = try InputSource(path: path)
        #expect(try readAll(src, bufferSize: 1) == content)
    }
}

@Test func gzipMultiMemberRoundTrip() throws {
    let dir = try makeTempDir()
    let a = randomBytes(200_000, seed: 2), b = randomBytes(5_000, seed: 3)
    let path = try writeFile(dir, "data.csv.gz", gzipCompress(a) + gzipCompress(b, level: 1) + gzipCompress([]))
    let src = try InputSource(path: path)
    #expect(src.compression == .gzip)
    let out = try readAll(src, bufferSize: 7777)
    #expect(out == a + b)
    #expect(src.contentHash == (a + b).withUnsafeBytes { InputHasher.hash($0) })
    #expect(src.compressedBytesRead == src.totalCompressedBytes)
}

@Test func zstdMultiFrameRoundTrip() throws {
    let dir = try makeTempDir()
    let a = randomBytes(300_000, seed: 4), b = randomBytes(17, seed: 5)
    let path = try writeFile(dir, "data.csv.zst", zstdCompress(a) + zstdCompress(b, level: 19, checksum: true))
    let src = try InputSource(path: path)
    #expect(src.compression == .zstd)
    #expect(try readAll(src, bufferSize: 65_536) == a + b)
    #expect(src.contentHash == (a + b).withUnsafeBytes { InputHasher.hash($0) })
}

@Test func compressionDetectedByMagicForMisnamedFiles() throws {
    let dir = try makeTempDir()
    let data = randomBytes(10_000, seed: 6)
    let gz = try InputSource(path: try writeFile(dir, "really-gzip.csv", gzipCompress(data)))
    #expect(gz.compression == .gzip)
    #expect(try readAll(gz) == data)
    let zs = try InputSource(path: try writeFile(dir, "really-zstd.gz", zstdCompress(data)))
    #expect(zs.compression == .zstd)
    #expect(try readAll(zs) == data)
}

@Test func inputErrorsNameFileAndReason() throws {
    let dir = try makeTempDir()
    let missing = dir.appendingPathComponent("x.csv").path
    #expect(errorDescription { _ = try InputSource(path: missing) }
        == "cannot open '\(missing)': No such file or directory")
    #expect(errorDescription { _ = try InputSource(path: dir.path) } == "cannot open '\(dir.path)': Is a directory")
    do {
        _ = try InputSource(path: missing)
    } catch {
        #expect(error.kind == .open && error.file == missing && error.line == nil)
    }

    let notGzip = try writeFile(dir, "x.gz", Array("a,b\n".utf8))
    #expect(errorDescription { _ = try InputSource(path: notGzip) } == "'\(notGzip)': not a gzip stream (bad magic bytes)")
    do {
        _ = try InputSource(path: notGzip)
    } catch {
        #expect(error.kind == .compression && error.file == notGzip)
    }
    let notZstd = try writeFile(dir, "x.zst", Array("a,b\n".utf8))
    #expect(errorDescription { _ = try InputSource(path: notZstd) } == "'\(notZstd)': not a zstd stream (bad magic bytes)")

    let data = randomBytes(50_000, seed: 7)
    let gz = gzipCompress(data)
    let truncated = try writeFile(dir, "trunc.gz", Array(gz[..<(gz.count / 2)]))
    #expect(errorDescription { _ = try readAll(try InputSource(path: truncated)) }
        == "'\(truncated)': truncated gzip stream (unexpected end of file)")

    var corrupt = gz
    for i in 20..<60 { corrupt[i] ^= 0x5A }
    let corruptPath = try writeFile(dir, "corrupt.gz", corrupt)
    let msg = errorDescription { _ = try readAll(try InputSource(path: corruptPath)) }
    #expect(msg?.hasPrefix("'\(corruptPath)': corrupt gzip stream (") == true, "\(msg ?? "nil")")

    let zs = zstdCompress(data)
    let truncZ = try writeFile(dir, "trunc.zst", Array(zs[..<(zs.count - 3)]))
    #expect(errorDescription { _ = try readAll(try InputSource(path: truncZ)) }
        == "'\(truncZ)': truncated zstd stream (unexpected end of file)")
    var corruptZ = zs
    corruptZ[4] ^= 0xFF  // frame header descriptor
    let corruptZPath = try writeFile(dir, "corrupt.zst", corruptZ)
    let zmsg = errorDescription { _ = try readAll(try InputSource(path: corruptZPath)) }
    #expect(zmsg?.hasPrefix("'\(corruptZPath)': corrupt zstd stream (") == true, "\(zmsg ?? "nil")")
}

@Test func emptyCompressedNamedFileIsEmptyInput() throws {
    let dir = try makeTempDir()
    let src = try InputSource(path: try writeFile(dir, "empty.csv.gz", []))
    #expect(src.compression == .none)
    #expect(try readAll(src) == [])
}

// MARK: - InputChunkReader

/// Concatenation of all chunks, plus (firstLine, byteOffset) per chunk.
func collectChunks(_ reader: InputChunkReader) throws -> (bytes: [UInt8], starts: [(Int, Int64)], pieceOK: Bool) {
    var all: [UInt8] = []
    var starts: [(Int, Int64)] = []
    var pieceOK = true
    while let c = try reader.next() {
        starts.append((c.firstLine, c.byteOffset))
        // Pieces tile the chunk and carry correct line numbers.
        var pos = 0
        var line = c.firstLine
        for p in c.pieces {
            if p.range.lowerBound != pos || p.firstLine != line || p.range.isEmpty { pieceOK = false }
            line += c.bytes[p.range].filter { $0 == 0x0A }.count
            pos = p.range.upperBound
        }
        if pos != c.bytes.count { pieceOK = false }
        all.append(contentsOf: c.bytes)
    }
    return (all, starts, pieceOK)
}

@Test func chunkReaderEndsChunksAtRowBoundaries() throws {
    let dir = try makeTempDir()
    let text = "a,b\n\"x\ny\",2\n3,\"q\"\"\n\"\nlast,row"
    let path = try writeFile(dir, "c.csv", [0xEF, 0xBB, 0xBF] + Array(text.utf8))
    let reader = InputChunkReader(source: try InputSource(path: path), framing: .csv(quote: 34), blockSize: 6,
                                  parallelism: 2)
    var chunks: [String] = []
    var meta: [(Int, Int64, Bool)] = []
    while let c = try reader.next() {
        chunks.append(String(decoding: c.bytes, as: UTF8.self))
        meta.append((c.firstLine, c.byteOffset, c.isLast))
    }
    #expect(chunks == ["a,b\n", "\"x\ny\",2\n", "3,\"q\"\"\n\"\n", "last,row"])
    #expect(meta.map(\.0) == [1, 2, 4, 6])
    #expect(meta.map(\.1) == [3, 7, 15, 24])
    #expect(meta.map(\.2) == [false, false, false, true])
    #expect(try reader.next() == nil)
}

@Test func chunkReaderTinyBlocksMatchOneBigBlock() throws {
    let dir = try makeTempDir()
    for seed in 0..<12 {
        var rng = SeededRNG(seed: UInt64(seed))
        let (bytes, _) = randomCSV(&rng, dialect: .csv)
        let path = try writeFile(dir, "r\(seed).csv", bytes)
        let big = try collectChunks(InputChunkReader(source: try InputSource(path: path), framing: .csv(quote: 34)))
        #expect(big.bytes == bytes)
        #expect(big.starts.count <= 1)
        for block in [1, 2, 3, 5, 17, 64, 1000] {
            let reader = InputChunkReader(source: try InputSource(path: path), framing: .csv(quote: 34),
                                          blockSize: block, parallelism: Int(rng.next() % 4) + 1)
            let r = try collectChunks(reader)
            #expect(r.bytes == bytes, "seed \(seed) block \(block)")
            #expect(r.pieceOK, "seed \(seed) block \(block)")
            // Each chunk start is a row start: its line number equals 1 + newlines before it.
            for (line, off) in r.starts {
                #expect(line == 1 + bytes[..<Int(off)].filter { $0 == 0x0A }.count)
            }
        }
    }
}

@Test func chunkReaderRowLongerThanMaxIsAnError() throws {
    let dir = try makeTempDir()
    let text = "a,b\n1,\"" + String(repeating: "x", count: 300) + "\n"
    let path = try writeFile(dir, "long.csv", Array(text.utf8))
    let reader = InputChunkReader(source: try InputSource(path: path), framing: .csv(quote: 34), blockSize: 16,
                                  maxRowSize: 100)
    let first = try reader.next()
    #expect(first.map { String(decoding: $0.bytes, as: UTF8.self) } == "a,b\n")
    do {
        _ = try reader.next()
        Issue.record("a row longer than the maximum was read")
    } catch {
        #expect(error.description == "'\(path)': line 2: row exceeds the maximum row size of 100 bytes (unterminated quoted field?)")
        #expect(error.kind == .rowTooLong && error.file == path && error.line == 2)
    }
}

@Test func chunkReaderGrowsForLongRows() throws {
    let dir = try makeTempDir()
    let longField = String(repeating: "z", count: 1 << 20)
    let text = "id,payload\n1,\"\(longField)\"\n2,short\n"
    let path = try writeFile(dir, "big.csv", Array(text.utf8))
    let reader = InputChunkReader(source: try InputSource(path: path), framing: .csv(quote: 34), blockSize: 4096)
    let r = try collectChunks(reader)
    #expect(r.bytes == Array(text.utf8))
    #expect(r.starts.map(\.0) == [1, 2])
}

@Test func linesFramingSplitsAtEveryNewline() throws {
    let dir = try makeTempDir()
    let text = "{\"a\":\"\\\"\"}\n\n{\"b\":1}\n{\"c\":2}"
    let path = try writeFile(dir, "x.ndjson", Array(text.utf8))
    let reader = InputChunkReader(source: try InputSource(path: path), framing: .lines, blockSize: 9)
    var chunks: [String] = []
    var lines: [Int] = []
    while let c = try reader.next() {
        chunks.append(String(decoding: c.bytes, as: UTF8.self))
        lines.append(c.firstLine)
    }
    #expect(chunks == ["{\"a\":\"\\\"\"}\n\n", "{\"b\":1}\n", "{\"c\":2}"])
    #expect(lines == [1, 3, 4])
}

@Test func gzipTrailingZeroPaddingIgnoredGarbageRejected() throws {
    let dir = try makeTempDir()
    let data = randomBytes(3000, seed: 8)
    let padded = try writeFile(dir, "padded.gz", gzipCompress(data) + [UInt8](repeating: 0, count: 1000))
    #expect(try readAll(try InputSource(path: padded)) == data)
    let garbage = try writeFile(dir, "garbage.gz", gzipCompress(data) + [0, 0, 0x41])
    #expect(errorDescription { _ = try readAll(try InputSource(path: garbage)) }
        == "'\(garbage)': corrupt gzip stream (trailing garbage after last member)")
    let garbage2 = try writeFile(dir, "garbage2.gz", gzipCompress(data) + Array("hello".utf8))
    #expect(errorDescription { _ = try readAll(try InputSource(path: garbage2)) }
        == "'\(garbage2)': corrupt gzip stream (incorrect header check)")
}

@Test func chunkReaderRowsNearMaxRowSize() throws {
    // Rows up to just below maxRowSize with tiny blocks: exercises growth and carrying long
    // tails across the growth cap.
    let dir = try makeTempDir()
    for seed in 0..<40 {
        var rng = SeededRNG(seed: UInt64(seed) + 300)
        let maxRow = 64
        var text: [UInt8] = []
        for _ in 0..<Int(rng.next() % 30 + 1) {
            let len = Int(rng.next() % UInt64(maxRow - 2)) + 1
            text += [UInt8](repeating: UInt8(ascii: "a") + UInt8(rng.next() % 26), count: len) + [10]
        }
        let path = try writeFile(dir, "m\(seed).csv", text)
        let block = Int(rng.next() % 20) + 1
        let reader = InputChunkReader(source: try InputSource(path: path), framing: .csv(quote: 34),
                                      blockSize: block, maxRowSize: maxRow, parallelism: 2)
        let r = try collectChunks(reader)
        #expect(r.bytes == text, "seed \(seed) block \(block)")
        #expect(r.pieceOK)
    }
}

@Test func pipeInputWithGzipDetectedByMagic() throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    let data = randomBytes(300_000, seed: 9)
    let compressed = gzipCompress(data)
    let writeFD = fds[1]
    let writer = Thread {
        compressed.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = write(writeFD, b.baseAddress! + off, min(4096, b.count - off))
                if n <= 0 { break }
                off += n
            }
        }
        close(writeFD)
    }
    writer.start()
    let src = try InputSource(fileDescriptor: fds[0], name: "<pipe>", closeWhenDone: true)
    #expect(src.compression == .gzip)
    #expect(src.totalCompressedBytes == nil)
    #expect(try readAll(src, bufferSize: 100_000) == data)
    #expect(src.compressedBytesRead == Int64(compressed.count))
    #expect(src.contentHash == data.withUnsafeBytes { InputHasher.hash($0) })
}


@Test func chunkReaderEmptyAndBOMOnlyInputs() throws {
    let dir = try makeTempDir()
    for (name, content) in [("empty.csv", [UInt8]()), ("bom.csv", [0xEF, 0xBB, 0xBF]), ("nl.csv", [10, 10])] {
        let reader = InputChunkReader(source: try InputSource(path: try writeFile(dir, name, content)),
                                      framing: .csv(quote: 34), blockSize: 2)
        if content == [10, 10] {
            let c = try #require(try reader.next())
            #expect(Array(c.bytes) == [10, 10])
            let buf = CSVRowBuffer()
            try CSVScanner.scan(c.bytes, pieces: c.pieces, into: [buf])
            #expect(buf.rowCount == 0)
            #expect(buf.endLine == 3)
        }
        #expect(try reader.next() == nil, "\(name)")
        #expect(try reader.next() == nil, "\(name)")
    }
}
