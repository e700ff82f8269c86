// File name patterns: `*`, `?`, `[...]`, `**` and `{a,b}`, expanded against the file system.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Shell-style file patterns, shared by every place that takes "files" (`strata ingest`,
/// `read_csv('logs/*.csv')`, ...).
///
/// Grammar (as DuckDB and the shells with `globstar` read it):
/// * `*` any run of characters within one path component, `?` one character, `[abc]`,
///   `[a-z]`, `[!x]` one character of a class (`fnmatch(3)`);
/// * `**` as a whole component: any number of directories, zero included
///   (`logs/**/*.csv` matches `logs/a.csv` and `logs/2024/05/b.csv`);
/// * `{a,b,c}` alternatives, nested allowed (`{2024-0{4,5},2023}*`), expanded first.
///
/// Names starting with `.` match only a component pattern that starts with `.` (hidden files
/// stay hidden); `**` does not descend into hidden directories nor follow symbolic links to
/// directories (no cycles). Matches are files only (not directories), sorted by byte order of
/// the path and without duplicates.
public enum FileGlob {
    /// Whether `s` has pattern characters (`*`, `?`, `[`, `{`): a plain path otherwise.
    public static func isPattern(_ s: String) -> Bool {
        s.utf8.contains { $0 == 0x2A || $0 == 0x3F || $0 == 0x5B || $0 == 0x7B }
    }

    /// The alternatives of `{a,b}` groups, left to right (`x{a,b}y{1,2}` → `xay1, xay2, xby1,
    /// xby2`). Unbalanced braces are literal text; `\` escapes the next character.
    public static func braceExpand(_ pattern: String) -> [String] {
        let b = Array(pattern.utf8)
        // the first top-level balanced group
        var i = 0
        while i < b.count {
            if b[i] == 0x5C { i += 2; continue }
            if b[i] == 0x7B {
                var depth = 0
                var j = i
                var commas: [Int] = []
                var close = -1
                while j < b.count {
                    let c = b[j]
                    if c == 0x5C { j += 2; continue }
                    if c == 0x7B { depth += 1 } else if c == 0x7D {
                        depth -= 1
                        if depth == 0 { close = j; break }
                    } else if c == 0x2C && depth == 1 { commas.append(j) }
                    j += 1
                }
                if close < 0 { return [pattern] }  // unbalanced: literal
                let head = Array(b[..<i]), tail = Array(b[(close + 1)...])
                var parts: [[UInt8]] = []
                var s = i + 1
                for c in commas + [close] {
                    parts.append(Array(b[s..<c]))
                    s = c + 1
                }
                var out: [String] = []
                for p in parts {
                    out += braceExpand(String(decoding: head + p + tail, as: UTF8.self))
                }
                return out
            }
            i += 1
        }
        return [pattern]
    }

    /// Whether one path component `name` matches the component pattern `pattern`
    /// (`*`, `?`, `[...]`; a leading `.` must be matched literally).
    public static func matchComponent(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, FNM_PERIOD) == 0
    }

    /// Whether `path` matches `pattern` as a whole (braces, `**` across components, the rest
    /// per component), without touching the file system. Both are split at `/`.
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        let names = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for alt in braceExpand(pattern) {
            let comps = alt.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            if matchComponents(comps[...], names[...]) { return true }
        }
        return false
    }

    private static func matchComponents(_ p: ArraySlice<String>, _ n: ArraySlice<String>) -> Bool {
        guard let first = p.first else { return n.isEmpty }
        if first == "**" {
            var rest = n
            while true {
                if matchComponents(p.dropFirst(), rest) { return true }
                guard let h = rest.first, !h.hasPrefix(".") else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let h = n.first, matchComponent(first, h) else { return false }
        return matchComponents(p.dropFirst(), n.dropFirst())
    }

    /// The files matching `pattern`, sorted, without duplicates; empty when none match.
    /// A pattern without pattern characters returns itself when it names an existing file.
    /// Relative patterns are read from the current directory and return relative paths.
    public static func expand(_ pattern: String) -> [String] {
        var found = Set<String>()
        for alt in braceExpand(pattern) {
            let absolute = alt.hasPrefix("/")
            let comps = alt.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            walk(comps[...], dir: absolute ? "/" : "", into: &found)
        }
        return found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Regular files (following links) under `dir` at any depth, hidden names skipped, sorted;
    /// with `accept`, only the names it accepts.
    public static func filesUnder(_ dir: String, accept: ((String) -> Bool)? = nil) -> [String] {
        var out: [String] = []
        descend(dir.hasSuffix("/") ? String(dir.dropLast()) : dir, into: &out, accept: accept)
        return out.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func descend(_ dir: String, into out: inout [String], accept: ((String) -> Bool)?) {
        for e in entries(dir) where !e.hasPrefix(".") {
            let path = join(dir, e)
            switch kind(path) {
            case .file: if accept?(e) ?? true { out.append(path) }
            case .directory: if !isLink(path) { descend(path, into: &out, accept: accept) }
            case .none: break
            }
        }
    }

    private enum Kind { case file, directory, none }

    private static func kind(_ path: String) -> Kind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .none }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .file  // FIFOs, character devices: readable as input
        }
    }

    private static func isLink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    private static func join(_ dir: String, _ name: String) -> String {
        if dir.isEmpty { return name }
        return dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }

    /// Entry names of `dir` ("" = the current directory), `.` and `..` excluded.
    private static func entries(_ dir: String) -> [String] {
        guard let d = opendir(dir.isEmpty ? "." : dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: e.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    private static func unescaped(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var esc = false
        for ch in s {
            if !esc && ch == "\\" { esc = true; continue }
            esc = false
            out.append(ch)
        }
        return out
    }

    private static func walk(_ comps: ArraySlice<String>, dir: String, into found: inout Set<String>) {
        guard let first = comps.first else {
            if kind(dir) == .file { found.insert(dir) }
            return
        }
        let rest = comps.dropFirst()
        if first == "**" {
            if rest.isEmpty {
                // a trailing `**`: every file below
                for f in filesUnder(dir.isEmpty ? "." : dir) {
                    found.insert(dir.isEmpty && f.hasPrefix("./") ? String(f.dropFirst(2)) : f)
                }
                return
            }
            walk(rest, dir: dir, into: &found)
            for e in entries(dir) where !e.hasPrefix(".") {
                let p = join(dir, e)
                if kind(p) == .directory && !isLink(p) { walk(comps, dir: p, into: &found) }
            }
            return
        }
        if !isPattern(first) {
            let p = join(dir, unescaped(first))
            if rest.isEmpty {
                if kind(p) == .file { found.insert(p) }
            } else if kind(p) == .directory {
                walk(rest, dir: p, into: &found)
            }
            return
        }
        for e in entries(dir) where matchComponent(first, e) {
            let p = join(dir, e)
            if rest.isEmpty {
                if kind(p) == .file { found.insert(p) }
            } else if kind(p) == .directory {
                walk(rest, dir: p, into: &found)
            }
        }
    }
}
