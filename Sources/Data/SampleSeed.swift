import Engine

/// Per-sample random generators, so that a sample's augmentation depends only on (seed, epoch, global
/// sample index) and never on which thread built it or when.
///
///     seed' = mix(mix(mix(seed) ⊕ epoch) ⊕ index)      (mix: the SplitMix64 finaliser)
///     generator = RandomGenerator(seed: seed', stream: .augmentation)
enum SampleSeed {
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The augmentation generator of global sample `index` in `epoch`.
    static func generator(seed: UInt64, epoch: Int, index: Int) -> RandomGenerator {
        let s = mix(mix(mix(seed) ^ UInt64(truncatingIfNeeded: epoch)) ^ UInt64(truncatingIfNeeded: index))
        return RandomGenerator(seed: s, stream: .augmentation)
    }

    /// The dataset order of `epoch`: a permutation of `0..<count` from stream `.data` with seed `seed + epoch`.
    static func epochOrder(seed: UInt64, epoch: Int, count: Int) -> [Int] {
        var rng = RandomGenerator(seed: seed &+ UInt64(truncatingIfNeeded: epoch), stream: .data)
        return rng.permutation(count)
    }
}
