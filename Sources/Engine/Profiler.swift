import Synchronization

/// Wall time and GEMM work per op, for `rmae bench train --profile`.
///
/// Only work inside ``measure(_:)`` is timed (a task-local switch, so other tasks running ops at the same time
/// are not charged); outside it the cost is one task-local read per recorded op. Inside:
/// - an op's forward time is the time since the previous recorded op (or ``mark()``) ended on the same thread,
///   so the model's glue between two ops is charged to the later one;
/// - an op's backward time is the time of its pullback plus the accumulation of the gradients it returned;
/// - GEMM floating-point operations are counted per thread and charged the same way, giving each op's GEMM
///   rate.
/// When the shares of a batch run on several threads at once (``Parallel/forShares(_:_:)``), each thread keeps
/// its own marks and the totals add the threads' times (thread-seconds).
/// Op names come from the Swift function that recorded the value (`linear`, `gelu`, `selfAttention`, …).
public enum Profiler {
    /// One op's totals.
    public struct Entry: Sendable {
        public var op: String
        public var calls = 0
        public var forwardSeconds = 0.0
        public var backwardSeconds = 0.0
        public var forwardFlops = 0
        public var backwardFlops = 0
        public var seconds: Double { forwardSeconds + backwardSeconds }
    }

    /// One thread's marks: where the last op ended, and the GEMM work done on this thread.
    final class Recorder: @unchecked Sendable {
        var last: ContinuousClock.Instant?
        var lastFlops = 0
        var flops = 0
    }

    @TaskLocal static var recorder: Recorder?
    private static let totals = Mutex([String: Entry]())
    private static let clock = ContinuousClock()

    /// Whether ops recorded now are timed.
    public static var isEnabled: Bool { recorder != nil }

    /// Runs `body` with every op it records timed, adding to the totals.
    public static func measure<R>(_ body: () throws -> R) rethrows -> R {
        try measureOnThisThread(body)
    }

    /// Like ``measure(_:)`` with marks of its own (for work moved to another thread).
    static func measureOnThisThread<R>(_ body: () throws -> R) rethrows -> R {
        let r = Recorder()
        r.last = clock.now
        return try $recorder.withValue(r) { try body() }
    }

    /// Clears the totals.
    public static func reset() { totals.withLock { $0 = [:] } }

    /// Starts the forward clock: the next recorded op is charged from here (call before a forward pass).
    public static func mark() {
        guard let r = recorder else { return }
        r.last = clock.now
        r.lastFlops = r.flops
    }

    /// Counts GEMM work done on this thread (called by ``BLAS``).
    @inline(__always) static func countFlops(_ n: Int) {
        if let r = recorder { r.flops += n }
    }

    private static func charge(_ name: String, calls: Int = 0, forward: Double = 0, forwardFlops: Int = 0,
                               backward: Double = 0, backwardFlops: Int = 0) {
        totals.withLock { entries in
            var e = entries[name] ?? Entry(op: name)
            e.calls += calls
            e.forwardSeconds += forward
            e.forwardFlops += forwardFlops
            e.backwardSeconds += backward
            e.backwardFlops += backwardFlops
            entries[name] = e
        }
    }

    /// Charges the time since the last mark to `op`'s forward and moves the mark.
    static func forward(_ op: StaticString) {
        guard let r = recorder else { return }
        let now = clock.now
        if let last = r.last {
            charge(opName(op), calls: 1, forward: seconds(now - last), forwardFlops: r.flops - r.lastFlops)
        } else {
            charge(opName(op), calls: 1)
        }
        r.last = now
        r.lastFlops = r.flops
    }

    /// Runs `body` and charges its time to `op`'s backward.
    static func backward<R>(_ op: StaticString, _ body: () -> R) -> R {
        guard let rec = recorder else { return body() }
        let start = clock.now, flops = rec.flops
        let r = body()
        charge(opName(op), backward: seconds(clock.now - start), backwardFlops: rec.flops - flops)
        return r
    }

    /// Adds time measured elsewhere (e.g. the optimizer step) under `name`, as backward-side work.
    public static func add(_ name: String, seconds: Double, calls: Int = 1) {
        guard isEnabled else { return }
        charge(name, calls: calls, backward: seconds)
    }

    /// Totals so far, the most expensive first.
    public static var entries: [Entry] {
        totals.withLock { Array($0.values) }.sorted { $0.seconds > $1.seconds }
    }

    /// `linear(_:_:_:)` → `linear`; operators keep their symbol (`+`, `*`).
    static func opName(_ function: StaticString) -> String {
        let s = function.description
        return s.firstIndex(of: "(").map { String(s[..<$0]) } ?? s
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
