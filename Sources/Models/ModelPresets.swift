/// Named model configurations: the official ViT sizes with the official pixel decoder (512 wide, 8 blocks,
/// 16 heads) and region defaults (128 wide, 1 block, 8 heads, k = 8, neck depth 1 as in the paper; the
/// released YAML's 8 is `region_cross_layer=8`), plus `demo`, sized for a CPU.
///
/// Region defaults stay the official ones in every preset; `numRegion = 0` gives MAE, `useMaeLoss = false` RAE.
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
            // The CPU reference setting of ../shared/bench (torch_rmae.py --preset vit-tiny --img-size 96 --patch 8
            // --decoder-dim 128 --decoder-depth 2 --decoder-heads 4): a ViT-Tiny encoder at 96 px, patch 8
            // (144 patches), a 128×2 pixel decoder and the official 128-wide region branch with k = 8.
            (c.imgSize, c.patchSize, c.embedDim, c.depth, c.numHeads) = (96, 8, 192, 12, 3)
            (c.decoderEmbedDim, c.decoderDepth, c.decoderNumHeads) = (128, 2, 4)
        default: return nil
        }
        return c
    }
}
