import Regions

/// Heat maps over photos: bilinear upsampling of a patch grid and a dark-to-bright colour ramp.
public enum HeatMap {
    /// Upsamples a `G × G` grid to `S × S` bilinearly with pixel centres aligned (as
    /// `torch.nn.functional.interpolate(mode="bilinear", align_corners=False)`, borders clamped).
    /// - Parameters:
    ///   - grid: `G · G` values, row-major.
    /// - Returns: `S · S` values, row-major.
    public static func upsampled(_ grid: [Float], gridSize g: Int, to size: Int) -> [Float] {
        precondition(grid.count == g * g, "HeatMap: \(grid.count) values for a \(g)×\(g) grid")
        let scale = Double(g) / Double(size)
        func source(_ i: Int) -> (Int, Int, Float) {
            let c = max(0, (Double(i) + 0.5) * scale - 0.5)
            let i0 = min(Int(c), g - 1), i1 = min(i0 + 1, g - 1)
            return (i0, i1, Float(c - Double(i0)))
        }
        let taps = (0..<size).map(source)
        var out = [Float](repeating: 0, count: size * size)
        for y in 0..<size {
            let (y0, y1, fy) = taps[y]
            for x in 0..<size {
                let (x0, x1, fx) = taps[x]
                let top = grid[y0 * g + x0] * (1 - fx) + grid[y0 * g + x1] * fx
                let bottom = grid[y1 * g + x0] * (1 - fx) + grid[y1 * g + x1] * fx
                out[y * size + x] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }

    /// Colour stops of the ramp: navy, purple, crimson, orange, pale yellow at 0, ¼, ½, ¾, 1.
    static let stops: [(Float, Float, Float)] = [(10, 10, 80), (90, 20, 150), (200, 40, 80), (250, 150, 20), (255, 250, 170)]

    /// The ramp's colour for `v` in [0, 1] (clamped), linear between stops.
    public static func color(_ v: Float) -> (UInt8, UInt8, UInt8) {
        let t = min(max(v.isFinite ? v : 0, 0), 1) * Float(stops.count - 1)
        let i = min(Int(t), stops.count - 2), f = t - Float(i)
        let (a, b) = (stops[i], stops[i + 1])
        return (UInt8((a.0 + (b.0 - a.0) * f).rounded()), UInt8((a.1 + (b.1 - a.1) * f).rounded()),
                UInt8((a.2 + (b.2 - a.2) * f).rounded()))
    }

    /// The ramp alone: `values` (`W · H`, expected in [0, 1]) as colours.
    public static func image(_ values: [Float], width: Int, height: Int) -> RGBImage {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { (px[3 * i], px[3 * i + 1], px[3 * i + 2]) = color(values[i]) }
        return RGBImage(width: width, height: height, pixels: px)
    }

    /// The ramp blended over a photo: `out = (1 − alpha) · photo + alpha · color(value)`.
    public static func overlay(_ photo: RGBImage, values: [Float], alpha: Double = 0.6) -> RGBImage {
        precondition(values.count == photo.width * photo.height, "HeatMap: \(values.count) values for a \(photo.width)×\(photo.height) photo")
        var out = photo
        for i in 0..<values.count {
            let c = color(values[i])
            for (j, v) in [c.0, c.1, c.2].enumerated() {
                out.pixels[3 * i + j] = UInt8((Double(photo.pixels[3 * i + j]) * (1 - alpha) + Double(v) * alpha).rounded())
            }
        }
        return out
    }
}
