// Concatenation, splitting and slicing along one axis.

extension Kernels {
    /// Copies `x`'s [outer, n, inner] blocks into `dst` (rows of `dstN` along the axis) starting at `offset`.
    static func copyBlocks(from x: UnsafePointer<Float>, outer: Int, n: Int, inner: Int,
                           to dst: UnsafeMutablePointer<Float>, dstN: Int, offset: Int) {
        let len = n * inner
        for o in 0..<outer {
            (dst + (o * dstN + offset) * inner).update(from: x + o * len, count: len)
        }
    }

    /// Reads the sub-block [offset, offset+n) along the axis of a [outer, srcN, inner] buffer.
    static func sliceBlocks(_ src: UnsafePointer<Float>, outer: Int, srcN: Int, inner: Int,
                            offset: Int, n: Int, into dst: UnsafeMutablePointer<Float>) {
        let len = n * inner
        for o in 0..<outer {
            (dst + o * len).update(from: src + (o * srcN + offset) * inner, count: len)
        }
    }
}

extension Tensor {
    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat: no tensors given")
        let first = parts[0]
        let ax = Shape.axis(axis, rank: first.rank, op: "concat")
        for p in parts {
            var a = p.shape, b = first.shape
            precondition(a.count == b.count, "concat: shapes \(first.shape) and \(p.shape) differ in rank")
            a[ax] = 0; b[ax] = 0
            precondition(a == b, "concat: shapes \(first.shape) and \(p.shape) differ outside axis \(ax)")
        }
        let sizes = parts.map { $0.shape[ax] }
        var outShape = first.shape
        outShape[ax] = sizes.reduce(0, +)
        let (outer, total, inner) = Shape.around(outShape, axis: ax)
        let out = Tensor.make(outShape) { po in
            var off = 0
            for (p, n) in zip(parts, sizes) {
                Kernels.copyBlocks(from: p.ptr, outer: outer, n: n, inner: inner, to: po, dstN: total, offset: off)
                off += n
            }
        }
        // The pullback keeps which parts need a gradient, not the parts.
        return record(out, inputs: parts) { [needed = parts.map(\.requiresGrad)] g in
            var off = 0
            return zip(needed, sizes).map { needed, n in
                defer { off += n }
                guard needed else { return nil }
                var s = outShape; s[ax] = n
                let o = off
                return Tensor.make(s) { Kernels.sliceBlocks(g.ptr, outer: outer, srcN: total, inner: inner, offset: o, n: n, into: $0) }
            }
        }
    }

    /// Elements `range` along `axis` (a contiguous copy).
    public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice: range \(range) out of bounds for axis \(ax) of shape \(shape)")
        let (outer, srcN, inner) = Shape.around(shape, axis: ax)
        var outShape = shape
        outShape[ax] = range.count
        let out = Tensor.make(outShape) {
            Kernels.sliceBlocks(ptr, outer: outer, srcN: srcN, inner: inner, offset: range.lowerBound, n: range.count, into: $0)
        }
        let inShape = shape
        return Tensor.record(out, inputs: [self]) { g in
            let gx = Tensor.zeros(inShape)
            Kernels.copyBlocks(from: g.ptr, outer: outer, n: range.count, inner: inner, to: gx.ptr, dstN: srcN, offset: range.lowerBound)
            return [gx]
        }
    }

    /// Splits along `axis` into pieces of the given sizes (which must add up to the axis length).
    public func split(alongAxis axis: Int, sizes: [Int]) -> [Tensor] {
        let ax = Shape.axis(axis, rank: rank, op: "split")
        precondition(sizes.reduce(0, +) == shape[ax], "split: sizes \(sizes) do not add up to \(shape[ax]) (axis \(ax) of \(shape))")
        var off = 0
        return sizes.map { n in
            defer { off += n }
            return slice(alongAxis: ax, off..<(off + n))
        }
    }
}
