/// The 8-neighbour pixel graph of a smoothed image, its edges sorted by weight (REFERENCE.md §12 steps 3–4).
///
/// Pixels are numbered `y * W + x`. Edges are enumerated in four groups, each in row-major order of its
/// anchor pixel, which fixes the order of equal weights (the sort is stable over this enumeration):
///
///     (a) horizontal       (y, x+1)–(y, x)      y < H,   x < W-1
///     (b) vertical         (y+1, x)–(y, x)      y < H-1, x < W
///     (c) down-right       (y+1, x+1)–(y, x)    y < H-1, x < W-1
///     (d) up-right         (y, x+1)–(y+1, x)    y < H-1, x < W-1
///
/// The weight is the Euclidean distance between the two smoothed RGB vectors, in Float64.
///
/// Sorting is a bucket pass plus small exact sorts, O(E) on typical images and O(E log E) at worst:
/// the bucket of an edge is the top bits of `Float(weight)` (monotone in the weight, about 2048 buckets
/// per octave), filled in enumeration order, then each bucket is ordered by `(weight, enumeration index)`.
struct SortedEdges {
    /// First endpoint of each edge, ascending weight order. Shape (E).
    var first: [Int32]
    /// Second endpoint of each edge. Shape (E).
    var second: [Int32]
    /// Edge weights, ascending. Shape (E).
    var weight: [Double]

    var count: Int { weight.count }

    /// Number of edges of a `height` × `width` grid with 8-connectivity, each pair once.
    static func edgeCount(width: Int, height: Int) -> Int {
        height * (width - 1) + (height - 1) * width + 2 * (height - 1) * (width - 1)
    }

    /// Builds the sorted graph from smoothed HWC values (`height * width * 3` Float64).
    init(smoothed: [Double], width: Int, height: Int) {
        precondition(smoothed.count == width * height * 3)
        let edges = Self.edgeCount(width: width, height: height)
        var first = [Int32](repeating: 0, count: edges)
        var second = [Int32](repeating: 0, count: edges)
        var weight = [Double](repeating: 0, count: edges)
        if edges == 0 {
            self.first = first; self.second = second; self.weight = weight
            return
        }

        // Weights and endpoints in enumeration order.
        var rawWeight = [Double](repeating: 0, count: edges)
        var rawFirst = [Int32](repeating: 0, count: edges)
        var rawSecond = [Int32](repeating: 0, count: edges)
        smoothed.withUnsafeBufferPointer { img in
            rawWeight.withUnsafeMutableBufferPointer { w in
                rawFirst.withUnsafeMutableBufferPointer { u in
                    rawSecond.withUnsafeMutableBufferPointer { v in
                        let img = img.baseAddress!
                        var e = 0
                        @inline(__always) func add(_ p: Int, _ q: Int) {
                            let a = img + p * 3, b = img + q * 3
                            let d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2]
                            w[e] = (d0 * d0 + d1 * d1 + d2 * d2).squareRoot()
                            u[e] = Int32(truncatingIfNeeded: p)
                            v[e] = Int32(truncatingIfNeeded: q)
                            e += 1
                        }
                        for y in 0..<height {                       // (a)
                            for x in 0..<(width - 1) { add(y * width + x + 1, y * width + x) }
                        }
                        for y in 0..<(height - 1) {                 // (b)
                            for x in 0..<width { add((y + 1) * width + x, y * width + x) }
                        }
                        for y in 0..<(height - 1) {                 // (c)
                            for x in 0..<(width - 1) { add((y + 1) * width + x + 1, y * width + x) }
                        }
                        for y in 0..<(height - 1) {                 // (d)
                            for x in 0..<(width - 1) { add(y * width + x + 1, (y + 1) * width + x) }
                        }
                        precondition(e == edges)
                    }
                }
            }
        }

        let order = Self.stableOrder(rawWeight)
        order.withUnsafeBufferPointer { order in
            for (i, e) in order.enumerated() {
                let e = Int(e)
                first[i] = rawFirst[e]
                second[i] = rawSecond[e]
                weight[i] = rawWeight[e]
            }
        }
        self.first = first
        self.second = second
        self.weight = weight
    }

    /// Bucket of a non-negative weight: the top 20 bits of its Float32 pattern. Monotone non-decreasing
    /// in the weight; weights below 2 (all RGB distances, ≤ √3) map below `bucketCount`.
    @inline(__always)
    static func bucket(_ w: Double) -> Int { Int(Float(w).bitPattern >> 12) }
    static let bucketCount = 1 << 18

    /// The permutation that sorts `weights` ascending, ties kept in index order (a stable argsort).
    static func stableOrder(_ weights: [Double]) -> [UInt32] {
        let n = weights.count
        var order = [UInt32](repeating: 0, count: n)
        guard n > 0 else { return order }
        precondition(n < Int(UInt32.max))
        var maxWeight = 0.0
        for w in weights {
            precondition(w >= 0, "SortedEdges: negative or NaN weight")
            maxWeight = max(maxWeight, w)
        }
        if maxWeight >= 2 {                 // not an RGB distance: no bucketing, plain exact sort
            order = (0..<UInt32(n)).sorted { a, b in
                let wa = weights[Int(a)], wb = weights[Int(b)]
                return wa < wb || (wa == wb && a < b)
            }
            return order
        }

        var start = [Int](repeating: 0, count: bucketCount + 1)
        weights.withUnsafeBufferPointer { w in
            order.withUnsafeMutableBufferPointer { order in
                start.withUnsafeMutableBufferPointer { start in
                    for x in w { start[bucket(x) + 1] += 1 }
                    for b in 0..<bucketCount { start[b + 1] += start[b] }
                    var next = Array(start[0..<bucketCount])
                    next.withUnsafeMutableBufferPointer { next in
                        for e in 0..<n {               // enumeration order: stable within a bucket
                            let b = bucket(w[e])
                            order[next[b]] = UInt32(truncatingIfNeeded: e)
                            next[b] += 1
                        }
                    }
                    for b in 0..<bucketCount where start[b + 1] - start[b] > 1 {
                        sortBucket(order, start[b]..<start[b + 1], w)
                    }
                }
            }
        }
        return order
    }

    /// Orders `order[range]` by `(weight, index)`; the range arrives in index order.
    @inline(__always)
    static func sortBucket(_ order: UnsafeMutableBufferPointer<UInt32>, _ range: Range<Int>,
                           _ w: UnsafeBufferPointer<Double>) {
        if range.count <= 48 {
            // Insertion sort: stable, and linear when the bucket holds equal weights (flat areas).
            for i in (range.lowerBound + 1)..<range.upperBound {
                let e = order[i], we = w[Int(e)]
                var j = i
                while j > range.lowerBound && w[Int(order[j - 1])] > we {
                    order[j] = order[j - 1]
                    j -= 1
                }
                order[j] = e
            }
        } else {
            // Keys (weight, index) are distinct, so any correct sort is the stable order.
            var slice = UnsafeMutableBufferPointer(rebasing: order[range])
            slice.sort { a, b in
                let wa = w[Int(a)], wb = w[Int(b)]
                return wa < wb || (wa == wb && a < b)
            }
        }
    }
}
