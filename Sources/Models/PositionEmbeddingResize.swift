import Engine

/// A learned position table for another patch grid, as MAE's `interpolate_pos_embed` does when weights
/// are fine-tuned at another image size: the `[1, extra + g², D]` table's grid rows are resized from g × g
/// to n × n bicubically (PyTorch's `interpolate(mode="bicubic", align_corners=False)`: cubic convolution
/// with A = −0.75, source coordinate `(o + 0.5)·g/n − 0.5`, edge indices clamped) and the `extra` leading
/// rows (the cls token) are kept as they are. Weights in Float64, values stored as Float32.
///
/// `antialias: true` is timm's `resample_abs_pos_embed` default (PyTorch's `antialias=True`, PIL's filter):
/// cubic with A = −0.5 whose support widens by the scale when shrinking, weights renormalised over the taps
/// inside the grid. MAE's rule (false) is the default.
public enum PositionEmbeddingResize {
    /// - Parameters:
    ///   - table: `[1, extra + g², D]` or `[extra + g², D]`.
    ///   - extraTokens: leading rows that are not grid positions (1 for the cls token).
    ///   - grid: the new side n.
    /// - Returns: the table with `extra + n²` rows, in the input's rank.
    ///   - antialias: timm's antialiased resize instead of MAE's.
    public static func resized(_ table: Tensor, extraTokens: Int = 1, grid n: Int, antialias: Bool = false) -> Tensor {
        precondition(table.rank == 2 || (table.rank == 3 && table.shape[0] == 1),
                     "PositionEmbeddingResize: table \(table.shape) is not [1, T, D] or [T, D]")
        precondition(n >= 1, "PositionEmbeddingResize: grid \(n) < 1")
        let rows = table.shape[table.rank - 2], d = table.shape[table.rank - 1]
        let g = Int(Double(rows - extraTokens).squareRoot().rounded())
        precondition(extraTokens >= 0 && g * g == rows - extraTokens,
                     "PositionEmbeddingResize: \(rows) rows minus \(extraTokens) extra tokens is not a square grid")
        if g == n { return table.detached() }
        let source = table.detached().scalars
        // resize along x for every source row, then along y (both in Float64)
        let w = antialias ? antialiasedWeights(from: g, to: n) : weights(from: g, to: n)
        var mid = [Double](repeating: 0, count: g * n * d)
        for y in 0..<g { for ox in 0..<n { for (ix, wt) in w[ox] {
            let s = (extraTokens + y * g + ix) * d, o = (y * n + ox) * d
            for c in 0..<d { mid[o + c] += wt * Double(source[s + c]) }
        } } }
        var grid = [Double](repeating: 0, count: n * n * d)
        for oy in 0..<n { for (iy, wt) in w[oy] { for ox in 0..<n {
            let s = (iy * n + ox) * d, o = (oy * n + ox) * d
            for c in 0..<d { grid[o + c] += wt * mid[s + c] }
        } } }
        let out = Array(source.prefix(extraTokens * d)) + grid.map { Float($0) }
        let shape = table.rank == 3 ? [1, extraTokens + n * n, d] : [extraTokens + n * n, d]
        return Tensor(shape: shape, out)
    }

    /// For each output index, the four (source index, weight) pairs of cubic convolution, indices clamped.
    static func weights(from g: Int, to n: Int) -> [[(Int, Double)]] {
        let a = -0.75, scale = Double(g) / Double(n)
        func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }          // |x| ≤ 1
        func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }     // 1 < |x| < 2
        return (0..<n).map { o in
            let src = (Double(o) + 0.5) * scale - 0.5
            let x0 = Int(src.rounded(.down)), t = src - Double(x0)
            let w = [far(t + 1), near(t), near(1 - t), far(2 - t)]
            return (0..<4).map { k in (Swift.min(Swift.max(x0 - 1 + k, 0), g - 1), w[k]) }
        }
    }

    /// For each output index, PyTorch's antialiased bicubic taps (`_upsample_bicubic2d_aa`, as PIL): centre
    /// `(o + 0.5)·s`, support `2·max(s, 1)`, cubic A = −0.5 at `(j − centre + 0.5) / max(s, 1)`, normalised.
    static func antialiasedWeights(from g: Int, to n: Int) -> [[(Int, Double)]] {
        let a = -0.5, scale = Double(g) / Double(n)
        func cubic(_ v: Double) -> Double {
            let x = abs(v)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
        let support = 2 * Swift.max(scale, 1), inverse = 1 / Swift.max(scale, 1)
        return (0..<n).map { o in
            let center = scale * (Double(o) + 0.5)
            let lo = Swift.max(Int(center - support + 0.5), 0), hi = Swift.min(Int(center + support + 0.5), g)
            let taps = (lo..<hi).map { j in (j, cubic((Double(j) - center + 0.5) * inverse)) }
            let total = taps.reduce(0) { $0 + $1.1 }
            return taps.map { ($0.0, total != 0 ? $0.1 / total : 0) }
        }
    }
}
