// Reshape (a free view), permute / transpose (contiguous copies).

extension Kernels {
    /// Contiguous copy of `x` with axes reordered: out axis i is input axis `perm[i]`.
    static func permute(_ x: Tensor, _ perm: [Int]) -> Tensor {
        let inStrides = Shape.strides(x.shape)
        let outShape = perm.map { x.shape[$0] }
        let src = perm.map { inStrides[$0] }
        let px = x.ptr
        return Tensor.make(outShape) { po in
            let inner = outShape.last ?? 1
            let si = src.last ?? 1
            let rows = x.count / Swift.max(inner, 1)
            Parallel.forRanges(rows, grain: Swift.max(1, 16384 / Swift.max(inner, 1))) { range in
                forEachRow(outShape, src, src, rows: range) { row, o, _ in
                    let dst = po + row * inner, s = px + o
                    if si == 1 {
                        dst.update(from: s, count: inner)
                    } else {
                        for j in 0..<inner { dst[j] = s[j * si] }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// The same elements under a new shape with the same count; one dimension may be -1 (inferred). Free.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let rest = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(rest > 0 && count % rest == 0, "reshaped: cannot infer -1 in \(newShape) from shape \(shape)")
            s[i] = count / rest
        }
        precondition(Shape.count(s) == count, "reshaped: shape \(shape) (\(count) elements) cannot become \(newShape)")
        let inShape = shape
        let out = Tensor(shape: s, storage: storage)
        return Tensor.record(out, inputs: [self]) { g in [Tensor(shape: inShape, storage: g.storage)] }
    }

    /// Reorders axes: output axis i is input axis `axes[i]` (PyTorch `permute`). Returns a contiguous copy.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank),
                     "permuted: \(axes) is not a permutation of the axes of shape \(shape)")
        if axes == Array(0..<rank) { return self }
        let out = Kernels.permute(self, axes)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return Tensor.record(out, inputs: [self]) { g in [Kernels.permute(g, inverse)] }
    }

    /// Swaps two axes.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(Shape.axis(a, rank: rank, op: "transposed"), Shape.axis(b, rank: rank, op: "transposed"))
        return permuted(axes)
    }
}
