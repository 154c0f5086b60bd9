import Data
import Engine
import Foundation
import Viz
import Models
import Regions

/// `rmae probe`: how well a frozen encoder's patch features separate objects from background with a
/// linear classifier — the dense downstream check that works for every backbone (MAE, RAE, R-MAE, timm).
///
/// 1. **Features.** Every image is resized to the model's `S × S` view (``ModelImage``) and encoded with
///    *all* patches visible and no masking; the per-patch features are the final encoder norm's output
///    tokens with the cls token dropped (`N × D` per image).
/// 2. **Labels.** The true mask (label > 0 = foreground, nearest-neighbour resized to `S × S`) gives each
///    patch a hard label: foreground when at least half its pixels are.
/// 3. **Split.** A permutation of the images from stream `0x9B0B_E000` of `seed`: the first ⌊n/2⌋ train,
///    the rest test. Features are standardised with the training patches' mean and standard deviation.
/// 4. **Classifier.** ``LogisticRegression`` with penalty λ (`l2`) on the training patches.
/// 5. **Score.** Per test image, the predicted patch grid (probability ≥ 0.5) upsampled to pixels, and its
///    foreground IoU against the true mask at `S × S` (1 when both are empty); mIoU is the mean over the
///    test images.
///
/// Baselines on the same test images: the same probe on a randomly initialised encoder of the same shape
/// (seeded by `seed`), all background, all foreground, and the ceiling of a perfect patch classifier
/// (the true patch labels upsampled).
public struct LinearProbe: Sendable {
    public var seed: UInt64
    /// λ of the logistic regression (on the mean log-loss, standardised features).
    public var l2: Double

    public init(seed: UInt64 = 0, l2: Double = 1e-3) {
        self.seed = seed
        self.l2 = l2
    }

    /// One image at the model's view.
    public struct Image {
        public var name: String
        /// `[1, 3, S, S]`, normalised.
        public var view: Tensor
        /// `S · S` values, 1 = foreground.
        public var foreground: [Float]

        public init(name: String, view: Tensor, foreground: [Float]) {
            self.name = name
            self.view = view
            self.foreground = foreground
        }
    }

    /// The `image_NNN.png` + `mask_NNN.png` pairs of a folder (as ``MaskEvaluation/samples(in:)``) at size S,
    /// normalised as the model's inputs (``ModelConfig/normalization``).
    public static func images(in folder: URL, size: Int, normalization: ImageNormalization) throws -> [Image] {
        try MaskEvaluation.samples(in: folder).map { pair in
            let image = try ImageDecoder.decode(contentsOf: pair.image)
            let mask = try ImageDecoder.decode(contentsOf: pair.mask)
            guard mask.width == image.width, mask.height == image.height else {
                throw ImageDecodingError(file: pair.mask.path, reason: "is \(mask.width)x\(mask.height), the image is \(image.width)x\(image.height)")
            }
            let labels = (0..<(image.width * image.height)).map { mask.pixels[3 * $0] }
            let small = nearestResized(labels, width: image.width, height: image.height, toWidth: size, toHeight: size)
            return Image(name: pair.name, view: ModelImage(image, size: size, normalization: normalization).tensor, foreground: small.map { $0 > 0 ? 1 : 0 })
        }
    }

    /// The encoder's patch features with every patch visible: `[B, 3, S, S] → [B, N, D]`.
    /// - Parameter positions: the position table `(N + 1, D)` to add (cls row first); nil: the model's own
    ///   (a checkpoint with a learned table, as some timm weights, passes it here).
    public static func patchFeatures(_ model: RegionMAE, images: Tensor, positions: Tensor? = nil) -> Tensor {
        let c = model.config
        let (b, n, d) = (images.shape[0], c.numPatches, c.embedDim)
        let table = positions ?? model.posEmbed
        precondition(table.shape == [n + 1, d], "LinearProbe: position table \(table.shape), expected [\(n + 1), \(d)]")
        let all = [[Int]](repeating: Array(0..<n), count: b)
        return withoutGradient {
            var x = linear(images.convPatches(patch: c.patchSize, keep: all), model.patchEmbed.weight.reshaped([d, -1]),
                           model.patchEmbed.bias) + table.slice(alongAxis: 0, 1..<(n + 1)).tableRows(all)   // (B, N, D)
            let cls = (model.clsToken + table.slice(alongAxis: 0, 0..<1)).broadcasted(to: [b, 1, d])
            x = Tensor.concat([cls, x], alongAxis: 1)
            for block in model.blocks { x = block(x) }
            return model.norm(x).slice(alongAxis: 1, 1..<(n + 1))
        }
    }

