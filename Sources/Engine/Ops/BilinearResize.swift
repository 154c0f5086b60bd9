// Bilinear resizing of channel-last feature maps, PyTorch's `interpolate(mode="bilinear", align_corners=False)`.

/// One output coordinate's two source taps and weights along an axis (PyTorch's
/// `area_pixel_compute_source_index` with `align_corners=False`: `src = (dst + 0.5)·in/out − 0.5`, clamped at 0).
struct BilinearTaps {
    var low: [Int], high: [Int], lowWeight: [Float], highWeight: [Float]

    init(input: Int, output: Int) {
        let scale = Double(input) / Double(output)
        (low, high, lowWeight, highWeight) = ([], [], [], [])
        for o in 0..<output {
            let src = Swift.max((Double(o) + 0.5) * scale - 0.5, 0)
            let i0 = Swift.min(Int(src), input - 1)
            let i1 = i0 < input - 1 ? i0 + 1 : i0
            let l1 = Float(src - Double(i0))
            low.append(i0); high.append(i1); lowWeight.append(1 - l1); highWeight.append(l1)
        }
    }
}

extension Tensor {
    /// `[B, h, w, C] -> [B, H, W, C]`: bilinear resampling of channel-last maps with PyTorch's
    /// `align_corners=False` convention (the same numbers as `interpolate` on the `[B, C, h, w]` permutation).
    /// Differentiable; the pullback spreads each output's gradient back onto its four source taps.
    public func bilinearResized(height: Int, width: Int) -> Tensor {
        precondition(rank == 4, "bilinearResized: needs a [B, h, w, C] tensor, got shape \(shape)")
        precondition(height > 0 && width > 0, "bilinearResized: empty output size \(height)x\(width)")
        let (b, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        precondition(h > 0 && w > 0, "bilinearResized: empty input \(shape)")
        if h == height && w == width { return self }
        let ty = BilinearTaps(input: h, output: height), tx = BilinearTaps(input: w, output: width)
        let px = ptr
        let out = Tensor.make([b, height, width, c]) { po in
            Parallel.forRanges(b * height, grain: Swift.max(1, 16384 / Swift.max(1, width * c))) { rows in
                for row in rows {
                    let (bi, oy) = (row / height, row % height)
                    let (y0, y1, wy0, wy1) = (ty.low[oy], ty.high[oy], ty.lowWeight[oy], ty.highWeight[oy])
                    let r0 = px + (bi * h + y0) * w * c, r1 = px + (bi * h + y1) * w * c
                    let dst = po + row * width * c
                    for ox in 0..<width {
                        let (x0, x1) = (tx.low[ox] * c, tx.high[ox] * c)
                        let (a, bb, cc, dd) = (wy0 * tx.lowWeight[ox], wy0 * tx.highWeight[ox], wy1 * tx.lowWeight[ox], wy1 * tx.highWeight[ox])
                        let d = dst + ox * c
                        for j in 0..<c { d[j] = a * r0[x0 + j] + bb * r0[x1 + j] + cc * r1[x0 + j] + dd * r1[x1 + j] }
                    }
                }
            }
        }
        let inShape = shape
        return Tensor.record(out, inputs: [self]) { g in
            let gx = Tensor.zeros(inShape)
            let pg = g.ptr, pd = gx.ptr
            // one image per task: no two tasks write the same input row
            Parallel.forRanges(b, grain: 1) { images in
                for bi in images {
                    for oy in 0..<height {
                        let (y0, y1, wy0, wy1) = (ty.low[oy], ty.high[oy], ty.lowWeight[oy], ty.highWeight[oy])
                        let r0 = pd + (bi * h + y0) * w * c, r1 = pd + (bi * h + y1) * w * c
                        let src = pg + (bi * height + oy) * width * c
                        for ox in 0..<width {
                            let (x0, x1) = (tx.low[ox] * c, tx.high[ox] * c)
                            let (a, bb, cc, dd) = (wy0 * tx.lowWeight[ox], wy0 * tx.highWeight[ox], wy1 * tx.lowWeight[ox], wy1 * tx.highWeight[ox])
                            let s = src + ox * c
                            for j in 0..<c {
                                let v = s[j]
                                r0[x0 + j] += a * v; r0[x1 + j] += bb * v; r1[x0 + j] += cc * v; r1[x1 + j] += dd * v
                            }
                        }
                    }
                }
            }
            return [gx]
        }
    }
}
