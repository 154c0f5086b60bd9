/// Where a ``DataLoader`` stands: the batch it returns next. Stored in checkpoints so a resumed run
/// continues with exactly the batches it would have seen.
public struct LoaderPosition: Codable, Equatable, Hashable, Sendable {
    /// Epoch, from 0.
    public var epoch: Int
    /// Batch within the epoch, `0 ..< batchesPerEpoch`.
    public var batch: Int

    /// A position.
    public init(epoch: Int, batch: Int) {
        self.epoch = epoch
        self.batch = batch
    }

    /// The position `steps` batches later, with `perEpoch` batches to an epoch.
    func advanced(by steps: Int, perEpoch: Int) -> LoaderPosition {
        let linear = epoch * perEpoch + batch + steps
        return LoaderPosition(epoch: linear / perEpoch, batch: linear % perEpoch)
    }
}
