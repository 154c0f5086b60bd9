import Data
import Engine
import Foundation
import Models

/// Weights to start from, in whichever format the user has, under the official keys: an rmae run folder or
/// checkpoint, a safetensors file with official or timm keys (`rmae export`, `tools/convert_pth.py`, timm's
/// own files), or a Hugging Face ViTMAE folder (`config.json` + `model.safetensors`, or sharded with
/// `model.safetensors.index.json`). The format is recognised from the files themselves.
public struct InitialWeights {
    public enum Format: String, Sendable {
        case rmaeCheckpoint = "rmae checkpoint"
        case official = "official state_dict"
        case timm = "timm ViT encoder"
        case huggingFace = "Hugging Face ViTMAE"
    }

    /// Tensors under the official keys (trainable parameters and, where the file has them, frozen tables).
    public var tensors: [String: Tensor]
    /// The model configuration that came with the weights, when there is one.
    public var config: ModelConfig?
    public var format: Format
    /// The file read (for a folder: its weights file).
    public var source: URL
    /// Keys of the file that have no official counterpart (reported as dropped).
    public var unplaced: [String] = []

    /// Reads `path`, recognising its format. Errors name the file and what is wrong.
    public static func read(_ path: String) throws -> InitialWeights {
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw InitialWeightsError(description: "'\(path)' does not exist")
        }
        if isFolder.boolValue {
            let configURL = url.appendingPathComponent("config.json")
            if FileManager.default.fileExists(atPath: configURL.path) { return try huggingFace(folder: url) }
            if let latest = Checkpoint.latest(url) { return try file(latest) }
            let final = url.appendingPathComponent("model_final.safetensors")
            if FileManager.default.fileExists(atPath: final.path) { return try file(final) }
            throw InitialWeightsError(description: "'\(path)' is a folder with neither config.json (Hugging Face), checkpoints/step_*.safetensors nor model_final.safetensors (an rmae run)")
        }
        return try file(url)
    }

    /// One safetensors file: an rmae checkpoint, official/timm keys, or Hugging Face keys with a
    /// `config.json` beside it.
    static func file(_ url: URL) throws -> InitialWeights {
        let st = try SafeTensors.read(url)
        if st.metadata["format"] == "rmae-swift checkpoint" {
            let c = try Checkpoint.read(url)
            return InitialWeights(tensors: c.parameters, config: c.config.model, format: .rmaeCheckpoint, source: url)
        }
        if HuggingFaceViTMAE.looksLike(st.tensors.keys) {
            let configURL = url.deletingLastPathComponent().appendingPathComponent("config.json")
            guard FileManager.default.fileExists(atPath: configURL.path) else {
                throw InitialWeightsError(description: "\(url.path) has Hugging Face ViTMAE keys but no config.json beside it (pass the folder)")
            }
            return try huggingFace(folder: url.deletingLastPathComponent(), weights: [url])
        }
        let stored = try st.metadata["config"].map { json -> ModelConfig in
            do {
                let c = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
                try c.validate()
                return c
            } catch { throw InitialWeightsError(description: "\(url.path): the model configuration in its metadata is unusable: \(error)") }
        }
        guard st.tensors["patch_embed.proj.weight"] != nil, st.tensors.keys.contains(where: { $0.hasPrefix("blocks.0.") }) else {
            throw InitialWeightsError(description: "\(url.path) is not a ViT state dict: no patch_embed.proj.weight / blocks.0.* (official, timm), no vit.embeddings.* (Hugging Face) and no rmae checkpoint metadata")
        }
        let whole = st.tensors["decoder_embed.weight"] != nil || st.tensors.keys.contains { $0.hasPrefix("region_") }
        return InitialWeights(tensors: st.tensors, config: stored, format: whole ? .official : .timm, source: url)
    }

    /// A Hugging Face folder: `config.json` and `model.safetensors` (or the shards its index lists).
    static func huggingFace(folder: URL, weights given: [URL]? = nil) throws -> InitialWeights {
        let configURL = folder.appendingPathComponent("config.json")
        let hfConfig = try HuggingFaceViTMAE.readConfig(configURL)
        var config: ModelConfig
        do {
            config = try hfConfig.modelConfig()
            if let (mean, std) = try HuggingFaceViTMAE.readNormalization(folder.appendingPathComponent("preprocessor_config.json")) {
                (config.pixelMean, config.pixelStd) = (mean, std)
            }
        } catch {
            throw InitialWeightsError(description: "\(configURL.path): \(error)")
        }
        var files = given ?? []
        if files.isEmpty {
            let single = folder.appendingPathComponent("model.safetensors")
            let index = folder.appendingPathComponent("model.safetensors.index.json")
            if FileManager.default.fileExists(atPath: single.path) {
                files = [single]
            } else if FileManager.default.fileExists(atPath: index.path) {
                struct Index: Decodable { let weight_map: [String: String] }
                guard let data = try? Data(contentsOf: index), let map = try? JSONDecoder().decode(Index.self, from: data) else {
                    throw InitialWeightsError(description: "\(index.path) is not a safetensors index (no weight_map)")
                }
                files = Set(map.weight_map.values).sorted().map { folder.appendingPathComponent($0) }
            } else {
                throw InitialWeightsError(description: "\(folder.path) has config.json but no model.safetensors (PyTorch .bin files: convert with safetensors first)")
            }
        }
        var raw: [String: Tensor] = [:]
        for f in files { raw.merge(try SafeTensors.read(f).tensors) { a, _ in a } }
        let mapped: (tensors: [String: Tensor], unplaced: [String])
        do { mapped = try HuggingFaceViTMAE.officialTensors(raw) } catch {
            throw InitialWeightsError(description: "\(files[0].path): \(error)")
        }
        return InitialWeights(tensors: mapped.tensors, config: config, format: .huggingFace, source: files[0], unplaced: mapped.unplaced)
    }

    /// What loading did, key by key.
    public struct Report: Sendable {
        /// Parameters taken from the file.
        public var loaded: [String] = []
        /// Parameters of the model the file did not have (kept at their fresh initialisation).
        public var initialised: [String] = []
        /// Keys of the file the model has no parameter for.
        public var dropped: [String] = []
        /// What became of the file's frozen position tables.
        public var tables: [String] = []

        /// Log lines: counts and the names grouped (`blocks.*` for every block's keys).
        public var lines: [String] {
            func groups(_ names: [String]) -> String {
                var counts: [String: Int] = [:]
                for n in names {
                    let parts = n.split(separator: ".")
                    let g = parts.count > 1 && Int(parts[1]) != nil ? "\(parts[0]).*" : n
                    counts[g, default: 0] += 1
                }
                return counts.keys.sorted().map { counts[$0]! > 1 ? "\($0) (\(counts[$0]!))" : $0 }.joined(separator: ", ")
            }
            var out = ["loaded \(loaded.count) tensors: \(groups(loaded))"]
            if !initialised.isEmpty { out.append("initialised \(initialised.count) tensors afresh (not in the file): \(groups(initialised))") }
            if !dropped.isEmpty { out.append("dropped \(dropped.count) tensors of the file (no place in this model): \(groups(dropped))") }
            out += tables
            return out
        }
    }

    /// timm's `adapt_input_conv` for RGB weights `[O, 3, p, p]`: one channel sums the three; C channels tile
    /// them and scale by 3 / C.
    static func adaptInputConv(_ w: Tensor, channels: Int) -> Tensor {
        let (o, p2) = (w.shape[0], w.shape[2] * w.shape[3])
        let v = w.scalars
        var out = [Float](repeating: 0, count: o * channels * p2)
        for i in 0..<o {
            for c in 0..<channels {
                for k in 0..<p2 {
                    let value: Float
                    if channels == 1 {
                        value = v[(i * 3 + 0) * p2 + k] + v[(i * 3 + 1) * p2 + k] + v[(i * 3 + 2) * p2 + k]
                    } else {
                        value = v[(i * 3 + c % 3) * p2 + k] * (3 / Float(channels))
                    }
                    out[(i * channels + c) * p2 + k] = value
                }
            }
        }
        return Tensor(shape: [o, channels, w.shape[2], w.shape[3]], out)
    }

    /// `model` with every parameter the file holds. Shapes must agree (a different patch size, width or
    /// channel count is an error saying which); a different image size is fine. `strict`: the file must hold
    /// every parameter of the model and nothing else. `fileTables`: the file's frozen position tables are used
    /// (``RegionMAE/withPositionTables(_:)``: as stored, or recomputed / resized for another grid), as running
    /// an imported model needs; false keeps the model's sin-cos tables (pre-training builds them, as the
    /// official code does) and notes where the file's differ.
    public func applied(to model: RegionMAE, strict: Bool, fileTables: Bool = true) throws -> (model: RegionMAE, report: Report) {
        var report = Report()
        let frozen = Set(model.frozenTensors.map(\.name) + ["pos_embed", "decoder_pos_embed"])
        var parameters: [String: Tensor] = [:]
        for (name, current) in model.namedParameters() {
            guard let t = tensors[name] else { report.initialised.append(name); continue }
            // RGB weights into a model of another channel count: timm's adapt_input_conv for the patch
            // embedding; the pixel decoder's output predicts other channels and starts fresh.
            if name == "patch_embed.proj.weight", t.rank == 4, current.rank == 4, t.shape[1] == 3, current.shape[1] != 3,
               t.shape[0] == current.shape[0], t.shape[2...] == current.shape[2...] {
                parameters[name] = Self.adaptInputConv(t, channels: current.shape[1])
                report.loaded.append(name)
                report.tables.append("patch_embed.proj.weight: RGB weights adapted to \(current.shape[1]) input channel(s) (timm's adapt_input_conv: \(current.shape[1] == 1 ? "summed over R, G, B" : "tiled and scaled by 3/\(current.shape[1])"))")
                continue
            }
            let inChans = model.config.inChans
            if name.hasPrefix("decoder_pred."), inChans != 3, t.shape.count == current.shape.count,
               t.shape.dropFirst() == current.shape.dropFirst(), t.shape[0] * inChans == current.shape[0] * 3 {
                report.initialised.append(name)
                report.tables.append("\(name): predicts \(model.config.inChans) channel(s) here, RGB in the file: initialised afresh")
                continue
            }
            guard t.shape == current.shape else {
                if name == "patch_embed.proj.weight", t.rank == 4 {
                    if t.shape[2] != current.shape[2] {
                        throw InitialWeightsError(description: "\(source.path): patch size \(t.shape[2]) in the file, \(current.shape[2]) in this model (patch_embed.proj.weight \(t.shape) vs \(current.shape)); set patch_size=\(t.shape[2])")
                    }
                    if t.shape[1] != current.shape[1] {
                        throw InitialWeightsError(description: "\(source.path): \(t.shape[1]) input channels in the file, \(current.shape[1]) in this model (patch_embed.proj.weight)")
                    }
                }
                throw InitialWeightsError(description: "\(source.path): '\(name)' has shape \(t.shape) in the file, \(current.shape) in this model (another width, depth or MLP ratio: set the model to the file's)")
            }
            parameters[name] = t
            report.loaded.append(name)
        }
        let own = Set(model.namedParameters().map(\.name))
        var fileFrozen: [String: Tensor] = [:]
        for key in tensors.keys.sorted() where !own.contains(key) {
            if frozen.contains(key) || key.hasSuffix("pos_embed") { fileFrozen[key] = tensors[key] } else { report.dropped.append(key) }
        }
        report.dropped += unplaced
        if strict && (!report.initialised.isEmpty || !report.dropped.isEmpty) {
            throw InitialWeightsError(description: "\(source.path): strict loading refuses the mismatch: "
                + (report.initialised.isEmpty ? "" : "missing \(report.initialised.prefix(6).joined(separator: ", "))\(report.initialised.count > 6 ? " and \(report.initialised.count - 6) more" : ""); ")
                + (report.dropped.isEmpty ? "" : "unexpected \(report.dropped.prefix(6).joined(separator: ", "))\(report.dropped.count > 6 ? " and \(report.dropped.count - 6) more" : "")"))
        }
        var loaded = try model.loading(parameters, strict: false)
        if fileTables {
            do { (loaded, report.tables) = try loaded.withPositionTables(fileFrozen) } catch {
                throw InitialWeightsError(description: "\(source.path): \(error)")
            }
        } else {
            for (name, ours) in model.frozenTensors {
                guard let t = fileFrozen[name] else { continue }
                if t.shape != ours.shape {
                    report.tables.append("\(name): sin-cos rebuilt for this model's patch grid (file \(t.shape))")
                } else if !zip(t.scalars, ours.scalars).allSatisfy({ abs($0 - $1) <= 1e-5 }) {
                    report.tables.append("\(name): the file's table is not the sin-cos one; pre-training uses sin-cos, as the official code builds it")
                }
            }
        }
        return (loaded, report)
    }
}

public struct InitialWeightsError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
