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
    /// Each parameter's learning rate as a multiple of ``learningRate`` (1 for all in pre-training; layer-wise
    /// decay in fine-tuning). Decoupled weight decay scales with it, as in a PyTorch parameter group's `lr`.
    public let learningRateScale: (String) -> Float
    /// Updates taken so far.
    public internal(set) var step: Int = 0
    /// First and second moments by parameter key.
    public internal(set) var firstMoment: [String: Tensor] = [:]
    public internal(set) var secondMoment: [String: Tensor] = [:]

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8, weightDecay: Float = 0.05,
                noDecay: @escaping (String, [Int]) -> Bool = AdamW.officialNoDecay,
                learningRateScale: @escaping (String) -> Float = { _ in 1 }) {
        self.learningRateScale = learningRateScale
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

    /// One update of every parameter of `model` that has a gradient in `gradients`, each in one fused
    /// vectorised pass over parameter, gradient and both moments (``Engine/Tensor/adamwUpdate(_:gradient:firstMoment:secondMoment:_:)``),
    /// in place: no allocation after the first step.
    /// - Returns: how many values the update left non-finite (parameters or second moments); 0 when all is well.
    @discardableResult
    public func update<M: Module>(_ model: inout M, along gradients: [String: Tensor]) -> Int {
        step += 1
        var nonFinite = 0
        model.forEachParameter(prefix: "") { name, p in
            guard let g = gradients[name] else { return }
            precondition(g.shape == p.shape, "AdamW: gradient for '\(name)' has shape \(g.shape), parameter \(p.shape)")
            let h = AdamWStep(learningRate: learningRate * learningRateScale(name), weightDecay: weightDecay(for: name, shape: p.shape),
                              beta1: beta1, beta2: beta2, eps: eps, step: step)
            // Taken out of the dictionaries so each is uniquely referenced and updated in place.
            var m = firstMoment.removeValue(forKey: name) ?? .zeros(p.shape)
            var v = secondMoment.removeValue(forKey: name) ?? .zeros(p.shape)
            p = p.detached()   // (no second reference may stay alive, or the update copies the parameter)
            nonFinite += Tensor.adamwUpdate(&p, gradient: g, firstMoment: &m, secondMoment: &v, h)
            firstMoment[name] = m
            secondMoment[name] = v
        }
        return nonFinite
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
