/// Stable radix sorts of 64-bit keys with a payload.
public enum RadixSort {
    /// Sorts `keys` ascending, permuting `tags` alongside; stable (equal keys keep their order).
    ///
    /// When a key's significant bits and a tag's fit one word together, each pair is packed
    /// as `key << tagBits | tag` and the words are sorted by their key bits alone
    /// (`sortWords`): one array moves instead of two. Otherwise a least-significant-digit sort
    /// moves both arrays, as many passes of at most 12-bit digits as the keys need.
    public static func sort(_ keys: inout [UInt64], _ tags: inout [UInt32]) {
        let n = keys.count
        guard n > 1 else { return }
        var used: UInt64 = 0, tagsUsed: UInt32 = 0
        keys.withUnsafeBufferPointer { k in for x in k { used |= x } }
        tags.withUnsafeBufferPointer { t in for x in t { tagsUsed |= x } }
        let keyBits = max(1, 64 - used.leadingZeroBitCount)
        let tagBits = 32 - tagsUsed.leadingZeroBitCount
        if keyBits + tagBits <= 64 {
            var words = [UInt64](unsafeUninitializedCapacity: n) { w, count in
                keys.withUnsafeBufferPointer { k in
                    tags.withUnsafeBufferPointer { t in
                        for i in 0..<n { w[i] = k[i] << UInt64(tagBits) | UInt64(t[i]) }
                    }
                }
                count = n
            }
            sortWords(&words, bits: tagBits..<(tagBits + keyBits))
            let tagMask = (UInt64(1) << UInt64(tagBits)) - 1
            keys.withUnsafeMutableBufferPointer { k in
                tags.withUnsafeMutableBufferPointer { t in
                    words.withUnsafeBufferPointer { w in
                        for i in 0..<n {
                            k[i] = w[i] >> UInt64(tagBits)
                            t[i] = UInt32(truncatingIfNeeded: w[i] & tagMask)
                        }
                    }
                }
            }
            return
        }
        sortPairs(&keys, &tags, significant: keyBits)
    }

    /// Sorts `words` ascending by their bits in `bits` alone (bits outside the range are
    /// carried along); stable. Large inputs are first distributed by the top 11 bits of the
    /// range into contiguous buckets (one pass over memory), then each bucket, small enough
    /// to stay in cache, is sorted by the remaining bits with 8-bit LSD passes.
    public static func sortWords(_ words: inout [UInt64], bits: Range<Int>) {
        let n = words.count
        guard n > 1, !bits.isEmpty else { return }
        precondition(bits.lowerBound >= 0 && bits.upperBound <= 64, "bit range outside a word")
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        defer { scratch.deallocate() }
        words.withUnsafeMutableBufferPointer { wb in
            let data = wb.baseAddress!
            if n < 1 << 12 {
                lsd(data, scratch, n, bits: bits)
                return
            }
            // 1. distribute by the top digit into scratch
            let topBits = min(bits.count, 11)
            let radix = 1 << topBits
            let shift = UInt64(bits.upperBound - topBits), mask = UInt64(radix - 1)
            let starts = UnsafeMutablePointer<Int>.allocate(capacity: radix + 1)
            let next = UnsafeMutablePointer<Int>.allocate(capacity: radix)
            defer { starts.deallocate(); next.deallocate() }
            starts.initialize(repeating: 0, count: radix + 1)
            for i in 0..<n { starts[Int(truncatingIfNeeded: (data[i] >> shift) & mask) + 1] += 1 }
            for b in 0..<radix { starts[b + 1] += starts[b] }
            next.update(from: starts, count: radix)
            for i in 0..<n {
                let x = data[i], d = Int(truncatingIfNeeded: (x >> shift) & mask)
                let o = next[d]
                next[d] = o + 1
                scratch[o] = x
            }
            // 2. each bucket by the remaining bits, back into data
            let rest = bits.lowerBound..<(bits.upperBound - topBits)
            for b in 0..<radix {
                let lo = starts[b], count = starts[b + 1] - lo
                if count == 0 { continue }
                if rest.isEmpty || count == 1 {
                    (data + lo).update(from: scratch + lo, count: count)
                } else {
                    lsd(scratch + lo, data + lo, count, bits: rest, resultIn: data + lo)
                }
            }
        }
    }

    /// LSD passes of at most 8-bit digits over `bits`, ping-ponging between `a` (the input)
    /// and `b`; the sorted words end in `resultIn` (`a` when nil).
    private static func lsd(_ a: UnsafeMutablePointer<UInt64>, _ b: UnsafeMutablePointer<UInt64>, _ n: Int,
                            bits: Range<Int>, resultIn target: UnsafeMutablePointer<UInt64>? = nil) {
        let passes = (bits.count + 7) / 8
        let width = (bits.count + passes - 1) / passes
        let radix = 1 << width
        var counts = (0..<radix).map { _ in 0 }
        var from = a, to = b
        counts.withUnsafeMutableBufferPointer { cb in
            let h = cb.baseAddress!
            for p in 0..<passes {
                let shift = UInt64(bits.lowerBound + p * width)
                // the last digit may be narrower: bits above the range must not count
                let mask = UInt64(1 << min(width, bits.upperBound - Int(shift))) - 1
                h.update(repeating: 0, count: radix)
                for i in 0..<n { h[Int(truncatingIfNeeded: (from[i] >> shift) & mask)] += 1 }
                // a digit shared by every word moves nothing
                if h[Int(truncatingIfNeeded: (from[0] >> shift) & mask)] == n { continue }
                var sum = 0
                for d in 0..<radix {
                    let c = h[d]
                    h[d] = sum
                    sum += c
                }
                for i in 0..<n {
                    let x = from[i], d = Int(truncatingIfNeeded: (x >> shift) & mask)
                    let o = h[d]
                    h[d] = o + 1
                    to[o] = x
                }
                swap(&from, &to)
            }
        }
        let target = target ?? a
        if from != target { target.update(from: from, count: n) }
    }

    /// LSD sort of keys with tags alongside (keys too wide to share a word with the tags).
    private static func sortPairs(_ keys: inout [UInt64], _ tags: inout [UInt32], significant: Int) {
        let n = keys.count
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
