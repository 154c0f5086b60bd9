/// The 8-neighbour pixel graph of a smoothed image, its edges sorted by weight (REFERENCE.md §12 steps 3–4).
///
/// Pixels are numbered `p = y * W + x`. Edges are enumerated in four groups, each in row-major order of
/// its anchor pixel p, which fixes the order of equal weights (the sort is stable over this enumeration):
///
///     group  edge                          anchors               code
///     (a)    (y, x+1)–(y, x)      p+1, p      y < H,   x < W-1      p
///     (b)    (y+1, x)–(y, x)      p+W, p      y < H-1, x < W        n + p
///     (c)    (y+1, x+1)–(y, x)    p+W+1, p    y < H-1, x < W-1      2n + p
///     (d)    (y, x+1)–(y+1, x)    p+1, p+W    y < H-1, x < W-1      3n + p
///
/// An edge is stored as its code (n = H·W pixels), which increases along the enumeration and decodes to
/// its endpoints without division. The weight is the Euclidean distance between the two smoothed RGB
/// vectors, in Float64.
///
/// Sorting is an LSD radix sort, O(E), on a 22-bit window of each weight's bit pattern (non-negative
/// doubles order like their bit patterns). It is stable, so equal keys keep enumeration order; a last
/// pass puts the runs of equal key in exact weight order. See ``sorted(width:height:weight:)``.
struct SortedEdges: Sendable {
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

    /// The endpoints of the edge with code `code`. Branch-free: edges arrive in weight order, so their
    /// groups are unpredictable; the group is a sum of comparisons and the offsets come from a table.
    @inline(__always)
    static func endpoints(_ code: UInt32, pixels n: Int, table: UnsafePointer<Int>) -> (Int32, Int32) {
        let c = Int(code)
        let group = (c >= n ? 1 : 0) &+ (c >= 2 &* n ? 1 : 0) &+ (c >= 3 &* n ? 1 : 0)
        let p = c &- group &* n
        return (Int32(truncatingIfNeeded: p &+ table[group]), Int32(truncatingIfNeeded: p &+ table[4 &+ group]))
    }

