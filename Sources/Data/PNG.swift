import CPNG
import Foundation
import Regions

/// PNG decoding and encoding through libpng (`rmae_png_decode_rgb8` in `CPNG/shim.h` holds the setjmp;
/// encoding uses libpng's simplified API).
///
/// Decoding matches Pillow's `convert("RGB")` for 8-bit files: palette expanded, grey replicated, alpha
/// dropped without compositing. 16-bit samples keep their high byte.
public enum PNG {
    /// The 8-byte PNG signature `89 50 4E 47 0D 0A 1A 0A`.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && Array(bytes[0..<8]) == signature
    }

    static func decode(_ bytes: [UInt8], budget: ImageLimits.Budget) throws(CodecFailure) -> RGBImage {
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let ok = bytes.withUnsafeBufferPointer { data in
            rmae_png_decode_rgb8(data.baseAddress, data.count, &pixels, &width, &height, UInt64(budget.pixels), &message, message.count)
        }
        if ok == -1 {
            throw CodecFailure(message: "PNG " + (budget.problem(width: Int(width), height: Int(height)) ?? "is too large"))
        }
        guard ok == 1, let raw = pixels else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CodecFailure(message: "PNG: " + (text.isEmpty ? "cannot decode" : text))
        }
        defer { free(raw) }
        let count = Int(width) * Int(height) * 3
        return RGBImage(width: Int(width), height: Int(height),
                        pixels: Array(UnsafeBufferPointer(start: raw, count: count)))
    }

    /// Encodes 8-bit pixels as a PNG file.
    /// - Parameters:
    ///   - pixels: `height * width * channels` bytes, row-major, channels interleaved.
    ///   - channels: 1 (grey), 3 (RGB) or 4 (RGBA).
    /// - Returns: the file's bytes.
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8] {
        precondition([1, 3, 4].contains(channels), "PNG.encode: channels must be 1, 3 or 4")
        precondition(width > 0 && height > 0 && pixels.count == width * height * channels,
                     "PNG.encode: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = channels == 1 ? 0 : channels == 3 ? 2 : 3     // PNG_FORMAT_GRAY, _RGB, _RGBA (COLOR 2 | ALPHA 1)
        var size = 0
        let stride = Int32(width * channels)
        let sized = pixels.withUnsafeBufferPointer {
            png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, stride, nil)
        }
        precondition(sized != 0, "PNG.encode: libpng failed to size the output")
        var out = [UInt8](repeating: 0, count: size)
        let written = pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, src.baseAddress, stride, nil)
            }
        }
        precondition(written != 0, "PNG.encode: libpng failed to write")
        png_image_free(&image)
        return Array(out[0..<size])
    }

    /// Encodes an RGB image as a PNG file.
    public static func encode(_ image: RGBImage) -> [UInt8] {
        encode(pixels: image.pixels, width: image.width, height: image.height, channels: 3)
    }
}
