import Synchronization

/// Wall time and GEMM work per op, for `rmae bench train --profile`.
///
/// Only work inside ``measure(_:)`` is timed (a task-local switch, so other tasks running ops at the same time
/// are not charged); outside it the cost is one task-local read per recorded op. Inside:
/// - an op's forward time is the time since the previous recorded op (or ``mark()``) ended, so the model's
///   glue between two ops is charged to the later one; ops run one after another on the calling thread;
/// - an op's backward time is the time of its pullback plus the accumulation of the gradients it returned;
/// - GEMM floating-point operations (``BLAS/flops``) are charged the same way, giving each op's GEMM rate.
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

    private struct State {
        var entries: [String: Entry] = [:]
        var last: ContinuousClock.Instant?
        var lastFlops = 0

        mutating func charge(_ name: String, calls: Int = 0, forward: Double = 0, forwardFlops: Int = 0,
                             backward: Double = 0, backwardFlops: Int = 0) {
            var e = entries[name] ?? Entry(op: name)
            e.calls += calls
            e.forwardSeconds += forward
            e.forwardFlops += forwardFlops
            e.backwardSeconds += backward
            e.backwardFlops += backwardFlops
            entries[name] = e
        }
    }

    @TaskLocal private static var active = false
    private static let state = Mutex(State())
    private static let clock = ContinuousClock()

    /// Whether ops recorded now are timed.
    public static var isEnabled: Bool { active }

    /// Runs `body` with every op it records timed, adding to the totals.
    public static func measure<R>(_ body: () throws -> R) rethrows -> R {
        try $active.withValue(true) { try body() }
    }

    /// Clears the totals.
    public static func reset() { state.withLock { $0 = State() } }

    /// Starts the forward clock: the next recorded op is charged from here (call before a forward pass).
    public static func mark() {
        guard isEnabled else { return }
        let now = clock.now, flops = BLAS.flops.load(ordering: .relaxed)
        state.withLock { $0.last = now; $0.lastFlops = flops }
    }

    /// Charges the time since the last mark to `op`'s forward and moves the mark.
    static func forward(_ op: StaticString) {
        let now = clock.now, flops = BLAS.flops.load(ordering: .relaxed)
        state.withLock { s in
            if let last = s.last {
                s.charge(opName(op), calls: 1, forward: seconds(now - last), forwardFlops: flops - s.lastFlops)
            } else {
                s.charge(opName(op), calls: 1)
            }
            s.last = now
            s.lastFlops = flops
        }
    }

    /// Runs `body` and charges its time to `op`'s backward.
    static func backward<R>(_ op: StaticString, _ body: () -> R) -> R {
        let start = clock.now, flops = BLAS.flops.load(ordering: .relaxed)
        let r = body()
        let time = seconds(clock.now - start), work = BLAS.flops.load(ordering: .relaxed) - flops
        state.withLock { $0.charge(opName(op), backward: time, backwardFlops: work) }
        return r
    }

    /// Adds time measured elsewhere (e.g. the optimizer step) under `name`, as backward-side work.
    public static func add(_ name: String, seconds: Double, calls: Int = 1) {
        guard isEnabled else { return }
        state.withLock { $0.charge(name, calls: calls, backward: seconds) }
    }

    /// Totals so far, the most expensive first.
    public static var entries: [Entry] {
        state.withLock { Array($0.entries.values) }.sorted { $0.seconds > $1.seconds }
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
