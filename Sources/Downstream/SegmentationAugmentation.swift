import Data
import Engine
import Regions
import Viz

/// The joint image/label-map views of fine-tuning (mmseg's `Resize(ratio_range)`, `RandomCrop`, `RandomFlip`
/// and `Pad`, on a square view of side `size`): the image is resized to `s·size` square with s uniform in
/// `scale`, a `size × size` window is cropped at random (padded where the resized image is smaller: image
/// with the normalisation mean, labels with the ignore index), and both are mirrored with probability 1/2.
/// Images are resized with the pre-training pipeline's antialiased bicubic filter, label maps by nearest
/// neighbour (pixel centres), so no class id is ever blended.
public struct SegmentationAugmentation: Sendable {
    public var size: Int
    public var scale: ClosedRange<Double>
    public var flip: Bool
    public var ignoreIndex: Int32

    /// The model's input normalisation; padding takes its mean colour (which normalises to 0).
    public var normalization: ImageNormalization

    public init(size: Int, scale: ClosedRange<Double> = 0.5...2.0, flip: Bool = true, ignoreIndex: Int32 = 255,
                normalization: ImageNormalization) {
        self.normalization = normalization
        precondition(size > 0 && scale.lowerBound > 0, "SegmentationAugmentation: size \(size), scale \(scale)")
        (self.size, self.scale, self.flip, self.ignoreIndex) = (size, scale, flip, ignoreIndex)
    }

    /// One training view: `size²·3` HWC bytes, `size²` class ids, and whether the view is mirrored (applied
    /// by the caller when normalising the image; the labels come mirrored already).
    public func view(_ image: RGBImage, _ labels: ClassMap, using rng: inout RandomGenerator) -> (pixels: [UInt8], labels: [Int32], flipped: Bool) {
        let s = scale.lowerBound + (scale.upperBound - scale.lowerBound) * rng.uniformDouble()
        let side = max(1, Int((Double(size) * s).rounded()))
        let resized = image.resized(width: side, height: side)
        let ids = Self.nearest(labels, width: side, height: side)
        // the window's origin in the resized image (negative: padding before it)
        let slack = side - size
        let top = slack >= 0 ? rng.int(below: slack + 1) : -rng.int(below: -slack + 1)
        let left = slack >= 0 ? rng.int(below: slack + 1) : -rng.int(below: -slack + 1)
        let flipped = flip && rng.uniform() < 0.5
        let mean = normalization.meanBytes
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for i in 0..<(size * size) { pixels[3 * i] = mean[0]; pixels[3 * i + 1] = mean[1]; pixels[3 * i + 2] = mean[2] }
        var out = [Int32](repeating: ignoreIndex, count: size * size)
        for y in 0..<size {
            let sy = top + y
            guard sy >= 0 && sy < side else { continue }
            for x in 0..<size {
                let sx = left + x
                guard sx >= 0 && sx < side else { continue }
                let (src, dst) = (sy * side + sx, y * size + x)
                pixels[3 * dst] = resized.pixels[3 * src]
                pixels[3 * dst + 1] = resized.pixels[3 * src + 1]
                pixels[3 * dst + 2] = resized.pixels[3 * src + 2]
                out[y * size + (flipped ? size - 1 - x : x)] = ids[src]
            }
        }
        return (pixels, out, flipped)
    }

    /// The evaluation view: the whole image resized to `size × size` (labels stay at their own size; the
    /// model's scores are resized to them).
    public func evaluationPixels(_ image: RGBImage) -> [UInt8] {
        image.width == size && image.height == size ? image.pixels : image.resized(width: size, height: size).pixels
    }

    /// Nearest-neighbour resampling of a label map (source pixel `⌊(o + ½)·in/out⌋`, ``Viz/nearestResized(_:width:height:toWidth:toHeight:)``).
    public static func nearest(_ labels: ClassMap, width: Int, height: Int) -> [Int32] {
        nearestResized(labels.ids, width: labels.width, height: labels.height, toWidth: width, toHeight: height)
    }
}
