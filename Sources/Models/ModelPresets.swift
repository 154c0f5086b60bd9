/// Named model configurations: the official ViT sizes with the official pixel decoder (512 wide, 8 blocks,
/// 16 heads) and region defaults (128 wide, 1 block, 8 heads, k = 8, neck depth 1 as in the paper; the
/// released YAML's 8 is `region_cross_layer=8`), plus two presets sized for a 2-core CPU: `demo` (the ten-minute
/// run of README command 1) and `cpu-1h` (about an hour).
///
/// Region defaults stay the official ones in the ViT presets; `numRegion = 0` gives MAE, `useMaeLoss = false` RAE.
/// The CPU presets keep the method (R-MAE, length variant, official losses, k = 8, 128-wide region branch) and
/// change what the explorations in docs/demo-preset-exploration.md found to matter at small compute: a small
/// view with patch 8, the paper's `random_fg` region sampling (every sampled region touches a visible region
/// patch), and β_R = 0.9 (6 to 14 visible region patches, close to the few clicks of interactive segmentation).
public enum ModelPresets {
    public static let names = ["vit-tiny", "vit-small", "vit-base", "vit-large", "vit-huge", "demo", "cpu-1h"]

    public static func config(named name: String) -> ModelConfig? {
        var c = ModelConfig()   // official defaults: 224 px, patch 16, decoder 512/8/16, regions 128/1/8, k = 8
        switch name {
        case "vit-tiny": (c.embedDim, c.depth, c.numHeads) = (192, 12, 3)
        case "vit-small": (c.embedDim, c.depth, c.numHeads) = (384, 12, 6)
        case "vit-base": (c.embedDim, c.depth, c.numHeads) = (768, 12, 12)
        case "vit-large": (c.embedDim, c.depth, c.numHeads) = (1024, 24, 16)
        case "vit-huge": (c.patchSize, c.embedDim, c.depth, c.numHeads) = (14, 1280, 32, 16)
        case "demo":
            // 64 px, patch 8 (64 patches), a 6-block ViT-Tiny-wide encoder, a 128×2 pixel decoder.
            (c.imgSize, c.patchSize, c.embedDim, c.depth, c.numHeads) = (64, 8, 192, 6, 3)
            (c.decoderEmbedDim, c.decoderDepth, c.decoderNumHeads) = (128, 2, 4)
            (c.regionMaskRatio, c.regionSampleType) = (0.9, "random_fg")
        case "cpu-1h":
            // ViT-Tiny (12 blocks) at 96 px, patch 8 (144 patches), the CPU reference shape of ../shared/bench
            // (torch_rmae.py --preset vit-tiny --img-size 96 --patch 8 --decoder-dim 128 --decoder-depth 2
            // --decoder-heads 4), with the demo's region sampling.
            (c.imgSize, c.patchSize, c.embedDim, c.depth, c.numHeads) = (96, 8, 192, 12, 3)
            (c.decoderEmbedDim, c.decoderDepth, c.decoderNumHeads) = (128, 2, 4)
            (c.regionMaskRatio, c.regionSampleType) = (0.9, "random_fg")
        default: return nil
        }
        return c
    }
}
