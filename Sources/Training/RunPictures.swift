import Engine
import Foundation
import Models
import Viz

/// The pictures a run keeps up to date in its directory, rewritten (atomically) at every validation and at
/// the end: `reconstruction.png` (``ReconstructionGrid`` of the first four validation views, with their fixed
/// masks) and `curves.png` (``RunCurves`` from `metrics.jsonl`).
///
/// A picture that cannot be written is reported in the log; training goes on.
public struct RunPictures {
    public let directory: URL
    /// The batch the reconstruction grid shows (its first four images); nil: no grid.
    public let shown: TrainingBatch?
    public let config: ModelConfig

    public init(directory: URL, shown: TrainingBatch?, config: ModelConfig) {
        self.directory = directory
        self.shown = shown.map { batch in
            let count = min(4, batch.images.shape[0])
            return TrainingBatch(images: batch.images.slice(alongAxis: 0, 0..<count),
                                 regions: batch.regions?.slice(alongAxis: 0, 0..<count),
                                 shuffleIds: batch.shuffleIds.map { Array($0.prefix(count)) })
        }
        self.config = config
    }

    /// Writes both pictures for the trainer's current weights.
    public func write(_ trainer: Trainer, log: (String) -> Void) {
        do {
            if let shown {   // (the same picture the TensorBoard event file gets)
                try trainer.reconstructionPicture(shown).writePNG(to: directory.appendingPathComponent("reconstruction.png"))
            }
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("metrics.jsonl").path) {
                try RunCurves.write([RunCurves.Run(directory: directory)], to: directory.appendingPathComponent("curves.png"))
            }
        } catch {
            log("warning: pictures for update \(trainer.step) not written: \(error)")
        }
    }
}
