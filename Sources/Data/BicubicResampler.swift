import Regions

/// Antialiased bicubic resize of 8-bit RGB, in the manner of Pillow's `Image.resize(BICUBIC)`
/// (REFERENCE.md §11.2, step 2). Exact Pillow parity is not required; the algorithm is the same:
///
///     cubic(x) = (a+2)|x|³ − (a+3)|x|² + 1      |x| < 1          a = −0.5
///                a|x|³ − 5a|x|² + 8a|x| − 4a    1 ≤ |x| < 2
///     f = max(in/out, 1)                        (support widens by the down-sampling factor)
///     out[i] = Σⱼ in[j] · cubic((j + 0.5 − (i + 0.5)·in/out) / f) / Σ weights,  |j + 0.5 − centre| < 2f
///
/// separably, horizontal pass first, each pass rounded and clamped to 0…255 with 22-bit fixed-point
/// weights. An axis whose size does not change is copied, not filtered.
enum BicubicResampler {
    /// Fixed-point fraction bits of the weights.
    static let precisionBits = 22

    /// Filter taps for one axis: output `i` reads `count[i]` inputs from `start[i]` with weights
    /// `weights[i * taps ..< i * taps + count[i]]` (fixed point, sum ≈ 2^22).
    struct Taps {
        var start: [Int]
        var count: [Int]
        var taps: Int
        var weights: [Int32]
    }

    static func cubic(_ x: Double) -> Double {
        let a = -0.5
        let x = abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    static func taps(input: Int, output: Int) -> Taps {
        let scale = Double(input) / Double(output)
        let widen = max(scale, 1)
        let support = 2 * widen
        let taps = Int(support.rounded(.up)) * 2 + 1
        var result = Taps(start: [], count: [], taps: taps, weights: [Int32](repeating: 0, count: output * taps))
        var k = [Double](repeating: 0, count: taps)
        for i in 0..<output {
            let centre = (Double(i) + 0.5) * scale
            let low = max(Int(centre - support + 0.5), 0)
            let n = min(Int(centre + support + 0.5), input) - low
            var total = 0.0
            for j in 0..<n {
                k[j] = cubic((Double(j + low) - centre + 0.5) / widen)
                total += k[j]
            }
            for j in 0..<n {
                let w = total != 0 ? k[j] / total : 0
                let fixed = w * Double(1 << precisionBits)
                result.weights[i * taps + j] = Int32(fixed < 0 ? fixed - 0.5 : fixed + 0.5)
            }
            result.start.append(low)
            result.count.append(n)
        }
        return result
    }

    @inline(__always) static func clamp8(_ sum: Int32) -> UInt8 {
        let v = sum >> Int32(precisionBits)
        return v < 0 ? 0 : v > 255 ? 255 : UInt8(v)
    }

    /// Resizes the `crop` of `image` to `width × height`.
    /// - Returns: `height * width * 3` bytes, HWC.
    static func resize(_ image: RGBImage, crop: CropBox, width: Int, height: Int) -> [UInt8] {
        let half = Int32(1 << (precisionBits - 1))
        let stride = image.width * 3
        // Horizontal pass: crop rows × output columns.
        var wide = [UInt8](repeating: 0, count: crop.height * width * 3)
        image.pixels.withUnsafeBufferPointer { src in
            wide.withUnsafeMutableBufferPointer { dst in
                if crop.width == width {
                    for y in 0..<crop.height {
                        let s = (crop.top + y) * stride + crop.left * 3
                        for i in 0..<(width * 3) { dst[y * width * 3 + i] = src[s + i] }
                    }
                    return
                }
                let t = taps(input: crop.width, output: width)
                t.weights.withUnsafeBufferPointer { weights in
                    for y in 0..<crop.height {
                        let row = (crop.top + y) * stride + crop.left * 3
                        for x in 0..<width {
                            var (r, g, b) = (half, half, half)
                            var s = row + t.start[x] * 3
                            let k = x * t.taps
                            for j in 0..<t.count[x] {
                                let w = weights[k + j]
                                r &+= Int32(src[s]) &* w
                                g &+= Int32(src[s + 1]) &* w
                                b &+= Int32(src[s + 2]) &* w
                                s += 3
                            }
                            let d = (y * width + x) * 3
                            dst[d] = clamp8(r); dst[d + 1] = clamp8(g); dst[d + 2] = clamp8(b)
                        }
                    }
                }
            }
        }
        if crop.height == height { return wide }
        // Vertical pass: output rows × output columns.
        var out = [UInt8](repeating: 0, count: height * width * 3)
        let t = taps(input: crop.height, output: height)
        let rowBytes = width * 3
        wide.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                t.weights.withUnsafeBufferPointer { weights in
                    var sums = [Int32](repeating: 0, count: rowBytes)
                    sums.withUnsafeMutableBufferPointer { sums in
                        for y in 0..<height {
                            for i in 0..<rowBytes { sums[i] = half }
                            let k = y * t.taps
                            for j in 0..<t.count[y] {
                                let w = weights[k + j]
                                let s = (t.start[y] + j) * rowBytes
                                for i in 0..<rowBytes { sums[i] &+= Int32(src[s + i]) &* w }
                            }
                            let d = y * rowBytes
                            for i in 0..<rowBytes { dst[d + i] = clamp8(sums[i]) }
                        }
                    }
                }
            }
        }
        return out
    }
}