    /// The train / test halves: indices into the images.
    public func split(_ count: Int) -> (train: [Int], test: [Int]) {
        var rng = RandomGenerator(seed: seed, stream: 0x9B0B_E000)
        let order = rng.permutation(count)
        return (order.prefix(count / 2).sorted(), order.dropFirst(count / 2).sorted())
    }

    /// One encoder's probe.
    public struct Score: Codable, Equatable, Sendable {
        /// Mean foreground IoU over the test images.
        public var mIoU: Double
        /// The same on the training images (how well the classifier fits).
        public var trainMIoU: Double
        /// Share of test patches classified right.
        public var patchAccuracy: Double
        public var iterations: Int

        enum CodingKeys: String, CodingKey {
            case mIoU = "miou", trainMIoU = "train_miou", patchAccuracy = "patch_accuracy", iterations
        }
    }

    /// Everything `rmae probe` prints and writes.
    public struct Report: Codable, Equatable, Sendable {
        public var images: Int, trainImages: Int, testImages: Int
        public var imageSize: Int, patchSize: Int, featureDimension: Int
        public var l2: Double, seed: UInt64
        public var encoder: Score
        public var randomEncoder: Score
        public var allBackgroundMIoU: Double, allForegroundMIoU: Double
        /// mIoU of the true patch labels upsampled: the best a patch classifier can score.
        public var patchCeilingMIoU: Double

        enum CodingKeys: String, CodingKey {
            case images, trainImages = "train_images", testImages = "test_images", imageSize = "image_size"
            case patchSize = "patch_size", featureDimension = "feature_dimension", l2, seed, encoder
            case randomEncoder = "random_encoder", allBackgroundMIoU = "all_background_miou"
            case allForegroundMIoU = "all_foreground_miou", patchCeilingMIoU = "patch_ceiling_miou"
        }

        /// The table `rmae probe` prints.
        public var table: String {
            [
                "\(images) images (\(trainImages) to fit, \(testImages) to score), model view \(imageSize) px, patch \(patchSize), \(featureDimension) features per patch, λ \(l2), seed \(seed)",
                "",
                "linear probe of foreground patches (test mIoU: foreground IoU per image, patch grid upsampled to pixels)",
                String(format: "  encoder                    %.4f   (train %.4f, patch accuracy %.3f)", encoder.mIoU, encoder.trainMIoU, encoder.patchAccuracy),
                String(format: "  random encoder, same shape %.4f   (train %.4f, patch accuracy %.3f)", randomEncoder.mIoU, randomEncoder.trainMIoU, randomEncoder.patchAccuracy),
                String(format: "  all background             %.4f", allBackgroundMIoU),
                String(format: "  all foreground             %.4f", allForegroundMIoU),
                String(format: "  true patch labels          %.4f   (ceiling at patch resolution)", patchCeilingMIoU),
            ].joined(separator: "\n")
        }
    }

    /// Per-patch hard labels of an `S × S` foreground map: at least half the patch's pixels.
    public static func patchLabels(_ foreground: [Float], size s: Int, patchSize p: Int) -> [Float] {
        let g = s / p
        return (0..<(g * g)).map { patch in
            let (py, px) = (patch / g, patch % g)
            var count = 0
            for i in 0..<p { for j in 0..<p where foreground[(py * p + i) * s + px * p + j] >= 0.5 { count += 1 } }
            return 2 * count >= p * p ? 1 : 0
        }
    }

    /// A patch grid of 0/1 as an `S × S` pixel map.
    public static func upsampled(_ patches: [Float], size s: Int, patchSize p: Int) -> [Float] {
        let g = s / p
        return (0..<(s * s)).map { patches[(($0 / s) / p) * g + ($0 % s) / p] }
    }

