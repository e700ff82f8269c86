import StrataCore
import StrataParquet

// Hex-id string columns of Parquet input (issue 17, session 11). Visitor and session ids are
// 16 hex digits that writers store PLAIN; reading them as strings interned every value per
// row group and then again per batch (ParquetValueConverter.join). A VARCHAR column loaded
// into a VARCHAR column whose statistics bound it by hex ids is read as 64-bit words instead
// (StrataParquet's `readHexColumn`) and a batch's words become one sorted dictionary with a
// radix sort (`HexID.dictionaryColumn`, as the CSV path's hex mode does): the same table, no
// hashing. A row group holding another value is read as strings, and the batch's hex parts
// join it as ordinary dictionary columns.
enum ParquetHexIngest {
    /// Table columns filled from a VARCHAR file column whose statistics say hex ids.
    static func columns(_ f: ParquetFile, sources: [ParquetColumnSource], plan: TablePlan) -> Set<Int> {
        var out = Set<Int>()
        for c in 0..<min(plan.ncols, sources.count) {
            let s = sources[c]
            guard s.fileColumn >= 0, s.fileType == .varchar, plan.types[c] == .varchar,
                  f.statisticsBoundHexIDs(column: s.fileColumn) else { continue }
            out.insert(c)
        }
        return out
    }

    /// Row group `g` of file column `column` as words, or nil when a value is not a hex id.
    static func read(_ f: ParquetFile, _ g: Int, _ column: Int) throws(ParquetError) -> ParquetHexColumn? {
        var pages = PageCounts()
        return try f.readHexColumn(rowGroup: g, column: column, pages: &pages) { _, _ in true }
    }

    /// The row groups of a batch as one dictionary column, when every one was read as words.
    static func join(_ parts: [ParquetHexColumn?], total: Int) -> Column? {
        guard parts.allSatisfy({ $0 != nil }) else { return nil }
        var words = [UInt64]()
        words.reserveCapacity(total)
        let anyNull = parts.contains { $0!.validity != nil }
        var validity: [UInt8]? = anyNull ? [] : nil
        validity?.reserveCapacity(total)
        for p in parts {
            let p = p!
            p.words.withUnsafeBufferPointer { w in
                w.withMemoryRebound(to: UInt64.self) { words.append(contentsOf: $0) }
            }
            if anyNull {
                if let v = p.validity { validity!.append(contentsOf: v) } else { validity!.append(contentsOf: repeatElement(1, count: p.words.count)) }
            }
        }
        let (codes, dict) = HexID.dictionaryColumn(words, validity: validity)
        return Column(.string(codes: codes, dictionary: dict), validity: validity)
    }

    /// One row group's words as a dictionary column.
    static func column(_ p: ParquetHexColumn) -> Column {
        let words = p.words.map { UInt64(bitPattern: $0) }
        let (codes, dict) = HexID.dictionaryColumn(words, validity: p.validity)
        return Column(.string(codes: codes, dictionary: dict), validity: p.validity)
    }
}

extension ParquetValueConverter {
    /// The NULL rows of a NOT NULL column as bad values (as `convert` lists them).
    func nullsRefused(_ v: [UInt8]?, column c: Int) -> [ParquetBadValue] {
        guard plan.notNull[c], let v else { return [] }
        let reason = c == plan.timeColumn ? "missing time value (the partition column cannot be NULL)" : "NULL in NOT NULL column"
        return v.indices.filter { v[$0] == 0 }.map { ParquetBadValue(row: $0, column: c, reason: reason, value: nil, widenable: false) }
    }
}
