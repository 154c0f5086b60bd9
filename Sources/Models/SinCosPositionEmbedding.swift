#if canImport(Glibc)
import Glibc
#endif
import Engine

/// The fixed 2-D sin-cos position table of MAE (`get_2d_sincos_pos_embed` with cls row), REFERENCE.md §3.
///
/// Returns `[G·G + 1, D]`: row 0 (cls) is zeros; patch (y, x) is row `1 + y·G + x` with channels
/// `[sin(x·ω), cos(x·ω), sin(y·ω), cos(y·ω)]`, `ω_i = 10000^(−i/(D/4))`. The first half encodes the
/// column: upstream names it `emb_h` but feeds it the meshgrid's first output, which is w.
/// Evaluated in Float64 and rounded (upstream: NumPy float32; differences ≤ 7e-7).
public func sinCosPositionTable(dim: Int, gridSize g: Int) -> Tensor {
    precondition(dim % 4 == 0, "sinCosPositionTable: dim \(dim) is not divisible by 4")
    let q = dim / 4
    var values = [Float](repeating: 0, count: (g * g + 1) * dim)
    for y in 0..<g {
        for x in 0..<g {
            let row = (1 + y * g + x) * dim
            for i in 0..<q {
                let omega = 1 / pow(10000.0, Double(i) / Double(q))
                values[row + i] = Float(sin(Double(x) * omega))
                values[row + q + i] = Float(cos(Double(x) * omega))
                values[row + 2 * q + i] = Float(sin(Double(y) * omega))
                values[row + 3 * q + i] = Float(cos(Double(y) * omega))
            }
        }
    }
    return Tensor(shape: [g * g + 1, dim], values)
}
