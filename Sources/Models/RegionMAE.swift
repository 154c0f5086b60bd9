// Port of facebookresearch/r-mae: pretrain/module/rmae.py (`RegionQueryRMAE`, the length variant) and
// pretrain/module/mae.py (`MaskedAutoencoderViT`), as specified in ../shared/design/REFERENCE.md §2–§9.
import NN

/// MAE, RAE and R-MAE in one model, with the official `state_dict` keys.
///
/// - `numRegion == 0`: plain MAE (pixel branch only).
/// - `useMaeLoss == false`: RAE alone (region branch only; no pixel decoder modules).
/// - otherwise R-MAE: both branches, the region decoder reading the pixel encoder through the neck.
public struct RegionMAE: Module {
    public let config: ModelConfig

    // MARK: pixel encoder
    public var clsToken: Tensor            // (1, 1, D)
    public internal(set) var posEmbed: Tensor   // (N+1, D), frozen sin-cos (or a file's table: withPositionTables)
    public var patchEmbed: PatchEmbedding
    public var blocks: [Block]
    public var norm: LayerNorm

    // MARK: pixel decoder (absent for RAE alone)
    public var maskToken: Tensor?          // (1, 1, Dd)
    public internal(set) var decoderPosEmbed: Tensor?   // (N+1, Dd), frozen
    public var decoderEmbed: Linear?
    public var decoderBlocks: [Block]
    public var decoderNorm: LayerNorm?
    public var decoderPred: Linear?        // Dd -> p·p·3

    // MARK: region branch (absent for MAE)
    public var region: RegionBranch?

    public init(config: ModelConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = RandomGenerator(seed: seed, stream: .initialization)
        let (d, g, p, eps) = (config.embedDim, config.gridSize, config.patchSize, Float(config.layerNormEps))
        let ratio = Int(config.mlpRatio)
        clsToken = Initialization.normal([1, 1, d], std: 0.02, using: &rng)
        posEmbed = sinCosPositionTable(dim: d, gridSize: g)
        patchEmbed = PatchEmbedding(channels: config.inChans, dim: d, patch: p, using: &rng)
        blocks = (0..<config.depth).map { _ in Block(d, heads: config.numHeads, mlpRatio: ratio, eps: eps, using: &rng) }
        norm = LayerNorm(d, eps: eps)
        if config.hasPixelDecoder {
            let dd = config.decoderEmbedDim
            maskToken = Initialization.normal([1, 1, dd], std: 0.02, using: &rng)
            decoderPosEmbed = sinCosPositionTable(dim: dd, gridSize: g)
            decoderEmbed = Linear(d, dd, using: &rng)
            decoderBlocks = (0..<config.decoderDepth).map { _ in
                Block(dd, heads: config.decoderNumHeads, mlpRatio: ratio, eps: eps, using: &rng)
            }
            decoderNorm = LayerNorm(dd, eps: eps)
            decoderPred = Linear(dd, p * p * config.inChans, using: &rng)
        } else {
            maskToken = nil; decoderPosEmbed = nil; decoderEmbed = nil; decoderBlocks = []; decoderNorm = nil; decoderPred = nil
        }
        region = config.hasRegionBranch ? RegionBranch(config: config, using: &rng) : nil
    }

    // MARK: - Forward

    /// Everything the forward pass produces.
    public struct Output {
        /// `maeLossWeight · maeLoss + regionLossWeight · regionLoss`, shape [].
        public var loss: Tensor
        public var maeLoss: Tensor
        public var regionLoss: Tensor
        /// `[B, N, p·p·3]` pixel predictions (nil for RAE alone).
        public var pred: Tensor?
        /// `[B, k, N, p·p]` region logits (nil for MAE).
        public var predRegion: Tensor?
        /// `[B, N]`, 1 = masked.
        public var mask: Tensor
        public var regionMask: Tensor
        /// `[B, 1 + K, D]` encoder output after the final LayerNorm.
        public var latent: Tensor
    }

