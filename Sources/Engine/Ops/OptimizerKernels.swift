#if canImport(Glibc)
import Glibc
#endif
import CKernels

// The fused per-element work of an optimizer step and of gradient clipping, on raw tensors (not recorded).

/// The hyper-parameters of one AdamW update (`torch.optim.AdamW` semantics, step t).
public struct AdamWStep: Sendable {
    public var learningRate: Float, weightDecay: Float, beta1: Float, beta2: Float, eps: Float
    /// lr / (1 − β1ᵗ)
    public var stepSize: Float
    /// √(1 − β2ᵗ)
    public var bias2Sqrt: Float

    public init(learningRate: Float, weightDecay: Float, beta1: Float, beta2: Float, eps: Float, step: Int) {
        (self.learningRate, self.weightDecay, self.beta1, self.beta2, self.eps) = (learningRate, weightDecay, beta1, beta2, eps)
        let t = Float(step)
        stepSize = learningRate / (1 - pow(beta1, t))
        bias2Sqrt = (1 - pow(beta2, t)).squareRoot()
    }
}

extension Tensor {
    /// One AdamW update of `parameter` in place, with its moments, in one vectorised pass (C kernel) split over
    /// the threads in fixed chunks:
    /// ```
    /// p ← p·(1 − lr·wd);  m ← m + (1 − β1)(g − m);  v ← β2 v + (1 − β2) g²
    /// p ← p − stepSize · m / (√v / √(1 − β2ᵗ) + eps)
    /// ```
    /// - Returns: how many values the update left non-finite (parameter or second moment).
    @discardableResult
    public static func adamwUpdate(_ parameter: inout Tensor, gradient: Tensor, firstMoment: inout Tensor,
                                   secondMoment: inout Tensor, _ h: AdamWStep) -> Int {
        precondition(parameter.shape == gradient.shape && parameter.shape == firstMoment.shape
                     && parameter.shape == secondMoment.shape,
                     "adamwUpdate: parameter \(parameter.shape), gradient \(gradient.shape), moments \(firstMoment.shape) / \(secondMoment.shape)")
        parameter.makeUnique(); firstMoment.makeUnique(); secondMoment.makeUnique()
        return adamwKernel(parameter.ptr, gradient.ptr, firstMoment.ptr, secondMoment.ptr, parameter.count, h)
    }

    /// ``adamwUpdate(_:gradient:firstMoment:secondMoment:_:)`` written straight into the storage these tensors
    /// view, without copy-on-write: every copy sharing that storage sees the new values. For an update applied
    /// while the step that computed the gradient is still running elsewhere (``NN``'s in-place AdamW), where
    /// the other copies are the step's own and are never read again.
    @discardableResult
    public static func adamwUpdate(sharedStorageOf parameter: Tensor, gradient: Tensor, firstMoment: Tensor,
                                   secondMoment: Tensor, _ h: AdamWStep) -> Int {
        precondition(parameter.shape == gradient.shape && parameter.shape == firstMoment.shape
                     && parameter.shape == secondMoment.shape,
                     "adamwUpdate: parameter \(parameter.shape), gradient \(gradient.shape), moments \(firstMoment.shape) / \(secondMoment.shape)")
        return adamwKernel(parameter.ptr, gradient.ptr, firstMoment.ptr, secondMoment.ptr, parameter.count, h)
    }

    private static func adamwKernel(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                                    _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ n: Int,
                                    _ h: AdamWStep) -> Int {
        var hp = rk_adamw_params(lr: h.learningRate, weight_decay: h.weightDecay, beta1: h.beta1, beta2: h.beta2,
                                 eps: h.eps, step_size: h.stepSize, bc2_sqrt: h.bias2Sqrt)
        let chunk = 1 << 16, chunks = (n + chunk - 1) / chunk
        let k = CPUKernels.table
        if chunks <= 1 { return k.adamw(p, g, m, v, n, &hp) }
        var bad = [Int](repeating: 0, count: chunks)
        bad.withUnsafeMutableBufferPointer { b in
            let b = b.baseAddress!
            Parallel.forRanges(chunks, grain: 1) { r in
                var hp = hp
                for c in r {
                    let lo = c * chunk
                    b[c] = k.adamw(p + lo, g + lo, m + lo, v + lo, Swift.min(chunk, n - lo), &hp)
                }
            }
        }
        return bad.reduce(0, +)
    }

    /// Σ x² in Float64, in fixed chunks added in order (the same result whatever the thread count).
    public var sumOfSquares: Double {
        let p = ptr, n = count, chunk = 1 << 16, chunks = Swift.max(1, (n + chunk - 1) / chunk)
        let k = CPUKernels.table
        if chunks == 1 { return k.sum_squares(p, n) }
        var sums = [Double](repeating: 0, count: chunks)
        sums.withUnsafeMutableBufferPointer { s in
            let s = s.baseAddress!
            Parallel.forRanges(chunks, grain: 1) { r in
                for c in r { s[c] = k.sum_squares(p + c * chunk, Swift.min(chunk, n - c * chunk)) }
            }
        }
        return sums.reduce(0, +)
    }
}
