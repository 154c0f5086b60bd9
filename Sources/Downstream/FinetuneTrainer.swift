import Data
import Foundation
import NN
import Synchronization
import TensorBoard
import Training

/// The fine-tuning loop: AdamW with layer-wise learning-rate scales and fine-tuning's weight-decay
/// exemptions, per-update warm-up then cosine, stochastic depth, per-pixel loss with the ignore index,
/// optional clipping, data parallelism over ranks; validation mIoU beside its trivial baselines, metrics,
/// TensorBoard, pictures, atomic checkpoints that resume bit for bit, a clean stop on SIGINT/SIGTERM.
public final class FinetuneTrainer {
    public private(set) var model: SegmentationViT
    public let config: FinetuneConfig
    public let optimizer: AdamW
    public let schedule: WarmupCosineSchedule
    public let layerDecay: LayerDecay
    public let classNames: [String]
    public private(set) var step = 0
    /// The scores of the latest validation.
    public internal(set) var lastValidation: SegmentationScores?
    public let batches: any FinetuneBatchSource
    public let runDirectory: URL
    public let synchronizer: GradientSynchronizer?
    public var rank: Int { synchronizer?.rank ?? 0 }
    public var worldSize: Int { synchronizer?.size ?? 1 }

    public struct StepResult {
        public var loss: Double, learningRate: Double, gradNorm: Double, stopRequested: Bool
    }

