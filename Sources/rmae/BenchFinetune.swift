import ArgumentParser
import Downstream
import Foundation
import Models
import NN
import Training
#if canImport(Glibc)
import Glibc
#endif

/// `rmae bench finetune`: the fine-tuning loop's own update (forward with drop path, per-pixel cross-entropy,
/// backward, AdamW with layer-wise scales) on synthetic images and labels, with the flags of
/// scripts/bench/torch_finetune.py so both run the same model; scripts/bench-finetune-vs-torch.sh interleaves them.
struct BenchFinetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Median time of a fine-tuning update (segmentation ViT + head); compare with scripts/bench/torch_finetune.py.")

    @Option(help: "Encoder preset: \(ModelPresets.names.joined(separator: ", ")).") var preset = "demo"
    @Option(name: .customLong("img-size"), help: "Image side (default: the preset's).") var imgSize: Int?
    @Option(help: "Override the patch side.") var patch: Int?
    @Option(help: "Decoder head: linear or fpn.") var head = "linear"
    @Option(help: "Classes including background.") var classes = 6
    @Option(help: "Images per update.") var batch = 32
    @Option(help: "Timed updates (after 2 warm-up updates).") var steps = 10
    @Option(name: .customLong("drop-path"), help: "Stochastic depth rate.") var dropPath = 0.1
    @Flag(help: "Also time every op over the timed updates and list the top ops by time.") var profile = false
    @Option(help: "With --profile: how many ops to list.") var top = 25

    final class Synthetic: FinetuneBatchSource {
        let images: Tensor, labels: [Int32]
        init(batch: Int, size: Int, classes: Int) {
            var rng = RandomGenerator(seed: 0, stream: .test)
            images = Tensor.normal([batch, 3, size, size], using: &rng)
            labels = (0..<(batch * size * size)).map { _ in rng.uniform() < 0.05 ? 255 : Int32(rng.int(below: classes)) }
        }
        func batch(update u: Int) throws -> (images: Tensor, labels: [Int32]) { (images, labels) }
        func epoch(atUpdate u: Int) -> Int { 0 }
    }

    func run() throws {
        guard var m = ModelPresets.config(named: preset) else {
            throw ValidationError("--preset: unknown preset '\(preset)' (known: \(ModelPresets.names.joined(separator: ", ")))")
        }
        if let patch { m.patchSize = patch }
        guard let kind = SegmentationHeadKind(rawValue: head) else { throw ValidationError("--head: '\(head)' is not linear or fpn") }
        let shape = SegmentationModelConfig(encoder: m, imgSize: imgSize, classes: classes, head: kind)
        let model: SegmentationViT
        do { model = try SegmentationViT(config: shape) } catch { throw ValidationError("\(error)") }
        var config = try FinetuneConfig().overriding(["batch_size=\(batch)", "drop_path=\(dropPath)", "steps=\(steps + 2)", "warmup_steps=1"])
        config.out = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-bench-finetune").path
        let source = Synthetic(batch: batch, size: shape.imgSize, classes: classes)
        let trainer = try FinetuneTrainer(model: model, config: config, classNames: (0..<classes).map { "c\($0)" }, batches: source,
                                          runDirectory: URL(fileURLWithPath: config.out))
        let clock = ContinuousClock()
        var samples: [Double] = []
        for i in 0..<(steps + 2) {
            let start = clock.now
            if profile && i >= 2 {
                _ = try Profiler.measure { try trainer.trainStep() }
            } else {
                _ = try trainer.trainStep()
            }
            let d = clock.now - start
            if i >= 2 { samples.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18) }
        }
        samples.sort()
        let median = samples[samples.count / 2]
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(String(format: "bench=finetune preset=%@ img_size=%d patch=%d head=%@ batch=%d step_s=%.4f img_per_s=%.2f train_gflops_per_img=%.3f peak_rss_mb=%.0f",
                     preset, shape.imgSize, shape.patchSize, head, batch, median, Double(batch) / median,
                     model.flopsPerImage * 3 / 1e9, Double(usage.ru_maxrss) / 1024))
        if profile { printOpProfile(steps: steps, stepSeconds: samples.reduce(0, +) / Double(steps), shares: BatchShares.count(batch: batch), top: top) }
    }
}
