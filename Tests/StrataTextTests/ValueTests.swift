import Testing
@testable import StrataText
import StrataTestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic SplitMix64 generator for seeded property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 { splitMix64Next(&state) }
}

/// Reference parse with C `strtod` (whole string must be consumed).
func referenceStrtod(_ s: String) -> Double? {
    s.withCString { c -> Double? in
        var end: UnsafeMutablePointer<CChar>? = nil
        let v = strtod(c, &end)
        return end == UnsafeMutablePointer(mutating: c) + s.utf8.count ? v : nil
    }
}

// MARK: - Integers

@Test func parseInt64AcceptsExactValues() {
    #expect(Values.parseInt64("0") == 0)
    #expect(Values.parseInt64("-0") == 0)
    #expect(Values.parseInt64("+5") == 5)
    #expect(Values.parseInt64("007") == 7)
    #expect(Values.parseInt64("-123456789") == -123_456_789)
    #expect(Values.parseInt64("9223372036854775807") == Int64.max)
    #expect(Values.parseInt64("-9223372036854775808") == Int64.min)
    #expect(Values.parseInt64("000000000000000000000000042") == 42)
    #expect(Values.parseInt64("999999999999999999") == 999_999_999_999_999_999)
}

@Test func parseInt64Rejects() {
    for s in ["", "+", "-", " 1", "1 ", "1.0", "1e3", "1_000", "0x10", "--1", "+-1", "12a",
              "9223372036854775808", "-9223372036854775809", "99999999999999999999",
              "18446744073709551616", "١"] {
        #expect(Values.parseInt64(s) == nil, "\(s)")
    }
}

@Test func trimmingSpacesStripsSpacesAndTabs() {
    let bytes: [UInt8] = Array(" \t 42\t ".utf8)
    bytes.withUnsafeBytes { raw in
        let t = Values.trimmingSpaces(raw)
        #expect(Array(t) == Array("42".utf8))
        #expect(Values.parseInt64(t) == 42)
        #expect(Values.parseInt64(raw) == nil)
    }
    let blank: [UInt8] = Array("   ".utf8)
    blank.withUnsafeBytes { raw in
        #expect(Values.trimmingSpaces(raw).count == 0)
    }
    let inner: [UInt8] = Array(" a b ".utf8)
    inner.withUnsafeBufferPointer { p in
        let t = Values.trimmingSpaces(p.baseAddress!, p.count)
        #expect(t.count == 3)
        #expect(t.start == p.baseAddress! + 1)
    }
}