    public init(model: SegmentationViT, config: FinetuneConfig, classNames: [String], batches: any FinetuneBatchSource, runDirectory: URL,
                resume: FinetuneCheckpoint? = nil, synchronizer: GradientSynchronizer? = nil) throws {
        try config.validate()
        if let synchronizer, config.batchSize % synchronizer.size != 0 {
            throw ConfigurationError(description: "batch_size \(config.batchSize) is not divisible by the \(synchronizer.size) ranks")
        }
        if config.loss == .diceBCE && model.config.classes != 2 {
            throw ConfigurationError(description: "loss=dice_bce is for one foreground class, but the data has \(model.config.classes - 1) classes (use loss=ce)")
        }
        (self.config, self.classNames, self.batches, self.runDirectory, self.synchronizer) = (config, classNames, batches, runDirectory, synchronizer)
        let decay = LayerDecay(depth: model.config.depth, decay: config.layerDecay)
        layerDecay = decay
        optimizer = AdamW(learningRate: 0, beta1: Float(config.beta1), beta2: Float(config.beta2), weightDecay: Float(config.weightDecay),
                          noDecay: LayerDecay.noDecay, learningRateScale: { Float(decay.learningRateScale($0)) })
        schedule = WarmupCosineSchedule(peak: config.peakLearningRate, warmupUpdates: min(config.warmupUpdates, config.steps), totalUpdates: config.steps)
        var model = model
        if let resume {
            model = try model.loading(resume.parameters)
            optimizer.restore(step: resume.adamStep, firstMoment: resume.firstMoment, secondMoment: resume.secondMoment)
            step = resume.step
        }
        if let synchronizer {
            var params = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) })
            synchronizer.broadcast(&params)
            model = try model.loading(params)
        }
        self.model = model
    }

    /// The per-pixel loss of `[M, C]` scores (mean over the counted pixels of the whole global batch when
    /// `counted` is that batch's count).
    func loss(_ scores: Tensor, labels: [Int32], counted: Int, total: Int) -> Tensor {
        let ignore = Int32(config.ignoreIndex)
        let weight = Float(counted) / Float(max(total, 1))
        var loss = softmaxCrossEntropy(scores, labels: labels, ignoreIndex: ignore) * weight
        if config.loss == .diceBCE {
            let m = labels.count
            let foreground = scores.softmax().slice(alongAxis: 1, 1..<2)
            let t = Tensor(shape: [m, 1], labels.map { $0 == 1 ? 1 : 0 })
            let w = Tensor(shape: [m, 1], labels.map { $0 == ignore ? 0 : 1 })
            let pw = foreground * w
            let dice = 1 - ((pw * t).sum() * 2 + 1) / (pw.sum() + (t * w).sum() + 1)
            loss = loss + dice * weight
        }
        return loss
    }

    /// One optimizer update.
    public func trainStep() throws -> StepResult {
        let lr = schedule(step)
        optimizer.learningRate = Float(lr)
        let (images, labels) = try batches.batch(update: step)
        let b = images.shape[0], s = model.config.imgSize, c = model.config.classes
        let ignore = Int32(config.ignoreIndex)
        let counted = labels.reduce(0) { $0 + ($1 == ignore ? 0 : 1) }
        var totals = [Double(counted)]
        if let synchronizer {   // the global batch's counted pixels, so every rank weighs its pixels alike
            var none: [String: Tensor] = [:]
            synchronizer.average(&none, losses: &totals)
            totals[0] *= Double(synchronizer.size)
        }
        let total = Int(totals[0].rounded())
        let seed = config.seed, update = step, rankOffset = rank * b
        let rate = config.dropPath
        let (values, gradsLocal) = valueWithGradient(at: model, batch: b, shares: BatchShares.count(batch: b)) { (m: SegmentationViT, r: Range<Int>) -> (Tensor, Double) in
            let drop = RandomGenerator(seed: seed &+ UInt64(update) &* 0x2545_F491_4F6C_DD1D &+ UInt64(rankOffset + r.lowerBound), stream: .regularization)
            let scores = m(images.slice(alongAxis: 0, r), dropPath: rate > 0 ? (rate, drop) : nil).reshaped([r.count * s * s, c])
            let shareLabels = Array(labels[(r.lowerBound * s * s)..<(r.upperBound * s * s)])
            let shareCounted = shareLabels.reduce(0) { $0 + ($1 == ignore ? 0 : 1) }
            let value = loss(scores, labels: shareLabels, counted: shareCounted, total: total)
            return (value, Double(value.item))
        }
        var grads = gradsLocal
        var lossValue = values.reduce(0, +)
        var stop = StopSignal.isRequested
        if let synchronizer {
            // each rank's loss and gradients are its share of the global mean: their sum is wanted, so the
            // average is scaled back up by the number of ranks
            var extras = [lossValue, stop ? 1 : 0]
            synchronizer.average(&grads, losses: &extras)
            for (k, g) in grads { grads[k] = g * Float(synchronizer.size) }
            (lossValue, stop) = (extras[0] * Double(synchronizer.size), extras[1] > 0)
        }
        guard lossValue.isFinite else { throw TrainingError.nonFiniteLoss(step: step + 1, value: lossValue) }
        let norm = config.clipGrad > 0 ? clipGradients(&grads, maxNorm: config.clipGrad) : globalNorm(grads)
        guard norm.isFinite else { throw TrainingError.nonFiniteLoss(step: step + 1, value: norm) }
        let bad = optimizer.update(&model, along: grads)
        if bad > 0 { throw TrainingError.nonFiniteUpdate(step: step + 1, values: bad, gradientNorm: norm) }
        step += 1
        return StepResult(loss: lossValue, learningRate: lr, gradNorm: norm, stopRequested: stop)
    }

    public func makeCheckpoint() -> FinetuneCheckpoint {
        FinetuneCheckpoint(step: step, adamStep: optimizer.step,
                           parameters: Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) }),
                           firstMoment: optimizer.firstMoment, secondMoment: optimizer.secondMoment,
                           config: config, model: model.config, classNames: classNames)
    }

    /// Writes a checkpoint (rank 0, atomically) and prunes old ones.
    @discardableResult
    public func saveCheckpoint() throws -> URL {
        let url = Checkpoint.url(in: runDirectory, step: step)
        guard rank == 0 else { return url }
        try makeCheckpoint().write(to: url)
        Checkpoint.prune(in: runDirectory, keep: config.keepCheckpoints)
        return url
    }

    /// Writes the final weights (`model_final.safetensors`, official/timm encoder keys plus `decode_head.*`).
    public func writeFinalWeights() throws -> URL {
        let url = runDirectory.appendingPathComponent("model_final.safetensors")
        var metadata = try FinetuneCheckpoint.describing(model: model.config, classNames: classNames)
        metadata["format"] = "rmae-swift segmentation weights"
        metadata["config"] = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        try SafeTensors.write(Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) }), metadata: metadata, to: url)
        return url
    }
}
