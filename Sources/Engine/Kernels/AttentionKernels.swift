import CKernels

/// Where Q, K and V live: base pointers of head 0 of batch 0, the distance between consecutive tokens
/// (`row`) and between consecutive batch items (`batch`). Head t adds `t * D`. This lets attention read
/// Q, K, V straight out of a packed qkv [B, N, 3C] or kv [B, N, 2C] projection without copies.
struct AttentionLayout {
    var q: UnsafeMutablePointer<Float>, qRow: Int, qBatch: Int
    var k: UnsafeMutablePointer<Float>, kRow: Int, kBatch: Int
    var v: UnsafeMutablePointer<Float>, vRow: Int, vBatch: Int
}

extension Kernels {
    /// Multi-head attention forward, one (batch, head) pair per task, fused in one C kernel per pair
    /// (`CKernels`): scores `s · Q Kᵀ`, row softmax and `P V` with the Lq×Lk score matrix in a per-thread
    /// scratch buffer, in cache. `O[b, i, t*D + j] = Σ_l softmax_l(s · Q_i·K_l) V[l, j]` for head t.
    /// Writes `out` [B, Lq, H·D] and the row log-sum-exp `lse` [B, H, Lq] for the backward pass;
    /// `probabilities` [B, H, Lq, Lk] is filled when given (attention maps).
    static func attentionForward(_ l: AttentionLayout, batch: Int, heads: Int, lq: Int, lk: Int, headDim d: Int,
                                 scale: Float, out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                                 probabilities: UnsafeMutablePointer<Float>? = nil) {
        let c = heads * d
        BLAS.flops.add(batch * heads * 4 * lq * lk * d, ordering: .relaxed)
        Profiler.countFlops(batch * heads * 4 * lq * lk * d)
        let per = rk_attention_scratch(lq, lk, d), k = CPUKernels.table
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Parallel.available * per)
        defer { scratch.deallocate() }
        Parallel.forTasks(batch * heads) { task, worker in
            let b = task / heads, t = task % heads
            var a = rk_attention(
                q: l.q + b * l.qBatch + t * d, q_row: l.qRow, k: l.k + b * l.kBatch + t * d, k_row: l.kRow,
                v: l.v + b * l.vBatch + t * d, v_row: l.vRow, out: out + b * lq * c + t * d, out_row: c,
                dout: nil, dq: nil, dq_row: 0, dk: nil, dk_row: 0, dv: nil, dv_row: 0,
                lse: lse + (b * heads + t) * lq, probabilities: probabilities.map { $0 + (b * heads + t) * lq * lk },
                lq: lq, lk: lk, d: d, scale: scale, scratch: scratch + worker * per)
            k.attention_forward(&a)
        }
    }

    /// Multi-head attention backward, recomputing P = exp(s·QKᵀ − lse) per (batch, head) in one C kernel:
    /// `dV = Pᵀ dO`, `dP = dO Vᵀ`, `dS = P ∘ (dP − rowsum(dO ∘ O))`, `dQ = s · dS K`, `dK = s · dSᵀ Q`.
    /// Gradients are written with the same layout as the inputs (`grads` points at dQ, dK, dV); each pair
    /// writes only its own head's columns.
    static func attentionBackward(_ l: AttentionLayout, grads g: AttentionLayout, dout: UnsafePointer<Float>,
                                  out: UnsafePointer<Float>, lse: UnsafePointer<Float>,
                                  batch: Int, heads: Int, lq: Int, lk: Int, headDim d: Int, scale: Float) {
        let c = heads * d
        BLAS.flops.add(batch * heads * 8 * lq * lk * d, ordering: .relaxed)
        Profiler.countFlops(batch * heads * 8 * lq * lk * d)
        let per = rk_attention_scratch(lq, lk, d), k = CPUKernels.table
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Parallel.available * per)
        defer { scratch.deallocate() }
        Parallel.forTasks(batch * heads) { task, worker in
            let b = task / heads, t = task % heads
            var a = rk_attention(
                q: l.q + b * l.qBatch + t * d, q_row: l.qRow, k: l.k + b * l.kBatch + t * d, k_row: l.kRow,
                v: l.v + b * l.vBatch + t * d, v_row: l.vRow,
                out: UnsafeMutablePointer(mutating: out + b * lq * c + t * d), out_row: c,
                dout: dout + b * lq * c + t * d, dq: g.q + b * g.qBatch + t * d, dq_row: g.qRow,
                dk: g.k + b * g.kBatch + t * d, dk_row: g.kRow, dv: g.v + b * g.vBatch + t * d, dv_row: g.vRow,
                lse: UnsafeMutablePointer(mutating: lse + (b * heads + t) * lq), probabilities: nil,
                lq: lq, lk: lk, d: d, scale: scale, scratch: scratch + worker * per)
            k.attention_backward(&a)
        }
    }
}
