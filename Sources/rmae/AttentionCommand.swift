import ArgumentParser
import Foundation
import Viz

/// `rmae attention`: the last encoder block's attention from one patch (wiring only; see `Viz.AttentionMap`).
struct AttentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Attention of one query patch in the last encoder block (paper Fig. 3): mean over heads and each head.",
        discussion: """
            The encoder sees the whole image (no masking). The query is a point in pixels of the input image; \
            the patch under it is the query. Each panel is scaled to its own maximum.
            """)

    @Option(help: "Checkpoint file, run directory (latest checkpoint) or model_final.safetensors.") var checkpoint: String
    @Argument(help: "Image (JPEG or PNG).") var image: String
    @Option(help: "Query point X,Y in input-image pixels.") var query: String
    @Option(help: "Output PNG.") var out: String

    func run() throws {
        let (model, source) = try ModelLoading.load(checkpoint)
        try ModelLoading.feedsImages(model, source)
        let c = model.config
        let photo = try ModelLoading.image(image)
        let (x, y) = try ModelLoading.point(query, width: photo.width, height: photo.height, option: "--query")
        let view = ModelImage(photo, size: c.imgSize, normalization: c.normalization)
        let patch = view.patch(x: x, y: y, patchSize: c.patchSize)
        let map = AttentionMap(model: model, image: view.tensor, queryPatch: patch)
        let title = "LAST BLOCK ATTENTION, QUERY (\(Int(x)),\(Int(y))) = PATCH (\(patch % c.gridSize),\(patch / c.gridSize))"
        let canvas = AttentionPicture.render(map, photo: view.resized, queryPixel: view.modelPixel(x: x, y: y),
                                             patchSize: c.patchSize, title: title)
        let file = URL(fileURLWithPath: out)
        try ModelLoading.prepareFolder(for: file)
        try canvas.upscaled(Canvas.displayFactor(imageSize: c.imgSize)).writePNG(to: file)
        let shares = map.clsShare.map { String(format: "%.3f", $0) }.joined(separator: " ")
        print("attention: patch \(patch) (column \(patch % c.gridSize), row \(patch / c.gridSize)); share on cls per head: \(shares); \(file.path)")
    }
}
