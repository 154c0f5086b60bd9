import Foundation
import Models
import NN
import TensorBoard

/// Validation on fixed views: mean losses, and the IoU of predicted vs true region pixels over the masked
/// region patches (prediction = sigmoid(logit) ≥ 0.5) beside the same IoU of the trivial
/// ``NearestVisiblePatch`` fill on the same views, masks and regions.
public struct ValidationResult: Sendable {
    public var loss: Double, maeLoss: Double, regionLoss: Double
    /// Nil for MAE (no regions).
    public var regionIoU: Double?
    /// The nearest-visible-patch baseline on the same masked region patches; nil for MAE.
    public var regionIoUBaseline: Double?
}

/// How a run ended.
public struct RunSummary: Sendable {
    public var firstStep: Int, lastStep: Int
    public var firstLoss: Double?, lastLoss: Double?
    public var seconds: Double
    public var interrupted: Bool
    public var lastCheckpoint: URL?

    public init(firstStep: Int, lastStep: Int, firstLoss: Double?, lastLoss: Double?, seconds: Double, interrupted: Bool, lastCheckpoint: URL? = nil) {
        (self.firstStep, self.lastStep, self.firstLoss, self.lastLoss) = (firstStep, lastStep, firstLoss, lastLoss)
        (self.seconds, self.interrupted, self.lastCheckpoint) = (seconds, interrupted, lastCheckpoint)
    }
}

extension Trainer {
    /// Evaluates fixed batches with a fixed masking (the same every time, so values are comparable across
    /// steps): each batch's own permutations (``ValidationViews`` gives every view one), else permutations
    /// drawn from a constant seed.
    public func validate(_ batches: [TrainingBatch]) -> ValidationResult {
        var rng = RandomGenerator(seed: 0x5EED, stream: .masking)
        var loss = 0.0, mae = 0.0, region = 0.0
        var score = MaskedRegionIoU(), trivial = MaskedRegionIoU()
        let (p, n) = (config.model.patchSize, config.model.numPatches)
        for batch in batches {
            let b = batch.images.shape[0]
            let masking = batch.shuffleIds.map { Masking(idsShuffle: $0) } ?? Masking.random(batch: b, patches: n, using: &rng)
            let out = withoutGradient { self.model(images: batch.images, regions: batch.regions, masking: masking) }
            loss += Double(out.loss.item); mae += Double(out.maeLoss.item); region += Double(out.regionLoss.item)
            if let logits = out.predRegion, let maps = batch.regions {
                let k = maps.shape[1], s = maps.shape[2], pp = p * p
                let targets = maps.reshaped([b * k, 1, s, s]).patchified(patch: p).scalars
                let z = logits.scalars, mask = out.regionMask.scalars
                for bi in 0..<b {
                    let masked = mask[(bi * n)..<((bi + 1) * n)]
                    for r in 0..<k {
                        let span = ((bi * k + r) * n * pp)..<((bi * k + r + 1) * n * pp)
                        score.add(prediction: z[span], threshold: 0, truth: targets[span], masked: masked, patchArea: pp)
                        let fill = NearestVisiblePatch.fill(targets[span], masked: masked, gridSize: config.model.gridSize, patchArea: pp)
                        trivial.add(prediction: fill, threshold: 0.5, truth: targets[span], masked: masked, patchArea: pp)
                    }
                }
            }
        }
        let count = Double(max(batches.count, 1))
        let regions = config.model.hasRegionBranch
        return ValidationResult(loss: loss / count, maeLoss: mae / count, regionLoss: region / count,
                                regionIoU: regions ? (score.value ?? 1) : nil,
                                regionIoUBaseline: regions ? (trivial.value ?? 1) : nil)
    }

