import Foundation
import Testing
@testable import StrataText

/// Scans one line; returns (key, kind, value) triples, or nil for a blank line.
func jsonMembers(_ text: String, line: Int = 1) throws -> [(String, JSONValueKind, String)]? {
    let bytes = Array(text.utf8)
    let out = JSONObjectBuffer(memberCapacity: 1, scratchCapacity: 1)
    return try bytes.withUnsafeBytes { raw in
        guard try JSONLineScanner.scan(raw, lineNumber: line, into: out) else { return nil }
        return out.members.map { m in
            (String(decoding: out.key(m), as: UTF8.self), m.kind, String(decoding: out.value(m), as: UTF8.self))
        }
    }
}

func jsonError(_ text: String, line: Int = 7) -> String? {
    do { _ = try jsonMembers(text, line: line); return nil } catch { return "\(error)" }
}

func flat(_ m: [(String, JSONValueKind, String)]?) -> [String] {
    (m ?? []).map { "\($0.0)|\($0.1)|\($0.2)" }
}

@Test func jsonFlatObject() throws {
    let m = try jsonMembers(#" { "ts": "2024-01-02T03:04:05Z", "n": -12.5e+3, "z": 0, "ok": true, "no": false, "x": null } "#)
    #expect(flat(m) == ["ts|string|2024-01-02T03:04:05Z", "n|number|-12.5e+3", "z|number|0", "ok|true|true",
                        "no|false|false", "x|null|null"])
    #expect(flat(try jsonMembers("{}")) == [])
    #expect(try jsonMembers("{ }\r")?.count == 0)
    #expect(try jsonMembers("   \t\r") == nil)
    #expect(try jsonMembers("") == nil)
    #expect(flat(try jsonMembers(#"{"a":"1","a":"2"}"#)) == ["a|string|1", "a|string|2"])
}

@Test func jsonEscapesDecoded() throws {
    let m = try jsonMembers(#"{"k\"ey\u00e9":"q\" b\\ s\/ \b\f\n\r\t A\u0041 \u00e9 \u65e5 \ud83d\ude00 end","plain":"abc"}"#)
    #expect(flat(m) == ["k\"eyé|string|q\" b\\ s/ \u{8}\u{c}\n\r\t AA é 日 😀 end", "plain|string|abc"])
    // Spans: unescaped values live in scratch, plain ones in the line.
    let bytes = Array(#"{"a":"x\ny","b":"plain"}"#.utf8)
    let out = JSONObjectBuffer()
    try bytes.withUnsafeBytes { raw in
        let found = try JSONLineScanner.scan(raw, lineNumber: 1, into: out)
        #expect(found)
        #expect(out.members.map { $0 } == [
            JSONMember(keyStart: 2, keyEnd: 3, valueStart: 0, valueEnd: 3, kind: .string, flags: 2),
            JSONMember(keyStart: 13, keyEnd: 14, valueStart: 17, valueEnd: 22, kind: .string, flags: 0),
        ])
    }
}

@Test func jsonErrorKinds() {
    func kind(_ text: String) -> JSONError.Kind? {
        Array(text.utf8).withUnsafeBytes { raw -> JSONError.Kind? in
            do throws(JSONError) {
                _ = try JSONLineScanner.scan(raw, lineNumber: 1, into: JSONObjectBuffer())
                return nil
            } catch {
                return error.kind
            }
        }
    }
    #expect(kind(#"{"user":{"id":1}}"#) == .nestedValue)
    #expect(kind(#"{"tags":[1,2]}"#) == .nestedValue)
    #expect(kind(#"{"a" 1}"#) == .syntax)
    #expect(kind(#"{"a":1}"#) == nil)
}

