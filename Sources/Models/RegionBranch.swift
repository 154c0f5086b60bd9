import NN

/// The region branch of R-MAE: region encoder, neck and region decoder, for the three designs of the paper.
///
/// - `length` (official `RegionQueryRMAE`, REFERENCE.md §6): each region's visible patches are encoded and
///   mean-pooled into one query; the k queries attend to each other and are expanded over the neck's memory.
/// - `channel` (§13.1): the k maps are one k-channel image; one decoder predicts all k maps as channels.
/// - `batch` (§13.2): every region is its own sample through encoder and decoder.
///
/// Keys follow the official names where the official code has the module (`region_*`); the paper-only parts
/// use `region_mask_token` (channel, batch), `region_pred_norm` (channel, batch), and
/// `region_to_pixel.*` / `region_to_pixel_mask_token` (two-way feeding).
public struct RegionBranch: Module {
    public let variant: RegionVariant
    public let heads: (enc: Int, dec: Int)

    public let crossPosEmbed: Tensor        // (N+1, Drd), frozen
    public var crossMaskToken: Tensor       // (1, 1, Drd)
    public let posEmbed: Tensor             // (N+1, Dre), frozen
    public var crossEmbed: Linear           // D -> Drd
    public var decNorm: LayerNorm           // Drd (end of the neck)
    public var crossBlocks: [Block]         // the neck
    public var patchEmbed: PatchEmbedding   // 1 (length, batch) or k (channel) channels -> Dre
    public var encBlocks: [Block]
    public var projNorm: LayerNorm          // region_proj.0
    public var proj: Linear                 // region_proj.1: Dre -> Drd
    public var decBlocks: [RegionDecoderBlock]   // length variant, depth ≥ 2
    public var expansion: ExpansionBlock?        // length variant
    public var plainDecBlocks: [Block]           // channel, batch
    public var regionMaskToken: Tensor?          // channel, batch: (1, 1, Drd)
    public var predNorm: LayerNorm?              // channel, batch
    public var pred: Linear                      // region_pred.1: Drd -> P (k·P for channel)
    public var toPixel: Linear?                  // two-way feeding: Dre -> Dd
    public var toPixelMaskToken: Tensor?         // (1, 1, Dd)

    init(config c: ModelConfig, using rng: inout RandomGenerator) {
        variant = c.variant
        heads = (c.regionEncNumHeads, c.regionDecNumHeads)
        let (d, dre, drd, g, p, eps) = (c.embedDim, c.regionEncDim, c.regionDecDim, c.gridSize, c.patchSize, Float(c.layerNormEps))
        let ratio = Int(c.mlpRatio)
        crossPosEmbed = sinCosPositionTable(dim: drd, gridSize: g)
        crossMaskToken = Initialization.normal([1, 1, drd], std: 0.02, using: &rng)
        posEmbed = sinCosPositionTable(dim: dre, gridSize: g)
        crossEmbed = Linear(d, drd, using: &rng)
        decNorm = LayerNorm(drd, eps: eps)
        crossBlocks = (0..<c.regionCrossLayer).map { _ in Block(drd, heads: c.regionDecNumHeads, mlpRatio: ratio, eps: eps, using: &rng) }
        patchEmbed = PatchEmbedding(channels: c.variant == .channel ? c.numRegion : 1, dim: dre, patch: p, using: &rng)
        encBlocks = (0..<c.regionEncDepth).map { _ in Block(dre, heads: c.regionEncNumHeads, mlpRatio: ratio, eps: eps, using: &rng) }
        projNorm = LayerNorm(dre, eps: eps)
        proj = Linear(dre, drd, using: &rng)
        switch c.variant {
        case .length:
            decBlocks = (0..<(c.regionDecDepth - 1)).map { _ in
                RegionDecoderBlock(drd, memoryDim: drd, heads: c.regionDecNumHeads, mlpRatio: ratio, eps: eps, using: &rng)
            }
            expansion = ExpansionBlock(drd, memoryDim: drd, heads: c.regionDecNumHeads, eps: eps, using: &rng)
            plainDecBlocks = []
            regionMaskToken = nil
            predNorm = nil
            pred = Linear(drd, p * p, using: &rng)
        case .channel, .batch:
            decBlocks = []
            expansion = nil
            plainDecBlocks = (0..<c.regionDecDepth).map { _ in Block(drd, heads: c.regionDecNumHeads, mlpRatio: ratio, eps: eps, using: &rng) }
            regionMaskToken = Initialization.normal([1, 1, drd], std: 0.02, using: &rng)
            predNorm = LayerNorm(drd, eps: eps)
            pred = Linear(drd, (c.variant == .channel ? c.numRegion : 1) * p * p, using: &rng)
        }
        if c.feeding == .twoWay {
            toPixel = Linear(dre, c.decoderEmbedDim, using: &rng)
            toPixelMaskToken = Initialization.normal([1, 1, c.decoderEmbedDim], std: 0.02, using: &rng)
        }
    }

