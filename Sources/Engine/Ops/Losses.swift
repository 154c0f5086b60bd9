#if canImport(Glibc)
import Glibc
#endif

// Elementwise losses; reductions (and R-MAE's averaging order) are composed from sum / mean.

/// Binary cross-entropy with logits, elementwise (PyTorch `reduction="none"`):
/// ```
/// bce(z, y) = max(z, 0) − z·y + log(1 + e^−|z|)      (times `weight` where given)
/// ```
/// Differentiable in `logits` only. `targets` and `weight` have the logits' shape.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, targets: Tensor, weight: Tensor? = nil) -> Tensor {
    precondition(logits.shape == targets.shape,
                 "binaryCrossEntropyWithLogits: logits \(logits.shape) and targets \(targets.shape) differ")
    if let weight {
        precondition(weight.shape == logits.shape,
                     "binaryCrossEntropyWithLogits: weight \(weight.shape) and logits \(logits.shape) differ")
    }
    // One pass computes the loss and, when differentiated, σ(z) from the same e^−|z| for the pullback.
    let differentiated = GradMode.isEnabled && logits.requiresGrad
    let probabilities = differentiated ? Tensor.make(logits.shape) { _ in } : nil
    let pz = logits.ptr, py = targets.ptr, pw = weight?.ptr, ps = probabilities?.ptr
    let out = Tensor.make(logits.shape) { po in
        Parallel.forRanges(logits.count) { r in Kernels.bceWithLogits(pz, py, pw, loss: po, sigmoid: ps, r) }
    }
    guard let probabilities else { return out }
    // The pullback holds the tensors (not their pointers), so their storage outlives the forward call.
    return Tensor.record(out, inputs: [logits]) { g in
        [Tensor.make(logits.shape) { d in
            let pg = g.ptr, ps = probabilities.ptr, py = targets.ptr, pw = weight?.ptr
            Parallel.forRanges(logits.count) { r in
                var i = r.lowerBound
                while i < r.upperBound {
                    let n = r.upperBound
                    var s = (FastMath.load(ps, i, n) - FastMath.load(py, i, n)) * FastMath.load(pg, i, n)
                    if let pw { s *= FastMath.load(pw, i, n) }
                    FastMath.store(s, d, i, n)
                    i += 8
                }
            }
        }]
    }
}

extension Kernels {
    /// `loss[i] = (max(z, 0) − z·y + log(1 + e^−|z|))·w` and, when given, `sigmoid[i] = σ(z)` from the same e^−|z|.
    static func bceWithLogits(_ pz: UnsafePointer<Float>, _ py: UnsafePointer<Float>, _ pw: UnsafePointer<Float>?,
                              loss: UnsafeMutablePointer<Float>, sigmoid ps: UnsafeMutablePointer<Float>?, _ r: Range<Int>) {
        var i = r.lowerBound
        let n = r.upperBound
        while i < n {
            let z = FastMath.load(pz, i, n), y = FastMath.load(py, i, n)
            let e = FastMath.exp(-FastMath.abs(z))
            var l = z.replacing(with: 0, where: z .< 0) - z * y + FastMath.log1p(e)
            if let pw { l *= FastMath.load(pw, i, n) }
            FastMath.store(l, loss, i, n)
            if let ps {
                FastMath.store(sigmoid(z, expNegativeAbs: e), ps, i, n)
            }
            i += 8
        }
    }
}

/// Squared error `(a − b)²`, elementwise; both sides differentiable.
public func squaredError(_ a: Tensor, _ b: Tensor) -> Tensor {
    let d = a - b
    return d * d
}

/// Mean squared error over all elements (PyTorch `mse_loss`, reduction "mean"), shape [].
public func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.shape == b.shape, "meanSquaredError: shapes \(a.shape) and \(b.shape) differ")
    return squaredError(a, b).mean()
}
