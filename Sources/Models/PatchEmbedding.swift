import NN

/// `PatchEmbed`: a `Conv2d(C, D, p, stride p)` named `proj`, output flattened to `[B, N, D]`.
/// Keys `proj.weight` `[D, C, p, p]`, `proj.bias` `[D]`. Initialised as MAE: Xavier-uniform over the weight
/// viewed as `[D, C·p·p]`; bias keeps PyTorch's Conv2d default `U(±1/√(C·p·p))`.
public struct PatchEmbedding: Module {
    public var weight: Tensor
    public var bias: Tensor

    public init(channels: Int, dim: Int, patch: Int, using rng: inout RandomGenerator) {
        weight = Initialization.xavierUniform([dim, channels, patch, patch], using: &rng)
        bias = Initialization.defaultBias(dim, fanIn: channels * patch * patch, using: &rng)
    }

    public var patchSize: Int { weight.shape[2] }

    /// `[B, C, H, W] -> [B, N, D]`
    public func callAsFunction(_ images: Tensor) -> Tensor { patchEmbed(images, weight: weight, bias: bias) }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try body(prefix + "proj.weight", &weight)
        try body(prefix + "proj.bias", &bias)
    }
}
