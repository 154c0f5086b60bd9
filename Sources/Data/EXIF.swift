/// The EXIF orientation tag (0x0112) of JPEG (APP1 "Exif") and PNG (`eXIf`) files.
///
/// Only the first IFD's orientation is read; anything malformed means "no orientation" (1), never an
/// error, since the pixels themselves are fine.
enum EXIF {
    /// Orientation 1...8 from a JPEG's APP1 segment, or 1.
    static func orientation(inJPEG bytes: [UInt8]) -> Int {
        var i = 2
        while i + 4 <= bytes.count {
            guard bytes[i] == 0xFF else { return 1 }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }                   // fill byte
            if marker == 0xDA || marker == 0xD9 { return 1 }       // scan data or end: no more headers
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            let payload = i + 4
            if marker == 0xE1, length >= 8, payload + length - 2 <= bytes.count,
               Array(bytes[payload..<payload + 6]) == Array("Exif\0\0".utf8) {
                return orientation(tiff: bytes[(payload + 6)..<(payload + length - 2)])
            }
            i += 2 + length
        }
        return 1
    }

    /// Orientation 1...8 from a PNG's `eXIf` chunk, or 1.
    static func orientation(inPNG bytes: [UInt8]) -> Int {
        var i = 8
        while i + 8 <= bytes.count {
            let length = Int(bigEndian32(bytes, i))
            let type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
            let data = i + 8
            guard length >= 0, data + length <= bytes.count else { return 1 }
            if type == "eXIf" { return orientation(tiff: bytes[data..<(data + length)]) }
            if type == "IEND" { return 1 }
            i = data + length + 4                                       // skip the CRC
        }
        return 1
    }

    /// Reads tag 0x0112 (SHORT) from IFD0 of a TIFF structure.
    static func orientation(tiff: ArraySlice<UInt8>) -> Int {
        let t = Array(tiff)
        guard t.count >= 8 else { return 1 }
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true                                // "II"
        case (0x4D, 0x4D): little = false                               // "MM"
        default: return 1
        }
        func u16(_ o: Int) -> Int { little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1]) }
        func u32(_ o: Int) -> Int { little ? u16(o) | u16(o + 2) << 16 : u16(o) << 16 | u16(o + 2) }
        guard u16(2) == 42 else { return 1 }
        let ifd = u32(4)
        guard ifd >= 8, ifd + 2 <= t.count else { return 1 }
        let entries = u16(ifd)
        for k in 0..<entries {
            let e = ifd + 2 + 12 * k
            guard e + 12 <= t.count else { return 1 }
            if u16(e) == 0x0112 && u16(e + 2) == 3 {
                let value = u16(e + 8)
                return (1...8).contains(value) ? value : 1
            }
        }
        return 1
    }

    static func bigEndian32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
    }
}
