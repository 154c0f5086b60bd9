import Engine
import Foundation
import Regions

/// Builds the batch at any ``LoaderPosition`` as a pure function of (seed, position, rank, world size) and
/// the files on disk, so worker threads may build batches in any order and at any time.
///
/// Sample order and sharding (drop_last):
///
///     order  = permutation of 0..<count from (seed + epoch, stream .data)      (identity for validation)
///     global batch t of an epoch = order[t·B_global ..< (t+1)·B_global]
///     rank r gets global positions t·B_global + r·b ..< t·B_global + (r+1)·b,   b = B_global / worldSize
///
/// so ranks' batches concatenated in rank order are the global batch, whatever the world size.
///
/// A sample that fails to load is replaced by one drawn from its own generator (up to 16 draws, then the
/// next loadable sample in dataset order); its failure is warned about once on stderr and listed in
/// ``skipped``. Known-bad samples are remembered, which changes only the speed, never the result.
final class BatchProducer: @unchecked Sendable {
    let samples: [DatasetSample]
    let reader: SampleReader
    let augmenter: SampleAugmenter
    let seed: UInt64
    let rank: Int
    let localBatch: Int
    let globalBatch: Int
    let batchesPerEpoch: Int
    /// Draws of a replacement before the scan in dataset order.
    static let randomReplacements = 16

    private let lock = NSLock()
    private var orders: [Int: [Int]] = [:]
    private var bad: [Int: String] = [:]
    private var skippedList: [(path: String, reason: String)] = []
    private var noted: Set<Int> = []
    private var notesList: [(path: String, reason: String)] = []

    init(samples: [DatasetSample], reader: SampleReader, options: LoaderOptions, seed: UInt64, rank: Int, worldSize: Int) {
        self.samples = samples
        self.reader = reader
        augmenter = SampleAugmenter(options: options)
        self.seed = seed
        self.rank = rank
        globalBatch = options.globalBatchSize
        localBatch = options.globalBatchSize / worldSize
        batchesPerEpoch = samples.count / options.globalBatchSize
    }

    /// Samples that failed to load, in the order they were found, each once.
    var skipped: [(path: String, reason: String)] {
        lock.lock(); defer { lock.unlock() }
        return skippedList
    }

    /// The dataset order of `epoch` (cached for the two most recent epochs asked for).
    func order(epoch: Int) -> [Int] {
        lock.lock()
        if let o = orders[epoch] { lock.unlock(); return o }
        lock.unlock()
        let o = augmenter.options.train ? SampleSeed.epochOrder(seed: seed, epoch: epoch, count: samples.count)
                                        : Array(0..<samples.count)
        lock.lock(); defer { lock.unlock() }
        orders[epoch] = o
        for e in orders.keys where e < epoch - 1 { orders[e] = nil }
        return o
    }

    /// Region problems of samples that still loaded (no annotation, a mask of the wrong size), each
    /// sample's once, in the order they were found.
    var regionNotes: [(path: String, reason: String)] {
        lock.lock(); defer { lock.unlock() }
        return notesList
    }

    /// Loads sample `index`, or records why it cannot be loaded. Notes on its regions are recorded and
    /// warned about the first time the sample loads.
    func load(_ index: Int) -> Result<LoadedSample, SampleFailure> {
        lock.lock()
        let known = bad[index]
        lock.unlock()
        if let known { return .failure(SampleFailure(known)) }
        do {
            let sample = try reader.load(samples[index])
            if !sample.notes.isEmpty {
                lock.lock()
                let first = noted.insert(index).inserted
                if first { notesList += sample.notes.map { (samples[index].path, $0) } }
                lock.unlock()
                if first {
                    let text = sample.notes.map { "warning: \(samples[index].path): \($0)\n" }.joined()
                    FileHandle.standardError.write(Foundation.Data(text.utf8))
                }
            }
            return .success(sample)
        } catch {
            lock.lock()
            let first = bad[index] == nil
            if first {
                bad[index] = error.description
                skippedList.append((samples[index].path, error.description))
            }
            lock.unlock()
            if first { FileHandle.standardError.write(Foundation.Data("warning: skipping sample: \(error.description)\n".utf8)) }
            return .failure(error)
        }
    }

    /// The first loadable sample in dataset order, or the error that no sample loads.
    func probe() throws {
        var reasons: [String] = []
        for i in samples.indices {
            switch load(i) {
            case .success: return
            case .failure(let e): if reasons.count < 3 { reasons.append(e.description) }
            }
        }
        throw DataError.noValidSample("all \(samples.count) samples failed to load; first: " + reasons.joined(separator: "; "))
    }

    /// Sample `first`, or its deterministic replacement when it cannot be loaded.
    func loadOrReplace(_ first: Int, using rng: inout RandomGenerator) throws -> (index: Int, sample: LoadedSample) {
        var index = first
        for _ in 0..<Self.randomReplacements {
            if case .success(let s) = load(index) { return (index, s) }
            index = rng.int(below: samples.count)
        }
        for step in 0..<samples.count {
            let j = (index + step) % samples.count
            if case .success(let s) = load(j) { return (j, s) }
        }
        throw DataError.noValidSample("every one of the \(samples.count) samples failed to load")
    }

    /// This rank's batch at `position`.
    func batch(at position: LoaderPosition) throws -> Batch {
        let order = order(epoch: position.epoch)
        let options = augmenter.options
        let (side, k, b) = (options.imageSize, options.numRegions, localBatch)
        let plane = side * side, channels = options.normalization.channels
        var images = Tensor.zeros([b, channels, side, side])
        var regions = Tensor.zeros(k > 0 ? [b, k, side, side] : [0])
        var ids: [[Int]] = []
        var paths: [String] = []
        try images.withUnsafeMutableBufferPointer { image in
            try regions.withUnsafeMutableBufferPointer { region in
                for i in 0..<b {
                    let g = position.batch * globalBatch + rank * b + i
                    var rng = SampleSeed.generator(seed: seed, epoch: position.epoch, index: g)
                    let (index, sample) = try loadOrReplace(order[g], using: &rng)
                    let shuffle = augmenter.process(
                        sample.image, maps: sample.regions, using: &rng,
                        image: image.baseAddress! + i * channels * plane,
                        regions: k > 0 ? region.baseAddress! + i * k * plane : nil)
                    if let shuffle { ids.append(shuffle) }
                    paths.append(samples[index].path)
                }
            }
        }
        return Batch(images: images, regions: k > 0 ? regions : nil,
                     shuffleIds: ids.isEmpty ? nil : ids, paths: paths)
    }
}
