import Data
import Models
import NN
import Viz

extension Trainer {
    /// The reconstruction grid (masked input, reconstruction, original; masked, predicted and true region)
    /// of the first `count` images of `batch`, with the loader's patch order or a fixed masking draw, so the
    /// same batch gives comparable pictures at every step.
    public func reconstructionPicture(_ batch: TrainingBatch, count: Int = 4) -> Canvas {
        let m = config.model
        let count = min(count, batch.images.shape[0])
        let images = batch.images.slice(alongAxis: 0, 0..<count)
        let regions = batch.regions?.slice(alongAxis: 0, 0..<count)
        var rng = RandomGenerator(seed: config.seed &+ 0x5EED, stream: .masking)
        let masking = batch.shuffleIds.map { Masking(idsShuffle: Array($0.prefix(count))) }
            ?? Masking.random(batch: count, patches: m.numPatches, using: &rng)
        let out = withoutGradient { model(images: images, regions: regions, masking: masking) }
        return ReconstructionGrid.render(images: images, regions: regions, output: out, config: m,
                                         title: "STEP \(step)  MASK RATIO \(m.maskRatio)")
    }

    /// ``reconstructionPicture(_:count:)`` as the bytes of a PNG file (for the TensorBoard event file).
    public func reconstructionPNG(_ batch: TrainingBatch, count: Int = 4) -> [UInt8] {
        let canvas = reconstructionPicture(batch, count: count)
        return PNG.encode(pixels: canvas.pixels, width: canvas.width, height: canvas.height, channels: 3)
    }
}
