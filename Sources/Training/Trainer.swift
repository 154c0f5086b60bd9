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
    let source: BatchSource
    public let runDirectory: URL
    /// Data parallelism across processes (nil: one process).
    public let synchronizer: GradientSynchronizer?
    public var rank: Int { synchronizer?.rank ?? 0 }
    public var worldSize: Int { synchronizer?.size ?? 1 }

    /// Losses of one update (averaged over its micro-batches).
    public struct StepResult {
        public var loss: Double, maeLoss: Double, regionLoss: Double, learningRate: Double, gradNorm: Double
        /// A stop signal reached some rank (decided together, so every rank stops after the same update).
        public var stopRequested: Bool
    }

    public init(config: TrainingConfig, source: BatchSource, runDirectory: URL, resume: Checkpoint? = nil,
                synchronizer: GradientSynchronizer? = nil) throws {
        try config.validate()
        if let synchronizer, config.batchSize % synchronizer.size != 0 {
            throw ConfigurationError(description: "batch_size \(config.batchSize) is not divisible by the \(synchronizer.size) ranks")
        }
        self.config = config
        self.source = source
        self.runDirectory = runDirectory
        self.synchronizer = synchronizer
        var model = try RegionMAE(config: config.model, seed: config.seed)
        optimizer = AdamW(learningRate: 0, beta1: Float(config.beta1), beta2: Float(config.beta2), weightDecay: Float(config.weightDecay))
        step = 0
        if let resume {
            model = try model.loading(resume.parameters)
            optimizer.restore(step: resume.adamStep, firstMoment: resume.firstMoment, secondMoment: resume.secondMoment)
            step = resume.step
        }
        self.model = model
        let updatesPerEpoch = max(1, source.batchesPerEpoch / config.accumIter)
        let (total, warmup) = config.schedule(updatesPerEpoch: updatesPerEpoch)
        schedule = WarmupCosineSchedule(peak: config.peakLearningRate, warmupUpdates: warmup, totalUpdates: total)
        if synchronizer != nil { try synchronizeParameters() }
    }

    /// Starts from given weights (e.g. converted official ones): every trainable key must be present.
    public func loadWeights(_ parameters: [String: Tensor]) throws {
        model = try model.loading(parameters)
        if synchronizer != nil { try synchronizeParameters() }
    }

    /// Copies rank 0's parameters to every rank.
    func synchronizeParameters() throws {
        guard let synchronizer else { return }
        var params = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) })
        synchronizer.broadcast(&params)
        model = try model.loading(params)
    }

    /// Stops with an error when the ranks' parameters are no longer bit-identical.
    public func verifyRanksAgree() throws {
        guard let synchronizer else { return }
        let sums = synchronizer.checksums(parameterFingerprint(model.namedParameters()))
        if Set(sums).count > 1 {
            throw TrainingError.ranksDiverged(step: step, checksums: sums)
        }
    }

    public var totalSteps: Int { schedule.totalUpdates }

    /// The masking of one batch: the loader's permutation (`random_fg`), or per image a permutation from a
    /// generator seeded by the image's global position in the run (update, micro-batch, index in the global
    /// batch), so masks depend neither on the number of ranks nor on where a run was resumed.
    func masking(for batch: TrainingBatch, micro: Int) -> Masking {
        if let ids = batch.shuffleIds { return Masking(idsShuffle: ids) }
        let local = batch.images.shape[0]
        let first = (step * config.accumIter + micro) * config.batchSize + rank * local
        return Masking(idsShuffle: (0..<local).map { i in
            var rng = RandomGenerator(seed: config.seed &+ UInt64(first + i) &* 0x9E37_79B9_7F4A_7C15, stream: .masking)
            return rng.permutation(config.model.numPatches)
        })
    }

    /// One optimizer update. Throws ``TrainingError/nonFiniteLoss`` before touching the weights.
    public func trainStep() throws -> StepResult {
        let lr = schedule(step)
        optimizer.learningRate = Float(lr)
        // A plain step (one micro-batch, no clipping, one process) updates each parameter as soon as its
        // gradient is complete, so the gradients never all live at once; otherwise gradients are collected,
        // accumulated, averaged or clipped first.
        let inPlace = config.accumIter == 1 && config.clipGrad == 0 && synchronizer == nil
        var accumulator = GradientAccumulator()
        var loss = 0.0, mae = 0.0, region = 0.0
        var update: AdamWInPlaceUpdate?
        let scale = 1 / Float(config.accumIter)
        let local = synchronizer == nil
        for micro in 0..<config.accumIter {
            let batch = try source.nextBatch()
            let masking = self.masking(for: batch, micro: micro)
            let b = batch.images.shape[0]
            if inPlace { update = optimizer.beginInPlaceUpdate(&model) }
            // The micro-batch in shares of images, one thread each; every share's loss is weighted by its
            // share of the images, so the summed gradient is the whole micro-batch's (both losses are means
            // over images with equal masked counts). A share whose loss is not finite skips its backward pass,
            // so (with one process) no parameter is touched.
            let (values, grads) = valueWithGradient(
                at: model, batch: b, shares: BatchShares.count(batch: b),
                skip: { local && !$0[0].isFinite }, onGradient: update?.apply
            ) { m, r in
                let out = m(images: batch.images.slice(alongAxis: 0, r), regions: batch.regions?.slice(alongAxis: 0, r),
                            masking: masking.images(r))
                let weight = Double(r.count) / Double(b)
                return (out.loss * (Float(weight) * scale),
                        [Double(out.loss.item), Double(out.maeLoss.item), Double(out.regionLoss.item)].map { $0 * weight })
            }
            let value = values.reduce(0) { $0 + $1[0] }
            // (with several ranks the check waits for the average, so every rank stops together)
            if local && !value.isFinite { throw TrainingError.nonFiniteLoss(step: step + 1, value: value) }
            if !inPlace { accumulator.add(grads) }
            loss += value / Double(config.accumIter)
            mae += values.reduce(0) { $0 + $1[1] } / Double(config.accumIter)
            region += values.reduce(0) { $0 + $1[2] } / Double(config.accumIter)
        }
        var stop = StopSignal.isRequested
        let norm: Double
        if let update {
            norm = update.gradientNorm
            if update.nonFinite > 0 || !norm.isFinite {
                throw TrainingError.nonFiniteUpdate(step: step + 1, values: update.nonFinite, gradientNorm: norm)
            }
        } else {
            var grads = accumulator.sum
            if let synchronizer {
                var extras = [loss, mae, region, stop ? 1 : 0]
                synchronizer.average(&grads, losses: &extras)
                (loss, mae, region, stop) = (extras[0], extras[1], extras[2], extras[3] > 0)
                if !loss.isFinite { throw TrainingError.nonFiniteLoss(step: step + 1, value: loss) }
            }
            norm = config.clipGrad > 0 ? clipGradients(&grads, maxNorm: config.clipGrad) : globalNorm(grads)
            guard norm.isFinite else { throw TrainingError.nonFiniteLoss(step: step + 1, value: norm) }
            let bad = optimizer.update(&model, along: grads)
            if bad > 0 { throw TrainingError.nonFiniteUpdate(step: step + 1, values: bad, gradientNorm: norm) }
        }
        step += 1
        return StepResult(loss: loss, maeLoss: mae, regionLoss: region, learningRate: lr, gradNorm: norm, stopRequested: stop)
    }

    /// The full training state at this point.
    public func makeCheckpoint() -> Checkpoint {
        var params: [String: Tensor] = [:]
        for (k, v) in model.namedParameters() { params[k] = v }
        return Checkpoint(step: step, parameters: params, firstMoment: optimizer.firstMoment, secondMoment: optimizer.secondMoment,
                          adamStep: optimizer.step, dataPosition: source.positionDescription, config: config)
    }

    /// Writes a checkpoint (atomically) and prunes old ones; returns its file. Only rank 0 writes.
    @discardableResult
    public func saveCheckpoint() throws -> URL {
        let url = Checkpoint.url(in: runDirectory, step: step)
        guard rank == 0 else { return url }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let checkpoint = makeCheckpoint()
        // Never a checkpoint of diverged weights: the previous one stays the newest on disk.
        for (kind, tensors) in [("parameter", checkpoint.parameters), ("first moment", checkpoint.firstMoment),
                                ("second moment", checkpoint.secondMoment)] {
            if let name = Checkpoint.firstNonFinite(tensors) { throw TrainingError.nonFiniteState(step: step, tensor: "\(kind) \(name)") }
        }
        try checkpoint.write(to: url, knownFinite: true)
        Checkpoint.prune(in: runDirectory, keep: config.keepCheckpoints)
        return url
    }
}

