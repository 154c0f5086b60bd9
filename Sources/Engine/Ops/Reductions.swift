// Sums and means, accumulated in Float64.

extension Kernels {
    /// [outer, n, inner] -> [outer, inner], Σ over n in Float64, times `scale`.
    static func sumAxis(_ x: Tensor, axis: Int, scale: Double, outShape: [Int]) -> Tensor {
        let (outer, n, inner) = Shape.around(x.shape, axis: axis)
        let px = x.ptr
        return Tensor.make(outShape) { po in
            Parallel.forRanges(outer, grain: Swift.max(1, 16384 / Swift.max(1, n * inner))) { range in
                var acc = [Double](repeating: 0, count: inner)
                for o in range {
                    for j in 0..<inner { acc[j] = 0 }
                    let base = px + o * n * inner
                    for i in 0..<n {
                        let row = base + i * inner
                        for j in 0..<inner { acc[j] += Double(row[j]) }
                    }
                    for j in 0..<inner { po[o * inner + j] = Float(acc[j] * scale) }
                }
            }
        }
    }

    /// [outer, inner] -> [outer, n, inner], repeating along the middle axis, times `scale`.
    static func expandAxis(_ g: Tensor, n: Int, axis: Int, scale: Float, shape: [Int]) -> Tensor {
        let (outer, _, inner) = Shape.around(shape, axis: axis)
        let pg = g.ptr
        return Tensor.make(shape) { po in
            Parallel.forRanges(outer, grain: Swift.max(1, 16384 / Swift.max(1, n * inner))) { range in
                for o in range {
                    for i in 0..<n {
                        let dst = po + (o * n + i) * inner, src = pg + o * inner
                        for j in 0..<inner { dst[j] = src[j] * scale }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// Σ over `axis`. `keepingDim` leaves a 1 in its place, as PyTorch `keepdim=True`.
    public func sum(alongAxis axis: Int, keepingDim: Bool = false) -> Tensor {
        reduce(axis: axis, keepingDim: keepingDim, mean: false, op: "sum")
    }

    /// Mean over `axis`.
    public func mean(alongAxis axis: Int, keepingDim: Bool = false) -> Tensor {
        reduce(axis: axis, keepingDim: keepingDim, mean: true, op: "mean")
    }

    /// Σ of all elements, as a one-element tensor of shape [].
    public func sum() -> Tensor { reshaped([count]).sum(alongAxis: 0) }

    /// Mean of all elements, shape [].
    public func mean() -> Tensor { reshaped([count]).mean(alongAxis: 0) }

    private func reduce(axis: Int, keepingDim: Bool, mean: Bool, op: String) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: op)
        let n = shape[ax]
        var outShape = shape
        if keepingDim { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        let scale = mean ? 1.0 / Double(n) : 1.0
        let out = Kernels.sumAxis(self, axis: ax, scale: scale, outShape: outShape)
        let inShape = shape
        return Tensor.record(out, inputs: [self], op: mean ? "mean" : "sum") { g in
            [Kernels.expandAxis(g, n: n, axis: ax, scale: Float(scale), shape: inShape)]
        }
    }
}
