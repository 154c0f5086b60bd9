/// `ToTensor` then `Normalize` (REFERENCE.md §11.2, step 4): `x[c] = (v / 255 − mean[c]) / std[c]`, with the
/// ImageNet statistics by default (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225), or statistics given or
/// measured on the training images (`normalization: auto`, ``ImageStatistics``). Computed once per channel and
/// byte value into a 3 × 256 table (Float32, as torchvision computes it on float tensors).
public struct ImageNormalization: Equatable, Sendable, Codable {
    /// Per-channel mean (R, G, B), in [0, 1] units.
    public let mean: [Float]
    /// Per-channel standard deviation (R, G, B).
    public let std: [Float]
    /// `table[c * 256 + v]` is the normalised value of byte `v` in channel `c`.
    let table: [Float]

    /// The torchvision / official default.
    public static let imagenet = ImageNormalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    /// Three means and three positive standard deviations (the caller validates user input).
    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3 && std.allSatisfy { $0 > 0 }, "ImageNormalization: 3 means and 3 positive stds")
        self.mean = mean
        self.std = std
        table = (0..<3).flatMap { c in (0..<256).map { v in (Float(v) / 255 - mean[c]) / std[c] } }
    }

    public static func == (a: Self, b: Self) -> Bool { a.mean == b.mean && a.std == b.std }

    enum CodingKeys: String, CodingKey { case mean, std }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let mean = try c.decode([Float].self, forKey: .mean), std = try c.decode([Float].self, forKey: .std)
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 > 0 }) else {
            throw DecodingError.dataCorruptedError(forKey: .std, in: c, debugDescription: "3 means and 3 positive stds")
        }
        self.init(mean: mean, std: std)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode(std, forKey: .std)
    }

    /// The normalised value of byte `v` in channel `c`.
    @inline(__always) public func value(_ v: UInt8, channel c: Int) -> Float { table[c * 256 + Int(v)] }

    /// The mean as bytes (the colour that normalises to 0: padding).
    public var meanBytes: [UInt8] { mean.map { UInt8((min(max($0, 0), 1) * 255).rounded()) } }

    /// Writes HWC bytes as normalised CHW floats: `out[c * H*W + p] = table[c][pixels[3p + c]]`.
    /// - Parameters:
    ///   - flipped: mirror columns (horizontal flip) while writing.
    public func write(_ pixels: [UInt8], width: Int, height: Int, flipped: Bool, into out: UnsafeMutablePointer<Float>) {
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

    /// A normalised value back to [0, 1] units (unclamped).
    @inline(__always) public func denormalized(_ x: Float, channel c: Int) -> Float { x * std[c] + mean[c] }
}

/// Per-channel mean and standard deviation of RGB8 pixels in [0, 1] units, accumulated in Float64 over any
/// number of images (every pixel weighs the same), as `normalization: auto` measures them.
public struct ImageStatistics: Sendable {
    private var sums = [Double](repeating: 0, count: 3), squares = [Double](repeating: 0, count: 3)
    public private(set) var pixels = 0

    public init() {}

    /// Adds HWC RGB bytes.
    public mutating func add(_ rgb: [UInt8]) {
        var s = [Double](repeating: 0, count: 3), q = [Double](repeating: 0, count: 3)
        for i in stride(from: 0, to: rgb.count - 2, by: 3) {
            for c in 0..<3 {
                let v = Double(rgb[i + c]) / 255
                s[c] += v
                q[c] += v * v
            }
        }
        for c in 0..<3 { sums[c] += s[c]; squares[c] += q[c] }
        pixels += rgb.count / 3
    }

    /// The statistics as a normalisation; nil with no pixels or a constant channel (std 0).
    public var normalization: ImageNormalization? {
        guard pixels > 0 else { return nil }
        let n = Double(pixels)
        let mean = sums.map { $0 / n }
        let std = (0..<3).map { c in max(squares[c] / n - mean[c] * mean[c], 0).squareRoot() }
        guard std.allSatisfy({ $0 > 1e-6 }) else { return nil }
        return ImageNormalization(mean: mean.map(Float.init), std: std.map(Float.init))
    }
}
