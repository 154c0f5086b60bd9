import ArgumentParser
import Data
import Engine
import Foundation
import Models
import Training

/// `rmae forward`: the model on tensors given from elsewhere (Python), outputs written back as safetensors, so
/// that another implementation can be compared with rmae's to the last decimal (scripts/check-interop.sh).
struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run a model on tensors from a safetensors file and write its outputs (for comparisons with PyTorch, transformers, timm).",
        discussion: """
            --inputs holds `pixel_values` [B, C, H, W] (already normalised) and optionally `noise` [B, N] (the \
            masking, as in the official code and transformers' ViTMAE). Written: `last_hidden_state` [B, 1 + N, D] \
            (the encoder on every patch, final norm applied) and, with noise, `loss`, `logits` [B, N, p·p·C] \
            (the pixel decoder's prediction), `mask` [B, N] and `latent` [B, 1 + K, D]. Images of another size \
            than the model's run with sin-cos tables recomputed for their grid.
            """)

    @Option(help: "Weights: an rmae run or checkpoint, official/timm safetensors, or a Hugging Face ViTMAE folder.") var checkpoint: String
    @Option(help: "Input tensors (.safetensors).") var inputs: String
    @Option(help: "Output tensors (.safetensors).") var out: String

    func run() throws {
        let input = try SafeTensors.read(URL(fileURLWithPath: inputs))
        guard let pixels = input.tensors["pixel_values"] else { throw ValidationError("--inputs: \(inputs) has no 'pixel_values' tensor") }
        let encoderOnly: Bool
        var model: RegionMAE
        var positions: Tensor?   // a learned table (timm), else the model's sin-cos one
        do { model = try ModelLoading.load(checkpoint).model; encoderOnly = false } catch {
            (model, positions, _) = try ModelLoading.loadEncoder(checkpoint, heads: nil)
            encoderOnly = true
        }
        let c = model.config
        guard pixels.rank == 4, pixels.shape[1] == c.inChans, pixels.shape[2] == pixels.shape[3] else {
            throw ValidationError("--inputs: pixel_values has shape \(pixels.shape), expected [B, \(c.inChans), S, S]")
        }
        let size = pixels.shape[2]
        if size != c.imgSize {
            guard size % c.patchSize == 0 else { throw ValidationError("--inputs: image size \(size) is not a multiple of the patch size \(c.patchSize)") }
            var resized = c
            resized.imgSize = size
            let tables = Dictionary(uniqueKeysWithValues: model.frozenTensors.map { ($0.name, $0.value) })
            model = try RegionMAE(config: resized).loading(Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) }))
            model = try model.withPositionTables(tables).model
            // A learned table is resized as MAE's interpolate_pos_embed does (bicubic, cls row kept).
            positions = positions.map {
                PositionEmbeddingResize.resized($0.reshaped([1] + $0.shape), extraTokens: 1, grid: resized.gridSize).reshaped([resized.numPatches + 1, c.embedDim])
            }
        }
        let b = pixels.shape[0], n = model.config.numPatches
        var outputs: [String: Tensor] = [:]
        let all = Array(repeating: Array(0..<n), count: b)
        outputs["last_hidden_state"] = model.encode(pixels, keep: all, positions: positions)
        if let noise = input.tensors["noise"] {
            guard noise.shape == [b, n] else { throw ValidationError("--inputs: noise has shape \(noise.shape), expected [\(b), \(n)]") }
            guard !encoderOnly, model.config.hasPixelDecoder else { throw ValidationError("--checkpoint: \(checkpoint) has no pixel decoder; noise needs one") }
            guard !model.config.hasRegionBranch else { throw ValidationError("--checkpoint: an R-MAE model needs region maps; forward runs MAE models (export --format hf, or a numRegion 0 model)") }
            let o = model(images: pixels, regions: nil, masking: Masking(noise: noise))
            outputs["loss"] = o.loss
            outputs["latent"] = o.latent
            outputs["mask"] = o.mask
            if let pred = o.pred { outputs["logits"] = pred }
        }
        try SafeTensors.write(outputs.mapValues { $0.detached() }, metadata: ["format": "rmae-swift forward"], to: URL(fileURLWithPath: out))
        print("forward: \(outputs.keys.sorted().joined(separator: ", ")) for \(b) images of \(size) px to \(out)")
    }
}
