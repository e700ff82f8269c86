import Foundation
import StrataTestSupport
import Testing
import StrataCore
@testable import StrataFormat

/// Feeding columns block by block through `ColumnPageWriter` into a `SegmentStreamWriter`
/// gives exactly the bytes of `SegmentWriter.encode` (time range from the block extremes),
/// for every type, NULL rate (including all-NULL) and codec.
@Test(arguments: Array(1...12) as [UInt64])
func segmentStreamWriterMatchesEncode(seed: UInt64) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var opts = SegmentWriterOptions()
    opts.blockRows = [1000, 4096, 333][Int(seed % 3)]
    opts.timeColumn = 0
    opts.partition = "day=2024-01-01"
    opts.sortKey = [1, 0]
    let specs = [CodecSpec(.none), CodecSpec(.lz4), CodecSpec(.zstd, level: 3)]
    opts.codecs = (0..<schema5.count).map { specs[($0 + Int(seed)) % specs.count] }
    let nullRate = [0, 10, 60, 100][Int(seed % 4)]
    let cols = randomColumns(seed: seed, rows: 1 + Int(seed) * 911, nullRate: nullRate, constant: seed % 5 == 0)
    let (bytes, footer) = try SegmentWriter.encode(schema: schema5, columns: cols, options: opts)

    let path = dir + "/streamed.seg"
    let writer = try SegmentStreamWriter(schema: schema5, options: opts, to: path)
    for (c, column) in cols.enumerated() {
        let pages = ColumnPageWriter(schema: schema5[c], spec: opts.codecs[c])
        var ints: [Int64] = []
        switch column.data {
        case .string(let codes, let dict):
            let (sorted, remap) = SegmentWriter.sortedDictionary(codes: codes, validity: column.validity, dictionary: dict)
            pages.addDictionary(sorted)
            ints = codes.indices.map { column.isNull($0) ? 0 : Int64(remap[Int(codes[$0])]) }
        case .int64(let v): ints = v
        default: break
        }
        var start = 0
        while start < column.count {
            let end = min(start + opts.blockRows, column.count)
            let valid = column.validity.map { Array($0[start..<end]) }
            func run<T>(_ v: [T], _ add: (UnsafeBufferPointer<T>, UnsafeBufferPointer<UInt8>?) -> Void) {
                let slice = Array(v[start..<end])
                slice.withUnsafeBufferPointer { s in
                    if let valid { valid.withUnsafeBufferPointer { add(s, $0) } } else { add(s, nil) }
                }
            }
            switch column.data {
            case .int64, .string: run(ints) { pages.addBlock(ints: $0, validity: $1) }
            case .double(let v): run(v) { pages.addBlock(doubles: $0, validity: $1) }
            case .bool(let v): run(v) { pages.addBlock(bools: $0, validity: $1) }
            }
            start = end
        }
        try writer.append(pages)
    }
    let (written, size) = try writer.finish(sync: false)
    #expect(size == bytes.count)
    #expect(written.minTime == footer.minTime && written.maxTime == footer.maxTime, "seed \(seed)")
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes, "seed \(seed)")
    try SegmentReader(path: path).verify()
}

/// A column of the wrong type, rows that disagree, or too few columns are refused, and the
/// unfinished file is removed.
@Test func segmentStreamWriterRefusesMismatches() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var opts = SegmentWriterOptions()
    opts.blockRows = 100
    let path = dir + "/bad.seg"
    let writer = try SegmentStreamWriter(schema: schema5, options: opts, to: path)
    let wrong = ColumnPageWriter(schema: schema5[2], spec: .default)
    #expect(throws: FormatError.self) { try writer.append(wrong) }
    let ts = ColumnPageWriter(schema: schema5[0], spec: .default)
    [Int64(1), 2, 3].withUnsafeBufferPointer { ts.addBlock(ints: $0, validity: nil) }
    try writer.append(ts)
    let n = ColumnPageWriter(schema: schema5[1], spec: .default)
    [Int64(1)].withUnsafeBufferPointer { n.addBlock(ints: $0, validity: nil) }
    #expect(throws: FormatError.self) { try writer.append(n) }
    #expect(throws: FormatError.self) { _ = try writer.finish(sync: false) }
    #expect(!FileManager.default.fileExists(atPath: path))
}
