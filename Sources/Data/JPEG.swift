import CJPEG
import Foundation
import Regions

/// JPEG decoding (and encoding, for tests and visualisation) through libjpeg-turbo (`rmae_jpeg_decode` in `CJPEG/shim.h` holds the setjmp).
///
/// Grey is replicated to RGB. CMYK and YCCK arrive as CMYK (libjpeg converts YCCK) and are converted with
///
///     R = (255 − C)(255 − K) / 255,  G and B alike,
///
/// after un-inverting the channels when an Adobe marker says they are stored inverted (as Photoshop
/// writes them, and as Pillow's `CMYK;I` mode reads them).
public enum JPEG {
    /// `FF D8 FF`: start of image, then a marker.
    static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
    }

    static func decode(_ bytes: [UInt8], budget: ImageLimits.Budget) throws(CodecFailure) -> RGBImage {
        var image = rmae_jpeg_image()
        var message = [CChar](repeating: 0, count: 256)
        let ok = bytes.withUnsafeBufferPointer { data in
            rmae_jpeg_decode(data.baseAddress, UInt(data.count), &image, UInt64(budget.pixels), &message, message.count)
        }
        if ok == -1 {
            throw CodecFailure(message: "JPEG " + (budget.problem(width: Int(image.width), height: Int(image.height)) ?? "is too large"))
        }
        guard ok == 1, let raw = image.pixels else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CodecFailure(message: "JPEG: " + (text.isEmpty ? "cannot decode" : text))
        }
        defer { free(raw) }
        let (width, height, components) = (Int(image.width), Int(image.height), Int(image.components))
        let count = width * height
        var rgb = [UInt8](repeating: 0, count: count * 3)
        rgb.withUnsafeMutableBufferPointer { out in
            switch components {
            case 1:
                for i in 0..<count { out[3 * i] = raw[i]; out[3 * i + 1] = raw[i]; out[3 * i + 2] = raw[i] }
            case 3:
                out.baseAddress!.update(from: raw, count: count * 3)
            default:
                let inverted = image.adobe_inverted != 0
                for i in 0..<count {
                    let p = raw + 4 * i
                    let k = inverted ? Int(p[3]) : 255 - Int(p[3])
                    for c in 0..<3 {
                        let v = inverted ? Int(p[c]) : 255 - Int(p[c])    // 255 − C
                        out[3 * i + c] = UInt8((v * k + 127) / 255)
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// Encodes an RGB image as a baseline JFIF file.
    public static func encode(_ image: RGBImage, quality: Int = 90) -> [UInt8] {
        encode(pixels: image.pixels, width: image.width, height: image.height, channels: 3, quality: quality)
    }

    /// Encodes 8-bit pixels as a JPEG file (for tests and visualisation).
    /// - Parameters:
    ///   - pixels: `height * width * channels` bytes, row-major, channels interleaved.
    ///   - channels: 1 (grey), 3 (RGB) or 4 (CMYK, stored as given with an Adobe marker, so pass
    ///     Adobe-inverted values to get a file as Photoshop writes them).
    ///   - quality: 1...100.
    ///   - progressive: write a progressive (multi-scan) file.
    ///   - ycck: with 4 channels, store as YCCK instead of CMYK.
    /// - Returns: the file's bytes.
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95,
                              progressive: Bool = false, ycck: Bool = false) -> [UInt8] {
        precondition([1, 3, 4].contains(channels), "JPEG.encode: channels must be 1, 3 or 4")
        precondition(width > 0 && height > 0 && pixels.count == width * height * channels,
                     "JPEG.encode: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let ok = pixels.withUnsafeBufferPointer {
            rmae_jpeg_encode($0.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(quality),
                             progressive ? 1 : 0, ycck ? 1 : 0, &out, &size, &message, message.count)
        }
        guard ok == 1, let bytes = out else {
            preconditionFailure("JPEG.encode: " + String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { free(bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(size)))
    }
}
