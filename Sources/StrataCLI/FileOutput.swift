import Foundation
import StrataQuery

/// `--out FILE` of `strata query` and `strata report`: the result written as a file (csv, tsv,
/// json, ndjson, or parquet through the engine's file-format seam) under a temporary name and
/// renamed into place.
enum FileOutput {
    /// Formats `--format` may name for a file.
    static let fileFormats: Set<String> = ["csv", "tsv", "json", "ndjson", "jsonl", "parquet"]

    static func error(_ e: QueryError) -> CLIError {
        switch e.kind {
        case .user: return CLIError.user(e.message, cause: e)
        case .corrupt: return CLIError.corrupt(e.message, cause: e)
        case .internal: return CLIError(.ioOrInternal, "i/o error: " + e.message, cause: e)
        case .cancelled: return CLIError(.cancelled, e.message, cause: e)
        case .limit: return CLIError.user(e.message, cause: e)
        }
    }

    /// Writes `result` to `path`: the format is `format` when it names a file format, else the
    /// path's extension.
    static func write(_ result: ResultSet, to path: String, format: String?) throws(CLIError) {
        let f = format.map { $0.lowercased() }.flatMap { fileFormats.contains($0) ? $0 : nil }
        do throws(QueryError) {
            let o = try FileWriteOptions.forPath(path, format: f)
            try FileWriter.write(result, to: path, options: o, threads: ProcessInfo.processInfo.activeProcessorCount)
        } catch { throw FileOutput.error(error) }
    }
}
