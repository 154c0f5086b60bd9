/// How a ``DataLoader`` turns samples into batches. Field names follow the official config
/// (`input_size`, `patch_size`, `num_region`, `region_mask_ratio`, `region_sample_type`) in camelCase.
public struct LoaderOptions: Sendable, Equatable, Codable {
    /// How the k regions are chosen (REFERENCE.md §11.4).
    public enum RegionSampleType: String, Sendable, Codable, CaseIterable {
        /// From all candidates (`"random"`, the released config).
        case random
        /// Only from candidates touching one of the first K_R patches of a random permutation, which is
        /// returned as ``Batch/shuffleIds`` for the model's masks (`"random_fg"`, the paper's rule).
        case randomForeground = "random_fg"
    }

    /// Output side H = W in pixels (224).
    public var imageSize: Int
    /// Patch side p (16); `imageSize` must be a multiple.
    public var patchSize: Int
    /// Regions per image, k; 0 is plain MAE (no maps are read).
    public var numRegions: Int
    /// β_R: share of patches hidden from the region branch; K_R = Int((1 − β_R) · N) are visible.
    public var regionMaskRatio: Double
    /// `random` or `random_fg`.
    public var regionSampleType: RegionSampleType
    /// Images per optimiser step over all ranks; every rank gets `globalBatchSize / worldSize`.
    public var globalBatchSize: Int
    /// Worker threads; 0 builds each batch on the caller's thread inside ``DataLoader/next()``.
    public var workers: Int
    /// Batches built ahead of the consumer, at most (at least 1). Each holds `B·(3 + k)·H·W` floats
    /// (1.8 MB per image at 224 px with k = 8), so keep it small for large batches.
    public var prefetch: Int
    /// True: training split, random resized crop and flip, shuffled every epoch. False: validation split,
    /// plain resize, fixed order.
    public var train: Bool
    /// Input normalisation (the model's: ``ImageNormalization/imagenet`` unless it records another).
    public var normalization = ImageNormalization.imagenet

    /// Options with the official COCO pre-training values as defaults (k = 8 as in the paper).
    public init(imageSize: Int = 224, patchSize: Int = 16, numRegions: Int = 8, regionMaskRatio: Double = 0.75,
                regionSampleType: RegionSampleType = .random, globalBatchSize: Int = 64, workers: Int = 2,
                prefetch: Int = 4, train: Bool = true) {
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.numRegions = numRegions
        self.regionMaskRatio = regionMaskRatio
        self.regionSampleType = regionSampleType
        self.globalBatchSize = globalBatchSize
        self.workers = workers
        self.prefetch = prefetch
        self.train = train
    }

    /// Patches per image, N = (imageSize / patchSize)².
    public var patchCount: Int { (imageSize / patchSize) * (imageSize / patchSize) }

    /// Visible region patches, K_R = Int((1 − β_R) · N), truncated toward zero in Float64 (N = 196 → 49).
    public var visiblePatchCount: Int { Int((1 - regionMaskRatio) * Double(patchCount)) }
}
