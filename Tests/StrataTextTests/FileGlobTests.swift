import Foundation
import StrataTestSupport
import Testing
@testable import StrataText

@Test func braceExpansion() {
    #expect(FileGlob.braceExpand("x{a,b}y{1,2}") == ["xay1", "xay2", "xby1", "xby2"])
    #expect(FileGlob.braceExpand("{2024-0{4,5},2023}*.csv") == ["2024-04*.csv", "2024-05*.csv", "2023*.csv"])
    #expect(FileGlob.braceExpand("a{,.gz}") == ["a", "a.gz"])
    #expect(FileGlob.braceExpand("plain") == ["plain"])
    #expect(FileGlob.braceExpand("open{a,b") == ["open{a,b"])
    #expect(FileGlob.braceExpand("esc\\{a,b}") == ["esc\\{a,b}"])
}

@Test func patternMatchingWithoutTheFileSystem() {
    #expect(FileGlob.isPattern("logs/*.csv") && FileGlob.isPattern("a?.csv") && FileGlob.isPattern("{a,b}")
        && FileGlob.isPattern("[ab].csv") && !FileGlob.isPattern("logs/a.csv"))
    #expect(FileGlob.matches("logs/*.csv", "logs/a.csv"))
    #expect(!FileGlob.matches("logs/*.csv", "logs/sub/a.csv"))
    #expect(!FileGlob.matches("logs/*.csv", "logs/.hidden.csv"))
    #expect(FileGlob.matches("logs/.*.csv", "logs/.hidden.csv"))
    #expect(FileGlob.matches("logs/**/*.csv", "logs/a.csv"))
    #expect(FileGlob.matches("logs/**/*.csv", "logs/2024/05/a.csv"))
    #expect(!FileGlob.matches("logs/**/*.csv", "logs/.git/a.csv"))
    #expect(FileGlob.matches("logs/**", "logs/x/y/z"))
    #expect(FileGlob.matches("/data/{a,b}/part-?.csv", "/data/b/part-1.csv"))
    #expect(!FileGlob.matches("/data/{a,b}/part-?.csv", "/data/c/part-1.csv"))
    #expect(FileGlob.matches("m=2024-0[4-5]/*", "m=2024-05/x.parquet"))
    #expect(!FileGlob.matches("m=2024-0[4-5]/*", "m=2024-06/x.parquet"))
    #expect(FileGlob.matches("[!a]*.csv", "b.csv") && !FileGlob.matches("[!a]*.csv", "a.csv"))
}

@Test func expansionAgainstTheFileSystem() throws {
    let root = TestScratch.root + "glob-\(UUID().uuidString)"
    let fm = FileManager.default
    for d in ["logs/2024/05", "logs/2024/06", "logs/.git", "other"] {
        try fm.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
    }
    for f in ["logs/a.csv", "logs/b.csv.gz", "logs/2024/05/c.csv", "logs/2024/06/d.csv", "logs/.git/e.csv",
              "logs/.f.csv", "other/g.csv", "logs/notes.txt"] {
        fm.createFile(atPath: root + "/" + f, contents: Data("x".utf8))
    }
    try fm.createSymbolicLink(atPath: root + "/logs/2024/loop", withDestinationPath: root + "/logs")
    defer { try? fm.removeItem(atPath: root) }
    func rel(_ paths: [String]) -> [String] { paths.map { String($0.dropFirst(root.count + 1)) } }
    #expect(rel(FileGlob.expand(root + "/logs/*.csv")) == ["logs/a.csv"])
    #expect(rel(FileGlob.expand(root + "/logs/*.csv*")) == ["logs/a.csv", "logs/b.csv.gz"])
    #expect(rel(FileGlob.expand(root + "/logs/**/*.csv")) == ["logs/2024/05/c.csv", "logs/2024/06/d.csv", "logs/a.csv"])
    #expect(rel(FileGlob.expand(root + "/{logs,other}/*.csv")) == ["logs/a.csv", "other/g.csv"])
    #expect(rel(FileGlob.expand(root + "/logs/2024/0[5]/*")) == ["logs/2024/05/c.csv"])
    // one `*` follows a link to a directory (as the shells do); `**` does not
    #expect(rel(FileGlob.expand(root + "/*/2024/*/?.csv")) == ["logs/2024/05/c.csv", "logs/2024/06/d.csv", "logs/2024/loop/a.csv"])
    #expect(rel(FileGlob.expand(root + "/logs/a.csv")) == ["logs/a.csv"])
    #expect(FileGlob.expand(root + "/logs/*.parquet").isEmpty)
    #expect(FileGlob.expand(root + "/nope/**/*.csv").isEmpty)
    // directories: every file below, hidden names and symbolic links to directories skipped
    #expect(rel(FileGlob.filesUnder(root + "/logs")) == ["logs/2024/05/c.csv", "logs/2024/06/d.csv", "logs/a.csv",
                                                         "logs/b.csv.gz", "logs/notes.txt"])
    #expect(rel(FileGlob.filesUnder(root + "/logs/", accept: { $0.hasSuffix(".csv") }))
        == ["logs/2024/05/c.csv", "logs/2024/06/d.csv", "logs/a.csv"])
    // relative patterns stay relative
    let cwd = fm.currentDirectoryPath
    fm.changeCurrentDirectoryPath(root)
    defer { fm.changeCurrentDirectoryPath(cwd) }
    #expect(FileGlob.expand("logs/*.csv") == ["logs/a.csv"])
    #expect(FileGlob.expand("other/**") == ["other/g.csv"])
}

