/// One step of SplitMix64 (Steele, Lea, Flood 2014): advances `state` by the golden gamma and
/// returns the mixed value. The test targets' seeded generators (each with its own seeding and
/// helpers, which their tests' data depend on) share this step.
@inline(__always)
public func splitMix64Next(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
