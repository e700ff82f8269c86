import StrataCore

// Hex-id string chunks (issue 17, session 11). Click logs carry visitor and session ids as 16
// lowercase hex digits; writers store them PLAIN (too many distinct values for a dictionary).
// Interning 123k such strings per row group and mapping each row group's dictionary into a
// query's interner dominated the queries that count or group by them. Read in hex mode, a
// chunk's values become the ids' exact 64-bit words (the same words stored tables use for
// such columns), one per row, with no hashing and no dictionary; a value that is not such an
// id stops the decode and the caller reads the column as strings instead.

/// The values of a string column chunk as hex-id words (see the top of this file).
public struct ParquetHexColumn: Sendable {
    /// One word per row of the row group (0 for NULL rows and rows of pages not decoded).
    public var words: [Int64]
    /// 1 = present; nil when no row is NULL.
    public var validity: [UInt8]?
}

/// 16 lowercase hex digits as a 64-bit word (text order is the word's unsigned order).
public enum HexWord {
    /// The value of `p[0..<16]` when all 16 bytes are `0-9` or `a-f`, else nil.
    @inline(__always)
    public static func parse16(_ p: UnsafePointer<UInt8>) -> UInt64? {
        let raw = UnsafeRawPointer(p)
        guard let hi = parse8(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))),
              let lo = parse8(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))) else { return nil }
        return hi << 32 | lo
    }

    /// Eight hex digits (the first in the lowest byte) as a 32-bit value, without branches
    /// per byte: each byte's high nibble must be 3 (digit) or 6 (letter), and its low nibble
    /// plus 9 for letters a value the byte's class allows.
    @inline(__always)
    static func parse8(_ x: UInt64) -> UInt64? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let letter = (x >> 6) & ones                       // 1 for 0x6_ bytes
        let value = (x & (0x0F * ones)) &+ letter &* 9     // 0...24 per byte, no carries
        let highOK = (x & (0xF0 * ones)) == (0x30 * ones) &+ letter &* 0x30
        let rangeOK = value & (0xF0 * ones) == 0 && ((value &+ 6 * ones) >> 4) & ones == letter
        guard highOK && rangeOK else { return nil }
        // first digit most significant: bytes reversed, then nibbles packed pairwise
        var y = value.byteSwapped
        y = (y | (y >> 4)) & 0x00FF_00FF_00FF_00FF
        y = (y | (y >> 8)) & 0x0000_FFFF_0000_FFFF
        y = (y | (y >> 16)) & 0x0000_0000_FFFF_FFFF
        return y
    }

    /// Whether `b` is 16 lowercase hex digits.
    public static func isID(_ b: [UInt8]) -> Bool {
        b.count == 16 && b.withUnsafeBufferPointer { parse16Scalar($0.baseAddress!) != nil }
    }

    /// The same, a byte at a time (the reference for tests).
    public static func parse16Scalar(_ p: UnsafePointer<UInt8>) -> UInt64? {
        var v: UInt64 = 0
        for i in 0..<16 {
            let c = p[i]
            switch c {
            case 48...57: v = v << 4 | UInt64(c - 48)
            case 97...102: v = v << 4 | UInt64(c - 87)
            default: return nil
            }
        }
        return v
    }
}

extension ParquetFile {
    /// Whether every row group with a non-NULL value in column `column` has statistics whose
    /// min and max are 16-hex-digit ids (at least one such row group): a bound, not a proof,
    /// since a value between two ids need not be one (`readHexColumn` then returns nil).
    public func statisticsBoundHexIDs(column: Int) -> Bool {
        guard column >= 0, column < columns.count, case .string = columns[column].conversion else { return false }
        var any = false
        for rg in rowGroups where rg.rowCount > 0 {
            guard column < rg.statistics.count, let s = rg.statistics[column] else { return false }
            if let nulls = s.nullCount, nulls >= rg.rowCount { continue }
            guard case .string(let lo)? = s.min, case .string(let hi)? = s.max, HexWord.isID(lo), HexWord.isID(hi) else { return false }
            any = true
        }
        return any
    }

    /// Column `column` of row group `rowGroup` as hex-id words, decoding only the data pages
    /// for which `want(firstRow, rowCount)` holds (like `readColumn(rowGroup:column:pages:want:)`).
    /// Nil when the column is not a string column or a decoded non-NULL value is not 16
    /// lowercase hex digits (read it with `readColumn` then).
    public func readHexColumn(rowGroup: Int, column: Int, pages counts: inout PageCounts,
                              want: (_ firstRow: Int, _ rows: Int) -> Bool) throws(ParquetError) -> ParquetHexColumn? {
        guard rowGroup >= 0, rowGroup < rowGroups.count else {
            throw ParquetError(.invalidArgument, "row group \(rowGroup) out of range (0..<\(rowGroups.count))", file: path)
        }
        guard column >= 0, column < columns.count else {
            throw ParquetError(.invalidArgument, "column \(column) out of range (0..<\(columns.count))", file: path, rowGroup: rowGroup)
        }
        let c = columns[column]
        guard c.type != nil, c.leaf >= 0, case .string = c.conversion,
              c.physicalType == .byteArray || c.physicalType == .fixedLenByteArray else { return nil }
        var mine = PageCounts()
        let dec: ChunkDecoder
        do throws(ParquetError) {
            dec = try decodeChunk(rowGroup, c, counts: &mine, want: want, hex: true)
        } catch {
            if error.kind == .unsupported && error.message == ChunkDecoder.notHexMessage { return nil }
            throw error.with(file: path, rowGroup: rowGroup, column: c.name)
        }
        counts.decoded += mine.decoded
        counts.total += mine.total
        var v = dec.validity
        if let vv = v, !vv.contains(0) { v = nil }
        return ParquetHexColumn(words: dec.hexWords ?? [], validity: v)
    }
}

extension ChunkDecoder {
    static let notHexMessage = "string value is not a 16-hex-digit id"

    func notHexError() -> ParquetError {
        notHex = true
        return .unsupported(ChunkDecoder.notHexMessage)
    }

    /// `k` dense string values as hex words at `hexWords[o...]`.
    func hexValues(_ enc: PEncoding, _ cur: inout ByteCursor, _ k: Int, at o: Int) throws(ParquetError) {
        if enc == .plain && physical == .byteArray {
            // length-prefixed values: each must be 4 + 16 bytes
            guard k <= cur.remaining / 20 else { throw notHexError() }
            let base = cur.base
            let pos = cur.pos
            var bad = false
            hexWords!.withUnsafeMutableBufferPointer { p in
                let out = p.baseAddress! + o
                for i in 0..<k {
                    let at = pos + 20 * i
                    let n = UInt32(littleEndian: UnsafeRawPointer(base + at).loadUnaligned(as: UInt32.self))
                    guard n == 16, let w = HexWord.parse16(base + at + 4) else { bad = true; return }
                    out[i] = Int64(bitPattern: w)
                }
            }
            if bad { throw notHexError() }
            cur.pos = pos + 20 * k
            return
        }
        try spans(enc, &cur, k) { (base, st, ln) throws(ParquetError) in
            var bad = false
            hexWords!.withUnsafeMutableBufferPointer { p in
                for i in 0..<k {
                    guard ln[i] == 16, let w = HexWord.parse16(base + st[i]) else { bad = true; return }
                    p[o + i] = Int64(bitPattern: w)
                }
            }
            if bad { throw notHexError() }
        }
    }
}
