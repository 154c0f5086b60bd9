import Foundation
import Training
import Yams

/// The fine-tuning recipe of `rmae finetune` (MAE's fine-tuning, ViTDet and mmseg's MAE configs, scaled to
/// the batch): AdamW (β 0.9/0.999), layer-wise learning-rate decay, stochastic depth, weight decay except
/// norms, biases, cls and position embeddings, per-update warm-up then cosine, `lr = blr × batch / 256`,
/// random scale-jitter crop and flip of image and label map together, per-pixel cross-entropy with an
/// ignore index. YAML files and `key=value` overrides use these snake_case names; unknown keys are errors.
public struct FinetuneConfig: Codable, Sendable, Equatable {
    /// `scratch`, an rmae run folder or checkpoint, or an exported official/timm encoder (recorded, not read
    /// back on resume: the checkpoint holds the weights).
    public var initFrom = "scratch"
    /// The dataset root (mmseg layout: `train/`, `val/`, `classes.txt`).
    public var data = ""
    public var out = "runs/finetune"
    public var head = SegmentationHeadKind.linear
    /// Fine-tuning image size; nil = the backbone's pre-training size (the position table is resized otherwise).
    public var imgSize: Int?
    /// How a learned position table is resized to another grid: `mae` (MAE's interpolate_pos_embed, bicubic)
    /// or `timm` (timm's resample_abs_pos_embed default: bicubic with antialiasing).
    public var posResize = "mae"
    /// Attention heads of an encoder file that does not record them (default D / 64).
    public var numHeads: Int?
    public var fpnDim = 128
    public var batchSize = 32
    /// 8e-3 (lr 1e-3 at batch 32), for small ViTs and short schedules at CPU scale: on stampseg after 150 updates
    /// it gave a pre-trained MAE encoder 0.246 val mIoU against 0.199 at 2e-3, and scratch 0.215 against 0.211.
    /// mmseg's ViT-B recipe is lr 1e-4 at batch 16 (blr 1.6e-3).
    public var blr = 8e-3
    public var lr: Double?
    public var weightDecay = 0.05
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var layerDecay = 0.75
    public var dropPath = 0.1
    public var steps = 1000
    /// nil = a tenth of the updates.
    public var warmupSteps: Int?
    public var clipGrad = 0.0
    public var scaleMin = 0.5
    public var scaleMax = 2.0
    public var flip = true
    public var loss = SegmentationLoss.crossEntropy
    public var ignoreIndex = 255
    public var seed: UInt64 = 0
    public var valEvery = 100
    /// Validation images (0 = the whole val split).
    public var valImages = 0
    public var checkpointEvery = 100
    public var keepCheckpoints = 2
    public var logEvery = 10
    /// Decoded training samples kept in memory, in MiB (0: decode every time).
    public var cacheMB = 1024

