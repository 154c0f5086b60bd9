import Data
import Foundation
import Models
import Testing
import TestSupport
import Training
import Viz

/// `normalization: imagenet | auto | M,M,M/S,S,S`: measured or given, recorded with the weights, used by what
/// reads them.
@Suite(.serialized) struct NormalizationTests {
    @Test func statisticsOfKnownPixels() throws {
        var s = ImageStatistics()
        s.add([0, 255, 51, 255, 255, 51])   // R: 0 and 1, G: 1 and 1 (constant), B: 0.2
        #expect(s.pixels == 2)
        #expect(s.normalization == nil)     // a constant channel has no std
        s.add([0, 0, 102, 255, 0, 102])     // G now 1, 1, 0, 0; B 0.2, 0.2, 0.4, 0.4
        let n = try #require(s.normalization)
        #expect(abs(n.mean[0] - 0.5) < 1e-6 && abs(n.std[0] - 0.5) < 1e-6)
        #expect(abs(n.mean[1] - 0.5) < 1e-6 && abs(n.std[1] - 0.5) < 1e-6)
        #expect(abs(n.mean[2] - 0.3) < 1e-6 && abs(n.std[2] - 0.1) < 1e-6)
        #expect(abs(n.value(255, channel: 0) - 1) < 1e-6 && abs(n.denormalized(n.value(51, channel: 2), channel: 2) - 0.2) < 1e-6)
    }

    @Test func explicitValuesAreCheckedAndNamed() throws {
        var c = TrainingConfig()
        c.normalization = "0.5,0.5,0.5/0.25,0.25,0.25"
        try c.validate()
        for bad in ["0.5,0.5/0.2,0.2,0.2", "0.5,0.5,0.5/0,0.2,0.2", "grey", "0.5,x,0.5/0.2,0.2,0.2"] {
            c.normalization = bad
            #expect(throws: ConfigurationError.self) { try c.validate() }
        }
        c = try TrainingConfig().overriding(["normalization=auto"])
        #expect(c.normalization == "auto")
    }

    @Test func autoIsMeasuredRecordedAndTravelsWithTheWeights() throws {
        let folder = try PretrainRunTests.photos(10), out = folder.appendingPathComponent("run")
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = PretrainRunTests.config(data: folder, out: out)
        config.normalization = "auto"
        (config.steps, config.valEvery) = (2, 2)
        // The statistics of the training photos (measured before the run adds its own pictures to the folder).
        var expected = ImageStatistics()
        let dataset = try Dataset(images: folder, regions: .none, validationFraction: config.valFraction)
        for sample in dataset.train { expected.add(try ImageDecoder.decode(contentsOf: sample.image).pixels) }
        let truth = try #require(expected.normalization)
        var lines: [String] = []
        _ = try PretrainRun.run(config: config, resume: nil, initWeights: nil, log: { lines.append($0) })
        let line = try #require(lines.first { $0.hasPrefix("normalization: measured on") })
        #expect(line.contains("training images") && line.contains("ImageNet"))
        let final = try SafeTensors.read(out.appendingPathComponent("model_final.safetensors"))
        let model = try JSONDecoder().decode(ModelConfig.self, from: Data(try #require(final.metadata["config"]).utf8))
        let mean = try #require(model.pixelMean), std = try #require(model.pixelStd)
        for c in 0..<3 {
            #expect(abs(mean[c] - Double(truth.mean[c])) < 1e-5 && abs(std[c] - Double(truth.std[c])) < 1e-5, "\(line) \(truth.mean) \(truth.std) \(dataset.train.count)")
        }
        #expect(model.normalization != .imagenet)
        #expect(zip(model.normalization.mean + model.normalization.std, truth.mean + truth.std).allSatisfy { abs($0 - $1) < 1e-6 })
        // The same values come back from a Hugging Face export's preprocessor_config.json.
        let hf = folder.appendingPathComponent("hf")
        try FileManager.default.createDirectory(at: hf, withIntermediateDirectories: true)
        try HuggingFaceViTMAE.preprocessorJSON(model).write(to: hf.appendingPathComponent("preprocessor_config.json"))
        let back = try #require(try HuggingFaceViTMAE.readNormalization(hf.appendingPathComponent("preprocessor_config.json")))
        #expect(zip(back.mean + back.std, mean + std).allSatisfy { abs($0 - $1) < 1e-7 })
        // ImageNet's is recorded as nothing (configurations without the keys read as ImageNet).
        #expect(model.recording(.imagenet).pixelMean == nil && ModelConfig().normalization == .imagenet)
    }
}
