/// `y = x Wᵀ + b`, matching `torch.nn.Linear`. Keys `weight` `[out, in]` and `bias` `[out]`.
///
/// Initialised as the official code's generic pass: Xavier-uniform weight, zero bias.
public struct Linear: Module {
    public var weight: Tensor   // (out, in)
    public var bias: Tensor?    // (out)

    public init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
    }

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, using rng: inout RandomGenerator) {
        weight = Initialization.xavierUniform([outFeatures, inFeatures], using: &rng)
        self.bias = bias ? .zeros([outFeatures]) : nil
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// `[..., in] -> [..., out]`
    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight, bias) }

    /// `self(h.gelu())`, keeping only h for the backward pass (``geluLinear(_:_:_:)``).
    public func callAsFunction(gelu h: Tensor) -> Tensor { geluLinear(h, weight, bias) }

    /// `self(norm(x))`, keeping only x for the backward pass (``Engine/layerNormLinear(_:normWeight:normBias:eps:_:_:)``).
    public func callAsFunction(_ x: Tensor, normalizedBy norm: LayerNorm) -> Tensor {
        layerNormLinear(x, normWeight: norm.weight, normBias: norm.bias, eps: norm.eps, weight, bias)
    }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try body(prefix + "weight", &weight)
        if bias != nil { try body(prefix + "bias", &bias!) }
    }
}
