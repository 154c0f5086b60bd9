import Data
import Downstream
import Foundation
import Models
import NN
import Testing
import TestSupport
import Training

/// Fine-tuning end to end on a set whose answer is known, the encoder hand-over from pre-training, and
/// bit-identical resuming.
@Suite(.serialized) struct FinetuneTests {
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-ft-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A 32-px, patch-4 encoder, two blocks of width 32.
    static func encoder() -> ModelConfig {
        var m = ModelConfig()
        (m.imgSize, m.patchSize, m.embedDim, m.depth, m.numHeads) = (32, 4, 32, 2, 2)
        (m.decoderEmbedDim, m.decoderDepth, m.decoderNumHeads, m.numRegion) = (16, 1, 2, 0)
        return m
    }

    static func config(data: URL, out: URL, steps: Int, head: SegmentationHeadKind = .linear) throws -> FinetuneConfig {
        try FinetuneConfig().overriding(["data=\(data.path)", "out=\(out.path)", "steps=\(steps)", "batch_size=16", "lr=2e-3",
                                         "warmup_steps=10", "val_every=1000", "checkpoint_every=1000", "head=\(head.rawValue)",
                                         "drop_path=0.05"])
    }

    /// Colour decides the class: a scratch model must segment the val images almost perfectly.
    @Test func aTinySetIsLearnedNearPerfectly() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try SyntheticSegmentation.write(to: dir.appendingPathComponent("data"))
        let out = dir.appendingPathComponent("run")
        let c = try Self.config(data: data, out: out, steps: 150)
        try FinetuneRun.run(config: c, initialization: nil, scratchModel: Self.encoder(), resume: nil, log: { _ in })
        for file in ["model_final.safetensors", "val_scores.json", "predictions.png", "curves.png", "metrics.csv", "config.yaml"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let (model, names, _) = try FinetunedWeights.load(out.path)
        #expect(names == ["background", "red", "blue"])
        let val = try SegmentationDataset(root: data, split: "val")
        let scores = SegmentationScores(model: try SegmentationEvaluation.confusion(model, dataset: val), classNames: names, images: 12)
        #expect(scores.miou > 0.9, "\(scores.summary)")
        #expect(scores.miou > scores.baselines.majority.miou + 0.5)
    }

