import Data
import Models

extension ModelConfig {
    /// The input normalisation the weights were trained with (ImageNet's unless the configuration records
    /// another): what every command that feeds images to this model applies.
    public var normalization: ImageNormalization {
        guard let m = pixelMean, let s = pixelStd, m.count == 3, s.count == 3 else { return .imagenet }
        return ImageNormalization(mean: m.map(Float.init), std: s.map(Float.init))
    }

    /// The configuration with `n` recorded (nil for ImageNet's, as configurations without the keys read).
    public func recording(_ n: ImageNormalization) -> ModelConfig {
        var c = self
        if n == .imagenet { (c.pixelMean, c.pixelStd) = (nil, nil) } else {
            (c.pixelMean, c.pixelStd) = (n.mean.map(Double.init), n.std.map(Double.init))
        }
        return c
    }
}
