import Regions

extension RGBImage {
    /// The image as it should be displayed for EXIF orientation `orientation` (1...8), as Pillow's
    /// `ImageOps.exif_transpose`. For output pixel (y, x), the source pixel is:
    ///
    ///     1 (y, x)            2 (y, W-1-x)          3 (H-1-y, W-1-x)      4 (H-1-y, x)
    ///     5 (x, y)            6 (H-1-x, y)          7 (H-1-x, W-1-y)      8 (x, W-1-y)
    ///
    /// where H, W are the source's; orientations 5–8 swap width and height.
    public func oriented(_ orientation: Int) -> RGBImage {
        guard (2...8).contains(orientation) else { return self }
        let (h, w) = (height, width)
        let swaps = orientation >= 5
        let (outH, outW) = swaps ? (w, h) : (h, w)
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<outH {
            for x in 0..<outW {
                let (sy, sx): (Int, Int)
                switch orientation {
                case 2: (sy, sx) = (y, w - 1 - x)
                case 3: (sy, sx) = (h - 1 - y, w - 1 - x)
                case 4: (sy, sx) = (h - 1 - y, x)
                case 5: (sy, sx) = (x, y)
                case 6: (sy, sx) = (h - 1 - x, y)
                case 7: (sy, sx) = (h - 1 - x, w - 1 - y)
                default: (sy, sx) = (x, w - 1 - y)
                }
                let d = (y * outW + x) * 3, s = (sy * w + sx) * 3
                out[d] = pixels[s]; out[d + 1] = pixels[s + 1]; out[d + 2] = pixels[s + 2]
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }
}
