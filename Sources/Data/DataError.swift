/// Why a dataset or loader cannot start. Raised before training, never in the middle of it, except
/// ``noValidSample(_:)`` when every image of a split turns bad while the run goes on.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// The folder has no `*.jpg`, `*.jpeg` or `*.png` file (or does not exist).
    case noImages(String)
    /// Every image tried failed to load; the message lists the first reasons.
    case noValidSample(String)
    /// The options or the rank/world size are inconsistent (message says how).
    case invalidOptions(String)
    /// A region source cannot be used at all: an annotation file that cannot be read or is not COCO
    /// JSON, or a `--regions` value naming nothing usable (message says which).
    case badRegions(String)

    /// A readable message.
    public var description: String {
        switch self {
        case .noImages(let what): "no images: \(what)"
        case .noValidSample(let what): "no valid sample: \(what)"
        case .invalidOptions(let what): "invalid data options: \(what)"
        case .badRegions(let what): "unusable regions: \(what)"
        }
    }
}
