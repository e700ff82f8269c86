import Foundation
import StrataCore
import StrataFormat
import StrataStore
import StrataText

/// Per-table parsing plan shared (read-only) by all workers: column types, input slots and
/// the enrichment wiring.
///
/// Slots: `0..<ncols` are the table's columns; further slots are enrichment inputs the file
/// may carry but the table lacks (`ip`, `user_agent`, `referrer`, `url`, ...).
final class TablePlan: @unchecked Sendable {
    let def: TableDefinition
    let ncols: Int
    let types: [ColumnType]
    let notNull: [Bool]
    let timeColumn: Int
    let slotNames: [String]
    /// Lowercased slot names as bytes.
    let slotKeys: [[UInt8]]
    let slotIndex: [String: Int]
    let emptyAsNull: Bool
    let timeFormat: TimeFormat
    /// Time format per column (`timeFormat`, or `.auto` for ISO-detected columns of a created table).
    let timeFormats: [TimeFormat]
    /// The table was created by this ingest: a value its column type cannot hold asks for a
    /// wider type (`Worker.widenings`) instead of being a bad row.
    let widen: Bool
    let ignoreExtra: Bool
    let invalidUTF8: InvalidUTF8Policy

    let enrich: Bool
    let keepIP: Bool
    let seed: UInt64
    let inIP: Int, inUA: Int
    let inRef: [Int], inURL: [Int]
    let tSource: Int, tDevice: Int, tOS: Int, tBrowser: Int, tIsBot: Int, tVisitor: Int, tIP: Int
    let tUTM: [Int]

    init(def: TableDefinition, options: IngestOptions, widen: Bool = false,
         timeFormats overrides: [String: TimeFormat] = [:]) throws(IngestError) {
        self.def = def
        self.widen = widen
        timeFormats = def.columns.map { overrides[$0.name.lowercased()] ?? options.timeFormat }
        ncols = def.columns.count
        types = def.columns.map(\.type)
        let tc = def.granularity == .none ? -1 : (def.timeColumnIndex ?? -1)
        timeColumn = tc
        notNull = def.columns.enumerated().map { !$1.nullable || $0 == tc }
        emptyAsNull = options.emptyAsNull
        timeFormat = options.timeFormat
        ignoreExtra = options.extraColumns == .ignore
        invalidUTF8 = options.invalidUTF8
        let profile = options.enrich ?? def.options["enrich"]
        let on: Bool
        switch profile?.lowercased() {
        case nil, "", "none": on = false
        case "clicks": on = true
        case let other?: throw IngestError(.user, "unknown enrichment '\(other)' (supported: clicks)")
        }
        enrich = on
        keepIP = options.keepIP
        seed = ClickEnrichment.saltSeed(options.visitorSalt ?? def.options["visitor_salt"] ?? ClickEnrichment.defaultSalt)
        var names = def.columns.map(\.name)
        func col(_ n: String) -> Int { def.columnIndex(n) ?? -1 }
        func input(_ n: String) -> Int {
            if let i = def.columnIndex(n) { return i }
            guard on else { return -1 }
            names.append(n)
            return names.count - 1
        }
        inIP = input("ip")
        inUA = input("user_agent")
        inRef = on ? [input("referrer"), input("referer")] : []
        inURL = on ? [input("url"), input("landing_url"), input("page_url")] : []
        tSource = on ? col("source") : -1
        tDevice = on ? col("device") : -1
        tOS = on ? col("os") : -1
        tBrowser = on ? col("browser") : -1
        tIsBot = on ? col("is_bot") : -1
        tVisitor = on ? col("visitor_id") : -1
        tIP = on ? col("ip") : -1
        tUTM = on ? [col("utm_source"), col("utm_medium"), col("utm_campaign")] : [-1, -1, -1]
        slotNames = names
        slotKeys = names.map { Array($0.lowercased().utf8) }
        var idx: [String: Int] = [:]
        for (i, n) in names.enumerated() where idx[n.lowercased()] == nil { idx[n.lowercased()] = i }
        slotIndex = idx
    }

    var slotCount: Int { slotNames.count }
}

