import Data
import Foundation

/// The data loader as a ``BatchSource``: its position (epoch, batch) is stored in checkpoints as JSON.
public final class LoaderBatches: BatchSource {
    public let loader: DataLoader

    public init(_ loader: DataLoader) { self.loader = loader }

    public func nextBatch() throws -> TrainingBatch {
        let b = try loader.next()
        return TrainingBatch(images: b.images, regions: b.regions, shuffleIds: b.shuffleIds)
    }

    public var positionDescription: String {
        String(decoding: (try? JSONEncoder().encode(loader.position)) ?? Data(), as: UTF8.self)
    }

    public var batchesPerEpoch: Int { loader.batchesPerEpoch }
    public var epoch: Int { loader.position.epoch }

    /// Parses a position written by ``positionDescription``.
    public static func position(from description: String) throws -> LoaderPosition {
        do { return try JSONDecoder().decode(LoaderPosition.self, from: Data(description.utf8)) } catch {
            throw ConfigurationError(description: "checkpoint data position '\(description)' is not a loader position")
        }
    }
}
