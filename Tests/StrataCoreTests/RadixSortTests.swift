import Testing
@testable import StrataCore
@testable import StrataGen

// RadixSort against the standard library's sort of (key, position) pairs: keys of every width
// (so both the packed-word path and the two-array path run), small and large inputs (so both
// the plain LSD passes and the top-digit distribution run), skewed top digits, and tags that
// are not positions (they must follow their keys, not be sorted themselves).

@Test(arguments: 0..<24)
func radixSortMatchesStableSort(seed: UInt64) {
    var rng = TestRNG(seed)
    let n = [0, 1, 2, 100, 4095, 4096, 20_000, 150_000][Int(seed % 8)]
    let keyBits = [1, 7, 12, 20, 34, 44, 52, 64][Int(rng.next() % 8)]
    let shape = rng.next() % 4
    var keys: [UInt64] = (0..<n).map { i in
        let x: UInt64
        switch shape {
        case 0: x = rng.next()                                            // uniform
        case 1: x = UInt64(i) * 3 / 2 + rng.next() % 5                     // nearly sorted
        case 2: x = rng.next() % 3                                          // few distinct
        default: x = (rng.next() % 4 == 0 ? rng.next() : 0) | rng.next() % 16  // one huge bucket
        }
        return keyBits == 64 ? x : x & (UInt64.max >> UInt64(64 - keyBits))
    }
    // tags: positions, or random values of up to 32 bits (wide tags force the two-array path)
    let tagWidth = [0, 8, 20, 32][Int(rng.next() % 4)]
    var tags: [UInt32] = (0..<n).map { i in
        tagWidth == 0 ? UInt32(i) : UInt32(truncatingIfNeeded: rng.next() >> UInt64(64 - tagWidth))
    }
    let expected = zip(keys, tags).enumerated().sorted { a, b in
        a.element.0 != b.element.0 ? a.element.0 < b.element.0 : a.offset < b.offset
    }
    RadixSort.sort(&keys, &tags)
    let sameKeys = keys == expected.map(\.element.0), sameTags = tags == expected.map(\.element.1)
    #expect(sameKeys, "seed \(seed): keys (\(n) keys of \(keyBits) bits, tags of \(tagWidth) bits)")
    #expect(sameTags, "seed \(seed): tags follow their keys, ties in input order")
}

@Test(arguments: 0..<8)
func radixSortWordsSortsByTheRangeOnly(seed: UInt64) {
    var rng = TestRNG(seed + 100)
    let n = seed % 2 == 0 ? 3000 : 60_000
    let lo = Int(rng.next() % 30), width = 1 + Int(rng.next() % UInt64(64 - lo))
    var words: [UInt64] = (0..<n).map { _ in seed % 4 < 2 ? rng.next() : rng.next() & 0xFF00_0000_0000_00FF }
    let mask = width == 64 ? UInt64.max : (UInt64(1) << UInt64(width)) - 1
    let expected = words.enumerated().sorted { a, b in
        let x = (a.element >> UInt64(lo)) & mask, y = (b.element >> UInt64(lo)) & mask
        return x != y ? x < y : a.offset < b.offset
    }.map(\.element)
    RadixSort.sortWords(&words, bits: lo..<(lo + width))
    let same = words == expected
    #expect(same, "seed \(seed): \(n) words by bits \(lo)..<\(lo + width)")
}
