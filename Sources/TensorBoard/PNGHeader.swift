/// Width, height and TensorBoard colour space of a PNG file, read from its IHDR chunk.
struct PNGHeader: Equatable {
    var width: Int
    var height: Int
    /// TensorBoard's `Summary.Image.colorspace`: 1 grey, 2 grey + alpha, 3 RGB (also palette), 4 RGBA.
    var colorspace: Int

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Nil when `bytes` does not start like a PNG file (signature, then an IHDR chunk).
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 33, Array(bytes[0..<8]) == Self.signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            return nil
        }
        func bigEndian(_ at: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(bytes[at + $1]) } }
        width = bigEndian(16)
        height = bigEndian(20)
        switch bytes[25] {   // PNG colour type
        case 0: colorspace = 1
        case 4: colorspace = 2
        case 2, 3: colorspace = 3
        case 6: colorspace = 4
        default: return nil
        }
        guard width > 0, height > 0 else { return nil }
    }
}
