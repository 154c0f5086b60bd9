import Data
import Foundation
import Models
import Viz

/// The shape of a ``SegmentationViT``: the ViT encoder (as pre-trained, or at another image size), the head
/// and the classes. Stored as JSON in every fine-tuning checkpoint's metadata (`segmentation_model`).
public struct SegmentationModelConfig: Codable, Sendable, Equatable {
    public var imgSize: Int
    public var patchSize: Int
    public var inChans: Int
    public var embedDim: Int
    public var depth: Int
    public var numHeads: Int
    public var mlpRatio: Int
    public var layerNormEps: Double
    /// Output classes including background (class 0).
    public var classes: Int
    public var head: SegmentationHeadKind
    /// Channels of the FPN head's fused stride-4 map.
    public var fpnDim: Int
    /// The encoder's input normalisation (``ModelConfig/pixelMean``; nil: ImageNet's).
    public var pixelMean: [Double]?
    public var pixelStd: [Double]?

    enum CodingKeys: String, CodingKey {
        case imgSize = "img_size", patchSize = "patch_size", inChans = "in_chans", embedDim = "embed_dim", depth
        case numHeads = "num_heads", mlpRatio = "mlp_ratio", layerNormEps = "layer_norm_eps", classes, head
        case fpnDim = "fpn_dim", pixelMean = "pixel_mean", pixelStd = "pixel_std"
    }

    /// The encoder of a pre-training configuration, at `imgSize` (nil: the pre-training size).
    public init(encoder m: ModelConfig, imgSize: Int? = nil, classes: Int, head: SegmentationHeadKind, fpnDim: Int = 128) {
        (self.imgSize, patchSize, inChans, embedDim, depth) = (imgSize ?? m.imgSize, m.patchSize, m.inChans, m.embedDim, m.depth)
        (numHeads, mlpRatio, layerNormEps) = (m.numHeads, Int(m.mlpRatio), m.layerNormEps)
        (self.classes, self.head, self.fpnDim) = (classes, head, fpnDim)
        (pixelMean, pixelStd) = (m.pixelMean, m.pixelStd)
    }

    /// The input normalisation the encoder was pre-trained with.
    public var normalization: ImageNormalization {
        var m = ModelConfig()
        (m.pixelMean, m.pixelStd, m.inChans) = (pixelMean, pixelStd, inChans)
        return m.normalization
    }

    public var gridSize: Int { imgSize / patchSize }
    public var numPatches: Int { gridSize * gridSize }

    /// Checks what the model needs; errors name the field.
    public func validate() throws(SegmentationConfigError) {
        func need(_ ok: Bool, _ text: String) throws(SegmentationConfigError) { if !ok { throw SegmentationConfigError(description: text) } }
        try need(patchSize >= 1 && patchSize <= 64, "patch_size \(patchSize) outside 1...64")
        try need(imgSize >= patchSize && imgSize <= 4096 && imgSize % patchSize == 0,
                 "img_size \(imgSize) must be a multiple of the patch size \(patchSize) (at most 4096)")
        try need(inChans >= 1 && inChans <= 64, "in_chans \(inChans) outside 1...64")
        try need(embedDim >= 1 && depth >= 0 && numHeads >= 1 && embedDim % numHeads == 0,
                 "embed_dim \(embedDim) must be divisible by num_heads \(numHeads)")
        try need(mlpRatio >= 1, "mlp_ratio \(mlpRatio) < 1")
        try need(classes >= 2 && classes <= 65_536, "classes \(classes) outside 2...65536 (background and at least one class)")
        try need(fpnDim >= 1 && fpnDim <= 4096, "fpn_dim \(fpnDim) outside 1...4096")
        if head == .fpn {
            try need(embedDim % 4 == 0, "the fpn head needs embed_dim divisible by 4, got \(embedDim)")
            try need(patchSize % 4 == 0, "the fpn head upsamples the patch grid 4× to stride patch/4: patch_size \(patchSize) must be divisible by 4")
        }
    }
}

/// Which decoder sits on the encoder.
public enum SegmentationHeadKind: String, Codable, Sendable, CaseIterable {
    /// Segmenter's linear decoder: the encoder's final LayerNorm, a per-patch Linear D → classes, bilinear upsampling.
    case linear
    /// A light ViTDet-style simple feature pyramid from the last feature map: two 2×2 stride-2 transposed
    /// convolutions (stride p/2, p/4), lateral 1×1 projections fused at stride p/4, a per-pixel classifier.
    case fpn
}

public struct SegmentationConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
