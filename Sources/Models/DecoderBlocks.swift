import NN

/// R-MAE `DecoderBlock` (region decoder blocks before the last, when `region_dec_depth ≥ 2`):
/// `x + SelfAttn(LN1(x))`, `x + CrossAttn(LN2(x), memory)`, `x + Mlp(LN3(x))` (hidden 4D).
/// Keys `norm1`, `attn.*`, `norm2`, `cross_attn.{q,kv,proj}`, `norm3`, `mlp.*`.
public struct RegionDecoderBlock: Module {
    public var norm1: LayerNorm, attn: Attention, norm2: LayerNorm, crossAttn: CrossAttention, norm3: LayerNorm, mlp: MLP

    public init(_ dim: Int, memoryDim: Int, heads: Int, mlpRatio: Int, eps: Float, using rng: inout RandomGenerator) {
        norm1 = LayerNorm(dim, eps: eps)
        attn = Attention(dim, heads: heads, using: &rng)
        norm2 = LayerNorm(dim, eps: eps)
        crossAttn = CrossAttention(dim, memoryDim: memoryDim, heads: heads, using: &rng)
        norm3 = LayerNorm(dim, eps: eps)
        mlp = MLP(dim, hidden: dim * mlpRatio, using: &rng)
    }

    /// queries `[B, k, D]`, memory `[B, N+1, Dm]` -> `[B, k, D]`
    public func callAsFunction(_ x: Tensor, memory: Tensor) -> Tensor {
        var x = x + attn(x, normalizedBy: norm1)
        x = x + crossAttn(norm2(x), memory: memory)
        return x + mlp(x, normalizedBy: norm3)
    }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try norm1.forEachParameter(prefix: prefix + "norm1.", body)
        try attn.forEachParameter(prefix: prefix + "attn.", body)
        try norm2.forEachParameter(prefix: prefix + "norm2.", body)
        try crossAttn.forEachParameter(prefix: prefix + "cross_attn.", body)
        try norm3.forEachParameter(prefix: prefix + "norm3.", body)
        try mlp.forEachParameter(prefix: prefix + "mlp.", body)
    }
}

/// R-MAE `DecoderBlockWithExpansion` (always the last region decoder block), REFERENCE.md §2.7:
/// ```
/// x' = x + SelfAttn(LN1(x))                       [B, k, D]   (the k queries of an image attend to each other)
/// V  = proj(memory)                               [B, N+1, D]
/// E  = x'[:, :, None] + V[:, None]                [B, k, N+1, D]
/// Y  = fc2(gelu(fc1(LN3(E))))                     no residual; fc1, fc2 are D → D
/// ```
/// Keys `norm1`, `attn.*`, `proj.*`, `norm3`, `mlp.fc1`, `mlp.fc2` (no `norm2`, no cross-attention).
public struct ExpansionBlock: Module {
    public var norm1: LayerNorm, attn: Attention, proj: Linear, norm3: LayerNorm, mlp: MLP

    public init(_ dim: Int, memoryDim: Int, heads: Int, eps: Float, using rng: inout RandomGenerator) {
        norm1 = LayerNorm(dim, eps: eps)
        attn = Attention(dim, heads: heads, using: &rng)
        proj = Linear(memoryDim, dim, using: &rng)
        norm3 = LayerNorm(dim, eps: eps)
        mlp = MLP(dim, hidden: dim, using: &rng)
    }

    /// queries `[B, k, D]`, memory `[B, M, Dm]` -> `[B, k, M, D]`
    public func callAsFunction(_ x: Tensor, memory: Tensor) -> Tensor {
        let (b, k, d) = (x.shape[0], x.shape[1], x.shape[2])
        let m = memory.shape[1]
        let q = x + attn(x, normalizedBy: norm1)
        let v = proj(memory)
        let e = q.reshaped([b, k, 1, d]) + v.reshaped([b, 1, m, d])
        return mlp(e, normalizedBy: norm3)
    }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try norm1.forEachParameter(prefix: prefix + "norm1.", body)
        try attn.forEachParameter(prefix: prefix + "attn.", body)
        try proj.forEachParameter(prefix: prefix + "proj.", body)
        try norm3.forEachParameter(prefix: prefix + "norm3.", body)
        try mlp.forEachParameter(prefix: prefix + "mlp.", body)
    }
}
