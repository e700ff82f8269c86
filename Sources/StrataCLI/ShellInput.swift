import Foundation

/// Reading the shell's input: where a statement ends, and the words of a dot command.
enum ShellInput {
    /// Whether `text` ends a statement: its last character outside strings, quoted names and
    /// comments is `;` and no string, quoted name or block comment is left open. Text that is
    /// only blanks and comments is not a statement (nothing to run).
    static func isComplete(_ text: String) -> Bool {
        enum State { case normal, string, quoted(UInt8), lineComment, blockComment }
        var state = State.normal
        var last: UInt8 = 0
        let b = Array(text.utf8)
        var i = 0
        while i < b.count {
            let c = b[i]
            switch state {
            case .normal:
                if c == 0x27 { state = .string; last = c }                       // '
                else if c == 0x22 || c == 0x60 { state = .quoted(c); last = c }   // " `
                else if c == 0x2D && i + 1 < b.count && b[i + 1] == 0x2D { state = .lineComment; i += 1 }
                else if c == 0x2F && i + 1 < b.count && b[i + 1] == 0x2A { state = .blockComment; i += 1 }
                else if c != 0x20 && c != 0x09 && c != 0x0A && c != 0x0D { last = c }
            case .string:
                // a doubled quote stays in the string
                if c == 0x27 { if i + 1 < b.count && b[i + 1] == 0x27 { i += 1 } else { state = .normal } }
            case .quoted(let q):
                if c == q { if i + 1 < b.count && b[i + 1] == q { i += 1 } else { state = .normal } }
            case .lineComment:
                if c == 0x0A { state = .normal }
            case .blockComment:
                if c == 0x2A && i + 1 < b.count && b[i + 1] == 0x2F { state = .normal; i += 1 }
            }
            i += 1
        }
        switch state {
        case .normal, .lineComment: return last == 0x3B
        default: return false
        }
    }

    /// Whether `text` holds anything to run: a character outside comments that is not a
    /// blank or `;`.
    static func hasStatement(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var k = 0
        while k < b.count {
            let c = b[k]
            if c == 0x2D && k + 1 < b.count && b[k + 1] == 0x2D {
                while k < b.count && b[k] != 0x0A { k += 1 }
                continue
            }
            if c == 0x2F && k + 1 < b.count && b[k + 1] == 0x2A {
                k += 2
                while k + 1 < b.count && !(b[k] == 0x2A && b[k + 1] == 0x2F) { k += 1 }
                k += 2
                continue
            }
            if c != 0x20 && c != 0x09 && c != 0x0A && c != 0x0D && c != 0x3B { return true }
            k += 1
        }
        return false
    }

    /// `text` without its dot-command lines (to see what its statements do before running it).
    static func withoutDotCommands(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.drop { $0 == " " || $0 == "\t" }.hasPrefix(".") }.joined(separator: "\n")
    }

    /// The words of a dot command: separated by blanks; `'…'` or `"…"` keep blanks in a word.
    static func words(_ line: String) -> [String] {
        var out: [String] = []
        var word = ""
        var quote: Character? = nil
        var inWord = false
        for ch in line {
            if let q = quote {
                if ch == q { quote = nil } else { word.append(ch) }
                continue
            }
            if ch == "'" || ch == "\"" {
                quote = ch
                inWord = true
            } else if ch == " " || ch == "\t" {
                if inWord { out.append(word); word = ""; inWord = false }
            } else {
                word.append(ch)
                inWord = true
            }
        }
        if inWord { out.append(word) }
        return out
    }

    /// The history entry of a statement typed over several lines: one line, unless a line
    /// holds a `--` comment (which would swallow the rest).
    static func historyEntry(_ lines: [String]) -> String {
        if lines.count == 1 { return lines[0] }
        if lines.contains(where: { $0.contains("--") }) { return lines.joined(separator: "\n") }
        return lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
