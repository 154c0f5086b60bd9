import ArgumentParser
import Foundation
import Viz

/// `rmae segment`: interactive segmentation from points or a hint mask (wiring only; see
/// `Viz.InteractiveSegmentation`).
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Interactive segmentation (paper Fig. 6): the region is known only at the prompt patches.",
        discussion: """
            The whole image is visible. With --points, the patches under the points are known to be object. \
            With --mask, every patch holding a hint pixel (any channel > 127) is known pixel by pixel. Writes \
            the prompts, the probability map, the thresholded mask (prompts pasted) and an overlay.
            """)

    @Option(help: "Checkpoint file, run directory (latest checkpoint) or model_final.safetensors.") var checkpoint: String
    @Argument(help: "Image (JPEG or PNG).") var image: String
    @Option(help: "Prompt points \"x,y;x,y\" in input-image pixels.") var points: String?
    @Option(help: "Hint mask image (any size; scaled to the image).") var mask: String?
    @Option(help: "Output PNG.") var out: String
    @Option(help: "Probability that counts as object.") var threshold: Float = 0.5

    func validate() throws {
        guard (points == nil) != (mask == nil) else { throw ValidationError("give exactly one of --points and --mask") }
        guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be in [0, 1]") }
    }

    func run() throws {
        let (model, source) = try ModelLoading.load(checkpoint)
        try ModelLoading.feedsImages(model, source)
        let c = model.config
        guard c.hasRegionBranch else { throw ValidationError("--checkpoint: an MAE model has no region branch to segment with") }
        let photo = try ModelLoading.image(image)
        let view = ModelImage(photo, size: c.imgSize, normalization: c.normalization)
        let prompt: SegmentationPrompt
        if let points {
            let parsed = try points.split(separator: ";").map {
                try ModelLoading.point(String($0), width: photo.width, height: photo.height, option: "--points")
            }
            guard !parsed.isEmpty else { throw ValidationError("--points: no point in '\(points)'") }
            prompt = SegmentationPrompt.points(parsed, image: view, patchSize: c.patchSize)
        } else {
            guard let hint = SegmentationPrompt.hint(try ModelLoading.image(mask!), size: c.imgSize, patchSize: c.patchSize) else {
                throw ValidationError("--mask: the hint mask has no pixel above 127")
            }
            prompt = hint
        }
        let prediction = InteractiveSegmentation.predict(model: model, image: view.tensor, prompt: prompt)
        let name = URL(fileURLWithPath: image).deletingPathExtension().lastPathComponent
        let canvas = SegmentationPicture.render(prediction, photo: view.resized, threshold: threshold,
                                                title: "\(name): \(prompt.patches.count) OF \(c.numPatches) REGION PATCHES KNOWN")
        let file = URL(fileURLWithPath: out)
        try ModelLoading.prepareFolder(for: file)
        try canvas.upscaled(Canvas.displayFactor(imageSize: c.imgSize)).writePNG(to: file)
        let area = prediction.mask(threshold: threshold).reduce(0, +) / Float(c.imgSize * c.imgSize)
        print(String(format: "segment: %d prompt patches; mask covers %.1f %% of the image; %@", prompt.patches.count, area * 100, file.path))
    }
}
