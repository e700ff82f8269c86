// Segment reader: `SegmentReader(path:)`, `verify()`, every column read whole and every block
// decoded at a selection of rows. Errors are fine (the reader's job is to name them); a crash,
// a hang or a decoded result of the wrong length is a finding.
//
// Checksums guard every page and the footer, so random bytes rarely reach the decoders. The
// first input byte picks a mode: odd = after mutation the harness recomputes every page
// checksum and the footer checksum (a crafted file that passes them), so the decoders
// themselves are fuzzed; even = the bytes as they are.
import FuzzSupport
import StrataCore
import StrataFormat

/// The input with its footer's page checksums and the footer checksum recomputed, when its
/// trailer and footer parse; otherwise nil.
func fixChecksums(_ b: [UInt8]) -> [UInt8]? {
    let n = b.count
    guard n >= segmentHeaderSize + segmentTrailerSize else { return nil }
    func u64(_ at: Int) -> UInt64 { var v: UInt64 = 0; for i in 0..<8 { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }; return v }
    func u32(_ at: Int) -> UInt32 { var v: UInt32 = 0; for i in 0..<4 { v |= UInt32(b[at + i]) << (8 * UInt32(i)) }; return v }
    let t = n - segmentTrailerSize
    let footerOffset = u64(t), footerLength = u32(t + 8)
    guard footerOffset >= UInt64(segmentHeaderSize), footerOffset <= UInt64(t),
          footerOffset + UInt64(footerLength) <= UInt64(t) else { return nil }
    let fo = Int(footerOffset)
    var parsed: SegmentFooter?
    b.withUnsafeBytes { p in parsed = try? SegmentFooter.parse(UnsafeRawBufferPointer(rebasing: p[fo..<(fo + Int(footerLength))])) }
    guard var footer = parsed else { return nil }
    func fix(_ r: inout PageRef) {
        guard r.offset <= UInt64(fo), UInt64(r.storedLength) <= UInt64(fo) - r.offset else { return }
        let lo = Int(r.offset)
        r.crc32c = b.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[lo..<(lo + Int(r.storedLength))])) }
    }
    for c in footer.columns.indices {
        if footer.columns[c].dictionary != nil { fix(&footer.columns[c].dictionary!.page) }
        for k in footer.columns[c].blocks.indices { fix(&footer.columns[c].blocks[k].page) }
    }
    let fb = footer.serialize()
    var out = Array(b[0..<fo])
    out += fb
    var w: [UInt8] = []
    func put(_ v: UInt64, _ bytes: Int) { for i in 0..<bytes { w.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    put(UInt64(fo), 8)
    put(UInt64(fb.count), 4)
    put(UInt64(CRC32C.checksum(fb)), 4)
    out += w
    out += b[(t + 16)...]  // versions, reserved, magic as the input has them
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let mode = input.byte()
    var bytes = Array(input.rest)
    if mode & 1 == 1, let fixed = fixChecksums(bytes) { bytes = fixed }
    let path = Fuzz.write(bytes, name: "input.seg")
    let reader: SegmentReader
    do throws(FormatError) { reader = try SegmentReader(path: path) } catch { return 0 }
    // a footer that promises more rows than any real segment holds is refused before here by
    // the page checks, unless its pages are tiny: keep the work per input bounded
    guard reader.rowCount <= 1 << 20 else { return 0 }
    do throws(FormatError) { try reader.verify() } catch {}
    let scratch = DecodeScratch()
    let v = BlockVector()
    for c in 0..<reader.footer.columns.count {
        do throws(FormatError) {
            let col = try reader.readColumn(c, cacheDictionary: mode & 2 == 0)
            if col.count != reader.rowCount { Fuzz.fail("column \(c): \(col.count) rows read, footer says \(reader.rowCount)") }
        } catch {}
        do throws(FormatError) { _ = try reader.hexDictionaryValues(column: c) } catch {}
        for b in 0..<reader.blockCount {
            let rows = reader.footer.rows(inBlock: b)
            // every other row, or every third: exercises the random-access decoders
            let step = Int(mode >> 4 & 3) + 2
            let sel = stride(from: 0, to: rows, by: step).map { Int32($0) }
            var decoded = false
            sel.withUnsafeBufferPointer { p in decoded = (try? reader.decode(column: c, block: b, rows: p, into: v, scratch: scratch)) != nil }
            if decoded && v.count != sel.count { Fuzz.fail("column \(c) block \(b): \(v.count) rows decoded, \(sel.count) selected") }
        }
    }
    return 0
}

/// The executable's entry (SwiftPM names it after the module): libFuzzer's driver on `fuzz`.
@_cdecl("fuzz_segment_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
