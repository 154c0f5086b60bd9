/// Union-find over pixels for FH: set sizes and each set's merge threshold (REFERENCE.md §12 step 5).
///
/// The root of a set is always its smallest pixel index: a union makes the smaller root the parent. So
/// a pixel is its own root exactly when it is the first pixel of its segment in raster order, which
/// makes the final raster-order relabelling a single pass. `find` halves paths as it goes.
struct DisjointSets {
    /// Parent pointers; `parent[r] == r` for roots. Shape (n).
    var parent: [Int32]
    /// Set sizes, valid at roots. Shape (n).
    var size: [Int32]
    /// `Float32(Int + κ/size)` per root, widened back to Float64 for the comparison. Shape (n).
    var threshold: [Double]

    /// n singleton sets with internal difference 0, so threshold `Float32(κ)`.
    init(count: Int, kappa: Double) {
        parent = (0..<Int32(count)).map { $0 }
        size = [Int32](repeating: 1, count: count)
        threshold = [Double](repeating: Double(Float(kappa)), count: count)
    }
}

extension DisjointSets {
    /// The root of `p`'s set, halving the path.
    @inline(__always)
    static func find(_ parent: UnsafeMutablePointer<Int32>, _ p: Int32) -> Int32 {
        var p = p
        while true {
            let q = parent[Int(p)]
            if q == p { return p }
            let g = parent[Int(q)]
            parent[Int(p)] = g
            p = g
        }
    }

    /// Raster-order labels `0..<count` and the count (REFERENCE.md §12 step 7).
    func labels() -> (labels: [Int32], count: Int) {
        var parent = self.parent
        var labels = [Int32](repeating: 0, count: parent.count)
        var next: Int32 = 0
        parent.withUnsafeMutableBufferPointer { parent in
            labels.withUnsafeMutableBufferPointer { labels in
                let p = parent.baseAddress!
                for i in 0..<parent.count {
                    let r = Int(Self.find(p, Int32(i)))
                    if r == i {
                        labels[i] = next
                        next += 1
                    } else {
                        labels[i] = labels[r]              // r < i: already labelled
                    }
                }
            }
        }
        return (labels, Int(next))
    }
}
