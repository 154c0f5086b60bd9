import Engine

/// MAE pixel loss (REFERENCE.md §7.1): per patch mean squared error against the patchified image, optionally
/// normalised per patch with its mean and **unbiased** variance (`norm_pix_loss`, eps 1e-6), averaged over
/// the masked patches only. images `[B, 3, H, W]`, pred `[B, N, p·p·3]`, mask `[B, N]` -> [].
public func pixelLoss(images: Tensor, pred: Tensor, mask: Tensor, patch: Int, normalize: Bool) -> Tensor {
    var target = images.detached().patchified(patch: patch)                   // (B, N, 3P)
    if normalize {
        let m = target.shape[2]
        let mean = target.mean(alongAxis: -1, keepingDim: true)
        let centred = target - mean
        let variance = centred.squared().sum(alongAxis: -1, keepingDim: true) / Float(m - 1)   // unbiased, as torch .var()
        target = centred / (variance + 1e-6).sqrt()
    }
    let perPatch = (pred - target).squared().mean(alongAxis: -1)               // (B, N)
    return (perPatch * mask).sum() / mask.sum()
}

/// R-MAE region loss (REFERENCE.md §7.2): BCE with logits per pixel, weighted by `bgWeight` where the
/// target is 0 (only when it is not 1), then mean over the P pixels of a patch, mean over the k regions,
/// masked mean over patches. logits, targets `[B, k, N, P]`, regionMask `[B, N]` -> [].
public func regionLoss(logits: Tensor, targets: Tensor, regionMask: Tensor, bgWeight: Float) -> Tensor {
    var weight: Tensor?
    if bgWeight != 1 {
        weight = Tensor(shape: targets.shape, targets.scalars.map { $0 == 1 ? 1 : bgWeight })
    }
    // The mean over the P pixels fused with the BCE: no [B, k, N, P] loss or gradient tensor besides dlogits.
    let perPatch = meanBinaryCrossEntropyWithLogits(logits, targets: targets, weight: weight).mean(alongAxis: 1)   // (B, N)
    return (perPatch * regionMask).sum() / regionMask.sum()
}
