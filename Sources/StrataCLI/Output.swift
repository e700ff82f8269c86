import Foundation
import StrataQuery
import StrataText

/// Result rendering for `--format table|box|markdown|line|csv|tsv|json|ndjson`.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, tsv, json, ndjson
    /// Display modes (TerminalTable.swift): duckdb's box, a Markdown table, `name = value` lines.
    case box, markdown, line

    /// The names, for messages.
    static let spelled = "table, box, markdown, line, csv, tsv, json or ndjson"
}

public enum Output {
    /// The layout of `ResultSet.renderText` for a text format (nil for table).
    static func layout(_ format: OutputFormat) -> TextLayout? {
        switch format {
        case .csv: return .delimited(44)
        case .tsv: return .delimited(9)
        case .json: return .json
        case .ndjson: return .ndjson
        case .table, .box, .markdown, .line: return nil
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
    /// results), the display modes from the values (`TerminalTable`). `maxRows` limits table
    /// output (the first and last rows are shown).
    public static func renderBytes(_ r: ResultSet, format: OutputFormat, maxRows: Int? = nil) -> [ByteChunk] {
        renderBytes(r, format: format, options: DisplayOptions(maxRows: maxRows))
    }

    /// Renders a whole result as bytes with display options (`.headers off` drops the header
    /// line of csv and tsv too).
    static func renderBytes(_ r: ResultSet, format: OutputFormat, options: DisplayOptions) -> [ByteChunk] {
        if let layout = layout(format) {
            let chunks = r.renderText(layout)
            if !options.headers, case .delimited(let d) = layout { return dropHeader(chunks, r.names, delimiter: d) }
            return chunks
        }
        return [ByteChunk(Array(TerminalTable.render(r, mode: format, options: options).utf8))]
    }

    /// Renders a whole result as one string (`renderBytes`).
    public static func render(_ r: ResultSet, format: OutputFormat, maxRows: Int? = nil) -> String {
        render(r, format: format, options: DisplayOptions(maxRows: maxRows))
    }

    static func render(_ r: ResultSet, format: OutputFormat, options: DisplayOptions) -> String {
        guard layout(format) != nil else { return TerminalTable.render(r, mode: format, options: options) }
        return ByteChunk.joined(renderBytes(r, format: format, options: options)).withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The chunks of delimited output without the header line that starts the first.
    static func dropHeader(_ chunks: [ByteChunk], _ names: [String], delimiter: UInt8) -> [ByteChunk] {
        let sep = Character(UnicodeScalar(delimiter))
        let header = (names.map { CSVText.field($0, delimiter: sep) }.joined(separator: String(sep)) + "\n").utf8.count
        guard let first = chunks.first, first.count >= header else { return chunks }
        let rest = first.withUnsafeBytes { ByteChunk(Array($0[header...])) }
        return [rest] + chunks.dropFirst()
    }

    /// The boxed table of `--format table`: cells as `Evaluator.text` (NULL as `NULL`,
    /// doubles to 10 significant digits), at most 80 cells wide, numbers right-aligned, a
    /// row count below (TerminalTable). EXPLAIN's plan (one `plan` column) prints as its
    /// lines, uncut, without a box.
    static func table(_ r: ResultSet, maxRows: Int? = nil) -> String {
        TerminalTable.render(r, mode: .table, options: DisplayOptions(maxRows: maxRows))
    }
}
