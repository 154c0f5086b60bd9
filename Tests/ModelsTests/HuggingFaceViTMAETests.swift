import Foundation
import Models
import NN
import Testing
import TestSupport

/// Hugging Face ViTMAE keys and config.json, both ways (scripts/check-interop.sh checks against transformers itself).
@Suite struct HuggingFaceViTMAETests {
    static func mae() throws -> RegionMAE {
        var c = TestModelConfigs.tiny()
        c.numRegion = 0
        return try RegionMAE(config: c, seed: 3)
    }

    @Test func hubLayoutRoundTripsEveryOfficialKey() throws {
        let model = try Self.mae()
        let official = model.stateDict
        let (hub, dropped) = HuggingFaceViTMAE.hubTensors(official)
        #expect(dropped.isEmpty)
        #expect(hub["vit.encoder.layer.0.attention.attention.query.weight"] != nil)
        #expect(hub["decoder.decoder_layers.0.attention.attention.value.bias"] != nil)
        #expect(hub["vit.embeddings.patch_embeddings.projection.weight"]?.shape == official["patch_embed.proj.weight"]?.shape)
        let (back, unplaced) = try HuggingFaceViTMAE.officialTensors(hub)
        #expect(unplaced.isEmpty)
        #expect(Set(back.keys) == Set(official.keys))
        for (k, v) in official { #expect(back[k]?.scalars == v.scalars, "\(k)") }
    }

    @Test func readsSavePretrainedAndInMemoryNames() throws {
        let official = try Self.mae().stateDict
        let (hub, _) = HuggingFaceViTMAE.hubTensors(official)
        // save_pretrained of transformers 5: decoder under decoder.decoder_encoder.layer.N; in-memory names
        // vit.layers.N.attention.{q,k,v,o}_proj and mlp.fc1/fc2.
        var saved: [String: Tensor] = [:], memory: [String: Tensor] = [:]
        for (k, v) in hub {
            saved[k.replacingOccurrences(of: "decoder.decoder_layers.", with: "decoder.decoder_encoder.layer.")] = v
            let m = k.replacingOccurrences(of: "vit.encoder.layer.", with: "vit.layers.")
                .replacingOccurrences(of: "attention.attention.query", with: "attention.q_proj")
                .replacingOccurrences(of: "attention.attention.key", with: "attention.k_proj")
                .replacingOccurrences(of: "attention.attention.value", with: "attention.v_proj")
                .replacingOccurrences(of: "attention.output.dense", with: "attention.o_proj")
                .replacingOccurrences(of: "intermediate.dense", with: "mlp.fc1")
                .replacingOccurrences(of: ".output.dense", with: ".mlp.fc2")
            memory[m] = v
        }
        for layout in [saved, memory] {
            let (back, unplaced) = try HuggingFaceViTMAE.officialTensors(layout)
            #expect(unplaced.isEmpty)
            for (k, v) in official { #expect(back[k]?.scalars == v.scalars, "\(k)") }
        }
        // ViTMAEModel: no "vit." prefix, encoder only.
        var encoderOnly: [String: Tensor] = [:]
        for (k, v) in hub where k.hasPrefix("vit.") { encoderOnly[String(k.dropFirst(4))] = v }
        #expect(HuggingFaceViTMAE.looksLike(encoderOnly.keys))
        let (enc, _) = try HuggingFaceViTMAE.officialTensors(encoderOnly)
        #expect(enc["blocks.0.attn.qkv.weight"]?.scalars == official["blocks.0.attn.qkv.weight"]?.scalars)
        #expect(enc["decoder_embed.weight"] == nil)
    }

    @Test func incompleteProjectionsAndUnknownKeysAreNamed() throws {
        let (hub, _) = HuggingFaceViTMAE.hubTensors(try Self.mae().stateDict)
        var broken = hub
        broken["vit.encoder.layer.0.attention.attention.key.weight"] = nil
        #expect(throws: HuggingFaceError.self) { try HuggingFaceViTMAE.officialTensors(broken) }
        do {
            _ = try HuggingFaceViTMAE.officialTensors(broken)
        } catch let e as HuggingFaceError {
            #expect(e.description.contains("blocks.0.attn.qkv.weight"))
        }
        var extra = hub
        extra["vit.pooler.dense.weight"] = Tensor.zeros([2, 2])
        #expect(try HuggingFaceViTMAE.officialTensors(extra).unplaced == ["vit.pooler.dense.weight"])
    }

    @Test func configJSONCarriesTheModelsShape() throws {
        var c = TestModelConfigs.tiny()
        c.numRegion = 0
        c.layerNormEps = 1e-6
        let json = try HuggingFaceViTMAE.configJSON(c)
        let hf = try JSONDecoder().decode(HuggingFaceViTMAE.Config.self, from: json)
        #expect(hf.modelType == "vit_mae" && hf.architectures == ["ViTMAEForPreTraining"])
        #expect(hf.layerNormEps == 1e-6 && hf.imageSize == c.imgSize && hf.patchSize == c.patchSize)
        let back = try hf.modelConfig()
        #expect(back.embedDim == c.embedDim && back.depth == c.depth && back.numHeads == c.numHeads)
        #expect(back.decoderEmbedDim == c.decoderEmbedDim && back.decoderDepth == c.decoderDepth && back.decoderNumHeads == c.decoderNumHeads)
        #expect(back.mlpRatio == c.mlpRatio && back.layerNormEps == c.layerNormEps && back.normPixLoss == c.normPixLoss)
        var other = hf
        other.hiddenAct = "gelu_new"
        #expect(throws: HuggingFaceError.self) { try other.modelConfig() }
        other = hf
        other.decoderIntermediateSize = (hf.decoderHiddenSize ?? 1) * 2
        #expect(throws: HuggingFaceError.self) { try other.modelConfig() }
    }

    @Test func positionTablesOfAFileAreKeptRecomputedOrResized() throws {
        let model = try Self.mae()
        let g = model.config.gridSize, d = model.config.embedDim, dd = model.config.decoderEmbedDim
        // Same grid: the file's table is used as it is (transformers 5 saves zero tables for a fresh model).
        let zeros = Tensor.zeros([1, g * g + 1, dd])
        let (same, notes) = try model.withPositionTables(["decoder_pos_embed": zeros])
        #expect(same.decoderPosEmbed?.scalars.allSatisfy { $0 == 0 } == true)
        #expect(same.posEmbed.scalars == model.posEmbed.scalars)
        #expect(notes.count == 1)
        // Another grid: sin-cos of its own grid → recomputed; anything else → resized (zeros stay zeros).
        let g2 = g + 2
        let sinCos = sinCosPositionTable(dim: d, gridSize: g2).reshaped([1, g2 * g2 + 1, d])
        let (re, reNotes) = try model.withPositionTables(["pos_embed": sinCos, "decoder_pos_embed": Tensor.zeros([1, g2 * g2 + 1, dd])])
        #expect(re.posEmbed.scalars == model.posEmbed.scalars)
        #expect(re.decoderPosEmbed?.scalars.allSatisfy { $0 == 0 } == true)
        #expect(reNotes.contains { $0.contains("recomputed") } && reNotes.contains { $0.contains("resized") })
        #expect(throws: ParameterLoadingError.self) { try model.withPositionTables(["pos_embed": Tensor.zeros([1, 7, d])]) }
    }
}
