import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Data parallelism for the engine's own (non-GEMM) kernels.
///
/// Threading policy: one pool. OpenBLAS runs single-threaded; large GEMMs are split over this pool by
/// ``BLAS/gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:parallel:)``, attention runs one (batch, head)
/// pair per task with single-threaded GEMMs inside, and elementwise kernels split their loops. Nothing is
/// oversubscribed and no thread spins waiting for work.
public enum Parallel {
    /// Number of worker threads used by engine kernels (online cores, or `RMAE_THREADS`).
    public static let threads: Int = {
        if let env = getenv("RMAE_THREADS"), let n = Int(String(cString: env)), n > 0 { return n }
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// Calls `body` on disjoint sub-ranges covering `0..<count`, in parallel when there are at least
    /// `2 * grain` items. Each range holds a multiple of `grain`, except possibly the last.
    public static func forRanges(_ count: Int, grain: Int = 16384, _ body: (Range<Int>) -> Void) {
        let t = Swift.min(threads, count / Swift.max(grain, 1))
        if t <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let per = (count + t - 1) / t
        withoutActuallyEscaping(body) { body in
            // The kernels hand disjoint ranges of their buffers to each thread; Sendable is asserted here,
            // in one place, instead of at every kernel.
            let work = unsafeBitCast(body, to: (@Sendable (Range<Int>) -> Void).self)
            DispatchQueue.concurrentPerform(iterations: t) { i in
                let lo = i * per, hi = Swift.min(count, lo + per)
                if lo < hi { work(lo..<hi) }
            }
        }
    }

    /// Calls `body(task, worker)` for every task in `0..<count`, spread over the worker threads in contiguous
    /// blocks; `worker` (0..<threads) lets a task use per-thread scratch memory.
    public static func forTasks(_ count: Int, _ body: (Int, Int) -> Void) {
        let t = Swift.min(threads, count)
        if t <= 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        let per = (count + t - 1) / t
        withoutActuallyEscaping(body) { body in
            let work = unsafeBitCast(body, to: (@Sendable (Int, Int) -> Void).self)
            DispatchQueue.concurrentPerform(iterations: t) { w in
                let lo = w * per, hi = Swift.min(count, lo + per)
                if lo < hi { for i in lo..<hi { work(i, w) } }
            }
        }
    }
}
