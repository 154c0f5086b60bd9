import Regions

extension RGBImage {
    /// The image resized to `width × height` with the pipeline's antialiased bicubic filter
    /// (``BicubicResampler``, Pillow-style, a = −0.5), up or down.
    /// - Parameters:
    ///   - width: output columns, at least 1.
    ///   - height: output rows, at least 1.
    /// - Returns: a new image.
    public func resized(width: Int, height: Int) -> RGBImage {
        precondition(width > 0 && height > 0, "RGBImage.resized: empty size \(width)x\(height)")
        let pixels = BicubicResampler.resize(self, crop: .whole(width: self.width, height: self.height),
                                             width: width, height: height)
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
