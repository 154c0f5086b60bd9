/// A rectangle of an image in pixels: rows `top ..< top + height`, columns `left ..< left + width`.
struct CropBox: Sendable, Equatable {
    var top: Int
    var left: Int
    var height: Int
    var width: Int

    /// The whole `width × height` image.
    static func whole(width: Int, height: Int) -> CropBox {
        CropBox(top: 0, left: 0, height: height, width: width)
    }
}
