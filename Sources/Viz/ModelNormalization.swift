import Data
import Models

extension ModelConfig {
    /// The input normalisation the weights were trained with (ImageNet's, for RGB or for one luma channel,
    /// unless the configuration records another): what every command that feeds images to this model applies.
    /// Images feed models of 1 or 3 input channels (``checkImageChannels()``).
    public var normalization: ImageNormalization {
        if let m = pixelMean, let s = pixelStd, m.count == inChans, s.count == inChans, inChans == 1 || inChans == 3 {
            return ImageNormalization(mean: m.map(Float.init), std: s.map(Float.init))
        }
        return ImageNormalization.imagenet(channels: inChans) ?? .imagenet
    }

    /// Throws unless images can feed this model (in_chans 1: luma, 3: RGB).
    public func checkImageChannels() throws {
        guard ImageNormalization.supportedChannels.contains(inChans) else {
            throw ModelConfigError(description: "in_chans \(inChans): images feed models of 1 (grey) or 3 (RGB) input channels")
        }
    }

    /// The configuration with `n` recorded (nil for ImageNet's, as configurations without the keys read).
    public func recording(_ n: ImageNormalization) -> ModelConfig {
        var c = self
        if n == ImageNormalization.imagenet(channels: inChans) { (c.pixelMean, c.pixelStd) = (nil, nil) } else {
            (c.pixelMean, c.pixelStd) = (n.mean.map(Double.init), n.std.map(Double.init))
        }
        return c
    }
}
