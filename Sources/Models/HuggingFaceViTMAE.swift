import Foundation
import Engine

/// Hugging Face `transformers` ViTMAE (`ViTMAEForPreTraining`, `ViTMAEModel`) weights and `config.json`,
/// to and from the official state-dict keys.
///
/// Layouts read (all seen in use):
/// - the hub checkpoints (`facebook/vit-mae-*`): `vit.embeddings.*`, `vit.encoder.layer.N.attention.attention.
///   {query,key,value}`, `…attention.output.dense`, `…intermediate.dense`, `…output.dense`,
///   `…layernorm_{before,after}`, `vit.layernorm`, and `decoder.decoder_layers.N.*` with the same inner names;
/// - what `save_pretrained` of transformers 5.x writes: the same encoder keys, the decoder under
///   `decoder.decoder_encoder.layer.N.*`;
/// - transformers 5.x's in-memory names (`vit.layers.N.attention.{q,k,v,o}_proj`, `…mlp.fc{1,2}`);
/// - `ViTMAEModel` files without the `vit.` prefix (encoder only).
/// Separate query/key/value projections are joined into the official `qkv` (rows q, then k, then v).
/// Written: the hub layout, which every transformers version loads.
public enum HuggingFaceViTMAE {
    /// The fields of `config.json` that shape the model (others are kept out: dropout 0, initializer range).
    public struct Config: Codable, Equatable, Sendable {
        public var architectures: [String]?
        public var modelType: String?
        public var hiddenSize: Int
        public var numHiddenLayers: Int
        public var numAttentionHeads: Int
        public var intermediateSize: Int
        public var hiddenAct: String?
        public var layerNormEps: Double?
        public var imageSize: Int
        public var patchSize: Int
        public var numChannels: Int?
        public var qkvBias: Bool?
        public var decoderNumAttentionHeads: Int?
        public var decoderHiddenSize: Int?
        public var decoderNumHiddenLayers: Int?
        public var decoderIntermediateSize: Int?
        public var maskRatio: Double?
        public var normPixLoss: Bool?
        public var hiddenDropoutProb: Double?
        public var attentionProbsDropoutProb: Double?
        public var initializerRange: Double?

        enum CodingKeys: String, CodingKey {
            case architectures, modelType = "model_type", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
            case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size", hiddenAct = "hidden_act"
            case layerNormEps = "layer_norm_eps", imageSize = "image_size", patchSize = "patch_size", numChannels = "num_channels"
            case qkvBias = "qkv_bias", decoderNumAttentionHeads = "decoder_num_attention_heads"
            case decoderHiddenSize = "decoder_hidden_size", decoderNumHiddenLayers = "decoder_num_hidden_layers"
            case decoderIntermediateSize = "decoder_intermediate_size", maskRatio = "mask_ratio", normPixLoss = "norm_pix_loss"
            case hiddenDropoutProb = "hidden_dropout_prob", attentionProbsDropoutProb = "attention_probs_dropout_prob"
            case initializerRange = "initializer_range"
        }

        /// The configuration `ViTMAEForPreTraining` needs for `model` (its pixel branch; a region branch has no
        /// Hugging Face counterpart).
        public init(_ model: ModelConfig) {
            architectures = ["ViTMAEForPreTraining"]
            modelType = "vit_mae"
            hiddenSize = model.embedDim
            numHiddenLayers = model.depth
            numAttentionHeads = model.numHeads
            intermediateSize = Int((Double(model.embedDim) * model.mlpRatio).rounded(.down))
            hiddenAct = "gelu"
            layerNormEps = model.layerNormEps
            imageSize = model.imgSize
            patchSize = model.patchSize
            numChannels = model.inChans
            qkvBias = true
            decoderNumAttentionHeads = model.decoderNumHeads
            decoderHiddenSize = model.decoderEmbedDim
            decoderNumHiddenLayers = model.decoderDepth
            decoderIntermediateSize = Int((Double(model.decoderEmbedDim) * model.mlpRatio).rounded(.down))
            maskRatio = model.maskRatio
            normPixLoss = model.normPixLoss
            hiddenDropoutProb = 0
            attentionProbsDropoutProb = 0
            initializerRange = 0.02
        }

