import Testing
import StrataCore
@testable import StrataQuery

/// String, regex and URL functions where a DuckDB-generated conformance file cannot reach:
/// ClickHouse URL semantics (DuckDB has no URL functions; the examples are ClickHouse's
/// documented ones), the per-dictionary-entry evaluation, EXPLAIN text, SQL-standard syntax.
private func url(_ f: (UnsafeBufferPointer<UInt8>) -> Range<Int>, _ s: String) -> String {
    var t = s
    return t.withUTF8 { b in String(decoding: UnsafeBufferPointer(rebasing: b[f(b)]), as: UTF8.self) }
}

@Test func urlHostFollowsClickHouseDomain() {
    #expect(url(URLKernels.host, "svn+ssh://some.svn-hosting.com:80/repo/trunk") == "some.svn-hosting.com")
    #expect(url(URLKernels.host, "some.svn-hosting.com:80/repo/trunk") == "some.svn-hosting.com")
    #expect(url(URLKernels.host, "https://clickhouse.com/time/") == "clickhouse.com")
    #expect(url(URLKernels.host, "//example.com/a") == "example.com")
    #expect(url(URLKernels.host, "http://localhost:8080/") == "")  // no dot: not a host
    #expect(url(URLKernels.host, "http://foo:foo%41bar@foo.com") == "")  // ':' ends the host
    #expect(url(URLKernels.host, "https://example.com./") == "")
    #expect(url(URLKernels.host, "") == "")
    #expect(url(URLKernels.hostWithoutWWW, "http://www.www.example.com/") == "www.example.com")
    #expect(url(URLKernels.topLevelDomain, "svn+ssh://www.some.svn-hosting.com:80/repo/trunk") == "com")
    #expect(url(URLKernels.topLevelDomain, "https://10.0.0.1/") == "")
}

@Test func urlHostRFCUnderstandsUserinfoAndIPv6() {
    #expect(url(URLKernels.hostRFC, "http://foo:foo%41bar@foo.com") == "foo.com")
    #expect(url(URLKernels.hostRFC, "https://user:pw@shop.example.co.uk:8080/a") == "shop.example.co.uk")
    #expect(url(URLKernels.hostRFC, "http://[2001:db8::1]:8080/x") == "2001:db8::1")
    #expect(url(URLKernels.hostRFC, "http://a@b@example.com/") == "")
    #expect(url(URLKernels.hostRFC, "http://exa;mple.com/") == "")
}

@Test func urlPartsFollowClickHouse() {
    let u = "https://clickhouse.com/docs/a.html?page=2&utm_source=ig#comments"
    #expect(url(URLKernels.scheme, u) == "https")
    #expect(url(URLKernels.scheme, "svn+ssh://x.y/") == "svn+ssh")
    #expect(url({ URLKernels.path($0) }, u) == "/docs/a.html")
    #expect(url({ URLKernels.path($0, full: true) }, u) == "/docs/a.html?page=2&utm_source=ig#comments")
    #expect(url(URLKernels.queryString, u) == "page=2&utm_source=ig")
    #expect(url(URLKernels.fragment, u) == "comments")
    #expect(url({ URLKernels.parameter($0, Array("utm_source".utf8)) }, u) == "ig")
    #expect(url({ URLKernels.parameter($0, Array("source".utf8)) }, u) == "")  // a suffix of another name
    #expect(url({ URLKernels.parameter($0, Array("y".utf8)) }, "http://a.com/#x?y=1") == "1")
    var t = u
    #expect(t.withUTF8 { URLKernels.cutQueryString($0) } == "https://clickhouse.com/docs/a.html#comments")
}

@Test func stringKernelsCountCodePoints() throws {
    #expect(try StringKernels.substring("🇺🇸flag", 2, 2) == "🇸f")
    #expect(StringKernels.strpos("héllo", "l") == 3)
    #expect(try StringKernels.pad("é", 3, "ü", left: false, function: "rpad") == "éüü")
    #expect(StringKernels.md5Hex("The quick brown fox jumps over the lazy dog") == "9e107d9d372bb6826bd81d3542a419d6")
    #expect(StringKernels.split("a,b,,c", ",") == ["a", "b", "", "c"])
}

@Test func regexPatternsUseRE2() throws {
    let re = try RegexPattern("(a+)+b", function: "regexp_matches")
    // linear time: the classic catastrophic-backtracking pattern answers at once
    #expect(!re.matches(String(repeating: "a", count: 5000)))
    #expect(throws: QueryError.self) { try RegexPattern("(", function: "regexp_matches") }
    let x = try RegexPattern("([a-z]+)=([0-9]+)", function: "regexp_replace")
    #expect(x.replace("a=1&b=22", "\\2:\\1", global: true) == "1:a&22:b")
    #expect(x.extract("zz a=1", group: 2) == "1")
}

