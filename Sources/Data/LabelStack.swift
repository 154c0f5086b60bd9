/// The FH label maps of one image as stored: `S` maps of `H × W` labels, `|u1`, `<u2` or `<i4`.
///
/// Labels stay in their file encoding until they are resampled (only the 224 × 224 output is widened),
/// which keeps a 640 × 480 × 3 `|u1` stack at 0.9 MB per sample.
struct LabelStack: Sendable {
    /// The `.npy` array, shape `[S, H, W]`.
    let array: NPYArray
    /// Number of maps (scales), S.
    var scales: Int { array.shape[0] }
    /// Rows, H.
    var height: Int { array.shape[1] }
    /// Columns, W.
    var width: Int { array.shape[2] }

    /// Checks that `array` is a `[S, H, W]` (or `[H, W]`, read as S = 1) integer stack of the image's size.
    /// - Throws: a message saying what is wrong, for the caller to attach the file name to.
    init(_ array: NPYArray, width: Int, height: Int) throws(SampleFailure) {
        var array = array
        if array.shape.count == 2 { array.shape = [1] + array.shape }
        guard array.shape.count == 3, array.shape[0] >= 1 else {
            throw SampleFailure("region maps have shape \(array.shape), want [S, H, W]")
        }
        guard array.dtype != .float32 else { throw SampleFailure("region maps are float32, want integer labels") }
        guard array.shape[1] == height, array.shape[2] == width else {
            throw SampleFailure("region maps are \(array.shape[2])x\(array.shape[1]) (WxH), the image is \(width)x\(height)")
        }
        self.array = array
    }

    /// Nearest-neighbour resampling of every map: output `[S, rows.count, columns.count]` with
    /// `out[s, y, x] = map[s, rows[y], columns[x]]`, as Int32.
    func resampled(rows: [Int], columns: [Int]) -> [Int32] {
        let (h, w) = (rows.count, columns.count)
        var out = [Int32](repeating: 0, count: scales * h * w)
        let plane = height * width
        array.bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { out in
                func gather(_ load: (Int) -> Int32) {
                    for s in 0..<scales {
                        for y in 0..<h {
                            let source = s * plane + rows[y] * width
                            let target = (s * h + y) * w
                            for x in 0..<w { out[target + x] = load(source + columns[x]) }
                        }
                    }
                }
                switch array.dtype {
                case .uint8:
                    let p = raw.bindMemory(to: UInt8.self)
                    gather { Int32(p[$0]) }
                case .uint16:
                    gather { Int32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
                case .int32, .float32:
                    gather { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
                }
            }
        }
        return out
    }
}

/// Why one sample could not be loaded; the reader prefixes the file name.
struct SampleFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