        /// The rmae model configuration (MAE: no region branch). Errors say which field cannot be represented.
        public func modelConfig() throws -> ModelConfig {
            func fail(_ s: String) -> HuggingFaceError { HuggingFaceError(description: s) }
            if let t = modelType, t != "vit_mae" { throw fail("model_type '\(t)' is not vit_mae") }
            if let act = hiddenAct, act != "gelu" { throw fail("hidden_act '\(act)' is not gelu (the official MAE uses exact GELU)") }
            if qkvBias == false { throw fail("qkv_bias false: the official ViT has query/key/value biases") }
            var c = ModelConfig()
            c.numRegion = 0
            (c.imgSize, c.patchSize, c.inChans) = (imageSize, patchSize, numChannels ?? 3)
            (c.embedDim, c.depth, c.numHeads) = (hiddenSize, numHiddenLayers, numAttentionHeads)
            guard hiddenSize > 0, intermediateSize > 0 else { throw fail("hidden_size \(hiddenSize) / intermediate_size \(intermediateSize) must be positive") }
            c.mlpRatio = Double(intermediateSize) / Double(hiddenSize)
            c.decoderEmbedDim = decoderHiddenSize ?? 512
            c.decoderDepth = decoderNumHiddenLayers ?? 8
            c.decoderNumHeads = decoderNumAttentionHeads ?? 16
            if let d = decoderIntermediateSize, c.decoderEmbedDim > 0,
               abs(Double(d) / Double(c.decoderEmbedDim) - c.mlpRatio) > 1e-9 {
                throw fail("decoder_intermediate_size \(d) / decoder_hidden_size \(c.decoderEmbedDim) differs from the encoder's MLP ratio \(c.mlpRatio) (one ratio for both, as in the official model)")
            }
            c.layerNormEps = layerNormEps ?? 1e-12
            c.maskRatio = maskRatio ?? 0.75
            c.normPixLoss = normPixLoss ?? false
            try c.validate()
            return c
        }
    }

