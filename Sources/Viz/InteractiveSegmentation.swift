import Engine
import Models

/// Interactive segmentation with a region model (paper Fig. 6; REFERENCE.md §14.2).
///
/// The whole image is visible (K_I = N) and the region is known only at the prompt patches S (K_R = |S|):
/// the permutation puts S first, then every other patch in order, and the region branch predicts the
/// region everywhere:
///
///     ids_shuffle = S ++ (0..<N \ S),  K_I = N,  K_R = |S|
///     probability = sigmoid(pred_region[0, 0])   unpatchified to S_img × S_img
///
/// The map goes in as the only query (k = 1) for the `length` and `batch` designs, and repeated k times for
/// `channel` (which needs exactly k maps; the first output channel is read). Training used k = 8 queries
/// and 25 % visible image patches, so this is off the training distribution, as the reference notes.
public enum InteractiveSegmentation {
    /// The model's answer for one prompt.
    public struct Prediction {
        /// S_img: the side of the model's view.
        public let size: Int
        /// p.
        public let patchSize: Int
        /// `S_img · S_img` probabilities in [0, 1], row-major, straight from the model (also at S).
        public let probabilities: [Float]
        /// The prompt it answered.
        public let prompt: SegmentationPrompt

        /// The binary mask: `probability ≥ threshold`, with the known values pasted back on the prompt
        /// patches (the model is never trained to predict visible patches).
        public func mask(threshold: Float = 0.5) -> [Float] {
            prompt.pasted(onto: probabilities.map { $0 >= threshold ? 1 : 0 }, size: size, patchSize: patchSize)
        }
    }

    /// Runs the model once for `prompt` on `image`.
    /// - Parameters:
    ///   - model: a model with a region branch.
    ///   - image: `[1, 3, S, S]`, normalised.
    public static func predict(model: RegionMAE, image: Tensor, prompt: SegmentationPrompt) -> Prediction {
        let c = model.config
        let (n, s, p) = (c.numPatches, c.imgSize, c.patchSize)
        precondition(model.region != nil, "InteractiveSegmentation: the model has no region branch (MAE)")
        precondition(image.shape == [1, c.inChans, s, s], "InteractiveSegmentation: image \(image.shape), expected [1, \(c.inChans), \(s), \(s)]")
        precondition(prompt.region.count == s * s, "InteractiveSegmentation: prompt map of \(prompt.region.count) values, expected \(s * s)")
        precondition(Set(prompt.patches).count == prompt.patches.count && prompt.patches.allSatisfy { (0..<n).contains($0) },
                     "InteractiveSegmentation: prompt patches must be distinct and in 0..<\(n)")
        let chosen = Set(prompt.patches)
        let masking = Masking(idsShuffle: [prompt.patches + (0..<n).filter { !chosen.contains($0) }])
        let k = c.variant == .channel ? c.numRegion : 1
        let regions = Tensor(shape: [1, k, s, s], Array([[Float]](repeating: prompt.region, count: k).joined()))
        let out = withoutGradient {
            model(images: image, regions: regions, masking: masking, keptPatches: n, keptRegionPatches: prompt.patches.count)
        }
        let logits = out.predRegion!.scalars                                        // (1, k, N, P); region 0 first
        let first = Tensor(shape: [1, n, p * p], Array(logits[0..<(n * p * p)]))
        let probabilities = first.unpatchified(patch: p, channels: 1).scalars.map { 1 / (1 + FastMath.exp(-$0)) }
        return Prediction(size: s, patchSize: p, probabilities: probabilities, prompt: prompt)
    }
}
