import Foundation
import Models
import Yams

/// Everything a pre-training run needs, with the official / MAE field names in YAML (`blr`, `batch_size`,
/// `accum_iter`, `warmup_epochs`, ...). The model's own fields sit under `model:` with the official
/// constructor names. The effective configuration is written into the run directory as `config.yaml`.
public struct TrainingConfig: Codable, Equatable, Sendable {
    /// Model preset the configuration started from (informational; `model` holds the result).
    public var preset = "demo"
    public var model = ModelPresets.config(named: "demo")!
    /// Image folder (nested, ImageNet class folders or the COCO layout); nil = the embedded demo photos.
    public var data: String?
    /// Regions: `auto` (FH computed and cached), `coco:FILE.json` (COCO-format instance masks, e.g. SAM),
    /// `png:DIR` (PNG instance maps, 0 = none), or a folder of FH `.npy` stacks parallel to the images.
    public var regions = "auto"
    /// Input normalisation: `imagenet` (the official one), `auto` (per-channel mean and std measured on up to
    /// 512 training images at the start of the run) or explicit `M,M,M/S,S,S` in [0, 1] units. Whichever is
    /// used is recorded as `model.pixel_mean` / `model.pixel_std` and travels with the weights.
    public var normalization = "imagenet"
    /// Run directory (checkpoints, metrics, config, pictures).
    public var out = "runs/demo"
    /// Global batch of one micro-step, all ranks together (an update sees batch_size × accum_iter images).
    public var batchSize = 32
    /// Micro-batches per optimizer update (gradient accumulation).
    public var accumIter = 1
    /// Base learning rate: peak lr = blr × batch_size × accum_iter / 256 (released config 1.5e-4; paper 1e-4).
    public var blr = 1.5e-4
    /// Absolute peak learning rate; overrides `blr` when set.
    public var lr: Double?
    public var weightDecay = 0.05
    public var beta1 = 0.9
    public var beta2 = 0.95
    /// Optimizer updates to train for; `epochs` is used when this is nil.
    public var steps: Int?
    public var epochs = 400
    /// Warm-up in updates; `warmup_epochs` is used when this is nil.
    public var warmupSteps: Int?
    public var warmupEpochs = 40.0
    /// Global-norm gradient clipping (0 = off, as released).
    public var clipGrad = 0.0
    public var seed: UInt64 = 0
    public var numWorkers = 2
    /// Fraction of the images held out for validation (by a stable hash of the path).
    public var valFraction = 0.05
    /// Validation views at least: the held-out split, topped up with fixed views of training photos when it
    /// is smaller (``ValidationViews``); 0 = the held-out split alone.
    public var valImages = 16
    public var valEvery = 100
    public var checkpointEvery = 100
    public var keepCheckpoints = 3
    public var logEvery = 10

