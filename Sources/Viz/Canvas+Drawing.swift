/// Outlines, markers and scaling for the pictures of `rmae attention` and `rmae segment`.
extension Canvas {
    /// A rectangle outline `thickness` pixels wide, inside the box `(x, y, width, height)`.
    public mutating func stroke(x: Int, y: Int, width w: Int, height h: Int, thickness t: Int = 1,
                                color: (UInt8, UInt8, UInt8)) {
        fill(x: x, y: y, width: w, height: t, color: color)
        fill(x: x, y: y + h - t, width: w, height: t, color: color)
        fill(x: x, y: y, width: t, height: h, color: color)
        fill(x: x + w - t, y: y, width: t, height: h, color: color)
    }

    /// A plus-shaped marker centred on `(x, y)`: arms of `radius` pixels in `color` with a one-pixel black
    /// border, so it stays visible on light and dark backgrounds.
    public mutating func cross(x: Int, y: Int, radius r: Int = 3, color: (UInt8, UInt8, UInt8) = (0, 255, 0)) {
        fill(x: x - r - 1, y: y - 1, width: 2 * r + 3, height: 3, color: (0, 0, 0))
        fill(x: x - 1, y: y - r - 1, width: 3, height: 2 * r + 3, color: (0, 0, 0))
        fill(x: x - r, y: y, width: 2 * r + 1, height: 1, color: color)
        fill(x: x, y: y - r, width: 1, height: 2 * r + 1, color: color)
    }

    /// The canvas enlarged `factor` times by pixel repetition (captions stay crisp).
    public func upscaled(_ factor: Int) -> Canvas {
        precondition(factor >= 1, "Canvas.upscaled: factor \(factor) < 1")
        if factor == 1 { return self }
        var out = Canvas(width: width * factor, height: height * factor)
        for y in 0..<height {
            for x in 0..<width {
                let s = (y * width + x) * 3
                out.fill(x: x * factor, y: y * factor, width: factor, height: factor,
                         color: (pixels[s], pixels[s + 1], pixels[s + 2]))
            }
        }
        return out
    }

    /// The enlargement that brings a model-sized picture (S pixels) to about 192 pixels: `max(1, 192 / S)`.
    public static func displayFactor(imageSize s: Int) -> Int { max(1, 192 / max(s, 1)) }
}
