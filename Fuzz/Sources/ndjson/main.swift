// NDJSON scanner: the input (after two choice bytes: block size, pieces) is read through
// `InputChunkReader` with line framing, split into lines by `NDJSONLines` and each line
// scanned by `JSONLineScanner.scan`, flat and flattening. Checks: every member's key and value
// bytes are in bounds; line numbers increase; for a valid-UTF-8 line the flat scanner
// accepts, Foundation's JSON parser agrees on the keys and string values.
import Foundation
import FuzzSupport
import StrataText

let flat = JSONObjectBuffer(memberCapacity: 2, scratchCapacity: 16)
let nested = JSONObjectBuffer(memberCapacity: 2, scratchCapacity: 16)

func check(_ line: UnsafeRawBufferPointer, _ lineNo: Int) {
    var accepted = false
    do throws(JSONError) {
        accepted = try JSONLineScanner.scan(line, lineNumber: lineNo, into: flat, flatten: false)
        if accepted { compareWithFoundation(line) }
    } catch {
        if error.line != lineNo { Fuzz.fail("error names line \(error.line), the line is \(lineNo)") }
        if error.column < 1 || error.column > line.count + 1 { Fuzz.fail("error column \(error.column) outside a line of \(line.count) bytes") }
    }
    do throws(JSONError) {
        if try JSONLineScanner.scan(line, lineNumber: lineNo, into: nested, flatten: true) {
            for m in nested.members { _ = Array(nested.key(m)); _ = Array(nested.value(m)) }
            if accepted && nested.members.count != flat.members.count {
                // a flat object scans the same either way
                _ = try JSONLineScanner.scan(line, lineNumber: lineNo, into: flat, flatten: false)
                if nested.members.count != flat.members.count { Fuzz.fail("flattening a flat object changed its member count") }
            }
        } else if accepted {
            Fuzz.fail("flattening scan saw a blank line where the flat scan saw an object")
        }
    } catch {
        if accepted { Fuzz.fail("flattening scan refused an object the flat scan accepted: \(error)") }
    }
}

func compareWithFoundation(_ line: UnsafeRawBufferPointer) {
    guard String(validating: line, as: UTF8.self) != nil else { return }
    var members: [String: (JSONValueKind, [UInt8])] = [:]
    var duplicate = false
    for m in flat.members {
        let k = String(decoding: flat.key(m), as: UTF8.self)
        if members[k] != nil { duplicate = true }
        members[k] = (m.kind, Array(flat.value(m)))
    }
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: Data(line), options: []) } catch {
        // JSON (RFC 8259) allows numbers beyond a double's range; Foundation refuses them,
        // Strata (as DuckDB) reads them as ±inf or refuses them per column: not a disagreement
        // about the line's syntax
        if "\(error)".contains("is not representable") { return }
        Fuzz.fail("JSONLineScanner accepted a line Foundation rejects (\(error))")
    }
    guard let dict = parsed as? [String: Any] else { Fuzz.fail("JSONLineScanner accepted a line that is not an object for Foundation") }
    if duplicate { return }
    if Set(dict.keys) != Set(members.keys) { Fuzz.fail("keys differ: scanner \(members.keys.sorted()), Foundation \(dict.keys.sorted())") }
    for (k, (kind, value)) in members where kind == .string {
        guard let s = dict[k] as? String else { Fuzz.fail("key \(k): a string for the scanner, not for Foundation") }
        // Foundation compares by canonical equivalence; compare the UTF-8 bytes
        if Array(s.utf8) != value && String(decoding: value, as: UTF8.self).unicodeScalars.elementsEqual(s.unicodeScalars) == false {
            Fuzz.fail("key \(k): string value differs from Foundation's")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let blockSize = Int(input.byte() % 64) + 1
    let parallelism = Int(input.byte() % 4) + 1
    let path = Fuzz.write(Array(input.rest), name: "input.ndjson")
    do throws(InputError) {
        let reader = InputChunkReader(source: try InputSource(path: path, hashContent: false), framing: .lines,
                                      blockSize: blockSize, maxRowSize: 1 << 22, parallelism: parallelism)
        var lastLine = 0
        while let chunk = try reader.next() {
            for piece in chunk.pieces {
                var lines = NDJSONLines(chunk.bytes, range: piece.range, firstLine: piece.firstLine)
                while let (bytes, line) = lines.next() {
                    if line <= lastLine { Fuzz.fail("line numbers do not increase: \(line) after \(lastLine)") }
                    lastLine = line
                    check(bytes, line)
                }
            }
        }
    } catch {}
    return 0
}

/// The executable's entry (SwiftPM names it after the module): libFuzzer's driver on `fuzz`.
@_cdecl("fuzz_ndjson_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
