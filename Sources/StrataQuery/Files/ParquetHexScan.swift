import Foundation
import StrataCore
import StrataParquet

// Hex-id columns of Parquet files (issue 17, session 11). A VARCHAR column whose row groups'
// statistics say every value lies between two 16-hex-digit ids (visitor and session ids) is
// read as exact 64-bit words, as stored tables read their hex columns: a vector of such a
// column carries a `DictRef(hexWords:)` of the row group's words (one entry per row, codes
// 0..<n), so group keys, count(DISTINCT), joins and IN lists use the words with no string
// hashing, and text is spelled out only for output or string functions.
//
// Group keys and distinct values mix nothing: a column is hex in every batch of a statement
// or in none. The statistics only bound the values, so the decision is optimistic: when a
// worker meets a value that is not such an id (an empty string, upper case, another length),
// it records the column and stops the scan, and the statement's plan runs again with that
// column read as interned strings (ParquetScanState.hexFailed, Executor.runParquet).

extension ParquetScanState {
    /// Marks the error a worker stops the scan with when a hex column holds another value.
    static let hexRetryMessage = "internal: a Parquet string column assumed to hold hex ids holds another value (the plan runs again)"

    /// The VARCHAR file columns read as hex words (decided on first use from the statistics
    /// of the kept files' row groups; columns refused after a failed attempt stay out).
    var hexSlots: Set<Int> {
        hexLock.lock()
        if let d = hexDecided { hexLock.unlock(); return d }
        hexLock.unlock()
        var out = Set<Int>()
        for (c, t) in spec.fileTypes.enumerated() where t == .varchar && ParquetScanState.hexEnabled {
            if statisticsSayHex(c) { out.insert(c) }
        }
        hexLock.lock()
        defer { hexLock.unlock() }
        if let d = hexDecided { return d }
        out.subtract(hexRefused)
        hexDecided = out
        return out
    }

    /// `STRATA_PARQUET_HEX=0` turns the hex path off (A/B measurements, a fallback).
    static let hexEnabled: Bool = ProcessInfo.processInfo.environment["STRATA_PARQUET_HEX"] != "0"

    /// Whether every kept file's statistics bound column `c` by 16-hex-digit ids.
    func statisticsSayHex(_ c: Int) -> Bool {
        for fi in kept {
            guard let f = try? file(fi) else { return false }
            if f.rowCount > 0 && !f.statisticsBoundHexIDs(column: c) { return false }
        }
        return true
    }

    /// A worker found a value that is not a hex id in column `slot`.
    func hexFailed(_ slot: Int) {
        hexLock.lock()
        hexFailed.insert(slot)
        hexLock.unlock()
    }

    /// After a failed attempt: whether a column was found not hex (it is read as strings from
    /// now on, and the plan should run again).
    func takeHexFailures() -> Bool {
        hexLock.lock()
        defer { hexLock.unlock() }
        guard !hexFailed.isEmpty else { return false }
        hexRefused.formUnion(hexFailed)
        hexFailed = []
        hexDecided = nil
        ParquetScanState.retries.add()
        return true
    }

    /// Plans run again because a column was not hex (for tests).
    static let retries = RetryCount()

    final class RetryCount: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.lock(); n += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }

    /// Column `slot` of row group `g` (of `n` rows) as a hex-word vector; with `rows`, only the
    /// pages holding one of those rows are decoded.
    func hexVector(_ f: ParquetFile, _ g: Int, _ slot: Int, _ n: Int, rows: [Int32]?, pages: inout PageCounts) throws(QueryError) -> Vec {
        let hw: ParquetHexColumn?
        do throws(ParquetError) {
            if let rows {
                hw = try f.readHexColumn(rowGroup: g, column: slot, pages: &pages) { first, count in ParquetScanState.holdsRow(rows, first, count) }
            } else {
                hw = try f.readHexColumn(rowGroup: g, column: slot, pages: &pages) { _, _ in true }
            }
        } catch { throw QueryError(error) }
        guard let hw, hw.words.count == n else {
            hexFailed(slot)
            throw QueryError(ParquetScanState.hexRetryMessage)
        }
        let v = Vec(type: .varchar, count: n)
        v.ints = [Int64](unsafeUninitializedCapacity: n) { b, c in
            for i in 0..<n { (b.baseAddress! + i).initialize(to: Int64(i)) }
            c = n
        }
        v.dict = DictRef(hexWords: n > 0 ? hw.words : [0])
        v.valid = hw.validity
        return v
    }
}

extension Executor {
    /// Runs a plan over Parquet files, again when a column assumed to hold hex ids did not
    /// (see the top of this file; at most once per VARCHAR column).
    func runParquet(_ plan: SelectPlan, _ p: ParquetScanState) throws(QueryError) -> Relation {
        while true {
            do throws(QueryError) {
                return try runOnce(plan)
            } catch {
                guard p.takeHexFailures() else { throw error }
            }
        }
    }
}
