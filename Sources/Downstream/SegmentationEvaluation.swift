import Data
import Engine
import Foundation
import Regions

/// Scoring a fine-tuned model on labelled images as mmseg's whole-image inference does: each image resized to
/// the model's view, the class scores resized back (bilinear, `align_corners=False`) to the label map's own
/// size, the arg-max compared with the labels there (ignored pixels left out).
public enum SegmentationEvaluation {
    /// The predicted class of every pixel of each image, at the image's own size.
    public static func predict(_ model: SegmentationViT, images: [RGBImage]) -> [[Int32]] {
        let s = model.config.imgSize, c = model.config.classes
        let normalization = model.config.normalization
        let augmentation = SegmentationAugmentation(size: s, normalization: normalization)
        let ch = normalization.channels
        var values = [Float](repeating: 0, count: images.count * ch * s * s)
        values.withUnsafeMutableBufferPointer { out in
            for (i, image) in images.enumerated() {
                normalization.write(augmentation.evaluationPixels(image), width: s, height: s, flipped: false,
                                    into: out.baseAddress! + i * ch * s * s)
            }
        }
        let batch = Tensor(shape: [images.count, ch, s, s], values)
        let scores = withoutGradient { model(batch) }   // [B, s, s, C]
        return images.enumerated().map { i, image in
            let one = scores.slice(alongAxis: 0, i..<(i + 1))
            let resized = withoutGradient { one.bilinearResized(height: image.height, width: image.width) }.scalars
            return (0..<(image.width * image.height)).map { p in
                var best = 0
                var top = resized[p * c]
                for j in 1..<c where resized[p * c + j] > top { (best, top) = (j, resized[p * c + j]) }
                return Int32(best)
            }
        }
    }

    /// The confusion matrix of the model over samples `indices` of `dataset` (every sample when nil), in
    /// batches of `batchSize`; `progress` gets the count done after each batch.
    public static func confusion(_ model: SegmentationViT, dataset: SegmentationDataset, indices: [Int]? = nil, batchSize: Int = 16,
                                 progress: (Int) -> Void = { _ in }) throws -> ConfusionMatrix {
        let order = indices ?? Array(dataset.samples.indices)
        var matrix = ConfusionMatrix(classes: dataset.classes, ignoreIndex: dataset.ignoreIndex)
        var start = 0
        while start < order.count {
            let chunk = Array(order[start..<min(order.count, start + max(1, batchSize))])
            let loaded = try chunk.map { try dataset.load($0) }
            let predictions = predict(model, images: loaded.map(\.image))
            for (sample, prediction) in zip(loaded, predictions) { matrix.add(truth: sample.labels.ids, prediction: prediction) }
            start += chunk.count
            progress(start)
        }
        return matrix
    }
}
