import CJPEG
import Foundation
import Regions

/// JPEG decoding through libjpeg-turbo (`rmae_jpeg_decode` in `CJPEG/shim.h` holds the setjmp).
///
/// Grey is replicated to RGB. CMYK and YCCK arrive as CMYK (libjpeg converts YCCK) and are converted with
///
///     R = (255 − C)(255 − K) / 255,  G and B alike,
///
/// after un-inverting the channels when an Adobe marker says they are stored inverted (as Photoshop
/// writes them, and as Pillow's `CMYK;I` mode reads them).
enum JPEG {
    /// `FF D8 FF`: start of image, then a marker.
    static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
    }

    static func decode(_ bytes: [UInt8]) throws(CodecFailure) -> RGBImage {
        var image = rmae_jpeg_image()
        var message = [CChar](repeating: 0, count: 256)
        let ok = bytes.withUnsafeBufferPointer { data in
            rmae_jpeg_decode(data.baseAddress, UInt(data.count), &image, &message, message.count)
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
}
