import CPNG
import Foundation

extension PNG {
    /// Decodes a PNG instance map to one label per pixel with every bit kept (`rmae_png_decode_labels`
    /// in `CPNG/shim.h`): grey of 1–16 bits gives its value (a 16-bit map keeps labels up to 65,535),
    /// palette its index, grey+alpha its grey value, RGB(A) `R + 256·G + 65536·B` (COCO panoptic ids);
    /// alpha is ignored. No EXIF orientation is applied: a label map is stored as its image is.
    /// - Returns: a `[1, H, W]` array, `<u2` when every label fits, else `<i4`.
    static func decodeLabels(_ bytes: [UInt8], budget: ImageLimits.Budget = ImageLimits.files) throws(CodecFailure) -> NPYArray {
        try withLabels(bytes, budget: budget) { values, width, height in
            let shape = [1, height, width]
            let size = values.allSatisfy({ $0 <= UInt32(UInt16.max) }) ? 2 : 4
            var bytes = [UInt8](repeating: 0, count: values.count * size)
            for (i, v) in values.enumerated() {
                for b in 0..<size { bytes[i * size + b] = UInt8(truncatingIfNeeded: v >> (8 * b)) }   // little-endian
            }
            return NPYArray(dtype: size == 2 ? .uint16 : .int32, shape: shape, bytes: bytes)
        }
    }

    /// Decodes a PNG label map as ``decodeLabels(_:budget:)`` does and hands `body` the `W × H` values, row-major.
    static func withLabels<R>(_ bytes: [UInt8], budget: ImageLimits.Budget,
                              _ body: (UnsafeBufferPointer<UInt32>, _ width: Int, _ height: Int) -> R) throws(CodecFailure) -> R {
        var labels: UnsafeMutablePointer<UInt32>? = nil
        var width: UInt32 = 0, height: UInt32 = 0
        var depth: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let ok = bytes.withUnsafeBufferPointer { data in
            rmae_png_decode_labels(data.baseAddress, data.count, &labels, &width, &height, &depth, UInt64(budget.pixels), &message, message.count)
        }
        if ok == -1 {
            throw CodecFailure(message: "PNG " + (budget.problem(width: Int(width), height: Int(height)) ?? "is too large"))
        }
        guard ok == 1, let raw = labels else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CodecFailure(message: "PNG: " + (text.isEmpty ? "cannot decode" : text))
        }
        defer { free(raw) }
        return body(UnsafeBufferPointer(start: raw, count: Int(width) * Int(height)), Int(width), Int(height))
    }
}

/// A class-id map read from a PNG (8- or 16-bit grey, or palette indices): one id per pixel, row-major.
public struct ClassMap: Sendable, Equatable {
    public var width: Int, height: Int
    public var ids: [Int32]

    public init(width: Int, height: Int, ids: [Int32]) {
        precondition(ids.count == width * height, "ClassMap: \(ids.count) ids for \(width)x\(height)")
        (self.width, self.height, self.ids) = (width, height, ids)
    }

    /// Reads a label PNG with every bit of its values kept (no EXIF orientation, no resizing); errors name the file.
    public static func read(contentsOf url: URL, budget: ImageLimits.Budget = ImageLimits.files) throws(ImageDecodingError) -> ClassMap {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Foundation.Data(contentsOf: url)) } catch {
            throw ImageDecodingError(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        do {
            return try PNG.withLabels(bytes, budget: budget) { values, width, height in
                ClassMap(width: width, height: height, ids: values.map { Int32(truncatingIfNeeded: $0) })
            }
        } catch {
            throw ImageDecodingError(file: url.path, reason: error.message)
        }
    }
}