/// How one file's rows map onto slots.
final class FileContext: @unchecked Sendable {
    let name: String
    let isCSV: Bool
    let dialect: CSVDialect
    /// CSV: field index → slot (-1: skipped).
    let fieldSlots: [Int]
    /// CSV: fields every row must have.
    let expectedFields: Int
    /// CSV: rows may have more fields than `expectedFields` (positional, extras ignored).
    let allowMoreFields: Bool

    init(name: String, isCSV: Bool, dialect: CSVDialect, fieldSlots: [Int], expectedFields: Int, allowMoreFields: Bool) {
        self.name = name
        self.isCSV = isCSV
        self.dialect = dialect
        self.fieldSlots = fieldSlots
        self.expectedFields = expectedFields
        self.allowMoreFields = allowMoreFields
    }
}

/// Cell states of the current row.
enum CellState {
    static let null: UInt8 = 0
    static let csvText: UInt8 = 1
    static let csvQuoted: UInt8 = 2
    static let jsonString: UInt8 = 3
    static let jsonNumber: UInt8 = 4
    static let jsonTrue: UInt8 = 5
    static let jsonFalse: UInt8 = 6
}

/// One parsing thread's state: typed builders for the rows it parsed, plus reusable scan
/// buffers. Worker `j` always parses piece `j` of every chunk; the driver records which row
/// ranges of which worker form the input order.
final class Worker: @unchecked Sendable {
    let plan: TablePlan
    let builders: UnsafeMutablePointer<ColumnBuilder>
    private(set) var rows = 0
    /// Bad rows of the last `process` call, in input order.
    var errors: [RowError] = []
    /// A structural failure of the last `process` call (malformed CSV).
    var fatal: IngestError?
    /// Rows parsed (accepted or rejected) in the last `process` call.
    var seen = 0
    /// `plan.widen`: columns whose type did not hold a value of the last `process` call →
    /// the wider type, and the first such value and its line.
    var widenings: [Int: (type: ColumnType, line: Int, value: String)] = [:]

    private let csv = CSVRowBuffer()
    private let json = JSONObjectBuffer()
    private let cellPtr: UnsafeMutablePointer<UnsafePointer<UInt8>?>
    private let cellLen: UnsafeMutablePointer<Int>
    private let cellState: UnsafeMutablePointer<UInt8>
    private let vals: UnsafeMutablePointer<Int64>
    private let nulls: UnsafeMutablePointer<Bool>
    private let kinds: [UInt8]
    /// Bytes of cells made during parsing (unescaped fields, enrichment output). They must
    /// stay valid until the pending string cells are appended, so a full block is retired
    /// (kept) rather than reused, and all are released by `appendPending`.
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCap: Int
    private var arenaUsed = 0
    private var retiredArenas: [UnsafeMutablePointer<UInt8>] = []
    /// String columns are appended column by column in batches of up to `pendingCapacity`
    /// rows (one interning table hot in cache at a time): `pendingPtr/Len[k * cap + row]`
    /// hold string column `stringColumns[k]`'s cells (length -1: NULL).
    private let stringColumns: [Int]
    private let stringSlot: [Int]
    private let pendingCapacity = 2048
    private let pendingPtr: UnsafeMutablePointer<UnsafePointer<UInt8>?>
    private let pendingLen: UnsafeMutablePointer<Int32>
    /// Line and raw text of each pending row, to report a row whose string is refused when it
    /// is interned (string values are checked once, when they first enter a dictionary).
    private let pendingLine: UnsafeMutablePointer<Int>
    private let pendingRaw: UnsafeMutablePointer<UnsafePointer<UInt8>>
    private let pendingRawLen: UnsafeMutablePointer<Int>
    private var pendingRows = 0
    /// The file being parsed (set by `process`).
    private var file: FileContext?
    private var refused: [Int] = []
    private let hostScratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    private var uaCache: [UInt64: ([UInt8], UserAgentInfo)] = [:]
    private var keyCache: [Int] = []

