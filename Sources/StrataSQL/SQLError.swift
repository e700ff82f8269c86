/// A half-open range of UTF-8 byte offsets into the SQL text a node was parsed from.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
    /// Offset of the first byte of the node.
    public var start: Int
    /// Offset one past the last byte of the node.
    public var end: Int

    /// Creates a range covering `start..<end` (UTF-8 byte offsets).
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// The empty range at offset 0, used for synthesized nodes.
    public static let none = SourceRange(start: 0, end: 0)

    /// Smallest range covering both `self` and `other`.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(start: Swift.min(start, other.start), end: Swift.max(end, other.end))
    }

    public var description: String { "\(start)..<\(end)" }
}

/// A lexical or syntax error in SQL text.
///
/// `message` says what was expected and what was found (for example
/// `expected expression, found end of input`); `offset` is the UTF-8 byte
/// offset into the SQL text where the problem was detected.
public struct SQLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Human-readable description without position information.
    public var message: String
    /// UTF-8 byte offset into the SQL text.
    public var offset: Int

    /// Creates an error with `message` located at UTF-8 byte `offset`.
    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "syntax error at offset \(offset): \(message)" }

    /// 1-based line and column (in characters) of `offset` within `sql`.
    public func location(in sql: String) -> (line: Int, column: Int) {
        let info = lineInfo(sql)
        return (info.line, info.column)
    }

    /// Renders the error with its position and the offending source line, e.g.
    /// ```
    /// syntax error at line 2, column 13: expected FROM, found 'FORM'
    ///   FROM clicks FORM x
    ///               ^
    /// ```
    /// The caret is placed under the character at `offset`; tabs in the line
    /// before the caret are reproduced so the caret stays aligned.
    public func rendered(sql: String) -> String {
        let info = lineInfo(sql)
        var caretIndent = ""
        for ch in info.prefix {
            caretIndent.append(ch == "\t" ? "\t" : " ")
        }
        return "syntax error at line \(info.line), column \(info.column): \(message)\n  \(info.lineText)\n  \(caretIndent)^"
    }

    private func lineInfo(_ sql: String) -> (line: Int, column: Int, lineText: String, prefix: String) {
        let bytes = Array(sql.utf8)
        let target = Swift.max(0, Swift.min(offset, bytes.count))
        var line = 1
        var lineStart = 0
        var i = 0
        while i < target {
            if bytes[i] == UInt8(ascii: "\n") {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        var lineEnd = lineStart
        while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        var textEnd = lineEnd
        if textEnd > lineStart && bytes[textEnd - 1] == UInt8(ascii: "\r") { textEnd -= 1 }
        let prefixEnd = Swift.min(target, textEnd)
        let prefix = String(decoding: bytes[lineStart..<prefixEnd], as: UTF8.self)
        let lineText = String(decoding: bytes[lineStart..<textEnd], as: UTF8.self)
        let column = prefix.count + 1 + Swift.max(0, target - Swift.max(prefixEnd, lineStart))
        return (line, column, lineText, prefix)
    }
}
