#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Separable Gaussian smoothing of an RGB image in Float64, as scikit-image's FH calls
/// `scipy.ndimage.gaussian_filter` (REFERENCE.md §12 step 2).
///
/// Each channel is filtered on its own: first along rows (axis 0), then along columns (axis 1). The
/// kernel has radius `r = Int(4σ + 0.5)` and weights `exp(-0.5/σ² · t²)`, normalised to sum 1. Borders are
/// half-sample symmetric ("reflect"): index -1 reads 0, -2 reads 1, H reads H-1.
///
/// Bit-for-bit parity detail: SciPy's 1-D correlation uses the kernel's symmetry and sums
///
///     out = w₀·x₀ + (x₋ᵣ + xᵣ)·wᵣ + … + (x₋₁ + x₁)·w₁
///
/// in exactly that order (outermost pair first), so we do too.
enum GaussianBlur {
    /// The normalised 1-D kernel, `2r + 1` taps for t = -r...r (SciPy `_gaussian_kernel1d`).
    static func kernel(sigma: Double) -> [Double] {
        let radius = Int(4 * sigma + 0.5)
        let sigma2 = sigma * sigma
        var weights = (-radius...radius).map { t in exp(-0.5 / sigma2 * Double(t * t)) }
        var sum = 0.0
        for w in weights { sum += w }
        for i in weights.indices { weights[i] /= sum }
        return weights
    }

    /// Maps any index to `0..<count` by half-sample symmetric reflection (period `2 * count`).
    @inline(__always)
    static func reflect(_ i: Int, _ count: Int) -> Int {
        let period = 2 * count
        var j = i % period
        if j < 0 { j += period }
        return j < count ? j : period - 1 - j
    }

    /// Smooths `image` (bytes scaled by 1/255) and returns `[H, W, 3]` Float64 values in HWC order.
    /// With `sigma <= 0` the image is only scaled.
    static func smoothed(_ image: RGBImage, sigma: Double) -> [Double] {
        let (height, width) = (image.height, image.width)
        let rowStride = width * 3
        var scaled = image.pixels.map { Double($0) / 255 }
        guard sigma > 0 else { return scaled }
        let weights = kernel(sigma: sigma)
        let radius = weights.count / 2
        let center = weights[radius]

        // Pass 1, axis 0: whole rows at a time, so the inner loop streams three rows.
        var vertical = [Double](repeating: 0, count: scaled.count)
        scaled.withUnsafeBufferPointer { src in
            vertical.withUnsafeMutableBufferPointer { dst in
                let src = src.baseAddress!
                for y in 0..<height {
                    let out = dst.baseAddress! + y * rowStride
                    let mid = src + y * rowStride
                    for i in 0..<rowStride { out[i] = center * mid[i] }
                    for t in stride(from: radius, to: 0, by: -1) {
                        let up = src + reflect(y - t, height) * rowStride
                        let down = src + reflect(y + t, height) * rowStride
                        let w = weights[radius + t]
                        for i in 0..<rowStride { out[i] += (up[i] + down[i]) * w }
                    }
                }
            }
        }

        // Pass 2, axis 1: each row is copied into a reflect-padded line first.
        let padded = width + 2 * radius
        // Padded positions outside the row and the columns they reflect to.
        let borders = (Array(0..<radius) + Array((radius + width)..<padded)).map { ($0, reflect($0 - radius, width)) }
        var line = [Double](repeating: 0, count: padded * 3)
        vertical.withUnsafeBufferPointer { src in
            scaled.withUnsafeMutableBufferPointer { dst in
                line.withUnsafeMutableBufferPointer { line in
                    let line = line.baseAddress!
                    for y in 0..<height {
                        let row = src.baseAddress! + y * rowStride
                        (line + radius * 3).update(from: row, count: rowStride)
                        for (p, x) in borders {
                            line[p * 3] = row[x * 3]
                            line[p * 3 + 1] = row[x * 3 + 1]
                            line[p * 3 + 2] = row[x * 3 + 2]
                        }
                        let out = dst.baseAddress! + y * rowStride
                        let mid = line + radius * 3
                        for i in 0..<rowStride { out[i] = center * mid[i] }
                        for t in stride(from: radius, to: 0, by: -1) {
                            let w = weights[radius + t]
                            let left = mid - t * 3, right = mid + t * 3
                            for i in 0..<rowStride { out[i] += (left[i] + right[i]) * w }
                        }
                    }
                }
            }
        }
        return scaled
    }
}
