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
        if let dx {
            Parallel.forRanges(rows, grain: Swift.max(1, 8192 / Swift.max(c, 1))) { range in
                for r in range {
                    let xr = x + r * c, gr = dout + r * c, dr = dx + r * c
                    let m = mean[r], rs = rstd[r]
                    var sg = 0.0, sgx = 0.0
                    for j in 0..<c {
                        let gh = Double(gr[j] * (weight?[j] ?? 1))
                        sg += gh
                        sgx += gh * Double((xr[j] - m) * rs)
                    }
                    let mg = Float(sg / Double(c)), mgx = Float(sgx / Double(c))
                    for j in 0..<c {
                        let gh = gr[j] * (weight?[j] ?? 1)
                        let xh = (xr[j] - m) * rs
                        dr[j] = rs * (gh - mg - xh * mgx)
                    }
                }
            }
        }
        if dweight != nil || dbias != nil {
            // Columns split over threads: each column's sum over rows keeps one fixed order.
            Parallel.forRanges(c, grain: Swift.max(8, 65536 / Swift.max(rows, 1))) { range in
                for r in 0..<rows {
                    let xr = x + r * c, gr = dout + r * c
                    let m = mean[r], rs = rstd[r]
                    if let dweight { for j in range { dweight[j] += Double(gr[j] * ((xr[j] - m) * rs)) } }
                    if let dbias { for j in range { dbias[j] += Double(gr[j]) } }
                }
            }
        }
    }
}
