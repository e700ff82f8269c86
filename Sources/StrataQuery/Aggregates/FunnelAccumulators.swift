/// ClickHouse windowFunnel(window)(ts, c1, ..., cn), default mode: per group the (timestamp,
/// step) events of rows where a step's condition holds, sorted by time then step when
/// finishing; a step-i event continues the chain of step i-1 when it comes no later than the
/// window after that chain's first event. The result is the deepest step reached (0: none).
final class WindowFunnelAccumulator: Accumulator {
    let spec: AggSpec
    let window: Int64
    let steps: Int
    /// Per group, events packed as (timestamp, step) pairs.
    var events: [[Int64]] = []

    init(_ spec: AggSpec, window: Int64) {
        self.spec = spec
        self.window = window
        steps = spec.args.count - 1
    }

    func grow(_ groups: Int) { events.grow(to: groups, with: []) }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let ts = args[0]
        if ts.type == .null { return }
        for i in 0..<gids.count where !ts.isNull(i) && filterKeeps(mask, i) {
            let t = ts.ints[ts.idx(i)], g = Int(gids[i])
            for s in 0..<steps {
                let c = args[s + 1]
                if c.type != .null, !c.isNull(i), c.ints[c.idx(i)] != 0 {
                    events[g].append(t)
                    events[g].append(Int64(s))
                }
            }
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let o = other as! WindowFunnelAccumulator
        for g in 0..<map.count { events[Int(map[g])].append(contentsOf: o.events[g]) }
    }

    /// The deepest step of one group's events (pairs of timestamp, step).
    static func level(_ ev: [Int64], steps: Int, window: Int64) -> Int64 {
        let m = ev.count / 2
        var order = Array(0..<m)
        order.sort { (a: Int, b: Int) -> Bool in
            let ta: Int64 = ev[2 * a], tb: Int64 = ev[2 * b]
            if ta != tb { return ta < tb }
            return ev[2 * a + 1] < ev[2 * b + 1]
        }
        // the first event's time of the chain that reached each step (nil: not reached)
        var start = [Int64?](repeating: nil, count: steps)
        for e in order {
            let t = ev[2 * e], s = Int(ev[2 * e + 1])
            if s == 0 {
                start[0] = t
            } else if let first = start[s - 1] {
                let (limit, o) = first.addingReportingOverflow(window)
                if o || t <= limit {
                    start[s] = first
                    if s + 1 == steps { return Int64(steps) }
                }
            }
        }
        for s in stride(from: steps, to: 0, by: -1) where start[s - 1] != nil { return Int64(s) }
        return 0
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        let v = Vec(type: .bigint, count: n)
        v.ints = (0..<n).map { WindowFunnelAccumulator.level(events[$0], steps: steps, window: window) }
        return v
    }
}

/// ClickHouse retention(c1, ..., cn): per group which conditions held on some row; element 1
/// is whether c1 held, element i > 1 whether c1 and ci both held (on any rows). DuckDB list
/// text `[1, 0, 1]` (VARCHAR).
final class RetentionAccumulator: Accumulator {
    let spec: AggSpec
    var seen: [UInt64] = []

    init(_ spec: AggSpec) { self.spec = spec }

    func grow(_ groups: Int) { seen.grow(to: groups, with: 0) }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        for (k, c) in args.enumerated() where c.type != .null {
            let bit = UInt64(1) << UInt64(k)
            for i in 0..<gids.count where !c.isNull(i) && c.ints[c.idx(i)] != 0 && filterKeeps(mask, i) {
                seen[Int(gids[i])] |= bit
            }
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let o = other as! RetentionAccumulator
        for g in 0..<map.count { seen[Int(map[g])] |= o.seen[g] }
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        let m = spec.args.count
        return try valueVector(n, type: .varchar) { g in
            let s = seen[g], first = s & 1 != 0
            return .string(listText((0..<m).map { k in (first && s & (UInt64(1) << UInt64(k)) != 0) ? "1" : "0" }))
        }
    }
}
