#if canImport(Glibc)
import Glibc
#endif

// Elementwise losses, and BCE averaged over the last axis in one op; other reductions (and R-MAE's averaging
// order) are composed from sum / mean.

/// Binary cross-entropy with logits, elementwise (PyTorch `reduction="none"`):
/// ```
/// bce(z, y) = max(z, 0) − z·y + log(1 + e^−|z|)      (times `weight` where given)
/// ```
/// Differentiable in `logits` only. `targets` and `weight` have the logits' shape.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, targets: Tensor, weight: Tensor? = nil) -> Tensor {
    checkBCEOperands("binaryCrossEntropyWithLogits", logits, targets, weight)
    // One pass computes the loss and, when differentiated, σ(z) from the same e^−|z| for the pullback.
    let differentiated = GradMode.isEnabled && logits.requiresGrad
    let probabilities = differentiated ? Tensor.make(logits.shape) { _ in } : nil
    let pz = logits.ptr, py = targets.ptr, pw = weight?.ptr, ps = probabilities?.ptr
    let out = Tensor.make(logits.shape) { po in
        Parallel.forRanges(logits.count) { r in Kernels.bceWithLogits(pz, py, pw, loss: po, sigmoid: ps, r) }
    }
    guard let probabilities else { return out }
    // The pullback holds the tensors (not their pointers), so their storage outlives the forward call.
    // σ(z) stands in for the logits there, so the pullback keeps their shape only.
    return Tensor.record(out, inputs: [logits]) { [shape = logits.shape] g in
        [Tensor.make(shape) { d in
            let pg = g.ptr, ps = probabilities.ptr, py = targets.ptr, pw = weight?.ptr, k = CPUKernels.table
            Parallel.forRanges(probabilities.count) { r in
                let lo = r.lowerBound
                k.bce_backward(pg + lo, ps + lo, py + lo, pw.map { $0 + lo }, d + lo, r.count)
            }
        }]
    }
}

/// Targets and weight must have the logits' shape.
private func checkBCEOperands(_ op: String, _ logits: Tensor, _ targets: Tensor, _ weight: Tensor?) {
    precondition(logits.shape == targets.shape, "\(op): logits \(logits.shape) and targets \(targets.shape) differ")
    if let weight {
        precondition(weight.shape == logits.shape, "\(op): weight \(weight.shape) and logits \(logits.shape) differ")
    }
}

/// Binary cross-entropy with logits averaged over the last axis: `[..., P] -> [...]`, value for value
/// `binaryCrossEntropyWithLogits(logits, targets:, weight:).mean(alongAxis: -1)`.
///
/// The composition keeps a `[..., P]` loss tensor in the forward pass and expands the incoming gradient to
/// `[..., P]` in the backward pass before the BCE pullback (R-MAE's region loss: two `[B, k, N, p²]` tensors at
/// the start of the backward pass, the step's memory peak). Here each row's P losses live in a scratch row and
/// the gradient is expanded one row at a time; the same kernels run on the same values (the row sums in Float64,
/// as ``Tensor/mean(alongAxis:keepingDim:)``), so values and gradients equal the composition's.
/// Differentiable in `logits` only.
public func meanBinaryCrossEntropyWithLogits(_ logits: Tensor, targets: Tensor, weight: Tensor? = nil) -> Tensor {
    precondition(logits.rank >= 1, "meanBinaryCrossEntropyWithLogits: logits need at least one axis, got a scalar")
    checkBCEOperands("meanBinaryCrossEntropyWithLogits", logits, targets, weight)
    let n = logits.shape[logits.rank - 1]
    let rows = n == 0 ? 0 : logits.count / n
    let scale = 1.0 / Double(n)   // as ``Tensor/mean(alongAxis:keepingDim:)``
    let differentiated = GradMode.isEnabled && logits.requiresGrad
    let probabilities = differentiated ? Tensor.make(logits.shape) { _ in } : nil
    let pz = logits.ptr, py = targets.ptr, pw = weight?.ptr, ps = probabilities?.ptr
    let grain = Swift.max(1, 16384 / Swift.max(1, n))
    let out = Tensor.make(Array(logits.shape.dropLast())) { po in
        Kernels.forRows(rows, width: n, grain: grain) { row, loss in
            let lo = row * n
            CPUKernels.table.bce(pz + lo, py + lo, pw.map { $0 + lo }, loss, ps.map { $0 + lo }, n)
            var acc = 0.0
            for j in 0..<n { acc += Double(loss[j]) }
            po[row] = Float(acc * scale)
        }
    }
    guard let probabilities else { return out }
    return Tensor.record(out, inputs: [logits]) { [shape = logits.shape] g in
        [Tensor.make(shape) { d in
            let pg = g.ptr, ps = probabilities.ptr, py = targets.ptr, pw = weight?.ptr, k = CPUKernels.table
            let step = Float(scale)
            Kernels.forRows(rows, width: n, grain: grain) { row, expanded in
                let lo = row * n
                let gr = pg[row] * step
                for j in 0..<n { expanded[j] = gr }
                k.bce_backward(expanded, ps + lo, py + lo, pw.map { $0 + lo }, d + lo, n)
            }
        }]
    }
}

extension Kernels {
    /// `body(row, scratch)` for rows `0..<rows`, split over the threads, with one `width`-float scratch row per
    /// range of rows (the rows of an op that works row by row without a tensor for its intermediate).
    static func forRows(_ rows: Int, width: Int, grain: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forRanges(rows, grain: grain) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(width, 1))
            defer { scratch.deallocate() }
            for row in range { body(row, scratch) }
        }
    }

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