    /// The recipe of a preset. The CPU presets are tuned to learn on the embedded photos on two cores: `demo`
    /// in about five minutes of training on an AVX2 2-core machine (1200 updates of 32 images; docs/demo-preset-exploration.md), `cpu-1h` in about an hour on an AVX2 machine (6000 updates
    /// of 32 images of the larger model; about 35 minutes where OpenBLAS runs AVX-512 kernels), both at peak lr 1.25e-3 (blr 1e-2) with a short warm-up and cosine decay; the ViT
    /// presets get the official ImageNet recipe (global batch 4096, 800 epochs, 40 warm-up epochs, blr 1.5e-4,
    /// AdamW 0.9/0.95, wd 0.05).
    public init(preset: String = "demo") {
        self.preset = preset
        if let m = ModelPresets.config(named: preset) { model = m }
        out = "runs/\(preset)"
        switch preset {
        case "demo":
            batchSize = 32; blr = 1e-2; steps = 1200; warmupSteps = 100
            valEvery = 200; checkpointEvery = 400; logEvery = 20; valFraction = 0.05
        case "cpu-1h":
            batchSize = 32; blr = 1e-2; steps = 6000; warmupSteps = 400
            valEvery = 500; checkpointEvery = 1000; logEvery = 20; valFraction = 0.05
        default:
            batchSize = 4096; blr = 1.5e-4; steps = nil; epochs = 800; warmupSteps = nil; warmupEpochs = 40
            valEvery = 1000; checkpointEvery = 1000; logEvery = 20; valFraction = 0.01; numWorkers = 8
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case preset, model, data, regions, normalization, out, lr, blr, steps, epochs, seed
        case batchSize = "batch_size", accumIter = "accum_iter", weightDecay = "weight_decay"
        case beta1, beta2, warmupSteps = "warmup_steps", warmupEpochs = "warmup_epochs", clipGrad = "clip_grad"
        case numWorkers = "num_workers", valFraction = "val_fraction", valImages = "val_images", valEvery = "val_every"
        case checkpointEvery = "checkpoint_every", keepCheckpoints = "keep_checkpoints", logEvery = "log_every"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        func corrupt(_ text: String) -> DecodingError { .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text)) }
        // Every key must be known (YAML, overrides and checkpoint metadata all arrive here).
        for key in try decoder.container(keyedBy: AnyDecodable.DynamicKey.self).allKeys.map(\.stringValue)
        where CodingKeys(stringValue: key) == nil {
            throw corrupt(ConfigurationKeys.unknown(key, known: CodingKeys.allCases.map(\.rawValue)))
        }
        // The preset's recipe first, then every field the file gives.
        let preset = try c.decodeIfPresent(String.self, forKey: .preset) ?? "demo"
        guard ModelPresets.config(named: preset) != nil else {
            throw corrupt("unknown preset '\(preset)' (known: \(ModelPresets.names.joined(separator: ", ")))")
        }
        self.init(preset: preset)
        if c.contains(.model) {
            // model fields missing from the file keep the preset's values
            let base = try JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as! [String: Any]
            let section = try c.decode(AnyDecodable.self, forKey: .model).value
            guard let given = section as? [String: Any] else {
                throw corrupt("model must be a mapping of model fields (model.num_heads, ...), got \(section)")
            }
            for key in given.keys where !ModelConfig.keys.contains(key) {
                throw corrupt(ConfigurationKeys.unknown("model.\(key)", known: ModelConfig.keys.map { "model.\($0)" }))
            }
            let merged = base.merging(given) { _, new in new }
            model = try JSONDecoder().decode(ModelConfig.self, from: JSONSerialization.data(withJSONObject: merged))
        }
        if c.contains(.data) { data = try c.decodeIfPresent(String.self, forKey: .data) }
        try get(.regions, &regions); try get(.normalization, &normalization); try get(.out, &out); try get(.batchSize, &batchSize); try get(.accumIter, &accumIter)
        try get(.blr, &blr)
        if c.contains(.lr) { lr = try c.decodeIfPresent(Double.self, forKey: .lr) }
        try get(.weightDecay, &weightDecay); try get(.beta1, &beta1); try get(.beta2, &beta2)
        if c.contains(.steps) { steps = try c.decodeIfPresent(Int.self, forKey: .steps) }
        try get(.epochs, &epochs)
        if c.contains(.warmupSteps) { warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) }
        try get(.warmupEpochs, &warmupEpochs); try get(.clipGrad, &clipGrad); try get(.seed, &seed)
        try get(.numWorkers, &numWorkers); try get(.valFraction, &valFraction); try get(.valImages, &valImages); try get(.valEvery, &valEvery)
        try get(.checkpointEvery, &checkpointEvery); try get(.keepCheckpoints, &keepCheckpoints); try get(.logEvery, &logEvery)
        do { try validate() } catch let e as ConfigurationError { throw corrupt(e.description) }
    }

    /// Peak learning rate for the global batch.
    public var peakLearningRate: Double { lr ?? blr * Double(batchSize * accumIter) / 256 }

    /// Total updates and warm-up updates, given the updates in one epoch.
    public func schedule(updatesPerEpoch: Int) -> (total: Int, warmup: Int) {
        let total = steps ?? epochs * max(1, updatesPerEpoch)
        let warmup = warmupSteps ?? Int((warmupEpochs * Double(max(1, updatesPerEpoch))).rounded())
        return (total, min(warmup, total))
    }

    /// Checks values a run cannot start with: every number against its allowed range (the message names the
    /// key, the value and the range), then the model (``ModelConfig/validate()``). YAML files, `key=value`
    /// overrides and checkpoint metadata all pass through here (decoding calls it).
    /// `M,M,M/S,S,S` as mean and std; errors say what is wrong.
    public static func explicitNormalization(_ text: String) throws -> (mean: [Double], std: [Double]) {
        let halves = text.split(separator: "/", omittingEmptySubsequences: false)
        let parts = halves.map { $0.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) } }
        guard halves.count == 2, parts.allSatisfy({ ($0.count == 3 || $0.count == 1) && $0.allSatisfy { $0 != nil } }),
              parts[0].count == parts[1].count else {
            throw ConfigurationError(description: "normalization '\(text)' is not imagenet, auto, M,M,M/S,S,S or M/S (means / stds in [0, 1] units, one per input channel)")
        }
        let mean = parts[0].map { $0! }, std = parts[1].map { $0! }
        guard mean.allSatisfy({ $0.isFinite && $0 >= -1 && $0 <= 2 }), std.allSatisfy({ $0.isFinite && $0 > 1e-6 && $0 <= 10 }) else {
            throw ConfigurationError(description: "normalization '\(text)': means must lie in [-1, 2] and stds in (1e-6, 10]")
        }
        return (mean, std)
    }

    public func validate() throws {
        func fail(_ s: String) throws -> Never { throw ConfigurationError(description: s) }
        func check(_ key: String, _ value: Int, _ range: ClosedRange<Int>) throws {
            if !range.contains(value) { try fail("\(key) \(value) is outside the allowed range \(range.lowerBound)...\(range.upperBound)") }
        }
        func check(_ key: String, _ value: Double, _ range: ClosedRange<Double>, open: Bool = false) throws {
            if !value.isFinite || !range.contains(value) || (open && value == range.upperBound) {
                try fail("\(key) \(value) is outside the allowed range [\(range.lowerBound), \(range.upperBound)\(open ? ")" : "]")")
            }
        }
        if normalization != "imagenet" && normalization != "auto" {
            do { _ = try Self.explicitNormalization(normalization) } catch { try fail("\(error)") }
        }
        if ModelPresets.config(named: preset) == nil {
            try fail("preset '\(preset)' is unknown (known: \(ModelPresets.names.joined(separator: ", ")))")
        }
        try check("batch_size", batchSize, 1...(1 << 20))
        try check("accum_iter", accumIter, 1...(1 << 16))
        try check("blr", blr, 0...1e3)
        if let lr { try check("lr", lr, 0...1e3) }
        try check("weight_decay", weightDecay, 0...1e3)
        try check("beta1", beta1, 0...1, open: true)
        try check("beta2", beta2, 0...1, open: true)
        if let steps { try check("steps", steps, 1...1_000_000_000) }
        if steps == nil { try check("epochs", epochs, 1...1_000_000) }
        if let warmupSteps { try check("warmup_steps", warmupSteps, 0...1_000_000_000) }
        try check("warmup_epochs", warmupEpochs, 0...1e6)
        try check("clip_grad", clipGrad, 0...1e12)
        try check("num_workers", numWorkers, 0...256)
        try check("val_fraction", valFraction, 0...1, open: true)
        try check("val_images", valImages, 0...100_000)
        try check("val_every", valEvery, 1...Int(Int32.max))
        try check("checkpoint_every", checkpointEvery, 1...Int(Int32.max))
        try check("log_every", logEvery, 1...Int(Int32.max))
        try check("keep_checkpoints", keepCheckpoints, 1...100_000)
        do { try model.validate() } catch let e as ModelConfigError { try fail("model.\(e.description)") }
    }

    // MARK: - YAML and overrides

    /// Reads a YAML configuration file.
    public static func load(yaml url: URL) throws -> TrainingConfig {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigurationError(description: "\(url.path): cannot be read (\(error.localizedDescription))")
        }
        do { return try decode(yaml: text) } catch {
            throw ConfigurationError(description: "\(url.path): \(describe(error))")
        }
    }

    /// Decodes YAML text after ``YAMLGuard`` bounded its size, nesting, aliases and expansion and found no
    /// duplicate key.
    public static func decode(yaml text: String) throws -> TrainingConfig {
        try YAMLGuard.check(text)
        return try YAMLDecoder().decode(TrainingConfig.self, from: text)
    }

    /// The configuration as YAML.
    public func yaml() throws -> String { try YAMLEncoder().encode(self) }

    /// Applies `key=value` overrides; dotted keys reach into `model` (`model.num_region=4`). Values are YAML
    /// scalars (`1e-4`, `true`, `random_fg`). Unknown keys are an error naming the key.
    public func overriding(_ assignments: [String]) throws -> TrainingConfig {
        if assignments.isEmpty { return self }
        var tree = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as! [String: Any]
        let known = Set(tree.keys)
        let knownModel = Set((tree["model"] as? [String: Any] ?? [:]).keys).union(["use_mae_loss", "variant", "feeding"])
        for a in assignments {
            guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
                throw ConfigurationError(description: "override '\(a)' is not key=value")
            }
            let key = String(a[..<eq]), raw = String(a[a.index(after: eq)...])
            do { try YAMLGuard.check(raw) } catch { throw ConfigurationError(description: "override '\(a)': \(error)") }
            let value: Any = (try? Yams.load(yaml: raw)).flatMap { $0 } ?? raw
            switch value {
            case let d as Double where !d.isFinite:
                throw ConfigurationError(description: "override '\(key)': \(raw) is not a finite number")
            case is [Any], is [AnyHashable: Any]:
                throw ConfigurationError(description: "override '\(key)': the value must be a single number, word or boolean, not \(raw)")
            default: break
            }
            let path = key.split(separator: ".").map(String.init)
            if path.count == 1 {
                guard known.contains(key) || CodingKeys(stringValue: key) != nil else {
                    throw ConfigurationError(description: "override '\(key)': " + ConfigurationKeys.unknown(key, known: CodingKeys.allCases.map(\.rawValue)))
                }
                if key == "preset" {
                    guard ModelPresets.config(named: raw) != nil else {
                        throw ConfigurationError(description: "override preset=\(raw): unknown preset (known: \(ModelPresets.names.joined(separator: ", ")))")
                    }
                    tree = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingConfig(preset: raw))) as! [String: Any]
                    continue
                }
                tree[key] = value
            } else if path.count == 2 && path[0] == "model" {
                guard knownModel.contains(path[1]) else {
                    throw ConfigurationError(description: "override '\(key)': " + ConfigurationKeys.unknown(key, known: ModelConfig.keys.map { "model.\($0)" }))
                }
                var m = tree["model"] as? [String: Any] ?? [:]
                m[path[1]] = value
                tree["model"] = m
            } else {
                throw ConfigurationError(description: "override '\(key)': "
                    + ConfigurationKeys.unknown(key, known: CodingKeys.allCases.map(\.rawValue) + ModelConfig.keys.map { "model.\($0)" }))
            }
        }
        do {
            return try JSONDecoder().decode(TrainingConfig.self, from: JSONSerialization.data(withJSONObject: tree))
        } catch {
            throw ConfigurationError(description: "overrides \(assignments): \(Self.describe(error))")
        }
    }

    public static func describe(_ error: Error) -> String {
        if let e = error as? DecodingError {
            switch e {
            case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx), let .keyNotFound(_, ctx), let .dataCorrupted(ctx):
                let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
                return "\(path.isEmpty ? "" : "field '\(path)': ")\(ctx.debugDescription)"
            @unknown default: break
            }
        }
        return "\(error)"
    }
}

/// A configuration problem, naming the field or file.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Any JSON-like value (for merging partial `model:` sections over a preset).
struct AnyDecodable: Decodable {
    let value: Any
    init(from decoder: Decoder) throws {
        if let c = try? decoder.container(keyedBy: DynamicKey.self) {
            var d: [String: Any] = [:]
            for k in c.allKeys { d[k.stringValue] = try c.decode(AnyDecodable.self, forKey: k).value }
            value = d
        } else if var c = try? decoder.unkeyedContainer() {
            var a: [Any] = []
            while !c.isAtEnd { a.append(try c.decode(AnyDecodable.self).value) }
            value = a
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { value = NSNull() }
            else if let b = try? c.decode(Bool.self) { value = b }
            else if let i = try? c.decode(Int.self) { value = i }
            else if let d = try? c.decode(Double.self) { value = d }
            else { value = try c.decode(String.self) }
        }
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
