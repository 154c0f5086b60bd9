/// A segmentation: one label per pixel, `0..<segmentCount`, numbered in raster order of each
/// segment's first pixel (as scikit-image numbers FH segments).
public struct LabelMap: Sendable, Equatable {
    /// Columns (W).
    public var width: Int
    /// Rows (H).
    public var height: Int
    /// Labels, row-major. Shape (H, W).
    public var labels: [Int32]
    /// Number of segments; labels are `0..<segmentCount`.
    public var segmentCount: Int

    /// Wraps row-major labels.
    public init(width: Int, height: Int, labels: [Int32], segmentCount: Int) {
        precondition(labels.count == width * height, "LabelMap: \(labels.count) labels for \(width)x\(height)")
        self.width = width
        self.height = height
        self.labels = labels
        self.segmentCount = segmentCount
    }

    /// The label at row `y`, column `x`.
    public subscript(y: Int, x: Int) -> Int32 { labels[y * width + x] }

    /// The same partition, relabelled `0, 1, …` by first occurrence in raster order. Two maps describe
    /// the same partition exactly when their canonical forms are equal.
    public func canonicalized() -> LabelMap {
        var map: [Int32: Int32] = [:]
        var out = [Int32](repeating: 0, count: labels.count)
        for (i, l) in labels.enumerated() {
            if let m = map[l] {
                out[i] = m
            } else {
                let m = Int32(map.count)
                map[l] = m
                out[i] = m
            }
        }
        return LabelMap(width: width, height: height, labels: out, segmentCount: map.count)
    }
}
