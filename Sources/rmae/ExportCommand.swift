import ArgumentParser
import Data
import Engine
import Foundation
import Models
import ONNX
import Training

/// `rmae export`: weights out to the PyTorch world as safetensors.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's weights as safetensors: the official R-MAE state_dict, or the encoder under timm ViT keys.")

    @Argument(help: "A run directory (its latest checkpoint, or model_final.safetensors), a checkpoint file, or any weights rmae reads.") var checkpoint: String
    @Option(help: "official: every key of the official state_dict (loads into the official PyTorch model); timm: the ViT encoder only (cls_token, pos_embed, patch_embed, blocks, norm), for timm / ViTDet fine-tuning; hf: a Hugging Face ViTMAEForPreTraining folder (config.json + model.safetensors; the region branch has no counterpart there and is left out); onnx: the encoder without masking (opset 17, pixel_values [batch, C, H, W] -> last_hidden_state [batch, 1 + N, D]).")
    var format: String = "official"
    @Option(help: "Output: a .safetensors file (official, timm), a folder (hf) or a .onnx file (onnx).") var out: String

    /// The encoder as ONNX; encoder-only weights (timm) keep their own position table.
    func exportONNX() throws {
        var positions: Tensor?
        let model: RegionMAE, source: URL
        if let whole = try? ModelLoading.load(checkpoint) { (model, source) = whole } else {
            (model, positions, source) = try ModelLoading.loadEncoder(checkpoint, heads: nil)
        }
        let data = try EncoderGraph.serialized(model, positions: positions.map { $0.rank == 3 ? $0.reshaped(Array($0.shape.dropFirst())) : $0 })
        try AtomicFile.write(data, to: URL(fileURLWithPath: out))
        let c = model.config
        print("export: the \(c.embedDim)×\(c.depth) encoder of \(source.path) as ONNX (opset \(EncoderGraph.opset); pixel_values [batch, \(c.inChans), \(c.imgSize), \(c.imgSize)] -> last_hidden_state [batch, \(c.numPatches + 1), \(c.embedDim)]) to \(out) (\(data.count / 1024) KiB)")
    }

    func run() throws {
        if format == "onnx" { return try exportONNX() }
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
            // The image processor only where the statistics are known (recorded, or ImageNet's for 1 or 3 channels).
            let processor = model.config.pixelMean != nil || [1, 3].contains(model.config.inChans)
            if processor {
                try AtomicFile.write(try HuggingFaceViTMAE.preprocessorJSON(model.config), to: folder.appendingPathComponent("preprocessor_config.json"))
            }
            try SafeTensors.write(hub, metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"))
            print("export: \(hub.count) tensors (Hugging Face ViTMAEForPreTraining) from \(source.path) to \(out)/{config.json,\(processor ? "preprocessor_config.json," : "")model.safetensors}"
                  + (dropped.isEmpty ? "" : "; left out \(dropped.count) region-branch tensors (no Hugging Face counterpart)"))
        default: throw ValidationError("--format: '\(format)' is not official, timm, hf or onnx")
        }
    }
}
