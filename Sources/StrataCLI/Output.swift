import Foundation
import StrataQuery
import StrataText

/// Result rendering for `--format table|csv|tsv|json|ndjson`.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, tsv, json, ndjson
}

public enum Output {
    /// The layout of `ResultSet.renderText` for a text format (nil for table).
    static func layout(_ format: OutputFormat) -> TextLayout? {
        switch format {
        case .csv: return .delimited(44)
        case .tsv: return .delimited(9)
        case .json: return .json
        case .ndjson: return .ndjson
        case .table: return nil
        }
    }

    /// `--timing`: the engine's time and the time since `outputSince` (rendering and writing
    /// the result), on stderr.
    static func reportTiming(query seconds: Double, outputSince start: UInt64) {
        let output = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        FileHandle.standardError.write(String(format: "time: %.6f s (output %.6f s)\n", seconds, output).data(using: .utf8)!)
    }

    /// Renders a whole result as bytes to write in order: csv, tsv, json and ndjson straight
    /// from the typed columns (`ResultSet.renderText`, rendered in parallel for large
    /// results), the table from the values. `maxRows` limits table output (the rest is
    /// summarized).
    public static func renderBytes(_ r: ResultSet, format: OutputFormat, maxRows: Int? = nil) -> [ByteChunk] {
        if let layout = layout(format) { return r.renderText(layout) }
        return [ByteChunk(Array(table(r, maxRows: maxRows).utf8))]
    }

    /// Renders a whole result as one string (`renderBytes`).
    public static func render(_ r: ResultSet, format: OutputFormat, maxRows: Int? = nil) -> String {
        guard let layout = layout(format) else { return table(r, maxRows: maxRows) }
        return ByteChunk.joined(r.renderText(layout)).withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The boxed table of `--format table`: cells as `Evaluator.text` (NULL as `NULL`), at
    /// most 80 characters wide, numbers right-aligned, a row count below.
    /// EXPLAIN's plan (one `plan` column) prints as its lines, uncut, without a box.
    static func table(_ r: ResultSet, maxRows: Int? = nil) -> String {
        if r.names == ["plan"] && r.types == [.varchar] {
            return r.columns[0].map { Evaluator.text($0) + "\n" }.joined()
        }
        let n = r.rowCount
        let shown = min(n, maxRows ?? n)
        var cells = r.columns.map { col in col.prefix(shown).map { $0.isNull ? "NULL" : Evaluator.text($0) } }
        var widths = r.names.indices.map { c in max(r.names[c].count, cells[c].map(\.count).max() ?? 0) }
        for c in widths.indices { widths[c] = min(widths[c], 80) }
        let right = r.types.map { $0 == .bigint || $0 == .double }
        func pad(_ s: String, _ c: Int) -> String {
            var s = s
            if s.count > widths[c] { s = String(s.prefix(widths[c] - 1)) + "…" }
            let fill = String(repeating: " ", count: widths[c] - s.count)
            return right[c] ? fill + s : s + fill
        }
        let sep = "+" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "+") + "+\n"
        var out = sep
        out += "| " + r.names.indices.map { c -> String in
            let s = r.names[c]
            return s.count > widths[c] ? String(s.prefix(widths[c])) : s + String(repeating: " ", count: widths[c] - s.count)
        }.joined(separator: " | ") + " |\n"
        out += sep
        for i in 0..<shown {
            out += "| " + cells.indices.map { pad(cells[$0][i], $0) }.joined(separator: " | ") + " |\n"
        }
        out += sep
        if shown < n { out += "(\(n) rows, \(shown) shown)\n" } else { out += "(\(n) row\(n == 1 ? "" : "s"))\n" }
        return out
    }
}
