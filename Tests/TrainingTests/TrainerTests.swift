import Foundation
import Models
import NN
import Testing
import TestSupport
import Training

@Suite(.serialized) struct TrainerTests {
    static func config(steps: Int, dir: URL) -> TrainingConfig {
        var c = TrainingConfig()
        c.model = TestModelConfigs.tiny()
        c.batchSize = 2
        c.steps = steps
        c.warmupSteps = 2
        c.blr = 1e-2
        c.checkpointEvery = 1000
        c.logEvery = 1
        c.valEvery = 2
        c.out = dir.path
        return c
    }

    static func tempDir() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func source(_ c: TrainingConfig, position: String = "0") -> SyntheticBatches {
        SyntheticBatches(seed: 11, batch: c.batchSize, imageSize: c.model.imgSize, regions: c.model.numRegion, position: position)
    }

    /// N updates, checkpoint, a new process-like trainer resumes for N more: bit-identical to 2N straight.
    @Test func resumeIsBitIdentical() throws {
        let straightDir = Self.tempDir(), splitDir = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: straightDir); try? FileManager.default.removeItem(at: splitDir) }
        var c = Self.config(steps: 4, dir: straightDir)
        c.accumIter = 2
        let straight = try Trainer(config: c, source: Self.source(c), runDirectory: straightDir)
        for _ in 0..<4 { _ = try straight.trainStep() }

        var first = c
        first.out = splitDir.path
        let a = try Trainer(config: first, source: Self.source(first), runDirectory: splitDir)
        for _ in 0..<2 { _ = try a.trainStep() }
        let url = try a.saveCheckpoint()
        let checkpoint = try Checkpoint.read(url)
        #expect(checkpoint.step == 2)
        let b = try Trainer(config: checkpoint.config, source: Self.source(first, position: checkpoint.dataPosition),
                            runDirectory: splitDir, resume: checkpoint)
        for _ in 0..<2 { _ = try b.trainStep() }

        let x = Dictionary(uniqueKeysWithValues: straight.model.namedParameters().map { ($0.name, $0.value.scalars) })
        for (name, value) in b.model.namedParameters() {
            #expect(x[name]! == value.scalars, "parameter \(name) differs after resume")
        }
        #expect(straight.optimizer.step == b.optimizer.step)
    }

    @Test func runWritesMetricsCheckpointsAndLossFalls() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = Self.config(steps: 30, dir: dir)
        c.checkpointEvery = 10
        c.keepCheckpoints = 2
        c.valEvery = 10
        let trainer = try Trainer(config: c, source: SyntheticBatches(seed: 3, batch: 2, imageSize: c.model.imgSize,
                                                                      regions: c.model.numRegion, epochLength: 1),
                                  runDirectory: dir)
        let validation = try (0..<1).map { _ in try SyntheticBatches(seed: 3, batch: 2, imageSize: c.model.imgSize, regions: c.model.numRegion).nextBatch() }
        let summary = try trainer.run(validation: validation, log: { _ in })
        #expect(summary.lastStep == 30)
        #expect(summary.lastLoss! < summary.firstLoss!)
        #expect(Checkpoint.list(in: dir).map(\.lastPathComponent) == ["step_00000020.safetensors", "step_00000030.safetensors"])
        let csv = try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first!.hasPrefix("step,epoch,loss"))
        #expect(csv.count == 32)   // header, the untrained model's validation (step 0), 30 updates
        let jsonl = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(jsonl.contains("\"val_region_iou\"") && jsonl.contains("\"val_region_iou_baseline\""))
        #expect(csv[1].hasPrefix("0,0,"))
    }

    @Test func nonFiniteLossStopsWithoutTouchingWeights() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = Self.config(steps: 3, dir: dir)
        final class PoisonedBatches: BatchSource {
            let inner: SyntheticBatches
            init(_ inner: SyntheticBatches) { self.inner = inner }
            func nextBatch() throws -> TrainingBatch {
                var b = try inner.nextBatch()
                b.images = b.images * Float.nan
                return b
            }
            var positionDescription: String { inner.positionDescription }
            var batchesPerEpoch: Int { inner.batchesPerEpoch }
            var epoch: Int { inner.epoch }
        }
        let trainer = try Trainer(config: c, source: PoisonedBatches(Self.source(c)), runDirectory: dir)
        let before = trainer.model.namedParameters().map(\.value.scalars)
        #expect(throws: TrainingError.self) { _ = try trainer.trainStep() }
        #expect(trainer.model.namedParameters().map(\.value.scalars) == before)
        #expect(trainer.step == 0)
    }

    @Test func configurationOverridesAndYAML() throws {
        let c = try TrainingConfig().overriding(["blr=1e-4", "model.num_region=4", "batch_size=16", "model.variant=batch"])
        #expect(c.blr == 1e-4 && c.model.numRegion == 4 && c.batchSize == 16 && c.model.variant == .batch)
        #expect(throws: ConfigurationError.self) { try TrainingConfig().overriding(["no_such_field=1"]) }
        #expect(throws: ConfigurationError.self) { try TrainingConfig().overriding(["batch_size=many"]) }
        let yaml = try c.yaml()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-\(UUID().uuidString).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try TrainingConfig.load(yaml: url) == c)
        let tiny = try TrainingConfig().overriding(["preset=vit-tiny"])
        #expect(tiny.model.embedDim == 192 && tiny.model.imgSize == 224)
        #expect(abs(TrainingConfig().peakLearningRate - 1e-2 * 32 / 256) < 1e-12)
        let base = TrainingConfig(preset: "vit-base")
        #expect(base.batchSize == 4096 && abs(base.peakLearningRate - 2.4e-3) < 1e-12 && base.epochs == 800)
        #expect(base.schedule(updatesPerEpoch: 312).warmup == 40 * 312)
        // A YAML file that names a preset and a few fields keeps the rest of the preset's recipe.
        let partial = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-\(UUID().uuidString).yaml")
        try "preset: vit-small\nblr: 1.0e-4\nmodel:\n  num_region: 4\n".write(to: partial, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: partial) }
        let loaded = try TrainingConfig.load(yaml: partial)
        #expect(loaded.model.embedDim == 384 && loaded.model.numRegion == 4 && loaded.blr == 1e-4 && loaded.batchSize == 4096)
    }
}
