extension Kernels {
    /// LayerNorm forward over the last axis. x: [M, C] rows; weight, bias: [C].
    /// Saves `mean` and `rstd` (each [M]) for the backward pass. Row statistics in Float64, biased variance.
    static func layerNormForward(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>?, _ bias: UnsafePointer<Float>?,
                                 rows: Int, cols c: Int, eps: Float,
                                 out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>) {
        Parallel.forRanges(rows, grain: Swift.max(1, 8192 / Swift.max(c, 1))) { range in
            for r in range {
                let xr = x + r * c, yr = out + r * c
                let mu = Kernels.sumDouble(xr, c) / Double(c)
                let v = Kernels.squaredDeviationDouble(xr, c, mean: mu)
                let rs = 1.0 / (v / Double(c) + Double(eps)).squareRoot()
                let m = Float(mu), rsf = Float(rs)
                mean[r] = m; rstd[r] = rsf
                if let weight, let bias {
                    for j in 0..<c { yr[j] = (xr[j] - m) * rsf * weight[j] + bias[j] }
                } else {
                    for j in 0..<c { yr[j] = (xr[j] - m) * rsf }
                }
            }
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
        let one = FastMath.Vector(repeating: 1)
        @inline(__always) func weights(_ j: Int) -> FastMath.Vector { weight.map { FastMath.load($0, j, c) } ?? one }
        let groups = (c + 7) / 8
        let blockRows = layerNormBlockRows
        let blocks = (rows + blockRows - 1) / blockRows
        let columnSums = dweight != nil || dbias != nil
        // Per block: `groups` vectors of Σ dout·x̂, then `groups` of Σ dout.
        let partial = UnsafeMutablePointer<SIMD8<Double>>.allocate(capacity: columnSums ? blocks * 2 * groups : 0)
        defer { partial.deallocate() }
        Parallel.forRanges(blocks, grain: Swift.max(1, 16384 / Swift.max(c * blockRows, 1))) { range in
            for block in range {
                let sums = partial + block * 2 * groups
                if columnSums { sums.initialize(repeating: SIMD8<Double>(repeating: 0), count: 2 * groups) }
                for r in (block * blockRows)..<Swift.min(rows, (block + 1) * blockRows) {
                    let xr = x + r * c, gr = dout + r * c
                    let m = mean[r], rs = rstd[r]
                    if let dx {
                        // Lanes past c load as zero gradient, so they add nothing.
                        var sg = SIMD8<Double>(repeating: 0), sgx = SIMD8<Double>(repeating: 0)
                        var j = 0
                        while j < c {
                            let gh = FastMath.load(gr, j, c) * weights(j)
                            let xh = (FastMath.load(xr, j, c) - m) * rs
                            sg += SIMD8<Double>(gh)
                            sgx += SIMD8<Double>(gh * xh)
                            j += 8
                        }
                        let mg = Float(sg.sum() / Double(c)), mgx = Float(sgx.sum() / Double(c))
                        let dr = dx + r * c
                        j = 0
                        while j < c {
                            let gh = FastMath.load(gr, j, c) * weights(j)
                            let xh = (FastMath.load(xr, j, c) - m) * rs
                            FastMath.store(rs * (gh - mg - xh * mgx), dr, j, c)
                            j += 8
                        }
                    }
                    if columnSums {
                        for q in 0..<groups {
                            let g = FastMath.load(gr, q * 8, c)
                            sums[q] += SIMD8<Double>(g * ((FastMath.load(xr, q * 8, c) - m) * rs))
                            sums[groups + q] += SIMD8<Double>(g)
                        }
                    }
                }
            }
        }
        guard columnSums else { return }
        for block in 0..<blocks {
            let sums = partial + block * 2 * groups
            for q in 0..<groups {
                for l in 0..<Swift.min(8, c - q * 8) {
                    dweight?[q * 8 + l] += sums[q][l]
                    dbias?[q * 8 + l] += sums[groups + q][l]
                }
            }
        }
    }

    /// Rows per block of the LayerNorm backward's column sums (fixed, so the summation order is too).
    static let layerNormBlockRows = 64
}
