import Foundation
import StrataQuery
import StrataText

/// How the display modes (table, box, markdown, line) show a result. The defaults are the
/// output when standard output is not a terminal: every row and column.
struct DisplayOptions: Sendable, Equatable {
    /// Table and box show the first and last rows of a longer result, with a `… N rows …`
    /// line between them (nil or 0: every row).
    var maxRows: Int? = nil
    /// Table and box elide middle columns (a `…` column) and then cut cells so that lines
    /// are at most this wide (nil or 0: no limit).
    var maxWidth: Int? = nil
    /// Column names above table, box, csv and tsv output.
    var headers = true
    /// The text of NULL in the display modes.
    var nullText = "NULL"

    /// The defaults on a terminal: duckdb's 40 rows, the terminal's width.
    static func terminal(width: Int?) -> DisplayOptions {
        DisplayOptions(maxRows: 40, maxWidth: width)
    }

    /// The width of the terminal on `fd` (TIOCGWINSZ), nil when it is not a terminal.
    static func terminalWidth(_ fd: Int32 = 1) -> Int? {
        guard isatty(fd) != 0 else { return nil }
        var ws = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 { return Int(ws.ws_col) }
        return 80
    }
}

/// Table, box, markdown and line output (csv, tsv, json and ndjson are `ResultSet.renderText`).
enum TerminalTable {
    /// Longest cell shown in table and box (cut with `…`).
    static let maxCellWidth = 80

    /// The text of `r` in a display mode (`.table`, `.box`, `.markdown` or `.line`).
    static func render(_ r: ResultSet, mode: OutputFormat, options: DisplayOptions = DisplayOptions()) -> String {
        // EXPLAIN's plan prints as its lines, uncut, without a box
        if r.names == ["plan"] && r.types == [.varchar] && mode != .line {
            return r.columns[0].map { Evaluator.text($0) + "\n" }.joined()
        }
        switch mode {
        case .line: return line(r, options)
        case .markdown: return markdown(r, options)
        case .box: return grid(r, options, box: true)
        default: return grid(r, options, box: false)
        }
    }

    // MARK: - cells

    /// Text of one cell: NULL as `nullText`, doubles rounded for display (`displayDouble`)
    /// when `round`.
    static func cell(_ v: Value, round: Bool, nullText: String) -> String {
        switch v {
        case .null: return nullText
        case .double(let d): return round ? displayDouble(d) : Evaluator.text(v)
        default: return Evaluator.text(v)
        }
    }

    /// Significant digits a double shows in table, box and markdown.
    static let significantDigits = 10

    /// A double as table modes show it: its shortest exact form when that has at most 10
    /// significant digits (12.5, 0.1, 2.0), else rounded to 10 significant digits
    /// (0.3333333333), never dropping integer digits; scientific notation below 1e-4 and
    /// from 1e15 on (1.23456789e+20). csv and json keep every digit.
    static func displayDouble(_ x: Double) -> String {
        let full = Values.formatDouble(x)
        guard x.isFinite, x != 0 else { return full }
        if significantDigitCount(full) <= significantDigits { return full }
        let a = abs(x)
        if a >= 1e15 || a < 1e-4 {
            let s = String(format: "%.\(significantDigits - 1)e", x)
            guard let e = s.firstIndex(of: "e") else { return s }
            var mantissa = String(s[..<e])
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
            return mantissa + s[e...]
        }
        let magnitude = Int(floor(log10(a)))     // 2 for 123.4, -3 for 0.00123
        let decimals = max(1, significantDigits - 1 - magnitude)
        var s = String(format: "%.\(decimals)f", x)
        while s.hasSuffix("0") && !s.hasSuffix(".0") { s.removeLast() }
        return s
    }

    /// Digits from the first nonzero one, without the exponent.
    static func significantDigitCount(_ text: String) -> Int {
        var count = 0, started = false
        for ch in text.utf8 {
            if ch == UInt8(ascii: "e") || ch == UInt8(ascii: "E") { break }
            guard ch >= 0x30 && ch <= 0x39 else { continue }
            if ch != 0x30 { started = true }
            if started { count += 1 }
        }
        return count
    }

    /// Rows shown of `n` when at most `maxRows`: the first half (rounded up) and the last.
    static func shownRows(_ n: Int, maxRows: Int?) -> (head: Range<Int>, tail: Range<Int>) {
        guard let m = maxRows, m > 0, n > m else { return (0..<n, n..<n) }
        let top = (m + 1) / 2
        return (0..<top, (n - (m - top))..<n)
    }

