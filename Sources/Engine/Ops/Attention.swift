// Fused multi-head attention: self-attention over a packed qkv projection and cross-attention over a
// packed kv projection, both with the scale multiplied into the scores (s = D^-0.5) and no mask.

/// Self-attention on a packed projection, as timm / R-MAE `Attention` after its `qkv` Linear:
/// channels `[0, C)` are Q, `[C, 2C)` K, `[2C, 3C)` V; head t owns channels `[t·D, (t+1)·D)` of each.
/// - Parameters:
///   - qkv: `[B, N, 3C]`
///   - heads: H, with C divisible by H.
/// - Returns: `[B, N, C]`, heads merged (channel t·D + j), before the output projection.
public func selfAttention(_ qkv: Tensor, heads: Int) -> Tensor {
    precondition(qkv.rank == 3 && qkv.shape[2] % 3 == 0, "selfAttention: qkv must be [B, N, 3C], got \(qkv.shape)")
    let (b, n, c) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
    precondition(heads > 0 && c % heads == 0, "selfAttention: width \(c) is not divisible by \(heads) heads")
    let p = qkv.ptr
    let layout = AttentionLayout(q: p, qRow: 3 * c, qBatch: n * 3 * c, k: p + c, kRow: 3 * c, kBatch: n * 3 * c,
                                 v: p + 2 * c, vRow: 3 * c, vBatch: n * 3 * c)
    return fusedAttention(layout, inputs: [qkv], batch: b, heads: heads, lq: n, lk: n, width: c, op: "selfAttention") { dqkv in
        let dp = dqkv[0].ptr
        return AttentionLayout(q: dp, qRow: 3 * c, qBatch: n * 3 * c, k: dp + c, kRow: 3 * c, kBatch: n * 3 * c,
                               v: dp + 2 * c, vRow: 3 * c, vBatch: n * 3 * c)
    }
}

/// Cross-attention, as R-MAE `CrossAttention` after its `q` and `kv` Linears.
/// - Parameters:
///   - query: `[B, Lq, C]`
///   - keyValue: `[B, Lk, 2C]`, channels `[0, C)` K and `[C, 2C)` V.
/// - Returns: `[B, Lq, C]`.
public func crossAttention(query: Tensor, keyValue: Tensor, heads: Int) -> Tensor {
    precondition(query.rank == 3 && keyValue.rank == 3 && query.shape[0] == keyValue.shape[0]
                 && keyValue.shape[2] == 2 * query.shape[2],
                 "crossAttention: query \(query.shape) and keyValue \(keyValue.shape) must be [B, Lq, C] and [B, Lk, 2C]")
    let (b, lq, c, lk) = (query.shape[0], query.shape[1], query.shape[2], keyValue.shape[1])
    precondition(heads > 0 && c % heads == 0, "crossAttention: width \(c) is not divisible by \(heads) heads")
    let pq = query.ptr, pkv = keyValue.ptr
    let layout = AttentionLayout(q: pq, qRow: c, qBatch: lq * c, k: pkv, kRow: 2 * c, kBatch: lk * 2 * c,
                                 v: pkv + c, vRow: 2 * c, vBatch: lk * 2 * c)
    return fusedAttention(layout, inputs: [query, keyValue], batch: b, heads: heads, lq: lq, lk: lk, width: c,
                          op: "crossAttention") { g in
        AttentionLayout(q: g[0].ptr, qRow: c, qBatch: lq * c, k: g[1].ptr, kRow: 2 * c, kBatch: lk * 2 * c,
                        v: g[1].ptr + c, vRow: 2 * c, vBatch: lk * 2 * c)
    }
}

/// The post-softmax attention probabilities `[B, H, N, N]` of a self-attention (for attention maps). Not
/// differentiable.
public func selfAttentionProbabilities(_ qkv: Tensor, heads: Int) -> Tensor {
    let (b, n, c) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
    let p = qkv.ptr
    let layout = AttentionLayout(q: p, qRow: 3 * c, qBatch: n * 3 * c, k: p + c, kRow: 3 * c, kBatch: n * 3 * c,
                                 v: p + 2 * c, vRow: 3 * c, vBatch: n * 3 * c)
    let probs = Tensor.zeros([b, heads, n, n])
    let out = Tensor.zeros([b, n, c]), lse = Tensor.zeros([b, heads, n])
    Kernels.attentionForward(layout, batch: b, heads: heads, lq: n, lk: n, headDim: c / heads,
                             scale: 1 / Float(c / heads).squareRoot(), out: out.ptr, lse: lse.ptr,
                             probabilities: probs.ptr)
    return probs
}

/// Shared forward + pullback of the fused ops. `gradLayout` maps zeroed gradient buffers (one per input,
/// input-shaped) to where dQ, dK, dV go.
private func fusedAttention(_ layout: AttentionLayout, inputs: [Tensor], batch: Int, heads: Int, lq: Int, lk: Int,
                            width c: Int, op: StaticString, gradLayout: @escaping ([Tensor]) -> AttentionLayout) -> Tensor {
    let d = c / heads
    let scale = 1 / Float(d).squareRoot()
    let lse = Tensor.zeros([batch, heads, lq])
    let out = Tensor.make([batch, lq, c]) {
        Kernels.attentionForward(layout, batch: batch, heads: heads, lq: lq, lk: lk, headDim: d, scale: scale,
                                 out: $0, lse: lse.ptr)
    }
    return Tensor.record(out, inputs: inputs, op: op) { g in
        let grads = inputs.map { Tensor.zeros($0.shape) }
        Kernels.attentionBackward(layout, grads: gradLayout(grads), dout: g.ptr, out: out.ptr, lse: lse.ptr,
                                  batch: batch, heads: heads, lq: lq, lk: lk, headDim: d, scale: scale)
        return zip(inputs, grads).map { $0.requiresGrad ? $1 : nil }
    }
}

/// Attention composed from primitive ops (matmul, softmax, permute): the readable reference that the fused
/// kernels are tested against. q [B, Lq, C], k and v [B, Lk, C] -> [B, Lq, C].
public func referenceAttention(query q: Tensor, key k: Tensor, value v: Tensor, heads: Int) -> Tensor {
    let (b, lq, c, lk) = (q.shape[0], q.shape[1], q.shape[2], k.shape[1])
    let d = c / heads
    let qh = q.reshaped([b, lq, heads, d]).permuted([0, 2, 1, 3])   // (B, H, Lq, D)
    let kh = k.reshaped([b, lk, heads, d]).permuted([0, 2, 3, 1])   // (B, H, D, Lk)
    let vh = v.reshaped([b, lk, heads, d]).permuted([0, 2, 1, 3])   // (B, H, Lk, D)
    let scores = Tensor.matmul(qh * (1 / Float(d).squareRoot()), kh).softmax()
    return Tensor.matmul(scores, vh).permuted([0, 2, 1, 3]).reshaped([b, lq, c])
}
