/// Merging of row orders that are already sorted in runs (compaction inputs, segment
/// dictionaries).
public enum SortedRuns {
    /// Stable bottom-up merge of the sorted runs of `order` (`runs`: boundaries, first 0,
    /// last `order.count`; empty runs allowed): ties keep the earlier run first.
    @inlinable
    public static func merge(_ order: inout [Int32], runs: [Int], _ less: (Int32, Int32) -> Bool) {
        let total = order.count
        var bounds = [0]
        for b in runs.dropFirst() where b != bounds.last! { bounds.append(b) }
        guard bounds.count > 2 else { return }
        var other = [Int32](repeating: 0, count: total)
        while bounds.count > 2 {
            var next = [0]
            order.withUnsafeBufferPointer { src in
                other.withUnsafeMutableBufferPointer { dst in
                    var r = 0
                    while r + 1 < bounds.count {
                        let lo = bounds[r], mid = bounds[r + 1]
                        if r + 2 < bounds.count {
                            let hi = bounds[r + 2]
                            var i = lo, j = mid, o = lo
                            while i < mid && j < hi {
                                if less(src[j], src[i]) { dst[o] = src[j]; j += 1 } else { dst[o] = src[i]; i += 1 }
                                o += 1
                            }
                            while i < mid { dst[o] = src[i]; i += 1; o += 1 }
                            while j < hi { dst[o] = src[j]; j += 1; o += 1 }
                            next.append(hi)
                        } else {
                            for i in lo..<mid { dst[i] = src[i] }
                            next.append(mid)
                        }
                        r += 2
                    }
                }
            }
            swap(&order, &other)
            bounds = next
        }
    }
}
