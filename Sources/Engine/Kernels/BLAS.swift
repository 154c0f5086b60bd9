import COpenBLAS

/// The only file that calls `cblas_*`: single-precision GEMM and OpenBLAS's thread knob.
public enum BLAS {
    /// OpenBLAS threads for large GEMMs, set once at first use: `RMAE_THREADS`, else the online cores
    /// (the same count as ``Parallel/threads``; engine kernels never run concurrently with a GEMM).
    public static let threads: Int = {
        openblas_set_num_threads(Int32(Parallel.threads))
        return Parallel.threads
    }()

    /// `C = alpha * op(A) op(B) + beta * C`, row-major. op(A) is M×K, op(B) is K×N, C is M×N.
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = threads
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 {
                for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            } else if beta != 1 {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Runs `body` with OpenBLAS restricted to one thread, for code that calls GEMM from several of its own
    /// threads at once (attention over (batch, head) pairs).
    public static func withSingleThreadedGEMM<R>(_ body: () throws -> R) rethrows -> R {
        _ = threads
        if threads == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threads)) }
        return try body()
    }
}