@Test func jsonErrorsHaveExactMessages() {
    #expect(jsonError(#"{"a" 1}"#) == "line 7, column 6: expected ':' after object key")
    #expect(jsonError(#"{"user":{"id":1}}"#) == "line 7: column user: nested objects are not supported")
    #expect(jsonError(#"{"tags":[1,2]}"#) == "line 7: column tags: arrays are not supported")
    #expect(jsonError(#"[1]"#) == "line 7, column 1: expected '{' at start of object")
    #expect(jsonError(#"{a:1}"#) == "line 7, column 2: expected '\"' to start object key")
    #expect(jsonError(#"{"a":1,}"#) == "line 7, column 8: expected '\"' to start object key")
    #expect(jsonError(#"{"a":1 "b":2}"#) == "line 7, column 8: expected ',' or '}' after object member")
    #expect(jsonError(#"{"a":1"#) == "line 7, column 7: unexpected end of line, expected ',' or '}'")
    #expect(jsonError(#"{"a":}"#) == "line 7, column 6: unexpected character, expected a value")
    #expect(jsonError(#"{"a":tru}"#) == "line 7, column 6: invalid literal, expected a value")
    #expect(jsonError(#"{"a":01}"#) == "line 7, column 6: invalid number")
    #expect(jsonError(#"{"a":1.}"#) == "line 7, column 6: invalid number")
    #expect(jsonError(#"{"a":-}"#) == "line 7, column 6: invalid number")
    #expect(jsonError(#"{"a":1e}"#) == "line 7, column 6: invalid number")
    #expect(jsonError(#"{"a":12x}"#) == "line 7, column 6: invalid number")
    #expect(jsonError(#"{"a":"x\q"}"#) == "line 7, column 8: invalid escape sequence")
    #expect(jsonError(#"{"a":"\u12G4"}"#) == "line 7, column 7: invalid \\u escape")
    #expect(jsonError(#"{"a":"\ud83d x"}"#) == "line 7, column 7: unpaired surrogate in \\u escape")
    #expect(jsonError(#"{"a":"\ude00"}"#) == "line 7, column 7: unpaired surrogate in \\u escape")
    #expect(jsonError(#"{"a":"abc}"#) == "line 7, column 6: unterminated string")
    #expect(jsonError("{\"a\":\"x\ty\"}") == "line 7, column 8: control character in string")
    #expect(jsonError(#"{"a":1} x"#) == "line 7, column 9: unexpected character after object")
    #expect(jsonError(#"{"#) == "line 7, column 2: unexpected end of line, expected '\"' to start object key")
}

@Test func ndjsonLinesFromChunkReader() throws {
    let dir = try makeTempDir()
    var text = ""
    var expected: [(Int, String)] = []
    var line = 1
    for i in 0..<500 {
        if i % 7 == 0 { text += "\n"; line += 1 }
        if i % 11 == 0 { text += "\r\n"; line += 1 }
        text += "{\"i\":\(i),\"s\":\"v\\n\(i)\"}\r\n"
        expected.append((line, "i|number|\(i) s|string|v\n\(i)"))
        line += 1
    }
    let path = try writeFile(dir, "x.ndjson.gz", gzipCompress(Array(text.utf8)))
    for (block, k) in [(1 << 20, 1), (64, 3), (7, 2)] {
        let reader = InputChunkReader(source: try InputSource(path: path), framing: .lines, blockSize: block,
                                      parallelism: k)
        let out = JSONObjectBuffer()
        var got: [(Int, String)] = []
        while let chunk = try reader.next() {
            for piece in chunk.pieces {
                var it = NDJSONLines(chunk.bytes, range: piece.range, firstLine: piece.firstLine)
                while let (bytes, lineNo) = it.next() {
                    guard try JSONLineScanner.scan(bytes, lineNumber: lineNo, into: out) else { continue }
                    let desc = out.members.map { m in
                        "\(String(decoding: out.key(m), as: UTF8.self))|\(m.kind)|\(String(decoding: out.value(m), as: UTF8.self))"
                    }.joined(separator: " ")
                    got.append((lineNo, desc))
                }
            }
        }
        #expect(got.map(\.0) == expected.map(\.0), "block \(block)")
        #expect(got.map(\.1) == expected.map(\.1), "block \(block)")
    }
}

@Test func jsonStringEscapesPropertyRoundTrip() throws {
    // Random strings encoded by Foundation's JSONSerialization (escapes, \u for control chars,
    // non-ASCII passed through) decode back to the original UTF-8 bytes.
    let pool: [String] = ["a", "\"", "\\", "/", "\n", "\r", "\t", "\u{1}", "\u{1F}", "é", "日", "😀", " ", "\u{8}", "\u{C}"]
    for seed in 0..<200 {
        var rng = SeededRNG(seed: UInt64(seed))
        let key = (0..<Int(rng.next() % 5)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }.joined()
        let value = (0..<Int(rng.next() % 20)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }.joined()
        let data = try JSONSerialization.data(withJSONObject: [key: value])
        let line = String(decoding: data, as: UTF8.self)
        let m = try jsonMembers(line)
        #expect(m?.count == 1)
        #expect(m?.first?.0 == key, "seed \(seed): \(line)")
        #expect(m?.first?.2 == value, "seed \(seed): \(line)")
    }
    // Manually escaped \u forms for every pool character, including surrogate pairs.
    for s in pool {
        let esc = s.utf16.map { String(format: "\\u%04x", $0) }.joined()
        #expect(try jsonMembers("{\"k\":\"\(esc)\"}")?.first?.2 == s)
    }
}
