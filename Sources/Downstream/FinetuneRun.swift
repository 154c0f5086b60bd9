import Data
import Foundation
import Models
import NN
import TensorBoard
import Training
import Viz

/// Everything `rmae finetune` does after parsing its flags: data, model (pre-trained encoder or scratch),
/// the loop with validation and pictures, final weights and scores.
public enum FinetuneRun {
    /// A pre-trained encoder to start from.
    public struct Initialization {
        /// Encoder tensors under the official/timm keys (`cls_token`, `patch_embed.proj.*`, `blocks.i.*`, `norm.*`).
        public var tensors: [String: Tensor]
        /// The pre-training position table, cls row first.
        public var positions: Tensor
        /// The pre-training model's configuration (its encoder shape).
        public var model: ModelConfig
        /// Where it came from, for the log.
        public var source: String
        public init(tensors: [String: Tensor], positions: Tensor, model: ModelConfig, source: String) {
            (self.tensors, self.positions, self.model, self.source) = (tensors, positions, model, source)
        }
    }

    /// The shape of a scratch model when no backbone is given: the demo preset's encoder.
    public static func scratchEncoder() -> ModelConfig { ModelPresets.config(named: "demo")! }

    @discardableResult
    public static func run(config: FinetuneConfig, initialization: Initialization?, scratchModel: ModelConfig? = nil,
                           resume: FinetuneCheckpoint?, synchronizer: GradientSynchronizer? = nil,
                           log rawLog: @escaping (String) -> Void) throws -> RunSummary {
        try config.validate()
        let rank = synchronizer?.rank ?? 0, worldSize = synchronizer?.size ?? 1
        let log: (String) -> Void = { if rank == 0 { rawLog($0) } }
        let runDirectory = URL(fileURLWithPath: config.out)
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        if rank == 0 { for name in Checkpoint.removeStaleTemporaries(in: runDirectory) { log("removed stale temporary file checkpoints/\(name)") } }

        let root = URL(fileURLWithPath: config.data)
        let ignore = Int32(config.ignoreIndex)
        let train = try SegmentationDataset(root: root, split: "train", ignoreIndex: ignore)
        let val = try SegmentationDataset(root: root, split: "val", ignoreIndex: ignore)
        guard val.classNames == train.classNames else {
            throw SegmentationDataError(file: val.folder.path, "has other classes than \(train.folder.path)")
        }

        // Model.
        var model: SegmentationViT
        if let resume {
            guard resume.classNames == train.classNames else {
                throw ConfigurationError(description: "--resume: the checkpoint's classes \(resume.classNames) differ from \(root.path)'s \(train.classNames)")
            }
            model = try SegmentationViT(config: resume.model, seed: config.seed)
        } else {
            let encoder = initialization?.model ?? scratchModel ?? scratchEncoder()
            var shape = SegmentationModelConfig(encoder: encoder, imgSize: config.imgSize, classes: train.classes, head: config.head, fpnDim: config.fpnDim)
            if let heads = config.numHeads, initialization == nil { shape.numHeads = heads }
            do { model = try SegmentationViT(config: shape, seed: config.seed) } catch {
                throw ConfigurationError(description: "model: \(error.description)")
            }
            if let initialization {
                _ = try model.loadEncoder(initialization.tensors, positions: initialization.positions, antialias: config.posResize == "timm")
                let g0 = initialization.model.gridSize
                log("initialised the encoder from \(initialization.source)"
                    + (g0 != shape.gridSize ? "; position table resized from \(g0)×\(g0) to \(shape.gridSize)×\(shape.gridSize) (bicubic\(config.posResize == "timm" ? ", antialiased as timm" : ", as MAE"))" : ""))
            } else {
                log("scratch: a randomly initialised encoder")
            }
        }
        let m = model.config
        let augmentation = SegmentationAugmentation(size: m.imgSize, scale: config.scaleMin...config.scaleMax, flip: config.flip, ignoreIndex: ignore,
                                                    normalization: m.normalization)
        let batches = FinetuneBatches(dataset: train, augmentation: augmentation, globalBatch: config.batchSize, seed: config.seed,
                                      rank: rank, worldSize: worldSize, cacheMB: config.cacheMB)
        try batches.preload()
        log("data: \(train.samples.count) training and \(val.samples.count) validation images, \(train.classes - 1) classes + background (\(train.classNames.dropFirst().joined(separator: ", "))) from \(root.path)")

        let trainer = try FinetuneTrainer(model: model, config: config, classNames: train.classNames, batches: batches,
                                          runDirectory: runDirectory, resume: resume, synchronizer: synchronizer)
        if rank == 0 { try config.yaml().write(to: runDirectory.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8) }
        log(String(format: "model: ViT %d×%d, %d px / patch %d, %@ head, %.2fM parameters, %.2f GFLOPs per image; %d updates of %d images, peak lr %.3g, layer decay %.2f, drop path %.2f",
                   m.embedDim, m.depth, m.imgSize, m.patchSize, m.head.rawValue, Double(trainer.model.parameterCount) / 1e6,
                   trainer.model.flopsPerImage / 1e9, config.steps, config.batchSize, config.peakLearningRate, config.layerDecay, config.dropPath)
            + (resume.map { ", resuming at update \($0.step)" } ?? ""))
        let valIndices = Array(val.samples.indices.prefix(config.valImages == 0 ? val.samples.count : config.valImages))
        let summary = try trainer.run(validation: val, indices: valIndices, log: log)
        guard rank == 0 else { return summary }
        if !summary.interrupted {
            let url = try trainer.writeFinalWeights()
            log("final weights: \(url.path)")
            if let scores = trainer.lastValidation {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicFile.write(try encoder.encode(scores), to: runDirectory.appendingPathComponent("val_scores.json"))
                log("validation at update \(trainer.step):\n" + scores.summary)
            }
        }
        return summary
    }
}

