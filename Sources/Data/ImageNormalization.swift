/// `ToTensor` then `Normalize` (REFERENCE.md §11.2, step 4): `x[c] = (v / 255 − mean[c]) / std[c]`, with the
/// ImageNet statistics by default (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225), or statistics given or
/// measured on the training images (`normalization: auto`, ``ImageStatistics``). Computed once per channel and
/// byte value into a C × 256 table (Float32, as torchvision computes it on float tensors).
///
/// One channel (`in_chans: 1`) is the luma of the RGB pixels, `(299 R + 587 G + 114 B) / 1000` rounded (PIL's
/// `convert("L")`; a grey PNG gives its grey values back), with ImageNet's grey statistics by default (mean
/// 0.449, std 0.226: the means of the RGB ones, as timm uses for one channel).
public struct ImageNormalization: Equatable, Sendable, Codable {
    /// Per-channel mean (R, G, B, or luma), in [0, 1] units.
    public let mean: [Float]
    /// Per-channel standard deviation (R, G, B).
    public let std: [Float]
    /// `table[c * 256 + v]` is the normalised value of byte `v` in channel `c`.
    let table: [Float]

    /// The torchvision / official default.
    public static let imagenet = ImageNormalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    /// ImageNet's statistics for one luma channel.
    public static let imagenetGrey = ImageNormalization(mean: [0.449], std: [0.226])

    /// ImageNet's statistics for `channels` (3: RGB, 1: luma); nil for other counts.
    public static func imagenet(channels: Int) -> ImageNormalization? {
        channels == 3 ? .imagenet : channels == 1 ? .imagenetGrey : nil
    }

    /// The channel counts images can be fed with: 3 (RGB) and 1 (luma).
    public static let supportedChannels = [1, 3]

    /// One or three means and as many positive standard deviations (the caller validates user input).
    public init(mean: [Float], std: [Float]) {
        precondition((mean.count == 3 || mean.count == 1) && std.count == mean.count && std.allSatisfy { $0 > 0 },
                     "ImageNormalization: 1 or 3 means and as many positive stds")
        self.mean = mean
        self.std = std
        table = (0..<mean.count).flatMap { c in (0..<256).map { v in (Float(v) / 255 - mean[c]) / std[c] } }
    }

    /// Channels written: 3 (RGB) or 1 (luma).
    public var channels: Int { mean.count }

    /// PIL's luma of one RGB pixel.
    @inline(__always) public static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let weighted: Int = 299 * Int(r) + 587 * Int(g) + 114 * Int(b)
        return UInt8((weighted + 500) / 1000)
    }

    public static func == (a: Self, b: Self) -> Bool { a.mean == b.mean && a.std == b.std }

    enum CodingKeys: String, CodingKey { case mean, std }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let mean = try c.decode([Float].self, forKey: .mean), std = try c.decode([Float].self, forKey: .std)
        guard mean.count == 3 || mean.count == 1, std.count == mean.count, std.allSatisfy({ $0 > 0 }) else {
            throw DecodingError.dataCorruptedError(forKey: .std, in: c, debugDescription: "1 or 3 means and as many positive stds")
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

    /// The mean as an RGB colour (the colour that normalises to 0: padding).
    public var meanBytes: [UInt8] {
        let bytes = mean.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
        return bytes.count == 3 ? bytes : [bytes[0], bytes[0], bytes[0]]
    }

    /// Writes HWC RGB bytes as normalised CHW floats: `out[c * H*W + p] = table[c][pixels[3p + c]]` (one
    /// channel: the luma of each pixel).
    /// - Parameters:
    ///   - flipped: mirror columns (horizontal flip) while writing.
    public func write(_ pixels: [UInt8], width: Int, height: Int, flipped: Bool, into out: UnsafeMutablePointer<Float>) {
        let plane = width * height
        table.withUnsafeBufferPointer { table in
            pixels.withUnsafeBufferPointer { px in
                if channels == 1 {
                    for y in 0..<height {
                        for x in 0..<width {
                            let s = (y * width + (flipped ? width - 1 - x : x)) * 3
                            out[y * width + x] = table[Int(Self.luma(px[s], px[s + 1], px[s + 2]))]
                        }
                    }
                    return
                }
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

/// Per-channel mean and standard deviation of RGB8 pixels (or of their luma, `channels: 1`) in [0, 1] units,
/// accumulated in Float64 over any number of images (every pixel weighs the same), as `normalization: auto`
/// measures them.
public struct ImageStatistics: Sendable {
    public let channels: Int
    private var sums: [Double], squares: [Double]
    public private(set) var pixels = 0

    /// - Parameter channels: 3 (RGB) or 1 (luma).
    public init(channels: Int = 3) {
        precondition(channels == 3 || channels == 1, "ImageStatistics: 1 or 3 channels")
        self.channels = channels
        sums = [Double](repeating: 0, count: channels)
        squares = sums
    }

    /// Adds HWC RGB bytes.
    public mutating func add(_ rgb: [UInt8]) {
        var s = [Double](repeating: 0, count: 3), q = [Double](repeating: 0, count: 3)
        for i in stride(from: 0, to: rgb.count - 2, by: 3) {
            if channels == 1 {
                let v = Double(ImageNormalization.luma(rgb[i], rgb[i + 1], rgb[i + 2])) / 255
                s[0] += v
                q[0] += v * v
                continue
            }
            for c in 0..<3 {
                let v = Double(rgb[i + c]) / 255
                s[c] += v
                q[c] += v * v
            }
        }
        for c in 0..<channels { sums[c] += s[c]; squares[c] += q[c] }
        pixels += rgb.count / 3
    }

    /// The statistics as a normalisation; nil with no pixels or a constant channel (std 0).
    public var normalization: ImageNormalization? {
        guard pixels > 0 else { return nil }
        let n = Double(pixels)
        let mean = sums.map { $0 / n }
        let std = (0..<channels).map { c in max(squares[c] / n - mean[c] * mean[c], 0).squareRoot() }
        guard std.allSatisfy({ $0 > 1e-6 }) else { return nil }
        return ImageNormalization(mean: mean.map(Float.init), std: std.map(Float.init))
    }
}
