/// Felzenszwalb–Huttenlocher graph segmentation, reproducing `skimage.segmentation.felzenszwalb`
/// (scikit-image 0.26) partition for partition.
///
/// The image is smoothed once and its sorted edge list built once (``init(image:sigma:)``); each
/// ``segment(scale:minSize:)`` then runs the two union-find passes, so several scales of one image
/// share the expensive part (``segment(scales:)`` also shares the start of the merge pass):
///
///     κ = scale / 255
///     for (u, v, w) in edges, ascending w:            // merge pass
///         a, b = root(u), root(v)
///         if a ≠ b and w < min(f32(Int[a] + κ/|a|), f32(Int[b] + κ/|b|)):
///             union(a, b); Int = w
///     for (u, v, w) in edges, ascending w:            // small-segment pass
///         if root(u) ≠ root(v) and min(|a|, |b|) < minSize: union(a, b)
///
/// Cost: O(E log E) with E ≈ 4·H·W edges for the first step (linear on typical images, see
/// `SortedEdges`), near-linear union-find per scale; memory O(H·W).
///
/// ### References
/// - P. Felzenszwalb, D. Huttenlocher, "Efficient Graph-Based Image Segmentation", IJCV 59(2), 2004.
/// - REFERENCE.md §12 (the scikit-image variant, step by step).
///
/// ### See Also
/// - ``felzenszwalb(_:scale:sigma:minSize:)``
public struct FelzenszwalbSegmenter: Sendable {
    public let width: Int
    public let height: Int
    let edges: SortedEdges

    /// Smooths `image` with a Gaussian of standard deviation `sigma` (reflect borders, per channel,
    /// Float64) and sorts its 8-neighbour edges.
    public init(image: RGBImage, sigma: Double = 0.8) {
        precondition(image.width * image.height < Int(Int32.max), "FelzenszwalbSegmenter: image too large")
        width = image.width
        height = image.height
        let smoothed = GaussianBlur.smoothed(image, sigma: sigma)
        edges = SortedEdges(smoothed: smoothed, width: width, height: height)
    }

    /// Segments at one scale.
    /// - Parameters:
    ///   - scale: FH's k; larger gives larger segments (the official R-MAE uses 500, 1000, 1500).
    ///   - minSize: segments smaller than this are merged into a neighbour in the second pass.
    /// - Returns: labels in raster order of each segment's first pixel.
    public func segment(scale: Double, minSize: Int) -> LabelMap {
        segment(scales: [(scale, minSize)])[0]
    }

    /// Segments at several scales, sharing the work they have in common.
    ///
    /// Up to the first edge that the smallest scale rejects, every scale takes the same decisions (a
    /// larger κ only raises thresholds), so that prefix of the merge pass runs once; each scale then
    /// continues from a copy of the sets with its own thresholds. The result is identical to segmenting
    /// each scale on its own.
    /// - Returns: one label map per `(scale, minSize)`, in the order given.
    public func segment(scales: [(scale: Double, minSize: Int)]) -> [LabelMap] {
        guard let smallest = scales.map(\.scale).min() else { return [] }
        precondition(smallest > 0, "FelzenszwalbSegmenter: scale must be positive")
        var shared = DisjointSets(count: width * height, kappa: smallest / 255)
        var unused: [Int32] = []
        let start = mergePass(&shared, from: 0, rejected: &unused, stopAtRejection: true)
        return scales.map { scale, minSize in
            var sets = shared.rethresholded(kappa: scale / 255)
            var rejected = [Int32]()
            rejected.reserveCapacity(edges.count / 8)
            mergePass(&sets, from: start, rejected: &rejected, stopAtRejection: false)
            smallSegmentPass(&sets, rejected: rejected, minSize: minSize)
            let (labels, count) = sets.labels()
            return LabelMap(width: width, height: height, labels: labels, segmentCount: count)
        }
    }

