/// Shape arithmetic shared by the ops: element counts, strides, broadcasting and axis normalisation.
public enum Shape {
    /// Number of elements of a tensor of this shape (1 for a scalar `[]`).
    @inlinable public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The element count of a shape read from a file header, times `elementBytes`: nil when a dimension is
    /// negative or the product overflows `Int`. Every header-declared size goes through here before it is
    /// compared with the file's real size or a budget, and only then allocated.
    public static func checkedCount(_ shape: [Int], elementBytes: Int = 1) -> Int? {
        guard elementBytes >= 0, shape.allSatisfy({ $0 >= 0 }) else { return nil }
        var total = elementBytes
        for d in shape {
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// Row-major (C-order) strides.
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// NumPy broadcasting of two shapes; stops with a message naming `op` and both shapes when they do not broadcast.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        let r = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            precondition(da == db || da == 1 || db == 1,
                         "\(op): shapes \(a) and \(b) are not broadcastable")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Resolves a possibly negative axis against `rank`.
    public static func axis(_ axis: Int, rank: Int, op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "\(op): axis \(axis) is out of range for rank \(rank)")
        return a
    }

    /// Splits `shape` around `axis` into (outer, n, inner) for axis-wise kernels.
    static func around(_ shape: [Int], axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (count(Array(shape[..<axis])), shape[axis], count(Array(shape[(axis + 1)...])))
    }
}
