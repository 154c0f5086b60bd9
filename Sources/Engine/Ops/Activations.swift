#if canImport(Glibc)
import Glibc
#endif

// GELU (exact erf form), sigmoid and softmax.

extension Kernels {
    static let invSqrt2: Float = 0.70710678118654752440
    static let invSqrt2Pi: Float = 0.39894228040143267794

    @inline(__always) static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + FastMath.erf(x * invSqrt2)) }

    /// GELU and its slope in one pass: `y = 0.5 x (1 + erf(x/√2))`, `dy/dx = 0.5 (1 + erf(x/√2)) + x φ(x)`.
    static func geluWithSlope(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ slope: UnsafeMutablePointer<Float>,
                              _ r: Range<Int>) {
        for i in r {
            let v = x[i]
            let cdf = 0.5 * (1 + FastMath.erf(v * invSqrt2))
            y[i] = v * cdf
            slope[i] = cdf + v * invSqrt2Pi * FastMath.exp(-0.5 * v * v)
        }
    }

    /// σ(x) = 1 / (1 + e^-x), evaluated without overflow for large |x|.
    @inline(__always) static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + FastMath.exp(-x)) }
        let e = FastMath.exp(x)
        return e / (1 + e)
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
    /// GELU, exact form `0.5 x (1 + erf(x / √2))` (PyTorch `nn.GELU()` default). When differentiated, the
    /// forward pass also stores the slope `Φ(x) + x φ(x)` (erf is evaluated once for both), so the pullback is
    /// one multiply.
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

