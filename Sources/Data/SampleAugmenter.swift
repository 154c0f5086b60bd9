import Engine
import Regions

/// One sample from decoded pixels and label maps to its slot in a batch (REFERENCE.md §11.2–11.4).
///
/// Training, drawing from the sample's own generator in this order:
/// 1. the random resized crop (``RandomResizedCrop``), shared by image and maps;
/// 2. the horizontal flip, `U(0,1) < 0.5`;
/// 3. for `random_fg`, the patch permutation `shuffleIds`;
/// 4. the k regions (``RegionSampling``).
///
/// Then the crop is resized to `imageSize²`: the image bicubic (``BicubicResampler``), the maps nearest
/// (``NearestIndices``, flipped by reversing the column indices); the image is normalised
/// (``ImageNormalization``) and the chosen candidates (``RegionCandidates``) drawn as 0/1 maps.
/// Validation: no crop and no flip; steps 3 and 4 as in training.
struct SampleAugmenter: Sendable {
    let options: LoaderOptions

    /// Writes the image to `image` (`[3, H, W]`) and, when k > 0, the regions to `regions` (`[k, H, W]`).
    /// - Returns: the patch permutation for `random_fg` with k > 0, else nil.
    func process(_ picture: RGBImage, maps: LabelStack?, using rng: inout RandomGenerator,
                 image: UnsafeMutablePointer<Float>, regions: UnsafeMutablePointer<Float>?) -> [Int]? {
        let side = options.imageSize
        let crop = options.train ? RandomResizedCrop.box(width: picture.width, height: picture.height, using: &rng)
                                 : CropBox.whole(width: picture.width, height: picture.height)
        let flipped = options.train && rng.uniformDouble() < 0.5
        let pixels = BicubicResampler.resize(picture, crop: crop, width: side, height: side)
        ImageNormalization.write(pixels, width: side, height: side, flipped: flipped, into: image)

        let k = options.numRegions
        guard k > 0, let maps, let regions else { return nil }
        let rows = NearestIndices.indices(input: crop.height, output: side).map { $0 + crop.top }
        var columns = NearestIndices.indices(input: crop.width, output: side).map { $0 + crop.left }
        if flipped { columns.reverse() }
        let labels = maps.resampled(rows: rows, columns: columns)

        var shuffleIds: [Int]? = nil
        var visible: [Bool]? = nil
        if options.regionSampleType == .randomForeground {
            let ids = rng.permutation(options.patchCount)
            var mask = [Bool](repeating: false, count: options.patchCount)
            for n in ids.prefix(options.visiblePatchCount) { mask[n] = true }
            shuffleIds = ids
            visible = mask
        }
        let pool = RegionCandidates.candidates(maps: labels, scales: maps.scales, side: side,
                                               patchSize: options.patchSize, visible: visible)
        let chosen = RegionSampling.choose(candidates: pool.count, k: k, using: &rng)
        let plane = side * side
        for j in 0..<k {
            if j < chosen.count {
                RegionCandidates.draw(pool[chosen[j]], maps: labels, plane: plane, into: regions + j * plane)
            } else {
                (regions + j * plane).update(repeating: 0, count: plane)
            }
        }
        return shuffleIds
    }
}
