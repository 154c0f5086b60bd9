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
            let pg = g.ptr, ps = probabilities.ptr, py = targets.ptr, pw = weight?.ptr, k = CPUKernels.table
            Parallel.forRanges(logits.count) { r in
                let lo = r.lowerBound
                k.bce_backward(pg + lo, ps + lo, py + lo, pw.map { $0 + lo }, d + lo, r.count)
            }
        }]
    }
}

extension Kernels {
    /// `loss[i] = (max(z, 0) − z·y + log(1 + e^−|z|))·w` and, when given, `sigmoid[i] = σ(z)` from the same e^−|z|.
    static func bceWithLogits(_ pz: UnsafePointer<Float>, _ py: UnsafePointer<Float>, _ pw: UnsafePointer<Float>?,
                              loss: UnsafeMutablePointer<Float>, sigmoid ps: UnsafeMutablePointer<Float>?, _ r: Range<Int>) {
        let lo = r.lowerBound
        CPUKernels.table.bce(pz + lo, py + lo, pw.map { $0 + lo }, loss + lo, ps.map { $0 + lo }, r.count)
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