    @Test func theFPNHeadLearnsToo() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try SyntheticSegmentation.write(to: dir.appendingPathComponent("data"))
        let out = dir.appendingPathComponent("run")
        try FinetuneRun.run(config: try Self.config(data: data, out: out, steps: 80, head: .fpn), initialization: nil,
                            scratchModel: Self.encoder(), resume: nil, log: { _ in })
        let (model, names, _) = try FinetunedWeights.load(out.path)
        #expect(model.config.head == .fpn)
        #expect(model.namedParameters().contains { $0.name == "decode_head.up1.weight" })
        let val = try SegmentationDataset(root: data, split: "val")
        let scores = SegmentationScores(model: try SegmentationEvaluation.confusion(model, dataset: val), classNames: names, images: 12)
        #expect(scores.miou > 0.7, "\(scores.summary)")
    }

    /// With every patch visible, the fine-tuning encoder computes what the pre-training encoder does, and at
    /// another image size it takes the resized position table.
    @Test func thePretrainedEncoderCarriesOver() throws {
        let m = Self.encoder()
        let mae = try RegionMAE(config: m, seed: 4)
        let tensors = Dictionary(uniqueKeysWithValues: mae.namedParameters().map { ($0.name, $0.value) })
        var seg = try SegmentationViT(config: SegmentationModelConfig(encoder: m, classes: 3, head: .linear), seed: 9)
        let loaded = try seg.loadEncoder(tensors, positions: mae.posEmbed)
        #expect(loaded.contains("blocks.1.mlp.fc2.weight") && loaded.contains("pos_embed"))
        let images = randomTensor([2, 3, 32, 32], seed: 5)
        let n = m.numPatches
        let latent = withoutGradient { mae.encode(images, keep: [Array(0..<n), Array(0..<n)]) }
        let features = withoutGradient { seg.features(images) }
        expectClose(features.scalars, latent.slice(alongAxis: 1, 1..<(n + 1)).scalars, atol: 1e-5, "patch features")

        var bigger = try SegmentationViT(config: SegmentationModelConfig(encoder: m, imgSize: 48, classes: 3, head: .linear))
        _ = try bigger.loadEncoder(tensors, positions: mae.posEmbed)
        expectClose(bigger.posEmbed.scalars, PositionEmbeddingResize.resized(mae.posEmbed.reshaped([1, n + 1, 32]), grid: 12).scalars,
                    atol: 0, "resized table")
        #expect(bigger.namedParameters().contains { $0.name == "pos_embed" })   // trainable in fine-tuning
    }

    /// Three updates, a checkpoint, three more after resuming: the same weights as six in one go.
    @Test func resumingIsBitIdentical() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try SyntheticSegmentation.write(to: dir.appendingPathComponent("data"), train: 20, val: 4)
        let straight = dir.appendingPathComponent("straight")
        var c = try Self.config(data: data, out: straight, steps: 6).overriding(["checkpoint_every=3", "keep_checkpoints=5"])
        try FinetuneRun.run(config: c, initialization: nil, scratchModel: Self.encoder(), resume: nil, log: { _ in })
        let resumed = dir.appendingPathComponent("resumed")
        try FileManager.default.createDirectory(at: resumed.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Checkpoint.url(in: straight, step: 3), to: Checkpoint.url(in: resumed, step: 3))
        let (checkpoint, _) = try #require(try FinetuneCheckpoint.newestIntact(in: resumed) { _ in })
        #expect(checkpoint.step == 3)
        c = checkpoint.config
        c.out = resumed.path
        try FinetuneRun.run(config: c, initialization: nil, resume: checkpoint, log: { _ in })
        let a = try FinetuneCheckpoint.read(Checkpoint.url(in: straight, step: 6)), b = try FinetuneCheckpoint.read(Checkpoint.url(in: resumed, step: 6))
        #expect(a.parameters.keys.sorted() == b.parameters.keys.sorted())
        for (k, v) in a.parameters { #expect(v.scalars == b.parameters[k]!.scalars, "\(k)") }
    }

    /// The layer-wise scales reach the optimizer: a parameter at scale 0 stays put, weight decay included.
    @Test func layerDecayScalesEachParametersStep() {
        struct Two: Module {
            var a = Tensor(shape: [2, 2], [1, 2, 3, 4]), b = Tensor(shape: [2, 2], [1, 2, 3, 4])
            mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
                try body(prefix + "a", &a); try body(prefix + "b", &b)
            }
        }
        var m = Two()
        let opt = AdamW(learningRate: 0.1, weightDecay: 0.5, learningRateScale: { $0 == "a" ? 0 : 0.5 })
        let g = Tensor(shape: [2, 2], [1, 1, 1, 1])
        opt.update(&m, along: ["a": g, "b": g])
        #expect(m.a.scalars == [1, 2, 3, 4])
        // b: p(1 − lr·wd) − lr·sign(g) with lr = 0.05 (Adam's first step moves by lr)
        expectClose(m.b.scalars, [1, 2, 3, 4].map { $0 * (1 - 0.05 * 0.5) - 0.05 }, atol: 1e-5, "b")
    }

    @Test func configurationErrorsNameTheKey() throws {
        #expect { _ = try FinetuneConfig().overriding(["layer_decya=0.7"]) } throws: { "\($0)".contains("layer_decay") }
        #expect { _ = try FinetuneConfig().overriding(["drop_path=1.5"]) } throws: { "\($0)".contains("drop_path") }
        #expect { _ = try FinetuneConfig().overriding(["head=unet"]) } throws: { "\($0)".contains("head") }
        let c = try FinetuneConfig().overriding(["init=123", "blr=5e-4", "head=fpn", "loss=dice_bce"])
        #expect(c.initFrom == "123" && c.blr == 5e-4 && c.head == .fpn && c.loss == .diceBCE)
        #expect(try YAMLDecoderRoundTrip.check(c))
    }
}

enum YAMLDecoderRoundTrip {
    static func check(_ c: FinetuneConfig) throws -> Bool {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-ft-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        try c.yaml().write(to: url, atomically: true, encoding: .utf8)
        return try FinetuneConfig.load(yaml: url) == c
    }
}
