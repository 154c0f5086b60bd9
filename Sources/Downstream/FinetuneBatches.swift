import Data
import Engine
import Foundation
import Regions
import Synchronization

/// Where the fine-tuning loop takes its batches: each rank's share of update `u`, normalised images
/// `[b, 3, S, S]` and `b·S²` class ids, a function of `u` alone (so runs resume bit for bit).
public protocol FinetuneBatchSource: AnyObject {
    func batch(update u: Int) throws -> (images: Tensor, labels: [Int32])
    /// The epoch an update's first image belongs to.
    func epoch(atUpdate u: Int) -> Int
}

/// The training views of fine-tuning. Update u takes positions `u·B ..< (u+1)·B` of an endless sequence of
/// epochs, each a permutation of the samples drawn from the seed and the epoch; the view of position p (its
/// scale, crop and flip) comes from a generator seeded by the seed and p. So a batch is a function of the
/// update alone: resuming, and any number of ranks (each takes its slice of the global batch), give the same
/// images. Decoded samples stay in memory up to a byte budget.
public final class FinetuneBatches: FinetuneBatchSource, @unchecked Sendable {
    public let dataset: SegmentationDataset
    public let augmentation: SegmentationAugmentation
    public let globalBatch: Int
    public let seed: UInt64
    let rank: Int, worldSize: Int
    let cacheLimit: Int
    private let lock = NSLock()
    private var cache: [Int: (image: RGBImage, labels: ClassMap)] = [:]
    private var cachedBytes = 0
    private var permutations: [Int: [Int]] = [:]

    public init(dataset: SegmentationDataset, augmentation: SegmentationAugmentation, globalBatch: Int, seed: UInt64,
                rank: Int = 0, worldSize: Int = 1, cacheMB: Int = 1024) {
        precondition(globalBatch % worldSize == 0, "FinetuneBatches: batch \(globalBatch) not divisible by \(worldSize) ranks")
        (self.dataset, self.augmentation, self.globalBatch, self.seed) = (dataset, augmentation, globalBatch, seed)
        (self.rank, self.worldSize, cacheLimit) = (rank, worldSize, cacheMB << 20)
    }

    /// Samples per epoch.
    public var count: Int { dataset.samples.count }

    /// Decodes (and checks) every sample that fits the cache, in parallel; errors name the file.
    public func preload() throws {
        let n = count
        let failure = Mutex<SegmentationDataError?>(nil)
        let workers = min(n, ProcessInfo.processInfo.activeProcessorCount * 4)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: n, by: workers) {
                if failure.withLock({ $0 != nil }) || cacheFull { return }
                do throws(SegmentationDataError) { _ = try sample(i) } catch { failure.withLock { $0 = $0 ?? error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    var cacheFull: Bool { lock.withLock { cachedBytes >= cacheLimit } }

    func sample(_ i: Int) throws(SegmentationDataError) -> (image: RGBImage, labels: ClassMap) {
        if let hit = lock.withLock({ cache[i] }) { return hit }
        let loaded = try dataset.load(i)
        let bytes = loaded.image.pixels.count + loaded.labels.ids.count * 4
        lock.withLock {
            if cachedBytes + bytes <= cacheLimit && cache[i] == nil { cache[i] = loaded; cachedBytes += bytes }
        }
        return loaded
    }

    func permutation(_ epoch: Int) -> [Int] {
        lock.withLock {
            if let p = permutations[epoch] { return p }
            var rng = RandomGenerator(seed: seed &+ UInt64(epoch) &* 0xD1B5_4A32_D192_ED03, stream: .data)
            let p = rng.permutation(count)
            if permutations.count > 4 { permutations.removeAll() }
            permutations[epoch] = p
            return p
        }
    }

    /// The epoch an update's first image belongs to.
    public func epoch(atUpdate u: Int) -> Int { u * globalBatch / max(count, 1) }

    /// This rank's share of update `u`: normalised images `[b, 3, S, S]` and `b·S²` class ids.
    public func batch(update u: Int) throws -> (images: Tensor, labels: [Int32]) {
        let local = globalBatch / worldSize, s = augmentation.size, plane = augmentation.normalization.channels * s * s
        var values = [Float](repeating: 0, count: local * plane)
        var labels = [Int32](repeating: 0, count: local * s * s)
        let failure = Mutex<SegmentationDataError?>(nil)
        values.withUnsafeMutableBufferPointer { vbuf in
            labels.withUnsafeMutableBufferPointer { lbuf in
                let (vp, lp) = (vbuf.baseAddress!, lbuf.baseAddress!)
                nonisolated(unsafe) let (v, l) = (vp, lp)
                DispatchQueue.concurrentPerform(iterations: local) { i in
                    let position = u * globalBatch + rank * local + i
                    let index = permutation(position / count)[position % count]
                    do throws(SegmentationDataError) {
                        let (image, map) = try sample(index)
                        var rng = RandomGenerator(seed: seed &+ UInt64(position) &* 0x9E37_79B9_7F4A_7C15, stream: .augmentation)
                        let view = augmentation.view(image, map, using: &rng)
                        augmentation.normalization.write(view.pixels, width: s, height: s, flipped: view.flipped, into: v + i * plane)
                        view.labels.withUnsafeBufferPointer { (l + i * s * s).update(from: $0.baseAddress!, count: s * s) }
                    } catch {
                        failure.withLock { $0 = $0 ?? error }
                    }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return (Tensor(shape: [local, augmentation.normalization.channels, s, s], values), labels)
    }
}
