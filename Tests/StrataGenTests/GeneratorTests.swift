import Foundation
import StrataTestSupport
import Testing
@testable import StrataGen

// MARK: helpers

private func generate(_ o: ClickGenerator.Options) throws -> [UInt8] {
    var out: [UInt8] = []
    try ClickGenerator(options: o).write { out.append(contentsOf: $0) }
    return out
}

/// Reference RFC 4180 splitter: returns records (each a list of fields) of a whole CSV file.
private func parseCSV(_ bytes: [UInt8]) -> [[String]] {
    var records: [[String]] = []
    var fields: [String] = []
    var field: [UInt8] = []
    var i = 0
    var quoted = false
    var atFieldStart = true
    while i < bytes.count {
        let b = bytes[i]
        if quoted {
            if b == 34 {
                if i + 1 < bytes.count && bytes[i + 1] == 34 { field.append(34); i += 2; continue }
                quoted = false
            } else {
                field.append(b)
            }
        } else if b == 34 && atFieldStart {
            quoted = true
            atFieldStart = false
        } else if b == 44 {
            fields.append(String(decoding: field, as: UTF8.self)); field = []; atFieldStart = true
        } else if b == 10 {
            fields.append(String(decoding: field, as: UTF8.self)); field = []; atFieldStart = true
            records.append(fields); fields = []
        } else {
            field.append(b)
            atFieldStart = false
        }
        i += 1
    }
    #expect(fields.isEmpty && field.isEmpty, "file must end with a newline")
    return records
}

private func lines(_ bytes: [UInt8]) -> [[UInt8]] {
    bytes.split(separator: 10, omittingEmptySubsequences: false).dropLast().map(Array.init)
}

/// Parses `YYYY-MM-DD HH:MM:SS.mmm` strictly into epoch milliseconds.
private func parseTS(_ s: String) -> Int64? {
    let b = Array(s.utf8)
    guard b.count == 23, b[10] == 32, b[13] == 58, b[16] == 58, b[19] == 46 else { return nil }
    guard let day = ClickGenerator.parseDate(String(decoding: b[0..<10], as: UTF8.self)) else { return nil }
    func num(_ r: Range<Int>) -> Int? {
        var n = 0
        for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; n = n * 10 + Int(b[i] - 48) }
        return n
    }
    guard let h = num(11..<13), let m = num(14..<16), let sec = num(17..<19), let ms = num(20..<23),
          h < 24, m < 60, sec < 60 else { return nil }
    return Int64(day) * 86_400_000 + Int64(h * 3_600_000 + m * 60_000 + sec * 1000 + ms)
}

private func isHex16(_ s: String) -> Bool {
    s.utf8.count == 16 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
}

private let column = Dictionary(uniqueKeysWithValues: ClickGenerator.columns.enumerated().map { ($1, $0) })

// MARK: calendar

@Test func calendarConversions() {
    #expect(ClickGenerator.daysSinceEpoch(year: 1970, month: 1, day: 1) == 0)
    #expect(ClickGenerator.daysSinceEpoch(year: 2024, month: 1, day: 1) == 19723)
    #expect(ClickGenerator.Options.defaultStartDay == 19723)
    #expect(ClickGenerator.daysSinceEpoch(year: 2024, month: 6, day: 30) == 19723 + 181)
    #expect(ClickGenerator.daysSinceEpoch(year: 1969, month: 12, day: 31) == -1)
    #expect(ClickGenerator.parseDate("2000-02-29") == 11016)
    #expect(ClickGenerator.parseDate("2023-02-29") == nil)
    #expect(ClickGenerator.parseDate("2024-13-01") == nil)
    #expect(ClickGenerator.parseDate("2024-1-01") == nil)
    #expect(ClickGenerator.parseDate("2024-01-0x") == nil)
    var rng = SplitMix64(seed: 7)
    for _ in 0..<2000 {
        let d = rng.range(-800_000, 2_900_000)
        let c = ClickGenerator.civilDate(daysSinceEpoch: d)
        #expect(ClickGenerator.daysSinceEpoch(year: c.year, month: c.month, day: c.day) == d)
    }
    var o = ClickGenerator.Options(rows: 1)
    o.setStart(year: 2025, month: 3, day: 1)
    #expect(o.startDay == ClickGenerator.parseDate("2025-03-01"))
}

@Test func deterministicMathMatchesLibm() {
    var rng = SplitMix64(seed: 99)
    for _ in 0..<5000 {
        let x = DetMath.exp(rng.unit() * 60 - 30)
        #expect(abs(DetMath.ln(x) - Foundation.log(x)) <= 1e-13 * max(1, abs(Foundation.log(x))))
        let y = rng.unit() * 80 - 40
        #expect(abs(DetMath.exp(y) - Foundation.exp(y)) <= 1e-14 * Foundation.exp(y))
    }
    #expect(DetMath.ln(1) == 0)
    #expect(DetMath.exp(0) == 1)
    // SplitMix64 reference values (seed 0) from the published algorithm.
    var s = SplitMix64(seed: 0)
    #expect(s.next() == 0xE220_A839_7B1D_CDAF)
    #expect(s.next() == 0x6E78_9E6A_A1B9_65F4)
}

