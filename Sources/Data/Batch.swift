import Engine

/// One rank's share of a global batch (REFERENCE.md §11.5), in global sample order.
public struct Batch: Sendable {
    /// Normalised images, `[B, 3, H, W]`.
    public var images: Tensor
    /// Binary regions (0 or 1), `[B, k, H, W]`; nil when k = 0 (MAE).
    public var regions: Tensor?
    /// Per image, the random patch permutation (`[B][N]`) that `random_fg` sampled against; the model uses
    /// it as `ids_shuffle` for its masks (REFERENCE.md §5). Nil for `random` and for k = 0.
    public var shuffleIds: [[Int]]?
    /// Relative paths of the images actually used, `[B]` (a skipped image's replacement appears here).
    public var paths: [String]

    /// Wraps the four fields.
    public init(images: Tensor, regions: Tensor?, shuffleIds: [[Int]]?, paths: [String]) {
        self.images = images
        self.regions = regions
        self.shuffleIds = shuffleIds
        self.paths = paths
    }
}
