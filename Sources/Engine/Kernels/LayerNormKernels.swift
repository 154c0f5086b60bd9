extension Kernels {
    /// LayerNorm forward over the last axis. x: [M, C] rows; weight, bias: [C].
    /// Saves `mean` and `rstd` (each [M]) for the backward pass. Row statistics in Float64, biased variance.
    static func layerNormForward(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>?, _ bias: UnsafePointer<Float>?,
                                 rows: Int, cols c: Int, eps: Float,
                                 out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>) {
        let k = CPUKernels.table
        Parallel.forRanges(rows, grain: Swift.max(1, 8192 / Swift.max(c, 1))) { r in
            let lo = r.lowerBound
            k.layernorm_forward(x + lo * c, weight, bias, r.count, c, eps, out + lo * c, mean + lo, rstd + lo)
        }
    }

    /// LayerNorm backward. With x̂ = (x − mean)·rstd and ĝ = dout·weight:
    /// `dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))`, `dweight = Σ_rows dout · x̂`, `dbias = Σ_rows dout`.
    /// One pass over the rows: blocks of ``layerNormBlockRows`` rows are spread over the threads, each block
    /// keeps its own Float64 column sums, and the blocks' sums are added in block order afterwards, so the
    /// result does not depend on the number of threads.
    static func layerNormBackward(_ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>?,
                                  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, cols c: Int,
                                  dx: UnsafeMutablePointer<Float>?,
                                  dweight: UnsafeMutablePointer<Double>?, dbias: UnsafeMutablePointer<Double>?) {
        let k = CPUKernels.table
        let blockRows = layerNormBlockRows
        let blocks = (rows + blockRows - 1) / blockRows
        let columnSums = dweight != nil || dbias != nil
        // Per block: c sums of dout·x̂, then c of dout.
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: columnSums ? blocks * 2 * c : 0)
        defer { partial.deallocate() }
        Parallel.forRanges(blocks, grain: Swift.max(1, 16384 / Swift.max(c * blockRows, 1))) { range in
            for block in range {
                let lo = block * blockRows, n = Swift.min(rows, lo + blockRows) - lo
                let sums = partial + block * 2 * c
                if columnSums { sums.initialize(repeating: 0, count: 2 * c) }
                k.layernorm_backward(dout + lo * c, x + lo * c, weight, mean + lo, rstd + lo, n, c, dx.map { $0 + lo * c },
                                     dweight == nil ? nil : sums, dbias == nil ? nil : sums + c)
            }
        }
        guard columnSums else { return }
        for block in 0..<blocks {
            let sums = partial + block * 2 * c
            for j in 0..<c {
                dweight?[j] += sums[j]
                dbias?[j] += sums[c + j]
            }
        }
    }

    /// Rows per block of the LayerNorm backward's column sums (fixed, so the summation order is too).
    static let layerNormBlockRows = 64
}
