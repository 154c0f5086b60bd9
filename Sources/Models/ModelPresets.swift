/// Named model configurations: the official ViT sizes with the official pixel decoder (512 wide, 8 blocks,
/// 16 heads) and region defaults (128 wide, 1 block, 8 heads, k = 8, neck depth 1 as in the paper; the
/// released YAML's 8 is `region_cross_layer=8`), plus `demo`, sized for a CPU.
public enum ModelPresets {
    public static let names = ["vit-tiny", "vit-small", "vit-base", "vit-large", "vit-huge", "demo"]

    public static func config(named name: String) -> ModelConfig? {
        var c = ModelConfig()   // official defaults: 224 px, patch 16, decoder 512/8/16, regions 128/1/8, k = 8
        switch name {
        case "vit-tiny": (c.embedDim, c.depth, c.numHeads) = (192, 12, 3)
        case "vit-small": (c.embedDim, c.depth, c.numHeads) = (384, 12, 6)
        case "vit-base": (c.embedDim, c.depth, c.numHeads) = (768, 12, 12)
        case "vit-large": (c.embedDim, c.depth, c.numHeads) = (1024, 24, 16)
        case "vit-huge": (c.patchSize, c.embedDim, c.depth, c.numHeads) = (14, 1280, 32, 16)
        case "demo":
            // 96 px, patch 8 (144 patches): a ViT-Tiny-width encoder of 6 blocks, a 128×2 pixel decoder and a
            // 64-wide region branch; learns visible structure within minutes on 2 cores.
            (c.imgSize, c.patchSize, c.embedDim, c.depth, c.numHeads) = (96, 8, 192, 6, 3)
            (c.decoderEmbedDim, c.decoderDepth, c.decoderNumHeads) = (128, 2, 4)
            (c.regionEncDim, c.regionEncNumHeads, c.regionDecDim, c.regionDecNumHeads) = (64, 4, 64, 4)
        default: return nil
        }
        return c
    }
}