    /// Trains until the schedule's last update (or a stop signal), with progress, metrics, validation and
    /// checkpoints. A non-finite loss throws after the last good checkpoint is on disk.
    /// - Parameter validated: called on rank 0 after each validation's metrics are written (pictures, curves).
    public func run(validation: [TrainingBatch] = [], log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) },
                    validated: (Trainer) -> Void = { _ in }) throws -> RunSummary {
        let lead = rank == 0   // only rank 0 writes metrics, progress and checkpoints
        if lead { try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true) }
        let metrics = !lead ? nil : try MetricsWriter(runDirectory: runDirectory, columns: [
            "step", "epoch", "loss", "mae_loss", "region_loss", "lr", "grad_norm", "img_per_s", "elapsed_s",
            "val_loss", "val_mae_loss", "val_region_loss", "val_region_iou", "val_region_iou_baseline",
        ])
        // TensorBoard; a fresh run logs the untrained model's validation at update 0.
        let events = !lead ? nil : try EventFileWriter(directory: runDirectory, firstStep: step == 0 && !validation.isEmpty ? 0 : step + 1)
        let total = totalSteps
        let progress = ProgressReporter(label: "pretrain", total: total, unit: "updates", start: step)
        let imagesPerUpdate = Double(config.batchSize * config.accumIter)
        let clock = ContinuousClock()
        let start = clock.now
        var summary = RunSummary(firstStep: step, lastStep: step, firstLoss: nil, lastLoss: nil, seconds: 0, interrupted: false)
        var rate = 0.0
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        func validateInto(_ record: inout [String: Any]) {
            let v = validate(validation)
            record["val_loss"] = v.loss
            record["val_mae_loss"] = v.maeLoss
            record["val_region_loss"] = v.regionLoss
            if let iou = v.regionIoU { record["val_region_iou"] = iou }
            if let iou = v.regionIoUBaseline { record["val_region_iou_baseline"] = iou }
            progress.interrupt()
            log(String(format: "validation step %d: loss %.4f mae_loss %.4f region_loss %.4f", step, v.loss, v.maeLoss, v.regionLoss)
                + (v.regionIoU.map { String(format: " masked-region IoU %.3f", $0) } ?? "")
                + (v.regionIoUBaseline.map { String(format: " (nearest visible patch %.3f)", $0) } ?? ""))
        }

        if lead && !validation.isEmpty && step == 0 {   // the untrained model: where the curves start
            var record: [String: Any] = ["step": 0, "epoch": 0, "elapsed_s": 0.0]
            validateInto(&record)
            metrics?.write(record)
            try events?.write(record, step: 0)
            try events?.writeImage(tag: "reconstruction", png: reconstructionPNG(validation[0]), step: 0)
            validated(self)
        }

        while step < total {
            let t0 = clock.now
            let result: StepResult
            do { result = try trainStep() } catch {
                progress.interrupt()
                throw error
            }
            let dt = seconds(clock.now - t0)
            rate = rate == 0 ? imagesPerUpdate / dt : 0.9 * rate + 0.1 * imagesPerUpdate / dt
            if summary.firstLoss == nil { summary.firstLoss = result.loss }
            summary.lastLoss = result.loss
            let elapsed = seconds(clock.now - start)
            if lead {
                progress.update(step, detail: String(format: "epoch %d loss %.4f mae_loss %.4f region_loss %.4f lr %.3e img/s %.1f",
                                                     source.epoch, result.loss, result.maeLoss, result.regionLoss, result.learningRate, rate))
            }
            var record: [String: Any] = [
                "step": step, "epoch": source.epoch, "loss": result.loss, "mae_loss": result.maeLoss,
                "region_loss": result.regionLoss, "lr": result.learningRate, "grad_norm": result.gradNorm,
                "img_per_s": rate, "elapsed_s": elapsed,
            ]
            if lead && !validation.isEmpty && (step % config.valEvery == 0 || step == total) {
                validateInto(&record)
                try events?.writeImage(tag: "reconstruction", png: reconstructionPNG(validation[0]), step: step)
            }
            if step % config.logEvery == 0 || step == total || record["val_loss"] != nil || step == summary.firstStep + 1 {
                metrics?.write(record)
                try events?.write(record, step: step)
            }
            if record["val_loss"] != nil { validated(self) }
            if worldSize > 1 && (step % config.checkpointEvery == 0 || step == total) {
                try verifyRanksAgree()
            }
            if step % config.checkpointEvery == 0 || step == total {
                summary.lastCheckpoint = try saveCheckpoint()
            }
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
