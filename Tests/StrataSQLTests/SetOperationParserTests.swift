import Testing
@testable import StrataSQL

/// Set operations and EXISTS: precedence (INTERSECT binds tighter; left-associative), the
/// top-level UNION ALL chain kept as a list, and printer round trips.
@Suite struct SetOperationParserTests {
    private func sel(_ n: Int64) -> QueryTerm { .select(Select(items: [.expr(int(n), alias: nil)])) }
    private func op(_ k: SetOperation.Kind, _ l: QueryTerm, _ r: QueryTerm, all: Bool = false, byName: Bool = false) -> QueryTerm {
        .setOperation(SetOperation(kind: k, all: all, byName: byName, left: l, right: r))
    }

    @Test func precedenceAndAssociativity() throws {
        #expect(try query("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3").body == [op(.union, sel(1), op(.intersect, sel(2), sel(3)))])
        #expect(try query("SELECT 1 EXCEPT SELECT 2 UNION SELECT 3").body == [op(.union, op(.except, sel(1), sel(2)), sel(3))])
        #expect(try query("SELECT 1 INTERSECT ALL SELECT 2 INTERSECT SELECT 3").body
                == [op(.intersect, op(.intersect, sel(1), sel(2), all: true), sel(3))])
        #expect(try query("SELECT 1 EXCEPT (SELECT 2 EXCEPT SELECT 3)").body == [op(.except, sel(1), op(.except, sel(2), sel(3)))])
        #expect(try query("SELECT 1 UNION DISTINCT SELECT 2").body == [op(.union, sel(1), sel(2))])
        #expect(try query("SELECT 1 UNION ALL BY NAME SELECT 2").body == [op(.union, sel(1), sel(2), all: true, byName: true)])
    }

    @Test func unionAllChainStaysAList() throws {
        #expect(try query("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3").body == [sel(1), sel(2), sel(3)])
        #expect(try query("SELECT 1 UNION ALL SELECT 2 INTERSECT SELECT 3").body == [sel(1), op(.intersect, sel(2), sel(3))])
        #expect(try query("SELECT 1 UNION SELECT 2 UNION ALL SELECT 3").body == [op(.union, sel(1), sel(2)), sel(3)])
        // UNION ALL under a later UNION is an operand, not part of the chain
        #expect(try query("SELECT 1 UNION ALL SELECT 2 UNION SELECT 3").body
                == [op(.union, .query(Query(body: [sel(1), sel(2)])), sel(3))])
    }

    @Test func roundTrips() throws {
        for sql in [
            "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3",
            "(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3",
            "SELECT 1 UNION ALL SELECT 2 UNION SELECT 3",
            "SELECT 1 UNION ALL (SELECT 2 EXCEPT SELECT 3) UNION ALL SELECT 4",
            "SELECT a FROM t EXCEPT ALL (SELECT a FROM u ORDER BY a LIMIT 2) ORDER BY 1 LIMIT 3",
            "WITH x AS (SELECT a FROM t INTERSECT SELECT a FROM u) SELECT * FROM x UNION BY NAME SELECT 1 AS b",
            "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a) AND NOT EXISTS (SELECT 1)",
            "SELECT a IN (SELECT b FROM u), (SELECT max(b) FROM u) FROM t",
        ] {
            let q = try query(sql)
            #expect(try query(q.sqlText) == q, "\(sql) -> \(q.sqlText)")
        }
    }

    @Test func existsParses() throws {
        let s = try core("SELECT 1 FROM t WHERE NOT EXISTS (SELECT 1 FROM u)")
        guard case .unary(.not, let e)? = s.whereClause?.kind, case .exists(let q) = e.kind else {
            Issue.record("NOT EXISTS should be NOT over EXISTS")
            return
        }
        #expect(q.sqlText == "SELECT 1 FROM u")
    }
}
