/// Stable least-significant-digit radix sort of 64-bit keys with a payload.
public enum RadixSort {
    /// Sorts `keys` ascending, permuting `tags` alongside (stable LSD radix sort: as many
    /// passes of at most 12-bit digits as the keys' significant bits need; digits equal across
    /// all keys are skipped).
    public static func sort(_ keys: inout [UInt64], _ tags: inout [UInt32]) {
        let n = keys.count
        guard n > 1 else { return }
        // as few passes as the keys' significant bits need, digits of at most 12 bits
        var used: UInt64 = 0
        keys.withUnsafeBufferPointer { k in for x in k { used |= x } }
        let significant = max(1, 64 - used.leadingZeroBitCount)
        let passes = (significant + 11) / 12
        let bits = (significant + passes - 1) / passes
        let radix = 1 << bits
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
