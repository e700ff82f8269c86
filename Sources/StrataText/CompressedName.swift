/// File names that may end in a compression suffix.
public enum CompressedName {
    /// `path` lower-cased, without one `.gz`/`.gzip`/`.zst`/`.zstd` suffix: the part whose
    /// extension names the format (`a.CSV.gz` → `a.csv`).
    public static func formatPart(_ path: String) -> String {
        var n = path.lowercased()
        for ext in [".gz", ".gzip", ".zst", ".zstd"] where n.hasSuffix(ext) {
            n.removeLast(ext.count)
            break
        }
        return n
    }
}
