import Data
import Engine
import Foundation
import Viz
import Models
import Regions

/// `rmae evaluate`: how well a region model segments true objects, and how well it reconstructs FH regions.
///
/// A folder holds `image_NNN.png` (RGB) and `mask_NNN.png` (8-bit labels: 0 background, 1…n instances).
/// Both are brought to the model's `S × S` view (image: bicubic, labels: nearest neighbour) and all IoUs are
/// counted in model pixels.
///
/// 1. **Interactive segmentation** (REFERENCE.md §14.2). For every instance that keeps at least one pixel at
///    model size, its patches are the patches holding one of its pixels. A seeded permutation of them is
///    drawn once per instance; for each level f the first `max(1, round(f · count))` are the prompt S,
///    known pixel by pixel (so the levels are nested). The predicted mask (probability ≥ threshold, prompts
///    pasted back) is compared with the whole instance: `IoU = |pred ∧ true| / |pred ∨ true|` over the
///    image. mIoU is the mean over instances. The *prompts only* column is the IoU of the pasted prompts
///    alone (everything else background): what a model that learned nothing would score.
/// 2. **FH region reconstruction** at the training mask ratios. The k largest FH segments at scale 1000
///    (``FHRegions``) go in as the k regions, masked with a seeded random permutation (`mask_ratio`,
///    `region_mask_ratio` of the model); per region, the IoU of `logit ≥ 0` against the map over the masked
///    region patches (as the training log's validation IoU, but per region), beside the same IoU of the
///    ``NearestVisiblePatch`` fill (each masked patch copied from the nearest visible one: no model). A
///    region is scored when it has a pixel in the masked patches; mIoU is the mean over those.
///
/// Seeds: instance (image i, label l) draws from stream `0xE7A1_0000 + 256·i + l` of `seed`; image i's
/// masking from stream `0xE7A2_0000 + i`.
public struct MaskEvaluation {
    /// Fractions of each instance's patches that are visible, e.g. `[0.10, 0.15, 0.20]`.
    public var levels: [Double]
    public var seed: UInt64
    public var threshold: Float
    /// FH scale of the region-reconstruction part.
    public var fhScale: Int

    public init(levels: [Double] = [0.10, 0.15, 0.20], seed: UInt64 = 0, threshold: Float = 0.5, fhScale: Int = 1000) {
        self.levels = levels
        self.seed = seed
        self.threshold = threshold
        self.fhScale = fhScale
    }

    // MARK: Results

    /// One instance's IoUs, one per level.
    public struct InstanceResult: Codable, Equatable {
        public var image: String
        public var label: Int
        /// Patches holding a pixel of the instance (at model size).
        public var patches: Int
        /// Prompt patches per level.
        public var prompts: [Int]
        public var iou: [Double]
        public var promptsOnlyIoU: [Double]

        enum CodingKeys: String, CodingKey {
            case image, label, patches, prompts, iou, promptsOnlyIoU = "prompts_only_iou"
        }
    }

    /// One level's summary.
    public struct Level: Codable, Equatable {
        public var fraction: Double
        public var meanPrompts: Double
        public var mIoU: Double
        public var promptsOnlyMIoU: Double

        enum CodingKeys: String, CodingKey {
            case fraction, meanPrompts = "mean_prompts", mIoU = "miou", promptsOnlyMIoU = "prompts_only_miou"
        }
    }

    /// Everything `rmae evaluate` prints and writes.
    public struct Report: Codable, Equatable {
        public var images: Int
        public var instances: Int
        /// Instances with no pixel left at model size (not scored).
        public var skippedInstances: Int
        public var imageSize: Int
        public var patchSize: Int
        public var threshold: Double
        public var seed: UInt64
        public var levels: [Level]
        public var fhScale: Int
        public var fhRegionsPerImage: Int
        public var maskRatio: Double
        public var regionMaskRatio: Double
        /// Regions scored (non-empty union on the masked patches).
        public var fhRegionsScored: Int
        public var fhRegionMIoU: Double
        /// The same regions and masks filled by ``NearestVisiblePatch`` (no model).
        public var fhRegionBaselineMIoU: Double
        public var perInstance: [InstanceResult]

        enum CodingKeys: String, CodingKey {
            case images, instances, skippedInstances = "skipped_instances", imageSize = "image_size"
            case patchSize = "patch_size", threshold, seed, levels, fhScale = "fh_scale"
            case fhRegionsPerImage = "fh_regions_per_image", maskRatio = "mask_ratio"
            case regionMaskRatio = "region_mask_ratio", fhRegionsScored = "fh_regions_scored"
            case fhRegionMIoU = "fh_region_miou", fhRegionBaselineMIoU = "fh_region_baseline_miou", perInstance = "per_instance"
        }

