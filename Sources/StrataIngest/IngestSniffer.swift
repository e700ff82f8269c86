import StrataText

/// What the ingest tells from the first bytes of an input (`InputSource.peek`): CSV or JSON,
/// whether JSON needs reframing, and the CSV delimiter.
enum IngestSniffer {
    /// Bytes read ahead for sniffing.
    static let headBytes = 64 << 10

    /// Offset of the first byte after a UTF-8 BOM and whitespace.
    static func firstContent(_ head: [UInt8]) -> Int {
        var i = 0
        if head.count >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF { i = 3 }
        while i < head.count && (head[i] == 0x20 || head[i] == 0x09 || head[i] == 0x0A || head[i] == 0x0D) { i += 1 }
        return i
    }

    /// `.ndjson` when the content starts with `{` or `[` (JSON), else `.csv`.
    static func format(_ head: [UInt8]) -> IngestFormat {
        let i = firstContent(head)
        return i < head.count && (head[i] == UInt8(ascii: "{") || head[i] == UInt8(ascii: "[")) ? .ndjson : .csv
    }

    /// JSON that is not one object per line: an array (`[`), or a first object that does not
    /// end on its first line.
    static func needsJSONFraming(_ head: [UInt8]) -> Bool {
        let i = firstContent(head)
        guard i < head.count else { return false }
        if head[i] == UInt8(ascii: "[") { return true }
        guard head[i] == UInt8(ascii: "{") else { return false }
        guard let nl = head[i...].firstIndex(of: 0x0A) else {
            // one line: complete in the head when the head is the whole input
            if head.count == headBytes { return false }
            var e = head.count
            while e > i && head[e - 1] <= 0x20 { e -= 1 }
            return head[e - 1] != UInt8(ascii: "}")
        }
        var e = nl
        while e > i && head[e - 1] <= 0x20 { e -= 1 }
        return head[e - 1] != UInt8(ascii: "}")
    }

    /// Candidate delimiters, in order of preference.
    static let candidates: [UInt8] = [UInt8(ascii: ","), 0x09, UInt8(ascii: ";"), UInt8(ascii: "|")]

    /// The delimiter of a CSV from up to its first 20 rows: `,` when it splits every row into
    /// the same number (> 1) of fields, else the candidate (tab, `;`, `|`) that does with the
    /// most fields; `nil` when none does.
    static func delimiter(_ head: [UInt8], quote: UInt8) -> UInt8? {
        var start = firstContent(head)
        // whole lines only (unless the head is the whole input), at most 20 of them
        var end = head.count
        var lines = 0
        var k = start
        while k < head.count {
            if head[k] == 0x0A {
                lines += 1
                if lines == 20 { end = k + 1; break }
            }
            k += 1
        }
        if lines < 20 && head.count == headBytes, let last = head.lastIndex(of: 0x0A) { end = last + 1 }
        if head.count >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF { start = max(start, 3) }
        guard start < end else { return nil }
        var best: (d: UInt8, fields: Int)? = nil
        let buf = CSVRowBuffer(fieldCapacity: 1024, rowCapacity: 32)
        return head.withUnsafeBytes { raw -> UInt8? in
            for d in candidates where d != quote {
                do throws(CSVError) {
                    try CSVScanner.scan(raw, range: start..<end, firstLine: 1, dialect: CSVDialect(delimiter: d, quote: quote), into: buf)
                } catch {
                    if error.kind != .unterminatedQuotedField { continue }
                }
                let rows = buf.rows
                guard let first = rows.first, first.fieldCount > 1,
                      rows.allSatisfy({ $0.fieldCount == first.fieldCount }) else { continue }
                if d == UInt8(ascii: ",") { return d }
                if best == nil || Int(first.fieldCount) > best!.fields { best = (d, Int(first.fieldCount)) }
            }
            return best?.d
        }
    }

    /// A candidate delimiter other than `delimiter` found in `text` (a header that did not split).
    static func otherDelimiter(in text: String, than delimiter: UInt8) -> UInt8? {
        let u = Array(text.utf8)
        return candidates.first { $0 != delimiter && u.contains($0) }
    }

    /// `';'`, `tab`, ...
    static func describe(_ d: UInt8) -> String {
        d == 0x09 ? "tab" : "'\(String(UnicodeScalar(d)))'"
    }

    /// The `--delimiter` argument for `d`.
    static func flag(_ d: UInt8) -> String {
        d == 0x09 ? "tab" : "'\(String(UnicodeScalar(d)))'"
    }
}
