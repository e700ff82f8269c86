import Foundation

/// Glob expansion for files in FROM: `*` and `?` within one path component, `[abc]`
/// classes, `**` for any number of directories (zero included), `{a,b}` alternatives
/// (nested allowed). Matches are sorted by path; hidden files (a leading `.`) and
/// `_`-prefixed names (`_SUCCESS`) match only when the pattern spells them out.
public enum FileGlob {
    /// True when `pattern` holds glob characters.
    public static func isPattern(_ pattern: String) -> Bool {
        pattern.contains { "*?[{".contains($0) }
    }

    /// The files `pattern` matches (regular files only), sorted; a pattern without glob
    /// characters is itself, whether it exists or not.
    public static func expand(_ pattern: String) -> [String] {
        guard isPattern(pattern) else { return [pattern] }
        var out = Set<String>()
        for p in braces(pattern) { match(p, into: &out) }
        return out.sorted()
    }

    /// `{a,b}` alternatives expanded (the first brace group, recursively).
    static func braces(_ p: String) -> [String] {
        let c = Array(p)
        guard let open = c.firstIndex(of: "{") else { return [p] }
        var depth = 0
        var parts: [String] = []
        var cur = ""
        var close: Int?
        for i in (open + 1)..<c.count {
            let ch = c[i]
            if ch == "{" { depth += 1; cur.append(ch) } else if ch == "}" {
                if depth == 0 { close = i; parts.append(cur); break }
                depth -= 1; cur.append(ch)
            } else if ch == "," && depth == 0 { parts.append(cur); cur = "" } else { cur.append(ch) }
        }
        guard let close else { return [p] }
        let head = String(c[..<open]), tail = String(c[(close + 1)...])
        return parts.flatMap { braces(head + $0 + tail) }
    }

    private static func match(_ pattern: String, into out: inout Set<String>) {
        let absolute = pattern.hasPrefix("/")
        let comps = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        walk(absolute ? "/" : "", comps[...], into: &out)
    }

    private static func join(_ base: String, _ name: String) -> String {
        base.isEmpty ? name : (base.hasSuffix("/") ? base + name : base + "/" + name)
    }

    private static func isDir(_ p: String) -> Bool {
        var st = stat()
        return stat(p.isEmpty ? "." : p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    private static func isFile(_ p: String) -> Bool {
        var st = stat()
        return stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    private static func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []).sorted()
    }

    private static func walk(_ base: String, _ comps: ArraySlice<String>, into out: inout Set<String>) {
        guard let first = comps.first else {
            if isFile(base) { out.insert(base) }
            return
        }
        let rest = comps.dropFirst()
        if first == "**" {
            walk(base, rest, into: &out)  // zero directories
            for e in entries(base) where !e.hasPrefix(".") {
                let p = join(base, e)
                if isDir(p) { walk(p, comps, into: &out) }
            }
            return
        }
        if !isPattern(first) {
            let p = join(base, first)
            if rest.isEmpty { if isFile(p) { out.insert(p) } } else if isDir(p) { walk(p, rest, into: &out) }
            return
        }
        let explicitHidden = first.hasPrefix(".") || first.hasPrefix("_")
        for e in entries(base) where explicitHidden || !(e.hasPrefix(".") || e.hasPrefix("_")) {
            guard fnmatch(first, e, 0) == 0 else { continue }
            let p = join(base, e)
            if rest.isEmpty { if isFile(p) { out.insert(p) } } else if isDir(p) { walk(p, rest, into: &out) }
        }
    }

    /// `key=value` directory parts of `path` (in order; the last component, the file name,
    /// excluded), values percent-decoded.
    public static func hivePartitions(_ path: String) -> [(key: String, value: String)] {
        var out: [(String, String)] = []
        let comps = path.split(separator: "/", omittingEmptySubsequences: true)
        for c in comps.dropLast() {
            guard let eq = c.firstIndex(of: "="), eq != c.startIndex else { continue }
            let k = String(c[..<eq]), v = String(c[c.index(after: eq)...])
            out.append((k, v.removingPercentEncoding ?? v))
        }
        return out
    }
}
