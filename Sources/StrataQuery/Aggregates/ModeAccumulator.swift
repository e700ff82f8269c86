import StrataCore
import Foundation
import StrataFormat

/// mode(x): the most frequent non-NULL value of each group; ties go to the smallest value.
final class ModeAccumulator: Accumulator {
    let spec: AggSpec
    let modes = ModeCounts()

    init(_ spec: AggSpec) { self.spec = spec }

    func grow(_ groups: Int) {}

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let v = args[0]
        let (words, nulls) = keys.words(v, n: gids.count)
        let m = modes
        if v.dict?.hexWords != nil { m.hex = true }
        let rows = countedRows(gids.count, nulls, mask)
        gids.withUnsafeBufferPointer { g in words.withUnsafeBufferPointer { w in rows.withUnsafeBufferPointer { rp in
            for r in rp { m.add(group: g[Int(r)], value: w[Int(r)]) }
        } } }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        modes.absorb((other as! ModeAccumulator).modes, map)
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        modes.finalize(n, type: spec.type, interner: interner, threads: threads)
    }
}

/// mode() state: (group, value word, count) triples, counted in a small cache while scanning
/// and radix-partitioned by a hash of the value like `DistinctPairs`. Finishing sums the counts
/// per (group, value) and each group keeps the value seen most often; ties go to the smallest
/// value (strings byte-wise, NaN after every number).
final class ModeCounts {
    static let fanout = 256
    static let compactAt = 1 << 21
    /// (group, value, count) triples.
    let parts = PartitionedWords(fanout: ModeCounts.fanout)
    var others: [(ModeCounts, [Int32])] = []
    /// Values are 16-hex-digit ids as 64-bit words (their numeric order is their text order).
    var hex = false
    private var result: Vec?
    /// Recently counted (group + 1, value, count) triples, direct-mapped by a hash of the
    /// pair: rows of one group arrive close together (sorted input), so most occurrences add
    /// to a cached count and only evicted or final counts reach the buffers.
    private let cache: UnsafeMutablePointer<Int64>
    private static let cacheSlots = 4096

    init() {
        cache = .allocate(capacity: 3 * ModeCounts.cacheSlots)
        cache.initialize(repeating: 0, count: 3 * ModeCounts.cacheSlots)
    }

    deinit { cache.deallocate() }

