import StrataSQL

// ClickHouse's `extract(haystack, pattern)`: the first match of a regular expression, or of
// its first capturing group when it has one; '' when nothing matches (NULL in, NULL out).
// It is DuckDB's `regexp_extract(haystack, pattern, 0 or 1)`. `extract(part FROM ts)` is
// separate syntax (the parser tells them apart by the FROM).

extension Binder {
    func bindClickHouseExtract(_ f: FunctionCall, _ args: [BExpr], _ at: Int) throws(QueryError) -> BExpr {
        guard args.count == 2 else {
            throw QueryError("extract() takes (haystack, pattern) or (part FROM timestamp); got \(args.count) arguments", offset: at)
        }
        guard args[1].isConstant else {
            throw QueryError("extract(haystack, pattern) needs a constant pattern", offset: f.args[1].range.start)
        }
        var group: Int64 = 0
        switch try constantValue(args[1]) {
        case .null: return .literal(.null, .varchar)
        case .string(let p):
            do throws(QueryError) {
                group = try RegexPattern(p, RegexPattern.Options(), function: "extract").slots > 1 ? 1 : 0
            } catch {
                throw QueryError(error.message, offset: f.args[1].range.start)
            }
        default:
            throw QueryError("extract(haystack, pattern) needs a VARCHAR pattern, not \(args[1].type)", offset: f.args[1].range.start)
        }
        var call = f
        call.name = "regexp_extract"
        call.args = f.args + [Expr(.literal(.integer(group)), range: f.args[1].range)]
        guard let b = try bindStringFunction("regexp_extract", call, args + [.literal(.int(group), .bigint)], at) else {
            throw QueryError("internal: regexp_extract", kind: .internal)
        }
        return b
    }
}
