import Engine
import Regions

/// One sample from decoded pixels and regions to its slot in a batch (REFERENCE.md §11.2–11.4).
///
/// Training, drawing from the sample's own generator in this order:
/// 1. the random resized crop (``RandomResizedCrop``), shared by image and regions;
/// 2. the horizontal flip, `U(0,1) < 0.5`;
/// 3. for `random_fg`, the patch permutation `shuffleIds`;
/// 4. the k regions (``RegionSampling``).
///
/// Then the crop is resized to `imageSize²`: the image bicubic (``BicubicResampler``), the regions nearest
/// (``OutputGrid``: ``NearestIndices`` per axis, then the flip); the image is normalised
/// (``ImageNormalization``) and the chosen candidates drawn as 0/1 maps. Candidates are the regions with
/// at least one output pixel (in a visible patch, for `random_fg`):
/// - label maps: one per distinct label per map (``RegionCandidates``), minus the background label of
///   instance maps;
/// - instance masks: each mask that survives the crop and resize (``InstanceMask``); masks that vanish are
///   dropped before sampling, overlapping ones stay separate.
///
/// Validation: no crop and no flip; steps 3 and 4 as in training.
struct SampleAugmenter: Sendable {
    let options: LoaderOptions

    /// Writes the image to `image` (`[3, H, W]`) and, when k > 0, the regions to `regions` (`[k, H, W]`).
    /// - Returns: the patch permutation for `random_fg` with k > 0, else nil.
    func process(_ picture: RGBImage, maps: SampleRegions?, using rng: inout RandomGenerator,
                 image: UnsafeMutablePointer<Float>, regions: UnsafeMutablePointer<Float>?) -> [Int]? {
        let side = options.imageSize
        let crop = options.train ? RandomResizedCrop.box(width: picture.width, height: picture.height, using: &rng)
                                 : CropBox.whole(width: picture.width, height: picture.height)
        let flipped = options.train && rng.uniformDouble() < 0.5
        let pixels = BicubicResampler.resize(picture, crop: crop, width: side, height: side)
        options.normalization.write(pixels, width: side, height: side, flipped: flipped, into: image)

        let k = options.numRegions
        guard k > 0, let maps, let regions else { return nil }
        let grid = OutputGrid(crop: crop, side: side, flipped: flipped)

        var shuffleIds: [Int]? = nil
        var visible: [Bool]? = nil
        if options.regionSampleType == .randomForeground {
            let ids = rng.permutation(options.patchCount)
            var mask = [Bool](repeating: false, count: options.patchCount)
            for n in ids.prefix(options.visiblePatchCount) { mask[n] = true }
            shuffleIds = ids
            visible = mask
        }
        let plane = side * side
        func clear(_ j: Int) { (regions + j * plane).update(repeating: 0, count: plane) }
        switch maps {
        case .labels(let stack, let background):
            let labels = stack.resampled(rows: grid.rows, columns: grid.sampledColumns)
            let pool = RegionCandidates.candidates(maps: labels, scales: stack.scales, side: side,
                                                   patchSize: options.patchSize, visible: visible, background: background)
            let chosen = RegionSampling.choose(candidates: pool.count, k: k, using: &rng)
            for j in 0..<k {
                if j < chosen.count {
                    RegionCandidates.draw(pool[chosen[j]], maps: labels, plane: plane, into: regions + j * plane)
                } else {
                    clear(j)
                }
            }
        case .masks(let masks):
            let pool = masks.indices.filter { masks[$0].isCandidate(in: grid, visible: visible, patchSize: options.patchSize) }
            let chosen = RegionSampling.choose(candidates: pool.count, k: k, using: &rng)
            for j in 0..<k {
                if j < chosen.count {
                    masks[pool[chosen[j]]].draw(in: grid, into: regions + j * plane)
                } else {
                    clear(j)
                }
            }
        }
        return shuffleIds
    }
}
