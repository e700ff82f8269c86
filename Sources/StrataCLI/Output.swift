import Foundation
import StrataQuery
import StrataText

/// Result rendering for `--format table|csv|tsv|json|ndjson`.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, tsv, json, ndjson
}

public enum Output {
    /// Text of a cell: timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]`, dates `YYYY-MM-DD`, NULL empty.
    public static func text(_ v: Value) -> String { Evaluator.text(v) }

    static func csvField(_ s: String, delimiter: Character) -> String { CSVText.field(s, delimiter: delimiter) }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    static func json(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? Values.formatDouble(d) : jsonString(Values.formatDouble(d))
        default: return jsonString(text(v))
        }
    }

    /// CSV/TSV data rows as bytes, column by column type (same text as `csvField(text(v))`).
    static func delimitedRows(_ r: ResultSet, delimiter d: UInt8) -> [UInt8] {
        var bytes: [UInt8] = []
        let n = r.rowCount
        bytes.reserveCapacity(n * 16 * max(1, r.columns.count))
        // dates and timestamps repeat a lot in reports: format each distinct value once
        var dates: [Int64: [UInt8]] = [:]
        var stamps: [Int64: [UInt8]] = [:]
        for i in 0..<n {
            for c in r.columns.indices {
                if c > 0 { bytes.append(d) }
                switch r.columns[c][i] {
                case .null: break
                case .int(let x): Values.appendInt64(x, to: &bytes)
                case .double(let x): Values.appendDouble(x, to: &bytes)
                case .string(var s):
                    s.withUTF8 { u in
                        var quote = false
                        for b in u where b == d || b == 34 || b == 10 || b == 13 { quote = true; break }
                        if !quote { bytes.append(contentsOf: u); return }
                        bytes.append(34)
                        for b in u {
                            if b == 34 { bytes.append(34) }
                            bytes.append(b)
                        }
                        bytes.append(34)
                    }
                case .date(let x):
                    if let t = dates[x] { bytes.append(contentsOf: t) } else {
                        let t = Array(csvField(Civil.formatDate(x), delimiter: Character(UnicodeScalar(d))).utf8)
                        dates[x] = t
                        bytes.append(contentsOf: t)
                    }
                case .timestamp(let x):
                    if let t = stamps[x] { bytes.append(contentsOf: t) } else {
                        let t = Array(csvField(Civil.formatTimestamp(x), delimiter: Character(UnicodeScalar(d))).utf8)
                        if stamps.count < 1 << 16 { stamps[x] = t }
                        bytes.append(contentsOf: t)
                    }
                case let v: bytes.append(contentsOf: csvField(text(v), delimiter: Character(UnicodeScalar(d))).utf8)
                }
            }
            bytes.append(10)
        }
        return bytes
    }

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

    /// Renders a whole result as bytes to write in order. csv, tsv, json and ndjson output of
    /// query results comes straight from the typed columns (`ResultSet.renderText`, rendered
    /// in parallel for large results); everything else goes through `renderValues`.
    public static func renderBytes(_ r: ResultSet, format: OutputFormat, maxRows: Int? = nil) -> [ByteChunk] {
        if let layout = layout(format), let chunks = r.renderText(layout) { return chunks }
        return [ByteChunk(Array(renderValues(r, format: format, maxRows: maxRows).utf8))]
    }

    /// Renders a whole result. `maxRows` limits table output (the rest is summarized).
    public static func render(_ r: ResultSet, format: OutputFormat, maxRows: Int? = nil) -> String {
        if let layout = layout(format), let chunks = r.renderText(layout) {
            return ByteChunk.joined(chunks).withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        }
        return renderValues(r, format: format, maxRows: maxRows)
    }

    /// Renders a whole result from its boxed values (`columns`), cell by cell: the reference
    /// for the typed renderer, and the path for results built from values and for tables.
    static func renderValues(_ r: ResultSet, format: OutputFormat, maxRows: Int? = nil) -> String {
        var out = ""
        let n = r.rowCount
        switch format {
        case .csv, .tsv:
            let d: Character = format == .csv ? "," : "\t"
            out += r.names.map { csvField($0, delimiter: d) }.joined(separator: String(d)) + "\n"
            out += String(decoding: delimitedRows(r, delimiter: d.asciiValue ?? 44), as: UTF8.self)
        case .json:
            out += "["
            for i in 0..<n {
                out += (i == 0 ? "\n" : ",\n") + "  {" + zip(r.names, r.columns).map { "\(jsonString($0)): \(json($1[i]))" }.joined(separator: ", ") + "}"
            }
            out += n == 0 ? "]\n" : "\n]\n"
        case .ndjson:
            for i in 0..<n {
                out += "{" + zip(r.names, r.columns).map { "\(jsonString($0)): \(json($1[i]))" }.joined(separator: ", ") + "}\n"
            }
        case .table:
            let shown = min(n, maxRows ?? n)
            var cells = r.columns.map { col in col.prefix(shown).map { $0.isNull ? "NULL" : text($0) } }
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
            out += sep
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
            cells.removeAll()
        }
        return out
    }
}