    /// Reads `config.json`; errors name the file.
    public static func readConfig(_ url: URL) throws -> Config {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw HuggingFaceError(description: "\(url.path) cannot be read (\(error.localizedDescription))") }
        do { return try JSONDecoder().decode(Config.self, from: data) } catch {
            throw HuggingFaceError(description: "\(url.path) is not a ViTMAE config.json: \(error)")
        }
    }

    /// `config.json` for `model`, pretty-printed with sorted keys.
    public static func configJSON(_ model: ModelConfig) throws -> Data {
        var json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(Config(model))) as! [String: Any]
        json["dtype"] = "float32"
        return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
    }

    /// `preprocessor_config.json` (transformers' `ViTImageProcessor`) for `model`: resize to the model's size,
    /// rescale by 1/255, normalise with the model's statistics (ImageNet's unless it records others).
    public static func preprocessorJSON(_ model: ModelConfig) throws -> Data {
        let json: [String: Any] = [
            "image_processor_type": "ViTImageProcessor", "do_resize": true, "size": ["height": model.imgSize, "width": model.imgSize],
            "resample": 3, "do_rescale": true, "rescale_factor": 1.0 / 255, "do_normalize": true,
            "image_mean": model.pixelMean ?? (model.inChans == 1 ? [0.449] : [0.485, 0.456, 0.406]),
            "image_std": model.pixelStd ?? (model.inChans == 1 ? [0.226] : [0.229, 0.224, 0.225]),
        ]
        return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
    }

    /// The normalisation of a `preprocessor_config.json` (`image_mean`, `image_std`), nil when it has none or
    /// it is ImageNet's; errors name the file.
    public static func readNormalization(_ url: URL) throws -> (mean: [Double], std: [Double])? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw HuggingFaceError(description: "\(url.path) is not a JSON object")
        }
        guard let mean = json["image_mean"] as? [Double], let std = json["image_std"] as? [Double] else { return nil }
        guard mean.count == 3 || mean.count == 1, std.count == mean.count, std.allSatisfy({ $0 > 0 }) else {
            throw HuggingFaceError(description: "\(url.path): image_mean \(mean) / image_std \(std) are not 1 or 3 values each with positive stds")
        }
        let reference = mean.count == 3 ? [0.485, 0.456, 0.406, 0.229, 0.224, 0.225] : [0.449, 0.226]
        let imagenet = zip(mean + std, reference).allSatisfy { abs($0 - $1) < 1e-6 }
        return imagenet ? nil : (mean, std)
    }

    /// True when the keys look like a Hugging Face ViTMAE state dict.
    public static func looksLike(_ keys: some Collection<String>) -> Bool {
        keys.contains { $0.hasPrefix("vit.embeddings.") || $0.hasPrefix("embeddings.patch_embeddings.") }
    }

    /// The official keys of a Hugging Face state dict: every tensor it could place, and the keys it could not.
    public static func officialTensors(_ hf: [String: Tensor]) throws -> (tensors: [String: Tensor], unplaced: [String]) {
        var out: [String: Tensor] = [:]
        var unplaced: [String] = []
        // Separate projections, joined once all three are seen: official block key → (q, k, v).
        var parts: [String: [Int: Tensor]] = [:]
        for (key, value) in hf {
            guard let mapped = officialKey(key) else { unplaced.append(key); continue }
            switch mapped {
            case .whole(let name): out[name] = value
            case .projection(let name, let index): parts[name, default: [:]][index] = value
            }
        }
        for (name, pieces) in parts {
            guard let q = pieces[0], let k = pieces[1], let v = pieces[2] else {
                throw HuggingFaceError(description: "'\(name)': query, key and value are not all present (have \(pieces.keys.sorted().map { ["query", "key", "value"][$0] }))")
            }
            guard q.shape == k.shape, k.shape == v.shape else {
                throw HuggingFaceError(description: "'\(name)': query \(q.shape), key \(k.shape) and value \(v.shape) differ")
            }
            out[name] = Tensor.concat([q, k, v], alongAxis: 0)
        }
        return (out, unplaced.sorted())
    }

    enum Mapped { case whole(String), projection(String, Int) }

    /// Keys outside the blocks: official → hub layout.
    static let hubOfOfficial: [String: String] = [
        "cls_token": "vit.embeddings.cls_token", "pos_embed": "vit.embeddings.position_embeddings",
        "patch_embed.proj.weight": "vit.embeddings.patch_embeddings.projection.weight",
        "patch_embed.proj.bias": "vit.embeddings.patch_embeddings.projection.bias",
        "norm.weight": "vit.layernorm.weight", "norm.bias": "vit.layernorm.bias",
        "mask_token": "decoder.mask_token", "decoder_pos_embed": "decoder.decoder_pos_embed",
        "decoder_embed.weight": "decoder.decoder_embed.weight", "decoder_embed.bias": "decoder.decoder_embed.bias",
        "decoder_norm.weight": "decoder.decoder_norm.weight", "decoder_norm.bias": "decoder.decoder_norm.bias",
        "decoder_pred.weight": "decoder.decoder_pred.weight", "decoder_pred.bias": "decoder.decoder_pred.bias",
    ]
    static let officialOfHub = Dictionary(uniqueKeysWithValues: hubOfOfficial.map { ($1, $0) })

    /// `N.module.path.kind` (what follows a block prefix) as its parts.
    static func splitBlockKey(_ rest: Substring) -> (index: Int, module: String, kind: String)? {
        guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]), let last = rest.lastIndex(of: "."), last > dot else { return nil }
        return (index, String(rest[rest.index(after: dot)..<last]), String(rest[rest.index(after: last)...]))
    }

    /// The official key for one Hugging Face key, or nil when it has none.
    static func officialKey(_ key: String) -> Mapped? {
        var k = Substring(key)
        if k.hasPrefix("vit.") { k = k.dropFirst(4) }
        if let name = officialOfHub[k.hasPrefix("decoder.") ? String(k) : "vit." + k] { return .whole(name) }
        let layerPrefixes: [(String, String)] = [
            ("encoder.layer.", "blocks."), ("layers.", "blocks."),
            ("decoder.decoder_layers.", "decoder_blocks."), ("decoder.decoder_encoder.layer.", "decoder_blocks."),
        ]
        for (theirs, ours) in layerPrefixes where k.hasPrefix(theirs) {
            guard let (index, module, kind) = splitBlockKey(k.dropFirst(theirs.count)), kind == "weight" || kind == "bias" else { return nil }
            let block = "\(ours)\(index)."
            let renamed: [String: String] = [
                "layernorm_before": "norm1", "layernorm_after": "norm2",
                "attention.output.dense": "attn.proj", "attention.o_proj": "attn.proj",
                "intermediate.dense": "mlp.fc1", "mlp.fc1": "mlp.fc1", "output.dense": "mlp.fc2", "mlp.fc2": "mlp.fc2",
            ]
            if let name = renamed[module] { return .whole(block + name + "." + kind) }
            let projections: [String: Int] = [
                "attention.attention.query": 0, "attention.attention.key": 1, "attention.attention.value": 2,
                "attention.q_proj": 0, "attention.k_proj": 1, "attention.v_proj": 2,
            ]
            if let p = projections[module] { return .projection(block + "attn.qkv." + kind, p) }
            return nil
        }
        return nil
    }

    /// The hub layout of an official state dict (pixel branch only: region-branch keys have no Hugging Face
    /// counterpart and are returned as `dropped`).
    public static func hubTensors(_ official: [String: Tensor]) -> (tensors: [String: Tensor], dropped: [String]) {
        var out: [String: Tensor] = [:]
        var dropped: [String] = []
        let inner: [String: String] = [
            "norm1": "layernorm_before", "norm2": "layernorm_after", "attn.proj": "attention.output.dense",
            "mlp.fc1": "intermediate.dense", "mlp.fc2": "output.dense",
        ]
        for (key, value) in official {
            if let name = hubOfOfficial[key] { out[name] = value; continue }
            let blockPrefixes = [("blocks.", "vit.encoder.layer."), ("decoder_blocks.", "decoder.decoder_layers.")]
            guard let (ours, theirs) = blockPrefixes.first(where: { key.hasPrefix($0.0) }) else { dropped.append(key); continue }
            guard let (index, module, kind) = splitBlockKey(key.dropFirst(ours.count)) else { dropped.append(key); continue }
            let block = "\(theirs)\(index)."
            if module == "attn.qkv" {
                let third = value.shape[0] / 3
                for (i, name) in ["query", "key", "value"].enumerated() {
                    out[block + "attention.attention.\(name).\(kind)"] = value.slice(alongAxis: 0, i * third..<(i + 1) * third)
                }
            } else if let name = inner[module] {
                out[block + name + "." + kind] = value
            } else {
                dropped.append(key)
            }
        }
        return (out, dropped.sorted())
    }
}

/// A Hugging Face file or configuration that cannot be used, and why.
public struct HuggingFaceError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
