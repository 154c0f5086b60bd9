import Foundation

/// A set of training images with the source of their region maps, and its held-out validation split.
///
/// Three layouts, one walk (every `*.jpg`, `*.jpeg`, `*.png` below the root, any letter case, hidden
/// files skipped, sorted by relative path):
/// - any folder of images, flat or nested: `Dataset(images: folder)`;
/// - ImageNet-style class folders (`train/n01440764/x.JPEG`): the same call; the class folder is simply
///   part of each ``DatasetSample/path`` (pre-training uses no labels);
/// - the official COCO layout, `image/train2017` beside `image/fh_train2017`: ``coco(root:split:validationFraction:)``.
///
/// The split is by ``ValidationSplit``: ``validation`` holds the samples whose path hashes below
/// ``validationFraction``, ``train`` the others.
public struct Dataset: Sendable {
    /// The image root that ``DatasetSample/path`` is relative to.
    public var images: URL
    /// Where the region maps come from.
    public var regions: RegionSource
    /// Every sample, sorted by path.
    public var samples: [DatasetSample]
    /// Share of samples held out for validation, in [0, 1].
    public var validationFraction: Double

    /// Walks `images` for image files.
    /// - Parameters:
    ///   - images: the root folder (flat, nested or class folders).
    ///   - regions: where label maps come from (``RegionSource/none`` for MAE).
    ///   - validationFraction: share held out for validation (0: none).
    /// - Throws: ``DataError/noImages(_:)`` when the folder holds no image file.
    public init(images: URL, regions: RegionSource = .none, validationFraction: Double = 0) throws {
        guard (0...1).contains(validationFraction) else {
            throw DataError.invalidOptions("validation fraction \(validationFraction) is not in [0, 1]")
        }
        let paths = RegionMaps.imagePaths(under: images)
        guard !paths.isEmpty else {
            throw DataError.noImages("\(images.path) holds no .jpg, .jpeg or .png file")
        }
        self.images = images
        self.regions = regions
        self.validationFraction = validationFraction
        samples = paths.map { DatasetSample(path: $0, image: images.appendingPathComponent($0)) }
    }

    /// The official COCO layout: images in `root/image/<split>`, maps in `root/image/fh_<split>`
    /// (`root` may also be the `image` folder itself).
    /// - Parameters:
    ///   - root: the folder holding `image/` (or `image/` itself).
    ///   - split: `train2017`, `val2017` or `unlabeled2017`.
    ///   - validationFraction: share held out for validation.
    public static func coco(root: URL, split: String = "train2017", validationFraction: Double = 0) throws -> Dataset {
        var base = root.appendingPathComponent("image")
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: base.appendingPathComponent(split).path, isDirectory: &isFolder)
            || !isFolder.boolValue {
            base = root
        }
        return try Dataset(images: base.appendingPathComponent(split),
                           regions: .folder(base.appendingPathComponent("fh_" + split)),
                           validationFraction: validationFraction)
    }

    /// Samples outside the validation split, sorted by path.
    public var train: [DatasetSample] {
        samples.filter { !ValidationSplit.isValidation($0.path, fraction: validationFraction) }
    }

    /// Samples in the validation split, sorted by path.
    public var validation: [DatasetSample] {
        samples.filter { ValidationSplit.isValidation($0.path, fraction: validationFraction) }
    }
}
