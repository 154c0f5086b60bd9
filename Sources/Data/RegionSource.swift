import Foundation

/// Where a dataset's regions come from.
///
/// - FH label maps (``folder(_:)``, ``auto(cache:folder:)``): `.npy` stacks `[S, H, W]` (`|u1` as the
///   official script writes them, or `<u2`/`<i4` as `rmae regions` writes images with many segments), one
///   per image, found at the image's relative path with the extension replaced by `.npy` (`a/b.jpg` →
///   `a/b.npy`), as ``RegionMaps/outputURL(for:in:)``. Every label of every map is a region.
/// - Instance masks (``coco(_:)``): one region per annotation of a COCO-format file; masks may overlap.
/// - Instance maps (``instanceMaps(_:)``): a PNG per image (`a/b.jpg` → `a/b.png`), 8- or 16-bit, where
///   0 is no region and each other value one region.
///
/// On the command line: `auto`, `coco:FILE.json`, `png:DIR`, or a folder of `.npy`
/// (``init(parsing:autoCache:)``).
public enum RegionSource: Sendable, Equatable {
    /// No maps: only MAE (k = 0) can train on this dataset.
    case none
    /// Precomputed maps in a parallel folder; an image whose file is missing or malformed is skipped.
    case folder(URL)
    /// FH computed on the fly for images that have no map in `folder` (when given), with the official COCO
    /// settings (``autoScales``, σ = 0.8, min size = scale), written to `cache` and reused from there.
    case auto(cache: URL, folder: URL? = nil)
    /// Instance masks of a COCO-format annotation file (SAM masks, COCO ground truth). An image with no
    /// annotation trains with no regions (k all-zero maps, REFERENCE.md §11.4), as does one whose masks
    /// all vanish in its crop; both, and masks of the wrong size, are warned about and counted.
    case coco(COCOAnnotations)
    /// PNG instance maps in a parallel folder (0 = none, 1…n = regions). An image with no map trains with
    /// no regions (warned about and counted); an unreadable map or one of the wrong size skips the image.
    case instanceMaps(URL)

    /// Scales (and min sizes) of ``auto(cache:folder:)``: the official COCO choice.
    public static let autoScales = [500, 1000, 1500]

    /// Gaussian σ of ``auto(cache:folder:)``.
    public static let autoSigma = 0.8
}
