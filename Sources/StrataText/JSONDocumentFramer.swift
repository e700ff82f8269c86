// Reframes JSON documents (an array of objects, or objects spread over lines) as NDJSON.

/// A streaming byte transformer from "JSON documents" to NDJSON, so that the NDJSON path
/// (parallel line chunking, `JSONLineScanner`) reads them unchanged:
///
/// * a top-level array `[v1, v2, ...]` (one per input, the usual export) yields one line per
///   element; its brackets and commas are dropped;
/// * top-level values not in an array (NDJSON, pretty-printed objects one after another,
///   concatenated objects) yield one line each;
/// * a value spanning several lines is joined onto one line (line breaks outside strings
///   become spaces; a raw line break inside a string, which JSON forbids, becomes a control
///   byte the scanner reports);
/// * line numbers are kept: each value starts on the output line of the input line where it
///   starts (blank lines fill the gaps), so errors name the input's lines. (Several values on
///   one input line are numbered from that line on.)
///
/// A UTF-8 BOM before the first value is dropped. Bytes that are not JSON are passed through
/// to the scanner, which reports them.
public struct JSONDocumentFramer: Sendable {
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var inValue = false
    private var scalar = false
    /// The current scalar value has produced a byte: only then does a delimiter end it (a value
    /// starting with `,` or a stray `]` takes that byte, so every value consumes input).
    private var scalarHasByte = false
    private var wrapper = false
    private var sawContent = false
    private var inputLine = 1
    private var outputLine = 1
    private var pendingNewlines = 0

    public init() {}

    /// Transforms up to `n` bytes of `src` into at most `room` bytes of `dst`; returns the bytes
    /// consumed and produced. Call again with the rest while input remains.
    public mutating func run(_ src: UnsafePointer<UInt8>, _ n: Int, _ dst: UnsafeMutablePointer<UInt8>,
                             _ room: Int) -> (consumed: Int, produced: Int) {
        var i = 0, o = 0
        while true {
            while pendingNewlines > 0 && o < room {
                dst[o] = 0x0A
                o += 1
                pendingNewlines -= 1
            }
            if pendingNewlines > 0 || i == n || o == room { break }
            let c = src[i]
            if inValue {
                if inString {
                    if escaped {
                        escaped = false
                    } else if c == 0x5C {
                        escaped = true
                    } else if c == 0x22 {
                        inString = false
                    }
                    if c == 0x0A {
                        inputLine += 1
                        dst[o] = 0x01
                    } else {
                        dst[o] = c == 0x0D ? 0x01 : c
                    }
                    o += 1
                    i += 1
                    continue
                }
                if scalar {
                    if scalarHasByte && (c == 0x2C || c == 0x5D || c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D) {
                        endValue()
                        continue  // the byte is read again outside the value
                    }
                    dst[o] = c
                    o += 1
                    i += 1
                    scalarHasByte = true
                    continue
                }
                switch c {
                case 0x22: inString = true; dst[o] = c
                case 0x7B, 0x5B: depth += 1; dst[o] = c
                case 0x7D, 0x5D:
                    depth -= 1
                    dst[o] = c
                    if depth == 0 {
                        o += 1
                        i += 1
                        endValue()
                        continue
                    }
                case 0x0A: inputLine += 1; dst[o] = 0x20
                case 0x0D: dst[o] = 0x20
                default: dst[o] = c
                }
                o += 1
                i += 1
                continue
            }
            // between values
            if !sawContent && (c == 0xEF || c == 0xBB || c == 0xBF) {
                i += 1
                continue
            }
            switch c {
            case 0x20, 0x09, 0x0D:
                i += 1
            case 0x0A:
                inputLine += 1
                if outputLine < inputLine {
                    outputLine += 1
                    pendingNewlines += 1
                }
                i += 1
            case 0x5B where !sawContent:
                sawContent = true
                wrapper = true
                i += 1
            case 0x2C where wrapper:
                i += 1
            case 0x5D where wrapper:
                wrapper = false
                i += 1
            default:
                sawContent = true
                if outputLine < inputLine {
                    pendingNewlines += inputLine - outputLine
                    outputLine = inputLine
                }
                inValue = true
                scalar = !(c == 0x7B || c == 0x5B)
                scalarHasByte = false
                depth = 0
            }
        }
        return (i, o)
    }

    private mutating func endValue() {
        inValue = false
        pendingNewlines += 1
        outputLine += 1
    }
}
