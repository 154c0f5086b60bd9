import Engine
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How a training batch is spread over the cores: in shares of images, one thread each (see
/// ``Parallel/forShares(_:_:)``), or whole, with every op split over the threads.
///
/// One thread per share avoids a fork/join per op (hundreds per step), and small ops (LayerNorm, GELU, the
/// per-head attention products) run at full speed on one core instead of splitting badly. The shares'
/// gradients are added in share order, so the result does not depend on timing; it equals the one-share result
/// up to float rounding (as two MPI ranks do). `RMAE_SPLIT=op` forces the whole-batch mode, `RMAE_SPLIT=batch`
/// the shares.
public enum BatchShares {
    public enum Mode: String, Sendable { case auto, batch, op }

    /// `RMAE_SPLIT` (default `auto`).
    public static let mode: Mode = {
        guard let env = getenv("RMAE_SPLIT") else { return .auto }
        return Mode(rawValue: String(cString: env).lowercased()) ?? .auto
    }()

    /// Shares for a batch of `batch` images: one per thread when splitting by images, else 1.
    public static func count(batch: Int) -> Int {
        switch mode {
        case .op: return 1
        case .batch, .auto: return Swift.max(1, Swift.min(Parallel.threads, batch))
        }
    }

    /// `0..<batch` cut into `shares` contiguous ranges whose sizes differ by at most one (larger first).
    public static func ranges(batch: Int, shares: Int) -> [Range<Int>] {
        let s = Swift.max(1, Swift.min(shares, batch))
        let base = batch / s, extra = batch % s
        var lo = 0
        return (0..<s).map { i in
            let hi = lo + base + (i < extra ? 1 : 0)
            defer { lo = hi }
            return lo..<hi
        }
    }
}

/// Evaluates `f` on shares of a batch of `batch` items concurrently (one thread per share, each op inside
/// single-threaded) and differentiates the sum of the shares' scalars with respect to every parameter.
///
/// `f(model, range)` returns the scalar to differentiate for the items in `range` (already weighted, e.g. by
/// `range.count / batch` for a batch mean) and any values to report. Each parameter's gradient is summed over
/// the shares in share order (deterministic) as soon as every share's backward pass has finished with that
/// parameter, and the shares' parts are freed at once, so at most about one set of gradients is alive.
///
/// - Parameters:
///   - skip: called with each share's reported value before its backward pass; true skips the backward pass
///     (e.g. a non-finite loss). A parameter some share skipped never completes.
///   - onGradient: when given, receives each parameter's complete gradient (nil: no gradient reached it) as
///     soon as it is complete, possibly on a share's thread and concurrently for different parameters, and
///     nothing is returned in `gradient` — so an optimizer can update a parameter while the backward pass is
///     still running below it.
/// - Returns: the reported values in share order, and d(Σ scalars)/d(parameter) by key (empty with
///   `onGradient`; parameters no gradient reached get zeros).
public func valueWithGradient<M: Module, V>(at model: M, batch: Int, shares: Int,
                                            skip: (V) -> Bool = { _ in false },
                                            onGradient: ((String, Tensor?) -> Void)? = nil,
                                            _ f: (M, Range<Int>) -> (Tensor, V)) -> (values: [V], gradient: [String: Tensor]) {
    let ranges = BatchShares.ranges(batch: batch, shares: shares)
    let names = model.namedParameters().map(\.name)
    let collected = Mutex([String: Tensor]())
    let sums = ShareSums(names: names, shares: ranges.count) { name, g in
        if let onGradient { onGradient(name, g) } else if let g { collected.withLock { $0[name] = g } }
    }
    var values = [V?](repeating: nil, count: ranges.count)
    func run(_ share: Int) -> V {
        var watched = model.watchingParameters()
        var delivered = Set<String>()
        let deliveredLock = Mutex(Set<String>())
        watched.forEachParameter(prefix: "") { name, t in
            t.onCompleteGradient { g in
                deliveredLock.withLock { _ = $0.insert(name) }
                sums.deliver(name, share: share, g)
            }
        }
        let (scalar, value) = f(watched, ranges[share])
        watched = model   // the watched copy must not outlive the forward pass: its leaves are held by the graph
        guard !skip(value) else { return value }
        scalar.backward()
        delivered = deliveredLock.withLock { $0 }
        for name in names where !delivered.contains(name) { sums.deliver(name, share: share, nil) }   // unused
        return value
    }
    if ranges.count == 1 {
        values[0] = run(0)
    } else {
        values.withUnsafeMutableBufferPointer { vp in
            let vp = vp.baseAddress!
            Parallel.forShares(ranges.count) { share in vp[share] = run(share) }   // each share writes its own slot
        }
    }
    let result = values.map { $0! }
    guard onGradient == nil else { return (result, [:]) }
    var gradients = collected.withLock { $0 }
    for (name, t) in model.namedParameters() where gradients[name] == nil && !result.contains(where: skip) {
        gradients[name] = .zeros(t.shape)
    }
    return (result, gradients)
}

/// Per parameter, the shares' gradients added in share order as they arrive; a share that arrives early waits
/// in its slot (freed once added). When the last share's part is in, the sum goes to `complete`.
final class ShareSums: @unchecked Sendable {
    private final class Slot: @unchecked Sendable {
        struct State { var parts: [Tensor?]; var arrived: [Bool]; var next = 0; var sum: Tensor? }
        let state: Mutex<State>
        init(shares: Int) { state = Mutex(State(parts: .init(repeating: nil, count: shares), arrived: .init(repeating: false, count: shares))) }
    }
    private let slots: [String: Slot]
    private let shares: Int
    private let complete: (String, Tensor?) -> Void

    init(names: [String], shares: Int, complete: @escaping (String, Tensor?) -> Void) {
        self.shares = shares
        self.complete = complete
        slots = Dictionary(uniqueKeysWithValues: names.map { ($0, Slot(shares: shares)) })
    }

    /// Share `share`'s gradient of `name` (nil: none). Thread-safe.
    func deliver(_ name: String, share: Int, _ g: Tensor?) {
        guard let slot = slots[name] else { return }
        let done: (Bool, Tensor?) = slot.state.withLock { s in
            precondition(!s.arrived[share], "ShareSums: share \(share) delivered '\(name)' twice")
            s.parts[share] = g
            s.arrived[share] = true
            while s.next < shares && s.arrived[s.next] {   // add the ready prefix, in share order
                if let part = s.parts[s.next] {
                    if s.sum == nil { s.sum = part } else { s.sum!.addInPlace(part) }
                    s.parts[s.next] = nil
                }
                s.next += 1
            }
            guard s.next == shares else { return (false, nil) }
            defer { s.sum = nil }
            return (true, s.sum)
        }
        if done.0 { complete(name, done.1) }
    }
}
