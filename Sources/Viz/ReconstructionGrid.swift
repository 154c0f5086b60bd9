import Engine
import Models
import Regions

/// The paper's Fig. 5 view of a forward pass, one row per image (REFERENCE.md §14.1):
/// masked image | reconstruction (visible patches pasted back) | original, and for models with regions:
/// masked region | predicted region (sigmoid) | the prediction thresholded at 0.5 (white = region, the
/// shape a user would get) | original region | all regions in colour.
///
/// For `norm_pix_loss` models each predicted patch is de-normalised with the mean and unbiased variance of
/// the same patch of the original image, as the official evaluation hook does.
public enum ReconstructionGrid {
    /// - Parameters:
    ///   - images: `[B, 3, H, W]` normalised; regions: `[B, k, H, W]` or nil.
    ///   - output: the model's forward output for them.
    ///   - region: which of the k regions to show in the region columns.
    public static func render(images: Tensor, regions: Tensor?, output: RegionMAE.Output, config: ModelConfig,
                              region shown: Int = 0, title: String? = nil) -> Canvas {
        let (b, s, p, n) = (images.shape[0], config.imgSize, config.patchSize, config.numPatches)
        let g = s / p
        let hasPixels = output.pred != nil, hasRegions = output.predRegion != nil && regions != nil
        var columns: [String] = ["MASKED", hasPixels ? "RECONSTRUCTION" : "", "ORIGINAL"].filter { !$0.isEmpty }
        if hasRegions { columns += ["MASKED REGION", "PREDICTED", "PREDICTED>0.5", "REGION", "ALL REGIONS"] }
        let gap = 4, captionHeight = 14
        let tile = max(s, Canvas.textWidth("RECONSTRUCTION") + 4)
        let width = columns.count * (tile + gap) + gap
        let titleLines = title.map { Canvas.wrapped($0, width: width - 2 * gap) } ?? []
        let titleHeight = titleLines.isEmpty ? 0 : 8 + titleLines.count * Canvas.lineHeight
        var canvas = Canvas(width: width, height: titleHeight + captionHeight + b * (s + gap) + gap)
        canvas.lines(titleLines, x: gap, y: 4)
        for (i, name) in columns.enumerated() { canvas.text(Canvas.fitting(name, width: tile), x: gap + i * (tile + gap), y: titleHeight + 3) }

        let patches = images.detached().patchified(patch: p).scalars          // (B, N, 3P)
        let mask = output.mask.scalars, regionMask = output.regionMask.scalars
        let m = config.inChans * p * p
        for bi in 0..<b {
            var tiles: [RGBImage] = []
            // masked input: masked patches set to 0 (the dataset mean colour after de-normalisation)
            var masked = [Float](repeating: 0, count: n * m)
            var pasted = masked
            let pred = output.pred?.scalars
            for pi in 0..<n {
                let src = (bi * n + pi) * m
                let isMasked = mask[bi * n + pi] == 1
                var mu: Float = 0, sd: Float = 1
                if config.normPixLoss {
                    var sum = 0.0
                    for j in 0..<m { sum += Double(patches[src + j]) }
                    let mean = sum / Double(m)
                    var v = 0.0
                    for j in 0..<m { let d = Double(patches[src + j]) - mean; v += d * d }
                    mu = Float(mean); sd = Float((v / Double(m - 1) + 1e-6).squareRoot())
                }
                for j in 0..<m {
                    masked[pi * m + j] = isMasked ? 0 : patches[src + j]
                    if let pred { pasted[pi * m + j] = isMasked ? pred[src + j] * sd + mu : patches[src + j] }
                }
            }
            func image(_ v: [Float]) -> RGBImage {
                TensorImages.rgb(Tensor(shape: [1, n, m], v).unpatchified(patch: p, channels: config.inChans), normalization: config.normalization)
            }
            tiles.append(image(masked))
            if hasPixels { tiles.append(image(pasted)) }
            let original = TensorImages.rgb(images, index: bi, normalization: config.normalization)
            tiles.append(original)
            if hasRegions, let regions, let logits = output.predRegion {
                let k = regions.shape[1], r = min(shown, k - 1)
                let maps = regions.scalars
                func mapOf(_ ri: Int) -> [Float] { Array(maps[((bi * k + ri) * s * s)..<((bi * k + ri + 1) * s * s)]) }
                let truth = mapOf(r)
                let z = logits.scalars
                var maskedRegion = truth, predicted = truth
                for py in 0..<g { for px in 0..<g {
                    let pi = py * g + px
                    let isMasked = regionMask[bi * n + pi] == 1
                    for i in 0..<p { for j in 0..<p {
                        let pix = (py * p + i) * s + px * p + j
                        let logit = z[((bi * k + r) * n + pi) * p * p + i * p + j]
                        predicted[pix] = 1 / (1 + Float.exp(-logit))
                        if isMasked { maskedRegion[pix] = 0.5 }
                    } }
                } }
                tiles.append(TensorImages.grey(maskedRegion, width: s, height: s))
                tiles.append(TensorImages.grey(predicted, width: s, height: s))
                tiles.append(TensorImages.grey(predicted.map { $0 >= 0.5 ? 1 : 0 }, width: s, height: s))
                tiles.append(TensorImages.grey(truth, width: s, height: s))
                tiles.append(TensorImages.overlay(original, maps: (0..<k).map(mapOf)))
            }
            for (i, t) in tiles.enumerated() {
                canvas.draw(t, x: gap + i * (tile + gap), y: titleHeight + captionHeight + bi * (s + gap))
            }
        }
        return canvas
    }
}

private extension Float {
    static func exp(_ x: Float) -> Float { FastMath.exp(x) }
}
