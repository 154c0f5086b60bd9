/// AdamW with exactly `torch.optim.AdamW` semantics (amsgrad off, not maximising): per step t = 1, 2, …
/// ```
/// p ← p · (1 − lr·wd)                         decoupled weight decay
/// m ← m + (1 − β1)(g − m)                     (torch's lerp form of β1·m + (1 − β1)·g)
/// v ← β2·v + (1 − β2)·g²
/// p ← p − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)
/// ```
/// Weight decay is per parameter (``weightDecay(for:)``): the official grouping gives 0 to LayerNorm
/// parameters and biases, `weightDecay` to everything else (REFERENCE.md §10.1).
public final class AdamW {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float
    public let weightDecay: Float
    /// Parameters in the no-decay group.
    public let noDecay: (String, [Int]) -> Bool
    /// Updates taken so far.
    public private(set) var step: Int = 0
    /// First and second moments by parameter key.
    public private(set) var firstMoment: [String: Tensor] = [:]
    public private(set) var secondMoment: [String: Tensor] = [:]

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8, weightDecay: Float = 0.05,
                noDecay: @escaping (String, [Int]) -> Bool = AdamW.officialNoDecay) {
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.weightDecay = weightDecay
        self.noDecay = noDecay
    }

    /// The official grouping: no decay for biases and for 1-D tensors (LayerNorm weights); decay for Linear
    /// and conv weights and for the 3-D learned tokens.
    public static func officialNoDecay(_ name: String, _ shape: [Int]) -> Bool {
        shape.count <= 1 || name.hasSuffix(".bias") || name == "bias"
    }

    /// The weight decay applied to a parameter.
    public func weightDecay(for name: String, shape: [Int]) -> Float { noDecay(name, shape) ? 0 : weightDecay }

    /// One update of every parameter of `model` that has a gradient in `gradients`.
    public func update<M: Module>(_ model: inout M, along gradients: [String: Tensor]) {
        step += 1
        let t = Float(step)
        let bc1 = 1 - pow(beta1, t), bc2 = 1 - pow(beta2, t)
        let stepSize = learningRate / bc1, bc2Sqrt = bc2.squareRoot()
        let (b1, b2, eps, lr) = (beta1, beta2, self.eps, learningRate)
        model.forEachParameter(prefix: "") { name, p in
            guard let g = gradients[name] else { return }
            precondition(g.shape == p.shape, "AdamW: gradient for '\(name)' has shape \(g.shape), parameter \(p.shape)")
            let wd = weightDecay(for: name, shape: p.shape)
            var m = firstMoment[name] ?? .zeros(p.shape)
            var v = secondMoment[name] ?? .zeros(p.shape)
            firstMoment[name] = nil; secondMoment[name] = nil   // keep m, v uniquely referenced: update in place
            let detachedNode = p.detached()
            p = detachedNode
            g.withUnsafeBufferPointer { gp in
                m.withUnsafeMutableBufferPointer { mp in
                    v.withUnsafeMutableBufferPointer { vp in
                        p.withUnsafeMutableBufferPointer { pp in
                            let n = pp.count
                            let (pp, mp, vp, gp) = (pp.baseAddress!, mp.baseAddress!, vp.baseAddress!, gp.baseAddress!)
                            Parallel.forRanges(n) { r in
                                for i in r {
                                    let gi = gp[i]
                                    if wd != 0 { pp[i] *= 1 - lr * wd }
                                    mp[i] += (1 - b1) * (gi - mp[i])
                                    vp[i] = vp[i] * b2 + (1 - b2) * gi * gi
                                    let denom = vp[i].squareRoot() / bc2Sqrt + eps
                                    pp[i] += -stepSize * (mp[i] / denom)
                                }
                            }
                        }
                    }
                }
            }
            firstMoment[name] = m
            secondMoment[name] = v
        }
    }

    /// Restores state saved from ``step``, ``firstMoment`` and ``secondMoment`` (checkpoint resume).
    public func restore(step: Int, firstMoment: [String: Tensor], secondMoment: [String: Tensor]) {
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }
}

#if canImport(Glibc)
import Glibc
#endif
