#if canImport(Glibc)
import Glibc
#endif

/// Where Q, K and V live: base pointers of head 0 of batch 0, the distance between consecutive tokens
/// (`row`) and between consecutive batch items (`batch`). Head t adds `t * D`. This lets attention read
/// Q, K, V straight out of a packed qkv [B, N, 3C] or kv [B, N, 2C] projection without copies.
struct AttentionLayout {
    var q: UnsafeMutablePointer<Float>, qRow: Int, qBatch: Int
    var k: UnsafeMutablePointer<Float>, kRow: Int, kBatch: Int
    var v: UnsafeMutablePointer<Float>, vRow: Int, vBatch: Int
}

extension Kernels {
    /// Multi-head attention forward, one (batch, head) pair per task; the Lq×Lk score matrix exists only in
    /// a per-thread scratch buffer. `O[b, i, t*D + j] = Σ_l softmax_l(s · Q_i·K_l) V[l, j]` for head t.
    /// Writes `out` [B, Lq, H·D] and the row log-sum-exp `lse` [B, H, Lq] for the backward pass;
    /// `probabilities` [B, H, Lq, Lk] is filled when given (attention maps).
    static func attentionForward(_ l: AttentionLayout, batch: Int, heads: Int, lq: Int, lk: Int, headDim d: Int,
                                 scale: Float, out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                                 probabilities: UnsafeMutablePointer<Float>? = nil) {
        let c = heads * d
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Parallel.threads * lq * lk)
        defer { scratch.deallocate() }
        Parallel.forTasks(batch * heads) { task, worker in
            let b = task / heads, t = task % heads
            let s = scratch + worker * lq * lk
            let q = l.q + b * l.qBatch + t * d, k = l.k + b * l.kBatch + t * d, v = l.v + b * l.vBatch + t * d
            BLAS.gemm(transB: true, m: lq, n: lk, k: d, alpha: scale, a: q, lda: l.qRow, b: k, ldb: l.kRow, c: s, ldc: lk, parallel: false)
            let lseRow = lse + (b * heads + t) * lq
            for i in 0..<lq { lseRow[i] = Kernels.softmaxRowInPlace(s + i * lk, lk) }
            if let probabilities {
                (probabilities + (b * heads + t) * lq * lk).update(from: s, count: lq * lk)
            }
            BLAS.gemm(m: lq, n: d, k: lk, a: s, lda: lk, b: v, ldb: l.vRow, c: out + b * lq * c + t * d, ldc: c, parallel: false)
        }
    }

    /// Multi-head attention backward, recomputing P = exp(s·QKᵀ − lse) per (batch, head):
    /// `dV = Pᵀ dO`, `dP = dO Vᵀ`, `dS = P ∘ (dP − rowsum(dO ∘ O))`, `dQ = s · dS K`, `dK = s · dSᵀ Q`.
    /// Gradients are written with the same layout as the inputs (`grads` points at dQ, dK, dV), which must
    /// be zero-initialised where rows of the packed buffer are shared.
    static func attentionBackward(_ l: AttentionLayout, grads g: AttentionLayout, dout: UnsafePointer<Float>,
                                  out: UnsafePointer<Float>, lse: UnsafePointer<Float>,
                                  batch: Int, heads: Int, lq: Int, lk: Int, headDim d: Int, scale: Float) {
        let c = heads * d
        let per = 2 * lq * lk + lq
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Parallel.threads * per)
        defer { scratch.deallocate() }
        Parallel.forTasks(batch * heads) { task, worker in
            let b = task / heads, t = task % heads
            let p = scratch + worker * per, dp = p + lq * lk, delta = dp + lq * lk
            let q = l.q + b * l.qBatch + t * d, k = l.k + b * l.kBatch + t * d, v = l.v + b * l.vBatch + t * d
            let dq = g.q + b * g.qBatch + t * d, dk = g.k + b * g.kBatch + t * d, dv = g.v + b * g.vBatch + t * d
            let dO = dout + b * lq * c + t * d, o = out + b * lq * c + t * d
            BLAS.gemm(transB: true, m: lq, n: lk, k: d, alpha: scale, a: q, lda: l.qRow, b: k, ldb: l.kRow, c: p, ldc: lk, parallel: false)
            let lseRow = lse + (b * heads + t) * lq
            for i in 0..<lq {
                let row = p + i * lk, m = lseRow[i]
                for j in 0..<lk { row[j] = FastMath.exp(row[j] - m) }
                delta[i] = Kernels.dot(dO + i * c, o + i * c, d)
            }
            // dV = Pᵀ dO
            BLAS.gemm(transA: true, m: lk, n: d, k: lq, a: p, lda: lk, b: dO, ldb: c, c: dv, ldc: g.vRow, parallel: false)
            // dP = dO Vᵀ
            BLAS.gemm(transB: true, m: lq, n: lk, k: d, a: dO, lda: c, b: v, ldb: l.vRow, c: dp, ldc: lk, parallel: false)
            for i in 0..<lq {
                let pr = p + i * lk, dr = dp + i * lk, di = delta[i]
                for j in 0..<lk { dr[j] = pr[j] * (dr[j] - di) }
            }
            // dQ = s · dS K ; dK = s · dSᵀ Q
            BLAS.gemm(m: lq, n: d, k: lk, alpha: scale, a: dp, lda: lk, b: k, ldb: l.kRow, c: dq, ldc: g.qRow, parallel: false)
            BLAS.gemm(transA: true, m: lk, n: d, k: lq, alpha: scale, a: dp, lda: lk, b: q, ldb: l.qRow, c: dk, ldc: g.kRow, parallel: false)
        }
    }
}
