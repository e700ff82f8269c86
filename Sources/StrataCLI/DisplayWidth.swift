import CUTF8Proc

/// How many terminal cells text takes, per grapheme cluster (utf8proc's segmentation and
/// East Asian widths): CJK and emoji take two cells, combining marks none (they belong to the
/// cluster before them), a ZWJ sequence (👨‍👩‍👧) or a flag (🇩🇪) is one glyph of two cells.
/// Terminal tables pad and cut cells with it so their borders line up.
enum DisplayWidth {
    /// One grapheme cluster: its UTF-8 bytes' range and its width.
    struct Cluster {
        var start: Int
        var end: Int
        var width: Int
    }

    /// The display width of `s`.
    static func of(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { of($0) }
    }

    /// The display width of UTF-8 text; printable ASCII counts one cell a byte.
    static func of(_ u: UnsafeBufferPointer<UInt8>) -> Int {
        var ascii = true
        for b in u where b < 0x20 || b >= 0x7F {
            ascii = false
            break
        }
        if ascii { return u.count }
        var total = 0
        forEachCluster(u) { total += $0.width }
        return total
    }

    /// Calls `body` with each grapheme cluster of `u` in order.
    static func forEachCluster(_ u: UnsafeBufferPointer<UInt8>, _ body: (Cluster) -> Void) {
        guard let base = u.baseAddress, !u.isEmpty else { return }
        var state: Int32 = 0
        var at = 0
        var current = Cluster(start: 0, end: 0, width: 0)
        var previous: Int32 = -1
        // the cluster's first codepoint decides its width; see `clusterWidth`
        var first: Int32 = 0, regional = 0, emojiPresentation = false, widest = 0
        func finish() {
            var w = Int(utf8proc_charwidth(first))
            if w == 0 { w = widest }
            if emojiPresentation || regional >= 2 { w = max(w, 2) }
            current.width = w
            body(current)
        }
        while at < u.count {
            var cp: Int32 = 0
            var n = utf8proc_iterate(base + at, u.count - at, &cp)
            if n <= 0 { cp = 0xFFFD; n = 1 }
            if previous < 0 || utf8proc_grapheme_break_stateful(previous, cp, &state) {
                if previous >= 0 { finish() }
                current = Cluster(start: at, end: at, width: 0)
                first = cp
                regional = 0
                emojiPresentation = false
                widest = 0
            }
            if cp >= 0x1F1E6 && cp <= 0x1F1FF { regional += 1 }
            if cp == 0xFE0F { emojiPresentation = true }
            widest = max(widest, Int(utf8proc_charwidth(cp)))
            at += n
            current.end = at
            previous = cp
        }
        if previous >= 0 { finish() }
    }

    /// `s` cut to at most `width` cells: whole clusters, and `…` in the last cell when
    /// something was left out. Text that fits is returned as it is.
    static func truncate(_ s: String, to width: Int) -> String {
        if of(s) <= width { return s }
        if width <= 0 { return "" }
        var s = s
        return s.withUTF8 { u -> String in
            var used = 0, end = 0, done = false
            forEachCluster(u) { c in
                if done { return }
                if used + c.width > width - 1 { done = true; return }
                used += c.width
                end = c.end
            }
            return String(decoding: UnsafeBufferPointer(rebasing: u[0..<end]), as: UTF8.self) + "…"
        }
    }

    /// `s` padded with spaces to `width` cells, on the right (`left` aligned) or the left.
    static func pad(_ s: String, to width: Int, width actual: Int, alignRight: Bool) -> String {
        let fill = width - actual
        if fill <= 0 { return s }
        let spaces = String(repeating: " ", count: fill)
        return alignRight ? spaces + s : s + spaces
    }
}
