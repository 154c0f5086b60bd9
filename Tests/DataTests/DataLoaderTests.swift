import Foundation
import Testing
@testable import Data
import Engine
import Regions

/// Determinism, sharding, resumption and bad input of the loader.
struct DataLoaderTests {
    static func options(batch: Int, workers: Int, k: Int = 3, type: LoaderOptions.RegionSampleType = .randomForeground,
                        train: Bool = true) -> LoaderOptions {
        LoaderOptions(imageSize: 32, patchSize: 8, numRegions: k, regionSampleType: type, globalBatchSize: batch,
                      workers: workers, prefetch: 3, train: train)
    }

    static func equal(_ a: Batch, _ b: Batch) -> Bool {
        a.paths == b.paths && a.images.shape == b.images.shape && a.images.scalars == b.images.scalars
            && a.regions?.scalars == b.regions?.scalars && a.shuffleIds == b.shuffleIds
    }

    @Test func sameSeedSameBatchesWhateverTheWorkers() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        try data.populate(count: 12)
        let set = try Dataset(images: data.images, regions: .folder(data.regions))
        let serial = try DataLoader(dataset: set, options: Self.options(batch: 4, workers: 0), seed: 5)
        let threaded = try DataLoader(dataset: set, options: Self.options(batch: 4, workers: 3), seed: 5)
        let other = try DataLoader(dataset: set, options: Self.options(batch: 4, workers: 2), seed: 6)
        #expect(serial.batchesPerEpoch == 3)
        var differs = false
        for _ in 0..<7 {                                            // crosses two epoch boundaries
            let (a, b, c) = (try serial.next(), try threaded.next(), try other.next())
            #expect(Self.equal(a, b))
            if !Self.equal(a, c) { differs = true }
            #expect(a.images.shape == [4, 3, 32, 32] && a.regions?.shape == [4, 3, 32, 32])
            #expect(a.shuffleIds?.count == 4 && a.shuffleIds?.allSatisfy { $0.sorted() == Array(0..<16) } == true)
        }
        #expect(differs)
        #expect(serial.position == LoaderPosition(epoch: 2, batch: 1))
    }

    @Test func everySampleOncePerEpochAndRanksConcatenateToTheGlobalBatch() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        try data.populate(count: 13)                                 // 13 = 3 batches of 4 + 1 dropped
        let set = try Dataset(images: data.images, regions: .folder(data.regions))
        let whole = try DataLoader(dataset: set, options: Self.options(batch: 4, workers: 2), seed: 1)
        let ranks = try (0..<2).map { try DataLoader(dataset: set, options: Self.options(batch: 4, workers: 1), seed: 1, rank: $0, worldSize: 2) }
        var epochs: [[String]] = [[], []]
        for step in 0..<6 {
            let global = try whole.next()
            let parts = try ranks.map { try $0.next() }
            #expect(parts.allSatisfy { $0.images.shape[0] == 2 })
            #expect(parts[0].paths + parts[1].paths == global.paths)
            #expect(parts[0].images.scalars + parts[1].images.scalars == global.images.scalars)
            #expect(parts[0].regions!.scalars + parts[1].regions!.scalars == global.regions!.scalars)
            #expect(parts[0].shuffleIds! + parts[1].shuffleIds! == global.shuffleIds!)
            epochs[step / 3] += global.paths
        }
        for epoch in epochs {
            #expect(epoch.count == 12 && Set(epoch).count == 12)      // no repeats; one sample dropped
        }
        #expect(epochs[0] != epochs[1])                              // reshuffled
    }

    @Test func resumingFromAPositionGivesTheSameNextBatch() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        try data.populate(count: 9)
        let set = try Dataset(images: data.images, regions: .folder(data.regions))
        let options = Self.options(batch: 3, workers: 2, type: .random)
        let run = try DataLoader(dataset: set, options: options, seed: 11)
        for _ in 0..<4 { _ = try run.next() }
        let saved = try JSONDecoder().decode(LoaderPosition.self, from: JSONEncoder().encode(run.position))
        #expect(saved == LoaderPosition(epoch: 1, batch: 1))
        let expected = try run.next()
        #expect(expected.shuffleIds == nil)
        let resumed = try DataLoader(dataset: set, options: options, seed: 11, start: saved)
        #expect(Self.equal(try resumed.next(), expected))
        #expect(resumed.position == run.position)
    }

    @Test func corruptAndMismatchedFilesAreSkippedAndCounted() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        try data.populate(count: 6)
        let picture = SyntheticData.noise(width: 30, height: 20, seed: 3)
        // Truncated PNG, region map missing, region map of the wrong size.
        let broken = try data.write("broken.png", image: picture, maps: [[Int32](repeating: 0, count: 600)])
        let bytes = try Foundation.Data(contentsOf: broken)
        try bytes.prefix(bytes.count / 2).write(to: broken)
        try data.write("nomap.png", image: picture, maps: nil)
        try data.write("wrongsize.png", image: picture, maps: [[Int32](repeating: 0, count: 600)])
        try NPYArray(shape: [1, 21, 30], uint8: [UInt8](repeating: 0, count: 630))
            .write(to: data.regions.appendingPathComponent("wrongsize.npy"))
        let set = try Dataset(images: data.images, regions: .folder(data.regions))
        #expect(set.samples.count == 9)
        let loader = try DataLoader(dataset: set, options: Self.options(batch: 3, workers: 2), seed: 2)
        let again = try DataLoader(dataset: set, options: Self.options(batch: 3, workers: 0), seed: 2)
        for _ in 0..<6 {
            let (a, b) = (try loader.next(), try again.next())
            #expect(Self.equal(a, b))
            #expect(a.paths.count == 3)
            #expect(a.paths.allSatisfy { $0.hasPrefix("img_") })
        }
        #expect(Set(loader.skipped.map(\.path)) == ["broken.png", "nomap.png", "wrongsize.png"])
        #expect(loader.skipped.count == 3)
        #expect(loader.skipped.first { $0.path == "nomap.png" }!.reason.contains("nomap.npy"))
    }

    @Test func noValidImageFailsBeforeTraining() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        for i in 0..<3 { try data.write("x\(i).png", image: SyntheticData.noise(width: 8, height: 8, seed: 0), maps: nil) }
        let set = try Dataset(images: data.images, regions: .folder(data.regions))
        #expect(throws: DataError.self) { try DataLoader(dataset: set, options: Self.options(batch: 2, workers: 1), seed: 0) }
        // Without regions (MAE) the same images are fine; with k > 0 and no source it is an options error.
        let mae = try DataLoader(dataset: set, options: Self.options(batch: 2, workers: 1, k: 0), seed: 0)
        let batch = try mae.next()
        #expect(batch.regions == nil && batch.shuffleIds == nil && batch.images.shape == [2, 3, 32, 32])
        #expect(throws: DataError.self) {
            try DataLoader(dataset: Dataset(images: data.images), options: Self.options(batch: 2, workers: 0), seed: 0)
        }
        #expect(throws: DataError.self) { try DataLoader(dataset: set, options: Self.options(batch: 4, workers: 0, k: 0), seed: 0) }
        #expect(throws: DataError.self) {
            try DataLoader(dataset: set, options: Self.options(batch: 3, workers: 0, k: 0), seed: 0, rank: 0, worldSize: 2)
        }
    }

    @Test func validationIsAFixedPlainResize() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        try data.populate(count: 40)
        let set = try Dataset(images: data.images, regions: .folder(data.regions), validationFraction: 0.25)
        #expect(!set.validation.isEmpty && set.validation.count + set.train.count == 40)
        let loader = try DataLoader(dataset: set, options: Self.options(batch: 2, workers: 1, train: false), seed: 3)
        #expect(loader.samples == set.validation)
        let batch = try loader.next()
        #expect(batch.paths == Array(set.validation.prefix(2).map(\.path)))
        let picture = try ImageDecoder.decode(contentsOf: set.validation[0].image)
        let pixels = BicubicResampler.resize(picture, crop: .whole(width: picture.width, height: picture.height), width: 32, height: 32)
        var expected = [Float](repeating: 0, count: 3 * 32 * 32)
        expected.withUnsafeMutableBufferPointer { ImageNormalization.imagenet.write(pixels, width: 32, height: 32, flipped: false, into: $0.baseAddress!) }
        #expect(Array(batch.images.scalars.prefix(3 * 32 * 32)) == expected)
    }
}
