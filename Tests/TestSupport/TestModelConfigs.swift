import Models

/// Model configurations small enough for tests, shared by the test targets.
public enum TestModelConfigs {
    /// 16 px, patch 4 (N = 16), one 16-wide encoder block, k = 2: for loops that run many steps.
    public static func tiny() -> ModelConfig {
        var c = small()
        (c.imgSize, c.patchSize, c.embedDim, c.depth, c.numHeads) = (16, 4, 16, 1, 2)
        return c
    }

    /// 32 px, patch 8 (G = 4, N = 16), two 32-wide encoder blocks, decoders 16 wide, k = 2: for inference,
    /// pictures and the server.
    public static func small(variant: RegionVariant = .length) -> ModelConfig {
        var c = ModelConfig()
        (c.imgSize, c.patchSize, c.embedDim, c.depth, c.numHeads) = (32, 8, 32, 2, 2)
        (c.decoderEmbedDim, c.decoderDepth, c.decoderNumHeads) = (16, 1, 2)
        (c.regionEncDim, c.regionEncNumHeads, c.regionDecDim, c.regionDecNumHeads, c.numRegion) = (16, 2, 16, 2, 2)
        c.variant = variant
        return c
    }
}
