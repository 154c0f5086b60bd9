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
        let ld = paddedRow(lk)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Parallel.threads * lq * ld)
        defer { scratch.deallocate() }
        padScores(scratch, rows: Parallel.threads * lq, lk: lk, ld: ld)
        Parallel.forTasks(batch * heads) { task, worker in
            let b = task / heads, t = task % heads
            let s = scratch + worker * lq * ld
            let q = l.q + b * l.qBatch + t * d, k = l.k + b * l.kBatch + t * d, v = l.v + b * l.vBatch + t * d
            BLAS.gemm(transB: true, m: lq, n: lk, k: d, alpha: scale, a: q, lda: l.qRow, b: k, ldb: l.kRow, c: s, ldc: ld, parallel: false)
            let lseRow = lse + (b * heads + t) * lq
            for i in 0..<lq { lseRow[i] = Kernels.softmaxRowInPlace(s + i * ld, ld) }
            if let probabilities {
                let pr = probabilities + (b * heads + t) * lq * lk
                for i in 0..<lq { (pr + i * lk).update(from: s + i * ld, count: lk) }
            }
            BLAS.gemm(m: lq, n: d, k: lk, a: s, lda: ld, b: v, ldb: l.vRow, c: out + b * lq * c + t * d, ldc: c, parallel: false)
            // The padding columns now hold 0 (normalised e^−∞); the next task's scores need −∞ there again.
            padScores(s, rows: lq, lk: lk, ld: ld)
        }
    }

    /// Score rows are padded to a multiple of eight so the softmax runs on whole SIMD8 vectors.
    @inline(__always) static func paddedRow(_ lk: Int) -> Int { (lk + 7) & ~7 }

    /// Sets the padding columns `[lk, ld)` of `rows` score rows to −∞ (zero probability).
    @inline(__always)
    static func padScores(_ s: UnsafeMutablePointer<Float>, rows: Int, lk: Int, ld: Int) {
        guard ld > lk else { return }
        for i in 0..<rows { (s + i * ld + lk).update(repeating: -.infinity, count: ld - lk) }
    }

    /// Multi-head attention backward, recomputing P = exp(s·QKᵀ − lse) per (batch, head):
    /// `dV = Pᵀ dO`, `dP = dO Vᵀ`, `dS = P ∘ (dP − rowsum(dO ∘ O))`, `dQ = s · dS K`, `dK = s · dSᵀ Q`.
    /// Gradients are written with the same layout as the inputs (`grads` points at dQ, dK, dV), which must
    /// be zero-initialised where rows of the packed buffer are shared.
    static func attentionBackward(_ l: AttentionLayout, grads g: AttentionLayout, dout: UnsafePointer<Float>,
                                  out: UnsafePointer<Float>, lse: UnsafePointer<Float>,
                                  batch: Int, heads: Int, lq: Int, lk: Int, headDim d: Int, scale: Float) {
        let c = heads * d
        let ld = paddedRow(lk)
        let per = 2 * lq * ld + lq
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Parallel.threads * per)
        defer { scratch.deallocate() }
        Parallel.forTasks(batch * heads) { task, worker in
            let b = task / heads, t = task % heads
            let p = scratch + worker * per, dp = p + lq * ld, delta = dp + lq * ld
            padScores(p, rows: lq, lk: lk, ld: ld)
            let q = l.q + b * l.qBatch + t * d, k = l.k + b * l.kBatch + t * d, v = l.v + b * l.vBatch + t * d
            let dq = g.q + b * g.qBatch + t * d, dk = g.k + b * g.kBatch + t * d, dv = g.v + b * g.vBatch + t * d
            let dO = dout + b * lq * c + t * d, o = out + b * lq * c + t * d
            BLAS.gemm(transB: true, m: lq, n: lk, k: d, alpha: scale, a: q, lda: l.qRow, b: k, ldb: l.kRow, c: p, ldc: ld, parallel: false)
            let lseRow = lse + (b * heads + t) * lq
            for i in 0..<lq {
                let row = p + i * ld, m = lseRow[i]
                _ = Kernels.expShiftedInPlace(row, ld, shift: m)
                delta[i] = Kernels.dot(dO + i * c, o + i * c, d)
            }
            // dV = Pᵀ dO
            BLAS.gemm(transA: true, m: lk, n: d, k: lq, a: p, lda: ld, b: dO, ldb: c, c: dv, ldc: g.vRow, parallel: false)
            // dP = dO Vᵀ
            BLAS.gemm(transB: true, m: lq, n: lk, k: d, a: dO, lda: c, b: v, ldb: l.vRow, c: dp, ldc: ld, parallel: false)
            for i in 0..<lq {
                let pr = p + i * ld, dr = dp + i * ld, di = delta[i]
                var j = 0
                while j < lk {
                    FastMath.store(FastMath.load(pr, j, lk) * (FastMath.load(dr, j, lk) - di), dr, j, lk)
                    j += 8
                }
            }
            // dQ = s · dS K ; dK = s · dSᵀ Q
            BLAS.gemm(m: lq, n: d, k: lk, alpha: scale, a: dp, lda: ld, b: k, ldb: l.kRow, c: dq, ldc: g.qRow, parallel: false)
            BLAS.gemm(transA: true, m: lk, n: d, k: lq, alpha: scale, a: dp, lda: ld, b: q, ldb: l.qRow, c: dk, ldc: g.kRow, parallel: false)
        }
    }
}
