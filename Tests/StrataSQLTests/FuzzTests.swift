import Testing
@testable import StrataSQL

/// Robustness: arbitrary input must either parse or throw an SQLError with an
/// in-range offset — never trap. Successful parses must round-trip through sqlText.
@Suite struct FuzzTests {
    static let vocabulary = [
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "HAVING", "QUALIFY", "LIMIT", "OFFSET", "UNION", "ALL",
        "WITH", "AS", "DISTINCT", "AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "IN", "BETWEEN", "LIKE",
        "ILIKE", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "TRY_CAST", "EXTRACT", "INTERVAL", "TIMESTAMP",
        "DATE", "DAY", "hour", "FILTER", "OVER", "PARTITION", "ASC", "DESC", "NULLS", "FIRST", "LAST", "FINAL",
        "CREATE", "TABLE", "IF", "EXISTS", "DROP", "SHOW", "TABLES", "DESCRIBE", "SET", "TO", "DELETE",
        "EXPLAIN", "INTEGER", "BIGINT", "VARCHAR", "DOUBLE", "BOOLEAN", "a", "b", "clicks", "ts", "count", "sum",
        "date_trunc", "left", "\"Q\"", "`b t`", "t.a", "1", "42", "-7", "3.5", "1e9", "99999999999999999999",
        "'x'", "'it''s'", "'7 days'", "(", ")", "(", ")", ",", ",", ".", ";", "*", "+", "-", "/", "%", "=", "==",
        "<>", "!=", "<", "<=", ">", ">=", "||", "::", "'unterminated", "\"", "/*", "*/", "--", "\n", "é", "@",
    ]

    static func check(_ sql: String, _ context: @autoclosure () -> String) {
        do {
            let statements = try parseScript(sql)
            for st in statements {
                let text = st.sqlText
                do {
                    #expect(try parseStatement(text) == st, "\(context()): \(sql) -> \(text)")
                } catch {
                    Issue.record("\(context()): reprint of \(sql) failed: \(text): \(error)")
                }
            }
        } catch let error as SQLError {
            #expect(error.offset >= 0 && error.offset <= sql.utf8.count, "\(context())")
            #expect(!error.message.isEmpty)
            _ = error.rendered(sql: sql)
        } catch {
            Issue.record("\(context()): unexpected error type \(error)")
        }
    }

    @Test func randomTokenSoup() {
        for seed in UInt64(0)..<4000 {
            var rng = SplitMix64(seed: seed)
            let count = Int(rng.next() % 40)
            var sql = ""
            for _ in 0..<count {
                sql += Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))]
                if rng.next() % 5 != 0 { sql += " " }
            }
            Self.check(sql, "token soup seed \(seed)")
        }
    }

    @Test func structuredTokenSoupStartingWithSelect() {
        // Biased towards plausible statements so deeper parser paths are reached.
        let exprTokens = ["a", "b", "1", "'x'", "(", ")", "+", "*", "=", "AND", "OR", "NOT", "IS", "NULL", ",",
                          "count(*)", "sum(", "CASE WHEN", "THEN", "ELSE", "END", "IN (", "BETWEEN", "::INT",
                          "OVER (", "ORDER BY", "PARTITION BY", "FILTER (WHERE", "INTERVAL 1 DAY", "(SELECT"]
        for seed in UInt64(0)..<3000 {
            var rng = SplitMix64(seed: seed ^ 0xABCDEF)
            var sql = "SELECT "
            for _ in 0..<Int(rng.next() % 25) {
                sql += exprTokens[Int(rng.next() % UInt64(exprTokens.count))] + " "
            }
            let tails = ["", " FROM clicks", " FROM clicks WHERE a", " FROM t GROUP BY 1 ORDER BY 1 LIMIT 3", " AS x"]
            sql += tails[Int(rng.next() % UInt64(tails.count))]
            Self.check(sql, "structured seed \(seed)")
        }
    }

    @Test func randomBytes() {
        let alphabet = Array("SELECTFROMWHERE abc019'\"`()*,.;:-+/=<>!|%\n\t_é".utf8) + [0x00, 0x80, 0xC3, 0xFF, 0xE2]
        for seed in UInt64(0)..<4000 {
            var rng = SplitMix64(seed: seed &* 31 &+ 7)
            let length = Int(rng.next() % 60)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                bytes.append(rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next())
                                                 : alphabet[Int(rng.next() % UInt64(alphabet.count))])
            }
            Self.check(String(decoding: bytes, as: UTF8.self), "random bytes seed \(seed)")
        }
    }

    @Test func mutatedBenchmarkQueries() {
        let inserts = Array("()',;*-\"x 1.e".utf8)
        for seed in UInt64(0)..<2000 {
            var rng = SplitMix64(seed: seed &+ 77)
            var bytes = Array(benchmarkQueries[Int(rng.next() % 18)].sql.utf8)
            for _ in 0...Int(rng.next() % 3) where !bytes.isEmpty {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes.remove(at: i)
                case 1: bytes.insert(inserts[Int(rng.next() % UInt64(inserts.count))], at: i)
                default: bytes[i] = inserts[Int(rng.next() % UInt64(inserts.count))]
                }
            }
            Self.check(String(decoding: bytes, as: UTF8.self), "mutation seed \(seed)")
        }
    }

    @Test func editDistanceHelper() {
        #expect(editDistanceAtMostOne(Array("form".utf8), Array("from".utf8)))
        #expect(editDistanceAtMostOne(Array("WHRE".utf8), Array("where".utf8)))
        #expect(editDistanceAtMostOne(Array("gruop".utf8), Array("group".utf8)))
        #expect(editDistanceAtMostOne(Array("limitt".utf8), Array("limit".utf8)))
        #expect(!editDistanceAtMostOne(Array("fr".utf8), Array("from".utf8)))
        #expect(!editDistanceAtMostOne(Array("clicks".utf8), Array("limit".utf8)))
        #expect(!editDistanceAtMostOne(Array("fmor".utf8), Array("from".utf8)))
    }
}
