import Regions

/// What the user tells interactive segmentation (REFERENCE.md §14.2): a set S of patches whose region
/// values are known, and those values.
///
/// - From points: S is the patches under the points, and each is known to lie wholly inside the object
///   (value 1 on the whole patch).
/// - From a hint mask: S is every patch that holds at least one hint pixel, and the region is known there
///   pixel by pixel (hint pixel → 1, other pixels of those patches → 0), so a hint drawn across an edge
///   tells the model both sides.
public struct SegmentationPrompt: Equatable, Sendable {
    /// S: distinct patch indices `y · G + x`, in the order given.
    public var patches: [Int]
    /// The region map known at S: `S_img · S_img` values in {0, 1}, row-major; 0 outside S.
    public var region: [Float]

    /// - Parameters:
    ///   - patches: distinct patch indices, at least one.
    ///   - region: `size · size` values in {0, 1}.
    public init(patches: [Int], region: [Float]) {
        precondition(!patches.isEmpty, "SegmentationPrompt: no prompt patch")
        self.patches = patches
        self.region = region
    }

    /// Points in input-image pixels → the patches under them, each marked as wholly inside the object.
    public static func points(_ points: [(x: Double, y: Double)], image: ModelImage, patchSize p: Int) -> SegmentationPrompt {
        var patches: [Int] = []
        for (x, y) in points {
            let patch = image.patch(x: x, y: y, patchSize: p)
            if !patches.contains(patch) { patches.append(patch) }
        }
        return filling(patches, size: image.size, patchSize: p)
    }

    /// Whole known patches: value 1 on every pixel of each patch in `patches`.
    public static func filling(_ patches: [Int], size s: Int, patchSize p: Int) -> SegmentationPrompt {
        let g = s / p
        var region = [Float](repeating: 0, count: s * s)
        for patch in patches {
            let (py, px) = (patch / g, patch % g)
            for i in 0..<p { for j in 0..<p { region[(py * p + i) * s + px * p + j] = 1 } }
        }
        return SegmentationPrompt(patches: patches, region: region)
    }

    /// A hint mask (any size; a pixel is hint where any channel is above 127) → resized to the model's
    /// view by nearest neighbour; S = the patches holding hint pixels, in raster order.
    /// - Returns: nil when the hint mask is empty.
    public static func hint(_ mask: RGBImage, size s: Int, patchSize p: Int) -> SegmentationPrompt? {
        let on: [Float] = (0..<(mask.width * mask.height)).map { i in
            max(mask.pixels[3 * i], mask.pixels[3 * i + 1], mask.pixels[3 * i + 2]) > 127 ? 1 : 0
        }
        let map = nearestResized(on, width: mask.width, height: mask.height, toWidth: s, toHeight: s)
        return known(map, size: s, patchSize: p)
    }

    /// A region map at model size → S = the patches where it has at least one 1, the values kept.
    /// - Returns: nil when the map is empty.
    public static func known(_ map: [Float], size s: Int, patchSize p: Int) -> SegmentationPrompt? {
        let g = s / p
        var hit = [Bool](repeating: false, count: g * g)
        for y in 0..<s { for x in 0..<s where map[y * s + x] >= 0.5 { hit[(y / p) * g + x / p] = true } }
        let patches = hit.indices.filter { hit[$0] }
        return patches.isEmpty ? nil : SegmentationPrompt(patches: patches, region: map)
    }

    /// `map` with the known values written over the prompt patches.
    /// - Parameters:
    ///   - map: `size · size` values, row-major.
    public func pasted(onto map: [Float], size s: Int, patchSize p: Int) -> [Float] {
        var out = map
        let g = s / p
        for patch in patches {
            for i in 0..<p { for j in 0..<p {
                let pix = ((patch / g) * p + i) * s + (patch % g) * p + j
                out[pix] = region[pix]
            } }
        }
        return out
    }
}
