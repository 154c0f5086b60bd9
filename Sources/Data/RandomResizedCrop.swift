import Foundation
import Engine

/// The crop of torchvision's `RandomResizedCrop` as the official R-MAE loader draws it, "with loop"
/// (REFERENCE.md §11.2, step 1).
///
///     up to 10 times:
///         area = U(0.2, 1) · W·H,   r = exp(U(ln 3/4, ln 4/3))
///         w = round(√(area·r)),     h = round(√(area/r))          (round half to even, as Python)
///         if 0 < w ≤ W and 0 < h ≤ H:
///             top = randint(0, H − h), left = randint(0, W − w)   (inclusive)
///     otherwise the fallback, centred: W/H < 3/4 → w = W, h = round(W / (3/4));
///                                      W/H > 4/3 → h = H, w = round(H · 4/3); else the whole image.
enum RandomResizedCrop {
    /// Area range as a share of the image.
    static let scale = (low: 0.2, high: 1.0)
    /// Aspect-ratio (w/h) range.
    static let ratio = (low: 3.0 / 4.0, high: 4.0 / 3.0)

    static func box(width: Int, height: Int, using rng: inout RandomGenerator) -> CropBox {
        let area = Double(width * height)
        let (logLow, logHigh) = (log(ratio.low), log(ratio.high))
        for _ in 0..<10 {
            let target = area * (scale.low + (scale.high - scale.low) * rng.uniformDouble())
            let r = exp(logLow + (logHigh - logLow) * rng.uniformDouble())
            let w = Int((target * r).squareRoot().rounded(.toNearestOrEven))
            let h = Int((target / r).squareRoot().rounded(.toNearestOrEven))
            if w > 0, w <= width, h > 0, h <= height {
                let top = rng.int(below: height - h + 1)
                let left = rng.int(below: width - w + 1)
                return CropBox(top: top, left: left, height: h, width: w)
            }
        }
        let inRatio = Double(width) / Double(height)
        var (w, h) = (width, height)
        if inRatio < ratio.low {
            h = Int((Double(w) / ratio.low).rounded(.toNearestOrEven))
        } else if inRatio > ratio.high {
            w = Int((Double(h) * ratio.high).rounded(.toNearestOrEven))
        }
        return CropBox(top: (height - h) / 2, left: (width - w) / 2, height: h, width: w)
    }
}
