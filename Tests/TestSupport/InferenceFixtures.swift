import Engine
import Models
import Regions

/// A fixture-sized R-MAE (32 px, patch 8: G = 4, N = 16; widths 16–32) and synthetic photos.
public enum InferenceFixtures {
    public static func config(variant: RegionVariant = .length) -> ModelConfig { TestModelConfigs.small(variant: variant) }

    public static func model(variant: RegionVariant = .length) throws -> RegionMAE {
        try RegionMAE(config: config(variant: variant), seed: 3)
    }

    /// A `width × height` photo: a noisy grey-blue background with a red rectangle `box` (x, y, w, h).
    public static func photo(width: Int, height: Int, box: (Int, Int, Int, Int), seed: UInt64 = 5) -> RGBImage {
        var rng = RandomGenerator(seed: seed, stream: .test)
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let inside = x >= box.0 && x < box.0 + box.2 && y >= box.1 && y < box.1 + box.3
                let noise = Int(rng.next() % 20)
                let rgb = inside ? (220, 40 + noise, 30) : (90 + noise, 110 + noise, 140)
                (px[3 * (y * width + x)], px[3 * (y * width + x) + 1], px[3 * (y * width + x) + 2]) =
                    (UInt8(rgb.0), UInt8(rgb.1), UInt8(rgb.2))
            }
        }
        return RGBImage(width: width, height: height, pixels: px)
    }
}
