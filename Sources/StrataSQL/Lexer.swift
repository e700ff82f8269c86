/// Punctuation and operator tokens.
enum Symbol: Sendable, Equatable {
    case lparen, rparen, comma, dot, semicolon, star, plus, minus, slash, percent
    /// `//`: integer division
    case slashslash
    case eq, eqeq, neq, ltgt, lt, le, gt, ge, concat, coloncolon
    /// `[` `]`: list literals and subscripts
    case lbracket, rbracket
    /// `{` `}` `:`: struct literals (`columns = {'a': 'INT'}` in read_csv)
    case lbrace, rbrace, colon
}

/// Token categories produced by `Lexer`.
enum TokenKind: Sendable, Equatable {
    /// Unquoted word (keyword or identifier); `Token.text` is ASCII-lower-cased.
    case word
    /// `"quoted"` or `` `quoted` `` identifier; `Token.text` is the unescaped name.
    case quotedIdentifier
    /// `'string'` literal; `Token.text` is the unescaped value.
    case string
    /// Digits only; `Token.text` is the digits.
    case integer
    /// Decimal and/or exponent number; `Token.text` is the raw spelling.
    case number
    case symbol(Symbol)
    case endOfInput
}

struct Token: Sendable {
    var kind: TokenKind
    var text: String
    var start: Int
    var end: Int
}

