/// Constructor arguments of the official `RegionQueryRMAE` (snake_case keys as in the official YAML and the
/// fixtures' metadata), plus the paper-only design choices (`variant`, `feeding`).
public struct ModelConfig: Codable, Equatable, Sendable {
    public var imgSize = 224
    public var patchSize = 16
    public var inChans = 3
    public var embedDim = 768
    public var depth = 12
    public var numHeads = 12
    public var decoderEmbedDim = 512
    public var decoderDepth = 8
    public var decoderNumHeads = 16
    public var mlpRatio = 4.0
    public var layerNormEps = 1e-6
    public var normPixLoss = true
    public var maskRatio = 0.75
    /// k; 0 disables the region branch (plain MAE).
    public var numRegion = 8
    /// false: RAE alone (no pixel decoder, no pixel loss).
    public var useMaeLoss = true
    public var maeLossWeight = 1.0
    public var regionLossWeight = 1.0
    public var bgLossWeight = 1.0
    public var regionMaskRatio = 0.75
    public var regionEncDim = 128
    public var regionEncDepth = 1
    public var regionEncNumHeads = 8
    public var regionDecDim = 128
    public var regionDecDepth = 1
    public var regionDecNumHeads = 8
    /// Neck depth: 8 in the released config, 1 in the paper.
    public var regionCrossLayer = 1
    /// `random` (model draws the permutation from noise) or `random_fg` (the loader supplies it).
    public var regionSampleType = "random"
    /// Region-branch architecture (paper §3.2 / App. A): `length` (official), `channel` or `batch`.
    public var variant = RegionVariant.length
    /// How the branches exchange features (paper Tab. 1e).
    public var feeding = Feeding.regionFromPixel
    /// Input normalisation, per channel in [0, 1] units (`x = (v / 255 − mean) / std`); nil: ImageNet's.
    /// Set by `normalization` in the training configuration and carried with the weights.
    public var pixelMean: [Double]?
    public var pixelStd: [Double]?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case imgSize = "img_size", patchSize = "patch_size", inChans = "in_chans", embedDim = "embed_dim", depth
        case numHeads = "num_heads", decoderEmbedDim = "decoder_embed_dim", decoderDepth = "decoder_depth"
        case decoderNumHeads = "decoder_num_heads", mlpRatio = "mlp_ratio", layerNormEps = "layer_norm_eps"
        case normPixLoss = "norm_pix_loss", maskRatio = "mask_ratio", numRegion = "num_region"
        case useMaeLoss = "use_mae_loss", maeLossWeight = "mae_loss_weight", regionLossWeight = "region_loss_weight"
        case bgLossWeight = "bg_loss_weight", regionMaskRatio = "region_mask_ratio", regionEncDim = "region_enc_dim"
        case regionEncDepth = "region_enc_depth", regionEncNumHeads = "region_enc_num_heads"
        case regionDecDim = "region_dec_dim", regionDecDepth = "region_dec_depth"
        case regionDecNumHeads = "region_dec_num_heads", regionCrossLayer = "region_cross_layer"
        case regionSampleType = "region_sample_type", variant, feeding
        case pixelMean = "pixel_mean", pixelStd = "pixel_std"
    }

    /// Missing keys keep their defaults (the official constructor's), so partial configurations decode.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try get(.imgSize, &imgSize); try get(.patchSize, &patchSize); try get(.inChans, &inChans)
        try get(.embedDim, &embedDim); try get(.depth, &depth); try get(.numHeads, &numHeads)
        try get(.decoderEmbedDim, &decoderEmbedDim); try get(.decoderDepth, &decoderDepth)
        try get(.decoderNumHeads, &decoderNumHeads); try get(.mlpRatio, &mlpRatio); try get(.layerNormEps, &layerNormEps)
        try get(.normPixLoss, &normPixLoss); try get(.maskRatio, &maskRatio); try get(.numRegion, &numRegion)
        try get(.useMaeLoss, &useMaeLoss); try get(.maeLossWeight, &maeLossWeight)
        try get(.regionLossWeight, &regionLossWeight); try get(.bgLossWeight, &bgLossWeight)
        try get(.regionMaskRatio, &regionMaskRatio); try get(.regionEncDim, &regionEncDim)
        try get(.regionEncDepth, &regionEncDepth); try get(.regionEncNumHeads, &regionEncNumHeads)
        try get(.regionDecDim, &regionDecDim); try get(.regionDecDepth, &regionDecDepth)
        try get(.regionDecNumHeads, &regionDecNumHeads); try get(.regionCrossLayer, &regionCrossLayer)
        try get(.regionSampleType, &regionSampleType); try get(.variant, &variant); try get(.feeding, &feeding)
        pixelMean = try c.decodeIfPresent([Double].self, forKey: .pixelMean)
        pixelStd = try c.decodeIfPresent([Double].self, forKey: .pixelStd)
    }

    /// Patches per side (G) and in total (N).
    public var gridSize: Int { imgSize / patchSize }
    public var numPatches: Int { gridSize * gridSize }
    /// Kept image / region tokens: `floor(N · (1 − ratio))` computed in double (REFERENCE.md §0).
    public var keptPatches: Int { Int(Double(numPatches) * (1 - maskRatio)) }
    public var keptRegionPatches: Int { Int(Double(numPatches) * (1 - regionMaskRatio)) }
    public var hasPixelDecoder: Bool { useMaeLoss }
    public var hasRegionBranch: Bool { numRegion > 0 }

    /// Largest sizes accepted (far above every preset; they keep a mistyped value from overflowing or
    /// allocating without bound).
    public enum Limits {
        public static let imageSize = 8192
        public static let width = 16384
        public static let depth = 256
        public static let regions = 256
        public static let channels = 64
        public static let mlpRatio = 64.0
        /// Estimated trainable parameters (ViT-Huge R-MAE has about 0.7 billion).
        public static let parameters = 4_000_000_000
    }

    /// The snake_case keys of the configuration (as in YAML, overrides and checkpoint metadata).
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// Checks the configuration; the official code raises at construction for the same problems. Every
    /// number is range-checked before it is used in arithmetic; errors name the key, the value and the
    /// allowed range.
    public func validate() throws {
        func fail(_ s: String) throws -> Never { throw ModelConfigError(description: s) }
        func check(_ key: String, _ value: Int, _ range: ClosedRange<Int>) throws {
            if !range.contains(value) { try fail("\(key) \(value) is outside the allowed range \(range.lowerBound)...\(range.upperBound)") }
        }
        func check(_ key: String, _ value: Double, _ range: ClosedRange<Double>, open: Bool = false) throws {
            if !value.isFinite || !range.contains(value) || (open && value == range.upperBound) {
                try fail("\(key) \(value) is outside the allowed range [\(range.lowerBound), \(range.upperBound)\(open ? ")" : "]")")
            }
        }
        try check("img_size", imgSize, 1...Limits.imageSize)
        try check("patch_size", patchSize, 1...imgSize)
        if imgSize % patchSize != 0 { try fail("img_size \(imgSize) is not a multiple of patch_size \(patchSize)") }
        try check("in_chans", inChans, 1...Limits.channels)
        if (pixelMean == nil) != (pixelStd == nil) { try fail("pixel_mean and pixel_std go together (one is missing)") }
        if let m = pixelMean, let s = pixelStd {
            guard m.count == inChans, s.count == inChans else { try fail("pixel_mean and pixel_std need in_chans (\(inChans)) values each, have \(m.count) and \(s.count)") }
            for (i, v) in m.enumerated() { try check("pixel_mean[\(i)]", v, -1...2) }
            for (i, v) in s.enumerated() where !(v.isFinite && v > 1e-6 && v <= 10) { try fail("pixel_std[\(i)] \(v) is outside the allowed range (1e-6, 10]") }
        }
        try check("embed_dim", embedDim, 4...Limits.width)
        try check("depth", depth, 1...Limits.depth)
        try check("num_heads", numHeads, 1...embedDim)
        try check("decoder_embed_dim", decoderEmbedDim, 4...Limits.width)
        try check("decoder_depth", decoderDepth, 0...Limits.depth)
        try check("decoder_num_heads", decoderNumHeads, 1...decoderEmbedDim)
        try check("mlp_ratio", mlpRatio, 1...Limits.mlpRatio)
        try check("layer_norm_eps", layerNormEps, 0...1, open: true)
        if layerNormEps <= 0 { try fail("layer_norm_eps \(layerNormEps) must be positive") }
        try check("num_region", numRegion, 0...Limits.regions)
        for (key, w) in [("mae_loss_weight", maeLossWeight), ("region_loss_weight", regionLossWeight), ("bg_loss_weight", bgLossWeight)] {
            try check(key, w, 0...1e6)
        }
        try check("region_enc_dim", regionEncDim, 4...Limits.width)
        try check("region_enc_depth", regionEncDepth, 0...Limits.depth)
        try check("region_enc_num_heads", regionEncNumHeads, 1...regionEncDim)
        try check("region_dec_dim", regionDecDim, 4...Limits.width)
        try check("region_dec_depth", regionDecDepth, 0...Limits.depth)
        try check("region_dec_num_heads", regionDecNumHeads, 1...regionDecDim)
        try check("region_cross_layer", regionCrossLayer, 0...Limits.depth)
        if embedDim % numHeads != 0 { try fail("embed_dim \(embedDim) is not divisible by num_heads \(numHeads)") }
        if !useMaeLoss && numRegion == 0 { try fail("no loss is enabled: use_mae_loss is false and num_region is 0") }
        if useMaeLoss && decoderEmbedDim % decoderNumHeads != 0 {
            try fail("decoder_embed_dim \(decoderEmbedDim) is not divisible by decoder_num_heads \(decoderNumHeads)")
        }
        for (name, d) in [("embed_dim", embedDim), ("decoder_embed_dim", decoderEmbedDim),
                          ("region_enc_dim", regionEncDim), ("region_dec_dim", regionDecDim)] where d % 4 != 0 {
            try fail("\(name) \(d) must be divisible by 4 for the 2-D sin-cos position table")
        }
        if numRegion > 0 {
            if regionEncDim % regionEncNumHeads != 0 || regionDecDim % regionDecNumHeads != 0 {
                try fail("region widths \(regionEncDim)/\(regionDecDim) are not divisible by their heads \(regionEncNumHeads)/\(regionDecNumHeads)")
            }
            if regionDecDepth < 1 { try fail("region_dec_depth must be at least 1 (the expansion block)") }
            if !["random", "random_fg"].contains(regionSampleType) {
                try fail("region_sample_type '\(regionSampleType)' is not 'random' or 'random_fg'")
            }
        }
        if !(0..<1).contains(maskRatio) || !(0..<1).contains(regionMaskRatio) {
            try fail("mask ratios must be in [0, 1): mask_ratio \(maskRatio), region_mask_ratio \(regionMaskRatio)")
        }
        if keptPatches < 1 { try fail("mask_ratio \(maskRatio) keeps no patch of \(numPatches)") }
        if feeding != .regionFromPixel && !useMaeLoss { try fail("feeding '\(feeding.rawValue)' needs the pixel decoder (use_mae_loss)") }
        let estimate = estimatedParameters
        if estimate > Double(Limits.parameters) {
            // (every factor is bounded above, so the estimate is far below Int.max)
            try fail("the model would have about \(Int(estimate / 1e6)) million trainable parameters (limit \(Limits.parameters / 1_000_000) million): lower embed_dim, depth or the decoder widths")
        }
    }

    /// Trainable parameters, roughly (transformer blocks and embeddings), in Double so no size overflows.
    var estimatedParameters: Double {
        let r = mlpRatio
        func blocks(_ n: Int, _ d: Int) -> Double { Double(n) * (4 + 2 * r) * Double(d) * Double(d) }
        let p = Double(patchSize * patchSize)
        var total = blocks(depth, embedDim) + p * Double(inChans) * Double(embedDim)
        if useMaeLoss { total += blocks(decoderDepth, decoderEmbedDim) + Double(decoderEmbedDim) * p * Double(inChans) }
        if numRegion > 0 {
            total += blocks(regionEncDepth, regionEncDim) + blocks(regionDecDepth + regionCrossLayer, regionDecDim) + p * Double(regionEncDim + regionDecDim)
        }
        return total
    }
}

/// A configuration problem, naming the field.
public struct ModelConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// The region-branch designs of the paper (App. A): regions as a sequence of queries (official), as channels
/// of one image, or as separate samples in the batch.
public enum RegionVariant: String, Codable, Sendable, CaseIterable {
    case length, channel, batch
}

/// How the pixel and region branches are connected (paper Tab. 1e).
public enum Feeding: String, Codable, Sendable, CaseIterable {
    /// RAE ← MAE: pixel-encoder features feed the region decoder (official default).
    case regionFromPixel = "rae_from_mae"
    /// RAE ↔ MAE: additionally, region-encoder features are added to the pixel decoder's input.
    case twoWay = "two_way"
}