extension FinetuneTrainer {
    /// Validation scores on fixed images, beside the trivial baselines on the same pixels.
    public func validate(_ dataset: SegmentationDataset, indices: [Int]) throws -> SegmentationScores {
        let matrix = try SegmentationEvaluation.confusion(model, dataset: dataset, indices: indices, batchSize: 16)
        return SegmentationScores(model: matrix, classNames: classNames, images: indices.count)
    }

    /// `predictions.png` for the first four validation images.
    func writePredictions(_ dataset: SegmentationDataset, indices: [Int], scores: SegmentationScores?) throws {
        let shown = try indices.prefix(4).map { try dataset.load($0) }
        guard !shown.isEmpty else { return }
        let predictions = SegmentationEvaluation.predict(model, images: shown.map(\.image))
        let title = "VALIDATION AT UPDATE \(step)" + (scores.map { String(format: ": MIOU %.3f (ALL BACKGROUND %.3f, MAJORITY %.3f)", $0.miou, $0.baselines.allBackground.miou, $0.baselines.majority.miou) } ?? "")
        try PredictionsPicture.render(images: shown.map(\.image), truth: shown.map(\.labels), predictions: predictions,
                                      classNames: classNames, ignoreIndex: Int32(config.ignoreIndex), title: title)
            .writePNG(to: runDirectory.appendingPathComponent("predictions.png"))
    }

