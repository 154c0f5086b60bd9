import Engine
import Foundation

/// How large an image (or a mask of an image's size) may be before anything is decoded or allocated.
///
/// Every PNG, JPEG and COCO run-length mask declares its width and height in a header; the product is
/// checked against a pixel budget first, so a 389 KB file declaring 20000×20000 is a clear error, not a
/// 9.6 GB allocation. The default, 64 Mpx (an 8000×8000 photo: about 200 MB of RGB8, a few GB through
/// the pipeline), fits a 24 GB machine; `RMAE_MAX_PIXELS` sets another budget. `rmae serve` decodes
/// uploads under its own, lower budget (`RMAE_SERVE_MAX_PIXELS`, default 24 Mpx), since every upload stays
/// in memory.
public enum ImageLimits {
    /// A pixel budget and the environment variable that overrides it (named in errors).
    public struct Budget: Sendable, Equatable {
        public var pixels: Int
        public var variable: String
        public init(pixels: Int, variable: String) {
            self.pixels = pixels
            self.variable = variable
        }

        /// Why a `width × height` image does not fit (nil when it does): names both sizes and the variable.
        public func problem(width: Int, height: Int) -> String? {
            guard width >= 0, height >= 0 else { return "declares a negative size \(width)×\(height)" }
            guard let count = Shape.checkedCount([width, height]), count <= pixels else {
                return "declares \(width)×\(height) pixels, over the budget of \(pixels) pixels (set \(variable) to allow more)"
            }
            return nil
        }
    }

    public static let defaultMaxPixels = 64_000_000
    public static let defaultServeMaxPixels = 24_000_000

    /// The budget for files read from disk (training data, regions, `visualize`, ...): `RMAE_MAX_PIXELS`.
    public static var files: Budget { Budget(pixels: value("RMAE_MAX_PIXELS", default: defaultMaxPixels), variable: "RMAE_MAX_PIXELS") }
    /// The budget for `rmae serve` uploads: `RMAE_SERVE_MAX_PIXELS`.
    public static var uploads: Budget {
        Budget(pixels: value("RMAE_SERVE_MAX_PIXELS", default: defaultServeMaxPixels), variable: "RMAE_SERVE_MAX_PIXELS")
    }

    /// A positive whole number from the environment, or `fallback` when unset or not one.
    static func value(_ variable: String, default fallback: Int) -> Int {
        guard let text = ProcessInfo.processInfo.environment[variable], let n = Int(text.trimmingCharacters(in: .whitespaces)), n > 0 else {
            return fallback
        }
        return n
    }
}
