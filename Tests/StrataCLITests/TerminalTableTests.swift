import Foundation
import StrataQuery
import StrataTestSupport
import Testing
@testable import StrataCLI

/// Display widths, the terminal table (cut rows, elided columns, rounded doubles), every
/// output mode's exact text, the shell's input rules and Tab completion.
struct TerminalTableTests {
    // MARK: - display width

    @Test func displayWidthPerGraphemeCluster() {
        #expect(DisplayWidth.of("") == 0)
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("漢字") == 4)                    // CJK: two cells each
        #expect(DisplayWidth.of("ｶﾀｶﾅ") == 4)                    // half-width katakana: one each
        #expect(DisplayWidth.of("e\u{301}") == 1)               // e + combining acute
        #expect(DisplayWidth.of("n\u{303}o\u{308}") == 2)       // two letters, two marks
        #expect(DisplayWidth.of("😀") == 2)
        #expect(DisplayWidth.of("a😀b") == 4)
        #expect(DisplayWidth.of("👨\u{200D}👩\u{200D}👧") == 2)   // ZWJ family: one glyph
        #expect(DisplayWidth.of("👍🏽") == 2)                      // emoji + skin tone modifier
        #expect(DisplayWidth.of("🇩🇪🇫🇷") == 4)                    // two flags
        #expect(DisplayWidth.of("\u{2764}\u{FE0F}") == 2)       // heart with emoji presentation
        #expect(DisplayWidth.of("한국어") == 6)
        #expect(DisplayWidth.of("\u{1100}\u{1161}\u{11A8}") == 2) // conjoining jamo: one syllable
    }

    @Test func truncateKeepsWholeClusters() {
        #expect(DisplayWidth.truncate("abcdef", to: 4) == "abc…")
        #expect(DisplayWidth.truncate("abc", to: 3) == "abc")
        #expect(DisplayWidth.truncate("漢字漢字", to: 5) == "漢字…")
        #expect(DisplayWidth.truncate("漢字漢字", to: 4) == "漢…")
        #expect(DisplayWidth.truncate("a👨\u{200D}👩\u{200D}👧b", to: 3) == "a…")
        #expect(DisplayWidth.truncate("e\u{301}e\u{301}e\u{301}", to: 2) == "e\u{301}…")
        for s in ["漢字漢字x", "a😀b😀c", "e\u{301}\u{301}xyz", "🇩🇪🇫🇷🇮🇹"] {
            for w in 1...8 { #expect(DisplayWidth.of(DisplayWidth.truncate(s, to: w)) <= w, "\(s) to \(w)") }
        }
    }

    // MARK: - tables

    static func sample() -> ResultSet {
        ResultSet(names: ["id", "name", "x"], types: [.bigint, .varchar, .double],
                  columns: [[.int(1), .int(22)], [.string("a"), .null], [.double(0.5), .null]])
    }

    static func render(_ r: ResultSet, _ f: OutputFormat, _ o: DisplayOptions = DisplayOptions()) -> String {
        Output.render(r, format: f, options: o)
    }

    @Test func everyModeExactText() {
        let r = Self.sample()
        #expect(Self.render(r, .table) == """
            +----+------+------+
            | id | name | x    |
            +----+------+------+
            |  1 | a    |  0.5 |
            | 22 | NULL | NULL |
            +----+------+------+
            (2 rows)

            """)
        #expect(Self.render(r, .box) == """
            ┌────────┬─────────┬────────┐
            │   id   │  name   │   x    │
            │ bigint │ varchar │ double │
            ├────────┼─────────┼────────┤
            │      1 │ a       │    0.5 │
            │     22 │ NULL    │   NULL │
            └────────┴─────────┴────────┘

            """)
        #expect(Self.render(r, .markdown) == """
            |  id | name |    x |
            |----:|------|-----:|
            |   1 | a    |  0.5 |
            |  22 | NULL | NULL |

            """)
        #expect(Self.render(r, .line) == """
              id = 1
            name = a
               x = 0.5

              id = 22
            name = NULL
               x = NULL

            """)
        #expect(Self.render(r, .csv) == "id,name,x\n1,a,0.5\n22,,\n")
        #expect(Self.render(r, .tsv) == "id\tname\tx\n1\ta\t0.5\n22\t\t\n")
        #expect(Self.render(r, .json) == "[\n  {\"id\": 1, \"name\": \"a\", \"x\": 0.5},\n  {\"id\": 22, \"name\": null, \"x\": null}\n]\n")
        #expect(Self.render(r, .ndjson) == "{\"id\": 1, \"name\": \"a\", \"x\": 0.5}\n{\"id\": 22, \"name\": null, \"x\": null}\n")
        // .headers off and .nullvalue
        var o = DisplayOptions()
        o.headers = false
        o.nullText = "∅"
        #expect(Self.render(r, .csv, o) == "1,a,0.5\n22,,\n")
        #expect(Self.render(r, .table, o) == """
            +----+---+-----+
            |  1 | a | 0.5 |
            | 22 | ∅ |   ∅ |
            +----+---+-----+
            (2 rows)

            """)
        // EXPLAIN's plan: its lines, in every display mode but line
        let plan = ResultSet.message("plan", ["Scan t", "  Filter x"])
        #expect(Self.render(plan, .table) == "Scan t\n  Filter x\n")
        #expect(Self.render(plan, .box) == "Scan t\n  Filter x\n")
    }

    @Test func wideCharactersLineUp() {
        let names = ["a😀b", "漢字", "e\u{301}x", "👨\u{200D}👩\u{200D}👧", "🇩🇪", "plain"]
        let r = ResultSet(names: ["s", "n"], types: [.varchar, .bigint],
                          columns: [names.map { .string($0) }, names.indices.map { .int(Int64($0)) }])
        for mode in [OutputFormat.table, .box, .markdown] {
            let lines = Self.render(r, mode).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("(") }
            let widths = Set(lines.map { DisplayWidth.of($0) })
            #expect(widths.count == 1, "\(mode): \(lines)")
        }
        #expect(Self.render(r, .table).contains("| 漢字  | 1 |"))
    }

    @Test func longResultsShowFirstAndLastRows() {
        let n = 100
        let r = ResultSet(names: ["i"], types: [.bigint], columns: [(0..<n).map { .int(Int64($0)) }])
        let o = DisplayOptions(maxRows: 6, maxWidth: 80)
        #expect(Self.render(r, .table, o) == """
            +-------------+
            | i           |
            +-------------+
            |           0 |
            |           1 |
            |           2 |
            | … 94 rows … |
            |          97 |
            |          98 |
            |          99 |
            +-------------+
            (100 rows, 6 shown)

            """)
        // the … line is as wide as the table; odd limits show one more row above
        let box = Self.render(r, .box, DisplayOptions(maxRows: 5))
        let lines = box.split(separator: "\n").map(String.init)
        #expect(Set(lines.map { DisplayWidth.of($0) }).count == 1, "\(lines)")
        #expect(box.contains("95 rows"))
        #expect(box.contains("100 rows, 5 shown"))
        let shown = lines.filter { $0.hasPrefix("│") && $0.trimmingCharacters(in: CharacterSet(charactersIn: "│ ")).allSatisfy(\.isNumber) && !$0.contains("bigint") }
        #expect(shown.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "│ ")) } == ["0", "1", "2", "98", "99"])
        // no cut for a limit of 0, none at or below the limit, never for csv or json
        #expect(!Self.render(r, .table, DisplayOptions(maxRows: 0)).contains("…"))
        #expect(!Self.render(r, .table, DisplayOptions(maxRows: 100)).contains("…"))
        #expect(Self.render(r, .csv, DisplayOptions(maxRows: 3)).split(separator: "\n").count == 101)
        #expect(Self.render(r, .json, DisplayOptions(maxRows: 3)).split(separator: "\n").count == 102)
        #expect(TerminalTable.shownRows(7, maxRows: 4) == (0..<2, 5..<7))
        #expect(TerminalTable.shownRows(7, maxRows: 1) == (0..<1, 7..<7))
    }

    @Test func wideResultsElideMiddleColumns() {
        let names = (0..<12).map { "column_\($0)" }
        let r = ResultSet(names: names, types: names.map { _ in .bigint }, columns: names.indices.map { c in [.int(Int64(c))] })
        let full = Self.render(r, .table)
        #expect(DisplayWidth.of(String(full.split(separator: "\n")[0])) == 1 + 10 * 11 + 2 * 12)
        for limit in [40, 60, 80, 100] {
            let text = Self.render(r, .table, DisplayOptions(maxWidth: limit))
            let lines = text.split(separator: "\n").map(String.init)
            for l in lines.dropLast() { #expect(DisplayWidth.of(l) <= limit, "\(limit): \(l)") }
            #expect(lines[1].contains("column_0") && lines[1].contains("column_11") && lines[1].contains("| … |"), "\(limit): \(lines[1])")
            // kept: the first columns and the last ones, in order
            let header = lines[1].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let k = header.firstIndex(of: "…")!
            #expect(Array(header[..<k]) == Array(names[0..<k]))
            #expect(Array(header[(k + 1)...]) == Array(names[(names.count - (header.count - k - 1))...]))
            #expect(lines.last == "(1 row; 12 columns, \(header.count - 1) shown)")
        }
        #expect(TerminalTable.fitColumns([8, 8, 8, 8, 8, 8], maxWidth: 50) == (2, 2))
        #expect(TerminalTable.fitColumns([8, 8, 8], maxWidth: 100) == (3, 0))
        // one column wider than the terminal: cut cells
        let wide = ResultSet(names: ["s"], types: [.varchar], columns: [[.string(String(repeating: "x", count: 60))]])
        let narrow = Self.render(wide, .box, DisplayOptions(maxWidth: 30)).split(separator: "\n").map(String.init)
        #expect(narrow.allSatisfy { DisplayWidth.of($0) <= 30 })
        #expect(narrow[4].hasSuffix("x… │"), "\(narrow)")
    }

    @Test func doublesShowTenSignificantDigits() {
        #expect(TerminalTable.displayDouble(1.0 / 3) == "0.3333333333")
        #expect(TerminalTable.displayDouble(2.0 / 3) == "0.6666666667")
        #expect(TerminalTable.displayDouble(0.1 + 0.2) == "0.3")
        #expect(TerminalTable.displayDouble(2.5) == "2.5")
        #expect(TerminalTable.displayDouble(2.0) == "2.0")
        #expect(TerminalTable.displayDouble(-1234.5678) == "-1234.5678")
        #expect(TerminalTable.displayDouble(12345678901.123456) == "12345678901.1")
        #expect(TerminalTable.displayDouble(1e20) == "1e+20")
        #expect(TerminalTable.displayDouble(1.0 / 3e6) == "3.333333333e-07")
        #expect(TerminalTable.displayDouble(0.000123456789123) == "0.0001234567891")
        #expect(TerminalTable.displayDouble(.infinity) == "inf")
        #expect(TerminalTable.displayDouble(.nan) == "nan")
        // csv, json and line keep every digit
        let r = ResultSet(names: ["x"], types: [.double], columns: [[.double(1.0 / 3)]])
        #expect(Self.render(r, .csv) == "x\n0.3333333333333333\n")
        #expect(Self.render(r, .json).contains("0.3333333333333333"))
        #expect(Self.render(r, .line) == "x = 0.3333333333333333\n")
        #expect(Self.render(r, .table).contains("| 0.3333333333 |"))
    }

    // MARK: - shell input and completion

    @Test func statementsEndAtASemicolonOutsideStringsAndComments() {
        #expect(ShellInput.isComplete("SELECT 1;"))
        #expect(ShellInput.isComplete("SELECT 1; -- done"))
        #expect(ShellInput.isComplete("SELECT 1;  \n"))
        #expect(!ShellInput.isComplete("SELECT 1"))
        #expect(!ShellInput.isComplete("SELECT ';"))
        #expect(ShellInput.isComplete("SELECT 'it''s;';"))
        #expect(!ShellInput.isComplete("SELECT \"a;"))
        #expect(!ShellInput.isComplete("SELECT 1 /* ; */"))
        #expect(!ShellInput.isComplete("SELECT 1 /* ;"))
        #expect(!ShellInput.isComplete("SELECT 1 -- ;"))
        #expect(ShellInput.hasStatement("SELECT 1"))
        #expect(!ShellInput.hasStatement("  -- a comment\n /* another */ ; \n"))
        #expect(ShellInput.words(".output 'my file.txt'") == [".output", "my file.txt"])
        #expect(ShellInput.words(".nullvalue \"\"") == [".nullvalue", ""])
        #expect(ShellInput.historyEntry(["SELECT a,", "  b FROM t;"]) == "SELECT a, b FROM t;")
        #expect(ShellInput.historyEntry(["SELECT a, -- note", "b FROM t;"]) == "SELECT a, -- note\nb FROM t;")
    }

    @Test func tabCompletion() {
        let c = ShellCompleter {
            ShellCompleter.Catalog(relations: ["clicks", "links", "pageviews_daily"],
                                   columns: ["clicks": ["ts", "event", "profile_id"], "links": ["link_id", "title"], "pageviews_daily": ["day", "views"]])
        }
        #expect(c.complete("SELECT * FROM pagev") == .init(erase: 5, insert: "pageviews_daily "))
        #expect(c.complete("select * from ") == .init(list: ["clicks", "links", "pageviews_daily"]))
        #expect(c.complete("sel") == .init(erase: 3, insert: "select "))
        #expect(c.complete("SEL") == .init(erase: 3, insert: "SELECT "))
        #expect(c.complete("SELECT prof") == .init(erase: 4, insert: "profile_id "))
        #expect(c.complete("SELECT l.ti") == .init(erase: 2, insert: "title"))
        #expect(c.complete("SELECT links.") == .init(list: ["link_id", "title"]))
        #expect(c.complete("SELECT * FROM clicks JOIN l") == .init(erase: 1, insert: "links "))
        #expect(c.complete(".mo") == .init(erase: 3, insert: ".mode "))
        #expect(c.complete(".mode ma") == .init(erase: 2, insert: "markdown"))
        #expect(c.complete(".schema cl") == .init(erase: 2, insert: "clicks"))
        #expect(c.complete(".t") == .init(list: [".tables", ".timer"]))
        #expect(c.complete("SELECT zzz") == .init())
        #expect(ShellCompleter.commonPrefix(["count", "count_if", "COUNTIF"]) == "count")
    }
}
