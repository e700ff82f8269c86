import StrataCore
import Foundation

/// approx_count_distinct(x): a HyperLogLog sketch per group (allocated at its first value).
final class ApproxDistinctAccumulator: Accumulator {
    let spec: AggSpec
    var hll: [[UInt8]?] = []

    init(_ spec: AggSpec) { self.spec = spec }

    func grow(_ groups: Int) { hll.grow(to: groups, with: nil) }

    func update(_ gids: [Int32], _ args: [Vec], _ mask: Vec?, _ keys: KeyEncoder) {
        let (words, nulls) = keys.words(args[0], n: gids.count)
        for i in 0..<gids.count where filterKeeps(mask, i) && nulls[i] == 0 {
            let g = Int(gids[i])
            if hll[g] == nil { hll[g] = [UInt8](repeating: 0, count: HLL.registers) }
            HLL.add(&hll[g]!, words[i])
        }
    }

    func merge(_ other: any Accumulator, _ map: [Int32]) {
        let other = other as! ApproxDistinctAccumulator
        for g in 0..<map.count {
            let t = Int(map[g])
            guard let o = other.hll[g] else { continue }
            if hll[t] == nil { hll[t] = o } else { for r in 0..<HLL.registers { hll[t]![r] = max(hll[t]![r], o[r]) } }
        }
    }

    func finish(_ n: Int, emptyInput: Bool, interner: StringInterner, threads: Int) throws(QueryError) -> Vec {
        try valueVector(n, type: spec.type) { g in
            guard let r = hll[g] else { return .int(0) }
            return .int(HLL.estimate(r))
        }
    }
}

/// HyperLogLog with 2^12 registers (standard error 1.04/sqrt(4096) ≈ 1.6%).
enum HLL {
    static let precision = 12
    static let registers = 1 << precision

    static func add(_ r: inout [UInt8], _ word: Int64) {
        var h = UInt64(bitPattern: word) &* 0x9E37_79B9_7F4A_7C15  // wrapping: hash mixing
        h ^= h >> 31
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        let idx = Int(h >> UInt64(64 - precision))
        let rest = (h << UInt64(precision)) | (1 << UInt64(precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > r[idx] { r[idx] = rank }
    }

    static func estimate(_ r: [UInt8]) -> Int64 {
        let m = Double(registers)
        var sum = 0.0
        var zeros = 0
        for x in r {
            sum += pow(2.0, -Double(x))
            if x == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        var e = alpha * m * m / sum
        if e <= 2.5 * m && zeros > 0 { e = m * log(m / Double(zeros)) }  // linear counting for small sets
        return Int64(e.rounded())
    }
}
