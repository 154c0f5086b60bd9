import ArgumentParser
import Downstream
import Foundation
import Viz

/// `rmae probe`: a linear probe of foreground patches on a frozen encoder (wiring only; see `Viz.LinearProbe`).
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Linear probe of a frozen encoder: logistic regression of foreground patches from patch features, mIoU on held-out images, beside a random encoder of the same shape.",
        discussion: """
            DIR holds image_NNN.png and mask_NNN.png (8-bit labels, 0 = background, anything else foreground), \
            as for `rmae evaluate`. Images are encoded at the model's input size with every patch visible; a \
            patch is foreground when at least half its pixels are. Half the images (a permutation seeded by \
            --seed) fit the classifier, the other half score it: foreground IoU per image at pixel level \
            (patch grid upsampled), averaged. Works on MAE, RAE and R-MAE checkpoints and on encoder-only \
            timm weights (`rmae export --format timm`).
            """)

    @Option(help: "Checkpoint file, run directory, model_final.safetensors, or timm-keyed encoder weights (.safetensors).") var checkpoint: String
    @Argument(help: "Folder of image_NNN.png and mask_NNN.png.") var dir: String
    @Option(help: "Also write the report as JSON.") var json: String?
    @Option(help: "Seed of the train/test split and of the random encoder.") var seed: UInt64 = 0
    @Option(help: "L2 penalty λ of the logistic regression (on the mean log-loss, standardised features).") var l2: Double = 1e-3
    @Option(help: "Attention heads of timm weights without a stored configuration (default: width / 64).") var heads: Int?

    func validate() throws {
        guard l2 > 0 else { throw ValidationError("--l2 must be positive") }
        if let heads, heads < 1 { throw ValidationError("--heads must be at least 1") }
    }

    func run() throws {
        let (model, positions, source) = try ModelLoading.loadEncoder(checkpoint, heads: heads)
        try ModelLoading.feedsImages(model, source)
        let folder = URL(fileURLWithPath: dir)
        guard (try? MaskEvaluation.samples(in: folder).count) ?? 0 >= 2 else {
            throw ValidationError("\(dir): fewer than 2 image_NNN.png with a matching mask_NNN.png")
        }
        func note(_ s: String) { FileHandle.standardError.write(Data("probe: \(s)\n".utf8)) }
        let images = try LinearProbe.images(in: folder, size: model.config.imgSize, normalization: model.config.normalization)
        note("\(images.count) images from \(folder.path), encoder \(model.config.embedDim)×\(model.config.depth) from \(source.path)")
        let report = try LinearProbe(seed: seed, l2: l2).run(model: model, positions: positions, images: images, progress: note)
        print("probe: \(source.path)")
        print(report.table)
        if let json { try ModelLoading.writeReport(report, to: json, command: "probe") }
    }
}