@Test func stringFunctionsRunOncePerDictionaryEntry() throws {
    let r = try SQLLogicRunner()
    _ = try r.engine.execute("CREATE TABLE v (ts TIMESTAMP, u VARCHAR)")
    var rows: [String] = []
    for i in 0..<3000 { rows.append("2024-01-01 00:00:00|https://host\(i % 3).example.com/p?utm_source=s\(i % 2)") }
    try r.load("v", rows)
    let fn = StringFn("domain", .url(.host), .varchar)
    var d = StringDictionary()
    d.append("https://a.example.com/x")
    d.append("https://b.example.com/y")
    let dict = DictRef(d)
    let v = Vec(type: .varchar, count: 4)
    v.dict = dict
    v.ints = [0, 1, 1, 0]
    let out = try Evaluator().stringCall(fn, [v], .varchar, 4)
    #expect(out.dict != nil && out.ints == [0, 1, 1, 0])
    #expect((0..<4).map { out.string($0) } == ["a.example.com", "b.example.com", "b.example.com", "a.example.com"])
    // the same dictionary again: the cached entry results (the same dictionary object)
    let again = try Evaluator().stringCall(fn, [v], .varchar, 4)
    #expect(again.dict === out.dict)
    let res = try r.engine.execute("SELECT domain(u) AS h, extractURLParameter(u, 'utm_source') AS s, count(*) FROM v GROUP BY h, s ORDER BY h, s").last!.result
    #expect(res.rowCount == 6)
}

@Test func explainShowsStringPredicates() throws {
    let r = try SQLLogicRunner()
    _ = try r.engine.execute("CREATE TABLE e (ts TIMESTAMP, u VARCHAR)")
    let plan = try r.engine.execute("EXPLAIN SELECT count(*) FROM e WHERE starts_with(u, 'https') AND regexp_matches(u, 'utm_[a-z]+')").last!.result
    let text = plan.columns[0].map { if case .string(let s) = $0 { return s } else { return "" } }.joined(separator: "\n")
    #expect(text.contains("u STARTS WITH 'https'"), "\(text)")
    #expect(text.contains("u MATCHES 'utm_[a-z]+'"), "\(text)")
}

@Test func sqlStandardStringSyntax() throws {
    let r = try SQLLogicRunner()
    let res = try r.engine.execute("SELECT SUBSTRING('hello' FOR 2), TRIM(BOTH FROM '  x  '), POSITION('l' IN 'hello'), TRIM('xax', 'x'), substring('hello', 2)").last!.result
    #expect(res.row(0) == [.string("he"), .string("x"), .int(3), .string("a"), .string("ello")])
    #expect(throws: (any Error).self) { try r.engine.execute("SELECT regexp_matches('a', '(')") }
}

/// The URL examples of docs/sql.md (ClickHouse semantics; DuckDB has no URL functions).
@Test func urlDocExamples() throws {
    let r = try SQLLogicRunner()
    let cases: [(String, Value)] = [
        ("domain('https://www.example.com:443/a')", .string("www.example.com")),
        ("domain('http://localhost/')", .string("")),
        ("url_host('http://user:pw@shop.example.co.uk:8080/a')", .string("shop.example.co.uk")),
        ("domainWithoutWWW('https://www.www.test.io/')", .string("www.test.io")),
        ("topLevelDomain('https://shop.example.co.uk/')", .string("uk")),
        ("protocol('ftp://files.example.com/x')", .string("ftp")),
        ("path('https://www.example.com/path/to?utm_source=ig#frag')", .string("/path/to")),
        ("queryString('https://a.com/p?x=1&y=2#f')", .string("x=1&y=2")),
        ("url_extract_parameter('https://a.com/?utm_source=ig&utm_medium=bio', 'utm_medium')", .string("bio")),
        ("cutQueryString('https://a.com/p?x=1#f')", .string("https://a.com/p#f")),
        ("domain(NULL)", .null),
    ]
    for (sql, want) in cases {
        let res = try r.engine.execute("SELECT " + sql).last!.result
        #expect(res.row(0) == [want], "\(sql)")
    }
}

@Test func unnestPlansAnOperatorBelowTheAggregate() throws {
    let r = try SQLLogicRunner()
    _ = try r.engine.execute("CREATE TABLE p (ts TIMESTAMP, tags VARCHAR)")
    try r.load("p", ["2024-01-01 00:00:00|a,b", "2024-01-01 00:00:01|b", "2024-01-01 00:00:02|NULL"])
    let plan = try r.engine.execute("EXPLAIN SELECT unnest(string_split(tags, ',')) AS tag, count(*) FROM p GROUP BY tag").last!.result
    let text = plan.columns[0].map { if case .string(let s) = $0 { return s } else { return "" } }.joined(separator: "\n")
    #expect(text.contains("Unnest string_split(tags, ',')"), "\(text)")
    let res = try r.engine.execute("SELECT unnest(string_split(tags, ',')) AS tag, count(*) FROM p GROUP BY tag ORDER BY tag").last!.result
    #expect((0..<res.rowCount).map { res.row($0) } == [[.string("a"), .int(1)], [.string("b"), .int(2)]])
    // an unnest that is not a group key, next to an aggregate
    #expect(throws: (any Error).self) { try r.engine.execute("SELECT unnest(string_split(tags, ',')), count(*) FROM p") }
    // list values come back as values
    let l = try r.engine.execute("SELECT string_split('x,y', ',')").last!.result
    #expect(l.types == [.list(.varchar)])
    #expect(l.row(0) == [.list(ListValue([.string("x"), .string("y")]))])
}