    init(plan: TablePlan) {
        self.plan = plan
        builders = .allocate(capacity: plan.ncols)
        for (i, t) in plan.types.enumerated() { (builders + i).initialize(to: ColumnBuilder(physical: t.physical)) }
        let s = plan.slotCount
        cellPtr = .allocate(capacity: s)
        cellLen = .allocate(capacity: s)
        cellState = .allocate(capacity: s)
        cellPtr.initialize(repeating: nil, count: s)
        cellLen.initialize(repeating: 0, count: s)
        cellState.initialize(repeating: 0, count: s)
        vals = .allocate(capacity: plan.ncols)
        vals.initialize(repeating: 0, count: plan.ncols)
        nulls = .allocate(capacity: plan.ncols)
        nulls.initialize(repeating: false, count: plan.ncols)
        kinds = plan.types.map(\.rawValue)
        arenaCap = 1 << 18
        arena = .allocate(capacity: arenaCap)
        stringColumns = plan.types.indices.filter { plan.types[$0].physical == .string }
        var slot = [Int](repeating: -1, count: plan.ncols)
        for (k, c) in stringColumns.enumerated() { slot[c] = k }
        stringSlot = slot
        pendingPtr = .allocate(capacity: max(1, stringColumns.count) * pendingCapacity)
        pendingLen = .allocate(capacity: max(1, stringColumns.count) * pendingCapacity)
        pendingLine = .allocate(capacity: pendingCapacity)
        pendingRaw = .allocate(capacity: pendingCapacity)
        pendingRawLen = .allocate(capacity: pendingCapacity)
    }

    deinit {
        builders.deinitialize(count: plan.ncols)
        builders.deallocate()
        cellPtr.deallocate()
        cellLen.deallocate()
        cellState.deallocate()
        vals.deallocate()
        nulls.deallocate()
        arena.deallocate()
        for a in retiredArenas { a.deallocate() }
        hostScratch.deallocate()
        pendingPtr.deallocate()
        pendingLen.deallocate()
        pendingLine.deallocate()
        pendingRaw.deallocate()
        pendingRawLen.deallocate()
    }

    /// Frees all buffered values (after they were merged).
    func resetColumn(_ c: Int) { builders[c].reset() }

    func resetRows() { rows = 0 }

    /// Makes room for `n` more arena bytes (the current row's cells).
    private func ensureArena(_ n: Int) {
        if arenaUsed + n > arenaCap {
            if arenaUsed > 0 { retiredArenas.append(arena) } else { arena.deallocate() }
            arenaCap = max(n, arenaCap)
            arena = .allocate(capacity: arenaCap)
            arenaUsed = 0
        }
    }

    /// Appends the pending string cells to their builders, column by column, and releases
    /// the arena bytes they pointed to. Rows with a string the builder refuses (not UTF-8)
    /// become bad rows: they are removed again from every column.
    private func appendPending() {
        if pendingRows > 0 {
            var bad: [Int: Int] = [:]  // pending row → first string column refusing it
            for (k, c) in stringColumns.enumerated() {
                refused.removeAll(keepingCapacity: true)
                builders[c].appendStrings(pendingPtr + k * pendingCapacity, pendingLen + k * pendingCapacity, pendingRows,
                                          invalidUTF8: plan.invalidUTF8, refused: &refused)
                for r in refused where bad[r] == nil { bad[r] = c }
            }
            if !bad.isEmpty { dropRefusedRows(bad) }
            pendingRows = 0
        }
        for a in retiredArenas { a.deallocate() }
        retiredArenas.removeAll(keepingCapacity: true)
        arenaUsed = 0
    }

