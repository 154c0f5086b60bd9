/// Global L2 norm of a set of gradients, accumulated in Float64 (as `torch.nn.utils.clip_grad_norm_` reports).
public func globalNorm(_ gradients: [String: Tensor]) -> Double {
    // Keys in sorted order, so the sum does not depend on the dictionary's order.
    gradients.keys.sorted().reduce(0.0) { $0 + gradients[$1]!.sumOfSquares }.squareRoot()
}

/// Clips gradients in place to a global norm of at most `maxNorm`, as `clip_grad_norm_`:
/// scale by `maxNorm / (norm + 1e-6)` when that is below 1. Returns the norm before clipping.
@discardableResult
public func clipGradients(_ gradients: inout [String: Tensor], maxNorm: Double) -> Double {
    let norm = globalNorm(gradients)
    let coef = maxNorm / (norm + 1e-6)
    if coef < 1 {
        for key in gradients.keys { gradients[key] = (gradients[key]! * Float(coef)).detached() }
    }
    return norm
}

/// Sums gradients over micro-batches for gradient accumulation. The official engine divides each
/// micro-batch loss by the number of micro-batches, so ``add(_:scale:)`` takes that factor.
public struct GradientAccumulator {
    public private(set) var sum: [String: Tensor] = [:]
    public private(set) var microBatches = 0

    public init() {}

    public mutating func add(_ gradients: [String: Tensor], scale: Float = 1) {
        for (k, g) in gradients {
            let scaled = scale == 1 ? g : (g * scale).detached()
            if var existing = sum[k] {
                sum[k] = nil
                existing.addInPlace(scaled)
                sum[k] = existing
            } else {
                sum[k] = scaled
            }
        }
        microBatches += 1
    }

    public mutating func reset() {
        sum = [:]
        microBatches = 0
    }
}
