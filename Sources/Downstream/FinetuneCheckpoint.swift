import Data
import Engine
import Foundation
import Training

/// The full state of a fine-tuning run (weights, AdamW moments, the update count, the recipe and the model
/// shape), in one safetensors file under `RUN/checkpoints/step_NNNNNNNN.safetensors`; written atomically,
/// with a CRC-32C of the payload, like pre-training checkpoints. The data order, augmentation and drop path
/// of an update are functions of the seed and the update count, so resuming continues bit for bit.
public struct FinetuneCheckpoint {
    public var step: Int
    public var adamStep: Int
    public var parameters: [String: Tensor]
    public var firstMoment: [String: Tensor]
    public var secondMoment: [String: Tensor]
    public var config: FinetuneConfig
    public var model: SegmentationModelConfig
    /// Class names, background first.
    public var classNames: [String]

    public static let format = "rmae-swift finetune checkpoint"

    public init(step: Int, adamStep: Int, parameters: [String: Tensor], firstMoment: [String: Tensor], secondMoment: [String: Tensor],
                config: FinetuneConfig, model: SegmentationModelConfig, classNames: [String]) {
        (self.step, self.adamStep, self.parameters, self.firstMoment, self.secondMoment) = (step, adamStep, parameters, firstMoment, secondMoment)
        (self.config, self.model, self.classNames) = (config, model, classNames)
    }

    /// The metadata every fine-tuned weights file carries (checkpoints and `model_final.safetensors`).
    static func describing(model: SegmentationModelConfig, classNames: [String]) throws -> [String: String] {
        ["segmentation_model": String(decoding: try JSONEncoder().encode(model), as: UTF8.self),
         "class_names": String(decoding: try JSONEncoder().encode(classNames), as: UTF8.self)]
    }

    public func write(to url: URL) throws {
        let tensors = Checkpoint.payload(parameters: parameters, firstMoment: firstMoment, secondMoment: secondMoment)
        if let name = Checkpoint.firstNonFinite(tensors) {
            throw SafeTensorsError(url: url, reason: "not written: tensor '\(name)' holds non-finite values")
        }
        var metadata = try Self.describing(model: model, classNames: classNames)
        metadata["format"] = Self.format
        metadata["state"] = "{\"step\":\(step),\"adam_step\":\(adamStep)}"
        metadata["config"] = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        metadata[Checkpoint.checksumKey] = String(Checkpoint.payloadChecksum(tensors), radix: 16)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// Reads and checks a checkpoint; every error names the file.
    public static func read(_ url: URL) throws -> FinetuneCheckpoint {
        let file = try SafeTensors.read(url)
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(url: url, reason: reason) }
        guard file.metadata["format"] == format, let state = file.metadata["state"], let configJSON = file.metadata["config"] else {
            throw fail("is not an rmae-swift fine-tuning checkpoint (no format/state/config metadata)")
        }
        struct State: Decodable { var step: Int; var adam_step: Int }
        guard let s = try? JSONDecoder().decode(State.self, from: Data(state.utf8)),
              (0...1_000_000_000_000).contains(s.step), (0...1_000_000_000_000).contains(s.adam_step) else {
            throw fail("has unreadable or out-of-range state metadata '\(state)'")
        }
        let config: FinetuneConfig
        do { config = try JSONDecoder().decode(FinetuneConfig.self, from: Data(configJSON.utf8)) } catch {
            throw fail("has an invalid configuration in its metadata: \(TrainingConfig.describe(error))")
        }
        let (model, names) = try FinetunedWeights.describe(file, url: url)
        let (params, m, v) = try Checkpoint.verifiedPayload(file, url: url)
        return FinetuneCheckpoint(step: s.step, adamStep: s.adam_step, parameters: params, firstMoment: m, secondMoment: v,
                                  config: config, model: model, classNames: names)
    }

    /// The newest checkpoint of a run that reads back intact (corrupt newer ones are reported and renamed
    /// `….corrupt`); nil when the run has none.
    public static func newestIntact(in runDirectory: URL, warn: (String) -> Void) throws -> (FinetuneCheckpoint, URL)? {
        try Checkpoint.newestIntact(in: runDirectory, reading: read, warn: warn)
    }
}

/// Fine-tuned weights for inference: a fine-tuning checkpoint, a run folder (its `model_final.safetensors`,
/// else its newest checkpoint), or `model_final.safetensors` itself.
public enum FinetunedWeights {
    /// The model shape and class names from a file's metadata.
    static func describe(_ file: SafeTensors.File, url: URL) throws -> (SegmentationModelConfig, [String]) {
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(url: url, reason: reason) }
        guard let json = file.metadata["segmentation_model"], let namesJSON = file.metadata["class_names"] else {
            throw fail("is not fine-tuned segmentation weights (no segmentation_model/class_names metadata; `rmae finetune` writes them)")
        }
        let model: SegmentationModelConfig, names: [String]
        do {
            model = try JSONDecoder().decode(SegmentationModelConfig.self, from: Data(json.utf8))
            names = try JSONDecoder().decode([String].self, from: Data(namesJSON.utf8))
            try model.validate()
        } catch {
            throw fail("has an unusable segmentation_model/class_names metadata: \(error)")
        }
        guard names.count == model.classes else { throw fail("names \(names.count) classes for a model of \(model.classes)") }
        return (model, names)
    }

    /// Loads the model and its class names.
    public static func load(_ path: String) throws -> (model: SegmentationViT, classNames: [String], source: URL) {
        let url = URL(fileURLWithPath: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw SegmentationConfigError(description: "--checkpoint: '\(path)' does not exist")
        }
        var file = url
        if isDir.boolValue {
            let final = url.appendingPathComponent("model_final.safetensors")
            if FileManager.default.fileExists(atPath: final.path) { file = final }
            else if let latest = Checkpoint.list(in: url).last { file = latest }
            else { throw SegmentationConfigError(description: "--checkpoint: '\(path)' holds neither model_final.safetensors nor checkpoints/step_*.safetensors") }
        }
        let contents = try SafeTensors.read(file)
        let (config, names) = try describe(contents, url: file)
        var parameters = contents.tensors
        if contents.metadata["format"] == FinetuneCheckpoint.format {
            parameters = try FinetuneCheckpoint.read(file).parameters
        }
        if let name = Checkpoint.firstNonFinite(parameters) {
            throw SafeTensorsError(url: file, reason: "tensor '\(name)' holds non-finite values (the weights diverged)")
        }
        let model = try SegmentationViT(config: config).loading(parameters)
        return (model, names, file)
    }
}
