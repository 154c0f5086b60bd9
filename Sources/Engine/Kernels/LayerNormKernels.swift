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
    static func layerNormBackward(_ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>?,
                                  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, cols c: Int,
                                  dx: UnsafeMutablePointer<Float>?,
                                  dweight: UnsafeMutablePointer<Double>?, dbias: UnsafeMutablePointer<Double>?) {
        let one = FastMath.Vector(repeating: 1)
        @inline(__always) func weights(_ j: Int) -> FastMath.Vector { weight.map { FastMath.load($0, j, c) } ?? one }
        if let dx {
            Parallel.forRanges(rows, grain: Swift.max(1, 8192 / Swift.max(c, 1))) { range in
                for r in range {
                    let xr = x + r * c, gr = dout + r * c, dr = dx + r * c
                    let m = mean[r], rs = rstd[r]
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
                    j = 0
                    while j < c {
                        let gh = FastMath.load(gr, j, c) * weights(j)
                        let xh = (FastMath.load(xr, j, c) - m) * rs
                        FastMath.store(rs * (gh - mg - xh * mgx), dr, j, c)
                        j += 8
                    }
                }
            }
        }
        if dweight != nil || dbias != nil {
            // Columns split over threads (in groups of eight): each column's sum over rows keeps one fixed order.
            let groups = (c + 7) / 8
            Parallel.forRanges(groups, grain: Swift.max(1, 8192 / Swift.max(rows, 1))) { range in
                let lo = range.lowerBound * 8, width = range.count
                let acc = UnsafeMutablePointer<SIMD8<Double>>.allocate(capacity: 2 * width)
                acc.initialize(repeating: SIMD8<Double>(repeating: 0), count: 2 * width)
                defer { acc.deallocate() }
                for r in 0..<rows {
                    let xr = x + r * c, gr = dout + r * c
                    let m = mean[r], rs = rstd[r]
                    for q in 0..<width {
                        let j = lo + q * 8
                        let g = FastMath.load(gr, j, c)
                        acc[q] += SIMD8<Double>(g * ((FastMath.load(xr, j, c) - m) * rs))
                        acc[width + q] += SIMD8<Double>(g)
                    }
                }
                for q in 0..<width {
                    for l in 0..<Swift.min(8, c - lo - q * 8) {
                        dweight?[lo + q * 8 + l] += acc[q][l]
                        dbias?[lo + q * 8 + l] += acc[width + q][l]
                    }
                }
            }
        }
    }
}