    /// Trains to the last update (or a stop signal), validating every `val_every` updates and at the end.
    public func run(validation: SegmentationDataset, indices: [Int], log: (String) -> Void) throws -> RunSummary {
        let lead = rank == 0
        let metrics = !lead ? nil : try MetricsWriter(runDirectory: runDirectory, columns: [
            "step", "epoch", "loss", "lr", "grad_norm", "img_per_s", "elapsed_s",
            "val_miou", "val_pixel_accuracy", "val_miou_all_background", "val_miou_majority",
        ])
        let events = !lead ? nil : try EventFileWriter(directory: runDirectory, firstStep: step == 0 ? 0 : step + 1)
        let total = config.steps
        let progress = ProgressReporter(label: "finetune", total: total, unit: "updates", start: step)
        let clock = ContinuousClock()
        let start = clock.now
        var summary = RunSummary(firstStep: step, lastStep: step, firstLoss: nil, lastLoss: nil, seconds: 0, interrupted: false)
        var rate = 0.0
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        func validateInto(_ record: inout [String: Any]) throws {
            let v = try validate(validation, indices: indices)
            lastValidation = v
            record["val_miou"] = v.miou
            record["val_pixel_accuracy"] = v.pixelAccuracy
            record["val_miou_all_background"] = v.baselines.allBackground.miou
            record["val_miou_majority"] = v.baselines.majority.miou
            progress.interrupt()
            log(String(format: "validation step %d: mIoU %.4f pixel accuracy %.4f (all background %.4f, majority '%@' %.4f) on %d images",
                       step, v.miou, v.pixelAccuracy, v.baselines.allBackground.miou, v.baselines.majorityClass, v.baselines.majority.miou, v.images)
                + "; per class " + classNames.map { "\($0) " + (v.perClassIoU[$0].map { String(format: "%.3f", $0) } ?? "–") }.joined(separator: ", "))
            do {
                try writePredictions(validation, indices: indices, scores: v)
                try RunCurves.write([RunCurves.Run(directory: runDirectory)], to: runDirectory.appendingPathComponent("curves.png"))
                if let png = try? Foundation.Data(contentsOf: runDirectory.appendingPathComponent("predictions.png")) {
                    try events?.writeImage(tag: "predictions", png: [UInt8](png), step: step)
                }
            } catch {
                log("warning: pictures for update \(step) not written: \(error)")
            }
        }
        if lead && step == 0 && !indices.isEmpty {
            var record: [String: Any] = ["step": 0, "epoch": 0, "elapsed_s": 0.0]
            try validateInto(&record)
            metrics?.write(record)
            try events?.write(record, step: 0)
        }
        while step < total {
            let t0 = clock.now
            let result: StepResult
            do { result = try trainStep() } catch {
                progress.interrupt()
                throw error
            }
            let dt = seconds(clock.now - t0)
            rate = rate == 0 ? Double(config.batchSize) / dt : 0.9 * rate + 0.1 * Double(config.batchSize) / dt
            if summary.firstLoss == nil { summary.firstLoss = result.loss }
            summary.lastLoss = result.loss
            let epoch = batches.epoch(atUpdate: step - 1)
            if lead {
                progress.update(step, detail: String(format: "epoch %d loss %.4f lr %.3e img/s %.1f", epoch, result.loss, result.learningRate, rate))
            }
            var record: [String: Any] = ["step": step, "epoch": epoch, "loss": result.loss, "lr": result.learningRate,
                                         "grad_norm": result.gradNorm, "img_per_s": rate, "elapsed_s": seconds(clock.now - start)]
            if lead && !indices.isEmpty && (step % config.valEvery == 0 || step == total) { try validateInto(&record) }
            if step % config.logEvery == 0 || step == total || record["val_miou"] != nil || step == summary.firstStep + 1 {
                metrics?.write(record)
                try events?.write(record, step: step)
            }
            if step % config.checkpointEvery == 0 || step == total { summary.lastCheckpoint = try saveCheckpoint() }
            if result.stopRequested {
                progress.interrupt()
                summary.lastCheckpoint = try saveCheckpoint()
                if lead { log("stopped by signal at update \(step); checkpoint \(summary.lastCheckpoint!.path) (resume with --resume)") }
                summary.interrupted = true
                break
            }
        }
        if lead { progress.finish() }
        summary.lastStep = step
        summary.seconds = seconds(clock.now - start)
        return summary
    }
}
