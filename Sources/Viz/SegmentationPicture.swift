import Foundation
import Regions

/// The picture `rmae segment` writes, four captioned panels at model resolution:
/// the photo with the prompt patches outlined (green) | the probability map (ramp, 0 navy → 1 pale yellow)
/// | the thresholded mask with the prompts pasted (white = object) | the mask over the photo (red).
public enum SegmentationPicture {
    /// - Parameters:
    ///   - prediction: the model's answer.
    ///   - photo: the model's view of the image (`S × S`).
    ///   - threshold: the probability that counts as object.
    ///   - title: a caption line above the panels.
    public static func render(_ prediction: InteractiveSegmentation.Prediction, photo: RGBImage, threshold: Float,
                              title: String) -> Canvas {
        let (s, p) = (prediction.size, prediction.patchSize)
        let g = s / p
        let mask = prediction.mask(threshold: threshold)
        let covered = mask.reduce(0, +) / Float(s * s) * 100
        let names = [("PROMPTS", "\(prediction.prompt.patches.count) PATCHES"), ("PROBABILITY", "0 TO 1"),
                     (String(format: "MASK >= %.2f", threshold), String(format: "%.1f%% OF IMAGE", covered)), ("OVERLAY", "")]
        let gap = 4, caption = 20
        let tile = max(s, names.map { Canvas.textWidth($0.0) }.max()! + 2, names.map { Canvas.textWidth($0.1) }.max()! + 2)
        let width = gap + 4 * (tile + gap)
        let titleLines = Canvas.wrapped(title, width: width - 2 * gap)
        let top = 4 + titleLines.count * Canvas.lineHeight
        var canvas = Canvas(width: width, height: top + caption + s + gap)
        canvas.lines(titleLines, x: gap, y: 3)
        let tiles = [photo, HeatMap.image(prediction.probabilities, width: s, height: s),
                     TensorImages.grey(mask, width: s, height: s), overlay(photo, mask: mask)]
        for (i, t) in tiles.enumerated() {
            let x = gap + i * (tile + gap)
            canvas.text(names[i].0, x: x, y: top + 2)
            canvas.text(names[i].1, x: x, y: top + 11, color: (90, 90, 90))
            canvas.draw(t, x: x, y: top + caption)
        }
        for patch in prediction.prompt.patches {
            canvas.stroke(x: gap + (patch % g) * p, y: top + caption + (patch / g) * p, width: p, height: p, color: (0, 255, 0))
        }
        return canvas
    }

    /// The mask in red at 55 % over the photo.
    static func overlay(_ photo: RGBImage, mask: [Float]) -> RGBImage {
        var out = photo
        for i in 0..<mask.count where mask[i] >= 0.5 {
            out.pixels[3 * i] = UInt8(Double(photo.pixels[3 * i]) * 0.45 + 255 * 0.55)
            out.pixels[3 * i + 1] = UInt8(Double(photo.pixels[3 * i + 1]) * 0.45)
            out.pixels[3 * i + 2] = UInt8(Double(photo.pixels[3 * i + 2]) * 0.45)
        }
        return out
    }
}
