import Data
import Engine

/// The fixed views a run validates on: the held-out split, topped up with training photos when it holds
/// fewer than `count` images, so that small datasets still give a stable number.
///
/// Every view is the whole photo resized to the model's square (no crop, no flip). Its k regions are drawn
/// from the view's own generator (the loader's per-sample stream at seed 0, epoch 0, the view's index), and
/// its masking is a permutation from stream `0x5EED_0000 + index` of seed 0 (or, for `random_fg`, the one
/// the loader drew with the regions). None of them depends on the run's seed, its batch size or the step,
/// so runs and steps compare on the same views, masks and region picks.
///
/// Top-up photos are taken evenly from the training split in path order. They are also trained on (at
/// random crops), which the log says.
public struct ValidationViews {
    /// Batches of at most `batchSize` views, each with its masking (`shuffleIds`).
    public var batches: [TrainingBatch]
    /// Views from the held-out split, and from the training split.
    public var heldOut: Int, fromTraining: Int

    /// How many views there are.
    public var count: Int { heldOut + fromTraining }

    /// Seed of the views' region picks and masks (constant: the same views in every run).
    static let seed: UInt64 = 0

    /// Builds the views.
    /// - Parameters:
    ///   - dataset: the run's dataset (its validation split first).
    ///   - options: the run's loader options (image and patch size, k, region sampling); crops are turned off.
    ///   - count: the least number of views wanted (0: the held-out split alone).
    ///   - batchSize: the most views per batch.
    ///   - patches: N, for the masking permutations.
    public init(dataset: Dataset, options: LoaderOptions, count: Int, batchSize: Int, patches: Int) throws {
        let heldOut = dataset.validation
        var chosen = heldOut
        let train = dataset.train
        let missing = min(max(0, count - heldOut.count), train.count)
        for i in 0..<missing { chosen.append(train[i * train.count / missing]) }
        self.heldOut = heldOut.count
        fromTraining = missing
        batches = []
        guard !chosen.isEmpty else { return }

        var o = options
        o.train = false
        o.workers = 0
        // Whole batches of `size` views, then one batch of the rest (a second loader: its views' region picks
        // restart at index 0, still fixed).
        let size = max(1, min(batchSize, 64, chosen.count))
        let whole = chosen.count / size * size
        var index = 0
        for (part, batch) in [(chosen[..<whole], size), (chosen[whole...], chosen.count - whole)] where !part.isEmpty {
            var views = dataset
            views.samples = Array(part)
            views.validationFraction = 1   // every chosen sample is "validation": identity order, no crop
            o.globalBatchSize = batch
            let loader = try DataLoader(dataset: views, options: o, seed: Self.seed)
            for _ in 0..<(part.count / batch) {
                let b = try loader.next()
                let ids = b.shuffleIds ?? (0..<b.images.shape[0]).map { i in
                    var rng = RandomGenerator(seed: Self.seed, stream: 0x5EED_0000 &+ UInt64(index + i))
                    return rng.permutation(patches)
                }
                index += b.images.shape[0]
                batches.append(TrainingBatch(images: b.images, regions: b.regions, shuffleIds: ids))
            }
        }
    }

    /// "16 fixed views (3 held-out photos + 13 training photos), ...", for the log.
    public var summary: String {
        "\(count) fixed views (\(heldOut) held-out photo\(heldOut == 1 ? "" : "s")"
            + (fromTraining > 0 ? " + \(fromTraining) training photo\(fromTraining == 1 ? "" : "s") at a plain resize" : "")
            + "; fixed masks and region picks)"
    }
}