    /// One forward pass with losses.
    /// - Parameters:
    ///   - images: `[B, 3, H, W]`, normalised.
    ///   - regions: `[B, k, H, W]` binary maps (required when the region branch exists).
    ///   - masking: the per-image permutation (from noise for `random`, from the loader for `random_fg`).
    ///   - keptPatches, keptRegionPatches: override the keep counts (interactive segmentation).
    public func callAsFunction(images: Tensor, regions: Tensor?, masking: Masking,
                               keptPatches: Int? = nil, keptRegionPatches: Int? = nil) -> Output {
        let (b, n) = (images.shape[0], config.numPatches)
        precondition(images.shape == [b, config.inChans, config.imgSize, config.imgSize],
                     "RegionMAE: images \(images.shape), expected [B, \(config.inChans), \(config.imgSize), \(config.imgSize)]")
        precondition(masking.batch == b && masking.patches == n, "RegionMAE: masking is \(masking.batch)×\(masking.patches), expected \(b)×\(n)")
        let kept = keptPatches ?? config.keptPatches
        let keptR = keptRegionPatches ?? config.keptRegionPatches
        let latent = encode(images, keep: masking.keep(kept))
        let mask = masking.mask(kept: kept)
        let regionMask = masking.mask(kept: keptR)

        var regionFeatures: RegionBranch.Features?
        if let region {
            guard let regions else { preconditionFailure("RegionMAE: the region branch needs region maps") }
            regionFeatures = region.encode(regions: regions, keep: masking.keep(keptR), config: config)
        }

        var pred: Tensor?
        var maeLoss = Tensor(0)
        if config.hasPixelDecoder {
            let extra = config.feeding == .twoWay ? region.map { $0.pixelDecoderInput(regionFeatures!, masking: masking, config: config) } : nil
            let p = decode(latent, idsRestore: masking.idsRestore, extra: extra)
            pred = p
            maeLoss = pixelLoss(images: images, pred: p, mask: mask, patch: config.patchSize, normalize: config.normPixLoss)
        }
        var predRegion: Tensor?
        var regionLoss = Tensor(0)
        if let region, let features = regionFeatures {
            let logits = region.decode(features, latent: latent, masking: masking, config: config)
            predRegion = logits
            regionLoss = Models.regionLoss(logits: logits, targets: features.targets, regionMask: regionMask,
                                           bgWeight: Float(config.bgLossWeight))
        }
        let loss: Tensor
        switch (config.hasPixelDecoder, config.hasRegionBranch) {
        case (true, true): loss = maeLoss * Float(config.maeLossWeight) + regionLoss * Float(config.regionLossWeight)
        case (true, false): loss = maeLoss * Float(config.maeLossWeight)
        default: loss = regionLoss * Float(config.regionLossWeight)
        }
        return Output(loss: loss, maeLoss: maeLoss, regionLoss: regionLoss, pred: pred, predRegion: predRegion,
                      mask: mask, regionMask: regionMask, latent: latent)
    }

    /// The pixel encoder on the visible patches: `[B, 3, H, W] -> latent [B, 1 + K, D]` (cls first).
    /// `positions` `(N + 1, D)` replaces the sin-cos table (a learned one, as timm's ViT has).
    public func encode(_ images: Tensor, keep: [[Int]], positions: Tensor? = nil) -> Tensor {
        let b = images.shape[0], n = config.numPatches, d = config.embedDim
        let posEmbed = positions ?? self.posEmbed
        precondition(posEmbed.shape == [n + 1, d], "RegionMAE.encode: positions \(posEmbed.shape), expected [\(n + 1), \(d)]")
        // Patch embedding and position of the visible patches only (per-patch linear maps, so this equals the
        // official embed-all-then-gather, without the work on masked patches).
        let positions = posEmbed.slice(alongAxis: 0, 1..<(n + 1)).tableRows(keep)   // (B, K, D)
        var x = linear(images.convPatches(patch: config.patchSize, keep: keep), patchEmbed.weight.reshaped([d, -1]),
                       patchEmbed.bias) + positions                                  // (B, K, D), shuffled order
        let cls = (clsToken + posEmbed.slice(alongAxis: 0, 0..<1)).broadcasted(to: [b, 1, d])
        x = Tensor.concat([cls, x], alongAxis: 1)
        for blk in blocks { x = blk(x) }
        return norm(x)
    }

