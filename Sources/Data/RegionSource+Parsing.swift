import Foundation

extension RegionSource {
    /// The source a `--regions` value names:
    ///
    ///     auto             FH computed on first use, cached in `autoCache`   → auto(cache:)
    ///     coco:FILE.json   a COCO-format instance annotation file (read now) → coco(_:)
    ///     png:DIR          a folder of PNG instance maps                     → instanceMaps(_:)
    ///     anything else    a folder of FH `.npy` stacks                      → folder(_:)
    ///
    /// - Throws: ``DataError/badRegions(_:)`` for an empty `coco:`/`png:` path, or an annotation file that
    ///   cannot be read or is not COCO JSON (its per-annotation problems are counted in
    ///   ``COCOAnnotations/problems`` instead).
    public init(parsing value: String, autoCache: URL) throws(DataError) {
        if value == "auto" {
            self = .auto(cache: autoCache)
        } else if value.hasPrefix("coco:") {
            let path = String(value.dropFirst(5))
            guard !path.isEmpty else { throw DataError.badRegions("\"coco:\" needs an annotation file, as coco:FILE.json") }
            self = .coco(try COCOAnnotations(contentsOf: URL(fileURLWithPath: path)))
        } else if value.hasPrefix("png:") {
            let path = String(value.dropFirst(4))
            guard !path.isEmpty else { throw DataError.badRegions("\"png:\" needs a folder of instance maps, as png:DIR") }
            self = .instanceMaps(URL(fileURLWithPath: path))
        } else {
            self = .folder(URL(fileURLWithPath: value))
        }
    }
}
