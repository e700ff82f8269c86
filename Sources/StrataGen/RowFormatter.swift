/// Formats generated events as CSV or NDJSON rows into one large reusable byte buffer.
/// Only byte copies and hand-written integer/hex/timestamp formatting on the hot path.
struct RowFormatter {
    static let slack = 64 * 1024 // every row is far smaller than this
    let format: ClickGenerator.Format
    /// `format == .csv`, cached as a plain Bool for the hot path.
    let isCSV: Bool
    let cat: ClickCatalog
    let buffer: UnsafeMutablePointer<UInt8>
    let arena: UnsafeMutablePointer<UInt8>
    let arenaCount: Int
    /// Per string id: (offset, length) of the encoding used by this format.
    let spans: UnsafeMutablePointer<(Int32, Int32)>
    let hexPairs: UnsafeMutablePointer<UInt8>
    let jsonKeys: [[UInt8]]
    let jsonKeyArena: UnsafeMutablePointer<UInt8>
    let jsonKeySpans: UnsafeMutablePointer<(Int, Int)>
    let linkID: UnsafeMutablePointer<Int32>
    let linkTitle: UnsafeMutablePointer<Int32>
    let linkURL: UnsafeMutablePointer<Int32>
    /// String id of each link's content type.
    let linkContent: UnsafeMutablePointer<Int32>
    let agents: UnsafeMutablePointer<UserAgentEntry>
    let eventIDs: UnsafeMutablePointer<Int32>
    let sourceIDs: UnsafeMutablePointer<Int32>
    let countryIDs: UnsafeMutablePointer<Int32>
    let emptyID: Int32
    var count = 0
    var totalBytes = 0
    var cachedDay = Int64.min
    var dayText: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    private static func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
        a.withUnsafeBufferPointer { if !$0.isEmpty { p.initialize(from: $0.baseAddress!, count: $0.count) } }
        return p
    }

    init(catalog: ClickCatalog, format: ClickGenerator.Format) {
        self.format = format
        isCSV = format == .csv
        cat = catalog
        linkID = Self.copy(catalog.linkID)
        linkTitle = Self.copy(catalog.linkTitle)
        linkURL = Self.copy(catalog.linkURL)
        linkContent = Self.copy(catalog.linkContent.map { catalog.contentIDs[Int($0)] })
        agents = Self.copy(catalog.agents)
        eventIDs = Self.copy(catalog.eventIDs)
        sourceIDs = Self.copy(catalog.sourceIDs)
        countryIDs = Self.copy(catalog.countryIDs)
        emptyID = catalog.emptyID
        buffer = .allocate(capacity: ClickGenerator.chunkSize + Self.slack)
        let st = catalog.strings
        arenaCount = st.arena.count
        let arena = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, st.arena.count))
        st.arena.withUnsafeBufferPointer { arena.initialize(from: $0.baseAddress!, count: $0.count) }
        self.arena = arena
        let n = st.csvOffset.count
        let spans = UnsafeMutablePointer<(Int32, Int32)>.allocate(capacity: n)
        for i in 0..<n {
            spans[i] = format == .csv ? (st.csvOffset[i], st.csvLength[i]) : (st.jsonOffset[i], st.jsonLength[i])
        }
        self.spans = spans
        hexPairs = .allocate(capacity: 512)
        let hex = Array("0123456789abcdef".utf8)
        for b in 0..<256 {
            hexPairs[2 * b] = hex[b >> 4]
            hexPairs[2 * b + 1] = hex[b & 15]
        }
        var keys: [[UInt8]] = []
        for (i, c) in ClickGenerator.columns.enumerated() {
            keys.append(Array(((i == 0 ? "{\"" : ",\"") + c + "\":").utf8))
        }
        jsonKeys = keys
        var total = 0
        var ks: [(Int, Int)] = []
        for k in keys { ks.append((total, k.count)); total += k.count }
        jsonKeyArena = .allocate(capacity: total)
        var o = 0
        for k in keys { for b in k { jsonKeyArena[o] = b; o += 1 } }
        jsonKeySpans = Self.copy(ks)
    }

    func release() {
        buffer.deallocate()
        arena.deallocate()
        spans.deallocate()
        hexPairs.deallocate()
        jsonKeyArena.deallocate()
        jsonKeySpans.deallocate()
        for p in [linkID, linkTitle, linkURL, linkContent, eventIDs, sourceIDs, countryIDs] { p.deallocate() }
        agents.deallocate()
    }

    mutating func flush<E: Error>(_ sink: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        if count == 0 { return }
        try sink(UnsafeRawBufferPointer(start: buffer, count: count))
        totalBytes += count
        count = 0
    }

    mutating func header() {
        guard format == .csv else { return }
        for b in ClickGenerator.columns.joined(separator: ",").utf8 { put(b) }
        put(10)
    }

    @inline(__always)
    mutating func put(_ b: UInt8) {
        buffer[count] = b
        count += 1
    }

    @inline(__always)
    mutating func string(_ id: Int32) {
        let (off, len) = spans[Int(id)]
        let n = Int(len)
        if n <= 24 {
            let src = arena + Int(off)
            let dst = buffer + count
            for i in 0..<n { dst[i] = src[i] }
        } else {
            (buffer + count).update(from: arena + Int(off), count: n)
        }
        count += n
    }

    @inline(__always)
    mutating func key(_ column: Int) {
        let (off, len) = jsonKeySpans[column]
        (buffer + count).update(from: jsonKeyArena + off, count: len)
        count += len
    }

    @inline(__always)
    mutating func decimal(_ value: UInt64) {
        var v = value
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes scratch
        let n = withUnsafeMutableBytes(of: &tmp) { raw -> Int in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var i = 24
            repeat {
                i -= 1
                p[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
            } while v != 0
            (buffer + count).update(from: p + i, count: 24 - i)
            return 24 - i
        }
        count += n
    }

    @inline(__always)
    mutating func two(_ v: Int) {
        buffer[count] = UInt8(truncatingIfNeeded: 48 + v / 10)
        buffer[count + 1] = UInt8(truncatingIfNeeded: 48 + v % 10)
        count += 2
    }

    @inline(__always)
    mutating func hex16(_ v: UInt64) {
        if !isCSV { put(34) }
        var shift: UInt64 = 56
        for _ in 0..<8 {
            let b = Int((v >> shift) & 0xFF)
            buffer[count] = hexPairs[2 * b]
            buffer[count + 1] = hexPairs[2 * b + 1]
            count += 2
            shift &-= 8
        }
        if !isCSV { put(34) }
    }

    /// `YYYY-MM-DD HH:MM:SS.mmm` (UTC) of epoch milliseconds.
    @inline(__always)
    mutating func timestamp(_ ms: Int64) {
        var day = ms / EventEngine.msDay
        var rem = ms - day * EventEngine.msDay
        if rem < 0 { day -= 1; rem += EventEngine.msDay }
        if day != cachedDay {
            cachedDay = day
            let (y, m, d) = ClickGenerator.civilDate(daysSinceEpoch: Int(day))
            let yy = max(0, min(9999, y))
            dayText = (UInt8(48 + yy / 1000), UInt8(48 + yy / 100 % 10), UInt8(48 + yy / 10 % 10), UInt8(48 + yy % 10),
                       45, UInt8(48 + m / 10), UInt8(48 + m % 10), 45, UInt8(48 + d / 10), UInt8(48 + d % 10))
        }
        if !isCSV { put(34) }
        withUnsafeBytes(of: dayText) { (buffer + count).update(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 10) }
        count += 10
        put(32)
        let r = Int(rem)
        two(r / 3_600_000)
        put(58)
        two(r / 60_000 % 60)
        put(58)
        two(r / 1000 % 60)
        put(46)
        let milli = r % 1000
        put(UInt8(48 + milli / 100))
        two(milli % 100)
        if !isCSV { put(34) }
    }

    @inline(__always)
    mutating func separator(_ column: Int) {
        if isCSV {
            if column > 0 { put(44) }
        } else {
            key(column)
        }
    }

    /// Appends one row (with its line terminator).
    mutating func row(_ e: PendingEvent) {
        let hasLink = e.link >= 0
        let link = Int(e.link)
        let agent = agents[Int(e.agent)]
        separator(0); timestamp(e.ts)
        separator(1); string(eventIDs[Int(e.event)])
        separator(2); decimal(UInt64(e.profile) + 1)
        separator(3); decimal(hasLink ? UInt64(linkID[link]) : 0)
        separator(4); string(hasLink ? linkTitle[link] : emptyID)
        separator(5); string(hasLink ? linkURL[link] : emptyID)
        separator(6); string(hasLink ? linkContent[link] : emptyID)
        separator(7); hex16(e.visitor)
        separator(8); hex16(e.session)
        separator(9); string(e.referrer)
        separator(10); string(sourceIDs[Int(e.source)])
        separator(11); string(e.utmSource)
        separator(12); string(e.utmMedium)
        separator(13); string(e.utmCampaign)
        separator(14); string(agent.device)
        separator(15); string(agent.os)
        separator(16); string(agent.browser)
        separator(17); string(countryIDs[Int(e.country)])
        separator(18); string(agent.text)
        separator(19)
        if e.revenue == 0 {
            put(48)
        } else {
            decimal(UInt64(e.revenue / 100))
            put(46)
            two(Int(e.revenue % 100))
        }
        if !isCSV { put(125) }
        put(10)
    }
}
