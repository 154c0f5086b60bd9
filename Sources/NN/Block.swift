/// Pre-norm ViT block (timm `Block`): `x + attn(norm1(x))`, then `x + mlp(norm2(x))`.
/// Keys `norm1.*`, `attn.*`, `norm2.*`, `mlp.*`.
public struct Block: Module {
    public var norm1: LayerNorm
    public var attn: Attention
    public var norm2: LayerNorm
    public var mlp: MLP

    public init(_ dim: Int, heads: Int, mlpRatio: Int = 4, eps: Float = 1e-6, using rng: inout RandomGenerator) {
        norm1 = LayerNorm(dim, eps: eps)
        attn = Attention(dim, heads: heads, using: &rng)
        norm2 = LayerNorm(dim, eps: eps)
        mlp = MLP(dim, hidden: dim * mlpRatio, using: &rng)
    }

    /// `[B, N, C] -> [B, N, C]`
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let x = x + attn(x, normalizedBy: norm1)
        return x + mlp(x, normalizedBy: norm2)
    }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try norm1.forEachParameter(prefix: prefix + "norm1.", body)
        try attn.forEachParameter(prefix: prefix + "attn.", body)
        try norm2.forEachParameter(prefix: prefix + "norm2.", body)
        try mlp.forEachParameter(prefix: prefix + "mlp.", body)
    }
}