    /// The MAE decoder: latent `[B, 1 + K, D]` -> pred `[B, N, p·p·3]`. `extra` `[B, N, Dd]` is added to the
    /// patch tokens before the blocks (RAE → MAE feeding).
    func decode(_ latent: Tensor, idsRestore: [[Int]], extra: Tensor?) -> Tensor {
        let n = config.numPatches
        var x = unshuffle(decoderEmbed!(latent), maskToken: maskToken!, idsRestore: idsRestore)   // (B, N+1, Dd)
        x = x + decoderPosEmbed!
        if let extra {
            let zeros = Tensor.zeros([extra.shape[0], 1, extra.shape[2]])
            x = x + Tensor.concat([zeros, extra], alongAxis: 1)
        }
        for blk in decoderBlocks { x = blk(x) }
        x = decoderPred!(x, normalizedBy: decoderNorm!)
        return x.slice(alongAxis: 1, 1..<(n + 1))
    }

    // MARK: - Parameters

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        try body(prefix + "cls_token", &clsToken)
        if maskToken != nil { try body(prefix + "mask_token", &maskToken!) }
        if region != nil { try body(prefix + "region_cross_mask_token", &region!.crossMaskToken) }
        try patchEmbed.forEachParameter(prefix: prefix + "patch_embed.", body)
        for i in blocks.indices { try blocks[i].forEachParameter(prefix: prefix + "blocks.\(i).", body) }
        try norm.forEachParameter(prefix: prefix + "norm.", body)
        if decoderEmbed != nil {
            try decoderEmbed!.forEachParameter(prefix: prefix + "decoder_embed.", body)
            for i in decoderBlocks.indices { try decoderBlocks[i].forEachParameter(prefix: prefix + "decoder_blocks.\(i).", body) }
            try decoderNorm!.forEachParameter(prefix: prefix + "decoder_norm.", body)
            try decoderPred!.forEachParameter(prefix: prefix + "decoder_pred.", body)
        }
        if region != nil { try region!.forEachParameter(prefix: prefix, body) }
    }

    /// The frozen sin-cos tables under their official keys and shapes `[1, N+1, dim]`.
    public var frozenTensors: [(name: String, value: Tensor)] {
        var out: [(String, Tensor)] = [("pos_embed", posEmbed.reshaped([1] + posEmbed.shape))]
        if let t = decoderPosEmbed { out.append(("decoder_pos_embed", t.reshaped([1] + t.shape))) }
        if let region { out += region.frozenTensors }
        return out
    }

    /// The full official `state_dict`: trainable parameters and frozen tables.
    public var stateDict: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, v) in namedParameters() { out[k] = v }
        for (k, v) in frozenTensors { out[k] = v }
        return out
    }
}

/// Length-N token sequence from encoder output: the visible tokens (in shuffled order) followed by copies of
/// `maskToken`, un-shuffled with `idsRestore`, cls token in front. `[B, 1+K, C] -> [B, N+1, C]`.
func unshuffle(_ tokens: Tensor, maskToken: Tensor, idsRestore: [[Int]]) -> Tensor {
    let (b, k1, c) = (tokens.shape[0], tokens.shape[1], tokens.shape[2])
    let n = idsRestore.first?.count ?? 0
    var body = tokens.slice(alongAxis: 1, 1..<k1)
    if n > k1 - 1 {
        body = Tensor.concat([body, maskToken.broadcasted(to: [b, n - (k1 - 1), c])], alongAxis: 1)
    }
    return Tensor.concat([tokens.slice(alongAxis: 1, 0..<1), body.gatheringRows(idsRestore)], alongAxis: 1)
}