    @inline(__always) static func partition(_ v: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: v) &* 0x9E37_79B9_7F4A_7C15) >> 56)  // wrapping: hash mixing
    }

    @inline(__always) func add(group: Int32, value: Int64) {
        let g = Int64(group) + 1
        let slot = 3 * Int(truncatingIfNeeded: (UInt64(bitPattern: value) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: g) &* 0xBF58_476D_1CE4_E5B9) >> 52)
        if cache[slot] == g && cache[slot + 1] == value { cache[slot + 2] += 1; return }
        if cache[slot] != 0 { emit(Int32(truncatingIfNeeded: cache[slot] - 1), cache[slot + 1], cache[slot + 2]) }
        cache[slot] = g
        cache[slot + 1] = value
        cache[slot + 2] = 1
    }

    private func emit(_ group: Int32, _ value: Int64, _ n: Int64) {
        let p = ModeCounts.partition(value)
        parts.append(p, Int64(group), value, n)
        let c = parts.count(p) / 3
        if c >= ModeCounts.compactAt && c % ModeCounts.compactAt == 0 { compact(p) }
    }

    /// Moves every cached count to the buffers.
    func flush() {
        for s in 0..<ModeCounts.cacheSlots where cache[3 * s] != 0 {
            emit(Int32(truncatingIfNeeded: cache[3 * s] - 1), cache[3 * s + 1], cache[3 * s + 2])
            cache[3 * s] = 0
        }
    }

    /// Sums the counts of equal (group, value) triples of partition `p` in place.
    func compact(_ p: Int) {
        let words = parts.words(p)
        var out: [Int64] = []
        out.reserveCapacity(words.count)
        ModeSummer().sum(words.baseAddress!, words.count / 3) { g, v, c in
            out.append(Int64(g))
            out.append(v)
            out.append(c)
        }
        parts.replace(p, with: out)
    }

    func absorb(_ other: ModeCounts, _ map: [Int32]) {
        other.flush()
        hex = hex || other.hex
        others.append((other, map))
        for (o, m) in other.others { others.append((o, m.map { map[Int($0)] })) }
        other.others = []
    }

    /// The mode of groups `0..<n` (NULL for groups without values). The runs are first
    /// scattered by final group id into contiguous group ranges (buffers are partitioned by
    /// value, which spreads nothing when a column has few values); each range is then summed
    /// in a small table and its groups' winners written directly, ranges on several threads.
    func finalize(_ n: Int, type: DataType, interner: StringInterner, threads: Int = 1) -> Vec {
        if let r = result, r.count >= n { return r }
        flush()
        for (o, _) in others { o.flush() }
        let sources: [(ModeCounts, [Int32]?)] = [(self, nil)] + others.map { ($0.0, $0.1) }
        let isHex = hex || sources.contains { $0.0.hex }
        // value order of the column type; strings compare in a snapshot of the interner
        // (no lock per comparison); double words (`OrderWord.double`) and integers compare
        // as signed words
        let strings = type == .varchar && !isHex ? interner.stringsSnapshot() : StringDictionary()
        let order: Int
        switch type {
        case .varchar where isHex: order = 1
        case .varchar: order = 2
        default: order = 0
        }
        @inline(__always) func less(_ a: Int64, _ b: Int64) -> Bool {
            switch order {
            case 1: return UInt64(bitPattern: a) < UInt64(bitPattern: b)
            case 2: return strings.compare(Int(a), Int(b)) < 0
            default: return a < b
            }
        }
        var total = 0
        for (src, _) in sources { for p in 0..<ModeCounts.fanout { total += src.parts.count(p) / 3 } }
        let ranges = max(1, min(4096, total / 4096, n))
        @inline(__always) func range(_ g: Int32) -> Int { Int(g) &* ranges / max(n, 1) }
        let workers = max(1, min(threads, 8))
        // input units: (source, buffer partition)
        var units: [(Int, Int)] = []
        for (si, (src, _)) in sources.enumerated() { for p in 0..<ModeCounts.fanout where src.parts.count(p) > 0 { units.append((si, p)) } }
        // 1. per-unit histograms of target ranges (parallel), then offsets
        var hist = [[Int]](repeating: [], count: units.count)
        let lock = NSLock()
        ParallelWork.forEach(units.count, workers: workers) { u, _ in
            let (si, p) = units[u]
            let (src, map) = sources[si]
            let b = src.parts.words(p)
            var h = [Int](repeating: 0, count: ranges)
            withGroupMap(map) { m in
                for i in 0..<(b.count / 3) { h[range(mappedGroup(b[3 * i], m))] += 1 }
            }
            lock.lock()
            hist[u] = h
            lock.unlock()
        }
        var start = [Int](repeating: 0, count: ranges + 1)
        var offsets = hist
        do {
            var pos = 0
            for r in 0..<ranges {
                start[r] = pos
                for u in 0..<units.count {
                    offsets[u][r] = pos
                    pos += hist[u][r]
                }
            }
            start[ranges] = pos
        }
        // 2. scatter (group, value, count) triples by range (parallel, disjoint slices)
        let scattered = UnsafeMutablePointer<Int64>.allocate(capacity: max(3 * total, 3))
        defer { scattered.deallocate() }
        let out = UncheckedBox(scattered)
        ParallelWork.forEach(units.count, workers: workers) { u, _ in
            let (si, p) = units[u]
            let (src, map) = sources[si]
            let b = src.parts.words(p)
            var o = offsets[u]
            let dst = out.value
            withGroupMap(map) { m in
                for i in 0..<(b.count / 3) {
                    let g = mappedGroup(b[3 * i], m)
                    let r = range(g)
                    let k = 3 * o[r]
                    dst[k] = Int64(g)
                    dst[k + 1] = b[3 * i + 1]
                    dst[k + 2] = b[3 * i + 2]
                    o[r] += 1
                }
            }
        }
        for s in sources { s.0.parts.clear() }
        others = []
        // 3. per range: sum in a table, winners straight into the result
        let bestValue = UnsafeMutablePointer<Int64>.allocate(capacity: max(n, 1))
        let bestCount = UnsafeMutablePointer<Int64>.allocate(capacity: max(n, 1))
        bestValue.initialize(repeating: 0, count: max(n, 1))
        bestCount.initialize(repeating: 0, count: max(n, 1))
        defer { bestValue.deallocate(); bestCount.deallocate() }
        let best = UncheckedBox((bestValue, bestCount))
        // one table per worker, reused range after range
        let tables = (0..<workers).map { _ in ModeSummer() }
        ParallelWork.forEach(ranges, workers: workers) { r, w in
            let lo = start[r], hi = start[r + 1]
            if lo == hi { return }
            let (bv, bc) = best.value
            tables[w].sum(out.value + 3 * lo, hi - lo) { g, v, c in
                let k = Int(g)
                if c > bc[k] || (c == bc[k] && less(v, bv[k])) { bc[k] = c; bv[k] = v }
            }
        }
        let bv = Array(UnsafeBufferPointer(start: bestValue, count: n))
        let bc = Array(UnsafeBufferPointer(start: bestCount, count: n))
        let v = Vec(type: type, count: n)
        switch type {
        case .varchar where isHex:
            v.dict = DictRef(hexWords: bv.isEmpty ? [0] : bv)
            v.ints = (0..<Int64(n)).map { $0 }
        case .varchar:
            v.dict = interner.dictRef()
            v.ints = bv
        case .double: v.dbls = OrderWord.doubleValues(bv)
        default: v.ints = bv
        }
        if bc.contains(0) { v.valid = bc.map { $0 == 0 ? 0 : 1 } }
        result = v
        return v
    }
}

