import Testing
@testable import StrataSQL

@Suite struct TraversalTests {
    @Test func childrenInSourceOrder() throws {
        let e = try parseExpression("CASE a WHEN b THEN c ELSE d END")
        #expect(e.children == [col("a"), col("b"), col("c"), col("d")])
        let f = try parseExpression("sum(x, y) FILTER (WHERE z) OVER (PARTITION BY p ORDER BY o)")
        #expect(f.children == [col("x"), col("y"), col("z"), col("p"), col("o")])
        #expect(try parseExpression("a BETWEEN b AND c").children == [col("a"), col("b"), col("c")])
        #expect(try parseExpression("(SELECT a FROM t)").children == [])
    }

    @Test func visitAndContains() throws {
        let e = try parseExpression("sum(CASE WHEN event = 'view' THEN 1 ELSE 0 END) / count(*) + (SELECT max(q) FROM t)")
        var functions: [String] = []
        e.visit { node in
            if case .function(let f) = node.kind { functions.append(f.name) }
            return true
        }
        #expect(functions == ["sum", "count"])
        var visited = 0
        e.visit { node in
            visited += 1
            if case .function = node.kind { return false }
            return true
        }
        #expect(visited == 5)  // +, /, sum, count, subquery
        #expect(e.contains { if case .column(nil, "event") = $0.kind { return true }; return false })
        #expect(!e.contains { if case .column(_, "q") = $0.kind { return true }; return false })
        #expect(e.height == 6)  // + / sum CASE = event
    }

    @Test func outputNames() throws {
        let s = try core("SELECT a, t.b, count(*), a + 1 AS c, *, sum(x) FROM t")
        #expect(s.items.map(\.outputName) == ["a", "b", "count(*)", "c", nil, "sum(x)"])
    }
}