/// Splits SQL text into tokens. Works on the UTF-8 bytes; offsets are byte offsets.
struct Lexer {
    private let bytes: [UInt8]
    private var pos = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    static func tokenize(_ bytes: [UInt8]) throws(SQLError) -> [Token] {
        var lexer = Lexer(bytes: bytes)
        var tokens: [Token] = []
        var lastEnd = 0
        while true {
            try lexer.skipTrivia()
            guard lexer.pos < bytes.count else { break }
            let token = try lexer.next()
            lastEnd = token.end
            tokens.append(token)
        }
        tokens.append(Token(kind: .endOfInput, text: "", start: lastEnd, end: lastEnd))
        return tokens
    }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        let i = pos + ahead
        return i < bytes.count ? bytes[i] : nil
    }

    private static func isWordStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b >= 0x80
    }

    private static func isWordChar(_ b: UInt8) -> Bool {
        isWordStart(b) || isDigit(b) || b == 0x24  // '$'
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private mutating func skipTrivia() throws(SQLError) {
        while let b = peek() {
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C:
                pos += 1
            case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
                while let c = peek(), c != 0x0A { pos += 1 }
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                let start = pos
                pos += 2
                var closed = false
                while let c = peek() {
                    if c == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/") {
                        pos += 2
                        closed = true
                        break
                    }
                    pos += 1
                }
                if !closed { throw SQLError("unterminated block comment", offset: start) }
            default:
                return
            }
        }
    }

    private mutating func next() throws(SQLError) -> Token {
        let start = pos
        guard let b = peek() else {
            return Token(kind: .endOfInput, text: "", start: start, end: start)
        }
        if Lexer.isWordStart(b) {
            var text = ""
            while let c = peek(), Lexer.isWordChar(c) { pos += 1 }
            // ASCII lower-casing; non-ASCII bytes are kept verbatim.
            var lowered = [UInt8]()
            lowered.reserveCapacity(pos - start)
            for c in bytes[start..<pos] {
                lowered.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c)
            }
            text = String(decoding: lowered, as: UTF8.self)
            return Token(kind: .word, text: text, start: start, end: pos)
        }
        if Lexer.isDigit(b) || (b == UInt8(ascii: ".") && peek(1).map(Lexer.isDigit) == true) {
            return try lexNumber()
        }
        switch b {
        case UInt8(ascii: "'"):
            let value = try lexQuoted(quote: b, what: "string literal")
            return Token(kind: .string, text: value, start: start, end: pos)
        case UInt8(ascii: "\""), UInt8(ascii: "`"):
            let value = try lexQuoted(quote: b, what: "quoted identifier")
            if value.isEmpty { throw SQLError("zero-length quoted identifier", offset: start) }
            return Token(kind: .quotedIdentifier, text: value, start: start, end: pos)
        default:
            break
        }
        let symbol: Symbol
        var length = 1
        switch b {
        case UInt8(ascii: "("): symbol = .lparen
        case UInt8(ascii: ")"): symbol = .rparen
        case UInt8(ascii: "["): symbol = .lbracket
        case UInt8(ascii: "]"): symbol = .rbracket
        case UInt8(ascii: "{"): symbol = .lbrace
        case UInt8(ascii: "}"): symbol = .rbrace
        case UInt8(ascii: ","): symbol = .comma
        case UInt8(ascii: "."): symbol = .dot
        case UInt8(ascii: ";"): symbol = .semicolon
        case UInt8(ascii: "*"): symbol = .star
        case UInt8(ascii: "+"): symbol = .plus
        case UInt8(ascii: "-"): symbol = .minus
        case UInt8(ascii: "/"):
            if peek(1) == UInt8(ascii: "/") { symbol = .slashslash; length = 2 } else { symbol = .slash }
        case UInt8(ascii: "%"): symbol = .percent
        case UInt8(ascii: "="):
            if peek(1) == UInt8(ascii: "=") { symbol = .eqeq; length = 2 } else { symbol = .eq }
        case UInt8(ascii: "<"):
            if peek(1) == UInt8(ascii: "=") { symbol = .le; length = 2 }
            else if peek(1) == UInt8(ascii: ">") { symbol = .ltgt; length = 2 }
            else { symbol = .lt }
        case UInt8(ascii: ">"):
            if peek(1) == UInt8(ascii: "=") { symbol = .ge; length = 2 } else { symbol = .gt }
        case UInt8(ascii: "!") where peek(1) == UInt8(ascii: "="):
            symbol = .neq; length = 2
        case UInt8(ascii: "|") where peek(1) == UInt8(ascii: "|"):
            symbol = .concat; length = 2
        case UInt8(ascii: ":") where peek(1) == UInt8(ascii: ":"):
            symbol = .coloncolon; length = 2
        case UInt8(ascii: ":"):
            symbol = .colon
        default:
            throw SQLError("unexpected character \(Lexer.describeByte(b))", offset: start)
        }
        pos += length
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        return Token(kind: .symbol(symbol), text: text, start: start, end: pos)
    }

    private static func describeByte(_ b: UInt8) -> String {
        if b >= 0x21 && b < 0x7F {
            return "'" + String(UnicodeScalar(b)) + "'"
        }
        let hex = String(b, radix: 16, uppercase: true)
        return "0x" + (hex.count < 2 ? "0" + hex : hex)
    }

    private mutating func lexNumber() throws(SQLError) -> Token {
        let start = pos
        var isInteger = true
        while let c = peek(), Lexer.isDigit(c) { pos += 1 }
        if peek() == UInt8(ascii: "."), !(peek(1) == UInt8(ascii: ".")) {
            isInteger = false
            pos += 1
            while let c = peek(), Lexer.isDigit(c) { pos += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            var p = 1
            if let s = peek(1), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { p = 2 }
            if let d = peek(p), Lexer.isDigit(d) {
                isInteger = false
                pos += p
                while let c = peek(), Lexer.isDigit(c) { pos += 1 }
            }
        }
        if let c = peek(), Lexer.isWordChar(c) {
            while let c = peek(), Lexer.isWordChar(c) { pos += 1 }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            throw SQLError("invalid numeric literal '\(text)'", offset: start)
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        return Token(kind: isInteger ? .integer : .number, text: text, start: start, end: pos)
    }

    /// Lexes a quoted run where the quote character is escaped by doubling it.
    private mutating func lexQuoted(quote: UInt8, what: String) throws(SQLError) -> String {
        let start = pos
        pos += 1
        var value = [UInt8]()
        while true {
            guard let c = peek() else {
                throw SQLError("unterminated \(what)", offset: start)
            }
            pos += 1
            if c == quote {
                if peek() == quote {
                    value.append(quote)
                    pos += 1
                } else {
                    break
                }
            } else {
                value.append(c)
            }
        }
        return String(decoding: value, as: UTF8.self)
    }
}
