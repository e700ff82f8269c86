import Foundation
import StrataFormat
import StrataStore
import StrataText

/// Infers a table definition from sample rows (used when ingesting into a missing table).
public enum SchemaDetection {
    /// Rows examined for type detection (at most ~4 MiB of them). A later value that does not
    /// fit the detected type widens the column and the batch is read again (`widened`).
    public static let sampleRows = 20_000

    /// Candidate-type bits.
    static let intBit: UInt8 = 1, doubleBit: UInt8 = 2, boolBit: UInt8 = 4, dateBit: UInt8 = 8, tsBit: UInt8 = 16

    /// Bits of the types a text value could have.
    static func candidates(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt8 {
        var m: UInt8 = 0
        if Values.parseInt64(p, n) != nil { m |= intBit }
        if Values.parseDouble(p, n) != nil { m |= doubleBit }
        if ClickEnrichment.equalsCI(p, n, "true") || ClickEnrichment.equalsCI(p, n, "false") { m |= boolBit }
        if Civil.parseDate(p, n) != nil { m |= dateBit }
        if n >= 10 && p[4] == UInt8(ascii: "-") && Civil.parseTimestamp(p, n, format: .iso) != nil { m |= tsBit }
        return m
    }

    /// Accumulates candidate types of one column.
    struct Accumulator {
        var mask: UInt8 = 0xFF
        var sawValue = false
        /// Range of the integer values seen (for epoch detection).
        var minInt = Int64.max, maxInt = Int64.min

        mutating func add(_ bits: UInt8) {
            mask &= bits
            sawValue = true
        }

        mutating func add(_ bits: UInt8, _ p: UnsafePointer<UInt8>, _ n: Int) {
            add(bits)
            if bits & intBit != 0, let v = Values.parseInt64(p, n) {
                minInt = min(minInt, v)
                maxInt = max(maxInt, v)
            }
        }

        var type: ColumnType {
            guard sawValue else { return .varchar }
            if mask & intBit != 0 { return .bigint }
            if mask & doubleBit != 0 { return .double }
            if mask & boolBit != 0 { return .boolean }
            if mask & dateBit != 0 { return .date }
            if mask & tsBit != 0 { return .timestamp }
            return .varchar
        }
    }

    /// A valid column name from an input name: bytes other than ASCII letters, digits and `_`
    /// become `_`, a leading digit gets a `_` prefix, at most 128 bytes; empty → `column`.
    public static func columnName(_ s: String) -> String {
        var out: [UInt8] = []
        for b in s.trimmingCharacters(in: .whitespaces).utf8 {
            let ok = (b &- 65 < 26) || (b &- 97 < 26) || (b &- 48 < 10) || b == 95
            out.append(ok ? b : 95)
        }
        if out.isEmpty { return "column" }
        if out[0] &- 48 < 10 { out.insert(95, at: 0) }
        return String(decoding: out.prefix(128), as: UTF8.self)
    }

    /// The definition for detected columns: time column = a TIMESTAMP named `ts`, `timestamp`,
    /// `time` or `event_time`, else the first TIMESTAMP; partitioned by `granularity` and sorted
    /// by the time column; no TIMESTAMP → unpartitioned, unsorted.
    public static func definition(table: String, columns: [(name: String, type: ColumnType)],
                                  granularity: Granularity) -> TableDefinition {
        var seen = Set<String>()
        var cols: [ColumnSchema] = []
        for (n, t) in columns {
            var name = columnName(n)
            var k = 2
            while seen.contains(name.lowercased()) {
                name = columnName(n) + "_\(k)"
                k += 1
            }
            seen.insert(name.lowercased())
            cols.append(ColumnSchema(name: name, type: t, nullable: true))
        }
        let preferred = ["ts", "timestamp", "time", "event_time"]
        var time: String? = nil
        for p in preferred {
            if let c = cols.first(where: { $0.type == .timestamp && $0.name.lowercased() == p }) { time = c.name; break }
        }
        if time == nil { time = cols.first(where: { $0.type == .timestamp })?.name }
        return TableDefinition(name: table.lowercased(), columns: cols, timeColumn: time,
                               granularity: time == nil ? .none : (granularity == .none ? .day : granularity),
                               sortKey: time.map { [$0] } ?? [])
    }

    /// Columns of a table auto-created with click enrichment: the detected ones without `ip`
    /// (unless `keepIP`; the IP still feeds `visitor_id`), plus the derivable columns the input
    /// lacks: `source` (from `referrer`), `utm_source/utm_medium/utm_campaign` (from `url`,
    /// `landing_url` or `page_url`), `device/os/browser` VARCHAR and `is_bot` BOOLEAN (from
    /// `user_agent`), `visitor_id` (from `ip`).
    public static func withClickEnrichment(_ detected: [(name: String, type: ColumnType)],
                                           keepIP: Bool) -> [(name: String, type: ColumnType)] {
        let have = Set(detected.map { columnName($0.name).lowercased() })
        var out = detected.filter { keepIP || columnName($0.name).lowercased() != "ip" }
        func add(_ n: String, _ t: ColumnType = .varchar) {
            if !have.contains(n) && !out.contains(where: { columnName($0.name).lowercased() == n }) { out.append((n, t)) }
        }
        if have.contains("referrer") || have.contains("referer") { add("source") }
        if have.contains("url") || have.contains("landing_url") || have.contains("page_url") {
            add("utm_source"); add("utm_medium"); add("utm_campaign")
        }
        if have.contains("user_agent") {
            add("device"); add("os"); add("browser"); add("is_bot", .boolean)
        }
        if have.contains("ip") { add("visitor_id") }
        return out
    }

    /// Detects column types of CSV rows in `buffer` (fields unescaped with `dialect.quote`).
    static func detectCSV(header: [String], rows buffer: CSVRowBuffer, chunk: UnsafeRawBufferPointer,
                          dialect: CSVDialect, timeFormat: TimeFormat = .auto,
                          converted: inout Set<String>) -> [(name: String, type: ColumnType)] {
        var acc = [Accumulator](repeating: Accumulator(), count: header.count)
        let scratch = CSVScratch()
        for row in buffer.rows.prefix(sampleRows) {
            let fields = buffer.fields(of: row)
            for (f, fld) in fields.enumerated() where f < header.count {
                var b = fld.bytes(in: chunk)
                if fld.needsUnescape { b = scratch.unescape(b, quote: dialect.quote) }
                b = Values.trimmingSpaces(b)
                guard b.count > 0 else { continue }
                let p = b.baseAddress!.assumingMemoryBound(to: UInt8.self)
                acc[f].add(candidates(p, b.count), p, b.count)
            }
        }
        return epochColumns(zip(header, acc).map { ($0, $1) }, timeFormat, converted: &converted)
    }

    /// Detects keys (in order of first appearance) and types of NDJSON lines in `range`.
    static func detectNDJSON(chunk: UnsafeRawBufferPointer, range: Range<Int>, firstLine: Int,
                             timeFormat: TimeFormat = .auto,
                             converted: inout Set<String>) -> [(name: String, type: ColumnType)] {
        var names: [String] = []
        var index: [String: Int] = [:]
        var acc: [Accumulator] = []
        let buf = JSONObjectBuffer()
        var lines = NDJSONLines(chunk, range: range, firstLine: firstLine)
        var count = 0
        while count < sampleRows, let (bytes, line) = lines.next() {
            guard (try? JSONLineScanner.scan(bytes, lineNumber: line, into: buf, flatten: true)) == true else { continue }
            count += 1
            for m in buf.members {
                let key = String(decoding: buf.key(m), as: UTF8.self)
                let lk = columnName(key).lowercased()
                let i: Int
                if let k = index[lk] { i = k } else {
                    i = names.count
                    index[lk] = i
                    names.append(key)
                    acc.append(Accumulator())
                }
                let v = buf.value(m)
                switch m.kind {
                case .null: continue
                case .true, .false: acc[i].add(boolBit)
                case .number, .string:
                    let t = Values.trimmingSpaces(v)
                    if t.count == 0 { continue }
                    let p = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    var bits = candidates(p, t.count)
                    if m.kind == .number { bits &= intBit | doubleBit }
                    acc[i].add(bits, p, t.count)
                }
            }
        }
        return epochColumns(zip(names, acc).map { ($0, $1) }, timeFormat, converted: &converted)
    }

    /// Candidate bits a column of type `t` still allows.
    static func mask(of t: ColumnType) -> UInt8 {
        switch t {
        case .bigint, .integer: return intBit | doubleBit
        case .double: return doubleBit
        case .boolean: return boolBit
        case .date: return dateBit | tsBit
        case .timestamp: return tsBit
        default: return 0
        }
    }

    /// The narrowest type wider than `t` that holds a value with candidate bits `bits`:
    /// BIGINT → DOUBLE → VARCHAR, DATE → TIMESTAMP → VARCHAR, BOOLEAN → VARCHAR.
    static func widened(_ t: ColumnType, bits: UInt8) -> ColumnType {
        var a = Accumulator()
        a.add(mask(of: t) & bits)
        return a.type
    }

    /// `widened` for a text value.
    public static func widened(_ t: ColumnType, value: String) -> ColumnType {
        var v = value
        let bits = v.withUTF8 { b -> UInt8 in
            let t = Values.trimmingSpaces(UnsafeRawBufferPointer(b))
            guard t.count > 0 else { return 0xFF }
            return candidates(t.baseAddress!.assumingMemoryBound(to: UInt8.self), t.count)
        }
        return widened(t, bits: bits)
    }

    /// Whether a lowercased column name reads as a time: `ts`, `timestamp`, `time`,
    /// `event_time`, `datetime`, or ending in `_ts`, `_time`, `_at`, `_timestamp`.
    static func isTimeName(_ n: String) -> Bool {
        let l = columnName(n).lowercased()
        if ["ts", "timestamp", "time", "event_time", "datetime", "epoch"].contains(l) { return true }
        return l.hasSuffix("_ts") || l.hasSuffix("_time") || l.hasSuffix("_at") || l.hasSuffix("_timestamp")
    }

    /// Under an epoch `--time-format`, integer columns that hold times become TIMESTAMP: those
    /// with a time-like name (`isTimeName`); when no integer column has one, the first integer
    /// column whose sampled values all fall between 1990 and 2100 in that unit.
    /// Their lowercased names are added to `converted`.
    static func epochColumns(_ cols: [(String, Accumulator)], _ format: TimeFormat,
                             converted: inout Set<String>) -> [(name: String, type: ColumnType)] {
        var out = cols.map { (name: $0.0, type: $0.1.type) }
        let scale: Int64
        switch format {
        case .epochSeconds: scale = 1
        case .epochMillis: scale = 1_000
        case .epochMicros: scale = 1_000_000
        default: return out
        }
        let lo: Int64 = 631_152_000 * scale, hi: Int64 = 4_102_444_800 * scale  // 1990-01-01, 2100-01-01
        func plausible(_ i: Int) -> Bool {
            out[i].type == .bigint && cols[i].1.minInt >= lo && cols[i].1.maxInt < hi
        }
        var named = false
        for i in out.indices where isTimeName(out[i].name) && out[i].type == .bigint {
            named = true
            out[i].type = .timestamp
            converted.insert(columnName(out[i].name).lowercased())
        }
        if !named, let i = out.indices.first(where: plausible) {
            out[i].type = .timestamp
            converted.insert(columnName(out[i].name).lowercased())
        }
        return out
    }
}