/// One thread's table for summing mode() triples, reused range after range.
final class ModeSummer: @unchecked Sendable {
    private var table = PairCounts(capacity: 1 << 10)
    private var used: [Int32] = []

    /// Sums the counts of `n` (group, value, count) triples at `triples` and calls `body` once
    /// per distinct (group, value) with its total.
    func sum(_ triples: UnsafePointer<Int64>, _ n: Int, _ body: (Int32, Int64, Int64) -> Void) {
        if table.fits < n { table = PairCounts(capacity: n) }
        let t = table
        used.removeAll(keepingCapacity: true)
        for i in 0..<n {
            used.append(Int32(t.add(group: Int32(truncatingIfNeeded: triples[3 * i]), value: triples[3 * i + 1], count: triples[3 * i + 2])))
        }
        for j in used {
            if let (g, v, c) = t.take(Int(j)) { body(g, v, c) }
        }
        used.withUnsafeBufferPointer { t.clear(slots: $0) }
    }
}

/// Open-addressing map from (group, value) to a count (3 words per slot; group ids stored + 1).
final class PairCounts {
    private var slots: UnsafeMutablePointer<Int64>
    private let capacity: Int
    private let mask: Int

    init(capacity n: Int) {
        var cap = 16
        while cap < n * 2 { cap <<= 1 }
        capacity = cap
        mask = cap - 1
        slots = .allocate(capacity: 3 * cap)
        slots.initialize(repeating: 0, count: 3 * cap)
    }

    deinit { slots.deallocate() }

    /// Adds `count` to (group, value); returns its slot.
    @discardableResult
    @inline(__always) func add(group: Int32, value: Int64, count: Int64) -> Int {
        let g = Int64(group) + 1
        var j = Int(truncatingIfNeeded: PairSet.hash(UInt64(g), UInt64(bitPattern: value))) & mask
        while true {
            let s = slots[3 * j]
            if s == 0 {
                slots[3 * j] = g
                slots[3 * j + 1] = value
                slots[3 * j + 2] = count
                return j
            }
            if s == g && slots[3 * j + 1] == value { slots[3 * j + 2] += count; return j }
            j = (j + 1) & mask
        }
    }

    /// The entry at `slot` the first time it is taken (its count is then zeroed; the key stays
    /// so later probes still pass it); nil afterwards.
    @inline(__always) func take(_ slot: Int) -> (Int32, Int64, Int64)? {
        let c = slots[3 * slot + 2]
        if c == 0 { return nil }
        slots[3 * slot + 2] = 0
        return (Int32(truncatingIfNeeded: slots[3 * slot] - 1), slots[3 * slot + 1], c)
    }

    /// Empties the given slots (every used slot), so the table can be reused.
    func clear(slots used: UnsafeBufferPointer<Int32>) {
        for j in used { let b = 3 * Int(j); slots[b] = 0; slots[b + 1] = 0; slots[b + 2] = 0 }
    }

    /// Room for this many pairs at load factor at most 1/2.
    var fits: Int { capacity / 2 }
}
