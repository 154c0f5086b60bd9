import NN

/// The decoder of a ``SegmentationViT``: `[B, g, g, D]` features → `[B, h, w, classes]` scores at the head's
/// stride (g for `linear`, 4g for `fpn`). Keys under `decode_head.`: `conv_seg.*` (the classifier), and for
/// `fpn` `up1.*`, `up1_norm.*`, `up2.*`, `lateral.{0,1,2}.*` (strides p, p/2, p/4), `fuse_norm.*`.
public struct SegmentationHead: Module {
    public let kind: SegmentationHeadKind
    public var classifier: Linear
    // fpn only
    public var up1: Linear?, up1Norm: LayerNorm?, up2: Linear?
    public var laterals: [Linear]
    public var fuseNorm: LayerNorm?

    public init(config: SegmentationModelConfig, using rng: inout RandomGenerator) {
        kind = config.head
        let (d, c, eps) = (config.embedDim, config.classes, Float(config.layerNormEps))
        switch kind {
        case .linear:
            classifier = Linear(d, c, using: &rng)
            laterals = []
        case .fpn:
            let f = config.fpnDim
            // a 2×2 stride-2 transposed convolution is a per-pixel Linear to 4 sub-pixels, then a pixel shuffle
            up1 = Linear(d, 4 * (d / 2), using: &rng)
            up1Norm = LayerNorm(d / 2, eps: eps)
            up2 = Linear(d / 2, 4 * (d / 4), using: &rng)
            laterals = [Linear(d, f, using: &rng), Linear(d / 2, f, using: &rng), Linear(d / 4, f, using: &rng)]
            fuseNorm = LayerNorm(f, eps: eps)
            classifier = Linear(f, c, using: &rng)
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch kind {
        case .linear:
            return classifier(x)
        case .fpn:
            let (h, w) = (x.shape[1], x.shape[2])
            let f8 = up1Norm!(pixelShuffle(up1!(x))).gelu()   // stride p/2
            let f4 = pixelShuffle(up2!(f8))                                  // stride p/4
            let fused = laterals[0](x).bilinearResized(height: 4 * h, width: 4 * w)
                + laterals[1](f8).bilinearResized(height: 4 * h, width: 4 * w)
                + laterals[2](f4)
            return classifier(fuseNorm!(fused).gelu())
        }
    }

    /// `[B, h, w, 4·c]` (sub-pixel (dy, dx) major) → `[B, 2h, 2w, c]`.
    func pixelShuffle(_ x: Tensor) -> Tensor {
        let (b, h, w, c4) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let c = c4 / 4
        return x.reshaped([b, h, w, 2, 2, c]).permuted([0, 1, 3, 2, 4, 5]).reshaped([b, 2 * h, 2 * w, c])
    }

    /// Multiply-accumulates ×2 of one image.
    func flops(config: SegmentationModelConfig) -> Double {
        let (g, d, c, f) = (Double(config.gridSize), Double(config.embedDim), Double(config.classes), Double(config.fpnDim))
        switch kind {
        case .linear: return 2 * g * g * d * c
        case .fpn:
            let s8 = 4 * g * g, s4 = 16 * g * g
            return 2 * (g * g * d * 2 * d + s8 * (d / 2) * d + g * g * d * f + s8 * (d / 2) * f + s4 * (d / 4) * f + s4 * f * c)
        }
    }

    public mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        if up1 != nil {
            try up1!.forEachParameter(prefix: prefix + "up1.", body)
            try up1Norm!.forEachParameter(prefix: prefix + "up1_norm.", body)
            try up2!.forEachParameter(prefix: prefix + "up2.", body)
            for i in laterals.indices { try laterals[i].forEachParameter(prefix: prefix + "lateral.\(i).", body) }
            try fuseNorm!.forEachParameter(prefix: prefix + "fuse_norm.", body)
        }
        try classifier.forEachParameter(prefix: prefix + "conv_seg.", body)
    }
}
