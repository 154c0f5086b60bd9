import Engine
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
        let threads = Parallel.threads
        switch mode {
        case .op: return 1
        case .batch, .auto: return Swift.max(1, Swift.min(threads, batch))
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
/// `range.count / batch` for a batch mean) and any values to report. The shares' gradients are added in share
/// order (deterministic).
/// - Returns: the reported values in share order, and d(Σ scalars)/d(parameter) by key.
public func valueWithGradient<M: Module, V>(at model: M, batch: Int, shares: Int,
                                            _ f: (M, Range<Int>) -> (Tensor, V)) -> (values: [V], gradient: [String: Tensor]) {
    let ranges = BatchShares.ranges(batch: batch, shares: shares)
    var values = [V?](repeating: nil, count: ranges.count)
    var gradients = [[String: Tensor]](repeating: [:], count: ranges.count)
    func run(_ share: Int) -> (V, [String: Tensor]) {
        let watched = model.watchingParameters()
        let (scalar, value) = f(watched, ranges[share])
        scalar.backward()
        return (value, watched.parameterGradients())
    }
    if ranges.count == 1 {
        (values[0], gradients[0]) = run(0)
    } else {
        values.withUnsafeMutableBufferPointer { vp in
            gradients.withUnsafeMutableBufferPointer { gp in
                let (vp, gp) = (vp.baseAddress!, gp.baseAddress!)
                Parallel.forShares(ranges.count) { share in
                    let (v, g) = run(share)
                    vp[share] = v   // each share writes its own slot
                    gp[share] = g
                }
            }
        }
    }
    var total = gradients[0]
    gradients[0] = [:]
    for share in 1..<ranges.count {
        for (name, g) in gradients[share] {
            var t = total.removeValue(forKey: name)!
            t.addInPlace(g)
            total[name] = t
        }
        gradients[share] = [:]   // freed as soon as it is added
    }
    return (values.map { $0! }, total)
}