    /// Fits and scores the probe for one feature extractor.
    /// - Parameters:
    ///   - images: all images (``split(_:)`` picks the halves).
    ///   - features: `[B, 3, S, S] → [B, N, D]`.
    ///   - progress: one line per stage.
    public func score(_ images: [Image], patchSize p: Int, features: (Tensor) -> Tensor,
                      progress: (String) -> Void = { _ in }) -> Score {
        precondition(images.count >= 2, "LinearProbe: needs at least 2 images, got \(images.count)")
        let s = images[0].view.shape[3], g = s / p, n = g * g
        // features of every image, a few at a time
        var rows: [[Float]] = []
        var d = 0
        for start in stride(from: 0, to: images.count, by: 8) {
            let chunk = images[start..<min(start + 8, images.count)]
            let f = features(Tensor.concat(chunk.map(\.view), alongAxis: 0))
            precondition(f.shape.count == 3 && f.shape[1] == n, "LinearProbe: features \(f.shape), expected [B, \(n), D]")
            d = f.shape[2]
            let v = f.scalars
            for i in 0..<chunk.count { rows.append(Array(v[(i * n * d)..<((i + 1) * n * d)])) }
            progress("features \(min(start + 8, images.count))/\(images.count) images")
        }
        let labels = images.map { Self.patchLabels($0.foreground, size: s, patchSize: p) }
        let (train, test) = split(images.count)

        // standardise with the training patches' statistics (Float64 sums)
        var mean = [Double](repeating: 0, count: d), square = mean
        for i in train { for patch in 0..<n { for a in 0..<d {
            let v = Double(rows[i][patch * d + a]); mean[a] += v; square[a] += v * v
        } } }
        let count = Double(train.count * n)
        let scale = (0..<d).map { a -> Double in
            mean[a] /= count
            let variance = max(0, square[a] / count - mean[a] * mean[a])
            return variance > 1e-12 ? 1 / variance.squareRoot() : 1
        }
        func standardised(_ i: Int) -> [Float] {
            var out = rows[i]
            for patch in 0..<n { for a in 0..<d { out[patch * d + a] = Float((Double(out[patch * d + a]) - mean[a]) * scale[a]) } }
            return out
        }
        let x = train.flatMap(standardised), y = train.flatMap { labels[$0] }
        progress("fitting \(train.count * n) patches × \(d) features")
        let model = LogisticRegression.fit(features: x, labels: y, dimension: d, l2: l2) { iteration, loss in
            progress(String(format: "iteration %d: loss %.5f", iteration, loss))
        }

        func predict(_ i: Int) -> [Float] {
            let z = standardised(i)
            return (0..<n).map { model.probability(z[($0 * d)..<(($0 + 1) * d)]) >= 0.5 ? 1 : 0 }
        }
        func miou(_ set: [Int]) -> (Double, Double) {
            var sum = 0.0, right = 0
            for i in set {
                let predicted = predict(i)
                sum += MaskEvaluation.iou(Self.upsampled(predicted, size: s, patchSize: p), images[i].foreground)
                right += zip(predicted, labels[i]).filter { $0 == $1 }.count
            }
            return (sum / Double(max(1, set.count)), Double(right) / Double(max(1, set.count * n)))
        }
        let (testIoU, accuracy) = miou(test)
        return Score(mIoU: testIoU, trainMIoU: miou(train).0, patchAccuracy: accuracy, iterations: model.iterations)
    }

    /// The probe of `model` and of a random encoder of its shape, with the trivial baselines.
    /// - Parameter positions: see ``patchFeatures(_:images:positions:)``.
    public func run(model: RegionMAE, positions: Tensor? = nil, images: [Image],
                    progress: (String) -> Void = { _ in }) throws -> Report {
        let c = model.config
        let random = try RegionMAE(config: c, seed: seed)
        progress("encoder")
        let trained = score(images, patchSize: c.patchSize, features: { Self.patchFeatures(model, images: $0, positions: positions) },
                            progress: progress)
        progress("random encoder of the same shape")
        let baseline = score(images, patchSize: c.patchSize, features: { Self.patchFeatures(random, images: $0) }, progress: progress)
        let test = split(images.count).test
        func mean(_ f: (Image) -> Double) -> Double { test.map { f(images[$0]) }.reduce(0, +) / Double(max(1, test.count)) }
        let s = c.imgSize, p = c.patchSize
        return Report(images: images.count, trainImages: images.count / 2, testImages: test.count, imageSize: s, patchSize: p,
                      featureDimension: c.embedDim, l2: l2, seed: seed, encoder: trained, randomEncoder: baseline,
                      allBackgroundMIoU: mean { MaskEvaluation.iou([Float](repeating: 0, count: s * s), $0.foreground) },
                      allForegroundMIoU: mean { MaskEvaluation.iou([Float](repeating: 1, count: s * s), $0.foreground) },
                      patchCeilingMIoU: mean {
                          MaskEvaluation.iou(Self.upsampled(Self.patchLabels($0.foreground, size: s, patchSize: p), size: s, patchSize: p), $0.foreground)
                      })
    }
}
