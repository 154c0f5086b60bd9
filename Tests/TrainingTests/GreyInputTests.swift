import Data
import Engine
import Foundation
import Models
import Testing
import TestSupport
@testable import Training
import Viz

/// One input channel (`model.in_chans=1`): the luma of the photos, end to end, and RGB weights adapted to it.
@Suite(.serialized) struct GreyInputTests {
    @Test func lumaIsPILsAndGreyStaysGrey() {
        #expect(ImageNormalization.luma(255, 255, 255) == 255 && ImageNormalization.luma(0, 0, 0) == 0)
        #expect(ImageNormalization.luma(100, 100, 100) == 100)              // a grey PNG keeps its values
        #expect(ImageNormalization.luma(255, 0, 0) == 76 && ImageNormalization.luma(0, 255, 0) == 150 && ImageNormalization.luma(0, 0, 255) == 29)
        let n = ImageNormalization.imagenetGrey
        var out = [Float](repeating: 0, count: 2)
        out.withUnsafeMutableBufferPointer { n.write([255, 0, 0, 10, 10, 10], width: 2, height: 1, flipped: false, into: $0.baseAddress!) }
        #expect(abs(out[0] - (76 / 255 - 0.449) / 0.226) < 1e-5 && abs(out[1] - (10 / 255 - 0.449) / 0.226) < 1e-5)
        var grey = TestModelConfigs.small()
        grey.inChans = 1
        #expect(grey.normalization == .imagenetGrey)
        grey.inChans = 4
        #expect(throws: ModelConfigError.self) { try grey.checkImageChannels() }
    }

    @Test func rgbWeightsAdaptAsTimmDoes() {
        // [O=1, 3, 1, 2]: channel c holds (c + 1, 10 (c + 1)).
        let w = Tensor(shape: [1, 3, 1, 2], [1, 10, 2, 20, 3, 30])
        #expect(InitialWeights.adaptInputConv(w, channels: 1).scalars == [6, 60])
        let four = InitialWeights.adaptInputConv(w, channels: 4)   // tiled R, G, B, R, scaled by 3/4
        #expect(four.shape == [1, 4, 1, 2] && four.scalars == [0.75, 7.5, 1.5, 15, 2.25, 22.5, 0.75, 7.5])
    }

    @Test func greyRunTrainsFromRGBWeightsAndDrawsGrey() throws {
        let folder = try PretrainRunTests.photos(10), out = folder.appendingPathComponent("run")
        defer { try? FileManager.default.removeItem(at: folder) }
        // RGB weights of the same shape, as a user's pre-trained file.
        let rgbFile = folder.appendingPathComponent("rgb.safetensors")
        try SafeTensors.write(try RegionMAE(config: TestModelConfigs.tiny(), seed: 2).stateDict, to: rgbFile)
        var config = PretrainRunTests.config(data: folder, out: out)
        config.model.inChans = 1
        (config.steps, config.valEvery) = (2, 2)
        var lines: [String] = []
        _ = try PretrainRun.run(config: config, resume: nil, initWeights: try InitialWeights.read(rgbFile.path), log: { lines.append($0) })
        #expect(lines.contains { $0.contains("RGB weights adapted to 1 input channel") })
        #expect(lines.contains { $0.contains("decoder_pred.weight: predicts 1 channel") })
        let picture = try ImageDecoder.decode(contentsOf: out.appendingPathComponent("reconstruction.png"))
        // Every pixel of the original column is grey (R = G = B).
        var coloured = 0
        for i in 0..<(picture.width * picture.height) where picture.pixels[3 * i] != picture.pixels[3 * i + 1] || picture.pixels[3 * i + 1] != picture.pixels[3 * i + 2] { coloured += 1 }
        // The region overlays are coloured; the image tiles are not: most of the picture is grey.
        #expect(coloured < picture.width * picture.height / 2)
        let final = try SafeTensors.read(out.appendingPathComponent("model_final.safetensors"))
        #expect(final.tensors["patch_embed.proj.weight"]?.shape == [16, 1, 4, 4])
    }
}
