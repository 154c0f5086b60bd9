import CJPEG
import Foundation
import Regions

/// Baseline JPEG encoding of 8-bit RGB through libjpeg-turbo, for test inputs and benchmarks (4:2:0
/// chroma, libjpeg's standard tables scaled by `quality`).
public enum JPEGEncoder {
    /// Encodes `image` as a JFIF file.
    /// - Parameters:
    ///   - image: the pixels, HWC.
    ///   - quality: libjpeg quality, 1...100.
    /// - Returns: the file's bytes.
    public static func encode(_ image: RGBImage, quality: Int = 90) -> [UInt8] {
        precondition((1...100).contains(quality), "JPEGEncoder: quality \(quality) is not in 1...100")
        // libjpeg keeps pointers to the error manager and the output variables, so all four live on the heap
        // (a Swift `&local` is valid only for the duration of one call).
        let cinfo = UnsafeMutablePointer<jpeg_compress_struct>.allocate(capacity: 1)
        let errors = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
        let buffer = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: 1)
        let size = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
        cinfo.initialize(to: jpeg_compress_struct())
        errors.initialize(to: jpeg_error_mgr())
        buffer.initialize(to: nil)
        size.initialize(to: 0)
        defer {
            jpeg_destroy_compress(cinfo)
            free(buffer.pointee)
            cinfo.deallocate(); errors.deallocate(); buffer.deallocate(); size.deallocate()
        }
        cinfo.pointee.err = jpeg_std_error(errors)
        // Encoding valid pixels into memory can fail only when memory runs out; libjpeg's default handler
        // would call exit(), so stop with a message instead.
        errors.pointee.error_exit = { _ in fatalError("JPEGEncoder: libjpeg failed (out of memory)") }
        jpeg_CreateCompress(cinfo, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
        jpeg_mem_dest(cinfo, buffer, size)
        cinfo.pointee.image_width = JDIMENSION(image.width)
        cinfo.pointee.image_height = JDIMENSION(image.height)
        cinfo.pointee.input_components = 3
        cinfo.pointee.in_color_space = JCS_RGB
        jpeg_set_defaults(cinfo)
        jpeg_set_quality(cinfo, Int32(quality), 1)
        jpeg_start_compress(cinfo, 1)
        image.pixels.withUnsafeBufferPointer { pixels in
            let stride = image.width * 3
            while cinfo.pointee.next_scanline < cinfo.pointee.image_height {
                var row: JSAMPROW? = UnsafeMutablePointer(mutating: pixels.baseAddress! + Int(cinfo.pointee.next_scanline) * stride)
                _ = jpeg_write_scanlines(cinfo, &row, 1)
            }
        }
        jpeg_finish_compress(cinfo)
        return Array(UnsafeBufferPointer(start: buffer.pointee, count: Int(size.pointee)))
    }
}
