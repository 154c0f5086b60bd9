/// Valid images whose headers are rewritten to declare another size.
public enum ImageAttacks {
    /// A PNG whose IHDR declares `width × height` (CRC fixed, so libpng reads on to the size check).
    public static func png(_ file: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var b = file
        for (i, v) in [width, height].enumerated() { for j in 0..<4 { b[16 + 4 * i + j] = UInt8(truncatingIfNeeded: v >> (24 - 8 * j)) } }
        let crc = crc32(Array(b[12..<29]))
        for j in 0..<4 { b[29 + j] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * j)) }
        return b
    }

    /// A JPEG whose start-of-frame marker declares `width × height`.
    public static func jpeg(_ file: [UInt8], width: UInt16, height: UInt16) -> [UInt8] {
        var b = file
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { break }
            let marker = b[i + 1], length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            if (0xC0...0xC2).contains(marker) {
                (b[i + 5], b[i + 6], b[i + 7], b[i + 8]) = (UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF))
                break
            }
            i += 2 + length
        }
        return b
    }

    /// The CRC-32 of PNG chunks (ISO 3309).
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }
}
