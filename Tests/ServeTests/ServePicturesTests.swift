import Data
import Foundation
import Models
import Serve
import Testing
import TestSupport

/// The serve page's pictures (the model's view, the mask overlay and the reconstruction grid) for the
/// 64-px demo model and a 224-px model, from square and non-square uploads: each is a PNG that decodes.
@Suite struct ServePicturesTests {
    static func configs() -> [String: ModelConfig] {
        var wide = ModelPresets.config(named: "vit-tiny")!
        (wide.depth, wide.decoderEmbedDim, wide.decoderDepth, wide.decoderNumHeads) = (2, 64, 1, 2)
        return ["demo": ModelPresets.config(named: "demo")!, "224px": wide]
    }

    @Test(arguments: ["demo", "224px"])
    func everyPictureOfThePageDecodes(_ name: String) async throws {
        let config = Self.configs()[name]!
        let service = SegmentationService(model: try RegionMAE(config: config, seed: 2), capacity: 4)
        for (w, h) in [(320, 100), (50, 180), (64, 64)] {
            let pixels = (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: ($0 / 3 % w) &* 3 &+ ($0 / (3 * w)) &* 5) }
            let info = try await service.add(PNG.encode(pixels: pixels, width: w, height: h, channels: 3), name: "upload-\(w)x\(h)")
            let n = config.numPatches
            let view = try await service.view(info.id)
            let mask = try await service.segment(info.id, object: [0, n / 2], background: [n - 1], threshold: 0.5)
            let grid = try await service.reconstruct(info.id, maskRatio: 0.75, seed: 1)
            for (what, png) in [("view", view), ("mask", mask.png), ("reconstruction", grid)] {
                let image = try ImageDecoder.decode(png, name: what)
                #expect(image.width > 0 && image.height > 0, "\(name) \(w)x\(h) \(what)")
            }
        }
    }
}
