import Data
import Engine
import Regions

/// Conversions from tensors to pictures.
public enum TensorImages {
    /// A normalised `[C, H, W]` image (or element `index` of a `[B, C, H, W]` batch) back to RGB8:
    /// `x·std + mean` with the normalisation it was made with, clamped to [0, 1] (one channel: grey).
    public static func rgb(_ t: Tensor, index: Int = 0, normalization: ImageNormalization) -> RGBImage {
        let (h, w) = (t.shape[t.rank - 2], t.shape[t.rank - 1])
        let v = t.scalars
        let channels = normalization.channels
        let base = index * channels * h * w
        var px = [UInt8](repeating: 0, count: h * w * 3)
        for c in 0..<3 {
            let source = min(c, channels - 1)
            for i in 0..<(h * w) {
                px[i * 3 + c] = byte(normalization.denormalized(v[base + source * h * w + i], channel: source))
            }
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    /// A value in [0, 1] as a byte (clamped; NaN, which the clamp would pass through, becomes 0 instead of
    /// trapping in the conversion).
    @inline(__always) static func byte(_ v: Float) -> UInt8 {
        v.isNaN ? 0 : UInt8((min(max(v, 0), 1) * 255).rounded())
    }

    /// A map in [0, 1] (`[H, W]` values, row-major) as grey.
    public static func grey(_ values: [Float], width: Int, height: Int) -> RGBImage {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let g = byte(values[i])
            (px[3 * i], px[3 * i + 1], px[3 * i + 2]) = (g, g, g)
        }
        return RGBImage(width: width, height: height, pixels: px)
    }

    /// A distinct colour per index (golden-angle hues).
    public static func color(_ i: Int) -> (UInt8, UInt8, UInt8) {
        let h = (Double(i) * 137.508).truncatingRemainder(dividingBy: 360) / 60
        let (s, v) = (0.75, 0.95)
        let c = v * s, x = c * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1)), m = v - c
        let (r, g, b): (Double, Double, Double)
        switch Int(h) {
        case 0: (r, g, b) = (c, x, 0)
        case 1: (r, g, b) = (x, c, 0)
        case 2: (r, g, b) = (0, c, x)
        case 3: (r, g, b) = (0, x, c)
        case 4: (r, g, b) = (x, 0, c)
        default: (r, g, b) = (c, 0, x)
        }
        return (UInt8((r + m) * 255), UInt8((g + m) * 255), UInt8((b + m) * 255))
    }

    /// Blends binary maps over a photo: each map's pixels take its colour at `alpha` (later maps on top).
    /// maps: k arrays of H·W values in {0, 1}.
    public static func overlay(_ photo: RGBImage, maps: [[Float]], alpha: Double = 0.6) -> RGBImage {
        var out = photo
        for (r, m) in maps.enumerated() {
            let (cr, cg, cb) = color(r)
            for i in 0..<(photo.width * photo.height) where m[i] >= 0.5 {
                out.pixels[3 * i] = UInt8(Double(out.pixels[3 * i]) * (1 - alpha) + Double(cr) * alpha)
                out.pixels[3 * i + 1] = UInt8(Double(out.pixels[3 * i + 1]) * (1 - alpha) + Double(cg) * alpha)
                out.pixels[3 * i + 2] = UInt8(Double(out.pixels[3 * i + 2]) * (1 - alpha) + Double(cb) * alpha)
            }
        }
        return out
    }
}
