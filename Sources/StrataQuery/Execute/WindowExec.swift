import StrataCore
import StrataSQL

extension Executor {
    /// Values of every window function for the `n` rows of `b`, as vectors. Rows are split
    /// into partitions by hashing the PARTITION BY keys; only rows within a partition are
    /// sorted (by typed ORDER BY keys, ties by row order).
    func evaluateWindows(_ specs: [WindowSpecBound], _ b: Batch) throws(QueryError) -> [Vec] {
        let n = b.count
        var out: [Vec] = []
        for w in specs {
            // partition id of each row
            var gids = [Int32](repeating: 0, count: n)
            var partitions = 1
            if !w.partition.isEmpty && n > 0 {
                let width = w.partition.count + 1
                let keys = KeyEncoder(interner: interner)
                var rowKeys = [Int64](repeating: 0, count: n * width)
                var nulls = [Int64](repeating: 0, count: n)
                for (k, e) in w.partition.enumerated() {
                    let v = try eval.eval(e, b)
                    keys.encode(v, n: n, into: &rowKeys, stride: width, k: k, nullMask: &nulls, bit: 1 << Int64(k))
                }
                for r in 0..<n { rowKeys[r * width + width - 1] = nulls[r] }
                let table = GroupTable(width: width, capacity: 1024)
                rowKeys.withUnsafeBufferPointer { kp in gids.withUnsafeMutableBufferPointer { gp in
                    _ = table.findOrInsert(kp.baseAddress!, n, into: gp.baseAddress!)
                } }
                partitions = table.count
            }
            // rows grouped by partition (counting sort: row order kept inside a partition)
            var start = [Int](repeating: 0, count: partitions + 1)
            for g in gids { start[Int(g) + 1] += 1 }
            for p in 0..<partitions { start[p + 1] += start[p] }
            var rows = [Int32](repeating: 0, count: n)
            var fill = start
            for r in 0..<n {
                let g = Int(gids[r])
                rows[fill[g]] = Int32(r)
                fill[g] += 1
            }
            let sk = try SortKeys(w.order.map { (o) throws(QueryError) -> Vec in try eval.eval(o.expr, b).flattened() },
                                  descending: w.order.map(\.descending), nullsFirst: w.order.map(\.nullsFirst))
            if !w.order.isEmpty {
                for p in 0..<partitions where start[p + 1] - start[p] > 1 {
                    var part = Array(rows[start[p]..<start[p + 1]])
                    sk.sort(&part)
                    rows.replaceSubrange(start[p]..<start[p + 1], with: part)
                }
            }
            let args = try w.args.map { (e) throws(QueryError) -> Vec in try eval.eval(e, b).flattened() }
            out.append(try fillWindow(w, n, rows, start, sk, args))
        }
        return out
    }

    private func fillWindow(_ w: WindowSpecBound, _ n: Int, _ rows: [Int32], _ start: [Int], _ sk: SortKeys,
                            _ args: [Vec]) throws(QueryError) -> Vec {
        let partitions = start.count - 1
        switch w.fn {
        case .rowNumber, .rank, .denseRank:
            var res = [Int64](repeating: 0, count: n)
            for p in 0..<partitions {
                var rank = 1, dense = 1
                for i in start[p]..<start[p + 1] {
                    let r = Int(rows[i])
                    if w.fn == .rowNumber { res[r] = Int64(i - start[p] + 1); continue }
                    if i > start[p] && sk.compare(rows[i - 1], rows[i]) != 0 { rank = i - start[p] + 1; dense += 1 }
                    res[r] = Int64(w.fn == .rank ? rank : dense)
                }
            }
            let v = Vec(type: w.type, count: n)
            v.ints = res
            return v
        case .lag, .lead, .firstValue, .lastValue:
            // the result is a row of the argument (or NULL / the default)
            var src = [Int32](repeating: -1, count: n)
            var useDefault = [Bool](repeating: false, count: n)
            for p in 0..<partitions {
                let lo = start[p], hi = start[p + 1]
                switch w.fn {
                case .lag(let k), .lead(let k):
                    let off = w.fn == .lead(k) ? k : -k
                    for i in lo..<hi {
                        let j = i + off
                        if j >= lo && j < hi { src[Int(rows[i])] = rows[j] } else { useDefault[Int(rows[i])] = true }
                    }
                case .firstValue:
                    for i in lo..<hi { src[Int(rows[i])] = rows[lo] }
                default:
                    // frame ends at the current row's last peer
                    var i = lo
                    while i < hi {
                        var j = i
                        if w.order.isEmpty { j = hi - 1 } else { while j + 1 < hi && sk.compare(rows[j + 1], rows[i]) == 0 { j += 1 } }
                        for k in i...j { src[Int(rows[k])] = rows[j] }
                        i = j + 1
                    }
                }
            }
            let v = args[0].gatherOrNull(src).converted(to: w.type)
            if args.count > 2, useDefault.contains(true) {
                // lag(x, k, default): rows without a k-th neighbour take the default of the row
                let d = args[2]
                var vals = v.values(n)
                for r in 0..<n where useDefault[r] { vals[r] = d.value(r) }
                return Vec.from(vals[...], type: w.type)
            }
            return v
        case .count, .countStar, .sum, .avg, .min, .max:
            // whole partition without ORDER BY; running (with peers) with ORDER BY
            var result = [Value](repeating: .null, count: n)
            let arg = args.first
            for p in 0..<partitions {
                let lo = start[p], hi = start[p + 1]
                var acc = WindowAccumulator(fn: w.fn, type: w.type)
                var i = lo
                while i < hi {
                    var j = i
                    if w.order.isEmpty { j = hi - 1 } else { while j + 1 < hi && sk.compare(rows[j + 1], rows[i]) == 0 { j += 1 } }
                    for k in i...j { try acc.add(w.fn == .countStar ? .int(1) : arg!.value(Int(rows[k]))) }
                    let v = acc.value
                    for k in i...j { result[Int(rows[k])] = v }
                    i = j + 1
                }
            }
            return Vec.from(result[...], type: w.type)
        }
    }
}

struct WindowAccumulator {
    let fn: WindowFn
    let type: DataType
    var count: Int64 = 0
    var isum: Int64 = 0
    var dsum: Double = 0
    var ext: Value = .null

    init(fn: WindowFn, type: DataType) {
        self.fn = fn
        self.type = type
    }

    mutating func add(_ v: Value) throws(QueryError) {
        if v.isNull { return }
        count += 1
        switch fn {
        case .sum, .avg:
            switch v {
            case .int(let i):
                if type == .double || fn == .avg { dsum += Double(i) } else {
                    let (s, o) = isum.addingReportingOverflow(i)
                    if o { throw QueryError("integer overflow in sum() OVER (...)") }
                    isum = s
                }
            case .double(let d): dsum += d
            default: break
            }
        case .min:
            if ext.isNull || Evaluator.compareValues(v, ext) < 0 { ext = v }
        case .max:
            if ext.isNull || Evaluator.compareValues(v, ext) > 0 { ext = v }
        default: break
        }
    }

    var value: Value {
        switch fn {
        case .count, .countStar: return .int(count)
        case .sum: return count == 0 ? .null : (type == .double ? .double(dsum) : .int(isum))
        case .avg: return count == 0 ? .null : .double(dsum / Double(count))
        default: return ext
        }
    }
}
