import Foundation
import Viz

/// Binary logistic regression with an L2 penalty, fitted by Newton's method (iteratively reweighted least
/// squares) in Float64: the classifier of ``LinearProbe``.
///
///     minimise  L(w, b) = (1/n) Σᵢ [ log(1 + e^{zᵢ}) − yᵢ zᵢ ] + (λ/2) ‖w‖²,    zᵢ = w · xᵢ + b
///
/// The bias is not penalised. Labels may be soft (`yᵢ ∈ [0, 1]`). Each iteration solves
/// `H Δ = ∇L` by Cholesky, `H = (1/n) Σ σᵢ(1 − σᵢ) x̃ᵢ x̃ᵢᵀ + λ I` (x̃ = (x, 1)), and backtracks the step until the
/// loss falls enough (Armijo); it stops when the Newton decrement `∇L · Δ / 2` is below `tolerance`.
/// The problem is strictly convex for λ > 0, so the minimum is unique: the fit does not depend on the sample
/// order or a seed.
///
/// Features are stored in Float32 (`n × d`, row-major); every sum is Float64.
public struct LogisticRegression: Sendable {
    /// w (d values) and b.
    public var weights: [Double], bias: Double
    /// Newton iterations used.
    public var iterations: Int
    /// The objective at the solution.
    public var loss: Double

    /// Fits the model.
    /// - Parameters:
    ///   - features: `n × d` values, row-major.
    ///   - labels: n targets in [0, 1].
    ///   - dimension: d.
    ///   - l2: λ > 0.
    ///   - progress: called after each iteration with (iteration, loss).
    public static func fit(features: [Float], labels: [Float], dimension d: Int, l2: Double,
                           maxIterations: Int = 50, tolerance: Double = 1e-14,
                           progress: (Int, Double) -> Void = { _, _ in }) -> LogisticRegression {
        let n = labels.count
        precondition(n > 0 && features.count == n * d, "LogisticRegression: \(features.count) features for \(n) labels of dimension \(d)")
        precondition(l2 > 0, "LogisticRegression: λ must be positive, got \(l2)")
        let e = d + 1   // weights then bias
        var theta = [Double](repeating: 0, count: e)

        func logits(_ t: [Double]) -> [Double] {
            features.withUnsafeBufferPointer { x in
                (0..<n).map { i in
                    var z = t[d]
                    let row = x.baseAddress! + i * d
                    for a in 0..<d { z += t[a] * Double(row[a]) }
                    return z
                }
            }
        }
        func objective(_ t: [Double], _ z: [Double]) -> Double {
            var sum = 0.0
            for i in 0..<n {
                sum += max(z[i], 0) + log1p(exp(-abs(z[i]))) - Double(labels[i]) * z[i]   // log(1 + e^z) − y z, stable
            }
            var penalty = 0.0
            for a in 0..<d { penalty += t[a] * t[a] }
            return sum / Double(n) + 0.5 * l2 * penalty
        }

        var z = logits(theta)
        var current = objective(theta, z)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            // gradient and Hessian (upper triangle accumulated, then mirrored)
            var g = [Double](repeating: 0, count: e)
            var h = [Double](repeating: 0, count: e * e)
            var xi = [Double](repeating: 1, count: e)
            features.withUnsafeBufferPointer { x in
                h.withUnsafeMutableBufferPointer { hp in
                    for i in 0..<n {
                        let s = 1 / (1 + exp(-z[i]))
                        let r = s - Double(labels[i]), w = s * (1 - s)
                        let row = x.baseAddress! + i * d
                        for a in 0..<d { xi[a] = Double(row[a]) }
                        for a in 0..<e {
                            g[a] += r * xi[a]
                            let wa = w * xi[a]
                            if wa == 0 { continue }
                            let line = hp.baseAddress! + a * e
                            for b in a..<e { line[b] += wa * xi[b] }
                        }
                    }
                }
            }
            for a in 0..<e {
                g[a] /= Double(n)
                for b in a..<e { h[a * e + b] /= Double(n); h[b * e + a] = h[a * e + b] }
            }
            for a in 0..<d { g[a] += l2 * theta[a]; h[a * e + a] += l2 }
            h[d * e + d] += 1e-12   // the bias is unpenalised; keep H positive definite when σ saturates
            guard let step = choleskySolve(h, g, size: e) else { break }
            let decrement = zip(g, step).reduce(0) { $0 + $1.0 * $1.1 }
            if decrement / 2 < tolerance { break }
            var t = 1.0
            var accepted = false
            for _ in 0..<40 {
                let candidate = zip(theta, step).map { $0 - t * $1 }
                let zc = logits(candidate)
                let value = objective(candidate, zc)
                if value <= current - 1e-4 * t * decrement {
                    (theta, z, current, accepted) = (candidate, zc, value, true)
                    break
                }
                t /= 2
            }
            progress(iterations, current)
            if !accepted { break }
        }
        return LogisticRegression(weights: Array(theta[0..<d]), bias: theta[d], iterations: iterations, loss: current)
    }

    /// σ(w · x + b) for one feature row of d values.
    public func probability<C: Collection<Float>>(_ x: C) -> Double where C.Index == Int {
        var z = bias
        for (a, v) in x.enumerated() { z += weights[a] * Double(v) }
        return 1 / (1 + exp(-z))
    }

    /// Solves `A x = b` for a symmetric positive definite `size × size` A (row-major); nil if A is not.
    static func choleskySolve(_ a: [Double], _ b: [Double], size m: Int) -> [Double]? {
        var l = a   // lower triangle becomes L with A = L Lᵀ
        for j in 0..<m {
            var diagonal = l[j * m + j]
            for k in 0..<j { diagonal -= l[j * m + k] * l[j * m + k] }
            guard diagonal > 0, diagonal.isFinite else { return nil }
            let root = diagonal.squareRoot()
            l[j * m + j] = root
            for i in (j + 1)..<max(j + 1, m) {
                var v = l[i * m + j]
                for k in 0..<j { v -= l[i * m + k] * l[j * m + k] }
                l[i * m + j] = v / root
            }
        }
        var y = b
        for i in 0..<m {
            for k in 0..<i { y[i] -= l[i * m + k] * y[k] }
            y[i] /= l[i * m + i]
        }
        for i in stride(from: m - 1, through: 0, by: -1) {
            for k in (i + 1)..<max(i + 1, m) { y[i] -= l[k * m + i] * y[k] }
            y[i] /= l[i * m + i]
        }
        return y
    }
}