        /// The table `rmae evaluate` prints.
        public var table: String {
            var lines = [
                "\(images) images, \(instances) instances (\(skippedInstances) too small to score), model view \(imageSize) px, patch \(patchSize), seed \(seed)",
                "",
                "interactive segmentation (whole image visible, threshold \(String(format: "%.2f", threshold)))",
                "  visible instance patches   prompts (mean)   mIoU     prompts only",
            ]
            for l in levels {
                lines.append(String(format: "  %5.0f %%                    %6.2f           %.4f   %.4f",
                                    l.fraction * 100, l.meanPrompts, l.mIoU, l.promptsOnlyMIoU))
            }
            lines += ["", String(format: "FH region reconstruction (scale %d, %d largest regions, mask ratio %.2f / region %.2f)",
                                 fhScale, fhRegionsPerImage, maskRatio, regionMaskRatio),
                      "  mIoU on masked patches   nearest visible patch",
                      String(format: "  %.4f                   %.4f   (%d regions)", fhRegionMIoU, fhRegionBaselineMIoU, fhRegionsScored)]
            return lines.joined(separator: "\n")
        }
    }

    // MARK: Folder

    /// The `(image, mask)` pairs of a folder: every `image_NNN.png` with a `mask_NNN.png` beside it, by name.
    public static func samples(in folder: URL) throws -> [(name: String, image: URL, mask: URL)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let present = Set(names)
        return names.filter { $0.hasPrefix("image_") && $0.hasSuffix(".png") }.sorted().compactMap { name in
            let maskName = "mask_" + name.dropFirst("image_".count)
            guard present.contains(maskName) else { return nil }
            return (String(name.dropLast(4)), folder.appendingPathComponent(name), folder.appendingPathComponent(maskName))
        }
    }

    /// Evaluates every pair of `folder`.
    /// - Parameters:
    ///   - progress: called after each image with (done, total).
    public func run(model: RegionMAE, folder: URL, progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let pairs = try Self.samples(in: folder)
        var partial = Partial()
        for (i, pair) in pairs.enumerated() {
            let image = try ImageDecoder.decode(contentsOf: pair.image)
            let maskImage = try ImageDecoder.decode(contentsOf: pair.mask)
            guard maskImage.width == image.width, maskImage.height == image.height else {
                throw ImageDecodingError(file: pair.mask.path, reason: "is \(maskImage.width)x\(maskImage.height), the image is \(image.width)x\(image.height)")
            }
            let labels = (0..<(image.width * image.height)).map { maskImage.pixels[3 * $0] }
            evaluate(model: model, image: image, labels: labels, name: pair.name, index: i, into: &partial)
            progress(i + 1, pairs.count)
        }
        return report(partial, images: pairs.count, config: model.config)
    }

    // MARK: One image

    /// Running sums over images.
    public struct Partial {
        var instances: [InstanceResult] = []
        var skipped = 0
        var regionIoUs: [Double] = []
        var regionBaselineIoUs: [Double] = []
        public init() {}
    }

