import Foundation

/// Where a dataset's FH label maps come from.
///
/// Maps are `.npy` stacks `[S, H, W]` (`|u1` as the official script writes them, or `<u2`/`<i4` as
/// `rmae regions` writes images with many segments), one per image, found at the image's relative path
/// with the extension replaced by `.npy` (`a/b.jpg` → `a/b.npy`), as ``RegionMaps/outputURL(for:in:)``.
public enum RegionSource: Sendable, Equatable {
    /// No maps: only MAE (k = 0) can train on this dataset.
    case none
    /// Precomputed maps in a parallel folder; an image whose file is missing or malformed is skipped.
    case folder(URL)
    /// FH computed on the fly for images that have no map in `folder` (when given), with the official COCO
    /// settings (``autoScales``, σ = 0.8, min size = scale), written to `cache` and reused from there.
    case auto(cache: URL, folder: URL? = nil)

    /// Scales (and min sizes) of ``auto(cache:folder:)``: the official COCO choice.
    public static let autoScales = [500, 1000, 1500]

    /// Gaussian σ of ``auto(cache:folder:)``.
    public static let autoSigma = 0.8
}
