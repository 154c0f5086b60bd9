import Data
import Foundation
import Regions

/// An RGB8 drawing surface for the pictures the tools write: tiles, captions, overlays; saved as PNG.
public struct Canvas {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = background }
    }

    /// Copies an image with its top-left corner at (x, y), clipped to the canvas.
    public mutating func draw(_ image: RGBImage, x: Int, y: Int) {
        for row in 0..<image.height where y + row >= 0 && y + row < height {
            for col in 0..<image.width where x + col >= 0 && x + col < width {
                let s = (row * image.width + col) * 3, d = ((y + row) * width + x + col) * 3
                pixels[d] = image.pixels[s]; pixels[d + 1] = image.pixels[s + 1]; pixels[d + 2] = image.pixels[s + 2]
            }
        }
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: (UInt8, UInt8, UInt8)) {
        for row in max(0, y)..<min(height, y + h) {
            for col in max(0, x)..<min(width, x + w) {
                let d = (row * width + col) * 3
                (pixels[d], pixels[d + 1], pixels[d + 2]) = color
            }
        }
    }

    /// Draws text with the built-in 5×7 font at `scale` pixels per font pixel; returns the width drawn.
    @discardableResult
    public mutating func text(_ string: String, x: Int, y: Int, scale: Int = 1, color: (UInt8, UInt8, UInt8) = (0, 0, 0)) -> Int {
        var cx = x
        for ch in string {
            if let g = BitmapFont.glyph(ch) {
                for (r, line) in g.enumerated() {
                    for (c, bit) in line.enumerated() where bit == "#" {
                        fill(x: cx + c * scale, y: y + r * scale, width: scale, height: scale, color: color)
                    }
                }
            }
            cx += (BitmapFont.width + 1) * scale
        }
        return cx - x
    }

    /// Width of `string` in pixels at `scale`.
    public static func textWidth(_ string: String, scale: Int = 1) -> Int { string.count * (BitmapFont.width + 1) * scale }

    public var image: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }

    /// Writes a PNG atomically (temporary file, then rename).
    public func writePNG(to url: URL) throws {
        try AtomicFile.write(Data(PNG.encode(pixels: pixels, width: width, height: height, channels: 3)), to: url)
    }
}
