import ArgumentParser
import Data
import Foundation
import Models
import Training

/// `rmae export`: weights out to the PyTorch world as safetensors.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's weights as safetensors: the official R-MAE state_dict, or the encoder under timm ViT keys.")

    @Argument(help: "A run directory (its latest checkpoint) or a checkpoint file.") var checkpoint: String
    @Option(help: "official: every key of the official state_dict (loads into the official PyTorch model); timm: the ViT encoder only (cls_token, pos_embed, patch_embed, blocks, norm), for timm / ViTDet fine-tuning.")
    var format: String = "official"
    @Option(help: "Output .safetensors file.") var out: String

    func run() throws {
        let url = URL(fileURLWithPath: checkpoint)
        guard let file = Checkpoint.latest(url) else { throw ValidationError("\(checkpoint): no checkpoint there") }
        let ckpt = try Checkpoint.read(file)
        let model = try RegionMAE(config: ckpt.config.model).loading(ckpt.parameters)
        var tensors = model.stateDict
        switch format {
        case "official": break
        case "timm":
            let encoder = ["cls_token", "pos_embed", "patch_embed.", "blocks.", "norm."]
            tensors = tensors.filter { key, _ in encoder.contains { key == $0 || ($0.hasSuffix(".") && key.hasPrefix($0)) } }
        default: throw ValidationError("--format: '\(format)' is not official or timm")
        }
        let config = String(decoding: try JSONEncoder().encode(ckpt.config.model), as: UTF8.self)
        try SafeTensors.write(tensors, metadata: ["format": "rmae-swift \(format)", "config": config, "step": "\(ckpt.step)"],
                              to: URL(fileURLWithPath: out))
        print("export: \(tensors.count) tensors (\(format) keys) from \(file.path) (update \(ckpt.step)) to \(out)")
    }
}
