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

    @Argument(help: "A run directory (its latest checkpoint, or model_final.safetensors), a checkpoint file, or any weights rmae reads.") var checkpoint: String
    @Option(help: "official: every key of the official state_dict (loads into the official PyTorch model); timm: the ViT encoder only (cls_token, pos_embed, patch_embed, blocks, norm), for timm / ViTDet fine-tuning; hf: a Hugging Face ViTMAEForPreTraining folder (config.json + model.safetensors; the region branch has no counterpart there and is left out).")
    var format: String = "official"
    @Option(help: "Output: a .safetensors file (official, timm) or a folder (hf).") var out: String

    func run() throws {
        let (model, source) = try ModelLoading.load(checkpoint)
        var tensors = model.stateDict
        let config = String(decoding: try JSONEncoder().encode(model.config), as: UTF8.self)
        let step = (try? SafeTensors.read(source)).flatMap { $0.metadata["step"] } ?? ""
        switch format {
        case "official", "timm":
            if format == "timm" {
                let encoder = ["cls_token", "pos_embed", "patch_embed.", "blocks.", "norm."]
                tensors = tensors.filter { key, _ in encoder.contains { key == $0 || ($0.hasSuffix(".") && key.hasPrefix($0)) } }
            }
            try SafeTensors.write(tensors, metadata: ["format": "rmae-swift \(format)", "config": config, "step": step],
                                  to: URL(fileURLWithPath: out))
            print("export: \(tensors.count) tensors (\(format) keys) from \(source.path)\(step.isEmpty ? "" : " (update \(step))") to \(out)")
        case "hf":
            guard model.config.hasPixelDecoder else {
                throw ValidationError("--format hf: this model has no pixel decoder (RAE); ViTMAEForPreTraining needs one (export --format timm for the encoder)")
            }
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let (hub, dropped) = HuggingFaceViTMAE.hubTensors(tensors)
            try AtomicFile.write(try HuggingFaceViTMAE.configJSON(model.config), to: folder.appendingPathComponent("config.json"))
            try SafeTensors.write(hub, metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"))
            print("export: \(hub.count) tensors (Hugging Face ViTMAEForPreTraining) from \(source.path) to \(out)/{config.json,model.safetensors}"
                  + (dropped.isEmpty ? "" : "; left out \(dropped.count) region-branch tensors (no Hugging Face counterpart)"))
        default: throw ValidationError("--format: '\(format)' is not official, timm or hf")
        }
    }
}
