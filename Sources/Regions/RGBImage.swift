/// An 8-bit RGB image stored row-major, channels interleaved: `pixels[(y * width + x) * 3 + c]`.
///
/// Shape `[H, W, 3]` (HWC), as `numpy.asarray(PIL.Image.open(path).convert("RGB"))`.
public struct RGBImage: Sendable, Equatable {
    /// Columns (W).
    public var width: Int
    /// Rows (H).
    public var height: Int
    /// `height * width * 3` bytes, HWC order.
    public var pixels: [UInt8]

    /// Wraps HWC bytes.
    /// - Parameters:
    ///   - width: columns, at least 1.
    ///   - height: rows, at least 1.
    ///   - pixels: exactly `height * width * 3` bytes in HWC order.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage: empty image \(width)x\(height)")
        precondition(pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes for \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The pixel at row `y`, column `x`.
    public subscript(y: Int, x: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}