private func frame(_ s: String, step: Int = 1 << 20) -> String {
    String(decoding: frame(bytes: Array(s.utf8), step: step), as: UTF8.self)
}

/// Runs the framer to the end of `input`; stops (and records an issue) when the output
/// outgrows every valid reframing (each input byte gives at most two output bytes).
private func frame(bytes input: [UInt8], step: Int) -> [UInt8] {
    var f = JSONDocumentFramer()
    var out: [UInt8] = []
    var i = 0
    var buf = [UInt8](repeating: 0, count: step)
    while true {
        let (c, p) = input.withUnsafeBufferPointer { src in
            buf.withUnsafeMutableBufferPointer { dst in
                f.run(src.baseAddress! + i, min(step, input.count - i), dst.baseAddress!, step)
            }
        }
        out += buf[0..<p]
        i += c
        if c == 0 && p == 0 { break }
        if out.count > 2 * input.count + 2 {
            Issue.record("framer output outgrew its input (\(input.count) bytes in, \(out.count) out, \(i) consumed)")
            break
        }
    }
    return out
}

/// Fuzz/Corpus/ingest/regression-framer-comma: after a value, a `,` outside an array started
/// a scalar that the same `,` ended at once, without consuming it: the framer wrote newlines
/// forever (the ingest hung, growing). A value now takes at least its first byte.
@Test func strayDelimitersAreValuesThatConsumeInput() {
    for step in [1, 2, 5, 1 << 20] {
        #expect(frame("{\"tsa\":2}false,1.5\n", step: step) == "{\"tsa\":2}\nfalse\n,1.5\n")
        #expect(frame(",", step: step) == ",")  // a value open at the end has no line break
        #expect(frame("{\"a\":1}]", step: step) == "{\"a\":1}\n]")
        #expect(frame("[1,,2]", step: step) == "1\n2\n")
        #expect(frame("1,]", step: step) == "1\n,\n]")
    }
}

/// Any bytes: the framer consumes all of its input and its output stays within twice it.
@Test(arguments: 0..<200)
func framerTerminatesOnAnyInput(seed: Int) {
    var rng = SplitMix64(seed: UInt64(seed))
    let alphabet = Array("{}[],\"\\ \n\r\tab1-.e\u{FEFF}".utf8)
    let input = (0..<Int.random(in: 0...300, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
    _ = frame(bytes: input, step: [1, 3, 64, 1 << 20][seed % 4])
}

@Test func jsonDocumentsBecomeOneValuePerLineKeepingLineNumbers() {
    for step in [1, 2, 3, 7, 1 << 20] {
        #expect(frame("[{\"a\":1},{\"a\":2}]", step: step) == "{\"a\":1}\n{\"a\":2}\n")
        #expect(frame("[\n  {\"a\": 1},\n\n  {\n    \"a\": \"x]}\\\"\",\n    \"b\": [1, {\"c\": 2}]\n  }\n]\n", step: step)
            == "\n{\"a\": 1}\n\n{     \"a\": \"x]}\\\"\",     \"b\": [1, {\"c\": 2}]   }\n\n\n")
        // NDJSON and pretty objects without an array pass through with their lines
        #expect(frame("{\"a\":1}\n{\"a\":2}\n", step: step) == "{\"a\":1}\n{\"a\":2}\n")
        #expect(frame("\u{FEFF}{\n\"a\":1\n}\n{\"a\":2}", step: step) == "{ \"a\":1 }\n\n\n{\"a\":2}\n")
        // scalars and raw line breaks inside strings reach the scanner as errors
        #expect(frame("[1, \"x\"]", step: step) == "1\n\"x\"\n")
        #expect(frame("[{\"a\":\"b\nc\"}]", step: step) == "{\"a\":\"b\u{01}c\"}\n")
        #expect(frame("[]", step: step) == "")
    }
}