@Test func int64AppendParseRoundTrip() {
    var specials: [Int64] = [0, 1, -1, 9, 10, -10, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
    for seed in 0..<20 as Range<UInt64> {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<500 {
            let v = Int64(bitPattern: rng.next())
            // Mix magnitudes so short numbers are covered as well.
            let shift = Int64(rng.next() % 64)
            specials.append(v >> shift)
        }
    }
    for v in specials {
        var out: [UInt8] = [0x7C]
        Values.appendInt64(v, to: &out)
        #expect(out == [0x7C] + Array(String(v).utf8))
        let parsed = out.withUnsafeBufferPointer { Values.parseInt64($0.baseAddress! + 1, $0.count - 1) }
        #expect(parsed == v)
    }
}

// MARK: - Booleans

@Test func parseBoolTable() {
    for s in ["true", "TRUE", "True", "t", "T", "yes", "YES", "y", "Y", "1"] {
        #expect(Values.parseBool(s) == true, "\(s)")
    }
    for s in ["false", "FALSE", "fAlSe", "f", "F", "no", "NO", "n", "N", "0"] {
        #expect(Values.parseBool(s) == false, "\(s)")
    }
    for s in ["", " true", "true ", "tru", "truee", "2", "-1", "00", "on", "off", "ye", "nope", "[", "{"] {
        #expect(Values.parseBool(s) == nil, "\(s)")
    }
}

// MARK: - Doubles

@Test func parseDoubleExactValues() {
    #expect(Values.parseDouble("1.5") == 1.5)
    #expect(Values.parseDouble("-2.25") == -2.25)
    #expect(Values.parseDouble("+2.5e+2") == 250)
    #expect(Values.parseDouble(".5") == 0.5)
    #expect(Values.parseDouble("5.") == 5)
    #expect(Values.parseDouble("1e3") == 1000)
    #expect(Values.parseDouble("1E-3") == 0.001)
    #expect(Values.parseDouble("0.1") == 0.1)
    #expect(Values.parseDouble("007.50") == 7.5)
    #expect(Values.parseDouble("0") == 0)
    #expect(Values.parseDouble("-0")?.sign == .minus)
    #expect(Values.parseDouble("-0.0e10")?.sign == .minus)
    #expect(Values.parseDouble("1e400") == Double.infinity)
    #expect(Values.parseDouble("-1e400") == -Double.infinity)
    #expect(Values.parseDouble("1e-400") == 0)
    #expect(Values.parseDouble("4.9e-324") == Double.leastNonzeroMagnitude)
    #expect(Values.parseDouble("2.2250738585072014e-308") == Double.leastNormalMagnitude)
    #expect(Values.parseDouble("1.7976931348623157e308") == Double.greatestFiniteMagnitude)
    // 2^53 + 1 rounds to even (2^53); 2^53 + 3 rounds up to 2^53 + 4.
    #expect(Values.parseDouble("9007199254740993") == 9_007_199_254_740_992)
    #expect(Values.parseDouble("9007199254740995") == 9_007_199_254_740_996)
    #expect(Values.parseDouble("123456789012345678901234567890") == 1.2345678901234568e29)
    #expect(Values.parseDouble("1e23") == 1e23)
    #expect(Values.parseDouble("3e25") == 3e25)
    #expect(Values.parseDouble("0.30000000000000004") == 0.30000000000000004)
}

@Test func parseDoubleSpecials() {
    for s in ["inf", "INF", "Inf", "+inf", "infinity", "Infinity", "+INFINITY"] {
        #expect(Values.parseDouble(s) == Double.infinity, "\(s)")
    }
    for s in ["-inf", "-Infinity", "-INF"] {
        #expect(Values.parseDouble(s) == -Double.infinity, "\(s)")
    }
    for s in ["nan", "NaN", "NAN", "-nan", "+nan"] {
        #expect(Values.parseDouble(s)?.isNaN == true, "\(s)")
    }
}

@Test func parseDoubleRejects() {
    for s in ["", "+", "-", ".", "-.", "e5", ".e5", "1e", "1e+", "1e-", "0x1p3", "0x10", "1.5x",
              " 1", "1 ", "1..2", "1.2.3", "--1", "+-1", "infx", "in", "infinit", "nanx", "na",
              "1,5", "1e5.0", "1f", "１"] {
        #expect(Values.parseDouble(s) == nil, "\(s)")
    }
}

/// Random decimal strings of many shapes: `parseDouble` must agree with strtod bit for bit.
@Test func parseDoubleMatchesStrtodOnRandomStrings() {
    for seed in 0..<40 as Range<UInt64> {
        var rng = SplitMix64(seed: seed &* 7919)
        for _ in 0..<1500 {
            var s = ""
            switch rng.next() % 3 { case 0: s += "-"; case 1: s += "+"; default: break }
            let leadingZeros = rng.next() % 4 == 0 ? Int(rng.next() % 4) : 0
            s += String(repeating: "0", count: leadingZeros)
            let digitCount = 1 + Int(rng.next() % (rng.next() % 2 == 0 ? 20 : 40))
            var digits = ""
            for k in 0..<digitCount {
                // Occasionally runs of zeros / nines, which stress rounding.
                let r = rng.next() % 10
                let d = r < 2 ? 0 : (r < 4 ? 9 : Int(rng.next() % 10))
                digits += String(k == 0 && d == 0 && digitCount > 1 ? 1 : d)
            }
            let dotPos = Int(rng.next() % UInt64(digitCount + 2)) - 1 // -1: no dot
            if dotPos >= 0 {
                let idx = digits.index(digits.startIndex, offsetBy: dotPos)
                digits.insert(".", at: idx)
            }
            s += digits
            if rng.next() % 2 == 0 {
                s += rng.next() % 2 == 0 ? "e" : "E"
                switch rng.next() % 3 { case 0: s += "-"; case 1: s += "+"; default: break }
                let e: UInt64
                switch rng.next() % 4 {
                case 0: e = rng.next() % 23
                case 1: e = rng.next() % 40
                case 2: e = rng.next() % 330
                default: e = rng.next() % 400
                }
                s += String(e)
            }
            guard let expected = referenceStrtod(s) else {
                // Only "." style shapes can be rejected by strtod; ours must reject too.
                #expect(Values.parseDouble(s) == nil, "\(s)")
                continue
            }
            let got = Values.parseDouble(s)
            #expect(got?.bitPattern == expected.bitPattern, "\(s)")
        }
    }
}

// MARK: - Double formatting

@Test func formatDoubleExactValues() {
    #expect(Values.formatDouble(1.5) == "1.5")
    #expect(Values.formatDouble(0.1) == "0.1")
    #expect(Values.formatDouble(3.0) == "3.0")
    #expect(Values.formatDouble(100.0) == "100.0")
    #expect(Values.formatDouble(1.0 / 3.0) == "0.3333333333333333")
    #expect(Values.formatDouble(0.0001) == "0.0001")
    #expect(Values.formatDouble(0.00001) == "1e-05")
    #expect(Values.formatDouble(1e15) == "1000000000000000.0")
    #expect(Values.formatDouble(1e16) == "1e+16")
    #expect(Values.formatDouble(9.5e15) == "9500000000000000.0")
    #expect(Values.formatDouble(-9007199254740994.0) == "-9007199254740994.0")
    #expect(Values.formatDouble(9007199254740992.0) == "9007199254740992.0")
    #expect(Values.formatDouble(9999999999999998.0) == "9999999999999998.0")
    #expect(Values.formatDouble(123456789012345.6) == "123456789012345.6")
    #expect(Values.formatDouble(0.000099) == "9.9e-05")
    #expect(Values.formatDouble(-2.5e-300) == "-2.5e-300")
    #expect(Values.formatDouble(Double.greatestFiniteMagnitude) == "1.7976931348623157e+308")
    #expect(Values.formatDouble(Double.leastNonzeroMagnitude) == "5e-324")
    #expect(Values.formatDouble(-0.0) == "-0.0")
    #expect(Values.formatDouble(0.0) == "0.0")
    #expect(Values.formatDouble(.infinity) == "inf")
    #expect(Values.formatDouble(-.infinity) == "-inf")
    #expect(Values.formatDouble(.nan) == "nan")
    #expect(Values.formatDouble(-Double.nan) == "nan")
    #expect(Values.formatDouble(.signalingNaN) == "nan")
    var out: [UInt8] = Array("x=".utf8)
    Values.appendDouble(-Double.nan, to: &out)
    Values.appendDouble(0.1, to: &out)
    #expect(String(decoding: out, as: UTF8.self) == "x=nan0.1")
}

/// Random finite bit patterns: format → parse must be bit-identical, and the
/// byte-appending form must produce the same text as `formatDouble`.
@Test func formatParseDoubleRoundTrip() {
    for seed in 0..<30 as Range<UInt64> {
        var rng = SplitMix64(seed: seed &+ 1000)
        var out: [UInt8] = []
        for _ in 0..<2000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            let text = Values.formatDouble(d)
            #expect(Values.parseDouble(text)?.bitPattern == d.bitPattern, "\(text)")
            out.removeAll(keepingCapacity: true)
            Values.appendDouble(d, to: &out)
            #expect(out == Array(text.utf8))
        }
        // The (2^53, 1e16) decimal band.
        for _ in 0..<500 {
            let d = Double(bitPattern: 0x4340_0000_0000_0001 &+ rng.next() % 0x1_C379_37E0_8000)
            let text = Values.formatDouble(d)
            #expect(Values.parseDouble(text)?.bitPattern == d.bitPattern, "\(text)")
            if d < 1e16 { #expect(text.hasSuffix(".0") && !text.contains("e"), "\(text)") }
            out.removeAll(keepingCapacity: true)
            Values.appendDouble(-d, to: &out)
            #expect(out == Array(Values.formatDouble(-d).utf8))
        }
        // Also "human" doubles with few digits.
        for _ in 0..<500 {
            let d = Double(Int64(bitPattern: rng.next()) % 1_000_000) / 1000
            let text = Values.formatDouble(d)
            #expect(Values.parseDouble(text) == d, "\(text)")
        }
    }
}

/// The Eisel-Lemire path on its own: random 1–19 digit mantissas and
/// exponents over the whole table must agree with strtod whenever the path
/// answers, and it must answer for the vast majority of normal results.
@Test func eiselLemireMatchesStrtod() {
    var answered = 0
    var total = 0
    for seed in 0..<20 as Range<UInt64> {
        var rng = SplitMix64(seed: seed &+ 555)
        for _ in 0..<5000 {
            let digits = 1 + Int(rng.next() % 19)
            var w: UInt64 = 1 + rng.next() % 9
            for _ in 1..<digits { w = w * 10 + rng.next() % 10 }
            let q = Int(rng.next() % 651) - 342
            let text = "\(w)e\(q)"
            guard let expected = referenceStrtod(text) else { continue }
            let negative = rng.next() % 2 == 0
            if let got = Values.parseDoubleEiselLemire(w, q, negative: negative) {
                #expect(got.bitPattern == (negative ? -expected : expected).bitPattern, "\(text)")
                answered += 1
            }
            if expected.isNormal { total += 1 }
        }
    }
    #expect(answered * 100 >= total * 99, "answered \(answered) of \(total)")
    // Hard cases: exact halfway points and neighbours (round half to even).
    for text in ["9007199254740993", "9007199254740995", "4503599627370497.5", "2.2250738585072011e-308",
                 "1.7976931348623157e308", "1.7976931348623158e308", "7.3177701707893310e+15",
                 "123456789012345678", "1844674407370955161", "8.98846567431158e307",
                 "4.9406564584124654e-324", "2.4703282292062327e-324", "1e-320"] {
        #expect(Values.parseDouble(text)?.bitPattern == referenceStrtod(text)?.bitPattern, "\(text)")
    }
}