    /// Which columns fit in `maxWidth` when each takes `widths[c] + 3` cells plus one for the
    /// first border: all of them, or the first `left` and the last `right` with a one-cell
    /// `…` column between them. Columns are taken alternately from the left and the right
    /// (the first column, the last, the second, …) while they fit; the first always stays.
    static func fitColumns(_ widths: [Int], maxWidth: Int?) -> (left: Int, right: Int) {
        let n = widths.count
        guard let limit = maxWidth, limit > 0, n > 1 else { return (n, 0) }
        if 1 + widths.reduce(0) { $0 + $1 + 3 } <= limit { return (n, 0) }
        var left = 1, right = 0, fromRight = true
        var used = 1 + (widths[0] + 3) + 4    // border, first column, the … column
        while left + right < n {
            let c = fromRight ? n - 1 - right : left
            if used + widths[c] + 3 > limit { break }
            used += widths[c] + 3
            if fromRight { right += 1 } else { left += 1 }
            fromRight.toggle()
        }
        return (left, right)
    }

    /// Narrows the widest columns, one cell at a time, until `1 + Σ(w + 3)` fits in `limit`
    /// (each column keeps at least 3 cells).
    static func shrink(_ widths: inout [Int], to limit: Int) {
        var total = 1 + widths.reduce(0) { $0 + $1 + 3 }
        while total > limit {
            guard let i = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[i] > 3 else { return }
            widths[i] -= 1
            total -= 1
        }
    }

    // MARK: - table and box

    /// One column of the grid as shown: its header, type name, and cells with their widths.
    struct Column {
        var name: String
        var type: String
        var right: Bool
        var cells: [String]
        var widths: [Int]
        var width: Int
    }

    static func grid(_ r: ResultSet, _ o: DisplayOptions, box: Bool) -> String {
        let n = r.rowCount
        let (head, tail) = shownRows(n, maxRows: o.maxRows)
        let rows = Array(head) + Array(tail)
        var cols: [Column] = r.names.indices.map { c in
            let cells = rows.map { cell(r.value(row: $0, column: c), round: true, nullText: o.nullText) }
            let widths = cells.map { DisplayWidth.of($0) }
            let type = r.types[c].description.lowercased()
            let header = o.headers ? max(DisplayWidth.of(r.names[c]), box ? DisplayWidth.of(type) : 0) : 0
            return Column(name: r.names[c], type: type, right: r.types[c] == .bigint || r.types[c] == .double,
                          cells: cells, widths: widths, width: min(maxCellWidth, max(header, widths.max() ?? 0, box ? 1 : 0)))
        }
        // elide middle columns, then narrow what is left
        let total = cols.count
        let (left, right) = fitColumns(cols.map(\.width), maxWidth: o.maxWidth)
        if left + right < total {
            let ellipsis = Column(name: "…", type: "", right: false, cells: rows.map { _ in "…" }, widths: rows.map { _ in 1 }, width: 1)
            cols = Array(cols[0..<left]) + [ellipsis] + Array(cols[(total - right)...])
        }
        if let limit = o.maxWidth, limit > 0 {
            var widths = cols.map(\.width)
            shrink(&widths, to: limit)
            for c in cols.indices { cols[c].width = widths[c] }
        }
        let elided = total - (left + right)
        // the `… N rows …` line fits between the borders: widen the last column for it
        let hidden = n - rows.count
        let marker = "… \(hidden) row\(hidden == 1 ? "" : "s") …"
        var summary = rows.count < n ? "\(n) rows, \(rows.count) shown" : "\(n) row\(n == 1 ? "" : "s")"
        if elided > 0 { summary += "; \(total) columns, \(total - elided) shown" }
        // (box shows the summary inside, below the rows, when something is not shown)
        let spanned = max(hidden > 0 ? DisplayWidth.of(marker) : 0, box && (hidden > 0 || elided > 0) ? DisplayWidth.of(summary) : 0)
        if spanned > 0, let last = cols.indices.last {
            var need = spanned + 2 - cols.reduce(-1) { $0 + $1.width + 3 }
            if let limit = o.maxWidth, limit > 0 { need = min(need, limit - (1 + cols.reduce(0) { $0 + $1.width + 3 })) }
            if need > 0 { cols[last].width += need }
        }

        // box-drawing or ASCII borders
        let h = box ? "─" : "-"
        let v = box ? "│" : "|"
        func border(_ l: String, _ m: String, _ r: String) -> String {
            l + cols.map { String(repeating: h, count: $0.width + 2) }.joined(separator: m) + r + "\n"
        }
        let top = box ? border("┌", "┬", "┐") : border("+", "+", "+")
        let mid = box ? border("├", "┼", "┤") : top
        let bottom = box ? border("└", "┴", "┘") : top
        let inner = cols.reduce(-1) { $0 + $1.width + 3 }     // between the outer borders

        func fit(_ s: String, _ w: Int, _ width: Int, right: Bool, center: Bool = false) -> String {
            var s = s, w = w
            if w > width {
                s = DisplayWidth.truncate(s, to: width)
                w = DisplayWidth.of(s)
            }
            if center {
                let fill = width - w, before = fill / 2
                return String(repeating: " ", count: before) + s + String(repeating: " ", count: fill - before)
            }
            return DisplayWidth.pad(s, to: width, width: w, alignRight: right)
        }
        func line(_ texts: [String]) -> String {
            v + " " + texts.joined(separator: " " + v + " ") + " " + v + "\n"
        }
        func spanning(_ text: String) -> String {
            v + fit(text, DisplayWidth.of(text), inner, right: false, center: true) + v + "\n"
        }

        var out = top
        if o.headers {
            out += line(cols.map { fit($0.name, DisplayWidth.of($0.name), $0.width, right: false, center: box) })
            if box { out += line(cols.map { fit($0.type, DisplayWidth.of($0.type), $0.width, right: false, center: true) }) }
            out += mid
        }
        for (k, _) in rows.enumerated() {
            if k == head.count && !tail.isEmpty {
                out += spanning(marker)
            }
            out += line(cols.map { fit($0.cells[k], $0.widths[k], $0.width, right: $0.right) })
        }
        if box {
            // duckdb's box: a count below the rows only when something is not shown
            if rows.count < n || elided > 0 {
                if DisplayWidth.of(summary) <= inner {
                    out += border("├", "┴", "┤")
                    out += spanning(summary)
                    out += "└" + String(repeating: "─", count: inner) + "┘\n"
                } else {
                    out += bottom + summary + "\n"
                }
            } else {
                out += bottom
            }
        } else {
            out += bottom + "(" + summary + ")\n"
        }
        return out
    }

