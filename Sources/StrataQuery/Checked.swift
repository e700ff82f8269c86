import StrataCore
import Foundation
import StrataText

/// Range limits and overflow errors shared by the binder and the evaluator. Arithmetic on
/// user-supplied values (literals, data) is checked: a result that does not fit raises a user
/// error instead of wrapping or trapping, as DuckDB raises "Out of Range" / "Conversion" errors.
enum Checked {
    /// Dates and timestamps the engine computes (date ± days, timestamp ± interval, casts) stay
    /// within the years -290000 ... 290000 (about DuckDB's TIMESTAMP range). Every such value
    /// converts between days and microseconds, truncates to a week/month/year and shifts by a
    /// time zone offset without overflowing `Int64`.
    static let minDays: Int64 = Civil.daysFromCivil(-290_000, 1, 1)
    static let maxDays: Int64 = Civil.daysFromCivil(290_000, 1, 1)
    static let minMicros: Int64 = minDays * Civil.microsPerDay
    static let maxMicros: Int64 = maxDays * Civil.microsPerDay

    static func overflow(_ what: String, offset: Int? = nil) -> QueryError {
        QueryError("out of range: overflow in \(what)", offset: offset)
    }

    /// `x op y` overflowed (BIGINT + - *).
    static func arithmeticOverflow(_ op: BOp, _ x: Int64, _ y: Int64) -> QueryError {
        let (name, sym): (String, String)
        switch op {
        case .add: (name, sym) = ("addition", "+")
        case .sub: (name, sym) = ("subtraction", "-")
        case .mul: (name, sym) = ("multiplication", "*")
        case .div: (name, sym) = ("division", "/")
        case .intDiv: (name, sym) = ("integer division", "//")
        default: (name, sym) = ("modulo", "%")
        }
        return overflow("\(name) of BIGINT (\(x) \(sym) \(y)): the result does not fit in BIGINT")
    }

    /// `x % 0` or `x // 0` (DuckDB's rule: `/` gives ±inf or NaN instead).
    static func divisionByZero(_ x: String, _ op: BOp) -> QueryError {
        QueryError("division by zero in (\(x) \(op == .mod ? "%" : "//") 0): use / for a DOUBLE result (±inf, or NaN for 0 / 0), or NULLIF(divisor, 0) for NULL")
    }

    static let dateOutOfRange = QueryError("out of range: DATE value outside the supported range (years -290000 to 290000)")
    static let timestampOutOfRange = QueryError("out of range: TIMESTAMP value outside the supported range (years -290000 to 290000)")

    /// The cast of `value` (of SQL type `from`) to `to` does not fit.
    static func castOutOfRange(_ from: String, _ value: String, _ to: String) -> QueryError {
        QueryError("conversion error: \(from) value \(value) can't be cast because it is out of range for the destination type \(to)")
    }

    /// `ts + months + micros` (timestamp in microseconds, months and micros of an interval),
    /// nil when the result leaves the supported range.
    static func addInterval(_ ts: Int64, months: Int64, micros: Int64) -> Int64? {
        var r = ts
        if months != 0 {
            // a valid timestamp moved by more than the range's span of months leaves it
            guard r >= minMicros && r <= maxMicros, months.magnitude <= 12 * 600_000 else { return nil }
            let days = Civil.floorDiv(r, Civil.microsPerDay)
            let rem = r - days * Civil.microsPerDay
            let (y, m, d) = Civil.civilFromDays(days)
            let total = y * 12 + (m - 1) + months
            let ny = Civil.floorDiv(total, 12), nm = total - ny * 12 + 1
            let nd = min(d, Civil.daysInMonth(year: ny, month: nm))
            let nDays = Civil.daysFromCivil(ny, nm, nd)
            guard nDays >= minDays && nDays <= maxDays else { return nil }
            r = nDays * Civil.microsPerDay + rem
        }
        let (s, o) = r.addingReportingOverflow(micros)
        guard !o, s >= minMicros, s <= maxMicros else { return nil }
        return s
    }
}
