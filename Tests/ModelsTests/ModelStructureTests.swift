import Models
import NN
import Testing
import TestSupport

@Suite struct ModelStructureTests {
    /// REFERENCE.md §1 configurations B (official ViT-B/16, neck 8) and T, X; trainable counts [verified] there.
    static func configB() -> ModelConfig {
        var c = ModelConfig()
        c.regionCrossLayer = 8
        return c
    }

    static func configT() -> ModelConfig {
        var c = ModelConfig()
        (c.imgSize, c.patchSize, c.embedDim, c.depth, c.numHeads) = (64, 8, 192, 12, 3)
        (c.decoderEmbedDim, c.decoderDepth, c.decoderNumHeads) = (128, 4, 4)
        (c.regionEncDim, c.regionEncNumHeads, c.regionDecDim, c.regionDecNumHeads, c.numRegion) = (64, 4, 64, 4, 4)
        return c
    }

    static func configX() -> ModelConfig {
        var c = ModelConfig()
        (c.imgSize, c.patchSize, c.embedDim, c.depth, c.numHeads) = (32, 8, 64, 2, 4)
        (c.decoderEmbedDim, c.decoderDepth, c.decoderNumHeads) = (32, 1, 4)
        (c.regionEncDim, c.regionEncNumHeads, c.regionDecDim, c.regionDecDepth, c.regionDecNumHeads, c.numRegion) = (32, 4, 32, 2, 4, 3)
        return c
    }

    @Test func parameterCountsMatchTheOfficialModel() throws {
        #expect(try RegionMAE(config: Self.configB()).parameterCount == 113_737_728)
        #expect(try RegionMAE(config: Self.configT()).parameterCount == 6_373_440)
        let x = try RegionMAE(config: Self.configX())
        #expect(x.parameterCount == 191_136)
        #expect(x.stateDict.count == 123)
        #expect(x.stateDict.values.reduce(0) { $0 + $1.count } == 193_856)
        #expect(x.stateDict["region_dec_blocks.0.cross_attn.kv.weight"]?.shape == [64, 32])
        #expect(x.stateDict["region_dec_blocks.1.mlp.fc1.weight"]?.shape == [32, 32])
        #expect(x.stateDict["region_pred.1.weight"]?.shape == [64, 32])
        #expect(x.stateDict["patch_embed.proj.weight"]?.shape == [64, 3, 8, 8])
        #expect(x.stateDict["region_cross_pos_embed"]?.shape == [1, 17, 32])
    }

    /// REFERENCE.md §3 numeric check (D = 8, G = 2) and the config-B sample row.
    @Test func sinCosTable() {
        let t = sinCosPositionTable(dim: 8, gridSize: 2)
        expectClose(t.scalars, [0, 0, 0, 0, 0, 0, 0, 0,
                                0, 0, 1, 1, 0, 0, 1, 1,
                                0.841471, 0.01, 0.540302, 0.99995, 0, 0, 1, 1,
                                0, 0, 1, 1, 0.841471, 0.01, 0.540302, 0.99995,
                                0.841471, 0.01, 0.540302, 0.99995, 0.841471, 0.01, 0.540302, 0.99995], atol: 1e-6)
        let b = sinCosPositionTable(dim: 768, gridSize: 14)
        let row = 1 + 3 * 14 + 5
        expectClose([0, 1, 191, 192, 383, 384, 385, 575, 576, 767].map { b[row, $0] },
                    [-0.958924, -0.998573, 0.000525, 0.283662, 1.0, 0.141120, 0.278380, 0.000315, -0.989992, 1.0], atol: 2e-6)
    }

    /// REFERENCE.md §7.4: both losses on a hand-made case.
    @Test func lossesMatchTheReferenceNumbers() {
        var img = [Float](repeating: 0, count: 3 * 16)
        for c in 0..<3 { for y in 0..<4 { for x in 0..<4 { img[(c * 4 + y) * 4 + x] = Float(16 * c + 4 * y + x) / 10 } } }
        img[(1 * 4 + 1) * 4 + 1] = 3.0
        img[(2 * 4 + 3) * 4 + 0] = -1.0
        let images = Tensor(shape: [1, 3, 4, 4], img)
        let pred = Tensor(shape: [1, 4, 12], (0..<48).map { i in 0.1 * Float((12 * (i / 12) + i % 12) % 7) - 0.3 })
        let mask = Tensor(shape: [1, 4], [0, 1, 1, 0])
        #expect(abs(pixelLoss(images: images, pred: pred, mask: mask, patch: 2, normalize: true).item - 1.0251194) < 2e-6)
        var maps = [Float](repeating: 0, count: 2 * 16)
        for y in 0..<4 { for x in 0..<4 {
            maps[y * 4 + x] = y <= 1 ? 1 : 0
            maps[16 + y * 4 + x] = (x == 1 || x == 2) ? 1 : 0
        } }
        let targets = Tensor(shape: [2, 1, 4, 4], maps).patchified(patch: 2).reshaped([1, 2, 4, 4])
        let logits = Tensor(shape: [1, 2, 4, 4], (0..<32).map { i in
            let (r, n, j) = (i / 16, (i / 4) % 4, i % 4)
            return 0.5 * Float((16 * r + 4 * n + j) % 5) - 1.0
        })
        let regionMask = Tensor(shape: [1, 4], [1, 0, 1, 1])
        #expect(abs(regionLoss(logits: logits, targets: targets, regionMask: regionMask, bgWeight: 1).item - 0.8185824) < 2e-6)
        #expect(abs(regionLoss(logits: logits, targets: targets, regionMask: regionMask, bgWeight: 0.5).item - 0.5812645) < 2e-6)
    }

    @Test func keepCountsTruncateLikeTheOfficialCode() {
        var c = ModelConfig()
        #expect(c.keptPatches == 49)
        (c.imgSize, c.patchSize) = (64, 8)
        #expect(c.keptPatches == 16)
        (c.imgSize, c.patchSize) = (32, 8)
        #expect(c.keptPatches == 4)
    }

    @Test func invalidConfigurationsFailAtConstruction() {
        var c = Self.configX()
        c.useMaeLoss = false
        c.numRegion = 0
        #expect(throws: ModelConfigError.self) { try RegionMAE(config: c) }
        c = Self.configX()
        c.embedDim = 66
        #expect(throws: ModelConfigError.self) { try RegionMAE(config: c) }
    }

    @Test(arguments: ["vit-tiny", "vit-small", "vit-base", "vit-large", "vit-huge", "demo", "cpu-1h"])
    func presetsBuild(name: String) throws {
        let config = try #require(ModelPresets.config(named: name))
        try config.validate()
        #expect(config.numRegion == 8)
        if name == "vit-huge" { #expect(config.patchSize == 14) }
    }
}