    /// Calls `body` with the 8-entry offset table of ``endpoints(_:pixels:table:)``.
    static func withOffsetTable<R>(width: Int, _ body: (UnsafePointer<Int>) -> R) -> R {
        let table = [1, width, width + 1, 1, 0, 0, 0, width]
        return table.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Calls `body(code, first, second)` for every edge, in enumeration order.
    @inline(__always)
    static func forEachEdge(width: Int, height: Int, _ body: (Int, Int, Int) -> Void) {
        let n = width * height
        for y in 0..<height {                                                                     // (a)
            for x in 0..<(width - 1) { let p = y * width + x; body(p, p + 1, p) }
        }
        for p in 0..<(n - width) { body(n + p, p + width, p) }                                    // (b)
        for y in 0..<(height - 1) {                                                               // (c)
            for x in 0..<(width - 1) { let p = y * width + x; body(2 * n + p, p + width + 1, p) }
        }
        for y in 0..<(height - 1) {                                                               // (d)
            for x in 0..<(width - 1) { let p = y * width + x; body(3 * n + p, p + 1, p + width) }
        }
    }

    /// Builds the sorted graph from smoothed HWC values (`height * width * 3` Float64).
    init(smoothed: [Double], width: Int, height: Int) {
        precondition(smoothed.count == width * height * 3)
        precondition(4 * width * height < Int(UInt32.max), "SortedEdges: image too large for 32-bit edge codes")
        let (unsortedWeights, unsortedCodes) = Self.enumerated(smoothed: smoothed, width: width, height: height)
        let codes: [UInt32]
        (weight, codes) = Self.sorted(unsortedWeights, unsortedCodes)   // last use: moved, not copied
        var first = Self.uninitialized(codes.count, of: Int32.self)
        var second = Self.uninitialized(codes.count, of: Int32.self)
        first.withUnsafeMutableBufferPointer { first in
            second.withUnsafeMutableBufferPointer { second in
                Self.withOffsetTable(width: width) { table in
                    for (i, code) in codes.enumerated() {
                        (first[i], second[i]) = Self.endpoints(code, pixels: width * height, table: table)
                    }
                }
            }
        }
        self.first = first
        self.second = second
    }

    /// An uninitialised array, for buffers that are fully written before being read.
    static func uninitialized<T>(_ count: Int, of: T.Type) -> [T] {
        Array(unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Every edge's weight and code, in enumeration order: Euclidean distances between smoothed RGB
    /// vectors. Plain loops per group (no closure per edge), so the compiler keeps it tight.
    static func enumerated(smoothed: [Double], width: Int, height: Int) -> (weights: [Double], codes: [UInt32]) {
        let n = width * height, count = edgeCount(width: width, height: height)
        var weights = uninitialized(count, of: Double.self), codes = uninitialized(count, of: UInt32.self)
        smoothed.withUnsafeBufferPointer { img in
            weights.withUnsafeMutableBufferPointer { weights in
                codes.withUnsafeMutableBufferPointer { codes in
                    let img = img.baseAddress!
                    var i = 0
                    @inline(__always) func add(_ code: Int, _ p: Int, _ q: Int) {
                        let a = img + p * 3, b = img + q * 3
                        let d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2]
                        weights[i] = (d0 * d0 + d1 * d1 + d2 * d2).squareRoot()
                        codes[i] = UInt32(truncatingIfNeeded: code)
                        i += 1
                    }
                    for y in 0..<height {                                                 // (a)
                        for x in 0..<(width - 1) { let p = y * width + x; add(p, p + 1, p) }
                    }
                    for p in 0..<(n - width) { add(n + p, p + width, p) }                 // (b)
                    for y in 0..<(height - 1) {                                           // (c)
                        for x in 0..<(width - 1) { let p = y * width + x; add(2 * n + p, p + width + 1, p) }
                    }
                    for y in 0..<(height - 1) {                                           // (d)
                        for x in 0..<(width - 1) { let p = y * width + x; add(3 * n + p, p + 1, p + width) }
                    }
                    precondition(i == count)
                }
            }
        }
        return (weights, codes)
    }

    /// The edges' weights ascending, with their codes; ties in code order (a stable argsort).
    /// `weights` and `codes` are in enumeration order; weights are non-negative and below 2.
    ///
    /// The radix key of a weight w is `(max(bits(w) >> 30, low) − low) >> shift`, where `low` is the
    /// prefix of 2⁻³⁰ or of the smallest weight if larger (so zeros and rounding noise from flat areas
    /// share the first key instead of spreading the keys over 30 more octaves) and `shift` makes the
    /// span fit 22 bits. The key is monotone in w, so sorting by key and then ordering each run of equal
    /// key by w sorts by w. Two LSD passes of 11 bits sort the keys stably. Runs out of order are sorted
    /// by `(w, code)`: insertion sort when short, a comparison sort when long; both give the stable order
    /// since codes are unique.
    static func sorted(_ weights: consuming [Double], _ codes: consuming [UInt32]) -> (weights: [Double], codes: [UInt32]) {
        var weightsB = weights, codesB = codes                  // sorted in place: B -> A -> B
        let n = weightsB.count
        precondition(codesB.count == n)
        guard n > 0 else { return ([], []) }
        let digit = 11, buckets = 1 << digit, mask = UInt64(buckets - 1)
        var weightsA = uninitialized(n, of: Double.self), codesA = uninitialized(n, of: UInt32.self)
        // The key's range.
        @inline(__always) func prefix(_ w: Double) -> UInt64 { w.bitPattern >> 30 }
        var low = UInt64.max, high: UInt64 = 0, largest = 0.0
        for x in weightsB {
            let bits = prefix(x)
            low = min(low, bits); high = max(high, bits); largest = max(largest, x)
        }
        precondition(largest < 2, "SortedEdges: weight \(largest) is not an RGB distance")
        low = max(low, prefix(0x1p-30))
        let span = high >= low ? high - low + 1 : 0
        let shift = UInt64(max(0, (64 - span.leadingZeroBitCount) - 2 * digit))
        @inline(__always) func key(_ w: Double) -> UInt64 { (max(prefix(w), low) - low) >> shift }

        var counts = [Int](repeating: 0, count: 2 * buckets)
        do {
        weightsA.withUnsafeMutableBufferPointer { weightsA in
        codesA.withUnsafeMutableBufferPointer { codesA in
        weightsB.withUnsafeMutableBufferPointer { weightsB in
        codesB.withUnsafeMutableBufferPointer { codesB in
        counts.withUnsafeMutableBufferPointer { counts in
            // Count both digits.
            for i in 0..<n {
                let k = key(weightsB[i])
                counts[Int(k & mask)] += 1
                counts[buckets + Int((k >> UInt64(digit)) & mask)] += 1
            }
            for b in 0..<(2 * buckets) where b % buckets != 0 { counts[b] += counts[b - 1] }
            for b in stride(from: 2 * buckets - 1, to: 0, by: -1) where b % buckets != 0 { counts[b] = counts[b - 1] }
            counts[0] = 0; counts[buckets] = 0
            // Low digit B -> A, high digit A -> B.
            for i in 0..<n {
                let x = weightsB[i], b = Int(key(x) & mask), at = counts[b]
                weightsA[at] = x; codesA[at] = codesB[i]
                counts[b] = at + 1
            }
            for i in 0..<n {
                let x = weightsA[i], b = buckets + Int((key(x) >> UInt64(digit)) & mask), at = counts[b]
                weightsB[at] = x; codesB[at] = codesA[i]
                counts[b] = at + 1
            }
            // Exact order inside runs of equal key. A run needs work only if it has a descent.
            var run: [(Double, UInt32)] = []
            var i2 = 1
            while i2 < n {
                if weightsB[i2 - 1] <= weightsB[i2] { i2 += 1; continue }
                let k = key(weightsB[i2])
                var start = i2 - 1, end = i2 + 1
                while start > 0 && key(weightsB[start - 1]) == k { start -= 1 }
                while end < n && key(weightsB[end]) == k { end += 1 }
                if end - start <= 16 {
                    for i in (start + 1)..<end {
                        let (x, code) = (weightsB[i], codesB[i])
                        var j = i
                        while j > start && weightsB[j - 1] > x {
                            weightsB[j] = weightsB[j - 1]; codesB[j] = codesB[j - 1]
                            j -= 1
                        }
                        weightsB[j] = x; codesB[j] = code
                    }
                } else {
                    run.removeAll(keepingCapacity: true)
                    for i in start..<end { run.append((weightsB[i], codesB[i])) }
                    run.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                    for (j, r) in run.enumerated() { weightsB[start + j] = r.0; codesB[start + j] = r.1 }
                }
                i2 = end
            }
        }
        }
        }
        }
        }
        }
        return (weightsB, codesB)
    }
}