    enum CodingKeys: String, CodingKey, CaseIterable {
        case initFrom = "init", data, out, head, imgSize = "img_size", posResize = "pos_resize", numHeads = "num_heads", fpnDim = "fpn_dim"
        case batchSize = "batch_size", blr, lr, weightDecay = "weight_decay", beta1, beta2, layerDecay = "layer_decay"
        case dropPath = "drop_path", steps, warmupSteps = "warmup_steps", clipGrad = "clip_grad", scaleMin = "scale_min"
        case scaleMax = "scale_max", flip, loss, ignoreIndex = "ignore_index", seed, valEvery = "val_every"
        case valImages = "val_images", checkpointEvery = "checkpoint_every", keepCheckpoints = "keep_checkpoints"
        case logEvery = "log_every", cacheMB = "cache_mb"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in try decoder.container(keyedBy: DynamicKey.self).allKeys.map(\.stringValue) where CodingKeys(stringValue: key) == nil {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: ConfigurationKeys.unknown(key, known: CodingKeys.allCases.map(\.rawValue))))
        }
        func get<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws { if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v } }
        func optional<T: Decodable>(_ key: CodingKeys, _ value: inout T?) throws { if c.contains(key) { value = try c.decodeIfPresent(T.self, forKey: key) } }
        try get(.initFrom, &initFrom); try get(.data, &data); try get(.out, &out); try get(.head, &head)
        try optional(.imgSize, &imgSize); try optional(.numHeads, &numHeads); try get(.fpnDim, &fpnDim)
        try get(.batchSize, &batchSize); try get(.blr, &blr); try optional(.lr, &lr); try get(.weightDecay, &weightDecay)
        try get(.posResize, &posResize)
        try get(.beta1, &beta1); try get(.beta2, &beta2); try get(.layerDecay, &layerDecay); try get(.dropPath, &dropPath)
        try get(.steps, &steps); try optional(.warmupSteps, &warmupSteps); try get(.clipGrad, &clipGrad)
        try get(.scaleMin, &scaleMin); try get(.scaleMax, &scaleMax); try get(.flip, &flip); try get(.loss, &loss)
        try get(.ignoreIndex, &ignoreIndex); try get(.seed, &seed); try get(.valEvery, &valEvery); try get(.valImages, &valImages)
        try get(.checkpointEvery, &checkpointEvery); try get(.keepCheckpoints, &keepCheckpoints); try get(.logEvery, &logEvery)
        try get(.cacheMB, &cacheMB)
        do { try validate() } catch { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description)) }
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public var peakLearningRate: Double { lr ?? blr * Double(batchSize) / 256 }
    public var warmupUpdates: Int { warmupSteps ?? steps / 10 }

    /// Ranges of every field; the error names the key.
    public func validate() throws(ConfigurationError) {
        func fail(_ text: String) throws(ConfigurationError) { throw ConfigurationError(description: text) }
        func check(_ key: String, _ v: Int, _ r: ClosedRange<Int>) throws(ConfigurationError) {
            if !r.contains(v) { try fail("\(key) \(v) is outside the allowed range \(r.lowerBound)...\(r.upperBound)") }
        }
        func check(_ key: String, _ v: Double, _ r: ClosedRange<Double>, open: Bool = false) throws(ConfigurationError) {
            if !v.isFinite || !r.contains(v) || (open && v == r.upperBound) {
                try fail("\(key) \(v) is outside the allowed range [\(r.lowerBound), \(r.upperBound)\(open ? ")" : "]")")
            }
        }
        if let imgSize { try check("img_size", imgSize, 1...4096) }
        if posResize != "mae" && posResize != "timm" { try fail("pos_resize '\(posResize)' is not mae or timm") }
        if let numHeads { try check("num_heads", numHeads, 1...4096) }
        try check("fpn_dim", fpnDim, 1...4096)
        try check("batch_size", batchSize, 1...(1 << 16))
        try check("blr", blr, 0...1e3)
        if let lr { try check("lr", lr, 0...1e3) }
        try check("weight_decay", weightDecay, 0...1e3)
        try check("beta1", beta1, 0...1, open: true)
        try check("beta2", beta2, 0...1, open: true)
        try check("layer_decay", layerDecay, 1e-6...1)
        try check("drop_path", dropPath, 0...1, open: true)
        try check("steps", steps, 1...1_000_000_000)
        if let warmupSteps { try check("warmup_steps", warmupSteps, 0...1_000_000_000) }
        try check("clip_grad", clipGrad, 0...1e12)
        try check("scale_min", scaleMin, 0.05...20)
        try check("scale_max", scaleMax, 0.05...20)
        if scaleMin > scaleMax { try fail("scale_min \(scaleMin) is larger than scale_max \(scaleMax)") }
        try check("ignore_index", ignoreIndex, 0...65_535)
        try check("val_every", valEvery, 1...Int(Int32.max))
        try check("val_images", valImages, 0...10_000_000)
        try check("checkpoint_every", checkpointEvery, 1...Int(Int32.max))
        try check("keep_checkpoints", keepCheckpoints, 1...100_000)
        try check("log_every", logEvery, 1...Int(Int32.max))
        try check("cache_mb", cacheMB, 0...1_000_000)
    }

    /// Reads a YAML file (bounded like every configuration file).
    public static func load(yaml url: URL) throws -> FinetuneConfig {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigurationError(description: "\(url.path): cannot be read (\(error.localizedDescription))")
        }
        do {
            try YAMLGuard.check(text)
            return try YAMLDecoder().decode(FinetuneConfig.self, from: text)
        } catch {
            throw ConfigurationError(description: "\(url.path): \(TrainingConfig.describe(error))")
        }
    }

    public func yaml() throws -> String { try YAMLEncoder().encode(self) }

    /// Applies `key=value` overrides (YAML scalars); unknown keys name the key and the nearest known one.
    public func overriding(_ assignments: [String]) throws -> FinetuneConfig {
        if assignments.isEmpty { return self }
        var tree = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as! [String: Any]
        for a in assignments {
            guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
                throw ConfigurationError(description: "override '\(a)' is not key=value")
            }
            let key = String(a[..<eq]), raw = String(a[a.index(after: eq)...])
            guard CodingKeys(stringValue: key) != nil else {
                throw ConfigurationError(description: "override '\(key)': " + ConfigurationKeys.unknown(key, known: CodingKeys.allCases.map(\.rawValue)))
            }
            do { try YAMLGuard.check(raw) } catch { throw ConfigurationError(description: "override '\(a)': \(error)") }
            let value: Any = (try? Yams.load(yaml: raw)).flatMap { $0 } ?? raw
            switch value {
            case let d as Double where !d.isFinite:
                throw ConfigurationError(description: "override '\(key)': \(raw) is not a finite number")
            case is [Any], is [AnyHashable: Any]:
                throw ConfigurationError(description: "override '\(key)': the value must be a single number, word or boolean, not \(raw)")
            default: break
            }
            // string fields keep their text as written (a folder named 123 stays "123")
            tree[key] = ["init", "data", "out"].contains(key) ? raw : value
        }
        do {
            return try JSONDecoder().decode(FinetuneConfig.self, from: JSONSerialization.data(withJSONObject: tree))
        } catch {
            throw ConfigurationError(description: "overrides \(assignments): \(TrainingConfig.describe(error))")
        }
    }
}

/// The per-pixel training loss.
public enum SegmentationLoss: String, Codable, Sendable, CaseIterable {
    /// Softmax cross-entropy over the classes, ignored pixels left out.
    case crossEntropy = "ce"
    /// For one foreground class: cross-entropy (which is BCE on the two classes) plus the soft Dice loss of
    /// the foreground probability over the counted pixels.
    case diceBCE = "dice_bce"
}