    /// Reports the pending rows in `bad` (pending row → column) as bad rows and removes them
    /// from all builders (they are the last `pendingRows` rows of every column).
    @inline(never)
    private func dropRefusedRows(_ bad: [Int: Int]) {
        let first = rows - pendingRows
        let ordered = bad.keys.sorted()
        for r in ordered {
            let c = bad[r]!
            let k = stringSlot[c]
            let at = k * pendingCapacity + r
            let p = pendingPtr[at], n = Int(pendingLen[at])
            let off = UTF8Validation.firstInvalid(p, n)
            let reason = off < 0 ? "invalid UTF-8"
                : "invalid UTF-8 at byte \(off + 1) (0x\(String(p![off], radix: 16, uppercase: true)))"
            errors.append(RowError(file: file?.name ?? "", line: pendingLine[r], column: plan.slotNames[c], reason: reason,
                                   value: UTF8Validation.escaped(p, n), raw: rawText(pendingRaw[r], pendingRawLen[r])))
        }
        errors.sort { $0.line < $1.line }
        let absolute = ordered.map { first + $0 }
        for c in 0..<plan.ncols { builders[c].removeRows(absolute) }
        rows -= ordered.count
    }

    /// Parses `piece` of `chunk` into the builders.
    func process(_ chunk: InputChunk, _ piece: InputPiece, _ file: FileContext) {
        errors.removeAll(keepingCapacity: true)
        if !widenings.isEmpty { widenings = [:] }
        fatal = nil
        seen = 0
        self.file = file
        if file.isCSV { processCSV(chunk, piece, file) } else { processNDJSON(chunk, piece, file) }
        appendPending()
        self.file = nil
    }

    private func clearCells() {
        cellState.update(repeating: CellState.null, count: plan.slotCount)
    }

    private func processCSV(_ chunk: InputChunk, _ piece: InputPiece, _ file: FileContext) {
        var unterminated: CSVError? = nil
        do throws(CSVError) {
            try CSVScanner.scan(chunk.bytes, range: piece.range, firstLine: piece.firstLine, dialect: file.dialect, into: csv)
        } catch {
            // A quoted field open at the end of the input is one bad record (the last): the
            // rows before it are good. Other malformations stop the load.
            guard error.kind == .unterminatedQuotedField else {
                fatal = IngestError(error, file: file.name, showField: true)
                return
            }
            unterminated = error
        }
        let base = chunk.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        defer { if let unterminated { rejectUnterminated(unterminated, chunk, piece, file) } }
        let quote = file.dialect.quote
        let expected = file.expectedFields
        file.fieldSlots.withUnsafeBufferPointer { slots in
            for row in csv.rows {
                seen += 1
                let fields = csv.fields(of: row)
                let fc = fields.count
                let f0 = fields[0], fl = fields[fc - 1]
                let rawStart = Int(f0.start) - (f0.isQuoted ? 1 : 0)
                let rawEnd = Int(fl.end) + (fl.isQuoted ? 1 : 0)
                if fc != expected && !(fc > expected && file.allowMoreFields) {
                    errors.append(RowError(file: file.name, line: Int(row.line), column: nil,
                                           reason: fieldCountReason(expected, fc), value: nil,
                                           raw: rawText(base + rawStart, rawEnd - rawStart)))
                    continue
                }
                ensureArena(4 * (rawEnd - rawStart) + 256)
                clearCells()
                for f in 0..<min(fc, expected) {
                    let s = slots[f]
                    if s < 0 { continue }
                    let fld = fields[f]
                    if fld.needsUnescape {
                        let n = CSVScanner.unescape(UnsafeRawBufferPointer(start: base + Int(fld.start), count: fld.count),
                                                    quote: quote, into: arena + arenaUsed)
                        cellPtr[s] = UnsafePointer(arena + arenaUsed)
                        cellLen[s] = n
                        arenaUsed += n
                    } else {
                        cellPtr[s] = base + Int(fld.start)
                        cellLen[s] = fld.count
                    }
                    cellState[s] = fld.isQuoted ? CellState.csvQuoted : CellState.csvText
                }
                finishRow(file, line: Int(row.line), raw: base + rawStart, rawLen: rawEnd - rawStart)
            }
        }
    }

    /// `expected N fields, found M`, with the option that helps: `--ignore-extra-columns` for
    /// more fields, `--delimiter` for a row that did not split at all.
    @inline(never)
    private func fieldCountReason(_ expected: Int, _ found: Int) -> String {
        var r = "expected \(expected) fields, found \(found)"
        if found > expected {
            r += " (--ignore-extra-columns skips the extra fields)"
        } else if found == 1 {
            r += " (wrong delimiter? pass --delimiter)"
        }
        return r
    }