    // MARK: - markdown and line

    /// A GitHub-flavoured Markdown table: every row and column, `|` escaped, numbers aligned
    /// right (`---:`).
    static func markdown(_ r: ResultSet, _ o: DisplayOptions) -> String {
        let n = r.rowCount
        let right = r.types.map { $0 == .bigint || $0 == .double }
        func esc(_ s: String) -> String {
            s.contains("|") || s.contains("\n") ? s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") : s
        }
        let names = r.names.map(esc)
        var cells: [[String]] = r.names.indices.map { c in (0..<n).map { esc(cell(r.value(row: $0, column: c), round: true, nullText: o.nullText)) } }
        var widths = names.map { max(3, DisplayWidth.of($0)) }
        var cellWidths: [[Int]] = []
        for c in cells.indices {
            let w = cells[c].map { DisplayWidth.of($0) }
            widths[c] = max(widths[c], w.max() ?? 0)
            cellWidths.append(w)
        }
        func line(_ texts: [String], _ ws: [Int]) -> String {
            "| " + texts.indices.map { c in DisplayWidth.pad(texts[c], to: widths[c], width: ws[c], alignRight: right[c]) }.joined(separator: " | ") + " |\n"
        }
        var out = line(names, names.map { DisplayWidth.of($0) })
        out += "|" + widths.indices.map { c in right[c] ? String(repeating: "-", count: widths[c] + 1) + ":" : String(repeating: "-", count: widths[c] + 2) }.joined(separator: "|") + "|\n"
        for i in 0..<n { out += line(cells.map { $0[i] }, cellWidths.map { $0[i] }) }
        cells.removeAll()
        return out
    }

    /// One `name = value` line per column, names aligned right, a blank line between rows
    /// (sqlite's and duckdb's line mode); doubles keep every digit.
    static func line(_ r: ResultSet, _ o: DisplayOptions) -> String {
        let nameWidths = r.names.map { DisplayWidth.of($0) }
        let widest = nameWidths.max() ?? 0
        var out = ""
        for i in 0..<r.rowCount {
            if i > 0 { out += "\n" }
            for c in r.names.indices {
                out += DisplayWidth.pad(r.names[c], to: widest, width: nameWidths[c], alignRight: true)
                out += " = " + cell(r.value(row: i, column: c), round: false, nullText: o.nullText) + "\n"
            }
        }
        return out
    }
}
