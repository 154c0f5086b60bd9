/// Union-find over pixels for FH: set sizes and each set's merge threshold (REFERENCE.md §12 step 5).
///
/// Unions attach the smaller set under the larger (union by size) and `find` halves paths, so finds are
/// near constant time. Which pixel is the root does not change the partition: merge decisions depend on
/// set sizes and thresholds only. (scikit-image keeps the smallest index as root; we number segments by
/// their first pixel in raster order instead, which gives the same labels.)
///
/// One Int32 per pixel holds either its parent (≥ 0) or, at a root, the set's threshold
/// `Float32(Int + κ/size)` as a bit pattern with the sign bit set (< 0). So the `find` that reaches a
/// root has already loaded its threshold: the merge pass touches one 4-byte array for almost all edges.
/// Sizes live in their own array, read only when two roots differ.
struct DisjointSets {
    /// Parent pixel (≥ 0), or `Int32(bitPattern: threshold.bitPattern | 0x8000_0000)` at a root. Shape (n).
    var entry: [Int32]
    /// Set sizes, valid at roots. Shape (n).
    var size: [Int32]
    /// Internal difference `Int` (weight of the last merge), valid at roots. Shape (n).
    var difference: [Double]
    /// κ = scale / 255 of the thresholds in `entry`.
    private(set) var kappa: Double

    /// The entry of a root whose set has threshold `threshold` (a positive Float).
    @inline(__always)
    static func rootEntry(_ threshold: Float) -> Int32 { Int32(bitPattern: threshold.bitPattern | 0x8000_0000) }

    /// The threshold stored in a root's entry.
    @inline(__always)
    static func threshold(_ entry: Int32) -> Float { Float(bitPattern: UInt32(bitPattern: entry) & 0x7FFF_FFFF) }

    /// n singleton sets with internal difference 0, so threshold `Float32(κ)`.
    init(count: Int, kappa: Double) {
        precondition(kappa > 0, "DisjointSets: κ must be positive")
        entry = [Int32](repeating: Self.rootEntry(Float(kappa)), count: count)
        size = [Int32](repeating: 1, count: count)
        difference = [Double](repeating: 0, count: count)
        self.kappa = kappa
    }

    /// The same sets with thresholds recomputed for another κ: `Float32(Int + κ/size)` at every root.
    func rethresholded(kappa: Double) -> DisjointSets {
        var copy = self
        copy.kappa = kappa
        for i in copy.entry.indices where copy.entry[i] < 0 {
            copy.entry[i] = Self.rootEntry(Float(copy.difference[i] + kappa / Double(copy.size[i])))
        }
        return copy
    }

    /// The root of `p`'s set and the root's entry, halving the path.
    @inline(__always)
    static func find(_ entry: UnsafeMutablePointer<Int32>, _ p: Int32) -> (root: Int, entry: Int32) {
        var p = Int(p)
        var q = entry[p]
        while q >= 0 {
            let g = entry[Int(q)]
            if g < 0 { return (Int(q), g) }
            entry[p] = g
            p = Int(g)
            q = entry[p]
        }
        return (p, q)
    }

    /// A cheap test that catches most edges inside one set: `u` and `v` share a parent, or one is the
    /// other's parent. Two independent loads and no branch; 1 means "same set", 0 "look further". A 1
    /// stays true as sets merge, so it may be computed ahead of the merges (see `segment`).
    @inline(__always)
    static func sameParent(_ entry: UnsafeMutablePointer<Int32>, _ u: Int32, _ v: Int32) -> UInt64 {
        let (eu, ev) = (entry[Int(u)], entry[Int(v)])
        let shared = (eu >= 0 ? 1 : 0) & ((eu == ev ? 1 : 0) | (eu == v ? 1 : 0))
        return UInt64(shared | (ev == u ? 1 : 0))
    }

    /// Raster-order labels `0..<count` and the count (REFERENCE.md §12 step 7).
    func labels() -> (labels: [Int32], count: Int) {
        var entry = self.entry
        var labels = [Int32](repeating: 0, count: entry.count)
        var labelOfRoot = [Int32](repeating: -1, count: entry.count)
        var next: Int32 = 0
        entry.withUnsafeMutableBufferPointer { entry in
            labels.withUnsafeMutableBufferPointer { labels in
                labelOfRoot.withUnsafeMutableBufferPointer { labelOfRoot in
                    for i in 0..<entry.count {
                        let r = Self.find(entry.baseAddress!, Int32(i)).root
                        if labelOfRoot[r] < 0 {                // first pixel of its segment in raster order
                            labelOfRoot[r] = next
                            next += 1
                        }
                        labels[i] = labelOfRoot[r]
                    }
                }
            }
        }
        return (labels, Int(next))
    }
}