    /// Records the quoted field left open at the end of `piece` as one bad row: file, line of
    /// the opening quote, and the column (field) it belongs to.
    @inline(never)
    private func rejectUnterminated(_ e: CSVError, _ chunk: InputChunk, _ piece: InputPiece, _ file: FileContext) {
        seen += 1
        let base = chunk.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let complete = csv.rows.last.map { Int($0.firstField + $0.fieldCount) } ?? 0
        let field = csv.fieldCount - complete  // fields of the open row before the quoted one
        var start = e.byteOffset
        if field > 0 {
            let f0 = csv.fields[complete]
            start = Int(f0.start) - (f0.isQuoted ? 1 : 0)
        }
        let slot = field < file.fieldSlots.count ? file.fieldSlots[field] : -1
        let column = slot >= 0 ? plan.slotNames[slot] : "field \(field + 1)"
        errors.append(RowError(file: file.name, line: e.line, column: column,
                               reason: "unterminated quoted field (the quote opening field \(field + 1) is never closed)",
                               value: nil, raw: rawText(base + start, piece.range.upperBound - start)))
    }

    /// Slot of a JSON key: the cached slot of the same member position when it matches, else a
    /// search; -1 when the table has no such column. Keys compare ASCII case-insensitively, with
    /// bytes other than letters, digits and `_` read as `_`.
    @inline(__always)
    private func slot(forKey k: UnsafeRawBufferPointer, position m: Int) -> Int {
        let p = k.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let n = k.count
        @inline(__always) func matches(_ s: Int) -> Bool {
            plan.slotKeys[s].withUnsafeBufferPointer { nk in
                guard nk.count == n else { return false }
                for i in 0..<n {
                    var c = ClickEnrichment.lower(p![i])
                    if !(c &- 97 < 26 || c &- 48 < 10 || c == 95) { c = 95 }
                    if c != nk[i] { return false }
                }
                return true
            }
        }
        if m < keyCache.count {
            let s = keyCache[m]
            if s >= 0 && matches(s) { return s }
        } else {
            while keyCache.count <= m { keyCache.append(-1) }
        }
        for s in 0..<plan.slotCount where matches(s) {
            keyCache[m] = s
            return s
        }
        return -1
    }

    private func processNDJSON(_ chunk: InputChunk, _ piece: InputPiece, _ file: FileContext) {
        var lines = NDJSONLines(chunk.bytes, range: piece.range, firstLine: piece.firstLine)
        while let (bytes, line) = lines.next() {
            let lp = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            do throws(JSONError) {
                guard try JSONLineScanner.scan(bytes, lineNumber: line, into: json, flatten: true) else { continue }
            } catch {
                seen += 1
                let reason = error.kind == .nestedValue ? error.message : "invalid JSON at byte \(error.column): \(error.message)"
                errors.append(RowError(file: file.name, line: line, column: error.key, reason: reason, value: nil,
                                       raw: rawText(lp, bytes.count)))
                continue
            }
            seen += 1
            ensureArena(4 * bytes.count + 256)
            clearCells()
            var bad = false
            for (m, mem) in json.members.enumerated() {
                let key = json.key(mem)
                let s = slot(forKey: key, position: m)
                if s < 0 {
                    if plan.ignoreExtra { continue }
                    let name = String(decoding: key, as: UTF8.self)
                    errors.append(RowError(file: file.name, line: line, column: name,
                                           reason: "not a column of table '\(plan.def.name)'", value: nil,
                                           raw: rawText(lp, bytes.count)))
                    bad = true
                    break
                }
                let v = json.value(mem)
                if mem.valueInScratch && v.count > 0 {
                    // the scanner's scratch is reused by the next line: keep a copy until
                    // the pending cells are appended
                    let out = arena + arenaUsed
                    out.update(from: v.baseAddress!.assumingMemoryBound(to: UInt8.self), count: v.count)
                    arenaUsed += v.count
                    cellPtr[s] = UnsafePointer(out)
                } else {
                    cellPtr[s] = v.baseAddress?.assumingMemoryBound(to: UInt8.self)
                }
                cellLen[s] = v.count
                switch mem.kind {
                case .string: cellState[s] = CellState.jsonString
                case .number: cellState[s] = CellState.jsonNumber
                case .true: cellState[s] = CellState.jsonTrue
                case .false: cellState[s] = CellState.jsonFalse
                case .null: cellState[s] = CellState.null
                }
            }
            if bad { continue }
            finishRow(file, line: line, raw: lp, rawLen: bytes.count)
        }
    }

