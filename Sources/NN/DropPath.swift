/// Stochastic depth (timm's `DropPath`): in training, each image's residual branch is dropped with probability
/// `rate` and kept ones are scaled by `1 / (1 − rate)`, so the branch's expectation is unchanged.
public enum DropPath {
    /// The per-image factors `[B, 1, 1]` (0 or `1 / (1 − rate)`), to multiply a `[B, N, C]` branch by.
    public static func factors(batch: Int, rate: Float, using rng: inout RandomGenerator) -> Tensor {
        precondition(rate >= 0 && rate < 1, "DropPath: rate \(rate) outside [0, 1)")
        let keep = 1 - rate
        return Tensor(shape: [batch, 1, 1], (0..<batch).map { _ in rng.uniform() < keep ? 1 / keep : 0 })
    }

    /// timm's schedule: block i of `depth` drops with `rate · i / (depth − 1)` (0 for the first block).
    public static func rates(depth: Int, rate: Double) -> [Float] {
        (0..<depth).map { depth > 1 ? Float(rate * Double($0) / Double(depth - 1)) : 0 }
    }
}

extension Block {
    /// The block in training with stochastic depth: `x + d₁·attn(norm1(x))`, then `+ d₂·mlp(norm2(·))`, each
    /// `dᵢ` a fresh ``DropPath/factors(batch:rate:using:)`` draw. Rate 0 is the plain block.
    public func callAsFunction(_ x: Tensor, dropPath rate: Float, using rng: inout RandomGenerator) -> Tensor {
        guard rate > 0 else { return self(x) }
        let b = x.shape[0]
        let x = x + attn(x, normalizedBy: norm1) * DropPath.factors(batch: b, rate: rate, using: &rng)
        return x + mlp(x, normalizedBy: norm2) * DropPath.factors(batch: b, rate: rate, using: &rng)
    }
}