    /// What the region encoder hands to the decoders.
    public struct Features {
        /// `[B, k, N, P]` patchified binary maps (the loss targets).
        public var targets: Tensor
        /// Region-encoder output before pooling: `[B·k, K_R, Dre]` (length, batch) or `[B, K_R, Dre]` (channel).
        public var tokens: Tensor
        public var batch: Int
        public var regions: Int
    }

    /// Region encoder. regions `[B, k, H, W]` in {0, 1}; keep: visible patch ids per image (K_R each).
    func encode(regions: Tensor, keep: [[Int]], config c: ModelConfig) -> Features {
        precondition(regions.rank == 4 && regions.shape[2] == c.imgSize && regions.shape[3] == c.imgSize,
                     "RegionMAE: regions \(regions.shape), expected [B, k, \(c.imgSize), \(c.imgSize)]")
        let (b, k, n, p) = (regions.shape[0], regions.shape[1], c.numPatches, c.patchSize)
        precondition(variant != .channel || k == c.numRegion, "RegionMAE: the channel variant needs exactly \(c.numRegion) regions, got \(k)")
        let maps = regions.detached()
        let targets = maps.reshaped([b * k, 1, c.imgSize, c.imgSize]).patchified(patch: p).reshaped([b, k, n, p * p])
        let pos = posEmbed.slice(alongAxis: 0, 1..<(n + 1))
        let dre = c.regionEncDim
        // Embedding of the visible patches only (equal to the official embed-all-then-gather), maps − 0.5.
        let ids = variant == .channel ? keep : keep.flatMap { Array(repeating: $0, count: k) }   // same ids for every region
        let images = variant == .channel ? maps : maps.reshaped([b * k, 1, c.imgSize, c.imgSize])
        var x = linear(images.convPatches(patch: p, keep: ids) - 0.5, patchEmbed.weight.reshaped([dre, -1]), patchEmbed.bias)
            + pos.tableRows(ids)                                                             // (B·k or B, K_R, Dre)
        for blk in encBlocks { x = blk(x) }
        return Features(targets: targets, tokens: x, batch: b, regions: k)
    }

    /// The neck: pixel-encoder latent `[B, 1+K, D]` -> memory `[B, N+1, Drd]`.
    func neck(_ latent: Tensor, idsRestore: [[Int]]) -> Tensor {
        var z = unshuffle(crossEmbed(latent), maskToken: crossMaskToken, idsRestore: idsRestore) + crossPosEmbed
        for blk in crossBlocks { z = blk(z) }
        return decNorm(z)
    }

    /// Region decoder: logits `[B, k, N, P]`.
    func decode(_ f: Features, latent: Tensor, masking: Masking, config c: ModelConfig) -> Tensor {
        let (b, k, n, p2) = (f.batch, f.regions, c.numPatches, c.patchSize * c.patchSize)
        let drd = c.regionDecDim
        let memory = neck(latent, idsRestore: masking.idsRestore)                           // (B, N+1, Drd)
        switch variant {
        case .length:
            let kr = f.tokens.shape[1]
            let pooled = f.tokens.reshaped([b, k, kr, c.regionEncDim]).mean(alongAxis: 2)   // (B, k, Dre)
            var q = proj(pooled, normalizedBy: projNorm)                                                   // (B, k, Drd)
            for blk in decBlocks { q = blk(q, memory: memory) }
            // The official code expands over all N+1 memory rows and drops the cls row after region_pred; every
            // op after the queries' self-attention is per memory row, so expanding over the N patch rows gives the
            // same logits without the [B, k, N+1, P] tensor and its slice.
            let y = expansion!(q, memory: memory.slice(alongAxis: 1, 1..<(n + 1)))           // (B, k, N, Drd)
            return pred(gelu: y)                                                             // (B, k, N, P)
        case .channel:
            let r = unshuffleWithoutCls(proj(f.tokens, normalizedBy: projNorm), maskToken: regionMaskToken!, idsRestore: masking.idsRestore)
            var x = r + memory.slice(alongAxis: 1, 1..<(n + 1)) + crossPosEmbed.slice(alongAxis: 0, 1..<(n + 1))
            for blk in plainDecBlocks { x = blk(x) }
            let y = pred(x, normalizedBy: predNorm!)                                                       // (B, N, k·P)
            return y.reshaped([b, n, k, p2]).permuted([0, 2, 1, 3])
        case .batch:
            let restore = masking.idsRestore.flatMap { Array(repeating: $0, count: k) }
            let r = unshuffleWithoutCls(proj(f.tokens, normalizedBy: projNorm), maskToken: regionMaskToken!, idsRestore: restore)   // (B·k, N, Drd)
            let pix = memory.slice(alongAxis: 1, 1..<(n + 1)).reshaped([b, 1, n, drd])
            var x = (r.reshaped([b, k, n, drd]) + pix + crossPosEmbed.slice(alongAxis: 0, 1..<(n + 1))).reshaped([b * k, n, drd])
            for blk in plainDecBlocks { x = blk(x) }
            return pred(x, normalizedBy: predNorm!).reshaped([b, k, n, p2])
        }
    }