    private func rawText(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        var m = min(n, 65_536)
        while m > 0 && (p[m - 1] == 0x0A || p[m - 1] == 0x0D) { m -= 1 }
        return String(decoding: UnsafeBufferPointer(start: p, count: m), as: UTF8.self)
    }

    @inline(__always)
    private func isEmpty(_ s: Int) -> Bool { cellState[s] == CellState.null || cellLen[s] == 0 }

    @inline(__always)
    private func setStatic(_ s: Int, _ v: StaticString) {
        cellPtr[s] = v.utf8Start
        cellLen[s] = v.utf8CodeUnitCount
        cellState[s] = CellState.csvQuoted
    }

    @inline(__always)
    private func firstPresent(_ slots: [Int]) -> Int {
        for s in slots where s >= 0 && !isEmpty(s) { return s }
        return -1
    }

    private func userAgentInfo(_ p: UnsafePointer<UInt8>?, _ n: Int) -> UserAgentInfo {
        let h = spanHash(p, n)
        if let (bytes, info) = uaCache[h], bytes.count == n,
           n == 0 || bytes.withUnsafeBufferPointer({ bytesEqual($0.baseAddress!, p!, n) }) {
            return info
        }
        let info = ClickEnrichment.userAgent(p, n)
        if uaCache.count >= 1 << 16 { uaCache.removeAll(keepingCapacity: true) }
        uaCache[h] = (Array(UnsafeBufferPointer(start: p, count: n)), info)
        return info
    }

    private func enrichRow() {
        let pl = plan
        if pl.tSource >= 0 && isEmpty(pl.tSource) {
            let r = firstPresent(pl.inRef)
            setStatic(pl.tSource, r < 0 ? "direct" : ClickEnrichment.source(cellPtr[r], cellLen[r], scratch: hostScratch))
        }
        if (pl.tUTM[0] >= 0 && isEmpty(pl.tUTM[0])) || (pl.tUTM[1] >= 0 && isEmpty(pl.tUTM[1]))
            || (pl.tUTM[2] >= 0 && isEmpty(pl.tUTM[2])) {
            let u = firstPresent(pl.inURL)
            if u >= 0, let up = cellPtr[u] {
                let out = arena + arenaUsed
                arenaUsed += cellLen[u]
                ClickEnrichment.utm(up, cellLen[u], into: out) { tag, p, n in
                    let t = pl.tUTM[tag]
                    if t >= 0 && isEmpty(t) {
                        cellPtr[t] = p
                        cellLen[t] = n
                        cellState[t] = CellState.csvQuoted
                    }
                }
            }
        }
        let wantUA = (pl.tDevice >= 0 && isEmpty(pl.tDevice)) || (pl.tOS >= 0 && isEmpty(pl.tOS))
            || (pl.tBrowser >= 0 && isEmpty(pl.tBrowser)) || (pl.tIsBot >= 0 && cellState[pl.tIsBot] == CellState.null)
        if wantUA && pl.inUA >= 0 && !isEmpty(pl.inUA) {
            let info = userAgentInfo(cellPtr[pl.inUA], cellLen[pl.inUA])
            if pl.tDevice >= 0 && isEmpty(pl.tDevice) { setStatic(pl.tDevice, info.deviceS) }
            if pl.tOS >= 0 && isEmpty(pl.tOS) { setStatic(pl.tOS, info.osS) }
            if pl.tBrowser >= 0 && isEmpty(pl.tBrowser) { setStatic(pl.tBrowser, info.browserS) }
            if pl.tIsBot >= 0 && cellState[pl.tIsBot] == CellState.null {
                if pl.types[pl.tIsBot] == .varchar {
                    setStatic(pl.tIsBot, info.isBot ? "true" : "false")
                } else {
                    setStatic(pl.tIsBot, info.isBot ? "1" : "0")
                }
            }
        }
        if pl.tVisitor >= 0 && isEmpty(pl.tVisitor) && pl.inIP >= 0 && !isEmpty(pl.inIP) {
            let out = arena + arenaUsed
            arenaUsed += 16
            let ua = pl.inUA >= 0 && cellState[pl.inUA] != CellState.null ? cellPtr[pl.inUA] : nil
            ClickEnrichment.visitorID(ip: cellPtr[pl.inIP]!, cellLen[pl.inIP], ua: ua, ua == nil ? 0 : cellLen[pl.inUA],
                                      seed: pl.seed, into: out)
            cellPtr[pl.tVisitor] = UnsafePointer(out)
            cellLen[pl.tVisitor] = 16
            cellState[pl.tVisitor] = CellState.csvQuoted
        }
        if pl.tIP >= 0 && !pl.keepIP { cellState[pl.tIP] = CellState.null }
    }

