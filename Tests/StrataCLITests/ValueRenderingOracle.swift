import Foundation
import StrataQuery
import StrataText
@testable import StrataCLI

/// The test oracle of the text renderer: csv, tsv, json and ndjson written cell by cell from
/// a result's boxed values, the simplest way to say what the output is. (It was the CLI's
/// renderer before `ResultSet.renderText` became the only one.)
enum ValueRenderingOracle {
    static func render(_ r: ResultSet, format: OutputFormat) -> String {
        var out = ""
        let n = r.rowCount
        switch format {
        case .csv, .tsv:
            let d: Character = format == .csv ? "," : "\t"
            out += r.names.map { CSVText.field($0, delimiter: d) }.joined(separator: String(d)) + "\n"
            var bytes: [UInt8] = []
            for i in 0..<n {
                for c in r.columns.indices {
                    if c > 0 { bytes.append(d.asciiValue!) }
                    delimitedCell(r.columns[c][i], delimiter: d, into: &bytes)
                }
                bytes.append(10)
            }
            out += String(decoding: bytes, as: UTF8.self)
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
        case .table, .box, .markdown, .line:
            preconditionFailure("the table is not a text layout")
        }
        return out
    }

    /// A CSV/TSV cell: NULL empty, strings quoted when they hold the delimiter, a quote, CR
    /// or LF, every quote byte doubled.
    static func delimitedCell(_ v: Value, delimiter d: Character, into bytes: inout [UInt8]) {
        switch v {
        case .null: break
        case .int(let x): Values.appendInt64(x, to: &bytes)
        case .double(let x): Values.appendDouble(x, to: &bytes)
        case .string(let s):
            let u = Array(s.utf8)
            guard u.contains(where: { $0 == d.asciiValue! || $0 == 34 || $0 == 10 || $0 == 13 }) else {
                bytes += u
                return
            }
            bytes.append(34)
            for b in u {
                if b == 34 { bytes.append(34) }
                bytes.append(b)
            }
            bytes.append(34)
        default: bytes += Array(CSVText.field(Evaluator.text(v), delimiter: d).utf8)
        }
    }

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
        default: return jsonString(Evaluator.text(v))
        }
    }
}
