import Data
import Engine
import Foundation
import Regions

/// A photo prepared for a model: resized to the model's square input and normalised, with the original size
/// kept so that coordinates in input-image pixels map to model pixels and patches.
///
/// The resize is the data pipeline's antialiased bicubic (`RGBImage.resized`), straight to `S × S` (the
/// aspect ratio is not kept, so every input pixel has a place in the model's view). Normalisation is
/// `(v / 255 − mean[c]) / std[c]` with the model's statistics (``ModelConfig/normalization``; ImageNet's by
/// default, REFERENCE.md §11.2).
public struct ModelImage: Sendable {
    /// Columns and rows of the input image.
    public let inputWidth: Int, inputHeight: Int
    /// The model's view, `S × S`.
    public let resized: RGBImage
    /// `[1, C, S, S]`, normalised (C = 3, or 1 for a grey model).
    public let tensor: Tensor

    /// - Parameters:
    ///   - image: the photo as decoded.
    ///   - size: the model's `img_size` (S).
    ///   - normalization: the model's (``ModelConfig/normalization``).
    public init(_ image: RGBImage, size: Int, normalization: ImageNormalization) {
        inputWidth = image.width
        inputHeight = image.height
        resized = image.width == size && image.height == size ? image : image.resized(width: size, height: size)
        tensor = Self.normalized(resized, normalization)
    }

    /// S.
    public var size: Int { resized.width }

    /// HWC bytes → `[1, C, H, W]` with `x[c] = (v / 255 − mean[c]) / std[c]` (C = 1: the luma).
    public static func normalized(_ image: RGBImage, _ normalization: ImageNormalization) -> Tensor {
        let c = normalization.channels
        var values = [Float](repeating: 0, count: c * image.width * image.height)
        values.withUnsafeMutableBufferPointer {
            normalization.write(image.pixels, width: image.width, height: image.height, flipped: false, into: $0.baseAddress!)
        }
        return Tensor(shape: [1, c, image.height, image.width], values)
    }

    /// The model pixel `(column, row)` that shows input pixel `(x, y)`: `⌊x · S / W⌋`, clamped to the image.
    public func modelPixel(x: Double, y: Double) -> (x: Int, y: Int) {
        let s = Double(size)
        let mx = Int((x * s / Double(inputWidth)).rounded(.down)), my = Int((y * s / Double(inputHeight)).rounded(.down))
        return (min(max(mx, 0), size - 1), min(max(my, 0), size - 1))
    }

    /// The patch index `row · G + column` under input pixel `(x, y)`.
    public func patch(x: Double, y: Double, patchSize: Int) -> Int {
        let (mx, my) = modelPixel(x: x, y: y)
        return (my / patchSize) * (size / patchSize) + mx / patchSize
    }
}