    /// Converts the row's cells, then appends them (or records the row as bad).
    @inline(__always)
    private func finishRow(_ file: FileContext, line: Int, raw: UnsafePointer<UInt8>, rawLen: Int) {
        if plan.enrich { enrichRow() }
        let n = plan.ncols
        for c in 0..<n {
            let st = cellState[c]
            var p = cellPtr[c]
            var len = cellLen[c]
            let kind = kinds[c]
            var isNull = st == CellState.null
            if !isNull {
                if kind == ColumnType.varchar.rawValue {
                    if len == 0 && plan.emptyAsNull && (st == CellState.csvText || st == CellState.jsonString) { isNull = true }
                } else if st <= CellState.jsonNumber, let q = p {
                    let t = Values.trimmingSpaces(q, len)
                    p = t.start
                    len = t.count
                    if len == 0 { isNull = true }
                }
            }
            if isNull {
                if plan.notNull[c] {
                    let reason = c == plan.timeColumn ? "missing time value (the partition column cannot be NULL)"
                        : "NULL in NOT NULL column"
                    reject(file, line, c, reason, nil, raw, rawLen)
                    return
                }
                nulls[c] = true
                continue
            }
            nulls[c] = false
            if kind == ColumnType.varchar.rawValue { continue }
            if st == CellState.jsonTrue || st == CellState.jsonFalse {
                if kind == ColumnType.boolean.rawValue {
                    vals[c] = st == CellState.jsonTrue ? 1 : 0
                    continue
                }
                reject(file, line, c, invalidReason(kind, nil, 0), st == CellState.jsonTrue ? "true" : "false", raw, rawLen)
                return
            }
            let q = p!
            switch kind {
            case ColumnType.bigint.rawValue, ColumnType.integer.rawValue:
                guard let v = Values.parseInt64(q, len) else {
                    reject(file, line, c, invalidReason(kind, q, len), text(q, len), raw, rawLen)
                    return
                }
                if kind == ColumnType.integer.rawValue && (v < Int64(Int32.min) || v > Int64(Int32.max)) {
                    reject(file, line, c, "value out of range for INTEGER", text(q, len), raw, rawLen)
                    return
                }
                vals[c] = v
            case ColumnType.double.rawValue:
                guard let v = Values.parseDouble(q, len) else {
                    reject(file, line, c, "invalid double", text(q, len), raw, rawLen)
                    return
                }
                if v.isInfinite && !Values.isInfinityText(q, len) {
                    // finite text whose value overflows a double (1e400), not `inf`
                    reject(file, line, c, "value out of range for DOUBLE", text(q, len), raw, rawLen)
                    return
                }
                vals[c] = Int64(bitPattern: v.bitPattern)
            case ColumnType.boolean.rawValue:
                guard let v = Values.parseBool(q, len) else {
                    reject(file, line, c, "invalid boolean", text(q, len), raw, rawLen)
                    return
                }
                vals[c] = v ? 1 : 0
            case ColumnType.timestamp.rawValue:
                guard let v = Civil.parseTimestamp(q, len, format: plan.timeFormats[c]) else {
                    reject(file, line, c, "invalid timestamp", text(q, len), raw, rawLen)
                    return
                }
                vals[c] = v
            default: // date
                guard let v = Civil.parseDate(q, len) else {
                    reject(file, line, c, "invalid date", text(q, len), raw, rawLen)
                    return
                }
                vals[c] = v
            }
        }
        let pr = pendingRows
        pendingLine[pr] = line
        pendingRaw[pr] = raw
        pendingRawLen[pr] = rawLen
        for c in 0..<n {
            let k = stringSlot[c]
            if k >= 0 {
                let at = k * pendingCapacity + pr
                if nulls[c] {
                    pendingLen[at] = -1
                } else {
                    pendingPtr[at] = cellPtr[c]
                    pendingLen[at] = Int32(truncatingIfNeeded: cellLen[c])
                }
                continue
            }
            if nulls[c] {
                builders[c].appendNull()
                continue
            }
            switch builders[c].physical {
            case .int64: builders[c].appendInt(vals[c])
            case .double: builders[c].appendDouble(Double(bitPattern: UInt64(bitPattern: vals[c])))
            case .bool: builders[c].appendBool(vals[c] != 0)
            case .string: preconditionFailure("string columns are appended from the pending rows")
            }
        }
        pendingRows = pr + 1
        rows += 1
        if pendingRows == pendingCapacity { appendPending() }
    }

