import Foundation
import Regions

/// Decodes JPEG and PNG files to 8-bit RGB, the way the R-MAE pipeline sees them
/// (`PIL.Image.open(path).convert("RGB")`), with the EXIF orientation applied.
///
/// The format is chosen by the file's signature, not its extension. Accepted:
/// - JPEG (baseline or progressive; grey, YCbCr, RGB, CMYK, YCCK), through libjpeg-turbo;
/// - PNG (grey, grey+alpha, RGB, RGBA, palette; 1–16 bits, interlaced), through libpng. Alpha is
///   dropped and 16-bit samples keep their high byte.
///
/// Every failure (unreadable, truncated, corrupt, unknown format) is an ``ImageDecodingError`` that names
/// the file; nothing here calls `exit` or traps on bad input.
public enum ImageDecoder {
    /// File extensions the region command walks for, lower case.
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Reads and decodes the file at `url`; an image declaring more pixels than `budget` is an error
    /// raised from its header, before anything is allocated (``ImageLimits``).
    public static func decode(contentsOf url: URL, budget: ImageLimits.Budget = ImageLimits.files) throws(ImageDecodingError) -> RGBImage {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Foundation.Data(contentsOf: url))
        } catch {
            throw ImageDecodingError(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(bytes, name: url.path, budget: budget)
    }

    /// Decodes an in-memory file; `name` is used in errors.
    public static func decode(_ bytes: [UInt8], name: String, budget: ImageLimits.Budget = ImageLimits.files) throws(ImageDecodingError) -> RGBImage {
        do {
            if JPEG.hasSignature(bytes) {
                let image = try JPEG.decode(bytes, budget: budget)
                return image.oriented(EXIF.orientation(inJPEG: bytes))
            }
            if PNG.hasSignature(bytes) {
                let image = try PNG.decode(bytes, budget: budget)
                return image.oriented(EXIF.orientation(inPNG: bytes))
            }
        } catch {
            throw ImageDecodingError(file: name, reason: error.message)
        }
        if bytes.isEmpty { throw ImageDecodingError(file: name, reason: "empty file") }
        throw ImageDecodingError(file: name, reason: "not a JPEG or PNG file (unknown signature)")
    }
}

/// A codec's own message, before the decoder attaches the file name.
struct CodecFailure: Error {
    var message: String
}
