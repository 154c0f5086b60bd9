import Engine

/// One micro-batch for the model.
public struct TrainingBatch {
    /// `[B, 3, H, W]` normalised images.
    public var images: Tensor
    /// `[B, k, H, W]` binary region maps; nil for MAE.
    public var regions: Tensor?
    /// Per image, the patch permutation chosen by the loader (`random_fg`); nil when the model draws its own.
    public var shuffleIds: [[Int]]?

    public init(images: Tensor, regions: Tensor?, shuffleIds: [[Int]]? = nil) {
        self.images = images
        self.regions = regions
        self.shuffleIds = shuffleIds
    }
}

/// Where the training loop gets its batches. Implementations are deterministic functions of their position,
/// so a checkpoint's position string recreates the exact stream.
public protocol BatchSource: AnyObject {
    func nextBatch() throws -> TrainingBatch
    /// The position of the next batch, serialised (stored in checkpoints).
    var positionDescription: String { get }
    /// Batches in one epoch (for epoch-based schedules and the progress line).
    var batchesPerEpoch: Int { get }
    /// The epoch of the next batch.
    var epoch: Int { get }
}

/// Random images and regions, a pure function of (seed, batch index): for tests and benchmarks.
public final class SyntheticBatches: BatchSource {
    let seed: UInt64, batch: Int, imageSize: Int, regions: Int, epochLength: Int
    var index: Int

    public init(seed: UInt64, batch: Int, imageSize: Int, regions: Int, epochLength: Int = 100, start: Int = 0) {
        self.seed = seed; self.batch = batch; self.imageSize = imageSize; self.regions = regions
        self.epochLength = epochLength; self.index = start
    }

    public convenience init(seed: UInt64, batch: Int, imageSize: Int, regions: Int, position: String) {
        self.init(seed: seed, batch: batch, imageSize: imageSize, regions: regions, start: Int(position) ?? 0)
    }

    public func nextBatch() throws -> TrainingBatch {
        var rng = RandomGenerator(seed: seed &+ UInt64(index), stream: .data)
        index += 1
        let images = Tensor.normal([batch, 3, imageSize, imageSize], using: &rng)
        let maps = regions == 0 ? nil : Tensor(shape: [batch, regions, imageSize, imageSize],
                                               (0..<(batch * regions * imageSize * imageSize)).map { _ in rng.uniform() < 0.3 ? 1 : 0 })
        return TrainingBatch(images: images, regions: maps)
    }

    public var positionDescription: String { "\(index)" }
    public var batchesPerEpoch: Int { epochLength }
    public var epoch: Int { index / epochLength }
}
