/// `ToTensor` then `Normalize` with the ImageNet statistics (REFERENCE.md §11.2, step 4):
///
///     x[c] = (v / 255 − mean[c]) / std[c],   mean = (0.485, 0.456, 0.406),  std = (0.229, 0.224, 0.225)
///
/// computed once per channel and byte value into a 3 × 256 table (Float32, as torchvision computes it on
/// float tensors).
public enum ImageNormalization {
    /// Per-channel mean (R, G, B).
    public static let mean: [Float] = [0.485, 0.456, 0.406]
    /// Per-channel standard deviation (R, G, B).
    public static let std: [Float] = [0.229, 0.224, 0.225]

    /// `table[c * 256 + v]` is the normalised value of byte `v` in channel `c`.
    static let table: [Float] = (0..<3).flatMap { c in
        (0..<256).map { v in (Float(v) / 255 - mean[c]) / std[c] }
    }

    /// Writes HWC bytes as normalised CHW floats: `out[c * H*W + p] = table[c][pixels[3p + c]]`.
    /// - Parameters:
    ///   - flipped: mirror columns (horizontal flip) while writing.
    public static func write(_ pixels: [UInt8], width: Int, height: Int, flipped: Bool, into out: UnsafeMutablePointer<Float>) {
        let plane = width * height
        table.withUnsafeBufferPointer { table in
            pixels.withUnsafeBufferPointer { px in
                for y in 0..<height {
                    for x in 0..<width {
                        let s = (y * width + (flipped ? width - 1 - x : x)) * 3
                        let d = y * width + x
                        out[d] = table[Int(px[s])]
                        out[plane + d] = table[256 + Int(px[s + 1])]
                        out[2 * plane + d] = table[512 + Int(px[s + 2])]
                    }
                }
            }
        }
    }
}
