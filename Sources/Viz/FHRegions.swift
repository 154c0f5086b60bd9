import Regions

/// Binary region maps for one photo at inference time: FH segments computed on the fly, the k largest kept.
///
/// Training samples k of all FH segments of three scales at random (REFERENCE.md §11.3–§11.4). A picture or
/// an evaluation needs a fixed, readable choice, so here FH runs once at `scale` (1000, the middle official
/// scale; σ 0.8, min size = scale, as `rmae regions` and `--regions auto` compute them) on the photo at its
/// own resolution (like the offline maps), the labels are resized to the model's `S × S` by nearest
/// neighbour, and the k segments with the most pixels are kept, largest first (ties: lower label first).
/// When there are fewer than k segments, the list repeats from the largest (the official loader also
/// repeats candidates when n < k).
public enum FHRegions {
    /// - Parameters:
    ///   - image: the photo at its own resolution.
    ///   - count: k.
    ///   - size: the model's `img_size` (S).
    ///   - scale: FH's k parameter; the minimum segment size equals it.
    /// - Returns: k maps of `S · S` values in {0, 1}, row-major, largest segment first.
    public static func largest(_ image: RGBImage, count k: Int, size: Int, scale: Int = 1000, sigma: Double = 0.8) -> [[Float]] {
        let map = felzenszwalb(image, scale: Double(scale), sigma: sigma, minSize: scale)
        let labels = nearestResized(map.labels, width: image.width, height: image.height, toWidth: size, toHeight: size)
        return largest(labels: labels, count: k)
    }

    /// The k largest segments of a label map already at model size (see ``largest(_:count:size:scale:sigma:)``).
    public static func largest(labels: [Int32], count k: Int) -> [[Float]] {
        var pixels: [Int32: Int] = [:]
        for l in labels { pixels[l, default: 0] += 1 }
        let order = pixels.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        guard !order.isEmpty else { return [] }
        return (0..<k).map { i in
            let label = order[i % order.count]
            return labels.map { $0 == label ? 1 : 0 }
        }
    }
}
