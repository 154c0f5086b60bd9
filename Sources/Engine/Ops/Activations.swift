#if canImport(Glibc)
import Glibc
#endif

// GELU (exact erf form), sigmoid and softmax.

extension Kernels {
    static let invSqrt2: Float = 0.70710678118654752440
    static let invSqrt2Pi: Float = 0.39894228040143267794

    /// The standard normal CDF Φ and density φ of eight values, sharing one exponential:
    /// `Φ(x) = erfc(−x/√2)/2` with Abramowitz & Stegun 7.1.26 for erfc, `erfc(z) ≈ t·P(t)·e^(−z²)`,
    /// `t = 1/(1 + 0.3275911 z)`, |error| ≤ 1.5e-7 (the form PyTorch's vectorised `erf` uses), and
    /// `e^(−z²) = e^(−x²/2) = √(2π) φ(x)`.
    @inline(__always) static func normal(_ v: FastMath.Vector) -> (cdf: FastMath.Vector, pdf: FastMath.Vector) {
        let z = FastMath.abs(v) * invSqrt2
        let t = 1 / (1 + 0.3275911 * z)
        var p = 1.061405429 * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        let e = FastMath.exp(v * v * -0.5)
        let half = 0.5 * (p * t) * e          // erfc(|x|/√2) / 2
        return ((1 - half).replacing(with: half, where: v .< 0), e * invSqrt2Pi)
    }

    /// GELU over a range, `y = x Φ(x)`. (A loop of its own: through `mapVectors`' closure the optimiser
    /// kept ``normal(_:)`` as a call per vector, about twice the time.)
    static func geluValues(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ r: Range<Int>) {
        var i = r.lowerBound
        while i < r.upperBound {
            let v = FastMath.load(x, i, r.upperBound)
            FastMath.store(v * normal(v).cdf, y, i, r.upperBound)
            i += 8
        }
    }

    /// GELU and its slope in one pass: `y = x Φ(x)`, `dy/dx = Φ(x) + x φ(x)`.
    static func geluWithSlope(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ slope: UnsafeMutablePointer<Float>,
                              _ r: Range<Int>) {
        var i = r.lowerBound
        while i < r.upperBound {
            let v = FastMath.load(x, i, r.upperBound)
            let (cdf, pdf) = normal(v)
            FastMath.store(v * cdf, y, i, r.upperBound)
            FastMath.store(cdf + v * pdf, slope, i, r.upperBound)
            i += 8
        }
    }

    /// σ(x) = 1 / (1 + e^-x) of eight values, without overflow for large |x|.
    @inline(__always) static func sigmoid(_ x: FastMath.Vector) -> FastMath.Vector {
        sigmoid(x, expNegativeAbs: FastMath.exp(-FastMath.abs(x)))
    }

    /// σ(x) from e = e^−|x| (callers that need e for something else too).
    @inline(__always)
    static func sigmoid(_ x: FastMath.Vector, expNegativeAbs e: FastMath.Vector) -> FastMath.Vector {
        FastMath.Vector(repeating: 1).replacing(with: e, where: x .< 0) / (1 + e)
    }

    /// Row-wise max-subtracted softmax of a [rows, n] buffer.
    static func softmaxRows(_ x: UnsafePointer<Float>, rows: Int, n: Int, out: UnsafeMutablePointer<Float>) {
        Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(n, 1))) { range in
            for r in range {
                (out + r * n).update(from: x + r * n, count: n)
                _ = softmaxRowInPlace(out + r * n, n)
            }
        }
    }
}

extension Tensor {
    /// GELU, exact form `0.5 x (1 + erf(x / √2))` (PyTorch `nn.GELU()` default), erf to 1.5e-7 as PyTorch's
    /// vectorised CPU kernel. When differentiated, the forward pass also stores the slope `Φ(x) + x φ(x)` (one
    /// exponential serves both), so the pullback is one multiply.
    public func gelu() -> Tensor {
        guard GradMode.isEnabled && requiresGrad else { return Kernels.map(self, .gelu) }
        let slope = Tensor.make(shape) { _ in }
        let px = ptr, ps = slope.ptr
        let out = Tensor.make(shape) { po in
            Parallel.forRanges(count) { r in Kernels.geluWithSlope(px, po, ps, r) }
        }
        return Tensor.record(out, inputs: [self]) { g in [Kernels.binary(.mul, g, slope, op: "gelu")] }
    }

    /// Logistic sigmoid.
    public func sigmoid() -> Tensor {
        let out = Kernels.map(self, .sigmoid)
        return Tensor.record(out, inputs: [self]) { g in [Kernels.binary(.sigmoidBackward, g, out, op: "sigmoid")] }
    }

    /// Softmax over the last axis, max-subtracted. Pullback: `y · (g − Σ g·y)`.
    public func softmax() -> Tensor {
        let n = shape.last ?? 1
        let rows = count / Swift.max(n, 1)
        let out = Tensor.make(shape) { Kernels.softmaxRows(ptr, rows: rows, n: n, out: $0) }
        return Tensor.record(out, inputs: [self]) { g in
            [Tensor.make(out.shape) { d in
                let py = out.ptr, pg = g.ptr
                for r in 0..<rows {
                    let y = py + r * n, gr = pg + r * n, dr = d + r * n
                    let s = Kernels.dot(gr, y, n)
                    for j in 0..<n { dr[j] = y[j] * (gr[j] - s) }
                }
            }]
        }
    }
}

