import ArgumentParser
import Downstream
import Foundation
import Training
import Viz

/// `rmae evaluate`: interactive segmentation of true instances and FH region reconstruction (wiring only;
/// see `Viz.MaskEvaluation`).
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a region model on true masks: interactive-segmentation mIoU at 10/15/20 % prompts, FH-region mIoU.",
        discussion: """
            DIR holds image_NNN.png and mask_NNN.png (8-bit labels, 0 = background, 1..n = instances). IoUs are \
            counted at the model's input size. "prompts only" is the score of the prompts alone (no model).
            """)

    @Option(help: "Checkpoint file, run directory (latest checkpoint) or model_final.safetensors.") var checkpoint: String
    @Argument(help: "Folder of image_NNN.png and mask_NNN.png.") var dir: String
    @Option(help: "Also write the report (with per-instance IoUs) as JSON.") var json: String?
    @Option(help: "Seed of the prompt and masking draws.") var seed: UInt64 = 0
    @Option(help: "Probability that counts as object.") var threshold: Float = 0.5

    func run() throws {
        let (model, source) = try ModelLoading.load(checkpoint)
        try ModelLoading.feedsImages(model, source)
        guard model.config.hasRegionBranch else { throw ValidationError("--checkpoint: an MAE model has no region branch to evaluate") }
        let folder = URL(fileURLWithPath: dir)
        guard !(try MaskEvaluation.samples(in: folder)).isEmpty else {
            throw ValidationError("\(dir): no image_NNN.png with a matching mask_NNN.png")
        }
        let evaluation = MaskEvaluation(seed: seed, threshold: threshold)
        let progress = ProgressReporter(label: "evaluate", total: nil, unit: "images")
        let report = try evaluation.run(model: model, folder: folder) { done, total in progress.update(done, of: total) }
        progress.finish()
        print("evaluate: \(source.path)")
        print(report.table)
        if let json { try ModelLoading.writeReport(report, to: json, command: "evaluate") }
    }
}
