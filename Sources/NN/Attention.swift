/// Multi-head self-attention (timm / R-MAE `Attention`, qkv bias on): `proj(attend(qkv(x)))`.
/// Keys `qkv.*` (`[3C, C]`, rows `[q; k; v]`, head-major) and `proj.*`.
public struct Attention: Module {
    public var qkv: Linear
    public var proj: Linear
    public let heads: Int

    public init(_ dim: Int, heads: Int, using rng: inout RandomGenerator) {
        precondition(dim % heads == 0, "Attention: width \(dim) is not divisible by \(heads) heads")
        qkv = Linear(dim, 3 * dim, using: &rng)
        proj = Linear(dim, dim, using: &rng)
        self.heads = heads
    }

    /// `[B, N, C] -> [B, N, C]`
    public func callAsFunction(_ x: Tensor) -> Tensor { proj(selfAttention(qkv(x), heads: heads)) }

    /// `self(norm(x))` with the LayerNorm fused into the qkv projection (pre-norm blocks).
    public func callAsFunction(_ x: Tensor, normalizedBy norm: LayerNorm) -> Tensor {
        proj(selfAttention(qkv(x, normalizedBy: norm), heads: heads))
    }

    /// Post-softmax attention probabilities `[B, H, N, N]` for `x` (attention maps; no gradient).
    public func probabilities(_ x: Tensor) -> Tensor {
        withoutGradient { selfAttentionProbabilities(qkv(x), heads: heads) }
    }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try qkv.forEachParameter(prefix: prefix + "qkv.", body)
        try proj.forEachParameter(prefix: prefix + "proj.", body)
    }
}

/// Multi-head cross-attention (R-MAE `CrossAttention`): queries from `x`, keys and values from `memory`.
/// Keys `q.*` (`[C, C]`), `kv.*` (`[2C, Cm]`, rows `[k; v]`) and `proj.*`.
public struct CrossAttention: Module {
    public var q: Linear
    public var kv: Linear
    public var proj: Linear
    public let heads: Int

    public init(_ dim: Int, memoryDim: Int, heads: Int, using rng: inout RandomGenerator) {
        precondition(dim % heads == 0, "CrossAttention: width \(dim) is not divisible by \(heads) heads")
        q = Linear(dim, dim, using: &rng)
        kv = Linear(memoryDim, 2 * dim, using: &rng)
        proj = Linear(dim, dim, using: &rng)
        self.heads = heads
    }

    /// `x [B, Lq, C]`, `memory [B, Lk, Cm]` -> `[B, Lq, C]`
    public func callAsFunction(_ x: Tensor, memory: Tensor) -> Tensor {
        proj(crossAttention(query: q(x), keyValue: kv(memory), heads: heads))
    }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try q.forEachParameter(prefix: prefix + "q.", body)
        try kv.forEachParameter(prefix: prefix + "kv.", body)
        try proj.forEachParameter(prefix: prefix + "proj.", body)
    }
}
