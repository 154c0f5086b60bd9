import Data
import Engine
import Foundation
import Models
import Regions
import Viz

/// The model behind `rmae serve` and the images people have sent it.
///
/// An actor, so every forward pass runs one at a time however many requests arrive together: the model is
/// never shared between threads. Images are kept in memory under a random id, the oldest dropped once
/// ``capacity`` are held.
public actor SegmentationService {
    /// What the page needs to know about an accepted image.
    public struct ImageInfo: Codable, Sendable, Equatable {
        /// The id to name the image by in later requests.
        public let id: String
        /// Columns and rows of the image as sent.
        public let width: Int, height: Int
        /// S: the side of the model's (square) view of it.
        public let size: Int
        /// p: the side of one patch in model pixels.
        public let patchSize: Int
        /// G = S / p: patches per row and per column.
        public let grid: Int
    }

    /// One stored image: the model's view and, once a reconstruction asked for them, its FH regions.
    struct Entry {
        let view: ModelImage
        var regions: Tensor?
    }

    /// The largest number of images kept at once.
    public let capacity: Int
    private let model: RegionMAE
    private var images: [String: Entry] = [:]
    private var order: [String] = []

    /// The model's configuration.
    public nonisolated let config: ModelConfig

    /// - Parameters:
    ///   - model: the model to answer with; segmentation needs a region branch.
    ///   - capacity: the largest number of images kept at once (at least 1).
    public init(model: sending RegionMAE, capacity: Int = 32) {
        precondition(capacity >= 1, "SegmentationService: capacity \(capacity) < 1")
        self.config = model.config
        self.model = model
        self.capacity = capacity
    }

    /// Decodes `bytes` (JPEG or PNG; the format is read from the bytes, not a name) and keeps the image.
    /// - Throws: ``ServeError`` 400 when the bytes are no image the decoder accepts, 413 when the image
    ///   declares more pixels than `budget` (checked from its header, before decoding).
    public func add(_ bytes: [UInt8], name: String, budget: ImageLimits.Budget = ImageLimits.uploads) throws(ServeError) -> ImageInfo {
        let photo: RGBImage
        do {
            photo = try ImageDecoder.decode(bytes, name: name, budget: budget)
        } catch where error.reason.contains(budget.variable) {
            throw ServeError(.contentTooLarge, "the image is too large: \(error.reason)")
        } catch {
            throw ServeError(.badRequest, "not a JPEG or PNG image the decoder can read (\(error.reason))")
        }
        guard photo.width > 0, photo.height > 0 else { throw ServeError(.badRequest, "the image is empty") }
        let id = UUID().uuidString.lowercased()
        images[id] = Entry(view: ModelImage(photo, size: config.imgSize, normalization: config.normalization))
        order.append(id)
        while order.count > capacity { images[order.removeFirst()] = nil }
        return ImageInfo(id: id, width: photo.width, height: photo.height, size: config.imgSize,
                         patchSize: config.patchSize, grid: config.imgSize / config.patchSize)
    }

    /// The model's `S × S` view of a stored image, as PNG.
    public func view(_ id: String) throws(ServeError) -> [UInt8] {
        PNG.encode(try entry(id).view.resized)
    }

    /// Interactive segmentation (``InteractiveSegmentation``) of a stored image.
    ///
    /// The prompt patches S are `object ∪ background`; the region is known there, 1 on every pixel of an
    /// object patch and 0 on every pixel of a background patch, so a background click tells the model where
    /// the object is not.
    /// - Parameters:
    ///   - object: patch indices `row · G + column` marked as object.
    ///   - background: patch indices marked as background.
    ///   - threshold: the probability that counts as object, in [0, 1].
    /// - Returns: an `S × S` RGBA PNG, the mask in translucent red and transparent elsewhere, and the fraction
    ///   of the image the mask covers.
    public func segment(_ id: String, object: [Int], background: [Int], threshold: Float) throws(ServeError)
        -> (png: [UInt8], coverage: Double) {
        guard config.hasRegionBranch else {
            throw ServeError(.unprocessableContent, "this checkpoint is a plain MAE: it has no region branch to segment with")
        }
        let view = try entry(id).view
        let (s, p, n) = (config.imgSize, config.patchSize, config.numPatches)
        guard (0...1).contains(threshold) else { throw ServeError(.badRequest, "threshold \(threshold) is not in [0, 1]") }
        guard !object.isEmpty || !background.isEmpty else {
            throw ServeError(.badRequest, "no prompt: click at least one patch")
        }
        for patch in object + background where !(0..<n).contains(patch) {
            throw ServeError(.badRequest, "patch \(patch) is outside 0..<\(n)")
        }
        guard Set(object).count == object.count, Set(background).count == background.count else {
            throw ServeError(.badRequest, "a patch is listed twice")
        }
        if let both = Set(object).intersection(background).first {
            throw ServeError(.badRequest, "patch \(both) is marked both object and background")
        }
        var prompt = SegmentationPrompt.filling(object.isEmpty ? background : object, size: s, patchSize: p)
        if object.isEmpty { prompt.region = [Float](repeating: 0, count: s * s) }
        prompt.patches = object + background
        let prediction = InteractiveSegmentation.predict(model: model, image: view.tensor, prompt: prompt)
        let mask = prediction.mask(threshold: threshold)
        var rgba = [UInt8](repeating: 0, count: 4 * s * s)
        for i in 0..<(s * s) where mask[i] >= 0.5 {
            (rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], rgba[4 * i + 3]) = (255, 30, 30, 150)
        }
        let coverage = Double(mask.reduce(0, +)) / Double(s * s)
        return (PNG.encode(pixels: rgba, width: s, height: s, channels: 4), coverage)
    }

    /// The paper's Fig. 5 grid (``ReconstructionGrid``) for a stored image at `maskRatio`, as PNG.
    ///
    /// Region models see the k largest FH segments of the image (computed once per image), as
    /// `rmae visualize` does.
    /// - Parameters:
    ///   - maskRatio: the fraction of patches hidden, in [0, 1).
    ///   - seed: the masking seed.
    public func reconstruct(_ id: String, maskRatio: Double, seed: UInt64) throws(ServeError) -> [UInt8] {
        guard (0..<1).contains(maskRatio) else { throw ServeError(.badRequest, "mask ratio \(maskRatio) is not in [0, 1)") }
        var stored = try entry(id)
        let c = config
        if c.hasRegionBranch && stored.regions == nil {
            let maps = FHRegions.largest(stored.view.resized, count: c.numRegion, size: c.imgSize)
            stored.regions = Tensor(shape: [1, maps.count, c.imgSize, c.imgSize], Array(maps.joined()))
            images[id] = stored
        }
        let n = c.numPatches
        let kept = max(1, Int(Double(n) * (1 - maskRatio)))
        var rng = RandomGenerator(seed: seed, stream: .masking)
        let masking = Masking.random(batch: 1, patches: n, using: &rng)
        let output = withoutGradient {
            model(images: stored.view.tensor, regions: stored.regions, masking: masking, keptPatches: kept, keptRegionPatches: kept)
        }
        let canvas = ReconstructionGrid.render(images: stored.view.tensor, regions: stored.regions, output: output, config: c,
                                               title: "\(n - kept) OF \(n) PATCHES MASKED")
        let big = canvas.upscaled(Canvas.displayFactor(imageSize: c.imgSize))
        return PNG.encode(pixels: big.pixels, width: big.width, height: big.height, channels: 3)
    }

    /// How many images are held now.
    public var count: Int { images.count }

    private func entry(_ id: String) throws(ServeError) -> Entry {
        guard let found = images[id] else {
            throw ServeError(.notFound, "no image with id '\(id)' (the server keeps the last \(capacity); upload it again)")
        }
        return found
    }
}