/// Why a run stopped early.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(step: Int, value: Double)
    /// The optimizer update left non-finite parameters or moments (the weights in memory are unusable; the last
    /// checkpoint on disk is intact).
    case nonFiniteUpdate(step: Int, values: Int, gradientNorm: Double)
    case ranksDiverged(step: Int, checksums: [UInt64])
    /// A checkpoint was due but the parameters or optimizer state hold non-finite values (none was written).
    case nonFiniteState(step: Int, tensor: String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step, value):
            return "the loss (or gradient norm) became \(value) at update \(step); the weights were not updated and the last checkpoint is intact. Lower the learning rate (blr) or enable clip_grad, then resume."
        case let .nonFiniteUpdate(step, values, norm):
            return "the update at step \(step) left \(values) parameter values non-finite (gradient norm \(norm)); the run stopped and the last checkpoint on disk is intact. Lower the learning rate (blr), check beta1/beta2, or enable clip_grad, then resume."
        case let .nonFiniteState(step, tensor):
            return "at update \(step) the \(tensor) holds non-finite values; no checkpoint was written and the last checkpoint on disk is intact. Lower the learning rate (blr), check beta1/beta2, or enable clip_grad, then resume."
        case let .ranksDiverged(step, sums):
            let listed = sums.enumerated().map { "rank \($0.offset): \(String($0.element, radix: 16))" }.joined(separator: ", ")
            return "the ranks' parameters differ at update \(step) (checksums \(listed)); the ranks no longer train the same model (non-deterministic hardware or a bug). Resume from the last checkpoint."
        }
    }
}

/// Every rank's view of the training state, for data parallelism across processes (MPI).
public protocol GradientSynchronizer: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Averages gradients (and the logged losses) over all ranks, in place.
    func average(_ gradients: inout [String: Tensor], losses: inout [Double])
    /// Replaces every rank's tensors by rank 0's.
    func broadcast(_ tensors: inout [String: Tensor])
    /// Every rank's value of a local checksum, in rank order.
    func checksums(_ local: UInt64) -> [UInt64]
}

/// An order-sensitive FNV-1a checksum of the parameters' bit patterns (keys sorted).
public func parameterFingerprint(_ tensors: [(name: String, value: Tensor)]) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for (name, t) in tensors.sorted(by: { $0.name < $1.name }) {
        for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        t.withUnsafeBufferPointer { p in
            for v in p { h = (h ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01B3 }
        }
    }
    return h
}
