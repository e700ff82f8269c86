import Foundation
import StrataText

/// The input list of one ingest: plain paths, quoted patterns and directories, expanded to
/// the files to read (`FileGlob` does the matching).
public enum IngestInputs {
    /// Whether `name` is a file the ingest reads when it meets it in a directory: a known
    /// extension (`.csv`, `.tsv`, `.tab`, `.ndjson`, `.jsonl`, `.json`), plain or under `.gz`,
    /// `.gzip`, `.zst`, `.zstd`; or `.parquet`/`.pq`.
    public static func isSupported(_ name: String) -> Bool {
        Ingestor.formatFromName(name) != nil
    }

    /// Expands `args` in order: `-` stays; a pattern (`*`, `?`, `[`, `{`) becomes its matching
    /// files (sorted); a directory becomes every supported file below it (any depth, hidden
    /// names skipped, sorted); anything else stays as given (opening it reports a missing
    /// file). A file named twice is read once (its first place).
    ///
    /// - Throws: `.user` when a pattern matches no file, or a directory holds no supported file.
    public static func expand(_ args: [String]) throws(IngestError) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        func add(_ p: String) {
            if p == "-" || seen.insert(p).inserted { out.append(p) }
        }
        for a in args {
            if a == "-" { add(a); continue }
            var st = stat()
            if stat(a, &st) == 0 {
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    let files = FileGlob.filesUnder(a, accept: isSupported)
                    if files.isEmpty {
                        throw IngestError(.user, "\(a): directory holds no file to load (.csv, .tsv, .ndjson, .jsonl, .json, plain or .gz/.zst, or .parquet)",
                                          file: a)
                    }
                    files.forEach(add)
                } else {
                    add(a)
                }
                continue
            }
            if FileGlob.isPattern(a) {
                let files = FileGlob.expand(a)
                if files.isEmpty { throw IngestError(.user, "no file matches '\(a)'", file: a) }
                files.forEach(add)
                continue
            }
            add(a)
        }
        return out
    }
}
