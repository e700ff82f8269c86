import StrataCore
import StrataStore
import StrataText

/// Group keys packed into one 64-bit word from the ranges the segment footers record.
///
/// When every GROUP BY key over a stored table is an integer-lane column (BIGINT, DATE,
/// TIMESTAMP) or a timestamp column cast to DATE, its values lie within the minimum and
/// maximum of the table's block statistics, so key k needs only enough bits for
/// `value - lo` plus one code for NULL. When the fields fit in 62 bits, the group table holds
/// one word per group instead of one per key plus a NULL word: hashing, probing and merging
/// touch a quarter of the memory. When they fit in 20 bits, the table indexes an array
/// directly and never hashes (DuckDB calls this perfect hash aggregation). Joins pack integer
/// keys the same way, from the ranges of both sides.
struct KeyPacking {
    /// Per key: smallest value, `hi - lo`, the bit position of its field, and its width.
    var lo: [Int64]
    var span: [UInt64]
    var shift: [UInt64]
    var bits: [Int]
    var totalBits: Int

    /// Keys up to this many bits index an array (2^20 group ids: 4 MiB per thread).
    static let directLimit = 20

    var directBits: Int? { totalBits <= KeyPacking.directLimit ? totalBits : nil }

    init?(_ groups: [BExpr], _ snap: Snapshot) {
        guard !groups.isEmpty else { return nil }
        var ranges: [(Int64, Int64)] = []
        for g in groups {
            guard let r = KeyPacking.range(g, snap) else { return nil }
            ranges.append(r)
        }
        self.init(ranges: ranges)
    }

    /// Fields for keys whose values lie in `ranges` (nil when they need more than 62 bits).
    init?(ranges: [(Int64, Int64)]) {
        guard !ranges.isEmpty else { return nil }
        lo = []; span = []; shift = []; bits = []
        var total = 0
        // the last key takes the lowest bits
        for (l, h) in ranges.reversed() {
            let s = UInt64(bitPattern: h) &- UInt64(bitPattern: l)
            guard s < 1 << 60 else { return nil }
            let b = 64 - (s + 1).leadingZeroBitCount  // codes 0...s, and s + 1 for NULL
            lo.insert(l, at: 0)
            span.insert(s, at: 0)
            shift.insert(UInt64(total), at: 0)
            bits.insert(b, at: 0)
            total += b
            guard total <= 62 else { return nil }
        }
        totalBits = total
    }

    /// The range of a key's values over the whole snapshot, when the footers tell it.
    static func range(_ e: BExpr, _ snap: Snapshot) -> (Int64, Int64)? {
        switch e {
        case .column(let slot, let t) where t == .bigint || t == .date || t == .timestamp:
            return columnRange(slot, snap)
        case .cast(.column(let slot, .timestamp), .date):
            // a day in any session time zone: one day of margin on each side
            // (timestamps within two days of the representable ends: local time may wrap)
            guard let (l, h) = columnRange(slot, snap), l > Int64.min + 2 * Civil.microsPerDay,
                  h < Int64.max - 2 * Civil.microsPerDay else { return nil }
            return (Civil.floorDiv(l, Civil.microsPerDay) - 1, Civil.floorDiv(h, Civil.microsPerDay) + 1)
        default:
            return nil
        }
    }

    /// Minimum and maximum of the non-NULL values of a column in every block of the snapshot.
    static func columnRange(_ slot: Int, _ snap: Snapshot) -> (Int64, Int64)? {
        var l = Int64.max, h = Int64.min
        for seg in snap.segments where seg.rows > 0 {
            guard let r = try? snap.reader(seg), slot < r.footer.columns.count else { return nil }
            for (b, m) in r.footer.columns[slot].blocks.enumerated() where Int(m.nullCount) < r.footer.rows(inBlock: b) {
                l = min(l, m.minBits)
                h = max(h, m.maxBits)
            }
        }
        return l <= h ? (l, h) : nil
    }

    /// ORs key `k`'s field of each of the `n` rows of `v` into `out`. A value outside the
    /// recorded range means the statistics are wrong: reported, never mis-grouped.
    func pack(_ v: Vec, _ k: Int, _ n: Int, into out: inout [Int64]) throws(QueryError) {
        let l = lo[k], s = span[k], sh = shift[k]
        let nullCode = Int64(bitPattern: (s + 1) << sh)
        var bad = false
        out.withUnsafeMutableBufferPointer { o in
            if v.type == .null {
                for r in 0..<n { o[r] |= nullCode }
                return
            }
            v.ints.withUnsafeBufferPointer { x in
                let step = v.isConst ? 0 : 1
                if let valid = v.valid {
                    valid.withUnsafeBufferPointer { vp in
                        for r in 0..<n {
                            if vp[r * step] == 0 { o[r] |= nullCode; continue }
                            let f = UInt64(bitPattern: x[r * step] &- l)
                            bad = bad || f > s
                            o[r] |= Int64(bitPattern: f << sh)
                        }
                    }
                } else {
                    var out = false
                    for r in 0..<n {
                        let f = UInt64(bitPattern: x[r * step] &- l)
                        out = out || f > s
                        o[r] |= Int64(bitPattern: f << sh)
                    }
                    bad = out
                }
            }
        }
        if bad {
            throw QueryError("block statistics do not cover the values of GROUP BY key \(k + 1): the table's files disagree with their footers",
                             kind: .corrupt)
        }
    }

    /// Field `k` of each of `keys` (the packed words): its values (0 for NULL), and validity
    /// when any is NULL.
    func unpack(_ keys: UnsafeBufferPointer<Int64>, _ k: Int) -> ([Int64], [UInt8]?) {
        let n = keys.count, l = lo[k], sh = shift[k], nullField = span[k] + 1
        let mask: UInt64 = (1 << UInt64(bits[k])) - 1
        var valid: [UInt8]? = nil
        let words = [Int64](unsafeUninitializedCapacity: n) { w, count in
            for g in 0..<n {
                let f = (UInt64(bitPattern: keys[g]) >> sh) & mask
                if f == nullField {
                    if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                    valid![g] = 0
                    w[g] = 0
                } else {
                    w[g] = l &+ Int64(bitPattern: f)
                }
            }
            count = n
        }
        return (words, valid)
    }
}
