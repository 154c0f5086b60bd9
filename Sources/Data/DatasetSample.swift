import Foundation

/// One image of a ``Dataset``.
public struct DatasetSample: Sendable, Hashable {
    /// Path relative to the dataset's image root, "/"-separated (`n01440764/x.JPEG`, `000000000009.jpg`).
    /// It names the sample everywhere: in the validation hash, in region and cache file names, in
    /// ``Batch/paths`` and in warnings.
    public var path: String
    /// The image file.
    public var image: URL

    /// Wraps a relative path and its file.
    public init(path: String, image: URL) {
        self.path = path
        self.image = image
    }
}
