/// `fc2(gelu(fc1(x)))` with exact GELU (timm `Mlp`). Keys `fc1.*`, `fc2.*`.
public struct MLP: Module {
    public var fc1: Linear
    public var fc2: Linear

    public init(_ dim: Int, hidden: Int, using rng: inout RandomGenerator) {
        fc1 = Linear(dim, hidden, using: &rng)
        fc2 = Linear(hidden, dim, using: &rng)
    }

    /// `[..., C] -> [..., C]`; GELU's output is recomputed in the backward pass rather than kept.
    public func callAsFunction(_ x: Tensor) -> Tensor { fc2(gelu: fc1(x)) }

    /// `self(norm(x))` with the LayerNorm fused into fc1 (pre-norm blocks).
    public func callAsFunction(_ x: Tensor, normalizedBy norm: LayerNorm) -> Tensor { fc2(gelu: fc1(x, normalizedBy: norm)) }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try fc1.forEachParameter(prefix: prefix + "fc1.", body)
        try fc2.forEachParameter(prefix: prefix + "fc2.", body)
    }
}
