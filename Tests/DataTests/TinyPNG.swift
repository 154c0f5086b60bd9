/// A minimal PNG writer for decoder tests: any colour type and bit depth libpng reads, the image data in
/// stored (uncompressed) deflate blocks, optional palette and `eXIf` chunk. Tests build the odd formats
/// (grey+alpha, 16-bit, palette, 1-bit) with it instead of committing binary files.
enum TinyPNG {
    /// PNG colour types.
    enum ColorType: UInt8 { case grey = 0, rgb = 2, palette = 3, greyAlpha = 4, rgba = 6 }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    /// zlib stream of stored blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = min(65535, data.count - i)
            let last: UInt8 = i + n == data.count ? 1 : 0
            out += [last, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return out + bigEndian(b << 16 | a)
    }

    /// A PNG file. `rows` are the packed scanlines without filter bytes (filter 0 is added).
    static func file(width: Int, height: Int, bitDepth: UInt8, color: ColorType, rows: [[UInt8]],
                     palette: [UInt8]? = nil, exif: [UInt8]? = nil) -> [UInt8] {
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [bitDepth, color.rawValue, 0, 0, 0]
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
        if let palette { file += chunk("PLTE", palette) }
        if let exif { file += chunk("eXIf", exif) }
        file += chunk("IDAT", zlibStored(rows.flatMap { [0] + $0 }))
        return file + chunk("IEND", [])
    }
}

/// EXIF payloads (a TIFF header and IFD0 holding only the orientation tag).
enum TinyEXIF {
    static func tiff(orientation: Int, littleEndian: Bool) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { littleEndian ? [UInt8(v & 255), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 255)] }
        func u32(_ v: Int) -> [UInt8] { littleEndian ? u16(v & 0xFFFF) + u16(v >> 16) : u16(v >> 16) + u16(v & 0xFFFF) }
        return (littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]) + u16(42) + u32(8)
            + u16(1) + u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0) + u32(0)
    }

    /// A JPEG file with an APP1 "Exif" segment inserted after SOI.
    static func jpeg(_ file: [UInt8], orientation: Int, littleEndian: Bool = false) -> [UInt8] {
        let payload = Array("Exif\0\0".utf8) + tiff(orientation: orientation, littleEndian: littleEndian)
        let length = payload.count + 2
        return Array(file[0..<2]) + [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 255)] + payload + Array(file[2...])
    }
}
