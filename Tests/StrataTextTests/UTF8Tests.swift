import Foundation
import StrataTestSupport
import Testing
@testable import StrataText

// MARK: - UTF-8 validation

private func firstInvalid(_ b: [UInt8]) -> Int {
    b.withUnsafeBufferPointer { UTF8Validation.firstInvalid($0.baseAddress, $0.count) }
}

private func repaired(_ b: [UInt8]) -> [UInt8] {
    b.withUnsafeBufferPointer { UTF8Validation.repaired($0.baseAddress, $0.count) }
}

private func escaped(_ b: [UInt8]) -> String {
    b.withUnsafeBufferPointer { UTF8Validation.escaped($0.baseAddress, $0.count) }
}

@Test func utf8ValidatorKinds() {
    // well-formed: ASCII (also longer than a word), 2/3/4-byte forms, boundary code points
    for ok: [UInt8] in [
        [], Array("hello".utf8), Array("a longer ascii string than eight bytes".utf8),
        Array("café ☕️ 東京 😀 𝄞".utf8), Array("東京タワー东京".utf8),
        [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
        [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0x00],
    ] {
        #expect(firstInvalid(ok) == -1, "\(ok)")
    }
    // ill-formed, with the offset of the first bad sequence
    let bad: [([UInt8], Int)] = [
        ([0x80], 0),                                     // lone continuation byte
        (Array("abcdefgh".utf8) + [0xBF] + Array("ijk".utf8), 8),
        ([0xC0, 0xAF], 0), ([0xC1, 0xBF], 0),            // overlong 2-byte
        ([0x61, 0xE0, 0x80, 0xAF], 1),                   // overlong 3-byte
        ([0xF0, 0x80, 0x80, 0xAF], 0),                   // overlong 4-byte
        ([0xED, 0xA0, 0x80], 0), ([0xED, 0xBF, 0xBF], 0), // surrogates D800, DFFF
        ([0x61, 0x62, 0xE2, 0x82], 2),                   // truncated at the end
        ([0xF0, 0x9F, 0x98], 0), ([0xC3], 0),
        ([0xE2, 0x28, 0xA1], 0),                         // bad second byte
        ([0xF4, 0x90, 0x80, 0x80], 0),                   // > U+10FFFF
        ([0xF5, 0x80, 0x80, 0x80], 0), ([0xFF], 0), ([0xFE], 0),
        (Array("ok 😀 then".utf8) + [0xE2, 0x82, 0x41], 12),
    ]
    for (b, at) in bad {
        #expect(firstInvalid(b) == at, "\(b)")
        #expect(String(validating: b, as: UTF8.self) == nil, "reference accepts \(b)")
    }
    #expect(escaped([0x61, 0xC0, 0xAF, 0x62]) == "a\\xC0\\xAFb")
    #expect(escaped([0x61, 0xE2, 0x82]) == "a\\xE2\\x82")
    #expect(escaped(Array("東京".utf8)) == "東京")
    // replacement: one U+FFFD per maximal subpart, like String(decoding:)
    #expect(repaired([0x61, 0xE2, 0x82, 0x62]) == Array("a\u{FFFD}b".utf8))
    #expect(repaired([0xC0, 0xAF]) == Array("\u{FFFD}\u{FFFD}".utf8))
    #expect(repaired([0xED, 0xA0, 0x80]) == Array("\u{FFFD}\u{FFFD}\u{FFFD}".utf8))
}

/// Random byte strings biased towards UTF-8-like content (ASCII runs, valid sequences of every
/// length, near-miss sequences, truncations) so both outcomes are common.
func randomUTF8ishBytes<G: RandomNumberGenerator>(_ g: inout G, maxPieces: Int = 12) -> [UInt8] {
    var b: [UInt8] = []
    let scalars: [UInt32] = [0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF]
    for _ in 0..<Int.random(in: 0...maxPieces, using: &g) {
        switch Int.random(in: 0..<10, using: &g) {
        case 0, 1: b += (0..<Int.random(in: 1...12, using: &g)).map { _ in UInt8.random(in: 0x20...0x7E, using: &g) }
        case 2, 3:
            let s = Bool.random(using: &g) ? scalars.randomElement(using: &g)!
                : UInt32.random(in: 0...0x10FFFF, using: &g)
            if let u = Unicode.Scalar(s) { b += Array(String(Character(u)).utf8) }
        case 4: b.append(UInt8.random(in: 0x80...0xFF, using: &g))
        case 5:
            // a valid multi-byte sequence cut short
            let u = Unicode.Scalar(UInt32.random(in: 0x800...0xD7FF, using: &g))!
            let s = Array(String(Character(u)).utf8)
            b += s[0..<Int.random(in: 1..<s.count, using: &g)]
        case 6:
            // lead byte with random continuation-ish bytes (overlongs, surrogates, > U+10FFFF)
            b.append([0xC0, 0xC1, 0xE0, 0xED, 0xF0, 0xF4, 0xF5].randomElement(using: &g)!)
            for _ in 0..<Int.random(in: 1...3, using: &g) { b.append(UInt8.random(in: 0x80...0xBF, using: &g)) }
        default: b.append(UInt8.random(in: 0...0xFF, using: &g))
        }
    }
    return b
}

/// xorshift64*: reproducible per seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

@Test func utf8ValidatorMatchesReferenceOnRandomBytes() {
    var valid = 0, invalid = 0
    for seed in 1...400 as ClosedRange<UInt64> {
        var g = SeededGenerator(seed: seed)
        for _ in 0..<50 {
            let b = randomUTF8ishBytes(&g)
            let reference = String(validating: b, as: UTF8.self)
            let at = firstInvalid(b)
            #expect((at < 0) == (reference != nil), "seed \(seed): \(b)")
            if at >= 0 {
                invalid += 1
                // the bytes before the reported offset are a valid prefix
                #expect(String(validating: b[..<at], as: UTF8.self) != nil, "seed \(seed): \(b)")
            } else {
                valid += 1
            }
            #expect(repaired(b) == Array(String(decoding: b, as: UTF8.self).utf8), "seed \(seed): \(b)")
        }
    }
    #expect(valid > 2000 && invalid > 2000)
}

// MARK: - Double overflow text

@Test func infinityTextVersusOverflow() {
    func isInf(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { Values.isInfinityText($0.baseAddress!, $0.count) }
    }
    for s in ["inf", "-inf", "+Infinity", "INF"] {
        #expect(Values.parseDouble(s)?.isInfinite == true)
        #expect(isInf(s), "\(s)")
    }
    for s in ["1e400", "-1e400", "1.5e309", "999e999"] {
        #expect(Values.parseDouble(s)?.isInfinite == true, "parseDouble overflows \(s) to infinity")
        #expect(!isInf(s), "\(s)")
    }
}

// MARK: - Lone CR line endings

@Test func loneCRDetection() {
    func line(_ s: String, quote: UInt8 = 0x22) -> Int? {
        let b = Array(s.utf8)
        return b.withUnsafeBytes { CSVScanner.loneCRLine($0, range: 0..<b.count, firstLine: 1, quote: quote) }
    }
    #expect(line("a,b\r1,2\r3,4\r") == 1)
    #expect(line("a,b\r1,2") == 1)
    #expect(line("\r\ra,b\r") == 1)
    #expect(line("\n\na,b\r1,2\r") == 3)
    // CRLF, LF, a CR ending the input, CRs inside quoted fields: not lone-CR files
    #expect(line("a,b\r\n1,2\r\n") == nil)
    #expect(line("a,b\n1,2\n") == nil)
    #expect(line("a,b\r") == nil)
    #expect(line("\"x\ry\",b\r\n1,2\r\n") == nil)
    #expect(line("\"x\r\ny\",\"p\rq\"\n1,\"2\r3\"\r4") == nil)
    #expect(line("\"a\"\"\r\"\"b\",c\n") == nil)
    // only the first row is looked at
    #expect(line("a,b\n1,2\r3,4\n") == nil)
    #expect(line("\r\n\"q\",x\ry\n") == 2)
}

@Test func chunkReaderNamesLoneCRWhenTheRowTooLong() throws {
    let text = String(repeating: "a,b\r", count: 100)
    let dir = TestScratch.root + "strata-lonecr-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/mac.csv"
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    let reader = InputChunkReader(source: try InputSource(path: path), framing: CSVDialect.csv.framing,
                                  blockSize: 16, maxRowSize: 64)
    do {
        while try reader.next() != nil {}
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .loneCR && error.file == path && error.line == 1)
        #expect(error.description == "'\(path)': line 1: lone CR (\\r) line endings are not supported: convert with tr '\\r' '\\n'")
    }
}
