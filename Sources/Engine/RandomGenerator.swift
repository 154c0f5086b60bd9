#if canImport(Glibc)
import Glibc
#endif

/// A seeded pseudo-random generator: xoshiro256** with its state filled by SplitMix64 from (seed, stream).
///
/// Streams keep unrelated consumers independent and reproducible: the same seed with a different stream
/// gives an unrelated sequence, and adding draws to one stream never shifts another. The project uses:
///
/// | stream | consumer |
/// |---|---|
/// | ``Stream/initialization`` (1) | parameter initialisation |
/// | ``Stream/masking`` (2) | masking noise (`random` region sampling, MAE) |
/// | ``Stream/data`` (3) | epoch shuffling of the dataset |
/// | ``Stream/augmentation`` (4) | crops, flips and region sampling, one derived stream per sample |
/// | ``Stream/test`` (99) | tests |
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    public enum Stream: UInt64, Sendable {
        case initialization = 1, masking = 2, data = 3, augmentation = 4, regularization = 5, test = 99
    }

    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator for `seed` on a numbered stream.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 ^ (stream &+ 0x632B_E59B_D9B4_E019) &* 0xD1B5_4A32_D192_ED03
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public init(seed: UInt64, stream: Stream) { self.init(seed: seed, stream: stream.rawValue) }

    /// The generator's full state, for checkpoints.
    public var state: [UInt64] {
        get { [s.0, s.1, s.2, s.3] }
        set {
            precondition(newValue.count == 4, "RandomGenerator.state: needs 4 words, got \(newValue.count)")
            s = (newValue[0], newValue[1], newValue[2], newValue[3])
        }
    }

    public mutating func next() -> UInt64 {
        @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (every Float32 multiple of 2^-24).
    public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal via Box–Muller (one value per call; the second is discarded for simplicity of state).
    public mutating func normal() -> Double {
        let u1 = 1 - uniformDouble()   // (0, 1]
        let u2 = uniformDouble()
        return (-2 * Glibc.log(u1)).squareRoot() * Glibc.cos(2 * Double.pi * u2)
    }

    /// Uniform integer in `0..<n`.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "RandomGenerator.int(below:): bound must be positive, got \(n)")
        return Int(next(upperBound: UInt64(n)))
    }

    /// A uniformly random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, int(below: i + 1)) }
        }
        return p
    }
}

extension Tensor {
    /// Uniform in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        let n = Shape.count(shape)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = low + (high - low) * rng.uniform() }
        return Tensor(shape: shape, values)
    }

    /// Normal with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        let n = Shape.count(shape)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = mean + std * Float(rng.normal()) }
        return Tensor(shape: shape, values)
    }
}
