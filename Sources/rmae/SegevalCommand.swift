import ArgumentParser
import Downstream
import Foundation
import Training

/// `rmae segeval`: scores of a fine-tuned segmentation model on any labelled folder.
struct SegevalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segeval",
        abstract: "Score a fine-tuned segmentation model on a labelled folder: mIoU, per-class IoU, pixel accuracy, beside the all-background and majority-class baselines, and the model's FLOPs per image.",
        discussion: """
            DIR holds images/ and labels/ (same stems; class ids, 0 = background, 255 ignored) and classes.txt \
            (in DIR or its parent), as a split of `rmae finetune --data`. Each image is resized to the model's \
            view and its class scores resized back to the label map (bilinear), as mmseg's whole-image inference.
            """)

    @Option(help: "Fine-tuning run directory, its model_final.safetensors, or a fine-tuning checkpoint.") var checkpoint: String
    @Argument(help: "Labelled folder (images/, labels/, classes.txt here or one level up).") var dir: String
    @Option(help: "Also write the scores as JSON.") var json: String?
    @Option(name: .customLong("batch-size"), help: "Images per forward pass.") var batchSize = 16

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let (model, names, source) = try FinetunedWeights.load(checkpoint)
        let dataset: SegmentationDataset
        do { dataset = try SegmentationDataset(root: URL(fileURLWithPath: dir)) } catch { throw RuntimeError(error.description) }
        guard dataset.classNames == names else {
            throw ValidationError("\(dir): its classes (\(dataset.classNames.joined(separator: ", "))) are not the model's (\(names.joined(separator: ", ")))")
        }
        let progress = ProgressReporter(label: "segeval", total: dataset.samples.count, unit: "images")
        let matrix: ConfusionMatrix
        do {
            matrix = try SegmentationEvaluation.confusion(model, dataset: dataset, batchSize: batchSize) { progress.update($0) }
        } catch let e as SegmentationDataError { throw RuntimeError(e.description) }
        progress.finish()
        let scores = SegmentationScores(model: matrix, classNames: names, images: dataset.samples.count)
        let flops = model.flopsPerImage
        print("segeval: \(source.path) on \(dataset.folder.path)")
        print(scores.summary)
        print(String(format: "model: %.3f GFLOPs per image (%d px view, %@ head)", flops / 1e9, model.config.imgSize, model.config.head.rawValue))
        if let json {
            let file = URL(fileURLWithPath: json)
            try ModelLoading.prepareFolder(for: file)
            try SegevalReport.json(scores, flops: flops, checkpoint: source.path, folder: dataset.folder.path).write(to: file, options: .atomic)
            print("segeval: report written to \(file.path)")
        }
    }
}

enum SegevalReport {
    /// The scores' JSON with the model's cost and provenance added.
    static func json(_ scores: SegmentationScores, flops: Double, checkpoint: String, folder: String) throws -> Data {
        var tree = try JSONSerialization.jsonObject(with: JSONEncoder().encode(scores)) as! [String: Any]
        tree["flops_per_image"] = flops
        tree["checkpoint"] = checkpoint
        tree["folder"] = folder
        return try JSONSerialization.data(withJSONObject: tree, options: [.prettyPrinted, .sortedKeys])
    }
}
