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
    let pz = logits.ptr, py = targets.ptr, pw = weight?.ptr
    let out = Tensor.make(logits.shape) { po in
        Parallel.forRanges(logits.count) { r in
            for i in r {
                let z = pz[i]
                let l = Swift.max(z, 0) - z * py[i] + FastMath.log1p(FastMath.exp(-Swift.abs(z)))
                po[i] = pw.map { l * $0[i] } ?? l
            }
        }
    }
    // The pullback holds the tensors (not their pointers), so their storage outlives the forward call.
    return Tensor.record(out, inputs: [logits]) { g in
        [Tensor.make(logits.shape) { d in
            let pg = g.ptr, pz = logits.ptr, py = targets.ptr, pw = weight?.ptr
            Parallel.forRanges(logits.count) { r in
                for i in r {
                    let s = (Kernels.sigmoid(pz[i]) - py[i]) * pg[i]
                    d[i] = pw.map { s * $0[i] } ?? s
                }
            }
        }]
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
