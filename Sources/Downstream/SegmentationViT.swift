import Foundation
import Models
import NN

/// A ViT encoder with a segmentation head: the fine-tuning model of `rmae finetune`.
///
/// The encoder has the official/timm keys (`cls_token`, `pos_embed` `[1, N + 1, D]` — trainable here, as in
/// MAE's fine-tuning ViT —, `patch_embed.proj.*`, `blocks.i.*`, `norm.*`); the head lives under
/// `decode_head.*`. Works channel-last: the head sees the patch tokens as a `[B, g, g, D]` map.
public struct SegmentationViT: Module {
    public let config: SegmentationModelConfig
    public var clsToken: Tensor
    public var posEmbed: Tensor
    public var patchEmbed: PatchEmbedding
    public var blocks: [Block]
    public var norm: LayerNorm
    public var head: SegmentationHead

    /// A randomly initialised model (the `scratch` starting point): the pre-training initialisation of the
    /// encoder (Xavier-uniform Linear layers, cls N(0, 0.02)) and a sin-cos table as the position
    /// embedding's starting value.
    public init(config: SegmentationModelConfig, seed: UInt64 = 0) throws(SegmentationConfigError) {
        try config.validate()
        self.config = config
        var rng = RandomGenerator(seed: seed, stream: .initialization)
        let d = config.embedDim
        clsToken = Initialization.normal([1, 1, d], std: 0.02, using: &rng)
        posEmbed = sinCosPositionTable(dim: d, gridSize: config.gridSize).reshaped([1, config.numPatches + 1, d])
        patchEmbed = PatchEmbedding(channels: config.inChans, dim: d, patch: config.patchSize, using: &rng)
        blocks = (0..<config.depth).map { _ in
            Block(d, heads: config.numHeads, mlpRatio: config.mlpRatio, eps: Float(config.layerNormEps), using: &rng)
        }
        norm = LayerNorm(d, eps: Float(config.layerNormEps))
        head = SegmentationHead(config: config, using: &rng)
    }

    /// Replaces the encoder by pre-trained weights (official/timm keys; other keys are ignored). `positions`
    /// is the pre-training table (`[T, D]` or `[1, T, D]`, cls row first); a table for another grid is
    /// resized bicubically (MAE's `interpolate_pos_embed`). Returns the keys that were loaded.
    public mutating func loadEncoder(_ tensors: [String: Tensor], positions: Tensor, antialias: Bool = false) throws -> [String] {
        let d = config.embedDim
        let table = positions.rank == 2 ? positions.reshaped([1] + positions.shape) : positions
        guard table.rank == 3, table.shape[0] == 1, table.shape[2] == d else {
            throw SegmentationConfigError(description: "pos_embed has shape \(positions.shape), expected [1, T, \(d)]")
        }
        let rows = table.shape[1]
        let g0 = Int(Double(rows - 1).squareRoot().rounded())
        guard g0 * g0 == rows - 1 else {
            throw SegmentationConfigError(description: "pos_embed has \(rows) rows: not a cls row and a square grid")
        }
        posEmbed = g0 == config.gridSize ? table.detached() : PositionEmbeddingResize.resized(table, extraTokens: 1, grid: config.gridSize, antialias: antialias)
        var encoder = Encoder(clsToken: clsToken, patchEmbed: patchEmbed, blocks: blocks, norm: norm)
        encoder = try encoder.loading(tensors, strict: true)
        (clsToken, patchEmbed, blocks, norm) = (encoder.clsToken, encoder.patchEmbed, encoder.blocks, encoder.norm)
        return encoder.namedParameters().map(\.name) + ["pos_embed"]
    }

    /// The encoder's keys alone, for loading.
    struct Encoder: Module {
        var clsToken: Tensor, patchEmbed: PatchEmbedding, blocks: [Block], norm: LayerNorm
        mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
            try body(prefix + "cls_token", &clsToken)
            try patchEmbed.forEachParameter(prefix: prefix + "patch_embed.", body)
            for i in blocks.indices { try blocks[i].forEachParameter(prefix: prefix + "blocks.\(i).", body) }
            try norm.forEachParameter(prefix: prefix + "norm.", body)
        }
    }

    /// The encoder's patch tokens after the final LayerNorm as a `[B, g, g, D]` map. `dropPath`: the
    /// stochastic-depth rate of the last block (timm's linear schedule over the blocks) with its generator;
    /// nil in evaluation.
    public func features(_ images: Tensor, dropPath: (rate: Double, rng: RandomGenerator)? = nil) -> Tensor {
        let (b, g, d) = (images.shape[0], config.gridSize, config.embedDim)
        precondition(images.shape == [b, config.inChans, config.imgSize, config.imgSize],
                     "SegmentationViT: images \(images.shape), expected [B, \(config.inChans), \(config.imgSize), \(config.imgSize)]")
        let n = config.numPatches
        var x = patchEmbed(images) + posEmbed.slice(alongAxis: 1, 1..<(n + 1))
        let cls = (clsToken + posEmbed.slice(alongAxis: 1, 0..<1)).broadcasted(to: [b, 1, d])
        x = Tensor.concat([cls, x], alongAxis: 1)
        if var (rate, rng) = dropPath, rate > 0 {
            for (blk, r) in zip(blocks, DropPath.rates(depth: blocks.count, rate: rate)) { x = blk(x, dropPath: r, using: &rng) }
        } else {
            for blk in blocks { x = blk(x) }
        }
        return norm(x.slice(alongAxis: 1, 1..<(n + 1))).reshaped([b, g, g, d])
    }

    /// Class scores `[B, H, W, classes]` at the input's resolution (the head's map bilinearly upsampled).
    public func callAsFunction(_ images: Tensor, dropPath: (rate: Double, rng: RandomGenerator)? = nil) -> Tensor {
        let s = config.imgSize
        return head(features(images, dropPath: dropPath)).bilinearResized(height: s, width: s)
    }

    /// Multiply-accumulates ×2 of one image's forward pass (matrix products, attention and the head), as
    /// fvcore and mmseg's `get_flops` count them (LayerNorm, GELU, softmax and resizing left out).
    public var flopsPerImage: Double {
        let (d, t, n) = (Double(config.embedDim), Double(config.numPatches + 1), Double(config.numPatches))
        let p = Double(config.patchSize), c = Double(config.inChans), r = Double(config.mlpRatio)
        let block = t * (3 * d * d + d * d + 2 * r * d * d) + 2 * t * t * d
        return 2 * (n * p * p * c * d + Double(config.depth) * block) + head.flops(config: config)
    }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try body(prefix + "cls_token", &clsToken)
        try body(prefix + "pos_embed", &posEmbed)
        try patchEmbed.forEachParameter(prefix: prefix + "patch_embed.", body)
        for i in blocks.indices { try blocks[i].forEachParameter(prefix: prefix + "blocks.\(i).", body) }
        try norm.forEachParameter(prefix: prefix + "norm.", body)
        try head.forEachParameter(prefix: prefix + "decode_head.", body)
    }
}
