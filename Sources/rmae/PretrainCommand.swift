import ArgumentParser
import Foundation
import Engine
import Models
import Distributed
import Training
import Viz

/// `rmae pretrain`: the official recipe end to end; with no arguments, the demo preset on the embedded photos.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pre-train MAE, RAE or R-MAE (default: the demo preset on the embedded demo photos).",
        discussion: """
        Any configuration field can be set as key=value (model fields as model.KEY), e.g.
          rmae pretrain --preset vit-base --data /data/coco --regions /data/coco/image/fh_train2017 blr=1e-4 model.region_cross_layer=8
        The effective configuration is written to RUN_DIR/config.yaml.
        """)

    @Option(help: "YAML configuration file (official field names).") var config: String?
    @Option(help: "Model preset: \(ModelPresets.names.joined(separator: ", ")).") var preset: String?
    @Option(help: "Image folder (nested, ImageNet class folders, or the COCO layout). Default: the embedded demo photos.") var data: String?
    @Option(help: "Regions: 'auto' (FH computed and cached), 'coco:FILE.json' (COCO-format instance masks, e.g. SAM), 'png:DIR' (PNG instance maps, 0 = none), or a folder of .npy FH stacks parallel to the images.") var regions: String?
    @Option(help: "Run directory.") var out: String?
    @Option(help: "Optimizer updates to train for.") var steps: Int?
    @Option(help: "Epochs to train for (when --steps is not given).") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Global batch size.") var batchSize: Int?
    @Option(help: "Which model: mae, rae or rmae.") var model: String?
    @Option(help: "Region branch design: length (official), channel or batch.") var variant: String?
    @Option(help: "Branch connection: rae_from_mae (official) or two_way.") var feeding: String?
    @Option(help: "Start from these weights: an rmae run or checkpoint, a safetensors file with official or timm keys (tools/convert_pth.py for .pth), or a Hugging Face ViTMAE folder (config.json + model.safetensors). Another image size is fine (sin-cos tables are recomputed); MAE weights into R-MAE start the region branch fresh. The log lists what was loaded, initialised and dropped.") var `init`: String?
    @Flag(help: "With --init: refuse weights that lack a parameter of the model or hold one it has no place for.") var strictInit = false
    @Flag(help: "Continue from the latest checkpoint in the run directory.") var resume = false
    @Argument(help: "Configuration overrides, key=value.") var overrides: [String] = []

    /// The model of a run that starts from `weights`: the weights' own shape (patch, widths, depths, heads, MLP
    /// ratio, LayerNorm eps; the pixel decoder's when the file has one) over `model`, except for keys set on the
    /// command line (`model.KEY=…`). The image size stays the run's (position tables follow it).
    static func shape(of weights: InitialWeights, into model: ModelConfig, explicit overrides: [String]) throws -> ModelConfig {
        var file = weights.config
        if file == nil { file = (try? EncoderWeights(weights.tensors))?.config }
        guard let file else { return model }
        let set = Set(overrides.compactMap { o -> String? in
            guard o.hasPrefix("model."), let eq = o.firstIndex(of: "=") else { return nil }
            return String(o[o.index(o.startIndex, offsetBy: 6)..<eq])
        })
        var m = model
        var changed: [String] = []
        func take<T: Equatable>(_ key: String, _ path: WritableKeyPath<ModelConfig, T>) {
            guard !set.contains(key), m[keyPath: path] != file[keyPath: path] else { return }
            changed.append("\(key) \(m[keyPath: path]) -> \(file[keyPath: path])")
            m[keyPath: path] = file[keyPath: path]
        }
        take("patch_size", \.patchSize); take("embed_dim", \.embedDim); take("depth", \.depth)   // in_chans: the run's (its images)
        take("num_heads", \.numHeads); take("mlp_ratio", \.mlpRatio); take("layer_norm_eps", \.layerNormEps)
        let hasDecoder = weights.tensors["decoder_embed.weight"] != nil
        if hasDecoder {
            take("decoder_embed_dim", \.decoderEmbedDim); take("decoder_depth", \.decoderDepth); take("decoder_num_heads", \.decoderNumHeads)
        }
        if m.imgSize % m.patchSize != 0 {
            throw ValidationError("--init: the weights have patch size \(m.patchSize), which does not divide img_size \(m.imgSize); set model.img_size to a multiple of it")
        }
        if !changed.isEmpty {
            FileHandle.standardError.write(Data("--init: the model takes the shape of \(weights.source.path) (\(weights.format.rawValue)): \(changed.joined(separator: ", ")); img_size stays \(m.imgSize)\n".utf8))
        }
        return m
    }

    func run() throws {
        var c = TrainingConfig()
        var resumeFrom: Checkpoint?
        var initWeights: InitialWeights?   // read once: its shape shapes the model, its tensors start it
        if resume {
            let dir = URL(fileURLWithPath: out ?? c.out)
            let found: (Checkpoint, URL)?
            do {
                found = try Checkpoint.newestIntact(in: dir) { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
            } catch {
                throw RuntimeError("--resume: no intact checkpoint in \(dir.path)/checkpoints (the oldest: \(error))")
            }
            guard let (checkpoint, latest) = found else {
                throw ValidationError("--resume: no checkpoint in \(dir.path)/checkpoints")
            }
            resumeFrom = checkpoint
            c = checkpoint.config
            FileHandle.standardError.write(Data("resuming from \(latest.path)\n".utf8))
        } else {
            if let config { c = try TrainingConfig.load(yaml: URL(fileURLWithPath: config)) }
            if let preset {
                guard ModelPresets.config(named: preset) != nil else {
                    throw ValidationError("--preset: unknown preset '\(preset)' (known: \(ModelPresets.names.joined(separator: ", ")))")
                }
                c = try c.overriding(["preset=\(preset)"])
            }
            if let data { c.data = data }
            if let regions { c.regions = regions }
            if let batchSize { c.batchSize = batchSize }
            if let model {
                switch model {
                case "mae": c.model.numRegion = 0; c.model.useMaeLoss = true
                case "rae": c.model.useMaeLoss = false; if c.model.numRegion == 0 { c.model.numRegion = 8 }
                case "rmae": c.model.useMaeLoss = true; if c.model.numRegion == 0 { c.model.numRegion = 8 }
                default: throw ValidationError("--model: '\(model)' is not mae, rae or rmae")
                }
            }
            if let variant {
                guard let v = RegionVariant(rawValue: variant) else { throw ValidationError("--variant: '\(variant)' is not length, channel or batch") }
                c.model.variant = v
            }
            if let feeding {
                guard let f = Feeding(rawValue: feeding) else { throw ValidationError("--feeding: '\(feeding)' is not rae_from_mae or two_way") }
                c.model.feeding = f
            }
            c = try c.overriding(overrides)
            if let initPath = self.`init` {
                do { initWeights = try InitialWeights.read(initPath) } catch { throw ValidationError("--init: \(error)") }
                c.model = try Self.shape(of: initWeights!, into: c.model, explicit: overrides)
            }
        }
        if let out { c.out = out }
        if let steps { c.steps = steps }
        if let epochs { c.epochs = epochs; if steps == nil { c.steps = nil } }
        if resume && !overrides.isEmpty { c = try c.overriding(overrides) }
        if !resume && !MPIContext.launchedByLauncher && !Checkpoint.list(in: URL(fileURLWithPath: c.out)).isEmpty {
            // Never mix two runs in one directory: a chosen --out must be resumed; a default one gets a new name.
            if out != nil {
                throw ValidationError("--out: \(c.out) already holds checkpoints; add --resume to continue that run, or choose another --out")
            }
            var n = 2
            while !Checkpoint.list(in: URL(fileURLWithPath: "\(c.out)-\(n)")).isEmpty { n += 1 }
            FileHandle.standardError.write(Data("\(c.out) holds an earlier run; this one goes to \(c.out)-\(n) (use --resume to continue the earlier one)\n".utf8))
            c.out = "\(c.out)-\(n)"
        }
        StopSignal.install()
        let mpi = MPIContext.startIfLaunched()
        defer { mpi?.finish() }
        do {
            let summary = try PretrainRun.run(config: c, resume: resumeFrom, initWeights: initWeights, strictInit: strictInit,
                                              synchronizer: mpi.map(MPISynchronizer.init),
                                              log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
            if let mpi, mpi.rank != 0 { return }
            let first = summary.firstLoss.map { String(format: "%.4f", $0) } ?? "-"
            let last = summary.lastLoss.map { String(format: "%.4f", $0) } ?? "-"
            print("pretrain: updates \(summary.firstStep)→\(summary.lastStep), loss \(first)→\(last), \(String(format: "%.1f", summary.seconds)) s; run directory \(c.out) (checkpoints/, metrics.csv, events.out.tfevents.* for TensorBoard, model_final.safetensors, reconstruction.png)")
        } catch let e as TrainingError {
            throw RuntimeError(e.description)
        } catch let e as ConfigurationError {
            throw ValidationError(e.description)
        }
    }
}

/// An error message for the user, printed as is.
struct RuntimeError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// MPI as the training loop's gradient synchronizer.
final class MPISynchronizer: GradientSynchronizer {
    let mpi: MPIContext
    init(_ mpi: MPIContext) { self.mpi = mpi }
    var rank: Int { mpi.rank }
    var size: Int { mpi.size }
    func average(_ gradients: inout [String: Tensor], losses: inout [Double]) { mpi.averageInPlace(&gradients, extra: &losses) }
    func broadcast(_ tensors: inout [String: Tensor]) { mpi.broadcastFromRoot(&tensors) }
    func checksums(_ local: UInt64) -> [UInt64] { mpi.gather(local) }
}
