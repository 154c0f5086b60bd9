import ArgumentParser
import Distributed
import Downstream
import Foundation
import Models
import Training

/// `rmae finetune`: semantic-segmentation fine-tuning of a pre-trained (or scratch) ViT encoder.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a ViT encoder (pre-trained here, exported, or from scratch) for semantic segmentation.",
        discussion: """
            --data DIR in the mmsegmentation custom layout: DIR/train/images/*.{jpg,png} with DIR/train/labels/*.png \
            (same stem; 8- or 16-bit class ids, 0 = background, ignore_index 255), the same under DIR/val/, and \
            DIR/classes.txt (one name a line, line 1 = class 1). Any recipe field can be set as key=value, e.g.
              rmae finetune --init runs/demo --data data/seg --out runs/seg --head fpn blr=2e-3 layer_decay=0.65 drop_path=0.1
            Fields: \(FinetuneConfigFields.list). The run directory gets config.yaml, metrics.csv/jsonl, TensorBoard \
            events, checkpoints/, curves.png, predictions.png, model_final.safetensors and val_scores.json.
            """)

    @Option(name: .customLong("init"), help: "Where the encoder comes from: an rmae run folder or checkpoint (MAE, RAE or R-MAE: the encoder is taken), an exported official/timm encoder (.safetensors), or 'scratch'.") var initFrom: String?
    @Option(help: "Dataset root (train/, val/, classes.txt).") var data: String?
    @Option(help: "Run directory.") var out: String?
    @Option(help: "Optimizer updates to train for.") var steps: Int?
    @Option(help: "Decoder head: linear (Segmenter's linear decoder, default) or fpn (a light ViTDet-style feature pyramid).") var head: String?
    @Option(help: "YAML configuration file (the key=value field names).") var config: String?
    @Option(help: "Encoder shape for 'scratch' (a model preset; default demo).") var preset: String?
    @Flag(help: "Continue from the newest checkpoint in the run directory.") var resume = false
    @Argument(help: "Recipe overrides, key=value.") var overrides: [String] = []

    func run() throws {
        func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
        var c = FinetuneConfig()
        var resumeFrom: FinetuneCheckpoint?
        do {
            if resume {
                let dir = URL(fileURLWithPath: out ?? c.out)
                let found: (FinetuneCheckpoint, URL)?
                do { found = try FinetuneCheckpoint.newestIntact(in: dir) { note("warning: \($0)") } } catch {
                    throw RuntimeError("--resume: no intact checkpoint in \(dir.path)/checkpoints (the oldest: \(error))")
                }
                guard let (checkpoint, url) = found else { throw ValidationError("--resume: no checkpoint in \(dir.path)/checkpoints") }
                resumeFrom = checkpoint
                c = checkpoint.config
                note("resuming from \(url.path)")
                if !overrides.isEmpty { c = try c.overriding(overrides) }
            } else {
                if let config { c = try FinetuneConfig.load(yaml: URL(fileURLWithPath: config)) }
                c = try c.overriding(overrides)
                if let initFrom { c.initFrom = initFrom }
                if let data { c.data = data }
                if let head {
                    guard let kind = SegmentationHeadKind(rawValue: head) else { throw ValidationError("--head: '\(head)' is not linear or fpn") }
                    c.head = kind
                }
            }
            if let out { c.out = out }
            if let steps { c.steps = steps }
            try c.validate()
        } catch let e as ConfigurationError {
            throw ValidationError(e.description)
        }
        guard !c.data.isEmpty else { throw ValidationError("--data: give the dataset root (train/, val/, classes.txt)") }
        if !resume && !MPIContext.launchedByLauncher && !Checkpoint.list(in: URL(fileURLWithPath: c.out)).isEmpty {
            throw ValidationError("--out: \(c.out) already holds checkpoints; add --resume to continue that run, or choose another --out")
        }

        var initialization: FinetuneRun.Initialization?
        var scratch: ModelConfig?
        if resumeFrom == nil {
            if c.initFrom == "scratch" {
                let name = preset ?? "demo"
                guard let shape = ModelPresets.config(named: name) else {
                    throw ValidationError("--preset: unknown preset '\(name)' (known: \(ModelPresets.names.joined(separator: ", ")))")
                }
                scratch = shape
            } else {
                if preset != nil { throw ValidationError("--preset sets the shape of a scratch model; --init \(c.initFrom) brings its own") }
                let (model, positions, source) = try ModelLoading.loadEncoder(c.initFrom, heads: c.numHeads)
                try ModelLoading.feedsImages(model, source)
                let keep = model.namedParameters().filter { p in
                    p.name == "cls_token" || p.name.hasPrefix("patch_embed.") || p.name.hasPrefix("blocks.") || p.name.hasPrefix("norm.")
                }
                initialization = .init(tensors: Dictionary(uniqueKeysWithValues: keep.map { ($0.name, $0.value) }),
                                       positions: positions ?? model.posEmbed, model: model.config, source: source.path)
            }
        }

        StopSignal.install()
        let mpi = MPIContext.startIfLaunched()
        defer { mpi?.finish() }
        do {
            let summary = try FinetuneRun.run(config: c, initialization: initialization, scratchModel: scratch, resume: resumeFrom,
                                              synchronizer: mpi.map(MPISynchronizer.init), log: note)
            if let mpi, mpi.rank != 0 { return }
            let first = summary.firstLoss.map { String(format: "%.4f", $0) } ?? "-"
            let last = summary.lastLoss.map { String(format: "%.4f", $0) } ?? "-"
            print("finetune: updates \(summary.firstStep)→\(summary.lastStep), loss \(first)→\(last), \(String(format: "%.1f", summary.seconds)) s; run directory \(c.out) (model_final.safetensors, val_scores.json, predictions.png, curves.png, metrics.csv, checkpoints/)")
        } catch let e as TrainingError {
            throw RuntimeError(e.description)
        } catch let e as ConfigurationError {
            throw ValidationError(e.description)
        } catch let e as SegmentationDataError {
            throw RuntimeError(e.description)
        }
    }
}

enum FinetuneConfigFields {
    static var list: String {
        (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(FinetuneConfig())) as? [String: Any]).map { $0.keys.sorted().joined(separator: ", ") } ?? ""
    }
}
