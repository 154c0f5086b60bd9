import Engine
import Models

/// A ViT encoder from a timm-keyed state dict (`cls_token`, `pos_embed`, `patch_embed.proj.*`, `blocks.i.*`,
/// `norm.*`), as `rmae export --format timm` writes it or timm saves it: what ``LinearProbe`` needs of a
/// backbone that comes without its decoders.
///
/// The shape comes from the tensors: width D from `cls_token`, patch p and input channels from
/// `patch_embed.proj.weight` `[D, C, p, p]`, depth from the `blocks.i.` keys, MLP ratio from
/// `blocks.0.mlp.fc1.weight`, and the patch grid from `pos_embed` (`N + 1` rows with a cls slot, or `N`
/// without one: then the cls token gets no position). Heads cannot be read from shapes: they come from the
/// file's own configuration when it has one (`rmae export` stores it), else from `heads`, else D / 64
/// (timm's ViT-Ti/S/B/L convention). `pos_embed` is used as stored, learned or sin-cos.
public struct EncoderWeights {
    /// The model configuration (MAE: no region branch) whose encoder holds the weights.
    public var config: ModelConfig
    /// The encoder's parameters under the official keys (which are timm's).
    public var parameters: [String: Tensor]
    /// `(N + 1, D)`, cls row first.
    public var positions: Tensor

    /// What is wrong with a state dict, naming the key.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the encoder out of `tensors`.
    /// - Parameters:
    ///   - stored: the configuration stored with the weights, if any (its heads and image size are used).
    ///   - heads: attention heads when `stored` is nil (default D / 64).
    public init(_ tensors: [String: Tensor], stored: ModelConfig? = nil, heads: Int? = nil) throws {
        func need(_ key: String, rank: Int) throws -> Tensor {
            guard let t = tensors[key] else { throw Problem(description: "no '\(key)': not a ViT encoder state dict") }
            guard t.rank == rank else { throw Problem(description: "'\(key)' has shape \(t.shape), expected \(rank) dimensions") }
            return t
        }
        let cls = try need("cls_token", rank: 3), proj = try need("patch_embed.proj.weight", rank: 4)
        let pos = try need("pos_embed", rank: 3), fc1 = try need("blocks.0.mlp.fc1.weight", rank: 2)
        let d = cls.shape[2], p = proj.shape[2]
        guard proj.shape[0] == d, proj.shape[3] == p, pos.shape[2] == d else {
            throw Problem(description: "widths disagree: cls_token \(cls.shape), patch_embed.proj.weight \(proj.shape), pos_embed \(pos.shape)")
        }
        let rows = pos.shape[1]
        func side(_ v: Int) -> Int? { let g = Int(Double(v).squareRoot().rounded()); return g > 0 && g * g == v ? g : nil }
        let (grid, withCls): (Int, Bool)
        if let g = side(rows - 1) { (grid, withCls) = (g, true) } else if let g = side(rows) { (grid, withCls) = (g, false) } else {
            throw Problem(description: "pos_embed has \(rows) rows: neither N nor N + 1 for a square patch grid")
        }
        let depth = Set(tensors.keys.compactMap { key -> Int? in
            guard key.hasPrefix("blocks.") else { return nil }
            return Int(key.dropFirst("blocks.".count).prefix { $0 != "." })
        }).count

        var c = ModelConfig()
        c.numRegion = 0
        (c.imgSize, c.patchSize, c.inChans, c.embedDim, c.depth) = (grid * p, p, proj.shape[1], d, depth)
        c.mlpRatio = Double(fc1.shape[0]) / Double(d)
        c.numHeads = stored?.numHeads ?? heads ?? max(1, d / 64)
        if let stored { c.layerNormEps = stored.layerNormEps; c.normPixLoss = stored.normPixLoss }
        c.decoderDepth = 0
        (c.decoderEmbedDim, c.decoderNumHeads) = (16, 1)
        guard c.numHeads >= 1, d % c.numHeads == 0 else { throw Problem(description: "width \(d) is not divisible by \(c.numHeads) heads") }
        config = c

        var table = pos.reshaped([rows, d])
        if !withCls { table = Tensor.concat([Tensor.zeros([1, d]), table], alongAxis: 0) }
        positions = table
        let prefixes = ["cls_token", "patch_embed.", "blocks.", "norm."]
        parameters = tensors.filter { key, _ in prefixes.contains { key == $0 || ($0.hasSuffix(".") && key.hasPrefix($0)) } }
    }

    /// The model with these encoder weights (its pixel decoder stays at initialisation and is not used).
    public func model() throws -> RegionMAE {
        let base = try RegionMAE(config: config)
        let encoder = Set(base.namedParameters().map(\.name).filter { key in
            ["cls_token", "patch_embed.", "blocks.", "norm."].contains { key == $0 || ($0.hasSuffix(".") && key.hasPrefix($0)) }
        })
        if let missing = encoder.subtracting(parameters.keys).sorted().first {
            throw Problem(description: "no '\(missing)' for a \(config.depth)-block encoder")
        }
        return try base.loading(parameters, strict: false)
    }
}
