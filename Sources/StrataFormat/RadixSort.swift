/// Stable least-significant-digit radix sort of 64-bit keys with a payload.
public enum RadixSort {
    /// Sorts `keys` ascending, permuting `tags` alongside (stable LSD radix sort, 11-bit
    /// digits; digits equal across all keys are skipped).
    public static func sort(_ keys: inout [UInt64], _ tags: inout [UInt32]) {
        let n = keys.count
        guard n > 1 else { return }
        let bits = 11, radix = 1 << 11, passes = 6
        var hist = [Int](repeating: 0, count: radix * passes)
        keys.withUnsafeBufferPointer { k in
            hist.withUnsafeMutableBufferPointer { h in
                for x in k {
                    for p in 0..<passes { h[p * radix + Int(truncatingIfNeeded: (x >> UInt64(p * bits))) & (radix - 1)] += 1 }
                }
            }
        }
        var k2 = [UInt64](repeating: 0, count: n)
        var t2 = [UInt32](repeating: 0, count: n)
        for p in 0..<passes {
            let shift = UInt64(p * bits)
            let skip = hist.withUnsafeBufferPointer { h in
                h[(p * radix)..<((p + 1) * radix)].contains(n)
            }
            if skip { continue }
            hist.withUnsafeMutableBufferPointer { h in
                var sum = 0
                for b in 0..<radix {
                    let c = h[p * radix + b]
                    h[p * radix + b] = sum
                    sum += c
                }
                keys.withUnsafeBufferPointer { ks in
                    tags.withUnsafeBufferPointer { ts in
                        k2.withUnsafeMutableBufferPointer { kd in
                            t2.withUnsafeMutableBufferPointer { td in
                                for i in 0..<n {
                                    let x = ks[i]
                                    let slot = p * radix + Int(truncatingIfNeeded: x >> shift) & (radix - 1)
                                    let o = h[slot]
                                    h[slot] = o + 1
                                    kd[o] = x
                                    td[o] = ts[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &k2)
            swap(&tags, &t2)
        }
    }
}
