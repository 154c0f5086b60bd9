#if canImport(Glibc)
import Glibc
#endif

// GELU (exact erf form), sigmoid and softmax.

extension Kernels {
    /// GELU over a range, `y = x Φ(x)` (Φ from Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7, the form
    /// PyTorch's vectorised `erf` uses).
    static func geluValues(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ r: Range<Int>) {
        CPUKernels.table.gelu(x + r.lowerBound, y + r.lowerBound, r.count)
    }

    /// GELU and its slope in one pass (one exponential for both): `y = x Φ(x)`, `dy/dx = Φ(x) + x φ(x)`.
    static func geluWithSlope(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ slope: UnsafeMutablePointer<Float>,
                              _ r: Range<Int>) {
        CPUKernels.table.gelu_slope(x + r.lowerBound, y + r.lowerBound, slope + r.lowerBound, r.count)
    }

    /// Row-wise max-subtracted softmax of a [rows, n] buffer.
    static func softmaxRows(_ x: UnsafePointer<Float>, rows: Int, n: Int, out: UnsafeMutablePointer<Float>) {
        let k = CPUKernels.table
        Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(n, 1))) { range in
            let lo = range.lowerBound
            (out + lo * n).update(from: x + lo * n, count: range.count * n)
            k.softmax_rows(out + lo * n, range.count, n, n, nil)
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
                let py = out.ptr, pg = g.ptr, k = CPUKernels.table
                Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(n, 1))) { range in
                    let lo = range.lowerBound
                    k.softmax_backward_rows(py + lo * n, pg + lo * n, d + lo * n, range.count, n)
                }
            }]
        }
    }
}

