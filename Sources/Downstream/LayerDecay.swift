import NN

/// Layer-wise learning-rate decay and the weight-decay exemptions of MAE's fine-tuning recipe
/// (`util/lr_decay.py`, `param_groups_lrd`), by parameter name in the official/timm ViT keys.
///
/// With L = depth + 1 layers: `cls_token`, `pos_embed` and `patch_embed.*` are layer 0, `blocks.k.*` layer
/// k + 1, everything else (the final norm, a head) layer L; a parameter of layer i trains at
/// `decay^(L − i)` times the base learning rate (so the head at 1, the embeddings at `decay^L`).
/// Weight decay applies to matrices and kernels only: every one-dimensional parameter (biases, norm
/// scales and shifts) and `cls_token` / `pos_embed` / `dist_token` (timm's `no_weight_decay`) get none
/// (``noDecay(_:_:)``).
public struct LayerDecay: Sendable, Equatable {
    /// Encoder blocks.
    public var depth: Int
    /// The decay per layer (MAE's default for ViT-B fine-tuning: 0.75 here, 0.65 in the paper's table).
    public var decay: Double

    public init(depth: Int, decay: Double = 0.75) {
        precondition(depth >= 0 && decay > 0 && decay <= 1, "LayerDecay: depth \(depth), decay \(decay)")
        (self.depth, self.decay) = (depth, decay)
    }

    /// L: the blocks plus one.
    public var layers: Int { depth + 1 }

    /// MAE's `get_layer_id_for_vit`.
    public func layerID(_ name: String) -> Int {
        if name == "cls_token" || name == "pos_embed" || name == "dist_token" || name.hasPrefix("patch_embed") { return 0 }
        if name.hasPrefix("blocks.") {
            let parts = name.split(separator: ".")
            if parts.count > 1, let k = Int(parts[1]) { return k + 1 }
        }
        return layers
    }

    /// The learning-rate scale of a parameter: `decay^(L − layerID)`.
    public func learningRateScale(_ name: String) -> Double {
        var scale = 1.0
        for _ in 0..<(layers - layerID(name)) { scale *= decay }
        return scale
    }

    /// No weight decay: pre-training's rule (``NN/AdamW/officialNoDecay(_:_:)``: biases and 1-D tensors) plus the
    /// learned tokens (`cls_token`, `pos_embed`, `dist_token`), as fine-tuning's `no_weight_decay` adds; the
    /// predicate ``NN/AdamW`` takes as `noDecay`.
    public static func noDecay(_ name: String, _ shape: [Int]) -> Bool {
        AdamW.officialNoDecay(name, shape) || ["cls_token", "pos_embed", "dist_token"].contains(name)
    }
}
