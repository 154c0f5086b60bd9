import Data
import Foundation
import Models
import NN
import Viz

/// Everything `rmae pretrain` does after parsing its flags: data, model, loop, final weights and picture.
public enum PretrainRun {
    /// Where the embedded demo photos are: `$RMAE_DEMO_DIR`, `./data/demo`, or `data/demo` beside the
    /// package that built the executable (`.build/<config>/rmae` → `../../data/demo`).
    public static func demoDirectory() -> URL? {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["RMAE_DEMO_DIR"] { candidates.append(URL(fileURLWithPath: env)) }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("data/demo"))
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("data/demo"))
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("ATTRIBUTION.md").path) }
    }

    /// Runs (or resumes) a pre-training job. `initWeights`: weights to start from, in any format
    /// ``InitialWeights`` reads (MAE weights into an R-MAE model: the region branch starts fresh);
    /// `strictInit` refuses any missing or extra parameter.
    @discardableResult
    /// - Parameter synchronizer: several processes (MPI ranks) train together; only rank 0 logs and writes.
    public static func run(config: TrainingConfig, resume: Checkpoint?, initWeights: InitialWeights?, strictInit: Bool = false,
                           synchronizer: GradientSynchronizer? = nil,
                           log rawLog: @escaping (String) -> Void) throws -> RunSummary {
        var config = config
        try config.validate()
        let rank = synchronizer?.rank ?? 0, worldSize = synchronizer?.size ?? 1
        let log: (String) -> Void = { if rank == 0 { rawLog($0) } }
        let runDirectory = URL(fileURLWithPath: config.out)
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        if rank == 0 {   // what a kill during a checkpoint write left behind
            for name in Checkpoint.removeStaleTemporaries(in: runDirectory) { log("removed stale temporary file checkpoints/\(name)") }
        }

        // Data.
        let imagesURL: URL
        if let data = config.data {
            imagesURL = URL(fileURLWithPath: data)
        } else {
            guard let demo = demoDirectory() else {
                throw ConfigurationError(description: "no --data given and the embedded demo photos (data/demo) were not found; run from the repository or set RMAE_DEMO_DIR")
            }
            imagesURL = demo
        }
        var m = config.model
        do { try m.checkImageChannels() } catch { throw ConfigurationError(description: "\(error)") }
        let regionSource: RegionSource
        if m.numRegion == 0 {
            regionSource = .none
        } else {
            regionSource = try RegionSource(parsing: config.regions, autoCache: runDirectory.appendingPathComponent("regions"))
            if case .coco(let annotations) = regionSource {
                log("regions: \(annotations.maskCount) masks for \(annotations.imageCount) images in \(annotations.file)"
                    + (annotations.problemCount > 0 ? "; \(annotations.problemCount) annotation problems skipped, first: "
                        + annotations.problems.prefix(3).joined(separator: "; ") : ""))
            }
        }
        let dataset: Dataset
        if FileManager.default.fileExists(atPath: imagesURL.appendingPathComponent("image/train2017").path) {
            var coco = try Dataset.coco(root: imagesURL, validationFraction: config.valFraction)
            if m.numRegion > 0 && config.regions != "auto" { coco.regions = regionSource }   // else its fh_ folder
            dataset = coco
        } else {
            dataset = try Dataset(images: imagesURL, regions: regionSource, validationFraction: config.valFraction)
        }
        // The input normalisation, recorded with the model (a resumed run keeps the one it recorded).
        if resume == nil && m.pixelMean == nil {
            config.model = try normalizationRecorded(in: config, images: dataset.train.map(\.image), log: log)
            m = config.model
        }
        let sampleType = LoaderOptions.RegionSampleType(rawValue: m.regionSampleType) ?? .random
        var options = LoaderOptions(imageSize: m.imgSize, patchSize: m.patchSize, numRegions: m.numRegion,
                                    regionMaskRatio: m.regionMaskRatio, regionSampleType: sampleType,
                                    globalBatchSize: config.batchSize, workers: config.numWorkers, prefetch: 4, train: true)
        options.normalization = m.normalization
        let start = try resume.map { try LoaderBatches.position(from: $0.dataPosition) } ?? LoaderPosition(epoch: 0, batch: 0)
        log("data: \(dataset.train.count) training and \(dataset.validation.count) validation images from \(imagesURL.path)"
            + (m.numRegion > 0 ? ", regions: \(config.regions == "auto" ? "FH (auto, cached in \(runDirectory.path)/regions)" : config.regions)" : ""))
        let loader = try DataLoader(dataset: dataset, options: options, seed: config.seed, rank: rank, worldSize: worldSize, start: start)
        if worldSize > 1 { log("data parallel: \(worldSize) ranks, \(config.batchSize / worldSize) images each per micro-batch") }
        let source = LoaderBatches(loader)

        // Validation: fixed views (the held-out split, topped up with training photos), fixed masks.
        var validation: [TrainingBatch] = []
        if rank == 0 {
            let views = try ValidationViews(dataset: dataset, options: options, count: config.valImages,
                                            batchSize: config.batchSize, patches: m.numPatches)
            validation = views.batches
            if views.count > 0 { log("validation: \(views.summary)") }
        }

        let trainer = try Trainer(config: config, source: source, runDirectory: runDirectory, resume: resume, synchronizer: synchronizer)
        if let weights = initWeights, resume == nil {
            let (model, report) = try weights.applied(to: trainer.model, strict: strictInit, fileTables: false)
            try trainer.loadWeights(Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) }))
            let size = weights.config.map { " (\($0.imgSize) px / patch \($0.patchSize))" } ?? ""
            log("initialised from \(weights.source.path): \(weights.format.rawValue)\(size)")
            for line in report.lines { log("  " + line) }
        }
        if rank == 0 { try config.yaml().write(to: runDirectory.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8) }
        let params = trainer.model.parameterCount
        log("model: \(m.numRegion == 0 ? "MAE" : (m.useMaeLoss ? "R-MAE (\(m.variant.rawValue))" : "RAE (\(m.variant.rawValue))")) \(m.embedDim)×\(m.depth), \(m.imgSize) px / patch \(m.patchSize), k = \(m.numRegion), \(String(format: "%.2f", Double(params) / 1e6))M trainable parameters; \(trainer.totalSteps) updates of \(config.batchSize * config.accumIter) images, peak lr \(String(format: "%.3g", config.peakLearningRate))"
            + (resume.map { ", resuming at update \($0.step)" } ?? ""))

        let pictures = RunPictures(directory: runDirectory, shown: validation.first, config: m)
        let summary = try trainer.run(validation: validation, log: log, validated: { pictures.write($0, log: log) })
        for (path, why) in loader.skipped { rawLog("rank \(rank): skipped \(path): \(why)") }
        if !loader.skipped.isEmpty { rawLog("rank \(rank): \(loader.skipped.count) unreadable samples were skipped") }
        guard rank == 0 else { return summary }

        // Final weights with the official keys, and the pictures of the last update.
        try SafeTensors.write(trainer.model.stateDict, metadata: ["format": "rmae-swift official state_dict",
                                                                    "config": String(decoding: try JSONEncoder().encode(m), as: UTF8.self)],
                              to: runDirectory.appendingPathComponent("model_final.safetensors"))
        pictures.write(trainer, log: log)
        return summary
    }

    /// The model configuration with the run's `normalization` recorded: ImageNet's (nothing recorded), the
    /// explicit values, or (`auto`) the statistics of up to 512 training images spread over the set, measured
    /// with progress; unreadable images are skipped.
    static func normalizationRecorded(in config: TrainingConfig, images: [URL], log: (String) -> Void) throws -> ModelConfig {
        switch config.normalization {
        case "imagenet":
            return config.model
        case "auto":
            let count = min(images.count, 512)
            guard count > 0 else { throw ConfigurationError(description: "normalization auto: no training images to measure") }
            let progress = ProgressReporter(label: "normalization auto", total: count, unit: "images")
            var statistics = ImageStatistics(channels: config.model.inChans == 1 ? 1 : 3)
            for i in 0..<count {
                let url = images[i * images.count / count]
                if let image = try? ImageDecoder.decode(contentsOf: url) { statistics.add(image.pixels) }
                progress.advance()
            }
            progress.finish()
            guard let n = statistics.normalization else {
                throw ConfigurationError(description: "normalization auto: the sampled images have a constant channel (std 0); give M,M,M/S,S,S")
            }
            func f(_ v: [Float]) -> String { v.map { String(format: "%.4f", $0) }.joined(separator: ", ") }
            let reference = ImageNormalization.imagenet(channels: n.channels)!
            log("normalization: measured on \(count) training images: mean \(f(n.mean)), std \(f(n.std)) (ImageNet: mean \(f(reference.mean)), std \(f(reference.std)))")
            return config.model.recording(n)
        default:
            let (mean, std) = try TrainingConfig.explicitNormalization(config.normalization)
            guard mean.count == config.model.inChans else {
                throw ConfigurationError(description: "normalization '\(config.normalization)' has \(mean.count) channel(s), the model in_chans \(config.model.inChans)")
            }
            log("normalization: mean \(mean), std \(std) (given)")
            return config.model.recording(ImageNormalization(mean: mean.map(Float.init), std: std.map(Float.init)))
        }
    }
}
