import ArgumentParser
import Data
import Engine
import Foundation
import Models
import Regions
import Training
import Viz

/// What `--checkpoint` accepts: a training checkpoint file, a run directory (its latest checkpoint, or its
/// `model_final.safetensors` when it has none), or a `model_final.safetensors` itself (official keys, the
/// model configuration in its metadata).
enum ModelLoading {
    static func load(_ path: String) throws -> (model: RegionMAE, source: URL) {
        if let hf = try huggingFace(path) {
            do {
                let (model, _) = try hf.applied(to: try RegionMAE(config: hf.config!), strict: true)
                return (model, hf.source)
            } catch {
                throw ValidationError("--checkpoint: \(error) (a ViTMAEModel folder holds the encoder only: rmae probe and rmae finetune take it)")
            }
        }
        let file = try resolve(path)
        let safetensors = try SafeTensors.read(file)
        let config: ModelConfig, parameters: [String: Tensor]
        if safetensors.metadata["format"] == "rmae-swift checkpoint" {
            let checkpoint = try Checkpoint.read(file)
            (config, parameters) = (checkpoint.config.model, checkpoint.parameters)
        } else if let json = safetensors.metadata["config"] {
            (config, parameters) = (try modelConfig(json, file: file), safetensors.tensors)
        } else {
            throw ValidationError("--checkpoint: \(file.path) is neither an rmae-swift checkpoint nor a state_dict with a model config in its metadata")
        }
        // Pictures of NaN weights would be noise at best: say so instead.
        if let name = Checkpoint.firstNonFinite(parameters) {
            throw RuntimeError("--checkpoint: \(file.path): tensor '\(name)' holds non-finite values (the weights diverged); use an earlier checkpoint")
        }
        return (try RegionMAE(config: config).loading(parameters), file)
    }

    /// A model configuration from a file's metadata, validated; errors name the file.
    static func modelConfig(_ json: String, file: URL) throws -> ModelConfig {
        do {
            let config = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
            try config.validate()
            return config
        } catch {
            throw RuntimeError("--checkpoint: \(file.path): the model configuration in its metadata is unusable: \(error)")
        }
    }

    /// A backbone for `rmae probe`: everything ``load(_:)`` reads, and encoder-only files with timm keys
    /// (`rmae export --format timm`, or timm's own ViT weights: shapes give the size, `heads` or the stored
    /// configuration the heads). `positions` is the file's `pos_embed` when the model was built from shapes.
    static func loadEncoder(_ path: String, heads: Int?) throws -> (model: RegionMAE, positions: Tensor?, source: URL) {
        if let hf = try huggingFace(path) {
            do {
                let (model, report) = try hf.applied(to: try RegionMAE(config: hf.config!), strict: false)
                if let missing = report.initialised.first(where: { !$0.hasPrefix("decoder") && $0 != "mask_token" }) {
                    throw ValidationError("--checkpoint: \(hf.source.path): no '\(missing)' for the encoder")
                }
                return (model, nil, hf.source)
            } catch let e as InitialWeightsError { throw ValidationError("--checkpoint: \(e.description)") }
        }
        let file = try resolve(path)
        let safetensors = try SafeTensors.read(file)
        let stored = try safetensors.metadata["config"].map { try modelConfig($0, file: file) }
        let whole = safetensors.metadata["format"] == "rmae-swift checkpoint"
            || stored != nil && (safetensors.tensors["decoder_embed.weight"] != nil || safetensors.tensors["region_pred.1.weight"] != nil)
        if whole {
            let (model, source) = try load(path)
            return (model, nil, source)
        }
        do {
            let weights = try EncoderWeights(safetensors.tensors, stored: stored, heads: heads)
            return (try weights.model(), weights.positions, file)
        } catch let e as EncoderWeights.Problem {
            throw ValidationError("--checkpoint: \(file.path): \(e.description)")
        }
    }

    /// Throws unless images can feed `model` (1 or 3 input channels): for the commands that read photos.
    static func feedsImages(_ model: RegionMAE, _ source: URL) throws {
        do { try model.config.checkImageChannels() } catch {
            throw ValidationError("--checkpoint: \(source.path): \(error) (rmae forward and rmae export take any channel count)")
        }
    }

    /// Hugging Face ViTMAE weights when `path` is such a folder (or a safetensors file with Hugging Face keys
    /// and a config.json beside it); nil for every other kind of path.
    static func huggingFace(_ path: String) throws -> InitialWeights? {
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { return nil }
        let config = (isFolder.boolValue ? url : url.deletingLastPathComponent()).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: config.path) else { return nil }
        // One read: a file beside a config.json is Hugging Face's only when its keys say so.
        let weights: InitialWeights
        do { weights = try InitialWeights.read(path) } catch let e as InitialWeightsError {
            if !isFolder.boolValue { return nil }   // not a ViT file at all: the other readers name the problem
            throw ValidationError("--checkpoint: \(e.description)")
        }
        return weights.format == .huggingFace ? weights : nil
    }

    /// The file behind `--checkpoint`: a file itself, or a run directory's latest checkpoint or final weights.
    static func resolve(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ValidationError("--checkpoint: '\(path)' does not exist")
        }
        guard isFolder.boolValue else { return url }
        if let latest = Checkpoint.latest(url) { return latest }
        let file = url.appendingPathComponent("model_final.safetensors")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ValidationError("--checkpoint: '\(path)' holds neither checkpoints/step_*.safetensors nor model_final.safetensors")
        }
        return file
    }

    /// Decodes an image or fails with the decoder's message.
    static func image(_ path: String) throws -> RGBImage {
        do {
            return try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RuntimeError("\(error)")
        }
    }

    /// Parses `"X,Y"` (input-image pixels) and checks it lies inside a `width × height` image.
    static func point(_ text: String, width: Int, height: Int, option: String) throws -> (x: Double, y: Double) {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let x = parts[0], let y = parts[1] else {
            throw ValidationError("\(option): '\(text)' is not X,Y")
        }
        guard x >= 0, y >= 0, x < Double(width), y < Double(height) else {
            throw ValidationError("\(option): (\(text)) is outside the \(width)x\(height) image")
        }
        return (x, y)
    }

    /// Creates the folder that will hold `file`.
    static func prepareFolder(for file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    }

    /// Writes a command's report as pretty, key-sorted JSON (atomically) and says where.
    static func writeReport(_ report: some Encodable, to path: String, command: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let file = URL(fileURLWithPath: path)
        try prepareFolder(for: file)
        try encoder.encode(report).write(to: file, options: .atomic)
        print("\(command): report written to \(file.path)")
    }
}
