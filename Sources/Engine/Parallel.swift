import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Data parallelism for the engine's own kernels, and the split of a batch into shares.
///
/// Threading policy: one pool, two ways to use it.
/// - **Within an op** (``forRanges(_:grain:_:)``, ``forTasks(_:_:)``, large GEMMs in ``BLAS``): each op splits
///   its loop over the threads and joins before returning. Right for one large product (inference, big models),
///   but a training step has hundreds of small ops and pays a fork/join for each.
/// - **Across shares of a batch** (``forShares(_:_:)``): each thread runs the forward and backward pass of its
///   share of the images alone, with every op inside single-threaded (``isSerial``), and the callers add the
///   shares' gradients in share order afterwards. No fork/join per op; the result is deterministic.
/// OpenBLAS itself always runs single-threaded. Nothing is oversubscribed and no thread spins waiting for work.
public enum Parallel {
    /// Number of worker threads used by engine kernels (online cores, or `RMAE_THREADS`).
    public static let threads: Int = {
        if let env = getenv("RMAE_THREADS"), let n = Int(String(cString: env)), n > 0 { return n }
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// True inside ``serial(_:)`` (a share of a batch, see ``forShares(_:_:)``): ops then run on the calling
    /// thread only.
    @TaskLocal public static var isSerial = false

    /// Threads the current code may split an op over: 1 inside ``serial(_:)``, else ``threads``.
    public static var available: Int { isSerial ? 1 : threads }

    /// Runs `body` with every op inside it single-threaded.
    public static func serial<R>(_ body: () throws -> R) rethrows -> R {
        try $isSerial.withValue(true) { try body() }
    }

    /// Calls `body(share)` for `0..<count` concurrently, one share per thread, each inside ``serial(_:)``.
    /// Task-local switches of the caller (gradient recording, profiling) hold inside the shares too.
    public static func forShares(_ count: Int, _ body: (Int) -> Void) {
        let context = TaskContext.current
        forTasks(count) { share, _ in context.apply { serial { body(share) } } }
    }

    /// Calls `body` on disjoint sub-ranges covering `0..<count`, in parallel when there are at least
    /// `2 * grain` items. Each range holds a multiple of `grain`, except possibly the last.
    public static func forRanges(_ count: Int, grain: Int = 16384, _ body: (Range<Int>) -> Void) {
        let t = Swift.min(available, count / Swift.max(grain, 1))
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
    /// blocks; `worker` (0..<``available``) lets a task use per-thread scratch memory.
    public static func forTasks(_ count: Int, _ body: (Int, Int) -> Void) {
        let t = Swift.min(available, count)
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

/// The task-local switches that must follow work onto pool threads (which start without them).
struct TaskContext: Sendable {
    var gradients: Bool
    var profiling: Bool

    static var current: TaskContext { TaskContext(gradients: GradMode.isEnabled, profiling: Profiler.isEnabled) }

    func apply<R>(_ body: () throws -> R) rethrows -> R {
        try GradMode.$isEnabled.withValue(gradients) {
            try profiling ? Profiler.measureOnThisThread(body) : body()
        }
    }
}