    /// Scores one image: its instances (interactive segmentation) and its FH regions.
    /// - Parameters:
    ///   - labels: `W · H` instance labels of the image, row-major (0 = background).
    ///   - index: the image's position, which selects its random streams.
    public func evaluate(model: RegionMAE, image: RGBImage, labels: [UInt8], name: String, index: Int, into partial: inout Partial) {
        let c = model.config
        precondition(model.region != nil, "MaskEvaluation: the model has no region branch (MAE)")
        let (s, p, g, n) = (c.imgSize, c.patchSize, c.gridSize, c.numPatches)
        let view = ModelImage(image, size: s, normalization: c.normalization)
        let small = nearestResized(labels, width: image.width, height: image.height, toWidth: s, toHeight: s)

        for label in Set(labels).subtracting([0]).sorted() {
            let truth: [Float] = small.map { $0 == label ? 1 : 0 }
            guard let all = SegmentationPrompt.known(truth, size: s, patchSize: p) else { partial.skipped += 1; continue }
            var rng = RandomGenerator(seed: seed, stream: 0xE7A1_0000 &+ UInt64(index) &* 256 &+ UInt64(label))
            let order = rng.permutation(all.patches.count).map { all.patches[$0] }
            var result = InstanceResult(image: name, label: Int(label), patches: order.count, prompts: [], iou: [], promptsOnlyIoU: [])
            for f in levels {
                let count = min(order.count, max(1, Int((f * Double(order.count)).rounded())))
                let prompt = SegmentationPrompt(patches: Array(order.prefix(count)), region: truth)
                let prediction = InteractiveSegmentation.predict(model: model, image: view.tensor, prompt: prompt)
                result.prompts.append(count)
                result.iou.append(Self.iou(prediction.mask(threshold: threshold), truth))
                result.promptsOnlyIoU.append(Self.iou(prompt.pasted(onto: [Float](repeating: 0, count: s * s), size: s, patchSize: p), truth))
            }
            partial.instances.append(result)
        }

        let maps = FHRegions.largest(image, count: c.numRegion, size: s, scale: fhScale)
        var rng = RandomGenerator(seed: seed, stream: 0xE7A2_0000 &+ UInt64(index))
        let masking = Masking.random(batch: 1, patches: n, using: &rng)
        let regions = Tensor(shape: [1, maps.count, s, s], Array(maps.joined()))
        let out = withoutGradient { model(images: view.tensor, regions: regions, masking: masking) }
        let logits = out.predRegion!.scalars, hidden = out.regionMask.scalars
        let copied = NearestVisiblePatch.sources(visible: hidden.map { $0 != 1 }, gridSize: g)
        for (r, map) in maps.enumerated() {
            var predicted = MaskedRegionIoU(), nearest = MaskedRegionIoU()
            var modelPatch = [Float](repeating: 0, count: p * p), truthPatch = modelPatch, copyPatch = modelPatch
            for patch in 0..<n where hidden[patch] == 1 {
                let (py, px) = (patch / g, patch % g), (sy, sx) = (copied[patch] / g, copied[patch] % g)
                for i in 0..<p { for j in 0..<p {
                    modelPatch[i * p + j] = logits[(r * n + patch) * p * p + i * p + j]
                    truthPatch[i * p + j] = map[(py * p + i) * s + px * p + j]
                    copyPatch[i * p + j] = map[(sy * p + i) * s + sx * p + j]
                } }
                predicted.add(prediction: modelPatch, threshold: 0, truth: truthPatch, masked: [1], patchArea: p * p)
                nearest.add(prediction: copyPatch, threshold: 0.5, truth: truthPatch, masked: [1], patchArea: p * p)
            }
            // scored when the region has a pixel in the masked patches (then both unions are non-empty)
            guard (0..<n).contains(where: { hidden[$0] == 1 && Self.touches(map, patch: $0, size: s, patchSize: p) }) else { continue }
            partial.regionIoUs.append(predicted.value ?? 0)
            partial.regionBaselineIoUs.append(nearest.value ?? 0)
        }
    }

    /// True when `map` (`S × S`, 0/1) has a 1 inside `patch`.
    static func touches(_ map: [Float], patch: Int, size s: Int, patchSize p: Int) -> Bool {
        let (py, px) = (patch / (s / p), patch % (s / p))
        for i in 0..<p { for j in 0..<p where map[(py * p + i) * s + px * p + j] == 1 { return true } }
        return false
    }

    /// Sums → report.
    public func report(_ partial: Partial, images: Int, config c: ModelConfig) -> Report {
        func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
        let levelSummaries = levels.indices.map { l in
            Level(fraction: levels[l], meanPrompts: mean(partial.instances.map { Double($0.prompts[l]) }),
                  mIoU: mean(partial.instances.map { $0.iou[l] }),
                  promptsOnlyMIoU: mean(partial.instances.map { $0.promptsOnlyIoU[l] }))
        }
        return Report(images: images, instances: partial.instances.count + partial.skipped, skippedInstances: partial.skipped,
                      imageSize: c.imgSize, patchSize: c.patchSize, threshold: Double(threshold), seed: seed,
                      levels: levelSummaries, fhScale: fhScale, fhRegionsPerImage: c.numRegion, maskRatio: c.maskRatio,
                      regionMaskRatio: c.regionMaskRatio, fhRegionsScored: partial.regionIoUs.count,
                      fhRegionMIoU: mean(partial.regionIoUs), fhRegionBaselineMIoU: mean(partial.regionBaselineIoUs),
                      perInstance: partial.instances)
    }

    /// `|a ∧ b| / |a ∨ b|` of two binary maps (1 when both are empty).
    public static func iou(_ a: [Float], _ b: [Float]) -> Double {
        var intersection = 0, union = 0
        for i in a.indices {
            let (x, y) = (a[i] >= 0.5, b[i] >= 0.5)
            if x && y { intersection += 1 }
            if x || y { union += 1 }
        }
        return union == 0 ? 1 : Double(intersection) / Double(union)
    }
}
