import ArgumentParser
import Engine
import Foundation
import Models
import Viz

/// `rmae visualize`: the paper's Fig. 5 grid for each image (wiring only; see `Viz.ReconstructionGrid`).
struct VisualizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visualize",
        abstract: "Reconstruction grids (paper Fig. 5): masked image, reconstruction, original, and for region models the regions.",
        discussion: """
            Each image is resized to the model's input size. Its regions are the k largest FH segments at scale \
            1000 (computed on the image at its own size); the region columns show the largest. Writes \
            OUT/<image name>.png.
            """)

    @Option(help: "Checkpoint file, run directory (latest checkpoint) or model_final.safetensors.") var checkpoint: String
    @Argument(help: "Images (JPEG or PNG).") var images: [String]
    @Option(help: "Output folder.") var out: String
    @Option(name: .customLong("mask-ratio"), help: "Fraction of image (and region) patches hidden.") var maskRatio = 0.75
    @Option(help: "Masking seed.") var seed: UInt64 = 0

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard (0..<1).contains(maskRatio) else { throw ValidationError("--mask-ratio must be in [0, 1)") }
    }

    func run() throws {
        let (model, source) = try ModelLoading.load(checkpoint)
        try ModelLoading.feedsImages(model, source)
        let c = model.config
        let n = c.numPatches
        let kept = max(1, Int(Double(n) * (1 - maskRatio)))
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var rng = RandomGenerator(seed: seed, stream: .masking)
        for path in images {
            let view = ModelImage(try ModelLoading.image(path), size: c.imgSize, normalization: c.normalization)
            var regions: Tensor?
            if c.hasRegionBranch {
                let photo = try ModelLoading.image(path)
                let maps = FHRegions.largest(photo, count: c.numRegion, size: c.imgSize)
                regions = Tensor(shape: [1, maps.count, c.imgSize, c.imgSize], Array(maps.joined()))
            }
            let masking = Masking.random(batch: 1, patches: n, using: &rng)
            let output = withoutGradient {
                model(images: view.tensor, regions: regions, masking: masking, keptPatches: kept, keptRegionPatches: kept)
            }
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let title = "\(name): \(n - kept) OF \(n) PATCHES MASKED"
            let canvas = ReconstructionGrid.render(images: view.tensor, regions: regions, output: output, config: c, title: title)
            let file = folder.appendingPathComponent(name + ".png")
            try canvas.upscaled(Canvas.displayFactor(imageSize: c.imgSize)).writePNG(to: file)
            print("visualize: \(file.path)")
        }
        FileHandle.standardError.write(Data("model: \(source.path)\n".utf8))
    }
}
