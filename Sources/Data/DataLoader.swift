import Foundation

/// Batches for one rank of a (possibly distributed) run, built ahead by worker threads, forever.
///
/// Deterministic: batch (epoch, t) on rank r depends only on the dataset, ``LoaderOptions``, `seed`, r and
/// the world size, never on the number of workers or their timing (see ``BatchProducer`` for the order
/// and sharding rules, ``SampleSeed`` for the per-sample generators). Epochs drop the last incomplete
/// global batch. ``position`` is the next batch; store it in a checkpoint and pass it back as `start` to
/// resume exactly there.
///
/// ```swift
/// let data = try Dataset.coco(root: coco)
/// let loader = try DataLoader(dataset: data, options: LoaderOptions(globalBatchSize: 256), seed: 0,
///                             rank: rank, worldSize: worldSize)
/// let batch = try loader.next()        // images [64, 3, 224, 224] on each of 4 ranks, regions [64, 8, 224, 224]
/// ```
public final class DataLoader {
    /// Global batches per epoch: `⌊samples / globalBatchSize⌋`.
    public let batchesPerEpoch: Int
    /// The batch ``next()`` returns next.
    public private(set) var position: LoaderPosition
    /// The samples this loader draws from (the training or validation split).
    public let samples: [DatasetSample]

    private let producer: BatchProducer
    private let queue: PrefetchQueue?

    /// Checks the options, finds at least one loadable sample and starts the workers.
    /// - Parameters:
    ///   - dataset: images and region source; `options.train` picks ``Dataset/train`` or ``Dataset/validation``.
    ///   - options: sizes, region sampling, batch size, workers.
    ///   - seed: the run's seed.
    ///   - rank: this process's rank, `0 ..< worldSize`.
    ///   - worldSize: number of ranks; must divide `options.globalBatchSize`.
    ///   - start: the first batch to return (from a checkpoint's ``position``).
    /// - Throws: ``DataError`` when the options are inconsistent, the split is smaller than one global
    ///   batch, or no sample of the split can be loaded.
    public init(dataset: Dataset, options: LoaderOptions, seed: UInt64, rank: Int = 0, worldSize: Int = 1,
                start: LoaderPosition = .init(epoch: 0, batch: 0)) throws {
        func invalid(_ why: String) -> DataError { .invalidOptions(why) }
        guard worldSize >= 1, (0..<worldSize).contains(rank) else { throw invalid("rank \(rank) of world size \(worldSize)") }
        guard options.patchSize > 0, options.imageSize > 0, options.imageSize % options.patchSize == 0 else {
            throw invalid("image size \(options.imageSize) is not a positive multiple of patch size \(options.patchSize)")
        }
        guard options.globalBatchSize > 0, options.globalBatchSize % worldSize == 0 else {
            throw invalid("global batch \(options.globalBatchSize) is not a positive multiple of world size \(worldSize)")
        }
        guard options.numRegions >= 0 else { throw invalid("negative number of regions \(options.numRegions)") }
        guard (0...1).contains(options.regionMaskRatio) else { throw invalid("region mask ratio \(options.regionMaskRatio)") }
        guard options.workers >= 0 else { throw invalid("negative worker count \(options.workers)") }
        if options.numRegions > 0 && dataset.regions == .none {
            throw invalid("\(options.numRegions) regions per image need a region source (a folder, auto, coco: or png:)")
        }
        guard start.epoch >= 0, start.batch >= 0 else { throw invalid("negative start position \(start)") }
        let samples = options.train ? dataset.train : dataset.validation
        let split = options.train ? "training" : "validation"
        guard !samples.isEmpty else { throw DataError.noImages("the \(split) split of \(dataset.images.path) is empty") }
        guard samples.count >= options.globalBatchSize else {
            throw invalid("the \(split) split has \(samples.count) images, fewer than one global batch of \(options.globalBatchSize)")
        }
        self.samples = samples
        let reader = SampleReader(source: dataset.regions, needsRegions: options.numRegions > 0)
        producer = BatchProducer(samples: samples, reader: reader, options: options, seed: seed, rank: rank,
                                 worldSize: worldSize)
        batchesPerEpoch = producer.batchesPerEpoch
        position = start.advanced(by: 0, perEpoch: batchesPerEpoch)
        try producer.probe()

        if options.workers > 0 {
            let queue = PrefetchQueue(depth: options.prefetch)
            self.queue = queue
            let (producer, first, perEpoch) = (producer, position, batchesPerEpoch)
            for w in 0..<options.workers {
                queue.starting()
                let thread = Thread {
                    queue.work { ticket in
                        Result { try producer.batch(at: first.advanced(by: ticket, perEpoch: perEpoch)) }
                    }
                }
                thread.name = "rmae-data-\(w)"
                thread.start()
            }
        } else {
            queue = nil
        }
    }

    /// Stops the workers, waiting for any batch in progress.
    deinit { queue?.stop() }

    /// The batch at ``position``; advances it, into the next epoch after the last batch of one.
    /// - Throws: ``DataError/noValidSample(_:)`` if every sample has become unloadable.
    public func next() throws -> Batch {
        let batch: Batch
        if let queue {
            batch = try queue.take().get()
        } else {
            batch = try producer.batch(at: position)
        }
        position = position.advanced(by: 1, perEpoch: batchesPerEpoch)
        return batch
    }

    /// Images that failed to load (unreadable, corrupt or truncated image; region file missing, malformed or
    /// of the wrong size) and were replaced, each once, with the reason. Each was also warned about on stderr.
    public var skipped: [(path: String, reason: String)] { producer.skipped }

    /// Region problems of images that were still used, each image's once, with the reason: no annotation
    /// or instance map (the image trains with no regions, REFERENCE.md §11.4), or an annotation skipped
    /// because its size does not match the image (it trains with the regions it has). Each was also warned
    /// about on stderr. Problems inside an annotation file itself are in ``COCOAnnotations/problems``.
    public var regionWarnings: [(path: String, reason: String)] { producer.regionNotes }
}
