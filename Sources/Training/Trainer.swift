import Foundation
import Models
import NN

/// The pre-training loop of the official recipe: AdamW (β 0.9/0.95, wd 0.05 except norms and biases),
/// per-update linear warm-up then cosine, gradient accumulation, optional clipping; metrics, validation,
/// atomic checkpoints that resume bit-identically, and a clean stop on SIGINT/SIGTERM or a non-finite loss.
public final class Trainer {
    public private(set) var model: RegionMAE
    public let optimizer: AdamW
    public let config: TrainingConfig
    public let schedule: WarmupCosineSchedule
    /// Optimizer updates done.
    public private(set) var step: Int
    var maskingRandom: RandomGenerator
    let source: BatchSource
    public let runDirectory: URL

    /// Losses of one update (averaged over its micro-batches).
    public struct StepResult {
        public var loss: Double, maeLoss: Double, regionLoss: Double, learningRate: Double, gradNorm: Double
    }

    public init(config: TrainingConfig, source: BatchSource, runDirectory: URL, resume: Checkpoint? = nil) throws {
        try config.validate()
        self.config = config
        self.source = source
        self.runDirectory = runDirectory
        var model = try RegionMAE(config: config.model, seed: config.seed)
        optimizer = AdamW(learningRate: 0, beta1: Float(config.beta1), beta2: Float(config.beta2), weightDecay: Float(config.weightDecay))
        maskingRandom = RandomGenerator(seed: config.seed, stream: .masking)
        step = 0
        if let resume {
            model = try model.loading(resume.parameters)
            optimizer.restore(step: resume.adamStep, firstMoment: resume.firstMoment, secondMoment: resume.secondMoment)
            maskingRandom.state = resume.maskingRandomState
            step = resume.step
        }
        self.model = model
        let updatesPerEpoch = max(1, source.batchesPerEpoch / config.accumIter)
        let (total, warmup) = config.schedule(updatesPerEpoch: updatesPerEpoch)
        schedule = WarmupCosineSchedule(peak: config.peakLearningRate, warmupUpdates: warmup, totalUpdates: total)
    }

    /// Starts from given weights (e.g. converted official ones): every trainable key must be present.
    public func loadWeights(_ parameters: [String: Tensor]) throws {
        model = try model.loading(parameters)
    }

    public var totalSteps: Int { schedule.totalUpdates }

    /// The masking of one batch: the loader's permutation (`random_fg`) or one drawn from the masking stream.
    func masking(for batch: TrainingBatch) -> Masking {
        if let ids = batch.shuffleIds { return Masking(idsShuffle: ids) }
        return Masking.random(batch: batch.images.shape[0], patches: config.model.numPatches, using: &maskingRandom)
    }

    /// One optimizer update. Throws ``TrainingError/nonFiniteLoss`` before touching the weights.
    public func trainStep() throws -> StepResult {
        let lr = schedule(step)
        var accumulator = GradientAccumulator()
        var loss = 0.0, mae = 0.0, region = 0.0
        let scale = 1 / Float(config.accumIter)
        for _ in 0..<config.accumIter {
            let batch = try source.nextBatch()
            let watched = model.watchingParameters()
            let out = watched(images: batch.images, regions: batch.regions, masking: masking(for: batch))
            let value = Double(out.loss.item)
            guard value.isFinite else { throw TrainingError.nonFiniteLoss(step: step + 1, value: value) }
            (out.loss * scale).backward()
            accumulator.add(watched.parameterGradients())
            loss += value / Double(config.accumIter)
            mae += Double(out.maeLoss.item) / Double(config.accumIter)
            region += Double(out.regionLoss.item) / Double(config.accumIter)
        }
        var grads = accumulator.sum
        let norm = config.clipGrad > 0 ? clipGradients(&grads, maxNorm: config.clipGrad) : globalNorm(grads)
        guard norm.isFinite else { throw TrainingError.nonFiniteLoss(step: step + 1, value: norm) }
        optimizer.learningRate = Float(lr)
        optimizer.update(&model, along: grads)
        step += 1
        return StepResult(loss: loss, maeLoss: mae, regionLoss: region, learningRate: lr, gradNorm: norm)
    }

    /// The full training state at this point.
    public func makeCheckpoint() -> Checkpoint {
        var params: [String: Tensor] = [:]
        for (k, v) in model.namedParameters() { params[k] = v }
        return Checkpoint(step: step, parameters: params, firstMoment: optimizer.firstMoment, secondMoment: optimizer.secondMoment,
                          adamStep: optimizer.step, maskingRandomState: maskingRandom.state,
                          dataPosition: source.positionDescription, config: config)
    }

    /// Writes a checkpoint (atomically) and prunes old ones; returns its file.
    @discardableResult
    public func saveCheckpoint() throws -> URL {
        let url = Checkpoint.url(in: runDirectory, step: step)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try makeCheckpoint().write(to: url)
        Checkpoint.prune(in: runDirectory, keep: config.keepCheckpoints)
        return url
    }
}

/// Why a run stopped early.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(step: Int, value: Double)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step, value):
            return "the loss (or gradient norm) became \(value) at update \(step); the weights were not updated and the last checkpoint is intact. Lower the learning rate (blr) or enable clip_grad, then resume."
        }
    }
}
