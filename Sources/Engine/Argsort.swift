/// Indices that sort `values` ascending, stable (equal values keep their order); NaN sorts last.
public func argsortAscending(_ values: [Float]) -> [Int] {
    values.indices.sorted { a, b in
        let x = values[a], y = values[b]
        if x.isNaN || y.isNaN {
            if x.isNaN && y.isNaN { return a < b }
            return y.isNaN
        }
        return x < y || (x == y && a < b)
    }
}

/// The inverse of a permutation: `inverse[perm[i]] = i` (MAE's `ids_restore = argsort(ids_shuffle)`).
public func inversePermutation(_ perm: [Int]) -> [Int] {
    var inv = [Int](repeating: 0, count: perm.count)
    for (i, p) in perm.enumerated() {
        precondition(p >= 0 && p < perm.count, "inversePermutation: \(p) is out of range 0..<\(perm.count)")
        inv[p] = i
    }
    return inv
}

extension Tensor {
    /// Per-row stable ascending argsort of a [R, N] tensor.
    public func argsortRows() -> [[Int]] {
        precondition(rank == 2, "argsortRows: needs [R, N], got \(shape)")
        let n = shape[1]
        let all = scalars
        return (0..<shape[0]).map { argsortAscending(Array(all[($0 * n)..<(($0 + 1) * n)])) }
    }
}