    /// RAE → MAE feeding (paper Eqs. 12–14): region tokens before pooling, projected to the pixel decoder's
    /// width, mask-filled and un-shuffled per region, averaged over regions: `[B, N, Dd]`.
    func pixelDecoderInput(_ f: Features, masking: Masking, config c: ModelConfig) -> Tensor {
        let (b, n, dd) = (f.batch, c.numPatches, c.decoderEmbedDim)
        let h = toPixel!(f.tokens)
        if variant == .channel {
            return unshuffleWithoutCls(h, maskToken: toPixelMaskToken!, idsRestore: masking.idsRestore)
        }
        let restore = masking.idsRestore.flatMap { Array(repeating: $0, count: f.regions) }
        let full = unshuffleWithoutCls(h, maskToken: toPixelMaskToken!, idsRestore: restore)      // (B·k, N, Dd)
        return full.reshaped([b, f.regions, n, dd]).mean(alongAxis: 1)
    }

    var frozenTensors: [(String, Tensor)] {
        [("region_cross_pos_embed", crossPosEmbed.reshaped([1] + crossPosEmbed.shape)),
         ("region_pos_embed", posEmbed.reshaped([1] + posEmbed.shape))]
    }

    /// Visits under the official root-level keys (`region_*`); `region_cross_mask_token` is visited by the model
    /// with the other root tokens.
    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        if regionMaskToken != nil { try body(prefix + "region_mask_token", &regionMaskToken!) }
        if toPixelMaskToken != nil { try body(prefix + "region_to_pixel_mask_token", &toPixelMaskToken!) }
        try crossEmbed.forEachParameter(prefix: prefix + "region_cross_embed.", body)
        try decNorm.forEachParameter(prefix: prefix + "region_dec_norm.", body)
        for i in crossBlocks.indices { try crossBlocks[i].forEachParameter(prefix: prefix + "region_cross_blocks.\(i).", body) }
        try patchEmbed.forEachParameter(prefix: prefix + "region_patch_embed.", body)
        for i in encBlocks.indices { try encBlocks[i].forEachParameter(prefix: prefix + "region_enc_blocks.\(i).", body) }
        try projNorm.forEachParameter(prefix: prefix + "region_proj.0.", body)
        try proj.forEachParameter(prefix: prefix + "region_proj.1.", body)
        for i in decBlocks.indices { try decBlocks[i].forEachParameter(prefix: prefix + "region_dec_blocks.\(i).", body) }
        if expansion != nil { try expansion!.forEachParameter(prefix: prefix + "region_dec_blocks.\(decBlocks.count).", body) }
        for i in plainDecBlocks.indices { try plainDecBlocks[i].forEachParameter(prefix: prefix + "region_dec_blocks.\(i).", body) }
        if predNorm != nil { try predNorm!.forEachParameter(prefix: prefix + "region_pred_norm.", body) }
        try pred.forEachParameter(prefix: prefix + "region_pred.1.", body)
        if toPixel != nil { try toPixel!.forEachParameter(prefix: prefix + "region_to_pixel.", body) }
    }
}

/// Visible tokens `[B', K, C]` (no cls) followed by mask tokens, un-shuffled: `[B', N, C]`.
func unshuffleWithoutCls(_ tokens: Tensor, maskToken: Tensor, idsRestore: [[Int]]) -> Tensor {
    let (b, k, c) = (tokens.shape[0], tokens.shape[1], tokens.shape[2])
    let n = idsRestore.first?.count ?? 0
    var seq = tokens
    if n > k { seq = Tensor.concat([tokens, maskToken.broadcasted(to: [b, n - k, c])], alongAxis: 1) }
    return seq.gatheringRows(idsRestore)
}
