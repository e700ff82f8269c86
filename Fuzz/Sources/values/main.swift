// Time and number parsing (StrataText CivilParse.swift, ValuesParse.swift): every parser on
// the input; where a parse succeeds, formatting the value and parsing the text again gives
// the same value; where Swift's own parser reads the same text, the values agree.
import FuzzSupport
import StrataText

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = FuzzBytes(data, size)
    input.bytes.withUnsafeBytes { b in
        let text = String(decoding: b, as: UTF8.self)
        if let v = Values.parseInt64(b) {
            var out: [UInt8] = []
            Values.appendInt64(v, to: &out)
            guard let again = out.withUnsafeBytes({ Values.parseInt64($0) }), again == v else {
                Fuzz.fail("int64 \(v) formatted as \(String(decoding: out, as: UTF8.self)) does not parse back")
            }
            if let swift = Int64(text), swift != v { Fuzz.fail("parseInt64 = \(v), Swift reads \(swift)") }
        }
        if let d = Values.parseDouble(b) {
            let s = Values.formatDouble(d)
            guard let again = Values.parseDouble(s) else { Fuzz.fail("double \(d) formatted as \(s) does not parse back") }
            if !(again.bitPattern == d.bitPattern || (again.isNaN && d.isNaN)) {
                Fuzz.fail("double \(d) (bits \(d.bitPattern)) formatted as \(s) parses back as \(again)")
            }
            var out: [UInt8] = []
            Values.appendDouble(d, to: &out)
            if String(decoding: out, as: UTF8.self) != s { Fuzz.fail("appendDouble and formatDouble differ for \(d)") }
            if let swift = Double(text), !(swift.bitPattern == d.bitPattern || (swift.isNaN && d.isNaN)) {
                Fuzz.fail("parseDouble(\(text.debugDescription)) = \(d), Swift reads \(swift)")
            }
        }
        if let v = Values.parseBool(b) {
            guard Values.parseBool(v ? "true" : "false") == v else { Fuzz.fail("bool does not round-trip") }
        }
        if let days = Civil.parseDate(b) {
            let s = Civil.formatDate(days)
            guard Civil.parseDate(s) == days else { Fuzz.fail("date \(days) formatted as \(s) does not parse back") }
        }
        for format in [TimeFormat.auto, .iso, .epochSeconds, .epochMillis, .epochMicros] {
            guard let micros = Civil.parseTimestamp(b, format: format) else { continue }
            let s = Civil.formatTimestamp(micros)
            var out: [UInt8] = []
            Civil.appendTimestamp(micros, to: &out)
            if String(decoding: out, as: UTF8.self) != s { Fuzz.fail("appendTimestamp and formatTimestamp differ for \(micros)") }
            // the formatted text has a 4-digit year only within years 0000-9999
            guard let again = Civil.parseTimestamp(s, format: .iso) else {
                if abs(micros) < 253_402_300_800_000_000 && micros >= -62_167_219_200_000_000 {
                    Fuzz.fail("timestamp \(micros) (from \(text.debugDescription), \(format)) formatted as \(s) does not parse back")
                }
                continue
            }
            if again != micros { Fuzz.fail("timestamp \(micros) formatted as \(s) parses back as \(again)") }
        }
    }
    return 0
}

/// The executable's entry (SwiftPM names it after the module): libFuzzer's driver on `fuzz`.
@_cdecl("fuzz_values_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
