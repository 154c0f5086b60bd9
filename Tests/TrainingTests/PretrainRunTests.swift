import Data
import Engine
import Foundation
import Models
import Regions
import Testing
import TestSupport
import Training

@Suite(.serialized) struct PretrainRunTests {
    /// `count` 40×40 photos, each a noisy background with a coloured box, in a fresh folder.
    static func photos(_ count: Int) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-pretrain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for i in 0..<count {
            var rng = RandomGenerator(seed: UInt64(i), stream: .test)
            let (bx, by) = (rng.int(below: 20), rng.int(below: 20))
            var pixels = [UInt8](repeating: 0, count: 40 * 40 * 3)
            for y in 0..<40 { for x in 0..<40 {
                let inside = x >= bx && x < bx + 16 && y >= by && y < by + 16
                let rgb = inside ? [220, 40, 30 + i] : [90 + rng.int(below: 20), 110, 140]
                for c in 0..<3 { pixels[3 * (y * 40 + x) + c] = UInt8(rgb[c]) }
            } }
            try Data(PNG.encode(RGBImage(width: 40, height: 40, pixels: pixels)))
                .write(to: folder.appendingPathComponent(String(format: "photo_%02d.png", i)))
        }
        return folder
    }

    static func config(data: URL, out: URL) -> TrainingConfig {
        var c = TrainingConfig()
        c.model = TestModelConfigs.tiny()
        c.data = data.path
        c.out = out.path
        (c.batchSize, c.steps, c.warmupSteps, c.blr) = (4, 4, 1, 1e-2)
        (c.valEvery, c.logEvery, c.checkpointEvery, c.numWorkers) = (2, 1, 1000, 1)
        (c.valFraction, c.valImages) = (0.1, 6)
        return c
    }

    @Test func validationViewsAreFixedWhateverTheBatchSize() throws {
        let folder = try Self.photos(12)
        defer { try? FileManager.default.removeItem(at: folder) }
        let m = TestModelConfigs.tiny()
        let cache = folder.appendingPathComponent("cache")
        let dataset = try Dataset(images: folder, regions: .auto(cache: cache, folder: nil), validationFraction: 0.1)
        let options = LoaderOptions(imageSize: m.imgSize, patchSize: m.patchSize, numRegions: m.numRegion, globalBatchSize: 4, workers: 0)
        let a = try ValidationViews(dataset: dataset, options: options, count: 7, batchSize: 3, patches: m.numPatches)
        let b = try ValidationViews(dataset: dataset, options: options, count: 7, batchSize: 32, patches: m.numPatches)
        #expect(a.count == 7 && a.heldOut == dataset.validation.count && a.heldOut + a.fromTraining == 7)
        #expect(a.batches.map { $0.images.shape[0] } == [3, 3, 1] && b.batches.map { $0.images.shape[0] } == [7])
        func joined(_ v: ValidationViews) -> ([Float], [Float], [[Int]]) {
            (v.batches.flatMap(\.images.scalars), v.batches.flatMap { $0.regions!.scalars }, v.batches.flatMap { $0.shuffleIds! })
        }
        // Same images; masks from the view index; region picks per view (the remainder batch restarts its
        // loader, so compare the whole batches only).
        #expect(joined(a).0 == joined(b).0 && joined(a).2 == joined(b).2)
        #expect(Array(joined(a).1.prefix(6 * 2 * 256)) == Array(joined(b).1.prefix(6 * 2 * 256)))
        #expect(Set(joined(a).2.map { $0.sorted() }) == [Array(0..<16)])
        let heldOutOnly = try ValidationViews(dataset: dataset, options: options, count: 0, batchSize: 4, patches: m.numPatches)
        #expect(heldOutOnly.fromTraining == 0 && heldOutOnly.count == dataset.validation.count)
        #expect(a.summary.contains("7 fixed views") && a.summary.contains("training photo"))
    }

    @Test func runLogsTheBaselineAndKeepsPicturesUpToDate() throws {
        let folder = try Self.photos(12), out = folder.appendingPathComponent("run")
        defer { try? FileManager.default.removeItem(at: folder) }
        var lines: [String] = []
        let summary = try PretrainRun.run(config: Self.config(data: folder, out: out), resume: nil, initWeights: nil,
                                          log: { lines.append($0) })
        #expect(summary.lastStep == 4)
        #expect(lines.contains { $0.hasPrefix("validation: 6 fixed views (") })
        let validations = lines.filter { $0.hasPrefix("validation step") }
        #expect(validations.count == 3)   // steps 0, 2, 4
        #expect(validations.allSatisfy { $0.contains("masked-region IoU") && $0.contains("(nearest visible patch ") })
        // The baseline is the same at every validation (fixed views), the model's IoU is not fixed.
        let baselines = Set(validations.map { $0.components(separatedBy: "nearest visible patch ").last! })
        #expect(baselines.count == 1)
        for name in ["curves.png", "reconstruction.png", "model_final.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let curves = try ImageDecoder.decode(contentsOf: out.appendingPathComponent("curves.png"))
        #expect(curves.width == 2 * 2 * 360)   // two panels (losses, IoU), enlarged twice
        let run = try RunCurves.Run(directory: out)
        #expect(run.series("val_region_iou_baseline", x: .updates).map(\.x) == [0, 2, 4])
        #expect(run.series("loss", x: .updates).map(\.x) == [1, 2, 3, 4])
    }

    @Test func curvesOfSeveralRunsComparePixelLossAndIoU() throws {
        func record(_ step: Int, _ fields: [String: Double]) -> [String: Double] {
            fields.merging(["step": Double(step)]) { a, _ in a }
        }
        let a = RunCurves.Run(name: "mae", records: (0...4).map { i -> [String: Double] in
            let t = Double(i)
            return record(i, ["mae_loss": 1 - 0.1 * t, "elapsed_s": t])
        })
        let b = RunCurves.Run(name: "rmae", records: (0...4).map { i -> [String: Double] in
            let t = Double(i)
            return record(i, ["mae_loss": 1.1 - 0.1 * t, "val_region_iou": 0.5 + 0.05 * t, "val_region_iou_baseline": 0.7, "elapsed_s": 2 * t])
        })
        let canvas = RunCurves.render([a, b], x: RunCurves.XAxis.minutes)
        #expect(canvas.width == 2 * 360)   // pixel loss and IoU panels (no validation pixel loss logged)
        #expect(b.series("mae_loss", x: RunCurves.XAxis.minutes).last!.x == 8.0 / 60)
        // A resumed process restarts its clock: minutes keep counting.
        let clock: [Double] = [30, 60, 30]
        let resumed = RunCurves.Run(name: "r", records: clock.enumerated().map { record($0.offset + 1, ["elapsed_s": $0.element, "loss": 1]) })
        #expect(resumed.series("loss", x: RunCurves.XAxis.minutes).map(\.x) == [0.5, 1, 1.5])
    }
}