    private func invalidReason(_ kind: UInt8, _ p: UnsafePointer<UInt8>?, _ n: Int) -> String {
        switch kind {
        case ColumnType.bigint.rawValue, ColumnType.integer.rawValue:
            if let p, n > 0 {
                var i = p[0] == 0x2D || p[0] == 0x2B ? 1 : 0
                var digits = i < n
                while i < n { if p[i] &- 48 > 9 { digits = false; break }; i += 1 }
                if digits { return kind == ColumnType.integer.rawValue ? "value out of range for INTEGER" : "value out of range for BIGINT" }
            }
            return "invalid integer"
        case ColumnType.double.rawValue: return "invalid double"
        case ColumnType.timestamp.rawValue: return "invalid timestamp"
        case ColumnType.date.rawValue: return "invalid date"
        default: return "invalid boolean"
        }
    }

    /// `plan.widen`: the type column `c` needs to hold `value` (JSON literals and numbers
    /// keep their kind), if wider than its own.
    @inline(never)
    private func noteWidening(_ c: Int, _ line: Int, _ value: String) {
        let st = cellState[c]
        var bits: UInt8
        if st == CellState.jsonTrue || st == CellState.jsonFalse {
            bits = SchemaDetection.boolBit
        } else {
            var v = value
            bits = v.withUTF8 { b -> UInt8 in
                let t = Values.trimmingSpaces(UnsafeRawBufferPointer(b))
                guard t.count > 0 else { return 0xFF }
                return SchemaDetection.candidates(t.baseAddress!.assumingMemoryBound(to: UInt8.self), t.count)
            }
            if st == CellState.jsonNumber { bits &= SchemaDetection.intBit | SchemaDetection.doubleBit }
        }
        let current = widenings[c]?.type ?? plan.types[c]
        let wider = SchemaDetection.widened(current, bits: bits)
        guard wider != current else { return }
        if let w = widenings[c] {
            widenings[c] = (wider, w.line, w.value)
        } else {
            widenings[c] = (wider, line, value)
        }
    }

    private func text(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: p, count: min(n, 1024)), as: UTF8.self)
    }

    private func reject(_ file: FileContext, _ line: Int, _ c: Int, _ reason: String, _ value: String?,
                        _ raw: UnsafePointer<UInt8>, _ rawLen: Int) {
        if plan.widen, let value, c < plan.ncols { noteWidening(c, line, value) }
        errors.append(RowError(file: file.name, line: line, column: plan.slotNames[c], reason: reason, value: value,
                               raw: rawText(raw, rawLen)))
    }
}