// MARK: structure

@Test func headerRowCountAndFieldCount() throws {
    let bytes = try generate(.init(rows: 5000, seed: 3, days: 7))
    let recs = parseCSV(bytes)
    #expect(recs.count == 5001)
    #expect(recs[0] == ClickGenerator.columns)
    #expect(String(decoding: lines(bytes)[0], as: UTF8.self)
        == "ts,event,profile_id,link_id,link_title,link_url,content_type,visitor_id,session_id,referrer,source,utm_source,utm_medium,utm_campaign,device,os,browser,country,user_agent,revenue")
    for r in recs { #expect(r.count == 20) }
    #expect(try generate(.init(rows: 0, seed: 3)) == Array((ClickGenerator.columns.joined(separator: ",") + "\n").utf8))
    #expect(try generate(.init(rows: 0, seed: 3, format: .ndjson)).isEmpty)
}

@Test func determinismAndSeedSensitivity() throws {
    let o = ClickGenerator.Options(rows: 3000, seed: 11, days: 30)
    let a = try generate(o)
    #expect(a == (try generate(o)))
    var o2 = o
    o2.seed = 12
    #expect(a != (try generate(o2)))
    // Golden fingerprint: guards cross-platform / cross-version byte stability of the format.
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in a { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    #expect(a.count == GeneratorGolden.bytes)
    #expect(h == GeneratorGolden.fnv1a)
}

private enum GeneratorGolden {
    static let bytes = 927_446
    static let fnv1a: UInt64 = 13_094_740_347_646_467_010
}

@Test func catalogIsIndependentOfRowsAndSeed() throws {
    let a = try ClickGenerator(options: .init(rows: 10, seed: 1))
    let b = try ClickGenerator(options: .init(rows: 99999, seed: 77, startDay: 0, days: 3))
    #expect(a.popularProfiles(10) == b.popularProfiles(10))
    #expect(Set(a.popularProfiles(2000)) == Set(1...2000))
    let c = try ClickGenerator(options: .init(rows: 10, seed: 1, catalogSeed: 2))
    #expect(a.popularProfiles(10) != c.popularProfiles(10))
    // the most popular profile really gets the most traffic
    let recs = parseCSV(try generate(.init(rows: 20000, seed: 5, days: 30))).dropFirst()
    var counts: [String: Int] = [:]
    for r in recs { counts[r[2], default: 0] += 1 }
    let top = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!
    #expect(a.popularProfiles(5).map(String.init).contains(top.key))
}

@Test func formatFromPath() {
    #expect(ClickGenerator.defaultFormat(forPath: "x/clicks.NDJSON") == .ndjson)
    #expect(ClickGenerator.defaultFormat(forPath: "clicks.jsonl") == .ndjson)
    #expect(ClickGenerator.defaultFormat(forPath: "clicks.csv") == .csv)
    #expect(ClickGenerator.defaultFormat(forPath: nil) == .csv)
    #expect(ClickGenerator.Format(rawValue: "ndjson") == .ndjson)
    #expect(ClickGenerator.campaignNames.count == 50)
}

@Test func invalidOptionsThrow() {
    #expect(throws: ClickGeneratorError.self) { try ClickGenerator(options: .init(rows: -1)) }
    #expect(throws: ClickGeneratorError.self) { try ClickGenerator(options: .init(rows: 1, days: 0)) }
    #expect(throws: ClickGeneratorError.self) { try ClickGenerator(options: .init(rows: 1, profiles: 10, links: 5)) }
}

// MARK: value semantics

@Test func rowInvariants() throws {
    let o = ClickGenerator.Options(rows: 40000, seed: 8, days: 14)
    let recs = Array(parseCSV(try generate(o)).dropFirst())
    let lo = Int64(o.startDay) * 86_400_000, hi = lo + Int64(o.days) * 86_400_000
    var events = [String: Int]()
    var visitors = [String: Int]()
    var sessions = Set<String>()
    var sessionVisitor = [String: String]()
    var quoted = 0, nonASCII = 0, utm = 0, direct = 0
    let countries = Set(ClickGenerator.countries)
    let deviceOS: [String: Set<String>] = ["mobile": ["iOS", "Android"], "tablet": ["iPadOS", "Android"],
                                           "desktop": ["Windows", "macOS", "Linux", "ChromeOS"]]
    for r in recs {
        let ts = parseTS(r[0])
        #expect(ts != nil)
        if let ts { #expect(ts >= lo && ts < hi) }
        events[r[1], default: 0] += 1
        #expect(ClickGenerator.events.contains(r[1]))
        let pid = Int(r[2])!
        #expect(pid >= 1 && pid <= 2000)
        let lid = Int(r[3])!
        if r[1] == "view" {
            #expect(lid == 0 && r[4].isEmpty && r[5].isEmpty && r[6].isEmpty)
        } else {
            #expect(lid >= 1 && lid <= 20000 && !r[4].isEmpty && !r[5].isEmpty)
            #expect(ClickGenerator.contentTypes.contains(r[6]))
        }
        if r[1] == "conversion" {
            #expect(r[19].range(of: #"^(0|[1-9][0-9]*)\.[0-9]{2}$"#, options: .regularExpression) != nil)
        } else {
            #expect(r[19] == "0")
        }
        #expect(isHex16(r[7]) && isHex16(r[8]))
        visitors[r[7], default: 0] += 1
        sessions.insert(r[8])
        if let v = sessionVisitor[r[8]] { #expect(v == r[7]) } else { sessionVisitor[r[8]] = r[7] }
        #expect(ClickGenerator.sources.contains(r[10]))
        if r[10] == "direct" { #expect(r[9].isEmpty); direct += 1 } else { #expect(r[9].hasPrefix("https://")) }
        if !r[13].isEmpty { #expect(!r[11].isEmpty && !r[12].isEmpty) }
        if !r[11].isEmpty { utm += 1 }
        if r[16] == "Bot" { #expect(r[14] == "desktop" && r[10] == "direct" && r[1] == "view") }
        else { #expect(deviceOS[r[14]]?.contains(r[15]) == true) }
        #expect(countries.contains(r[17]))
        #expect(!r[18].isEmpty)
        if r[4].contains("\"") || r[4].contains(",") || r[18].contains(",") { quoted += 1 }
        if r[4].unicodeScalars.contains(where: { $0.value > 127 }) { nonASCII += 1 }
    }
    let v = events["view"] ?? 0, c = events["click"] ?? 0, cv = events["conversion"] ?? 0
    #expect(v + c + cv == recs.count)
    #expect(v > c && c > cv && cv > 0)
    #expect(Double(v) / Double(recs.count) > 0.62 && Double(v) / Double(recs.count) < 0.74)
    #expect(Double(cv) / Double(recs.count) > 0.012 && Double(cv) / Double(recs.count) < 0.03)
    // visitors repeat, sessions group a few events
    #expect(visitors.count < recs.count / 2)
    #expect(visitors.values.max()! >= 20)
    #expect(sessions.count < recs.count && sessions.count > recs.count / 3)
    #expect(quoted > 0 && nonASCII > 0)
    #expect(utm > recs.count / 100 && utm < recs.count / 2)
    #expect(direct > recs.count / 20)
}

@Test func lateArrivalsAndSeasonality() throws {
    let o = ClickGenerator.Options(rows: 60000, seed: 21, days: 14)
    let recs = Array(parseCSV(try generate(o)).dropFirst())
    var maxSoFar = Int64.min
    var late = 0
    var maxLate: Int64 = 0
    var byHour = [Int](repeating: 0, count: 24)
    var byDow = [Int](repeating: 0, count: 7)
    for r in recs {
        let ts = parseTS(r[0])!
        if ts < maxSoFar { late += 1; maxLate = max(maxLate, maxSoFar - ts) }
        maxSoFar = max(maxSoFar, ts)
        byHour[Int(ts / 3_600_000 % 24)] += 1
        byDow[Int((ts / 86_400_000 + 3) % 7)] += 1
    }
    let frac = Double(late) / Double(recs.count)
    #expect(frac > 0.02 && frac < 0.045, "late fraction \(frac)")
    #expect(maxLate <= 4 * 3_600_000 + 600_000 && maxLate > 3_600_000)
    // diurnal: late evening and ~01h UTC beat the morning trough
    #expect(byHour[19] > byHour[8] * 3 / 2 && byHour[1] > byHour[8] * 3 / 2)
    // weekly: Saturday (index 5) beats Monday (index 0) despite growth noise over 2 weeks
    #expect(byDow[5] > byDow[0])
}

@Test func viralSpikesConcentrateTraffic() throws {
    let o = ClickGenerator.Options(rows: 50000, seed: 2, days: 30)
    let gen = try ClickGenerator(options: o)
    #expect(gen.catalog.spikes.count == 40)
    let top500 = Set(gen.catalog.profilesByPopularity.prefix(500))
    for sp in gen.catalog.spikes { #expect(top500.contains(sp.profile)) }
    let spikeProfiles = Set(gen.catalog.spikes.map { String($0.profile + 1) })
    var perHour: [Int64: [String: Int]] = [:]
    for r in parseCSV(try generate(o)).dropFirst() {
        perHour[parseTS(r[0])! / 3_600_000, default: [:]][r[2], default: 0] += 1
    }
    // in some busy hours one spiking profile takes a large share of all traffic
    var dominated = 0
    for (_, counts) in perHour {
        let total = counts.values.reduce(0, +)
        guard total >= 40 else { continue }
        let best = counts.max { $0.value < $1.value }!
        if best.value * 4 >= total && spikeProfiles.contains(best.key) { dominated += 1 }
    }
    #expect(dominated >= 5)
}

// MARK: NDJSON

@Test func ndjsonMatchesCSV() throws {
    var o = ClickGenerator.Options(rows: 4000, seed: 5, days: 10)
    let csv = Array(parseCSV(try generate(o)).dropFirst())
    o.format = .ndjson
    let json = lines(try generate(o))
    #expect(json.count == csv.count)
    for (i, line) in json.enumerated() {
        let obj = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
        #expect(obj.count == 20)
        // key order in the line equals column order
        let text = String(decoding: line, as: UTF8.self)
        var pos = text.startIndex
        for c in ClickGenerator.columns {
            let r = text.range(of: "\"\(c)\":", range: pos..<text.endIndex)
            #expect(r != nil)
            if let r { pos = r.upperBound }
        }
        let row = csv[i]
        for (k, name) in ClickGenerator.columns.enumerated() {
            switch name {
            case "profile_id", "link_id":
                #expect((obj[name] as? NSNumber)?.intValue == Int(row[k]))
            case "revenue":
                let n = obj[name] as? NSNumber
                #expect(n != nil)
                #expect(Int(((n?.doubleValue ?? -1) * 100).rounded()) == Int((Double(row[k])! * 100).rounded()))
            default:
                #expect(obj[name] as? String == row[k], "\(name) row \(i)")
            }
        }
    }
}

// MARK: streaming and files

@Test func sinkChunkingAndFileOutput() throws {
    let o = ClickGenerator.Options(rows: 12000, seed: 4, days: 5)
    let gen = try ClickGenerator(options: o)
    var chunks: [Int] = []
    var all: [UInt8] = []
    let stats = try gen.write { chunks.append($0.count); all.append(contentsOf: $0) }
    #expect(stats.rows == 12000 && stats.bytes == all.count)
    #expect(chunks.count >= 3)
    for c in chunks.dropLast() { #expect(c >= ClickGenerator.chunkSize && c < ClickGenerator.chunkSize + 65536) }
    let path = TestScratch.root + "strata-gen-\(getpid()).csv"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let s2 = try gen.write(toPath: path)
    #expect(s2 == stats)
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == all)
    #expect(throws: ClickGeneratorError.self) { try gen.write(toPath: "/nonexistent-dir/x.csv") }
    struct Stop: Error {}
    var calls = 0
    #expect(throws: Stop.self) { try gen.write { _ in calls += 1; throw Stop() } }
    #expect(calls == 1)
}

@Test(arguments: 0..<12)
func propertyRandomOptions(_ k: Int) throws {
    var rng = SplitMix64(seed: UInt64(k) &* 7919)
    let rows = rng.range(0, 2500)
    let o = ClickGenerator.Options(rows: rows, seed: rng.next(), startDay: rng.range(-3000, 30000), days: rng.range(1, 60),
                                   format: rng.chance(0.5) ? .csv : .ndjson, profiles: rng.range(1, 300),
                                   links: 0)
    var opts = o
    opts.links = o.profiles + rng.range(0, 3000)
    let bytes = try generate(opts)
    #expect(bytes == (try generate(opts)))
    let lo = Int64(opts.startDay) * 86_400_000, hi = lo + Int64(opts.days) * 86_400_000
    if opts.format == .csv {
        let recs = parseCSV(bytes)
        #expect(recs.count == rows + 1)
        for r in recs.dropFirst() {
            #expect(r.count == 20)
            let ts = parseTS(r[0])!
            #expect(ts >= lo && ts < hi)
            #expect(Int(r[2])! >= 1 && Int(r[2])! <= opts.profiles)
            #expect(Int(r[3])! >= 0 && Int(r[3])! <= opts.links)
            #expect((r[1] == "view") == (r[3] == "0"))
        }
    } else {
        let ls = lines(bytes)
        #expect(ls.count == rows)
        for l in ls {
            let obj = try JSONSerialization.jsonObject(with: Data(l)) as! [String: Any]
            let ts = parseTS(obj["ts"] as! String)!
            #expect(ts >= lo && ts < hi)
            #expect((obj["event"] as! String == "view") == ((obj["link_id"] as! NSNumber).intValue == 0))
        }
    }
}