    /// The merge pass (REFERENCE.md §12 step 5) over edges `start...`: join two sets when the edge's
    /// weight is below both thresholds. Appends the indices of edges rejected between two sets (the only
    /// ones the small-segment pass can still join, since sets only grow). With `stopAtRejection` it stops
    /// before the first rejected edge and returns its index; otherwise it returns the edge count.
    ///
    /// Edges go in blocks of 64: a branch-free sweep marks those certainly inside one set (about half),
    /// then the others are visited in order with full `find`s.
    @discardableResult
    func mergePass(_ sets: inout DisjointSets, from start: Int, rejected: inout [Int32], stopAtRejection: Bool) -> Int {
        let kappa = sets.kappa
        return edges.first.withUnsafeBufferPointer { first in
        edges.second.withUnsafeBufferPointer { second in
        edges.weight.withUnsafeBufferPointer { weight in
        sets.entry.withUnsafeMutableBufferPointer { entry in
        sets.size.withUnsafeMutableBufferPointer { size in
        sets.difference.withUnsafeMutableBufferPointer { difference in
            let entry = entry.baseAddress!
            var block = start
            while block < weight.count {
                let end = min(block + 64, weight.count)
                var todo: UInt64 = 0
                for j in block..<end {
                    todo |= (1 &- DisjointSets.sameParent(entry, first[j], second[j])) << UInt64(j &- block)
                }
                while todo != 0 {
                    let i = block &+ todo.trailingZeroBitCount
                    todo &= todo &- 1
                    let (a, ea) = DisjointSets.find(entry, first[i])
                    let (b, eb) = DisjointSets.find(entry, second[i])
                    if a == b { continue }
                    let w = weight[i]
                    guard w < Double(min(DisjointSets.threshold(ea), DisjointSets.threshold(eb))) else {
                        if stopAtRejection { return i }
                        rejected.append(Int32(truncatingIfNeeded: i))
                        continue
                    }
                    let (sa, sb) = (size[a], size[b])
                    let (root, child) = sa >= sb ? (a, b) : (b, a)
                    entry[child] = Int32(truncatingIfNeeded: root)
                    size[root] = sa + sb
                    difference[root] = w
                    entry[root] = DisjointSets.rootEntry(Float(w + kappa / Double(sa + sb)))
                }
                block = end
            }
            return weight.count
        }
        }
        }
        }
        }
        }
    }

    /// The small-segment pass (step 6) over the edges the merge pass rejected, in the same order: join
    /// two sets when either has fewer than `minSize` pixels.
    func smallSegmentPass(_ sets: inout DisjointSets, rejected: [Int32], minSize: Int) {
        guard minSize > 1 else { return }
        let minSize = Int32(clamping: minSize)
        edges.first.withUnsafeBufferPointer { first in
        edges.second.withUnsafeBufferPointer { second in
        sets.entry.withUnsafeMutableBufferPointer { entry in
        sets.size.withUnsafeMutableBufferPointer { size in
            let entry = entry.baseAddress!
            for i in rejected {
                let (u, v) = (first[Int(i)], second[Int(i)])
                if DisjointSets.sameParent(entry, u, v) != 0 { continue }
                let a = DisjointSets.find(entry, u).root
                let b = DisjointSets.find(entry, v).root
                if a == b { continue }
                let (sa, sb) = (size[a], size[b])
                guard sa < minSize || sb < minSize else { continue }
                let (root, child) = sa >= sb ? (a, b) : (b, a)
                entry[child] = Int32(truncatingIfNeeded: root)
                size[root] = sa + sb
            }
        }
        }
        }
        }
    }
}

/// FH segmentation of one image at one scale, as `skimage.segmentation.felzenszwalb(image, scale=scale,
/// sigma=sigma, min_size=minSize)`.
///
/// For several scales of one image use ``FelzenszwalbSegmenter`` directly, which smooths and sorts once.
public func felzenszwalb(_ image: RGBImage, scale: Double, sigma: Double = 0.8, minSize: Int = 20) -> LabelMap {
    FelzenszwalbSegmenter(image: image, sigma: sigma).segment(scale: scale, minSize: minSize)
}
