/// LayerNorm over the last axis with affine terms, as `torch.nn.LayerNorm(dim, eps)`; weight 1, bias 0.
/// Keys `weight`, `bias` `[C]`. R-MAE uses eps 1e-6 everywhere.
public struct LayerNorm: Module {
    public var weight: Tensor
    public var bias: Tensor
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-6) {
        weight = .ones([dim])
        bias = .zeros([dim])
        self.eps = eps
    }

    /// `[..., C] -> [..., C]`
    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias, eps: eps) }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try body(prefix + "weight", &weight)
        try body(prefix + "bias", &bias)
    }
}
