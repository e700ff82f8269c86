@testable import StrataSQL
import StrataTestSupport

// Small AST builders for expected values (ranges are ignored by ==).
func col(_ name: String, _ table: String? = nil) -> Expr { Expr(.column(table: table, name: name)) }
func int(_ v: Int64) -> Expr { Expr(.literal(.integer(v))) }
func dbl(_ v: Double) -> Expr { Expr(.literal(.double(v))) }
func str(_ s: String) -> Expr { Expr(.literal(.string(s))) }
func bool(_ b: Bool) -> Expr { Expr(.literal(.boolean(b))) }
func bin(_ op: BinaryOp, _ l: Expr, _ r: Expr) -> Expr { Expr(.binary(op, l, r)) }
func not(_ e: Expr) -> Expr { Expr(.unary(.not, e)) }
func neg(_ e: Expr) -> Expr { Expr(.unary(.negate, e)) }
func fn(_ name: String, _ args: Expr..., distinct: Bool = false) -> Expr {
    Expr(.function(FunctionCall(name: name, args: args, distinct: distinct)))
}
func countStar() -> Expr { Expr(.function(FunctionCall(name: "count", isStar: true))) }
func ts(_ s: String) -> Expr { Expr(.literal(.timestamp(s))) }

/// Parses `sql` as a single query statement.
func query(_ sql: String) throws -> Query {
    guard case .query(let q) = try parseStatement(sql) else {
        throw SQLError("not a query", offset: 0)
    }
    return q
}

/// The single select core of a query.
func core(_ sql: String) throws -> Select {
    let q = try query(sql)
    guard q.body.count == 1, case .select(let s) = q.body[0] else {
        throw SQLError("not a single select", offset: 0)
    }
    return s
}

/// Runs `body` and returns the thrown SQLError (nil if none was thrown).
func sqlError(_ body: () throws -> Void) -> SQLError? {
    do {
        try body()
        return nil
    } catch let e as SQLError {
        return e
    } catch {
        return nil
    }
}

/// Deterministic SplitMix64 generator for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 { splitMix64Next(&state) }
}
