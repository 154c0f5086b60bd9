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

    /// Fills a rectangle, clipped to the canvas: a rectangle partly or wholly outside it (text past the
    /// right edge, a marker at a corner, a negative size) draws what falls inside, and nothing else.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: (UInt8, UInt8, UInt8)) {
        let (top, bottom) = (max(0, y), min(height, y + max(0, h))), (left, right) = (max(0, x), min(width, x + max(0, w)))
        guard top < bottom, left < right else { return }
        for row in top..<bottom {
            for col in left..<right {
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

    /// `string` shortened to fit `width` pixels at `scale`: unchanged when it fits, else cut and ended
    /// with ".." (empty when not even that fits).
    public static func fitting(_ string: String, width: Int, scale: Int = 1) -> String {
        if textWidth(string, scale: scale) <= width { return string }
        let room = width / ((BitmapFont.width + 1) * max(1, scale))
        guard room >= 3 else { return room >= 1 ? String(string.prefix(room)) : "" }
        return String(string.prefix(room - 2)) + ".."
    }

    /// `string` broken at spaces into lines of at most `width` pixels (a word longer than a line is
    /// shortened with ``fitting(_:width:scale:)``), at most `maxLines` lines: the last one shortened.
    public static func wrapped(_ string: String, width: Int, scale: Int = 1, maxLines: Int = 3) -> [String] {
        let maxLines = max(1, maxLines)
        var lines: [String] = [], current = ""
        for word in string.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if textWidth(candidate, scale: scale) <= width || current.isEmpty { current = candidate } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        if lines.count > maxLines { lines = Array(lines.prefix(maxLines - 1)) + [lines[(maxLines - 1)...].joined(separator: " ")] }
        return lines.map { fitting($0, width: width, scale: scale) }
    }

    /// Line pitch of the built-in font at scale 1 (7 pixels of glyph, 3 of leading).
    public static let lineHeight = BitmapFont.height + 3

    /// Draws `lines` one under the other from (x, y); returns the height used.
    @discardableResult
    public mutating func lines(_ lines: [String], x: Int, y: Int, color: (UInt8, UInt8, UInt8) = (0, 0, 0)) -> Int {
        for (i, line) in lines.enumerated() { text(line, x: x, y: y + i * Self.lineHeight, color: color) }
        return lines.count * Self.lineHeight
    }

    public var image: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }

    /// Writes a PNG atomically (temporary file, then rename).
    public func writePNG(to url: URL) throws {
        try AtomicFile.write(Data(PNG.encode(pixels: pixels, width: width, height: height, channels: 3)), to: url)
    }
}
